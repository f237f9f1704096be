"""A pure evaluator of IAM-style endpoint policies: would this request pass the endpoint?

VPC endpoint policies are IAM resource policies (PrivateLink guide, "Control access to
VPC endpoints using endpoint policies"). The tool reads them to tell whether ECR image
pulls get through; it never writes one it did not create. Evaluation follows IAM's
logic (IAM user guide, "Policy evaluation logic"): an explicit ``Deny`` wins, then an
``Allow``, else the request is implicitly denied. Wildcards ``*`` and ``?`` work in
actions (case-insensitively) and resources (case-sensitively); ``NotAction``,
``NotResource`` and ``NotPrincipal`` invert their element (a ``NotPrincipal`` naming only
the account spares its root user, not the workloads' roles:
:func:`~remediation.iam_policy.matching.not_principal_match`).

Everything is three-valued (:class:`~remediation.iam_policy.terms.Tri`): a condition key the
tool cannot know (a principal tag, the resource's organisation, ...) makes a statement
``UNKNOWN``, and a verdict built on an unknown is ``Verdict.UNKNOWN`` (a person checks it),
never a guess either way.

Modules, from the bottom: :mod:`~remediation.iam_policy.terms` (three-valued truth, the
request, its caller, the answer), :mod:`~remediation.iam_policy.matching` (wildcards, and a
statement's principal, action and resource), :mod:`~remediation.iam_policy.conditions`
(the condition keys the tool can know, and the operators) and
:mod:`~remediation.iam_policy.evaluation` (a policy's statements, the verdict, full access,
a comparable form). The package loads only on the paths that evaluate a policy.
"""
