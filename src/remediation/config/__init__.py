"""Settings from the environment: every variable the tool acts on is read in this package.

Every face (the Lambda handler, the CLI) builds one :class:`Settings` per run.
A value that cannot be understood is reported in ``Settings.problems`` and
makes the run *more* cautious (dry-run), never less.

Environment variables
---------------------
REMEDIATION_MODE
    ``dry-run`` (default, also when unset or empty) or ``auto-fix``.
AUTO_FIX_ACCOUNT_IDS
    Comma list of 12-digit account ids. Auto-fix takes effect only in these
    accounts: a second key, so that one wrong parameter cannot put a
    production account into auto-fix.
SERVICES
    Comma list of ``name:type``, type ``interface`` or ``gateway``
    (default ``ecr.api:interface,ecr.dkr:interface,s3:gateway``). A name the tool does not
    know (:data:`~remediation.config.services.KNOWN_SERVICES`: a typo such as ``ecr.dck``) is
    a problem: it is left out and the run is dry-run. Leaving out ``ecr.api``, ``ecr.dkr`` or
    ``s3`` is a problem too (they are checked all the same) unless SERVICES_OMIT names them.
SERVICES_UNLISTED
    Comma list of service names that SERVICES may hold although the tool does not know them
    (an endpoint service newer than this version): each is your word that it exists.
SERVICES_OMIT
    Comma list of ``ecr.api``, ``ecr.dkr``, ``s3``: the required services SERVICES leaves
    out on purpose (say, S3 reached another way). Without it, a SERVICES that leaves one out
    is a problem.
NOTIFICATION_TOPIC_ARN
    SNS topic for the per-VPC messages; unset means no notification.
DELETION_WAIT_SECONDS
    How long auto-fix waits for an endpoint of the same service to finish
    deleting before it defers the creation to Lambda's retry (default 60).
MAX_AZS_PER_ENDPOINT
    Optional cap on the AZs of each interface endpoint (cost); unset means every AZ.
GATEWAY_REPORT_ONLY
    ``true`` keeps gateway endpoint changes (which briefly interrupt S3
    connections) report-only while interface endpoints are fixed.
REQUIRE_LOCAL_ENDPOINTS
    ``true`` means a VPC served by a centralised endpoint (a shared private
    hosted zone) must still have its own endpoints.
ENDPOINT_POLICY
    The policy of the interface endpoints the tool creates: ``account`` (allow only the
    account's principals: ``aws:PrincipalAccount``; the default without ORGANIZATION_ID),
    ``organization`` (``aws:PrincipalOrgID``; the default with ORGANIZATION_ID),
    ``perimeter`` (AWS's data-perimeter policy; needs ORGANIZATION_ID) or ``full-access``
    (what AWS attaches). In a VPC the account shares out (AWS RAM) ``account`` is never
    written (:mod:`remediation.baseline.policy_documents`). An unreadable value is reported,
    the default is used, and the tool then leaves the policies of its endpoints as they are.
ORGANIZATION_ID
    The account's AWS Organizations id (``o-...``): the ``organization`` and ``perimeter``
    policies, and the evaluation of policies conditioned on ``aws:PrincipalOrgID``.
S3_GATEWAY_POLICY
    The policy of the S3 gateway endpoints the tool creates: ``full-access``
    (default), ``ecr-layers-only`` (only ``s3:GetObject`` on ECR's layer bucket) or
    ``perimeter`` (the organisation's buckets and ECR's layer bucket; the default with
    ``ENDPOINT_POLICY=perimeter``). ``ecr-layers-only`` is an explicit opt-in: it breaks
    every other S3 use (buckets, package mirrors, SSM, ...) from the subnets behind those
    route tables.
INSPECTED_EGRESS
    ``report`` (default) or ``repair``: whether the tool adds S3 routes and interface
    endpoints in a VPC whose private route tables send their default route to inspection (a
    transit gateway, a firewall, an appliance, Cloud WAN). ``repair`` needs ORGANIZATION_ID:
    what it creates there carries the perimeter policy. Unreadable: ``report``.
AWS_REGISTRY_ACCOUNTS
    Comma list of the accounts of AWS-owned registries the perimeter policy lets the
    organisation pull from (for example EKS add-on images' accounts).
EXTRA_TAGS
    ``key=value`` pairs separated by commas (default none): tags that tag policies or service
    control policies require, added to everything the tool creates (endpoints, its security
    group). Checked against EC2's tag rules; a pair that breaks them is reported and makes
    the run dry-run (creating untagged resources where tags are required is a harm).
NOTIFICATION_FORMAT
    ``text`` (default: the text message, then its JSON form) or ``chatbot`` (the
    custom-notification JSON of Amazon Q Developer in chat applications, for Slack and
    Teams channels: :mod:`remediation.report.chat`). An unreadable value is reported; text is sent.
ENDPOINT_NEED
    Where interface endpoints go: ``always`` (default: every VPC with private subnets),
    ``workloads`` (VPCs where container workloads run, or with a private subnet without a
    route out) or ``isolated`` (only the latter). The S3 gateway rule is the same in every
    mode (:mod:`remediation.baseline.need`). An unreadable value is reported, ``always`` is
    used and the run is dry-run.
ENDPOINT_PROFILE, PROFILE_REPAIR
    ``ecr`` (default), ``ecs``, ``ecs-fargate`` or ``eks``: the companion interface services
    (:data:`~remediation.config.services.PROFILES`) checked beside ECR's, report-only unless
    ``PROFILE_REPAIR=true``.

MEMBER_ROLE_NAME, MEMBER_ACCOUNT_IDS, ORGANISATION_REGIONS, WORK_QUEUE_URL
    Organisation mode: the member role's name, the accounts served (empty: the
    organisation's; an entry that is not an account id is not served, and a list of which
    nothing can be read serves no member account), the regions the queued sweep covers, and
    its queue.
TOOL_ROLE_ARN
    The function's own role: CloudTrail events of its calls are not acted on.
FIX_ON_APPROVAL, SECURITY_HUB_FINDINGS
    ``true``: a person's approval in Security Hub repairs the selected VPCs; each run imports
    its findings into Security Hub.
SWEEP_JITTER_SECONDS
    The most a scheduled sweep waits before it starts (0 to 900; default 0).

Modules
-------
:mod:`~remediation.config.settings` (the :class:`Settings` record and :func:`load_settings`),
:mod:`~remediation.config.services` (SERVICES and the profiles),
:mod:`~remediation.config.endpoints` (what the tool's endpoints carry),
:mod:`~remediation.config.deployment` (organisation mode, Security Hub, the SDK's variables)
and :mod:`~remediation.config.readers` (flags, account ids).

Per-VPC tags
------------
``ecr-endpoint-guard/mode`` (:data:`remediation.modes.MODE_TAG`) makes one VPC more
cautious; ``ecr-endpoint-guard/until`` (``YYYY-MM-DD``, UTC) bounds that exception: after
that day the deployment's mode applies again (:func:`vpc_mode`,
:mod:`remediation.modes`).

Examples
--------
>>> s = load_settings({"REMEDIATION_MODE": "auto-fix"}, account_id="111122223333")
>>> s.mode.label, s.problems[0][:45]
('dry-run', 'auto-fix requested but account 111122223333 i')
>>> load_settings({"REMEDIATION_MODE": "yolo"}).mode.label
'dry-run'
"""

from __future__ import annotations

from remediation.config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
