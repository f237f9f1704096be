"""A run whose first read is denied (``DescribeVpcs`` refused by the role, a permissions
boundary or a service control policy such as a landing zone's region deny) is reported for a
person and counted, never a failed invocation that Lambda or SQS would retry every day; the
same read throttled beyond botocore's retries, or a server error, still fails it. Through the
handler, against the strict emulator with faults at the HTTP layer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from handlers import account_run
from handlers.remediate import RemediationFailed, lambda_handler
from remediation.report.results import Summary
from tests.support.aws import REGION, Aws, LambdaContext, work_item_record
from tests.support.aws_faults import Fault, FaultLayer, refuse
from tests.support.fixtures import load_event
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.topology import build_vpc

MEMBER = "111122223333"
ROLE = "ecr-endpoint-guard-member"
SCP = (
    "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:"
    "assumed-role/x/y is not authorized to perform: ec2:DescribeVpcs with an explicit deny "
    "in a service control policy"
)


def _work_item(account: str) -> dict[str, Any]:
    body = {"account_id": account, "region": REGION, "version": 1, "sweep_id": "s-1"}
    return {"Records": [work_item_record(body)]}


@pytest.fixture
def summaries(handler_env: pytest.MonkeyPatch) -> list[Summary]:
    """Every summary the engine returns to the handler."""
    kept: list[Summary] = []
    original = account_run.run

    def keep(*args: Any, **kwargs: Any) -> Summary:
        kept.append(original(*args, **kwargs))
        return kept[-1]

    handler_env.setattr(account_run, "run", keep)
    return kept


def _metrics(out: str) -> dict[str, Any]:
    printed = [json.loads(line) for line in out.splitlines() if line[:1] == "{"]
    (metrics,) = [m for m in printed if "_aws" in m]
    return dict(metrics)


@pytest.mark.parametrize("kind", ["sweep", "create-vpc", "member-work-item"])
def test_describe_vpcs_denied_is_reported_and_counted_not_failed(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    lambda_context: LambdaContext,
    summaries: list[Summary],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("SWEEP_JITTER_SECONDS", "0")
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    vpc = build_vpc(aws.ec2, cidr="10.1.0.0/16", azs=2)
    faults.add(refuse("DescribeVpcs", "UnauthorizedOperation", SCP))
    capsys.readouterr()

    if kind == "member-work-item":  # Control Tower's region deny in a member account
        response = lambda_handler(_work_item(MEMBER), lambda_context)
        assert response["batchItemFailures"] == []  # never returned to the queue
    else:
        event = load_event("scheduled_sweep") if kind == "sweep" else create_vpc_event(vpc.vpc_id)
        result = lambda_handler(event, lambda_context)  # does not raise
        assert not result["failed"]
        assert result["counts"]["reads_refused"] == 1

    (summary,) = summaries
    assert not summary.failed and summary.refused_for_good and summary.vpcs == ()
    assert summary.counts["reads_refused"] == 1
    assert "DescribeVpcs was refused (UnauthorizedOperation" in summary.error
    (note,) = summary.notes  # what a person can do about it
    assert note.startswith("reads-refused: account ") and "could not read its VPCs" in note
    assert "service control policy" in note and "DescribeVpcs refused" in note
    assert _metrics(capsys.readouterr().out)["ReadsRefused"] == [1.0]
    (logged,) = [r for r in caplog.records if getattr(r, "outcome", "") == "reads-refused"]
    assert logged.levelname == "ERROR" and "UnauthorizedOperation" in logged.__dict__["error"]
    assert faults.tried("DescribeVpcs") >= 1
    assert faults.sleeps == []  # a denial is never retried, not even by botocore


@pytest.mark.parametrize(
    "fault",
    [refuse("DescribeVpcs", "RequestLimitExceeded"), refuse("DescribeVpcs", "InternalError")],
    ids=["throttled-beyond-retries", "server-error"],
)
@pytest.mark.parametrize("kind", ["sweep", "create-vpc"])
def test_describe_vpcs_failing_for_a_reason_a_retry_may_fix_still_fails(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    lambda_context: LambdaContext,
    summaries: list[Summary],
    kind: str,
    fault: Fault,
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("SWEEP_JITTER_SECONDS", "0")
    vpc = build_vpc(aws.ec2, cidr="10.1.0.0/16", azs=2)
    fault.hits = 0
    faults.add(fault)
    event = load_event("scheduled_sweep") if kind == "sweep" else create_vpc_event(vpc.vpc_id)

    with pytest.raises(RemediationFailed, match="could not read the VPCs"):
        lambda_handler(event, lambda_context)

    (summary,) = summaries
    assert summary.failed and not summary.refused_for_good
    assert "reads_refused" not in summary.counts
    assert len(faults.sleeps) >= 1  # botocore retried it first


def test_a_member_work_item_throttled_beyond_retries_goes_back_to_the_queue(
    aws: Aws, handler_env: pytest.MonkeyPatch, faults: FaultLayer, lambda_context: LambdaContext
) -> None:
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    faults.add(refuse("DescribeVpcs", "RequestLimitExceeded"))

    # Powertools fails the invocation when every record of the batch failed: SQS redelivers.
    with pytest.raises(BatchProcessingError, match="could not read the VPCs"):
        lambda_handler(_work_item(MEMBER), lambda_context)
