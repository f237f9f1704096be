"""Sweeps that finish and reach every VPC in every cycle (issue 24), through the handler on moto.

The read phase is slow here: a clock advances ten seconds at every ``DescribeVpcAttribute``
(two a VPC) and the Lambda context's remaining time follows it. The sweep must end before its
deadline with a summary (never a timeout), never read a VPC it cannot evaluate, hand exactly
the VPCs it did not reach to the work queue, and the queue's work items must then evaluate
each of them. Without a queue, the sweep's order rotates by day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.client
import pytest

from handlers.remediate import RemediationFailed, lambda_handler
from handlers.runtime import DEADLINE_MARGIN_SECONDS
from remediation.aws.inventory import Inventory
from remediation.config import load_settings
from remediation.engine.runs import VPC_SECONDS, run
from remediation.events.triggers import Trigger
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.fixtures import load_event
from tests.support.scenarios import auto_fix

READ_SECONDS = 10.0  # each DescribeVpcAttribute: 20 s a VPC, far slower than EC2
TIMEOUT = 300.0


@dataclass
class SlowClock:
    """Seconds spent in this invocation; the slow reads advance it."""

    elapsed: float = 0.0
    lowest_left: float = TIMEOUT
    read: list[str] = field(default_factory=list)

    def left(self) -> float:
        return TIMEOUT - self.elapsed


@dataclass
class Context:
    """A Lambda context whose remaining time is the slow clock's."""

    clock: SlowClock
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecr-endpoint-guard"
    function_name: str = "ecr-endpoint-guard"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    memory_limit_in_mb: int = 256

    def get_remaining_time_in_millis(self) -> int:
        return int(self.clock.left() * 1000)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, api_calls: CallLog) -> SlowClock:
    slow = SlowClock()
    recording = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def slowly(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "DescribeVpcAttribute":
            slow.elapsed += READ_SECONDS
            slow.lowest_left = min(slow.lowest_left, slow.left())
            slow.read.append(params["VpcId"])
        return recording(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", slowly)
    return slow


@pytest.fixture
def many(aws: Aws, handler_env: pytest.MonkeyPatch) -> list[str]:
    """30 VPCs (and moto's default one): at 20 s a VPC, about 12 fit in one invocation."""
    handler_env.setenv("SWEEP_JITTER_SECONDS", "0")
    for n in range(30):
        aws.ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")
    return [v["VpcId"] for v in aws.ec2.describe_vpcs()["Vpcs"]]


def _status(result: dict[str, Any]) -> dict[str, str]:
    return {v["vpc_id"]: v["status"] for v in result["vpcs"]}


def test_a_slow_read_phase_keeps_the_deadline(
    many: list[str], clock: SlowClock, handler_env: pytest.MonkeyPatch
) -> None:
    handler_env.delenv("WORK_QUEUE_URL", raising=False)

    result = lambda_handler(load_event("scheduled_sweep"), Context(clock))  # a summary

    status = _status(result)
    left = {v for v, s in status.items() if s == "not-reached"}
    assert set(status) == set(many)  # every VPC is in the summary, reached or not
    assert left and len(left) < len(many)
    # The run stopped reading in time: never less than the reserve of one VPC, less the one
    # slow VPC read that may have started just above it, and never past the Lambda margin.
    assert clock.lowest_left - DEADLINE_MARGIN_SECONDS >= VPC_SECONDS - 2 * READ_SECONDS
    assert clock.elapsed < TIMEOUT - DEADLINE_MARGIN_SECONDS
    assert not left & set(clock.read)  # no VPC was read that the run did not evaluate
    assert result["counts"]["vpcs_not_reached"] == len(left)


def test_a_sweep_that_cannot_finish_hands_exactly_the_vpcs_it_did_not_reach_to_the_queue(
    aws: Aws, many: list[str], clock: SlowClock, handler_env: pytest.MonkeyPatch
) -> None:
    queue = aws.sqs.create_queue(QueueName="work")["QueueUrl"]
    handler_env.setenv("WORK_QUEUE_URL", queue)

    result = lambda_handler(load_event("scheduled_sweep"), Context(clock))

    left = {v for v, s in _status(result).items() if s == "not-reached"}
    evaluated = set(_status(result)) - left
    messages = aws.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    items = [json.loads(m["Body"]) for m in messages]
    handed = [v for item in items for v in item["vpc_ids"]]
    assert left and sorted(handed) == sorted(left)  # exactly those, each once
    assert {(i["account_id"], i["region"]) for i in items} == {(ACCOUNT, REGION)}
    assert result["counts"]["work_items_queued"] == len(items)
    assert any("handed over to the work queue" in n for n in result["notes"])

    # The queue's invocations evaluate them (each with a fresh budget; a chunk that runs out
    # of time hands its own rest over again, and the test drains the queue until it is empty).
    while messages:
        for message in messages:
            aws.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        batch = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "body": m["Body"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:work",
                    "awsRegion": REGION,
                    "attributes": {},
                    "messageAttributes": {},
                    "receiptHandle": m["ReceiptHandle"],
                    "md5OfBody": m["MD5OfBody"],
                }
                for m in messages
            ]
        }
        for record in batch["Records"]:
            clock.elapsed = 0.0  # each item is its own invocation
            reads_before = len(clock.read)
            answer = lambda_handler({"Records": [record]}, Context(clock))
            assert answer == {"batchItemFailures": []}
            evaluated |= set(clock.read[reads_before:])
        messages = aws.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        )
    assert evaluated == set(many)  # every VPC, in this sweep


