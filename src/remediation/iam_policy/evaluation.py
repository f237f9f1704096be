"""A policy's verdict on a request, whether it grants full access, and a comparable form.

Examples
--------
>>> seed = ('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", '
...         '"Resource": "*", "Condition": {"StringEquals": '
...         '{"aws:PrincipalAccount": "123456789012"}}}]}')
>>> caller = Caller(account_id="123456789012", vpc_id="vpc-1", endpoint_id="vpce-1")
>>> evaluate(seed, Request("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:"
...                        "repository/", any_suffix=True), caller).verdict.value
'allowed'
>>> evaluate(seed, Request("ecr:BatchGetImage", "*"),
...          Caller(account_id="111122223333")).verdict.value
'not-allowed'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from remediation.iam_policy.conditions import conditions_match
from remediation.iam_policy.matching import (
    action_match,
    listed,
    not_principal_match,
    principal_match,
    resource_match,
)
from remediation.iam_policy.terms import Caller, Decision, Request, Tri, Verdict, all_of, any_of


def statements(document: str) -> list[Mapping[str, Any]] | None:
    """The statements of a policy document, or ``None`` when it cannot be read.

    An empty document means EC2 reported none: the default policy, full access.
    """
    if not document.strip():
        return [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
    try:
        parsed = json.loads(document)
    except ValueError:
        return None
    if not isinstance(parsed, Mapping):
        return None
    found = listed(parsed.get("Statement"))
    return found if all(isinstance(s, Mapping) for s in found) else None


def evaluate(document: str, request: Request, caller: Caller) -> Decision:
    """Whether ``caller`` may make ``request`` through an endpoint with this policy."""
    found = statements(document)
    if found is None:
        return Decision(Verdict.UNKNOWN, ("the policy document cannot be read as JSON",))
    allows: list[Tri] = []
    denies: list[tuple[Tri, str]] = []
    notes: list[str] = []
    for index, statement in enumerate(found):
        effect = statement.get("Effect")
        label = str(statement.get("Sid") or f"statement {index + 1}")
        if effect not in ("Allow", "Deny"):
            notes.append(f"{label} has no Effect Allow or Deny")
            allows.append(Tri.UNKNOWN)
            continue
        local: list[str] = []
        if "NotPrincipal" in statement:
            who = not_principal_match(statement["NotPrincipal"], caller, local)
        else:
            who = principal_match(statement.get("Principal", "*"), caller, local)
        applies = all_of(
            [
                action_match(statement, request.action),
                who,
                resource_match(statement, request, local),
                conditions_match(statement.get("Condition"), caller, request, local),
            ]
        )
        if applies is Tri.UNKNOWN:
            notes += [f"{label}: {n}" for n in local]
        if effect == "Deny":
            denies.append((applies, label))
        else:
            allows.append(applies)
    denied = [label for tri, label in denies if tri is Tri.TRUE]
    if denied:
        return Decision(Verdict.DENIED, tuple(f"denied by {label}" for label in denied))
    allowed = any_of(allows)
    maybe_denied = any(tri is Tri.UNKNOWN for tri, _ in denies)
    if allowed is Tri.FALSE:
        return Decision(Verdict.NOT_ALLOWED)
    if allowed is Tri.TRUE and not maybe_denied:
        return Decision(Verdict.ALLOWED)
    return Decision(Verdict.UNKNOWN, tuple(dict.fromkeys(notes)))


def is_full_access(document: str, service_prefix: str) -> bool:
    """True when the policy allows everything of the service to everyone, unconditionally
    (EC2's default policy, or an equivalent); a readable policy that is narrower is not."""
    found = statements(document)
    if found is None:
        return False
    if any(s.get("Effect") != "Allow" for s in found):
        return False
    wanted = {"*", f"{service_prefix}:*"}
    return any(
        s.get("Principal", "*") in ("*", {"AWS": "*"})
        and "NotPrincipal" not in s
        and "Condition" not in s
        and any(str(a).lower() in wanted for a in listed(s.get("Action")))
        and "*" in listed(s.get("Resource"))
        for s in found
    )


def canonical(document: str) -> str:
    """A comparable form of a policy (key order, spacing and one-item lists do not matter)."""

    def norm(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {k: norm(v) for k, v in node.items() if k not in ("Version", "Id", "Sid")}
        if isinstance(node, list):
            items = [norm(v) for v in node]
            return items[0] if len(items) == 1 else sorted(items, key=json.dumps)
        return node

    found = statements(document)
    if found is None:
        return document
    return json.dumps(norm(list(found)), sort_keys=True)
