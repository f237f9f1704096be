"""The new Security Hub's ``Findings Imported V2`` events: OCSF control findings as triggers.

OCSF ``Compliance Finding`` (``class_uid`` 2003), one finding per event (Security Hub user guide
"EventBridge event formats for Security Hub", ``securityhub-v2-cwe-event-formats``): a finding of
EC2.55/EC2.56 (``compliance.control``) whose ``compliance.status`` is ``Fail`` (any case) and
that is neither closed nor resolved becomes an evaluation. Only Security Hub's own product
(``metadata.product.uid`` ``arn:<partition>:securityhub:...``) is accepted; the account is
``cloud.account.uid``, the VPC ``resources[].uid`` (a VPC id) or ``resources[].uid_alt`` (its
ARN), and a VPC of another account than the finding's is refused
(:func:`~remediation.events.steering.steering_refusal`, the rule of every finding).
:func:`remediation.events.securityhub.parse_securityhub_event` hands these events here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from remediation.events.steering import (
    CONTROLS,
    MAX_FINDINGS,
    SECURITY_HUB,
    VPC_ARN,
    event_findings,
    steering_refusal,
)
from remediation.events.triggers import ID_PATTERNS, REGION, STEERING_REFUSED, Refusal, Trigger
from remediation.vocabulary import ACCOUNT_ID

IMPORTED_V2: Final = "Findings Imported V2"
#: OCSF class of a control finding ("Compliance Finding").
COMPLIANCE_FINDING: Final = 2003
#: OCSF ``status_id`` of a finding no longer open: Suppressed, Resolved, Archived, Deleted
#: (OCSF 1.6.0 ``status_id``); ``activity_id`` 3 is ``Close``.
CLOSED_STATUS_IDS: Final = frozenset({3, 4, 5, 6})
CLOSE_ACTIVITY: Final = 3
#: Security Hub's own product, the only one whose V2 findings are accepted.
_V2_PRODUCT: Final = re.compile(
    r"arn:aws[a-z-]*:securityhub:[a-z0-9-]*:[0-9]*:product(?:v2)?/aws/securityhub"
)


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
                match = match or VPC_ARN.fullmatch(candidate)
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
    control = _get(finding, "compliance", "control")
    status_id = finding.get("status_id")  # optional in OCSF; an integer when present
    return (
        finding.get("class_uid") == COMPLIANCE_FINDING
        and isinstance(control, str)
        and control in CONTROLS
        and isinstance(status, str)
        and status.strip().lower() in ("fail", "failed")
        and (status_id is None or (type(status_id) is int and status_id not in CLOSED_STATUS_IDS))
        and finding.get("activity_id") != CLOSE_ACTIVITY
    )


def parse_v2_event(event: Mapping[str, Any], event_id: str) -> Trigger | Refusal:
    """A "Findings Imported V2" event (see the module docstring)."""
    findings = event_findings(event)

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
