"""The endpoint services to check: SERVICES (with SERVICES_UNLISTED and SERVICES_OMIT), and
the companions ENDPOINT_PROFILE adds, where ENDPOINT_NEED puts them.

A service list that could silently weaken the check (a typo, a required service left out)
is a problem: the run is dry-run until the setting is fixed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from remediation.config.readers import read_flag
from remediation.modes import Mode, ModeReason
from remediation.vocabulary import EndpointType

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
ENDPOINT_NEEDS = ("always", "workloads", "isolated")
#: The companions each ENDPOINT_PROFILE adds: what a private workload needs besides ECR and S3
#: (ECS Developer Guide vpc-endpoints.html; EKS User Guide private-clusters).
PROFILES: dict[str, tuple[str, ...]] = {
    "ecr": (),
    "ecs": ("ecs", "ecs-agent", "ecs-telemetry", "logs"),
    "ecs-fargate": ("logs", "secretsmanager", "ssm"),
    "eks": ("ec2", "sts", "elasticloadbalancing", "logs", "eks-auth"),
}


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


def read_services(
    env: Mapping[str, str], problems: list[str]
) -> tuple[tuple[ServiceSpec, ...], bool]:
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


def read_need_and_profile(
    env: Mapping[str, str],
    services: tuple[ServiceSpec, ...],
    mode: Mode,
    reason: ModeReason,
    problems: list[str],
    *,
    held: list[str],
) -> tuple[str, str, tuple[ServiceSpec, ...], bool, Mode, ModeReason]:
    """ENDPOINT_NEED, ENDPOINT_PROFILE, the services with the profile's companions,
    PROFILE_REPAIR, and the mode and its reason: dry-run when ENDPOINT_NEED is unreadable
    (its problem is added to ``held`` too: whatever the deployment's mode, an approval
    included)."""
    need = env.get("ENDPOINT_NEED", "").strip().lower() or "always"
    readable = need in ENDPOINT_NEEDS
    if not readable:
        held.append(
            f"ENDPOINT_NEED={env['ENDPOINT_NEED']!r} is not one of {', '.join(ENDPOINT_NEEDS)}; "
            "using always and running dry-run"
        )
        problems.append(held[-1])
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
    repair = read_flag(env, "PROFILE_REPAIR", problems)
    return need, profile, services + companions, repair, mode, reason
