"""A VPC a sweep did not evaluate keeps its Security Hub findings, through the handler on the
strict emulator: its read denied (``unreadable``), its read failed (``failed``, the run retried)
or the deadline came first (``not-reached``). Six ``PASSED`` findings built from no finding would
replace, by their stable ``Id``, the ``FAILED`` ones of the last sweep that evaluated it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from handlers.remediate import RemediationFailed, lambda_handler
from tests.functional.securityhub.test_securityhub_handler import stored
from tests.support.aws import Aws, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.fixtures import load_event
from tests.support.topology import build_vpc


def for_vpc(vpc_id: str) -> Callable[[dict[str, list[str]]], bool]:
    return lambda params: params.get("VpcId", [""])[0] == vpc_id


def judgement(vpc_id: str) -> dict[str, tuple[str, str]]:
    """Each check's compliance and when it was last imported."""
    return {k: (f["Compliance"]["Status"], f["UpdatedAt"]) for k, f in stored(vpc_id).items()}


@pytest.fixture
def swept(aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext) -> list[str]:
    """Two VPCs without DNS hostnames (and moto's default VPC), swept once: both FAILED in
    Security Hub."""
    handler_env.setenv("SECURITY_HUB_FINDINGS", "true")
    handler_env.setenv("SWEEP_JITTER_SECONDS", "0")
    vpcs = [build_vpc(aws.ec2, cidr=f"10.{n}.0.0/16", dns_hostnames=False) for n in (1, 2)]
    lambda_handler(load_event("scheduled_sweep"), lambda_context)
    for vpc in vpcs:
        assert judgement(vpc.vpc_id)["dns-attributes"][0] == "FAILED"
    return [v.vpc_id for v in vpcs]


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [(403, "UnauthorizedOperation", "unreadable"), (500, "InternalError", "failed")],
)
def test_a_vpc_whose_read_fails_keeps_its_failed_findings(
    swept: list[str],
    faults: FaultLayer,
    lambda_context: LambdaContext,
    status: int,
    code: str,
    outcome: str,
) -> None:
    bad, good = swept
    before, before_good = judgement(bad), judgement(good)
    faults.add(Fault("ec2", "DescribeVpcAttribute", status, code, "no", None, for_vpc(bad)))

    if outcome == "failed":  # a read that failed: the run fails, and Lambda retries it
        with pytest.raises(RemediationFailed):
            lambda_handler(load_event("scheduled_sweep"), lambda_context)
    else:
        result = lambda_handler(load_event("scheduled_sweep"), lambda_context)
        assert {v["vpc_id"]: v["status"] for v in result["vpcs"]}[bad] == outcome
        assert result["counts"]["vpcs_findings_withheld"] == 1
        evaluated = [v for v in result["vpcs"] if v["vpc_id"] != bad]  # moto's default VPC too
        assert result["counts"]["findings_imported"] == 6 * len(evaluated)

    assert judgement(bad) == before  # not called compliant, not even touched
    assert judgement(good) != before_good  # evaluated again, and imported again (UpdatedAt)
    assert {s for s, _ in judgement(good).values()} == {"FAILED", "PASSED"}


@dataclass
class ShortContext(LambdaContext):
    """A Lambda context with too little time left to evaluate any VPC."""

    def get_remaining_time_in_millis(self) -> int:
        return 20_000


def test_vpcs_the_deadline_did_not_reach_keep_their_failed_findings(swept: list[str]) -> None:
    before = {vpc_id: judgement(vpc_id) for vpc_id in swept}

    result = lambda_handler(load_event("scheduled_sweep"), ShortContext())

    assert {v["status"] for v in result["vpcs"]} == {"not-reached"}
    assert {vpc_id: judgement(vpc_id) for vpc_id in swept} == before
    assert result["counts"]["vpcs_findings_withheld"] == len(result["vpcs"])
    assert result["counts"].get("findings_imported", 0) == 0
