"""Security Hub findings in the AWS Security Finding Format (ASFF): one per VPC and check.

Each evaluated VPC gets one finding per check — ECR API endpoint, Docker Registry endpoint, S3
gateway, DNS attributes, endpoint security groups, endpoint policies — with a stable ``Id``
(region, account, VPC, check), so that every run *replaces* the previous state: ``FAILED`` while
something is open, ``PASSED`` once nothing is (in auto-fix, in the run that repaired it), and
``RecordState=ARCHIVED`` for a VPC that no longer exists. Every sweep re-imports current state,
which also keeps findings from expiring (Security Hub deletes findings not updated for 90 days).

Only a VPC the run evaluated gets findings. One it did not (``unreadable``: its read was denied;
``failed`` without a repair: its read failed; ``not-reached``: the deadline came first) gets
none, so Security Hub keeps its last judgement: six ``PASSED`` findings built from no findings
would replace, by their stable ``Id``, the ``FAILED`` ones of the last run that did evaluate it
(:func:`withheld` says why; the importer logs and counts it). A VPC whose repair failed was
evaluated: its findings stand, ``FAILED`` while a repair is not done.

Pure: the findings are built here; :mod:`remediation.report.securityhub` imports them.

Examples
--------
>>> finding_id("eu-west-1", "111122223333", "vpc-1", "ecr-api-endpoint")
'ecr-endpoint-guard/eu-west-1/111122223333/vpc-1/ecr-api-endpoint'
>>> product_arn("aws", "eu-west-1", "111122223333")
'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from remediation.findings import Finding, Severity
from remediation.modes import Mode, ModeReason
from remediation.outcomes import OutcomeStatus
from remediation.report.results import Summary, VpcResult, VpcStatus
from remediation.text import plain

SCHEMA_VERSION = "2018-10-08"
TOOL = "ecr-endpoint-guard"
TYPES = ("Software and Configuration Checks/AWS Security Best Practices",)
#: Where a finding's recommendation points by default: AWS's page on ECR's interface endpoints
#: (the tool has no public address of its own; a deployment can give its own docs' address).
DOCS_URL = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html"
DONE = frozenset({OutcomeStatus.APPLIED, OutcomeStatus.ALREADY_DONE})


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    what: str
    related: tuple[str, ...] = ()


CHECKS: tuple[Check, ...] = (
    Check(
        "ecr-api-endpoint",
        "ECR API interface endpoint",
        "an ecr.api interface endpoint with private DNS in every AZ with private subnets",
        ("EC2.55",),
    ),
    Check(
        "ecr-dkr-endpoint",
        "Docker Registry (ecr.dkr) interface endpoint",
        "an ecr.dkr interface endpoint with private DNS in every AZ with private subnets",
        ("EC2.56",),
    ),
    Check(
        "s3-gateway",
        "S3 gateway endpoint for ECR's image layers",
        "the S3 gateway endpoint on every private route table (ECR keeps layers in S3)",
    ),
    Check(
        "dns-attributes",
        "VPC DNS attributes",
        "enableDnsSupport and enableDnsHostnames on, so that private DNS names resolve",
    ),
    Check(
        "endpoint-security-groups",
        "Endpoint security groups",
        "endpoint security groups admitting only TCP 443 from the VPC",
    ),
    Check(
        "endpoint-policies",
        "Endpoint policies",
        "endpoint policies that let image pulls through",
    ),
)
CHECK_KEYS = tuple(c.key for c in CHECKS)
GROUPS_CHECK = "endpoint-security-groups"

#: Results that carry the run's judgement of the VPC (its findings, its repairs' outcomes):
#: their findings are imported. ``failed`` only when a repair failed (:func:`withheld`).
EVALUATED = frozenset(
    {
        VpcStatus.COMPLIANT,
        VpcStatus.NON_COMPLIANT,
        VpcStatus.FIXED,
        VpcStatus.INCOMPLETE,
        VpcStatus.DEFERRED,
        VpcStatus.FAILED,
    }
)
#: Results of a VPC the run did not evaluate, and why: nothing is imported for them.
NOT_EVALUATED = {
    VpcStatus.UNREADABLE: "unreadable (access denied): not evaluated",
    VpcStatus.NOT_REACHED: "not reached before the run's deadline: not evaluated",
}
READ_FAILED = "failed (could not be read or repaired): not evaluated"


def withheld(result: VpcResult) -> str:
    """Why the run imports no finding of a VPC it did not evaluate; ``""`` when it did
    (a skipped VPC is neither: its mode is off, or it is gone and archived).

    ``failed`` is both a repair that failed (the VPC was evaluated: its outcomes say so) and a
    read that failed (:func:`remediation.engine.not_evaluated.unreadable`: an error, no finding,
    no outcome); only the first is a judgement.

    >>> from remediation.modes import Mode
    >>> withheld(VpcResult("vpc-1", "1", "r", Mode.DRY_RUN, VpcStatus.FAILED, error="boom"))
    'failed (could not be read or repaired): not evaluated'
    >>> withheld(VpcResult("vpc-1", "1", "r", Mode.DRY_RUN, VpcStatus.NON_COMPLIANT))
    ''
    """
    if result.status is VpcStatus.FAILED and (result.error or not result.outcomes):
        return READ_FAILED
    if result.status in EVALUATED or result.status is VpcStatus.SKIPPED:
        return ""
    # Any other status is no judgement either: a VPC is never called compliant by default.
    return NOT_EVALUATED.get(result.status, f"{result.status.value}: not evaluated")


def check_for(finding: Finding) -> str:
    """The check a finding belongs to (by its code first, then by its endpoint service)."""
    code = finding.code
    if code.startswith("dns-"):
        return "dns-attributes"
    if "policy" in code:
        return "endpoint-policies"
    if "group" in code:
        return "endpoint-security-groups"
    if code in ("pulls-bypass-endpoints", "endpoints-not-needed", "traffic-unreadable"):
        return "ecr-dkr-endpoint"  # whether image pulls go through the endpoints (issue 23)
    if finding.service == "ecr.dkr":
        return "ecr-dkr-endpoint"
    if finding.service == "ecr.api":
        return "ecr-api-endpoint"
    if finding.service == "s3" or code.startswith("gateway-"):
        return "s3-gateway"
    # Another configured interface service: its endpoint belongs with the API endpoint's check.
    return "ecr-api-endpoint" if code.startswith("endpoint-") else "endpoint-security-groups"


def finding_id(region: str, account: str, vpc_id: str, check: str) -> str:
    return f"{TOOL}/{region}/{account}/{vpc_id}/{check}"


def product_arn(partition: str, region: str, account: str) -> str:
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def vpc_arn(partition: str, region: str, account: str, vpc_id: str) -> str:
    return f"arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}"


def _timestamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _resolved(result: VpcResult, finding: Finding) -> bool:
    """True when this run repaired the finding: every repair for its code was applied."""
    if not finding.repairs:
        return False
    related = [
        o
        for o in result.outcomes
        if finding.code in o.action.reason.split(",")
        and (not finding.service or finding.service in o.action.service)
    ]
    return bool(related) and all(o.status in DONE for o in related)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _base(result: VpcResult, check: Check, partition: str, now: str) -> dict[str, Any]:
    account, region = result.account_id, result.region
    # The Name tag is data (any character EC2 accepts): one plain line, as in every sink.
    name = plain(result.name)
    label = f"{result.vpc_id} ({name})" if name else result.vpc_id
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(region, account, result.vpc_id, check.key),
        "ProductArn": product_arn(partition, region, account),
        "GeneratorId": f"{TOOL}/{check.key}",
        "AwsAccountId": account,
        **({"AwsAccountName": result.account_name} if result.account_name else {}),
        "Types": list(TYPES),
        "CreatedAt": now,
        "UpdatedAt": now,
        "Title": _cut(f"{check.title}: {label}", 256),
        "Resources": [
            {
                "Type": "AwsEc2Vpc",
                "Id": vpc_arn(partition, region, account, result.vpc_id),
                "Partition": partition,
                "Region": region,
            }
        ],
        "ProductFields": {"ecr-endpoint-guard/check": check.key},
    }


def build_findings(
    result: VpcResult, *, partition: str, now: dt.datetime, docs_url: str = DOCS_URL
) -> list[dict[str, Any]]:
    """The ASFF findings of one evaluated VPC, one per check (``[]`` for a skipped VPC and for
    one the run did not evaluate: :func:`withheld`)."""
    if result.status is VpcStatus.SKIPPED or withheld(result):
        return []
    stamp = _timestamp(now)
    by_check: dict[str, list[Finding]] = {key: [] for key in CHECK_KEYS}
    for finding in result.findings:
        by_check[check_for(finding)].append(finding)
    out = []
    for check in CHECKS:
        if check.key == GROUPS_CHECK and not result.security_groups_read:
            continue  # not judged by this run: the last judgement stands in Security Hub
        mine = by_check[check.key]
        still_open = [
            f for f in mine if f.severity is not Severity.INFO and not _resolved(result, f)
        ]
        failed = bool(still_open)
        item = _base(result, check, partition, stamp)
        # Messages quote what AWS holds (a rule's name, a zone): one plain line each.
        lines = [plain(f.message, 1024) for f in (still_open or mine)]
        if failed:
            description = f"Expected {check.what}. Found: " + "; ".join(lines)
        elif mine:
            description = f"Compliant ({check.what}). " + "; ".join(lines)
        else:
            description = f"Compliant: {check.what}."
        severity = "MEDIUM" if failed else "INFORMATIONAL"
        item.update(
            Description=_cut(description, 1024),
            Severity={"Label": severity},
            FindingProviderFields={"Severity": {"Label": severity}, "Types": list(TYPES)},
            Compliance={"Status": "FAILED" if failed else "PASSED"},
            RecordState="ACTIVE",
            Remediation={
                "Recommendation": {
                    "Text": _cut(_recommendation(result, check, still_open), 512),
                    "Url": docs_url,
                }
            },
        )
        if check.related:
            item["Compliance"]["RelatedRequirements"] = list(check.related)
        item["ProductFields"].update(_product_fields(result, check.key, mine))
        out.append(item)
    return out


def _recommendation(result: VpcResult, check: Check, still_open: Sequence[Finding]) -> str:
    if not still_open:
        return f"Nothing to do: {check.what}."
    if any(f.repairs for f in still_open):
        return (
            f"ecr-endpoint-guard can repair this: `ecr-endpoint-guard scan --fix --region "
            f"{result.region} --vpc-id {result.vpc_id}`, or the custom action "
            "'Fix ECR endpoints' where approval is enabled."
        )
    return "A person must act (the tool will not change this): " + plain(still_open[0].message, 512)


def _product_fields(result: VpcResult, check: str, mine: Sequence[Finding]) -> dict[str, str]:
    codes = {f.code for f in mine}
    actions = [
        f"{o.status.value}: {plain(o.action.describe(), 2048)}"
        for o in result.outcomes
        if set(o.action.reason.split(",")) & codes
    ]
    fields = {
        "ecr-endpoint-guard/vpc-status": result.status.value,
        "ecr-endpoint-guard/mode": result.mode.label,
        "ecr-endpoint-guard/findings": ",".join(sorted(codes)),
    }
    if actions:
        fields["ecr-endpoint-guard/actions"] = _cut("; ".join(actions), 2048)
    if result.cost is not None and check in ("ecr-api-endpoint", "ecr-dkr-endpoint"):
        fields["ecr-endpoint-guard/monthly-cost-usd"] = f"{result.cost.monthly_usd:.2f}"
    return {k: v for k, v in fields.items() if v}


def archived_findings(
    vpc_id: str, *, account: str, region: str, partition: str, now: dt.datetime
) -> list[dict[str, Any]]:
    """Findings that retire every check of a VPC that no longer exists."""
    stamp = _timestamp(now)
    result = VpcResult(
        vpc_id=vpc_id,
        account_id=account,
        region=region,
        mode=Mode.DRY_RUN,
        status=VpcStatus.SKIPPED,
    )
    out = []
    for check in CHECKS:
        item = _base(result, check, partition, stamp)
        item.update(
            Description=f"The VPC {vpc_id} no longer exists.",
            Severity={"Label": "INFORMATIONAL"},
            FindingProviderFields={"Severity": {"Label": "INFORMATIONAL"}, "Types": list(TYPES)},
            RecordState="ARCHIVED",
        )
        out.append(item)
    return out


def summary_findings(summary: Summary, *, partition: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The findings a run's summary imports: one per check for each evaluated VPC, and
    ``ARCHIVED`` ones for each VPC that no longer exists."""
    out: list[dict[str, Any]] = []
    for result in summary.vpcs:
        if result.status is VpcStatus.SKIPPED and result.mode_reason is ModeReason.NOT_FOUND:
            out += archived_findings(
                result.vpc_id,
                account=result.account_id,
                region=result.region,
                partition=partition,
                now=now,
            )
        else:
            out += build_findings(result, partition=partition, now=now)
    return out