def test_without_a_queue_the_order_rotates_by_day(aws: Aws, many: list[str]) -> None:
    """Each day's run reaches other VPCs first: within days, every VPC has been reached."""
    settings = load_settings({"REMEDIATION_MODE": "dry-run"}, account_id=ACCOUNT)
    sweep = Trigger("e-1", "Scheduled Event", ACCOUNT, REGION, sweep=True)
    reached: set[str] = set()
    lefts = []
    for day in range(1, 11):
        looks = iter(range(10_000))

        def time_left(looks: Iterator[int] = looks) -> float:
            return 300.0 - 10 * next(looks)  # each look at the clock: 10 s later

        result = run(
            sweep,
            settings,
            Inventory(aws.ec2, region=REGION, account_id=ACCOUNT),
            today=dt.date(2026, 12, day),
            time_left=time_left,
        )
        left = {v.vpc_id for v in result.vpcs if v.status.value == "not-reached"}
        assert left and len(left) < len(many)
        lefts.append(frozenset(left))
        reached |= set(many) - left
        assert [v.vpc_id for v in result.vpcs] == many  # the report keeps EC2's order
    assert len(set(lefts)) > 5, lefts  # not the same tail every day
    assert reached == set(many)


# SQS refusing the hand-over, after the sweep evaluated (and repaired) the others: the run's
# results are logged and counted first, always; a refusal no retry fixes (the queue gone, its
# KMS key refused) is reported and counted, not a failure; one a retry may fix (a server error
# after botocore's retries) fails the invocation after the log and the metrics.


def _metrics(out: str) -> dict[str, Any]:
    """The metrics, as the handler printed them."""
    lines = [json.loads(line) for line in out.splitlines() if line[:1] == "{"]
    (metrics,) = [m for m in lines if "_aws" in m]
    return dict(metrics)


@pytest.fixture
def queue(aws: Aws, handler_env: pytest.MonkeyPatch) -> str:
    auto_fix(handler_env)
    url = str(aws.sqs.create_queue(QueueName="work")["QueueUrl"])
    handler_env.setenv("WORK_QUEUE_URL", url)
    return url


def _finished(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    (record,) = [r for r in caplog.records if r.getMessage() == "run finished"]
    return dict(record.__dict__["summary"])


def test_a_queue_that_is_gone_is_reported_and_counted_not_a_failure(
    aws: Aws,
    many: list[str],
    clock: SlowClock,
    queue: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    aws.sqs.delete_queue(QueueUrl=queue)  # SQS answers AWS.SimpleQueueService.NonExistentQueue
    capsys.readouterr()

    result = lambda_handler(load_event("scheduled_sweep"), Context(clock))  # does not raise

    assert not result["failed"] and not result["error"]
    assert _finished(caplog)["counts"] == result["counts"]  # logged whole
    left = [v for v in result["vpcs"] if v["status"] == "not-reached"]
    assert left and result["counts"]["work_items_not_queued"] >= 1
    assert result["counts"]["actions_applied"] > 0  # what was repaired is counted
    assert any("NonExistentQueue" in n and "not retried" in n for n in result["notes"])
    metrics = _metrics(capsys.readouterr().out)
    assert metrics["WorkItemsNotQueued"] == [float(result["counts"]["work_items_not_queued"])]
    assert metrics["ActionsApplied"] == [float(result["counts"]["actions_applied"])]


def test_a_kms_refusal_of_the_queue_is_reported_not_retried(
    aws: Aws, many: list[str], clock: SlowClock, queue: str, faults: FaultLayer
) -> None:
    faults.add(Fault("sqs", "SendMessageBatch", 400, "KMS.AccessDeniedException", "no", times=None))

    result = lambda_handler(load_event("scheduled_sweep"), Context(clock))  # does not raise

    assert not result["failed"]
    assert result["counts"]["work_items_not_queued"] >= 1
    assert faults.tried("SendMessageBatch", "sqs") == 1  # not retried, not even by botocore


def test_a_queue_failing_after_retries_fails_the_invocation_after_logging_and_counting(
    aws: Aws,
    many: list[str],
    clock: SlowClock,
    queue: str,
    faults: FaultLayer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    faults.add(Fault("sqs", "SendMessageBatch", 500, "InternalError", "oops", times=None))
    capsys.readouterr()

    with pytest.raises(RemediationFailed, match="could not be queued"):
        lambda_handler(load_event("scheduled_sweep"), Context(clock))

    assert faults.tried("SendMessageBatch", "sqs") > 1  # botocore retried it first
    summary = _finished(caplog)  # logged before the invocation failed
    assert summary["failed"] and summary["counts"]["actions_applied"] > 0
    assert summary["counts"]["work_items_not_queued"] >= 1
    assert any("invocation fails so that it is retried" in n for n in summary["notes"])
    metrics = _metrics(capsys.readouterr().out)  # and counted
    assert metrics["WorkItemsNotQueued"] == [float(summary["counts"]["work_items_not_queued"])]
    assert metrics["ActionsApplied"] == [float(summary["counts"]["actions_applied"])]
