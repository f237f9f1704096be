"""The organisation's sweep as work items: one per account and region, validated, refused when
malformed, never lost."""

from __future__ import annotations

import json

import pytest

from remediation.org.work_items import (
    WORK_ITEM_EVENT_NAME,
    WorkItem,
    enqueue,
    member_accounts,
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
