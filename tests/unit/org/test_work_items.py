"""The organisation's sweep as work items: one per account and region, validated, refused when
malformed, never lost."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from remediation.org.work_items import (
    WORK_ITEM_EVENT_NAME,
    WorkItem,
    enqueue,
    member_accounts,
    queue_refusal,
    work_items,
)
from tests.support.aws import REGION


def test_configured_accounts_are_validated() -> None:
    with pytest.raises(ValueError, match="not account ids: 1234"):
        member_accounts(None, ["111122223333", "1234"])
    assert member_accounts(None) == ()


def test_one_work_item_per_account_and_region() -> None:
    items = work_items(["111122223333", "444455556666"], ["eu-west-1", "us-east-1", "eu-west-1"])
    assert [(i.account_id, i.region) for i in items] == [
        ("111122223333", "eu-west-1"),
        ("111122223333", "us-east-1"),
        ("444455556666", "eu-west-1"),
        ("444455556666", "us-east-1"),
    ]


def test_a_refused_entry_is_reported_not_lost() -> None:
    class HalfRefusingSqs:
        def send_message_batch(
            self, QueueUrl: str, Entries: list[dict[str, str]]
        ) -> dict[str, object]:
            return {
                "Successful": [{"Id": e["Id"]} for e in Entries[1:]],
                "Failed": [
                    {"Id": Entries[0]["Id"], "Code": "InternalError", "Message": "try later"}
                ],
            }

    items = work_items(["111122223333", "444455556666"], [REGION])
    result = enqueue(HalfRefusingSqs(), "url", items)
    assert result.sent == 1
    assert result.failed == ((items[0], "InternalError: try later"),)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"version": 2, "account_id": "111122223333", "region": REGION}),
        json.dumps({"version": 1, "account_id": "11112222333x", "region": REGION}),
        json.dumps({"version": 1, "account_id": "111122223333", "region": "us east 1"}),
        json.dumps({"version": 1, "account_id": "111122223333"}),
    ],
)
def test_a_malformed_work_item_is_refused(body: str) -> None:
    with pytest.raises(ValueError, match="work item"):
        WorkItem.from_json(body)


def test_a_work_item_becomes_a_region_sweep_in_its_account() -> None:
    trigger = WorkItem("111122223333", "eu-west-1", "s").trigger("msg-1")
    assert (trigger.account_id, trigger.region, trigger.sweep) == (
        "111122223333",
        "eu-west-1",
        True,
    )
    assert (trigger.event_id, trigger.event_name) == ("msg-1", WORK_ITEM_EVENT_NAME)


class RaisingSqs:
    """SendMessageBatch that takes the first ``good`` calls, then raises ``code``."""

    def __init__(self, code: str, good: int = 0) -> None:
        self.code, self.good, self.calls = code, good, 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, object]:
        self.calls += 1
        if self.calls > self.good:
            raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "SendMessageBatch")
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


@pytest.mark.parametrize(
    ("code", "for_good"),
    [
        ("AWS.SimpleQueueService.NonExistentQueue", True),
        ("KMS.AccessDeniedException", True),
        ("KmsDisabled", True),
        ("AccessDenied", True),
        ("RequestThrottled", False),
        ("InternalError", False),
    ],
)
def test_a_call_sqs_refuses_stops_the_sending_and_says_what_was_not_sent(
    code: str, for_good: bool
) -> None:
    items = work_items([f"1111222233{n:02d}" for n in range(25)], [REGION])
    sqs = RaisingSqs(code, good=1)

    result = enqueue(sqs, "url", items)  # does not raise

    assert sqs.calls == 2  # the third batch is not tried
    assert result.sent == 10 and result.unsent == tuple(items[10:]) and result.failed == ()
    assert result.error == f"{code}: no" and result.refused_for_good is for_good
    assert result.not_queued == 15 and result.retry is not for_good
    assert ("not retried" in queue_refusal(result)) is for_good
