"""A run that could read none of its VPCs: a denial is a result for a person (counted, never a
failure to retry), anything a retry may fix is the run's error. Pure: the engine with a fake
inventory, no AWS."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.config import load_settings
from remediation.engine.chunks import merge
from remediation.engine.not_evaluated import unreadable_run
from remediation.engine.runs import run
from remediation.events.triggers import Trigger
from remediation.modes import Mode
from remediation.report.results import Summary

ACCOUNT = "123456789012"
TRIGGER = Trigger("e-1", "CreateVpc", ACCOUNT, "eu-west-1", vpc_ids=("vpc-1",))
SETTINGS = load_settings({}, account_id=ACCOUNT)


def _error(code: str, operation: str = "DescribeVpcs") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, operation)


@pytest.mark.parametrize("code", ["UnauthorizedOperation", "AccessDenied", "AccessDeniedException"])
def test_a_denial_is_reported_and_counted_not_failed(code: str) -> None:
    summary = unreadable_run(TRIGGER, SETTINGS, ["before"], _error(code))

    assert summary.refused_for_good and not summary.failed
    assert summary.counts["reads_refused"] == 1
    assert summary.error.startswith("could not read the VPCs: DescribeVpcs was refused")
    assert f"({code}: no)" in summary.error
    before, note = summary.notes
    assert before == "before" and note.startswith(f"reads-refused: account {ACCOUNT}")
    assert "in eu-west-1 (DescribeVpcs refused)" in note


@pytest.mark.parametrize("code", ["RequestLimitExceeded", "InternalError", "SomethingNew"])
def test_anything_a_retry_may_fix_is_the_run_s_error(code: str) -> None:
    summary = unreadable_run(TRIGGER, SETTINGS, [], _error(code))

    assert summary.failed and not summary.refused_for_good
    assert "reads_refused" not in summary.counts


def test_a_region_not_enabled_stays_its_own_case() -> None:
    summary = unreadable_run(TRIGGER, SETTINGS, [], _error("AuthFailure"))

    assert not summary.failed and not summary.error
    assert summary.counts["regions_not_enabled"] == 1 and "reads_refused" not in summary.counts


class Inventory:
    """Reads that fail: together with ``together``, each VPC with its own code."""

    def __init__(self, together: str, each: dict[str, str]) -> None:
        self.together, self.each = together, each

    def snapshots(self, vpc_ids: list[str], settings: Any) -> list[Any]:
        if len(vpc_ids) > 1:
            raise _error(self.together)
        raise _error(self.each[vpc_ids[0]])


@pytest.mark.parametrize(
    ("each", "fails"),
    [
        ({"vpc-1": "UnauthorizedOperation", "vpc-2": "UnauthorizedOperation"}, False),
        ({"vpc-1": "UnauthorizedOperation", "vpc-2": "RequestLimitExceeded"}, True),
        ({"vpc-1": "InternalError", "vpc-2": "UnauthorizedOperation"}, True),
    ],
    ids=["all-denied", "one-throttled", "one-server-error"],
)
def test_vpcs_read_one_by_one_fail_the_run_when_any_error_may_pass(
    each: dict[str, str], fails: bool
) -> None:
    inventory = Inventory("UnauthorizedOperation", each)

    summary = run(TRIGGER, SETTINGS, inventory, vpc_ids=["vpc-1", "vpc-2"])  # type: ignore[arg-type]

    assert summary.failed is fails
    assert summary.refused_for_good is not fails
    assert summary.error.startswith("could not read the VPCs")


def test_chunks_merged_keep_whether_the_error_is_a_denial() -> None:
    denied = Summary(Mode.DRY_RUN, error="could not read", refused_for_good=True)
    plain = Summary(Mode.DRY_RUN)

    assert not merge([plain, denied]).failed
    assert merge([plain, Summary(Mode.DRY_RUN, error="throttled")]).failed


def test_chunks_merged_fail_on_a_retryable_error_after_a_denial() -> None:
    denied = Summary(Mode.DRY_RUN, error="could not read", refused_for_good=True)
    throttled = Summary(Mode.DRY_RUN, error="throttled")

    for parts in ([denied, throttled], [throttled, denied]):
        merged = merge(parts)
        assert merged.failed and merged.error == "throttled" and not merged.refused_for_good
