"""Security Hub findings from results: skipped VPCs and VPCs the run did not evaluate import
nothing, evaluated ones (a failed repair included) one finding per check; batches hold at most
100 findings and 6 MB."""

from __future__ import annotations

import pytest

from remediation.actions import EnableVpcAttribute
from remediation.findings import Finding
from remediation.modes import Mode
from remediation.outcomes import Outcome, OutcomeStatus
from remediation.report.asff import CHECK_KEYS, build_findings, summary_findings, withheld
from remediation.report.results import Summary, VpcResult, VpcStatus
from remediation.report.securityhub import MAX_BATCH, batches
from tests.support.aws import ACCOUNT, REGION
from tests.support.securityhub import NOW

HOSTNAMES = EnableVpcAttribute(
    vpc_id="vpc-1", reason="dns-hostnames-disabled", attribute="enableDnsHostnames"
)
OPEN = Finding("dns-hostnames-disabled", "enableDnsHostnames is off", repairs=(HOSTNAMES,))
#: Results of a VPC the run did not evaluate, as the engine makes them
#: (remediation/engine/not_evaluated.py): no finding, so nothing may be called compliant.
NOT_EVALUATED = {
    "unreadable": VpcResult(
        "vpc-1", ACCOUNT, REGION, Mode.DRY_RUN, VpcStatus.UNREADABLE, error="AccessDenied: no"
    ),
    "read-failed": VpcResult(
        "vpc-1", ACCOUNT, REGION, Mode.DRY_RUN, VpcStatus.FAILED, error="InternalError: boom"
    ),
    "not-reached": VpcResult(
        "vpc-1", ACCOUNT, REGION, Mode.DRY_RUN, VpcStatus.NOT_REACHED, name="prod"
    ),
}


def auto_fixed(status: VpcStatus, outcome: OutcomeStatus, detail: str = "") -> VpcResult:
    """An auto-fix run's result for a VPC with one open finding and its repair's outcome."""
    done = Outcome(HOSTNAMES, outcome, detail)
    return VpcResult(
        "vpc-1", ACCOUNT, REGION, Mode.AUTO_FIX, status, findings=(OPEN,), outcomes=(done,)
    )


#: Results of an evaluated VPC: its judgement, imported whatever became of its repairs.
EVALUATED = {
    "compliant": VpcResult("vpc-1", ACCOUNT, REGION, Mode.DRY_RUN, VpcStatus.COMPLIANT),
    "non-compliant": VpcResult(
        "vpc-1", ACCOUNT, REGION, Mode.DRY_RUN, VpcStatus.NON_COMPLIANT, findings=(OPEN,)
    ),
    "fixed": auto_fixed(VpcStatus.FIXED, OutcomeStatus.APPLIED),
    "incomplete": auto_fixed(VpcStatus.INCOMPLETE, OutcomeStatus.NEEDS_PERSON, "quota"),
    "deferred": auto_fixed(VpcStatus.DEFERRED, OutcomeStatus.DEFERRED, "pending"),
    "repair-failed": auto_fixed(VpcStatus.FAILED, OutcomeStatus.FAILED, "Throttling"),
}


def statuses(result: VpcResult) -> dict[str, str]:
    found = build_findings(result, partition="aws", now=NOW)
    return {str(f["GeneratorId"]).rsplit("/", 1)[-1]: f["Compliance"]["Status"] for f in found}


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


@pytest.mark.parametrize("result", NOT_EVALUATED.values(), ids=list(NOT_EVALUATED))
def test_a_vpc_the_run_did_not_evaluate_imports_nothing(result: VpcResult) -> None:
    """No finding is no evidence: six PASSED findings would replace, by their stable Ids, the
    FAILED ones of the last run that evaluated the VPC. Nothing is sent; the reason is given."""
    assert build_findings(result, partition="aws", now=NOW) == []
    assert withheld(result).endswith("not evaluated")


#: The DNS check of each evaluated result: FAILED while its repair is not done.
DNS_CHECK = {
    "compliant": "PASSED",
    "non-compliant": "FAILED",
    "fixed": "PASSED",
    "incomplete": "FAILED",
    "deferred": "FAILED",
    "repair-failed": "FAILED",
}


@pytest.mark.parametrize("kind", list(EVALUATED))
def test_an_evaluated_vpc_imports_one_finding_per_check(kind: str) -> None:
    """``failed`` is also a repair that failed: the VPC was evaluated, its judgement stands."""
    result = EVALUATED[kind]
    assert withheld(result) == ""
    found = statuses(result)
    assert set(found) == set(CHECK_KEYS)
    assert found.pop("dns-attributes") == DNS_CHECK[kind]
    assert set(found.values()) == {"PASSED"}


def test_every_result_status_is_decided() -> None:
    """Each status is a judgement, no judgement, or skipped: a new one must be placed."""
    from remediation.report import asff

    decided = [set(asff.EVALUATED), set(asff.NOT_EVALUATED), {VpcStatus.SKIPPED}]
    assert set().union(*decided) == set(VpcStatus)
    assert sum(len(d) for d in decided) == len(VpcStatus)  # each in one place only


def test_a_summary_imports_only_the_vpcs_it_evaluated() -> None:
    evaluated = EVALUATED["non-compliant"]
    others = tuple(
        VpcResult(f"vpc-{n}", ACCOUNT, REGION, r.mode, r.status, name=r.name, error=r.error)
        for n, r in enumerate(NOT_EVALUATED.values(), start=2)
    )
    summary = Summary(Mode.DRY_RUN, vpcs=(evaluated, *others))
    found = summary_findings(summary, partition="aws", now=NOW)
    assert len(found) == len(CHECK_KEYS)
    assert {f["Id"].split("/")[3] for f in found} == {"vpc-1"}
