"""Security Hub findings imported where people look (``BatchImportFindings``).

Loaded only when ``SECURITY_HUB_FINDINGS`` is on (the handler imports it lazily), so cold starts of
the other deployments do not pay for it. The findings themselves (ASFF, one per VPC and check)
are built by :mod:`remediation.report.asff`.

Rules from the Security Hub partner guide ("Guidelines for using the BatchImportFindings API"):
the call is made by the finding's own account (``AwsAccountId``: in organisation mode through the
member role), at most 100 findings and 6 MB per batch, 10 requests per second per account and
region. The default product ARN is ``arn:<partition>:securityhub:<region>:<account>:product/
<account>/default``. Security Hub not enabled in an account (``InvalidAccessException``) is logged
once per account and counted, never a failure. A VPC the run did not evaluate imports nothing
(:func:`remediation.report.asff.withheld`): logged with the reason and counted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_code, error_text
from remediation.report.asff import summary_findings, withheld
from remediation.report.results import Summary

log = logging.getLogger(__name__)

MAX_BATCH = 100
MAX_BATCH_BYTES = 6 * 1024 * 1024
MAX_REQUESTS_PER_SECOND = 10.0
#: Security Hub answers these when it is not enabled (or not subscribed) in the account.
NOT_ENABLED = frozenset({"InvalidAccessException", "SubscriptionRequiredException"})
#: Permissions of the Security Hub paths, as the templates grant them (tests prove equality):
#: importing findings (SECURITY_HUB_FINDINGS) and moving the approved ones' workflow
#: (FIX_ON_APPROVAL).
IMPORT_PERMISSIONS: tuple[str, ...] = ("securityhub:BatchImportFindings",)
#: ``BatchUpdateFindingsV2`` is authorized by ``securityhub:BatchUpdateFindings`` (on the
#: ``hubv2`` resource); ``DescribeSecurityHubV2`` by its own action, on no resource type
#: (Service Authorization Reference, "Actions, resources, and condition keys for AWS Security
#: Hub").
UPDATE_PERMISSIONS: tuple[str, ...] = (
    "securityhub:BatchUpdateFindings",
    "securityhub:DescribeSecurityHubV2",
)


@dataclass(frozen=True)
class ImportResult:
    imported: int = 0
    failed: tuple[str, ...] = ()  # "<finding id>: <error>" per finding Security Hub refused
    not_enabled: bool = False
    error: str = ""


def batches(findings: Sequence[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """Batches of at most 100 findings and 6 MB of JSON."""
    batch: list[dict[str, Any]] = []
    size = 0
    for finding in findings:
        length = len(json.dumps(finding, separators=(",", ":")).encode())
        if batch and (len(batch) >= MAX_BATCH or size + length > MAX_BATCH_BYTES - 1024):
            yield batch
            batch, size = [], 0
        batch.append(finding)
        size += length
    if batch:
        yield batch


class FindingsImporter:
    """Imports findings into one account's Security Hub, paced under its request rate."""

    def __init__(
        self,
        client: Any,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rate: float = MAX_REQUESTS_PER_SECOND,
    ) -> None:
        self.client = client
        self.sleep = sleep
        self.clock = clock
        self.interval = 1.0 / rate
        self._last = float("-inf")

    def _pace(self) -> None:
        wait = self._last + self.interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last = self.clock()

    def import_findings(self, findings: Sequence[dict[str, Any]]) -> ImportResult:
        imported = 0
        failed: list[str] = []
        for batch in batches(findings):
            self._pace()
            try:
                answer = self.client.batch_import_findings(Findings=batch)
            except ClientError as exc:
                if error_code(exc) in NOT_ENABLED:
                    return ImportResult(imported, tuple(failed), not_enabled=True)
                return ImportResult(imported, tuple(failed), error=error_text(exc))
            except BotoCoreError as exc:
                return ImportResult(imported, tuple(failed), error=str(exc))
            imported += int(answer.get("SuccessCount", 0))
            failed += [
                f"{f.get('Id', '?')}: {f.get('ErrorCode', '')} {f.get('ErrorMessage', '')}".strip()
                for f in answer.get("FailedFindings", [])
            ]
        return ImportResult(imported, tuple(failed))


@dataclass(frozen=True)
class SummaryImport:
    """What became of a run's findings (each a count of the face)."""

    imported: int = 0
    failed: int = 0  # built, and not imported: Security Hub refused them or is not enabled
    #: VPCs the run did not evaluate: none of their findings built, so Security Hub keeps
    #: the last ones (:func:`remediation.report.asff.withheld`).
    withheld_vpcs: int = 0


def import_summary(client: Any, summary: Summary, *, partition: str) -> SummaryImport:
    """Import a run's findings. Never raises: Security Hub not enabled is logged as such, any
    other refusal as an error, a VPC not evaluated with its reason (all counted by the face)."""
    held = {r.vpc_id: reason for r in summary.vpcs if (reason := withheld(r))}
    if held:
        log.warning(
            "Security Hub findings not imported for VPCs this run did not evaluate: "
            "Security Hub keeps their last findings",
            extra={"outcome": "withheld", "vpcs": held},
        )
    findings = summary_findings(summary, partition=partition, now=dt.datetime.now(dt.UTC))
    if not findings:
        return SummaryImport(withheld_vpcs=len(held))
    outcome = FindingsImporter(client).import_findings(findings)
    if outcome.not_enabled:
        log.warning(
            "Security Hub is not enabled in this account and region: findings not imported",
            extra={"outcome": "not-enabled"},
        )
    elif outcome.error or outcome.failed:
        log.error(
            "Security Hub findings not imported",
            extra={"error": outcome.error, "failed": list(outcome.failed)[:10]},
        )
    return SummaryImport(outcome.imported, len(findings) - outcome.imported, len(held))
