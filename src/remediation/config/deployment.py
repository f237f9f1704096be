"""What the deployment around the function sets: organisation mode (MEMBER_ACCOUNT_IDS,
ORGANISATION_REGIONS, WORK_QUEUE_URL), the function's own role (TOOL_ROLE_ARN), Security
Hub's switches (FIX_ON_APPROVAL, SECURITY_HUB_FINDINGS), the sweep's random delay
(SWEEP_JITTER_SECONDS), the notification's form (NOTIFICATION_FORMAT), the Route 53
Profiles read (ROUTE53_PROFILES), the SDK's own variables the faces fall back on, and the
partitions this version supports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from remediation.config.readers import read_account_ids, read_flag, read_seconds, read_words

NOTIFICATION_FORMATS = ("text", "chatbot")
#: Partitions whose service names and ARNs this version knows (``com.amazonaws.<region>.<name>``,
#: ``arn:aws:...``). China (``aws-cn``) names some services ``cn.com.amazonaws.<region>.<name>``
#: and others not; GovCloud and the isolated partitions are not verified.
SUPPORTED_PARTITIONS = ("aws",)


def read_notification_format(env: Mapping[str, str], problems: list[str]) -> str:
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


class Deployment(NamedTuple):
    """What the deployment around the function sets (the Settings fields of the same names)."""

    member_account_ids: frozenset[str]
    member_accounts_listed: bool
    organisation_regions: tuple[str, ...]
    work_queue_url: str
    tool_role_arn: str
    fix_on_approval: bool
    security_hub_findings: bool
    sweep_jitter_seconds: float


def read_deployment(env: Mapping[str, str], problems: list[str]) -> Deployment:
    """What the deployment around the function sets: organisation mode's accounts, regions and
    queue, the function's own role, Security Hub's switches and the sweep's random delay."""
    members, listed = read_member_accounts(env, problems)
    return Deployment(
        member_account_ids=members,
        member_accounts_listed=listed,
        organisation_regions=read_words(env, "ORGANISATION_REGIONS"),
        work_queue_url=env.get("WORK_QUEUE_URL", "").strip(),
        tool_role_arn=env.get("TOOL_ROLE_ARN", "").strip(),
        fix_on_approval=read_flag(env, "FIX_ON_APPROVAL", problems),
        security_hub_findings=read_flag(env, "SECURITY_HUB_FINDINGS", problems),
        sweep_jitter_seconds=read_seconds(env, "SWEEP_JITTER_SECONDS", 900.0, problems),
    )


def read_member_accounts(
    env: Mapping[str, str], problems: list[str]
) -> tuple[frozenset[str], bool]:
    """MEMBER_ACCOUNT_IDS: the member accounts organisation mode serves and sweeps, and whether
    the variable lists them (``False``: unset, the organisation's accounts).

    An entry that is not an account id is reported and left out: that account is not served.
    A list of which nothing can be read serves no member account (the function's own is still
    served), never "every account of the organisation": an unreadable value is never wider.

    >>> problems = []
    >>> read_member_accounts({"MEMBER_ACCOUNT_IDS": "11112222333"}, problems), len(problems)
    ((frozenset(), True), 2)
    >>> read_member_accounts({"MEMBER_ACCOUNT_IDS": " "}, [])
    (frozenset(), False)
    """
    listed = bool(read_words(env, "MEMBER_ACCOUNT_IDS"))
    accounts = frozenset(read_account_ids(env, "MEMBER_ACCOUNT_IDS", problems))
    if listed and not accounts:
        problems.append(
            "MEMBER_ACCOUNT_IDS names no 12-digit account id: no member account is served or "
            "swept (only this function's own) until it is fixed; unset, it means the "
            "organisation's accounts"
        )
    return accounts, listed


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


def read_route53_profiles(env: Mapping[str, str], problems: list[str]) -> bool:
    """ROUTE53_PROFILES: ``on`` (default) or ``off``; anything else reads them (more cautious:
    a Profile that serves a VPC is seen, so no duplicate endpoint is bought)."""
    value = env.get("ROUTE53_PROFILES", "").strip().lower() or "on"
    if value not in ("on", "off"):
        problems.append(f"ROUTE53_PROFILES={env['ROUTE53_PROFILES']!r} is not on or off; using on")
        return True
    return value == "on"
