"""The VPCs a run did not reach, handed to the work queue: exactly those, in chunks one
invocation can finish; the work item that carries them, validated like any queue message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.events.triggers import Trigger
from remediation.handover import chunk_size, hand_over
from remediation.modes import Mode
from remediation.org.work_items import HANDOVER_EVENT_NAME, WorkItem
from remediation.report.results import Summary, VpcResult, VpcStatus, tally

ACCOUNT = "111122223333"
QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/work"


class Sqs:
    """SendMessageBatch as SQS answers it (refusing the entries whose body names ``refuse``)."""

    def __init__(self, refuse: str = "") -> None:
        self.bodies: list[str] = []
        self.refuse = refuse

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> Any:
        ok = [e for e in Entries if not self.refuse or self.refuse not in e["MessageBody"]]
        self.bodies += [e["MessageBody"] for e in ok]
        failed = [
            {"Id": e["Id"], "Code": "InvalidParameterValue", "Message": "no"}
            for e in Entries
            if e not in ok
        ]
        return {"Successful": [{"Id": e["Id"]} for e in ok], "Failed": failed}


def summary(reached: int, left: int) -> Summary:
    trigger = Trigger("e-1", "Scheduled Event", ACCOUNT, "eu-west-1", sweep=True)
    vpcs = tuple(
        VpcResult(
            vpc_id=f"vpc-{n:08x}",
            account_id=ACCOUNT,
            region="eu-west-1",
            mode=Mode.DRY_RUN,
            status=VpcStatus.COMPLIANT if n < reached else VpcStatus.NOT_REACHED,
        )
        for n in range(reached + left)
    )
    return Summary(mode=Mode.DRY_RUN, trigger=trigger, vpcs=vpcs, counts=tally(vpcs))


def test_exactly_the_vpcs_not_reached_are_queued_in_chunks() -> None:
    sqs = Sqs()
    regions: list[str] = []

    def client(region: str) -> Sqs:
        regions.append(region)
        return sqs

    # 10 VPCs in 100 s: 10 s a VPC, 20 at twice that pace; 50 s an invocation: chunks of 2.
    after = hand_over(
        summary(10, 7), queue_url=QUEUE, sqs=client, seconds_used=100, seconds_per_invocation=50
    )
    items = [WorkItem.from_json(b) for b in sqs.bodies]
    assert [len(i.vpc_ids) for i in items] == [2, 2, 2, 1]
    assert [v for i in items for v in i.vpc_ids] == [f"vpc-{n:08x}" for n in range(10, 17)]
    assert {(i.account_id, i.region) for i in items} == {(ACCOUNT, "eu-west-1")}
    assert regions == ["eu-west-1"]  # the queue's region, from its URL
    assert after.counts["work_items_queued"] == 4 and not after.error
    handed = [v for v in after.vpcs if v.status is VpcStatus.NOT_REACHED]
    assert all("handed over" in v.mode_note for v in handed)


def test_nothing_to_hand_over_or_no_progress_queues_nothing() -> None:
    def never(region: str) -> Sqs:
        raise AssertionError("no client is needed")

    complete = summary(5, 0)
    assert (
        hand_over(complete, queue_url=QUEUE, sqs=never, seconds_used=1, seconds_per_invocation=9)
        is complete
    )
    stuck = hand_over(
        summary(0, 5), queue_url=QUEUE, sqs=never, seconds_used=1, seconds_per_invocation=9
    )
    assert any("none handed over" in n for n in stuck.notes)
    no_queue = summary(1, 5)
    assert (
        hand_over(no_queue, queue_url="", sqs=never, seconds_used=1, seconds_per_invocation=9)
        is no_queue
    )


def test_a_refused_item_is_the_run_s_error() -> None:
    after = hand_over(
        summary(4, 4),
        queue_url=QUEUE,
        sqs=lambda _: Sqs(refuse="vpc-00000006"),
        seconds_used=4,
        seconds_per_invocation=4,
    )
    assert after.error and "could not be queued" in after.error


def test_chunk_size_bounds() -> None:
    assert chunk_size(0.01, 10_000) == 200  # EC2's filter limit
    assert chunk_size(1000, 10) == 1


def test_a_work_item_with_vpcs_is_an_evaluation_of_those_vpcs() -> None:
    item = WorkItem(ACCOUNT, "eu-west-1", "s-1", ("vpc-0a1b2c3d4e5f67890",))
    assert WorkItem.from_json(item.to_json()) == item
    trigger = item.trigger("m-1")
    assert (trigger.event_name, trigger.vpc_ids, trigger.sweep) == (
        HANDOVER_EVENT_NAME,
        ("vpc-0a1b2c3d4e5f67890",),
        False,
    )


@pytest.mark.parametrize(
    "vpc_ids", [["vpc-../../x"], "vpc-0a1b2c3d", [1], ["vpc-0a1b2c3d"] * 201, {"a": 1}]
)
def test_a_work_item_s_vpcs_are_validated(vpc_ids: Any) -> None:
    body = f'{{"version": 1, "account_id": "{ACCOUNT}", "region": "eu-west-1", "vpc_ids": '
    with pytest.raises(ValueError, match="vpc_ids"):
        WorkItem.from_json(body + json.dumps(vpc_ids) + "}")


@pytest.mark.parametrize(
    ("code", "fails"),
    [
        ("KMS.AccessDeniedException", False),
        ("AWS.SimpleQueueService.NonExistentQueue", False),
        ("InternalError", True),
        ("RequestThrottled", True),
    ],
)
def test_sqs_raising_is_data_a_failure_only_when_a_retry_may_queue_it(
    code: str, fails: bool
) -> None:
    class Raising:
        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> Any:
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, "SendMessageBatch")

    before = summary(10, 7)

    after = hand_over(
        before,
        queue_url=QUEUE,
        sqs=lambda _: Raising(),
        seconds_used=100,
        seconds_per_invocation=50,
    )

    assert after.failed is fails
    assert after.counts["work_items_queued"] == 0 and after.counts["work_items_not_queued"] == 4
    assert [v.status for v in after.vpcs] == [v.status for v in before.vpcs]  # still not reached
    assert not any("handed over" in v.mode_note for v in after.vpcs)
    assert any(code in n for n in after.notes)
