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

A finding never steers a repair into another account (:func:`steering_refusal`): a member can
import findings of its own, and a Security Hub administrator sees every member's, so a finding is
accepted only for a VPC of the account it belongs to (``AwsAccountId``), and, unless AWS Security
Hub itself produced it, of the account that produced it (the account in ``ProductArn``; the tool's
own findings carry ``product/<that account>/default``). The event of a finding that names a VPC of
another account is refused as a whole, with the reason and the finding's id (``Refusal.code``
:data:`STEERING_REFUSED`, counted by the handler's ``FindingsRefused`` metric).


* ``Findings Imported V2`` (the new Security Hub, OCSF ``Compliance Finding``, ``class_uid``
  2003, one finding per event; Security Hub user guide "EventBridge event formats for Security
  Hub", ``securityhub-v2-cwe-event-formats``): a finding of EC2.55/EC2.56
  (``compliance.control``) whose ``compliance.status`` is ``Fail`` (any case) and that is neither
  closed nor resolved becomes an evaluation. Only Security Hub's own product
  (``metadata.product.uid`` ``arn:<partition>:securityhub:...``) is accepted; the account is
  ``cloud.account.uid``, the VPC ``resources[].uid`` (a VPC id) or ``resources[].uid_alt`` (its
  ARN), and a VPC of another account than the finding's is refused (:func:`steering_refusal`,
  the rule of every finding).

Standard-specific control findings (accounts that enabled Security Hub before February 2023
outside an organisation: ``GeneratorId`` ``aws-foundational-security-best-practices/v/1.0.0/
EC2.55``) carry the same ``Compliance.SecurityControlId`` as consolidated ones, which is what is
matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

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
IMPORTED_V2: Final = "Findings Imported V2"
#: OCSF class of a control finding ("Compliance Finding").
COMPLIANCE_FINDING: Final = 2003
#: OCSF ``status_id`` of a finding no longer open: Suppressed, Resolved, Archived, Deleted
#: (OCSF 1.6.0 ``status_id``); ``activity_id`` 3 is ``Close``.
CLOSED_STATUS_IDS: Final = frozenset({3, 4, 5, 6})
CLOSE_ACTIVITY: Final = 3
CUSTOM_ACTION: Final = "Security Hub Findings - Custom Action"
#: The custom action's id (``AWS::SecurityHub::ActionTarget``) in ``template.yaml``.
ACTION_ID: Final = "EcrEndpointGuardFix"
CONTROLS: Final = frozenset({"EC2.55", "EC2.56"})
TOOL_GENERATOR_PREFIX: Final = "ecr-endpoint-guard/"
#: At most this many findings per event are read (the console sends up to 20 per action).
MAX_FINDINGS: Final = 100
_VPC_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:ec2:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):vpc/(?P<vpc>vpc-[0-9a-f]+)"
)
_EVENT_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: ``arn:<partition>:securityhub:<region>:<account or empty>:product/<company>/<product>``.
_PRODUCT_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:securityhub:[a-z0-9-]*:(?P<account>[0-9]{12})?:"
    r"product/(?P<company>[A-Za-z0-9_.-]+)/(?P<product>[A-Za-z0-9_.-]+)"
)
#: The producer of the findings AWS Security Hub itself makes (its control findings).
SECURITY_HUB: Final = "aws/securityhub"
#: Security Hub's own product, the only one whose V2 findings are accepted.
_V2_PRODUCT: Final = re.compile(
    r"arn:aws[a-z-]*:securityhub:[a-z0-9-]*:[0-9]*:product(?:v2)?/aws/securityhub"
)


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
        match = _VPC_ARN.fullmatch(str(resource.get("Id", "")))
        if (
            match
            and ID_PATTERNS["vpc_ids"].fullmatch(match["vpc"])
            and ACCOUNT_ID.fullmatch(match["account"])
            and REGION.fullmatch(match["region"])
        ):
            out.append((match["account"], match["region"], match["vpc"]))
    return out


def producer(product_arn: object) -> str:
    """Who produced a finding, from its ``ProductArn``: :data:`SECURITY_HUB` for AWS Security
    Hub itself, the account of a ``product/<account>/default`` (an account's own imports), else
    ``""`` (another integration, or not a product ARN).

    >>> producer("arn:aws:securityhub:us-east-1::product/aws/securityhub")
    'aws/securityhub'
    >>> producer("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default")
    '111122223333'
    >>> producer("arn:aws:securityhub:eu-west-1:111122223333:product/444455556666/default")
    ''
    >>> producer("arn:aws:securityhub:us-east-1::product/aws/guardduty")
    ''
    """
    match = _PRODUCT_ARN.fullmatch(product_arn) if isinstance(product_arn, str) else None
    if match is None:
        return ""
    company, product, account = match["company"], match["product"], match["account"] or ""
    if (company, product) == ("aws", "securityhub") and not account:
        return SECURITY_HUB
    if product == "default" and company == account:
        return account
    return ""


