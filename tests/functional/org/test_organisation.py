"""The organisation's sweep: accounts, work items and the queue, against moto."""

from __future__ import annotations

import boto3

from remediation.org.work_items import (
    WorkItem,
    enqueue,
    member_accounts,
    work_items,
)
from tests.support.aws import REGION, Aws


def test_accounts_come_from_the_organisation_when_none_are_configured(aws: Aws) -> None:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    made = [
        org.create_account(AccountName=f"member-{n}", Email=f"m{n}@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        for n in range(3)
    ]
    accounts = member_accounts(org)
    assert set(made) <= set(accounts)
    assert list(accounts) == sorted(accounts)
    assert member_accounts(org, ["111122223333", "111122223333"]) == ("111122223333",)


def test_work_items_reach_the_queue_in_batches_of_ten(aws: Aws) -> None:
    url = aws.sqs.create_queue(QueueName="work")["QueueUrl"]
    accounts = [f"1111222233{n:02d}" for n in range(23)]
    items = work_items(accounts, [REGION], sweep_id="sweep-1")
    result = enqueue(aws.sqs, url, items)
    assert (result.sent, result.failed) == (23, ())
    received: list[WorkItem] = []
    while True:
        answer = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = answer.get("Messages", [])
        if not messages:
            break
        received += [WorkItem.from_json(m["Body"]) for m in messages]
    assert sorted(received, key=lambda i: i.account_id) == items
