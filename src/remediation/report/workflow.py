"""A person's approval, carried to Security Hub: the selected findings' workflow, in both consoles.

Security Hub CSPM (ASFF) always: ``BatchUpdateFindings`` sets ``Workflow.Status``. The new
Security Hub (OCSF) where it is enabled in the account and region (``DescribeSecurityHubV2``
answers; ``ResourceNotFoundException`` means it is not): ``BatchUpdateFindingsV2`` sets
``StatusId`` for the findings that exist there, AWS's own control findings (the tool's own
findings are ASFF only: there is no V2 import of custom findings). Nothing here raises: a
refusal is returned for the face to log, and never fails a run (the repair is done or not
whatever Security Hub says).

Loaded on the approval path only (the handler imports it lazily).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_code, error_text
from remediation.report.asff import TOOL

#: BatchUpdateFindings takes at most 100 finding identifiers per call.
MAX_UPDATE = 100


def update_workflow(client: Any, refs: Sequence[tuple[str, str]], status: str, note: str) -> str:
    """Set the workflow status of the findings a person selected (``NOTIFIED``, ``RESOLVED``).

    Returns ``""``, or why Security Hub refused (logged by the caller; never fails a run).
    """
    for start in range(0, len(refs), MAX_UPDATE):
        batch = refs[start : start + MAX_UPDATE]
        try:
            answer = client.batch_update_findings(
                FindingIdentifiers=[{"Id": i, "ProductArn": p} for i, p in batch],
                Workflow={"Status": status},
                Note={"Text": note[:512], "UpdatedBy": TOOL},
            )
        except (ClientError, BotoCoreError) as exc:
            return error_text(exc) if isinstance(exc, ClientError) else str(exc)
        refused = answer.get("UnprocessedFindings", [])
        if refused:
            return f"{len(refused)} finding(s) not updated: {refused[0].get('ErrorMessage', '')}"
    return ""


#: OCSF ``status_id`` for the workflow states an approval moves a finding to (OCSF 1.6.0
#: Compliance Finding ``status_id``: 2 In Progress, 4 Resolved), for ``BatchUpdateFindingsV2``.
V2_STATUS = {"NOTIFIED": 2, "RESOLVED": 4}
#: ``DescribeSecurityHubV2`` answers this where the new Security Hub is not enabled
#: (Security Hub API reference, DescribeSecurityHubV2, Errors).
V2_NOT_ENABLED = "ResourceNotFoundException"
_AWS_CONTROL_PRODUCT = ":product/aws/securityhub"


def new_hub_enabled(client: Any) -> tuple[bool, str]:
    """Whether the new Security Hub is enabled in the client's account and region, and why not
    known (``""`` when known). Never raises: a refusal means "not enabled" and is reported."""
    try:
        client.describe_security_hub_v2()
    except ClientError as exc:
        if error_code(exc) == V2_NOT_ENABLED:
            return False, ""
        return False, error_text(exc)
    except BotoCoreError as exc:
        return False, str(exc)
    return True, ""


def v2_identifiers(refs: Sequence[tuple[str, str]], account: str) -> list[dict[str, str]]:
    """The new Security Hub's identifiers of the selected findings that have one.

    Only AWS's own control findings exist in both consoles; their OCSF ``finding_info.uid`` is
    the ASFF ``Id`` and their product is ``productv2/aws/securityhub`` (the reference V2 event).
    The tool's own findings are ASFF only (there is no V2 import of custom findings).
    """
    out = []
    for finding_id, product in refs:
        if product.endswith(_AWS_CONTROL_PRODUCT) and product.startswith("arn:"):
            out.append(
                {
                    "CloudAccountUid": account,
                    "FindingInfoUid": finding_id,
                    "MetadataProductUid": product[: -len(_AWS_CONTROL_PRODUCT)]
                    + ":productv2/aws/securityhub",
                }
            )
    return out


def update_workflow_v2(
    client: Any, refs: Sequence[tuple[str, str]], account: str, status: str, note: str
) -> str:
    """``BatchUpdateFindingsV2`` for the findings that exist in the new Security Hub.

    Returns ``""``, or why Security Hub refused (logged by the caller; never fails a run).
    """
    identifiers = v2_identifiers(refs, account)
    status_id = V2_STATUS.get(status)
    if not identifiers or status_id is None:
        return ""
    for start in range(0, len(identifiers), MAX_UPDATE):
        try:
            answer = client.batch_update_findings_v2(
                FindingIdentifiers=identifiers[start : start + MAX_UPDATE],
                StatusId=status_id,
                Comment=note[:512] or TOOL,
            )
        except (ClientError, BotoCoreError) as exc:
            return error_text(exc) if isinstance(exc, ClientError) else str(exc)
        refused = answer.get("UnprocessedFindings", [])
        if refused:
            first = refused[0]
            return (
                f"{len(refused)} finding(s) not updated in the new Security Hub: "
                f"{first.get('ErrorCode', '')} {first.get('ErrorMessage', '')}".strip()
            )
    return ""


def move_workflow(
    client: Any, refs: Sequence[tuple[str, str]], account: str, status: str, note: str
) -> list[str]:
    """Move the approved findings' workflow in Security Hub CSPM (ASFF, always) and in the new
    Security Hub where it is enabled (``DescribeSecurityHubV2``); returns the problems met."""
    problems = [update_workflow(client, refs, status, note)]
    if v2_identifiers(refs, account):
        enabled, unknown = new_hub_enabled(client)
        problems.append(unknown)
        if enabled:
            problems.append(update_workflow_v2(client, refs, account, status, note))
    return [p for p in problems if p]
