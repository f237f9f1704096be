"""Settings from the environment.

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
    know (:data:`KNOWN_SERVICES`: a typo such as ``ecr.dck``) is a problem: it is left out
    and the run is dry-run. Leaving out ``ecr.api``, ``ecr.dkr`` or ``s3`` is a problem too
    (they are checked all the same) unless SERVICES_OMIT names them.
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
    (:data:`PROFILES`) checked beside ECR's, report-only unless ``PROFILE_REPAIR=true``.

MEMBER_ROLE_NAME, MEMBER_ACCOUNT_IDS, ORGANISATION_REGIONS, WORK_QUEUE_URL
    Organisation mode: the member role's name, the accounts served (empty: the
    organisation's), the regions the queued sweep covers, and its queue.
TOOL_ROLE_ARN
    The function's own role: CloudTrail events of its calls are not acted on.
FIX_ON_APPROVAL, SECURITY_HUB_FINDINGS
    ``true``: a person's approval in Security Hub repairs the selected VPCs; each run imports
    its findings into Security Hub.
SWEEP_JITTER_SECONDS
    The most a scheduled sweep waits before it starts (0 to 900; default 0).

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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from remediation.modes import Mode, ModeReason
from remediation.vocabulary import ACCOUNT_ID, EndpointType

SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}$")
DEFAULT_SERVICES = "ecr.api:interface,ecr.dkr:interface,s3:gateway"
#: What ECR image pulls need: SERVICES may leave one out only when SERVICES_OMIT names it.
REQUIRED_SERVICES = ("ecr.api", "ecr.dkr", "s3")
#: Endpoint services the tool knows, by the short name of ``com.amazonaws.<region>.<name>``
#: (AWS PrivateLink, "AWS services that integrate with AWS PrivateLink"). A SERVICES entry
#: outside this list is taken for a typo unless SERVICES_UNLISTED names it.
KNOWN_SERVICES = frozenset(
    {
        *REQUIRED_SERVICES,
        "access-analyzer",
        "acm-pca",
        "airflow.api",
        "airflow.env",
        "airflow.ops",
        "apigateway",
        "application-autoscaling",
        "appmesh-envoy-management",
        "appstream.api",
        "athena",
        "autoscaling",
        "backup",
        "batch",
        "bedrock",
        "bedrock-agent",
        "bedrock-agent-runtime",
        "bedrock-runtime",
        "cloudformation",
        "cloudtrail",
        "codeartifact.api",
        "codeartifact.repositories",
        "codebuild",
        "codecommit",
        "codedeploy",
        "codedeploy-commands-secure",
        "codepipeline",
        "config",
        "datasync",
        "dynamodb",
        "ebs",
        "ec2",
        "ec2messages",
        "ecs",
        "ecs-agent",
        "ecs-telemetry",
        "eks",
        "eks-auth",
        "elasticache",
        "elasticbeanstalk",
        "elasticbeanstalk-health",
        "elasticfilesystem",
        "elasticloadbalancing",
        "elasticmapreduce",
        "email-smtp",
        "emr-containers",
        "es",
        "events",
        "execute-api",
        "fsx",
        "git-codecommit",
        "glue",
        "guardduty-data",
        "imagebuilder",
        "inspector2",
        "kinesis-firehose",
        "kinesis-streams",
        "kms",
        "lakeformation",
        "lambda",
        "logs",
        "monitoring",
        "rds",
        "rds-data",
        "redshift",
        "redshift-data",
        "sagemaker.api",
        "sagemaker.runtime",
        "secretsmanager",
        "securityhub",
        "servicecatalog",
        "servicediscovery",
        "sns",
        "sqs",
        "ssm",
        "ssm-contacts",
        "ssm-incidents",
        "ssmmessages",
        "states",
        "storagegateway",
        "sts",
        "synthetics",
        "textract",
        "transfer",
        "transfer.server",
        "xray",
    }
)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})
ENDPOINT_POLICIES = ("full-access", "account", "organization", "perimeter")
GATEWAY_POLICIES = ("full-access", "ecr-layers-only", "perimeter")
INSPECTED_EGRESS_CHOICES = ("report", "repair")
ORGANIZATION = re.compile(r"^o-[a-z0-9]{10,32}$")
NOTIFICATION_FORMATS = ("text", "chatbot")
ENDPOINT_NEEDS = ("always", "workloads", "isolated")
#: The companions each ENDPOINT_PROFILE adds: what a private workload needs besides ECR and S3
#: (ECS Developer Guide vpc-endpoints.html; EKS User Guide private-clusters).
PROFILES: dict[str, tuple[str, ...]] = {
    "ecr": (),
    "ecs": ("ecs", "ecs-agent", "ecs-telemetry", "logs"),
    "ecs-fargate": ("logs", "secretsmanager", "ssm"),
    "eks": ("ec2", "sts", "elasticloadbalancing", "logs", "eks-auth"),
}
#: EC2's tag rules (EC2 User Guide, "Tag restrictions"): keys of 1-128 and values of 0-256
#: characters, letters, digits, spaces and ``+ - = . _ : / @`` (what every service accepts),
#: no ``aws:`` prefix, at most 50 tags a resource (the tool writes 5 of its own).
TAG_TEXT = re.compile(r"^[\w .:/=+@-]*$")
MAX_EXTRA_TAGS = 45
#: Keys the tool writes itself (its own tags, and a Name): never overridden.
OWN_TAG_KEYS = ("Name",)
OWN_TAG_PREFIX = "ecr-endpoint-guard/"
#: Partitions whose service names and ARNs this version knows (``com.amazonaws.<region>.<name>``,
#: ``arn:aws:...``). China (``aws-cn``) names some services ``cn.com.amazonaws.<region>.<name>``
#: and others not; GovCloud and the isolated partitions are not verified.
SUPPORTED_PARTITIONS = ("aws",)


@dataclass(frozen=True)
class ServiceSpec:
    """One endpoint service of the baseline, by its short name (``ecr.api``)."""

    name: str
    endpoint_type: EndpointType
    #: Added by ENDPOINT_PROFILE (not listed in SERVICES): report-only unless PROFILE_REPAIR.
    companion: bool = False

    def service_name(self, region: str) -> str:
        return f"com.amazonaws.{region}.{self.name}"

    def private_dns_zone(self, region: str) -> str:
        """The Route 53 zone that private DNS for this service answers for.

        >>> ServiceSpec("ecr.dkr", EndpointType.INTERFACE).private_dns_zone("eu-west-1")
        'dkr.ecr.eu-west-1.amazonaws.com'
        """
        return self.private_dns_zones(region)[0]

    def private_dns_zones(self, region: str) -> tuple[str, ...]:
        """Zone names that, associated with a VPC, answer for this service's private DNS name.

        The exact zone first, then its parents within the service's own name (a hub
        may share one ``ecr.<region>.amazonaws.com`` zone for both ECR names).

        >>> ServiceSpec("ecr.api", EndpointType.INTERFACE).private_dns_zones("us-east-1")
        ('api.ecr.us-east-1.amazonaws.com', 'ecr.us-east-1.amazonaws.com')
        """
        parts = list(reversed(self.name.split(".")))
        return tuple(".".join([*parts[i:], region, "amazonaws.com"]) for i in range(len(parts)))


@dataclass(frozen=True)
class Settings:
    """A run's settings, read from the environment by :func:`load_settings`."""

    mode: Mode = Mode.DRY_RUN
    services: tuple[ServiceSpec, ...] = field(
        default_factory=lambda: parse_services(DEFAULT_SERVICES)
    )
    topic_arn: str = ""
    auto_fix_account_ids: frozenset[str] = frozenset()
    deletion_wait_seconds: float = 60.0
    max_azs_per_endpoint: int | None = None
    gateway_report_only: bool = False
    require_local_endpoints: bool = False
    #: Read Route 53 Profiles (``ROUTE53_PROFILES=on``, the default); ``off`` skips the read.
    route53_profiles: bool = True
    #: Policy of the interface endpoints the tool creates (see ENDPOINT_POLICY).
    endpoint_policy: str = "account"
    #: ``o-...`` or ``""`` when not configured.
    organization_id: str = ""
    #: Policy of the S3 gateway endpoints the tool creates (see S3_GATEWAY_POLICY).
    s3_gateway_policy: str = "full-access"
    #: False when a policy setting could not be read: the tool's endpoints keep their policy.
    policy_settings_valid: bool = True
    #: ``report`` or ``repair``: what the tool adds where egress is inspected (INSPECTED_EGRESS).
    inspected_egress: str = "report"
    #: AWS-owned registries the perimeter policy admits (AWS_REGISTRY_ACCOUNTS).
    aws_registry_accounts: tuple[str, ...] = ()
    #: What was wrong with the environment; each one made the run more cautious.
    problems: tuple[str, ...] = ()
    #: Why ``mode`` is what it is (a requested auto-fix that became dry-run says why).
    mode_reason: ModeReason = ModeReason.DEPLOYMENT
    #: ``text`` or ``chatbot`` (see NOTIFICATION_FORMAT).
    notification_format: str = "text"
    #: The member role's name (``MEMBER_ROLE_NAME``; organisation mode), ``""`` without one:
    #: a dry-run message's command reaches a member account's VPC through it.
    member_role_name: str = ""
    #: The accounts organisation mode serves (``MEMBER_ACCOUNT_IDS``); empty: the organisation's.
    member_account_ids: frozenset[str] = frozenset()
    #: Regions the organisation's sweep covers (``ORGANISATION_REGIONS``); empty: the event's.
    organisation_regions: tuple[str, ...] = ()
    #: The organisation sweep's work queue (``WORK_QUEUE_URL``), ``""`` without one.
    work_queue_url: str = ""
    #: The function's own role (``TOOL_ROLE_ARN``): its CloudTrail events are its own.
    tool_role_arn: str = ""
    #: A person's approval in Security Hub repairs the selected VPCs (``FIX_ON_APPROVAL``).
    fix_on_approval: bool = False
    #: Each run imports its findings into Security Hub (``SECURITY_HUB_FINDINGS``).
    security_hub_findings: bool = False
    #: The most a scheduled sweep waits before it starts (``SWEEP_JITTER_SECONDS``; 0: none).
    sweep_jitter_seconds: float = 0.0
    #: ``always``, ``workloads`` or ``isolated`` (see ENDPOINT_NEED).
    endpoint_need: str = "always"
    #: ``ecr``, ``ecs``, ``ecs-fargate`` or ``eks`` (see ENDPOINT_PROFILE).
    endpoint_profile: str = "ecr"
    #: Companions of the profile are repaired, not only reported (PROFILE_REPAIR).
    profile_repair: bool = False
    #: Tags added to everything the tool creates (``EXTRA_TAGS``), in the order given.
    extra_tags: tuple[tuple[str, str], ...] = ()

    @property
    def organisation_mode(self) -> bool:
        """Events of other accounts are served, through their member role."""
        return bool(self.member_role_name)

    @property
    def interface_services(self) -> tuple[ServiceSpec, ...]:
        return tuple(s for s in self.services if s.endpoint_type is EndpointType.INTERFACE)

    @property
    def gateway_services(self) -> tuple[ServiceSpec, ...]:
        return tuple(s for s in self.services if s.endpoint_type is EndpointType.GATEWAY)