def steering_refusal(vpc_account: str, finding_account: object, produced_by: str) -> str:
    """Why a finding may not steer a repair of a VPC of ``vpc_account``; ``""`` when it may.

    The one rule for every shape of Security Hub finding (ASFF here; the OCSF findings of
    Security Hub's V2 events give the same three values): the VPC must be in the finding's own
    account (``finding_account``: ASFF ``AwsAccountId``), and a finding that AWS Security Hub did
    not produce itself must come from that account too (``produced_by``: :func:`producer`).

    >>> steering_refusal("111122223333", "111122223333", SECURITY_HUB)
    ''
    >>> steering_refusal("111122223333", "111122223333", "111122223333")
    ''
    >>> steering_refusal("444455556666", "111122223333", "111122223333")[:52]
    'the finding belongs to account 111122223333 but name'
    >>> steering_refusal("111122223333", "111122223333", "")[:55]
    'the finding was produced neither by AWS Security Hub no'
    """
    if not isinstance(finding_account, str) or not ACCOUNT_ID.fullmatch(finding_account):
        return f"the finding has no valid AwsAccountId, so it cannot name a VPC of {vpc_account}"
    if finding_account != vpc_account:
        return (
            f"the finding belongs to account {finding_account} but names a VPC of account "
            f"{vpc_account}: a finding never steers a repair into another account"
        )
    if produced_by not in (SECURITY_HUB, vpc_account):
        return (
            "the finding was produced neither by AWS Security Hub nor by account "
            f"{vpc_account}'s own default product (product/{vpc_account}/default), so it "
            "cannot steer a repair there"
        )
    return ""


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


def _findings(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    detail = event.get("detail")
    findings = detail.get("findings") if isinstance(detail, dict) else None
    if not isinstance(findings, list):
        return []
    return [f for f in findings[:MAX_FINDINGS] if isinstance(f, dict)]


def _get(node: object, *path: str) -> object:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _v2_vpcs(finding: Mapping[str, Any], account: str) -> list[tuple[str, str, str]]:
    """(account, region, vpc id) of each ``AWS::EC2::VPC`` resource of an OCSF finding.

    The id comes from ``uid`` (a VPC id) or ``uid_alt`` (its ARN, which also names the VPC's
    account); the region from the ARN, the resource or the finding's ``cloud.region``; the
    account from the ARN, the resource's ``owner.account.uid`` or the finding's account.
    """
    out = []
    resources = finding.get("resources")
    default_region = _get(finding, "cloud", "region")
    for resource in resources[:MAX_FINDINGS] if isinstance(resources, list) else ():
        if not isinstance(resource, dict) or resource.get("type") not in (
            "AWS::EC2::VPC",
            "AwsEc2Vpc",
        ):
            continue
        uid, alt = resource.get("uid"), resource.get("uid_alt")
        match = None
        for candidate in (alt, uid):
            if isinstance(candidate, str):
                match = match or _VPC_ARN.fullmatch(candidate)
        if match:
            vpc, vpc_account, region = match["vpc"], match["account"], match["region"]
        elif isinstance(uid, str):
            vpc = uid
            owner = _get(resource, "owner", "account", "uid")
            vpc_account = owner if isinstance(owner, str) else account
            region = resource.get("region") or default_region
        else:
            continue
        if (
            ID_PATTERNS["vpc_ids"].fullmatch(vpc)
            and isinstance(vpc_account, str)
            and ACCOUNT_ID.fullmatch(vpc_account)
            and isinstance(region, str)
            and REGION.fullmatch(region)
        ):
            out.append((vpc_account, region, vpc))
    return out


def _v2_open_failure(finding: Mapping[str, Any]) -> bool:
    """A failed EC2.55/EC2.56 control finding that nobody closed, suppressed or resolved."""
    status = _get(finding, "compliance", "status")
    return (
        finding.get("class_uid") == COMPLIANCE_FINDING
        and _get(finding, "compliance", "control") in CONTROLS
        and isinstance(status, str)
        and status.strip().lower() in ("fail", "failed")
        and finding.get("status_id") not in CLOSED_STATUS_IDS
        and finding.get("activity_id") != CLOSE_ACTIVITY
    )


def _parse_v2(event: Mapping[str, Any], event_id: str) -> Trigger | Refusal:
    """A "Findings Imported V2" event (see the module docstring)."""
    findings = _findings(event)

    def refuse(reason: str, *, ignored: bool = False, code: str = "") -> Refusal:
        return Refusal(
            reason, event_id=event_id, event_name=IMPORTED_V2, ignored=ignored, code=code
        )

    if not findings:
        return refuse("no finding in the event")
    foreign = [
        f for f in findings if not _V2_PRODUCT.fullmatch(str(_get(f, "metadata", "product", "uid")))
    ]
    if foreign:
        product = str(_get(foreign[0], "metadata", "product", "uid"))[:80]
        return refuse(f"the finding's product {product!r} is not Security Hub")
    wanted = [f for f in findings if _v2_open_failure(f)]
    if not wanted:
        return refuse("no failed, open EC2.55/EC2.56 compliance finding in the event", ignored=True)
    places: list[tuple[str, str, str]] = []
    for finding in wanted:
        account = _get(finding, "cloud", "account", "uid")
        if not (isinstance(account, str) and ACCOUNT_ID.fullmatch(account)):
            return refuse("the finding names no valid account (cloud.account.uid)")
        vpcs = _v2_vpcs(finding, account)
        for vpc_account, _, _ in vpcs:  # the one rule (Security Hub produced it: checked above)
            reason = steering_refusal(vpc_account, account, SECURITY_HUB)
            if reason:
                uid = str(_get(finding, "finding_info", "uid"))[:512]
                return refuse(f"finding {uid!r} refused: {reason}", code=STEERING_REFUSED)
        places += vpcs
    if not places:
        return refuse("no VPC among the findings' resources")
    if len({(a, r) for a, r, _ in places}) > 1:
        return refuse(
            "findings of several accounts or regions in one event: each is evaluated on its own "
            "event"
        )
    account, region, _ = places[0]
    return Trigger(
        event_id=event_id,
        event_name=IMPORTED_V2,
        account_id=account,
        region=region,
        vpc_ids=tuple(dict.fromkeys(v for _, _, v in places)),
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
        return _parse_v2(event, event_id)
    findings = _findings(event)
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
