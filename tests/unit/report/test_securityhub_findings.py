"""Security Hub findings from results: skipped VPCs import nothing; batches hold at most 100
findings and 6 MB."""

from __future__ import annotations

from remediation.modes import Mode
from remediation.report.asff import build_findings
from remediation.report.results import VpcResult, VpcStatus
from remediation.report.securityhub import MAX_BATCH, batches
from tests.support.aws import ACCOUNT, REGION
from tests.support.securityhub import NOW


def test_skipped_vpcs_import_nothing() -> None:
    result = VpcResult("vpc-1", ACCOUNT, REGION, Mode.OFF, VpcStatus.SKIPPED)
    assert build_findings(result, partition="aws", now=NOW) == []


def test_batches_hold_at_most_100_findings_and_6_mb() -> None:
    small = [{"Id": str(n)} for n in range(250)]
    assert [len(b) for b in batches(small)] == [MAX_BATCH, MAX_BATCH, 50]
    big = [{"Id": str(n), "Description": "x" * 200_000} for n in range(70)]
    sizes = [len(b) for b in batches(big)]
    assert sum(sizes) == 70
    assert max(sizes) * 200_000 < 6 * 1024 * 1024


def test_a_run_that_did_not_read_the_groups_sends_no_groups_check() -> None:
    """An event spares a hub-served VPC's groups (its read budget): it must not overwrite the
    sweep's judgement of them in Security Hub with a PASSED it did not make."""
    from remediation.report.asff import GROUPS_CHECK

    def checks(read: bool) -> set[str]:
        result = VpcResult(
            "vpc-1", ACCOUNT, REGION, Mode.DRY_RUN, VpcStatus.COMPLIANT, security_groups_read=read
        )
        found = build_findings(result, partition="aws", now=NOW)
        return {str(f["GeneratorId"]).rsplit("/", 1)[-1] for f in found}

    assert GROUPS_CHECK in checks(True)
    assert checks(False) == checks(True) - {GROUPS_CHECK}
