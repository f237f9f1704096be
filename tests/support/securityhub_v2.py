"""The new Security Hub's two calls the tool makes, modelled as AWS documents them (moto
implements neither): ``DescribeSecurityHubV2`` and ``BatchUpdateFindingsV2``.

Answered at the HTTP level by :func:`tests.support.strict_ec2.strict_ec2` (every client sees
them), from the knobs of its :class:`~tests.support.strict_ec2.RealEc2`: ``hub_v2`` (where the
new Security Hub is enabled), ``findings_v2`` (the OCSF findings it holds) and
``findings_v2_updates`` (what was asked). Sources, Security Hub API reference:

- DescribeSecurityHubV2 (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeSecurityHubV2.html):
  ``GET /hubv2``; answers ``HubV2Arn`` and ``SubscribedAt``; ``ResourceNotFoundException``
  (HTTP 404) "because we can't find the specified resource": an account and region where the
  new Security Hub is not enabled.
- BatchUpdateFindingsV2
  (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchUpdateFindingsV2.html):
  ``PATCH /findingsv2/batchupdatev2``; ``MetadataUids`` or ``FindingIdentifiers``
  (``CloudAccountUid``, ``FindingInfoUid``, ``MetadataProductUid``), never both ("Customers
  cannot use MetadataUids together with FindingIdentifiers"), at most 100 (botocore's model:
  ``max`` 100); ``Comment`` 1 to 512 characters; ``StatusId``/``SeverityId``. A finding it
  cannot find comes back in ``UnprocessedFindings`` with ``ErrorCode``
  ``ResourceNotFoundException`` (the model's enum
  ``BatchUpdateFindingsV2UnprocessedFindingErrorCode``), the others in ``ProcessedFindings``.
  Member accounts update their own findings only ("Member accounts can update findings for
  their own account"): a finding of another account is unprocessed. The new Security Hub not
  enabled: modelled as ``ResourceNotFoundException`` for the whole call (not documented).
- OCSF 1.6.0 ``status_id``: 0 Unknown, 1 New, 2 In Progress, 3 Suppressed, 4 Resolved,
  5 Archived, 6 Deleted, 99 Other; anything else is a ``ValidationException`` here.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from moto.iam.models import get_account_id_from

if TYPE_CHECKING:
    from urllib.parse import ParseResult

    from tests.support.strict_ec2 import RealEc2

SECURITY_HUB_V2_PATHS = frozenset({"/hubv2", "/findingsv2/batchupdatev2"})
STATUS_IDS = frozenset({0, 1, 2, 3, 4, 5, 6, 99})
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], str]:
    return status, {"x-amzn-errortype": code}, json.dumps({"__type": code, "Message": message})


def _caller(request: Any) -> str:
    header = request.headers.get("Authorization", "")
    if isinstance(header, bytes):
        header = header.decode()
    match = _CREDENTIAL.search(str(header))
    return get_account_id_from(match[1]) if match else ""


def security_hub_v2(
    real: RealEc2, request: Any, url: ParseResult
) -> tuple[int, dict[str, str], str]:
    """One request to the new Security Hub (see the module docstring)."""
    region = url.netloc.split(".")[1]
    account = _caller(request)
    enabled = (account, region) in real.hub_v2
    if not enabled:
        return _error(404, "ResourceNotFoundException", "Security Hub V2 is not enabled")
    if url.path == "/hubv2":
        arn = f"arn:aws:securityhub:{region}:{account}:hubv2/11111111-2222-3333-4444-555555555555"
        return 200, {}, json.dumps({"HubV2Arn": arn, "SubscribedAt": "2026-01-05T10:00:00.000Z"})
    body = json.loads(request.body or b"{}")
    uids, identifiers = body.get("MetadataUids"), body.get("FindingIdentifiers")
    if bool(uids) == bool(identifiers):
        return _error(400, "ValidationException", "give MetadataUids or FindingIdentifiers")
    if len(uids or identifiers) > 100:
        return _error(400, "ValidationException", "at most 100 findings per call")
    comment = body.get("Comment")
    if comment is not None and not (1 <= len(comment) <= 512 and comment.strip()):
        return _error(400, "ValidationException", "Comment: 1 to 512 characters")
    if "StatusId" in body and body["StatusId"] not in STATUS_IDS:
        return _error(400, "ValidationException", f"StatusId {body['StatusId']} is not valid")
    real.findings_v2_updates.append(body)
    processed, unprocessed = [], []
    for ident in identifiers or []:
        key = (ident["CloudAccountUid"], ident["FindingInfoUid"], ident["MetadataProductUid"])
        if key in real.findings_v2 and key[0] == account:
            finding = real.findings_v2[key]
            if "StatusId" in body:
                finding["status_id"] = body["StatusId"]
            if comment is not None:
                finding["comment"] = comment
            processed.append({"FindingIdentifier": ident})
        else:
            unprocessed.append(
                {
                    "FindingIdentifier": ident,
                    "ErrorCode": "ResourceNotFoundException",
                    "ErrorMessage": "Finding not found",
                }
            )
    for uid in uids or []:
        unprocessed.append(
            {
                "MetadataUid": uid,
                "ErrorCode": "ResourceNotFoundException",
                "ErrorMessage": "not found",
            }
        )
    return 200, {}, json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})
