"""Security Hub's EventBridge events: control findings as triggers, and the one-click approval.

Two shapes (``../shared/reference-events``, Security Hub user guide "EventBridge event formats"),
both with ``source`` ``aws.securityhub`` and a list of ASFF findings in ``detail.findings``:

* ``Security Hub Findings - Imported``: AWS's own control findings EC2.55 (ECR API endpoint) and
  EC2.56 (Docker Registry endpoint) that are ``FAILED`` and ``ACTIVE`` become an evaluation of
  the VPCs in their ``Resources``. The tool's own imported findings (product ``<account>/default``,
  generator ``ecr-endpoint-guard/...``) are refused, so an import never triggers the tool itself;
  so are other controls, passed or archived findings.
* ``Security Hub Findings - Custom Action`` from the action target ``EcrEndpointGuardFix``: a
  person selected findings (AWS's EC2.55/EC2.56 or the tool's own) and asked for a repair. The
  trigger carries ``approval=True``; whether it may write is the face's decision
  (``FIX_ON_APPROVAL``), and the VPC's mode tag still binds.

Like :func:`remediation.events.parse.parse_event`, :func:`parse_securityhub_event` never raises and
never calls AWS; every id is validated before it can reach an API.

A finding never steers a repair into another account
(:func:`~remediation.events.steering.steering_refusal`, the one rule of every finding shape): the
event of a finding that names a VPC of another account is refused as a whole, with the reason
and the finding's id (``Refusal.code`` :data:`STEERING_REFUSED`, counted by the handler's
``FindingsRefused`` metric).

The new Security Hub's ``Findings Imported V2`` events (OCSF) are read by
:mod:`remediation.events.securityhub_v2`.

Standard-specific control findings (accounts that enabled Security Hub before February 2023
outside an organisation: ``GeneratorId`` ``aws-foundational-security-best-practices/v/1.0.0/
EC2.55``) carry the same ``Compliance.SecurityControlId`` as consolidated ones, which is what is
matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from remediation.events.securityhub_v2 import IMPORTED_V2, parse_v2_event
from remediation.events.steering import (
    CONTROLS,
    VPC_ARN,
    event_findings,
    producer,
    steering_refusal,
)
from remediation.events.triggers import (
    ID_PATTERNS,
    REGION,
    SECURITY_HUB_SOURCE,
    STEERING_REFUSED,
    Refusal,
    Trigger,
)
from remediation.vocabulary import ACCOUNT_ID

SOURCE: Final = SECURITY_HUB_SOURCE
IMPORTED: Final = "Security Hub Findings - Imported"
CUSTOM_ACTION: Final = "Security Hub Findings - Custom Action"
#: The custom action's id (``AWS::SecurityHub::ActionTarget``) in ``template.yaml``.
ACTION_ID: Final = "EcrEndpointGuardFix"
TOOL_GENERATOR_PREFIX: Final = "ecr-endpoint-guard/"
_EVENT_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _event_id(value: object) -> str:
    return value if isinstance(value, str) and _EVENT_ID.fullmatch(value) else ""


def _own(finding: Mapping[str, Any]) -> bool:
    """The tool's own finding (remediation.report.securityhub names its generator so)."""
    generator = finding.get("GeneratorId")
    return isinstance(generator, str) and generator.startswith(TOOL_GENERATOR_PREFIX)


def _control(finding: Mapping[str, Any]) -> str:
    compliance = finding.get("Compliance")
    control = compliance.get("SecurityControlId") if isinstance(compliance, dict) else None
    return control if isinstance(control, str) else ""


def _status(finding: Mapping[str, Any]) -> str:
    compliance = finding.get("Compliance")
    status = compliance.get("Status") if isinstance(compliance, dict) else None
    return status if isinstance(status, str) else ""