def parse_services(text: str) -> tuple[ServiceSpec, ...]:
    """Parse ``name:type`` pairs.

    Raises
    ------
    ValueError
        On an empty list, a malformed name, an unknown type or a repeated name.
    """
    specs: list[ServiceSpec] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        name, _, kind = item.partition(":")
        name, kind = name.strip().lower(), (kind.strip().lower() or "interface")
        if not SERVICE_NAME.match(name):
            raise ValueError(f"invalid service name {name!r} in SERVICES")
        if kind not in ("interface", "gateway"):
            raise ValueError(f"service {name!r}: type must be interface or gateway, not {kind!r}")
        if any(s.name == name for s in specs):
            raise ValueError(f"service {name!r} is listed twice in SERVICES")
        specs.append(ServiceSpec(name, EndpointType(kind.capitalize())))
    if not specs:
        raise ValueError("SERVICES names no service")
    return tuple(specs)


def _names(text: str) -> set[str]:
    return {n.strip().lower() for n in text.split(",") if n.strip()}


def check_services(
    services: tuple[ServiceSpec, ...], env: Mapping[str, str]
) -> tuple[tuple[ServiceSpec, ...], list[str]]:
    """SERVICES that cannot silently weaken the check: the services kept, and the problems.

    A name the tool does not know (nor SERVICES_UNLISTED) is left out; a required service
    left out without SERVICES_OMIT is checked all the same. Each is a problem: the run is
    dry-run and ``--fix`` refused until the setting is fixed.

    >>> kept, problems = check_services(parse_services("ecr.api,ecr.dck,s3:gateway"), {})
    >>> [s.name for s in kept], problems[0][:57]
    (['ecr.api', 's3', 'ecr.dkr'], "SERVICES: 'ecr.dck' is not an endpoint service the tool k")
    >>> check_services(parse_services("ecr.api,ecr.dkr"), {"SERVICES_OMIT": "s3"})[1]
    []
    """
    unlisted = _names(env.get("SERVICES_UNLISTED", ""))
    omit = _names(env.get("SERVICES_OMIT", ""))
    problems: list[str] = []
    kept: list[ServiceSpec] = []
    for spec in services:
        if spec.name in KNOWN_SERVICES or spec.name in unlisted:
            kept.append(spec)
            continue
        import difflib  # noqa: PLC0415 - only for a misspelt service (cold start)

        close = difflib.get_close_matches(spec.name, sorted(KNOWN_SERVICES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            f"SERVICES: {spec.name!r} is not an endpoint service the tool knows{hint}; left "
            "out, running dry-run (name it in SERVICES_UNLISTED too if it exists)"
        )
    names = {s.name for s in kept}
    defaults = {s.name: s for s in parse_services(DEFAULT_SERVICES)}
    for required in REQUIRED_SERVICES:
        if required not in names and required not in omit:
            problems.append(
                f"SERVICES leaves out {required}, which ECR image pulls need; checking it all "
                f"the same and running dry-run (SERVICES_OMIT={required} leaves it out on purpose)"
            )
            kept.append(defaults[required])
    for name in sorted(omit - set(REQUIRED_SERVICES)):
        problems.append(
            f"SERVICES_OMIT: {name!r} is not one of {', '.join(REQUIRED_SERVICES)}; ignored"
        )
    return tuple(kept), problems


def _services(env: Mapping[str, str], problems: list[str]) -> tuple[tuple[ServiceSpec, ...], bool]:
    """SERVICES (with SERVICES_UNLISTED and SERVICES_OMIT): the services to check, and whether
    something in them was a problem (reported in ``problems``; the run is then dry-run)."""
    try:
        services = parse_services(env.get("SERVICES", "") or DEFAULT_SERVICES)
        unreadable = False
    except ValueError as exc:
        problems.append(f"{exc}; using the default services and running dry-run")
        services, unreadable = parse_services(DEFAULT_SERVICES), True
    services, weakened = check_services(services, env)
    problems += weakened
    return services, unreadable or bool(weakened)


def _flag(env: Mapping[str, str], key: str, problems: list[str]) -> bool:
    value = env.get(key, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        problems.append(f"{key}={env[key]!r} is not true or false; using false")
    return False


@dataclass(frozen=True)
class PolicySettings:
    """ENDPOINT_POLICY and its companions, as :func:`_policies` reads them."""

    endpoint_policy: str
    organization_id: str
    s3_gateway_policy: str
    valid: bool
    inspected_egress: str
    registries: tuple[str, ...]


def _policies(env: Mapping[str, str], problems: list[str]) -> PolicySettings:
    """ENDPOINT_POLICY, ORGANIZATION_ID, S3_GATEWAY_POLICY, INSPECTED_EGRESS and
    AWS_REGISTRY_ACCOUNTS.

    The default policy is ``account``, or ``organization`` where ORGANIZATION_ID is set. An
    unreadable policy falls back to that default (never to a wider policy) and marks the
    settings invalid, so that no existing policy is rewritten on a guess; an unreadable
    INSPECTED_EGRESS, or ``repair`` without ORGANIZATION_ID (the perimeter policy needs it),
    is ``report``: nothing is added on an inspected path.
    """
    valid = True
    organization = env.get("ORGANIZATION_ID", "").strip()
    if organization and not ORGANIZATION.match(organization):
        problems.append(f"ORGANIZATION_ID={organization!r} is not an organization id (o-...)")
        organization, valid = "", False
    default = "organization" if organization else "account"
    policy = env.get("ENDPOINT_POLICY", "").strip().lower() or default
    if policy not in ENDPOINT_POLICIES:
        problems.append(
            f"ENDPOINT_POLICY={env['ENDPOINT_POLICY']!r} is not one of "
            f"{', '.join(ENDPOINT_POLICIES)}; using {default}, endpoint policies left as they are"
        )
        policy, valid = default, False
    elif policy in ("organization", "perimeter") and not organization:
        problems.append(
            f"ENDPOINT_POLICY={policy} needs ORGANIZATION_ID; using account, "
            "endpoint policies left as they are"
        )
        policy, valid = "account", False
    gateway_default = "perimeter" if policy == "perimeter" else "full-access"
    gateway = env.get("S3_GATEWAY_POLICY", "").strip().lower() or gateway_default
    if gateway not in GATEWAY_POLICIES or (gateway == "perimeter" and not organization):
        problems.append(
            f"S3_GATEWAY_POLICY={env.get('S3_GATEWAY_POLICY', gateway)!r} is not one of "
            f"{', '.join(GATEWAY_POLICIES)} (perimeter needs ORGANIZATION_ID); using "
            "full-access, endpoint policies left as they are"
        )
        gateway, valid = "full-access", False
    inspected = env.get("INSPECTED_EGRESS", "").strip().lower() or "report"
    if inspected not in INSPECTED_EGRESS_CHOICES:
        problems.append(
            f"INSPECTED_EGRESS={env['INSPECTED_EGRESS']!r} is not report or repair; using report"
        )
        inspected = "report"
    elif inspected == "repair" and not organization:
        problems.append(
            "INSPECTED_EGRESS=repair needs ORGANIZATION_ID (the perimeter policy); using report"
        )
        inspected = "report"
    registries = tuple(sorted(_account_ids(env, "AWS_REGISTRY_ACCOUNTS", problems)))
    return PolicySettings(policy, organization, gateway, valid, inspected, registries)


def _account_ids(env: Mapping[str, str], name: str, problems: list[str]) -> set[str]:
    """A comma list of 12-digit account ids; anything else is reported and ignored."""
    accounts: set[str] = set()
    for raw in env.get(name, "").split(","):
        item = raw.strip()
        if not item:
            continue
        if ACCOUNT_ID.fullmatch(item):
            accounts.add(item)
        else:
            problems.append(f"{name}: {item!r} is not a 12-digit account id; ignored")
    return accounts


def _seconds(env: Mapping[str, str], key: str, most: float, problems: list[str]) -> float:
    """A number of seconds from 0 to ``most``; unset is 0, anything else is reported and 0."""
    text = env.get(key, "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
        if not 0 <= value <= most:
            raise ValueError
    except ValueError:
        problems.append(f"{key}={text!r} is not a number of seconds from 0 to {most:g}; using 0")
        return 0.0
    return value


def _words(env: Mapping[str, str], key: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in env.get(key, "").split(",") if w.strip())


def _notification_format(env: Mapping[str, str], problems: list[str]) -> str:
    """NOTIFICATION_FORMAT; an unreadable value is reported and the text message is sent."""
    value = env.get("NOTIFICATION_FORMAT", "").strip().lower() or "text"
    if value not in NOTIFICATION_FORMATS:
        problems.append(
            f"NOTIFICATION_FORMAT={env['NOTIFICATION_FORMAT']!r} is not one of "
            f"{', '.join(NOTIFICATION_FORMATS)}; sending text"
        )
        return "text"
    return value


def sdk_endpoint_url(env: Mapping[str, str]) -> str:
    """``AWS_ENDPOINT_URL``: the SDK's own setting that sends every client to one endpoint (an
    emulator); ``""`` when unset.

    >>> sdk_endpoint_url({"AWS_ENDPOINT_URL": " http://127.0.0.1:5000 "})
    'http://127.0.0.1:5000'
    """
    return env.get("AWS_ENDPOINT_URL", "").strip()


def sdk_region(env: Mapping[str, str]) -> str:
    """``AWS_REGION``: the SDKs' other spelling of the region (Lambda sets it; boto3 reads only
    ``AWS_DEFAULT_REGION``); ``""`` when unset. The CLI falls back on it.

    >>> sdk_region({"AWS_REGION": " eu-west-1 "})
    'eu-west-1'
    """
    return env.get("AWS_REGION", "").strip()


def cli_settings(env: Mapping[str, str], account_id: str, *, fix: bool) -> Settings:
    """The CLI's settings: the environment's, the mode from the command line.

    ``--fix`` is the user's explicit authorisation. ``AUTO_FIX_ACCOUNT_IDS``, the Lambda
    deployment's second key, is not needed here; when it is set in the environment it still
    restricts ``--fix`` to the accounts it lists. ``REMEDIATION_MODE`` is ignored: the flags
    decide.

    >>> cli_settings({}, "111122223333", fix=True).mode.label
    'auto-fix'
    >>> cli_settings({"AUTO_FIX_ACCOUNT_IDS": "444455556666"}, "111122223333", fix=True).mode.label
    'dry-run'
    """
    allowed = env.get("AUTO_FIX_ACCOUNT_IDS", "").strip() or account_id
    effective = dict(env)
    effective["REMEDIATION_MODE"] = Mode.AUTO_FIX.label if fix else Mode.DRY_RUN.label
    effective["AUTO_FIX_ACCOUNT_IDS"] = allowed
    return load_settings(effective, account_id=account_id)


class _Deployment(NamedTuple):
    """What the deployment around the function sets (the Settings fields of the same names)."""

    member_account_ids: frozenset[str]
    organisation_regions: tuple[str, ...]
    work_queue_url: str
    tool_role_arn: str
    fix_on_approval: bool
    security_hub_findings: bool
    sweep_jitter_seconds: float


def _deployment(env: Mapping[str, str], problems: list[str]) -> _Deployment:
    """What the deployment around the function sets: organisation mode's accounts, regions and
    queue, the function's own role, Security Hub's switches and the sweep's random delay."""
    return _Deployment(
        member_account_ids=frozenset(_account_ids(env, "MEMBER_ACCOUNT_IDS", problems)),
        organisation_regions=_words(env, "ORGANISATION_REGIONS"),
        work_queue_url=env.get("WORK_QUEUE_URL", "").strip(),
        tool_role_arn=env.get("TOOL_ROLE_ARN", "").strip(),
        fix_on_approval=_flag(env, "FIX_ON_APPROVAL", problems),
        security_hub_findings=_flag(env, "SECURITY_HUB_FINDINGS", problems),
        sweep_jitter_seconds=_seconds(env, "SWEEP_JITTER_SECONDS", 900.0, problems),
    )


def parse_extra_tags(text: str) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """``key=value,...`` as tags, and what breaks EC2's tag rules (each pair on its own).

    >>> parse_extra_tags("cost-center=42, owner = platform@example.com")
    ((('cost-center', '42'), ('owner', 'platform@example.com')), [])
    >>> parse_extra_tags("aws:x=1,Name=y,ok")[1][0]
    "EXTRA_TAGS: key 'aws:x' starts with aws: (reserved for AWS)"
    """
    tags: list[tuple[str, str]] = []
    problems: list[str] = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        key, equals, value = (part.strip() for part in raw.partition("="))
        why = ""
        if not equals or not key:
            why = f"{raw.strip()[:40]!r} is not key=value"
        elif len(key) > 128 or len(value) > 256:
            why = f"key {key[:40]!r}: keys take at most 128 characters, values 256"
        elif not TAG_TEXT.match(key) or not TAG_TEXT.match(value):
            why = f"key {key[:40]!r}: only letters, digits, spaces and + - = . _ : / @"
        elif key.lower().startswith("aws:"):
            why = f"key {key[:40]!r} starts with aws: (reserved for AWS)"
        elif key in OWN_TAG_KEYS or key.startswith(OWN_TAG_PREFIX):
            why = f"key {key[:40]!r} is one the tool writes itself"
        elif any(k == key for k, _ in tags):
            why = f"key {key[:40]!r} is given twice"
        if why:
            problems.append(f"EXTRA_TAGS: {why}")
        else:
            tags.append((key, value))
    if len(tags) > MAX_EXTRA_TAGS:
        problems.append(f"EXTRA_TAGS: at most {MAX_EXTRA_TAGS} tags (EC2 allows 50 a resource)")
    return tuple(tags), problems


def _extra_tags(
    env: Mapping[str, str], mode: Mode, reason: ModeReason, problems: list[str]
) -> tuple[tuple[tuple[str, str], ...], Mode, ModeReason]:
    """EXTRA_TAGS, and the mode: a tag that breaks EC2's rules makes the run dry-run."""
    tags, found = parse_extra_tags(env.get("EXTRA_TAGS", ""))
    if not found:
        return tags, mode, reason
    problems += [f"{p}; running dry-run" for p in found]
    return tags, Mode.DRY_RUN, ModeReason.CONFIGURATION if mode is Mode.AUTO_FIX else reason


def partition_problem(partition: str) -> str:
    """Why the tool cannot run in ``partition`` (``""``: it can).

    >>> partition_problem("aws")
    ''
    >>> partition_problem("aws-cn")[:48]
    'partition aws-cn is not supported by this versio'
    """
    if partition in SUPPORTED_PARTITIONS:
        return ""
    return (
        f"partition {partition or '(unknown)'} is not supported by this version: its endpoint "
        "service names and ARNs differ from the aws partition's (China names ECR's services "
        "cn.com.amazonaws.<region>.ecr.*); nothing is read or changed"
    )


def _route53_profiles(env: Mapping[str, str], problems: list[str]) -> bool:
    """ROUTE53_PROFILES: ``on`` (default) or ``off``; anything else reads them (more cautious:
    a Profile that serves a VPC is seen, so no duplicate endpoint is bought)."""
    value = env.get("ROUTE53_PROFILES", "").strip().lower() or "on"
    if value not in ("on", "off"):
        problems.append(f"ROUTE53_PROFILES={env['ROUTE53_PROFILES']!r} is not on or off; using on")
        return True
    return value == "on"


def _need_and_profile(
    env: Mapping[str, str],
    services: tuple[ServiceSpec, ...],
    mode: Mode,
    reason: ModeReason,
    problems: list[str],
) -> tuple[str, str, tuple[ServiceSpec, ...], bool, Mode, ModeReason]:
    """ENDPOINT_NEED, ENDPOINT_PROFILE, the services with the profile's companions,
    PROFILE_REPAIR, and the mode and its reason: dry-run when ENDPOINT_NEED is unreadable."""
    need = env.get("ENDPOINT_NEED", "").strip().lower() or "always"
    readable = need in ENDPOINT_NEEDS
    if not readable:
        problems.append(
            f"ENDPOINT_NEED={env['ENDPOINT_NEED']!r} is not one of {', '.join(ENDPOINT_NEEDS)}; "
            "using always and running dry-run"
        )
        need = "always"
    profile = env.get("ENDPOINT_PROFILE", "").strip().lower() or "ecr"
    if profile not in PROFILES:
        problems.append(
            f"ENDPOINT_PROFILE={env['ENDPOINT_PROFILE']!r} is not one of "
            f"{', '.join(PROFILES)}; checking ECR's services only"
        )
        profile = "ecr"
    listed = {s.name for s in services}
    companions = tuple(
        ServiceSpec(name, EndpointType.INTERFACE, companion=True)
        for name in PROFILES[profile]
        if name not in listed
    )
    if not readable and mode is Mode.AUTO_FIX:
        mode, reason = Mode.DRY_RUN, ModeReason.CONFIGURATION
    repair = _flag(env, "PROFILE_REPAIR", problems)
    return need, profile, services + companions, repair, mode, reason


def load_settings(env: Mapping[str, str], account_id: str = "") -> Settings:
    """Build settings from an environment mapping (``os.environ`` or a dict in tests).

    ``account_id`` is the account the run acts in; auto-fix needs it to be in
    ``AUTO_FIX_ACCOUNT_IDS``.
    """
    problems: list[str] = []
    reason = ModeReason.DEPLOYMENT

    try:
        mode = Mode.parse(env.get("REMEDIATION_MODE", "").strip() or Mode.DRY_RUN.label)
    except ValueError as exc:
        problems.append(f"REMEDIATION_MODE: {exc}; running dry-run")
        mode, reason = Mode.DRY_RUN, ModeReason.CONFIGURATION
    if mode is Mode.OFF:
        problems.append("REMEDIATION_MODE=off is not a deployment mode; running dry-run")
        mode, reason = Mode.DRY_RUN, ModeReason.CONFIGURATION

    accounts = _account_ids(env, "AUTO_FIX_ACCOUNT_IDS", problems)

    services, unreadable = _services(env, problems)
    if unreadable:  # a typo or a left-out service: the check is not weakened, the run is dry-run
        reason = ModeReason.CONFIGURATION if mode is Mode.AUTO_FIX else reason
        mode = Mode.DRY_RUN

    wait = 60.0
    if env.get("DELETION_WAIT_SECONDS", "").strip():
        try:
            wait = float(env["DELETION_WAIT_SECONDS"])
            if not 0 <= wait <= 600:
                raise ValueError
        except ValueError:
            problems.append("DELETION_WAIT_SECONDS must be a number from 0 to 600; using 60")
            wait = 60.0

    max_azs: int | None = None
    if env.get("MAX_AZS_PER_ENDPOINT", "").strip():
        try:
            max_azs = int(env["MAX_AZS_PER_ENDPOINT"])
            if max_azs < 1:
                raise ValueError
        except ValueError:
            problems.append("MAX_AZS_PER_ENDPOINT must be a whole number of at least 1; no limit")
            max_azs = None

    gateway_report_only = _flag(env, "GATEWAY_REPORT_ONLY", problems)
    require_local = _flag(env, "REQUIRE_LOCAL_ENDPOINTS", problems)
    profiles = _route53_profiles(env, problems)

    policies = _policies(env, problems)
    notification_format = _notification_format(env, problems)
    need, profile, services, profile_repair, mode, reason = _need_and_profile(
        env, services, mode, reason, problems
    )

    deployment = _deployment(env, problems)
    extra_tags, mode, reason = _extra_tags(env, mode, reason, problems)

    if mode is Mode.AUTO_FIX and account_id not in accounts:
        problems.append(
            f"auto-fix requested but account {account_id or '(unknown)'} is not in "
            "AUTO_FIX_ACCOUNT_IDS; running dry-run"
        )
        mode, reason = Mode.DRY_RUN, ModeReason.ACCOUNT_NOT_ALLOWED

    return Settings(
        mode=mode,
        services=services,
        topic_arn=env.get("NOTIFICATION_TOPIC_ARN", "").strip(),
        auto_fix_account_ids=frozenset(accounts),
        deletion_wait_seconds=wait,
        max_azs_per_endpoint=max_azs,
        gateway_report_only=gateway_report_only,
        require_local_endpoints=require_local,
        route53_profiles=profiles,
        endpoint_policy=policies.endpoint_policy,
        organization_id=policies.organization_id,
        s3_gateway_policy=policies.s3_gateway_policy,
        policy_settings_valid=policies.valid,
        inspected_egress=policies.inspected_egress,
        aws_registry_accounts=policies.registries,
        problems=tuple(problems),
        mode_reason=reason,
        notification_format=notification_format,
        member_role_name=env.get("MEMBER_ROLE_NAME", "").strip(),
        member_account_ids=deployment.member_account_ids,
        organisation_regions=deployment.organisation_regions,
        work_queue_url=deployment.work_queue_url,
        tool_role_arn=deployment.tool_role_arn,
        fix_on_approval=deployment.fix_on_approval,
        security_hub_findings=deployment.security_hub_findings,
        sweep_jitter_seconds=deployment.sweep_jitter_seconds,
        endpoint_need=need,
        endpoint_profile=profile,
        profile_repair=profile_repair,
        extra_tags=extra_tags,
    )
