"""The organisation's sweep fanned out to a queue that refuses it: for good (the queue gone)
reported and counted, never retried; part-way for a reason a retry may fix, the invocation fails
after its log and metrics, and the notes name exactly the items not queued (a retry queues every
item again: docs/failures.md)."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import RemediationFailed, lambda_handler
from tests.support.aws import Aws, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.fixtures import load_event

#: Eleven member accounts and the function's own: twelve items, two SendMessageBatch calls.
MEMBERS = [f"1111222233{n:02d}" for n in range(11)]


@pytest.fixture
def queue(aws: Aws, org_env: pytest.MonkeyPatch) -> str:
    url = str(aws.sqs.create_queue(QueueName="work-items")["QueueUrl"])
    org_env.setenv("WORK_QUEUE_URL", url)
    org_env.setenv("MEMBER_ACCOUNT_IDS", ",".join(MEMBERS))
    return url


def _finished(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    (record,) = [r for r in caplog.records if r.getMessage() == "run finished"]
    return dict(record.__dict__["summary"])


def test_a_queue_that_is_gone_is_reported_and_counted_not_retried(
    aws: Aws, queue: str, lambda_context: LambdaContext
) -> None:
    aws.sqs.delete_queue(QueueUrl=queue)

    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)  # does not raise

    assert not result["failed"] and not result["error"]
    assert result["counts"]["work_items_queued"] == 0
    assert result["counts"]["work_items_not_queued"] == 12
    assert any("NonExistentQueue" in n and "not retried" in n for n in result["notes"])


def test_a_queue_failing_part_way_fails_the_invocation_after_logging_what_was_queued(
    aws: Aws,
    queue: str,
    lambda_context: LambdaContext,
    faults: FaultLayer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []

    def second_call(_: dict[str, list[str]]) -> bool:
        calls.append(1)
        return len(calls) > 1

    faults.add(Fault("sqs", "SendMessageBatch", 500, "InternalError", "oops", None, second_call))

    with pytest.raises(RemediationFailed, match="2 work item"):
        lambda_handler(load_event("scheduled_sweep"), lambda_context)

    summary = _finished(caplog)
    assert summary["counts"]["work_items_queued"] == 10
    assert summary["counts"]["work_items_not_queued"] == 2
    unsent = [n for n in summary["notes"] if n.startswith("not queued: ")]
    assert len(unsent) == 2
    queued = aws.sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert queued == "10"