def _vpcs(finding: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(account, region, vpc id) of each AwsEc2Vpc resource, validated."""
    out = []
    resources = finding.get("Resources")
    for resource in resources if isinstance(resources, list) else ():
        if not isinstance(resource, dict) or resource.get("Type") != "AwsEc2Vpc":
            continue
        match = VPC_ARN.fullmatch(str(resource.get("Id", "")))
        if (
            match
            and ID_PATTERNS["vpc_ids"].fullmatch(match["vpc"])
            and ACCOUNT_ID.fullmatch(match["account"])
            and REGION.fullmatch(match["region"])
        ):
            out.append((match["account"], match["region"], match["vpc"]))
    return out


def _steering(findings: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """(finding id, reason) of the first finding that may not steer its VPCs' repair."""
    for finding in findings:
        produced_by = producer(finding.get("ProductArn"))
        for account, _, _ in _vpcs(finding):
            reason = steering_refusal(account, finding.get("AwsAccountId"), produced_by)
            if reason:
                finding_id = finding.get("Id")
                return (finding_id[:512] if isinstance(finding_id, str) else "(no Id)"), reason
    return "", ""


def _ref(finding: Mapping[str, Any]) -> tuple[str, str] | None:
    finding_id, product = finding.get("Id"), finding.get("ProductArn")
    if isinstance(finding_id, str) and isinstance(product, str) and len(finding_id) <= 512:
        return finding_id, product
    return None


def _trigger(
    event: Mapping[str, Any],
    name: str,
    findings: Sequence[Mapping[str, Any]],
    *,
    approval: bool,
) -> Trigger | Refusal:
    event_id = _event_id(event.get("id"))
    places = {(a, r) for f in findings for a, r, _ in _vpcs(f)}
    if not places:
        return Refusal("no VPC among the findings' resources", event_id=event_id, event_name=name)
    finding_id, reason = _steering(findings)
    if reason:
        return Refusal(
            f"finding {finding_id!r} refused: {reason}",
            event_id=event_id,
            event_name=name,
            code=STEERING_REFUSED,
        )
    if len(places) > 1:
        return Refusal(
            "findings of several accounts or regions in one event: each is evaluated on its own "
            "event",
            event_id=event_id,
            event_name=name,
        )
    ((account, region),) = places
    vpc_ids = tuple(dict.fromkeys(v for f in findings for _, _, v in _vpcs(f)))
    refs = tuple(r for r in (_ref(f) for f in findings) if r is not None)
    return Trigger(
        event_id=event_id,
        event_name=name,
        account_id=account,
        region=region,
        vpc_ids=vpc_ids,
        approval=approval,
        finding_refs=refs,
    )


def parse_securityhub_event(event: object) -> Trigger | Refusal:
    """A Security Hub event as a :class:`Trigger` (VPCs to evaluate) or a :class:`Refusal`.

    Examples
    --------
    >>> product = "arn:aws:securityhub:us-east-1::product/aws/securityhub"
    >>> finding = {"Id": "f-1", "ProductArn": product, "AwsAccountId": "123456789012",
    ...     "GeneratorId": "security-control/EC2.55", "RecordState": "ACTIVE",
    ...     "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.55"},
    ...     "Resources": [{"Type": "AwsEc2Vpc",
    ...                    "Id": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b2c3d4e5f60718"}]}
    >>> event = {"id": "e-1", "source": "aws.securityhub", "account": "123456789012",
    ...     "detail-type": "Security Hub Findings - Imported", "detail": {"findings": [finding]}}
    >>> parse_securityhub_event(event).vpc_ids
    ('vpc-0a1b2c3d4e5f60718',)
    >>> finding["Compliance"]["Status"] = "PASSED"
    >>> parse_securityhub_event(event).reason
    'no FAILED, ACTIVE EC2.55/EC2.56 control finding in the event'
    """
    if not isinstance(event, dict) or event.get("source") != SOURCE:
        return Refusal("not a Security Hub event")
    name = event.get("detail-type")
    event_id = _event_id(event.get("id"))
    if name == IMPORTED_V2:
        return parse_v2_event(event, event_id)
    findings = event_findings(event)
    if name == IMPORTED:
        if findings and all(_own(f) for f in findings):
            return Refusal(
                "the tool's own finding: never a trigger",
                event_id=event_id,
                event_name=IMPORTED,
                ignored=True,
            )
        wanted = [
            f
            for f in findings
            if not _own(f)
            and str(f.get("ProductArn", "")).endswith(":product/aws/securityhub")
            and _control(f) in CONTROLS
            and _status(f) == "FAILED"
            and f.get("RecordState") == "ACTIVE"
        ]
        if not wanted:
            return Refusal(
                "no FAILED, ACTIVE EC2.55/EC2.56 control finding in the event",
                event_id=event_id,
                event_name=IMPORTED,
                ignored=True,
            )
        return _trigger(event, IMPORTED, wanted, approval=False)
    if name == CUSTOM_ACTION:
        resources = event.get("resources")
        action = resources[0] if isinstance(resources, list) and resources else ""
        if not (isinstance(action, str) and action.endswith(f":action/custom/{ACTION_ID}")):
            return Refusal(
                f"custom action {str(action)[:80]!r} is not {ACTION_ID}",
                event_id=event_id,
                event_name=CUSTOM_ACTION,
                ignored=True,
            )
        selected = [f for f in findings if _own(f) or _control(f) in CONTROLS]
        if not selected:
            return Refusal(
                "none of the selected findings is the tool's or an EC2.55/EC2.56 finding",
                event_id=event_id,
                event_name=CUSTOM_ACTION,
            )
        return _trigger(event, CUSTOM_ACTION, selected, approval=True)
    return Refusal(
        f"unsupported Security Hub event {str(name)[:80]!r}", event_id=event_id, event_name=""
    )
