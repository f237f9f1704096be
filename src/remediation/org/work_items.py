"""Organisation mode's sweep: one work item per (member account, region), sent to a queue.

A scheduled central sweep does not loop over the organisation inside one invocation: it lists the
member accounts (``organizations:ListAccounts`` from the management account or a delegated
administrator, or a fixed ``MEMBER_ACCOUNT_IDS`` list), crosses them with the configured regions
and sends one small JSON work item per pair to an SQS queue. The function consumes the queue
through an event source mapping (Powertools' batch processing, partial batch failures), each item
an ordinary single-account sweep under the member role; the mapping's ``MaximumConcurrency``
bounds the parallel load on EC2's rate limits, and failed items are retried by SQS and then land
in the failure queue. Nothing here holds per-account state: memory does not grow with the size of
the organisation.

The same queue takes the VPCs a sweep could not reach before its deadline
(:mod:`remediation.handover`): a work item with ``vpc_ids`` is an evaluation of those VPCs
only, in its account and region.

Examples
--------
>>> item = WorkItem(account_id="111122223333", region="eu-west-1", sweep_id="s-1")
>>> WorkItem.from_json(item.to_json()) == item
True
>>> WorkItem.from_json('{"version": 1, "account_id": "12", "region": "eu-west-1"}')
Traceback (most recent call last):
...
ValueError: work item: account_id '12' is not a 12-digit account id
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_text, refused_for_good
from remediation.events.triggers import ID_PATTERNS, Trigger
from remediation.vocabulary import ACCOUNT_ID

WORK_ITEM_VERSION = 1
WORK_ITEM_EVENT_NAME = "OrganisationSweep"
#: The event name of a work item with VPCs: a sweep's VPCs handed over to the queue.
HANDOVER_EVENT_NAME = "SweepHandover"
#: Most VPCs in one work item (EC2 takes at most 200 values in one filter).
MOST_VPCS_PER_ITEM = 200
#: SendMessageBatch takes at most 10 messages (SQS quotas).
SQS_BATCH = 10
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-[0-9]+$")
#: Permissions of the organisation sweep, as the template grants them (tests prove equality):
#: listing the organisation's accounts (only when MEMBER_ACCOUNT_IDS is empty), and what
#: Lambda's event source mapping needs to consume the queue.
LIST_PERMISSIONS: tuple[str, ...] = ("organizations:ListAccounts",)
CONSUMER_PERMISSIONS: tuple[str, ...] = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
)


@dataclass(frozen=True)
class WorkItem:
    """One single-account sweep of the organisation's sweep."""

    account_id: str
    region: str
    sweep_id: str = ""
    #: Only these VPCs (handed over by a sweep that did not reach them); empty: every VPC.
    vpc_ids: tuple[str, ...] = ()

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "version": WORK_ITEM_VERSION,
            "account_id": self.account_id,
            "region": self.region,
            "sweep_id": self.sweep_id,
        }
        if self.vpc_ids:
            data["vpc_ids"] = list(self.vpc_ids)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> WorkItem:
        """Parse and validate a queue message body.

        Raises
        ------
        ValueError
            For anything but a version-1 item with a 12-digit account and a region name.
        """
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"work item: not JSON ({exc})") from exc
        if not isinstance(data, dict) or data.get("version") != WORK_ITEM_VERSION:
            raise ValueError(f"work item: expected version {WORK_ITEM_VERSION}")
        account, region = data.get("account_id"), data.get("region")
        if not (isinstance(account, str) and ACCOUNT_ID.fullmatch(account)):
            raise ValueError(f"work item: account_id {account!r} is not a 12-digit account id")
        if not (isinstance(region, str) and len(region) <= 32 and _REGION.match(region)):
            raise ValueError(f"work item: region {region!r} is not a region name")
        sweep_id = data.get("sweep_id", "")
        vpc_ids = data.get("vpc_ids", [])
        pattern = ID_PATTERNS["vpc_ids"]
        if not (
            isinstance(vpc_ids, list)
            and len(vpc_ids) <= MOST_VPCS_PER_ITEM
            and all(isinstance(v, str) and pattern.fullmatch(v) for v in vpc_ids)
        ):
            raise ValueError(f"work item: vpc_ids must be at most {MOST_VPCS_PER_ITEM} VPC ids")
        sweep = sweep_id[:128] if isinstance(sweep_id, str) else ""
        return cls(account, region, sweep, tuple(dict.fromkeys(vpc_ids)))

    def trigger(self, message_id: str) -> Trigger:
        """The engine's trigger for this item: a region sweep in the member account, or the
        evaluation of the VPCs handed over."""
        if self.vpc_ids:
            return Trigger(
                event_id=message_id[:128],
                event_name=HANDOVER_EVENT_NAME,
                account_id=self.account_id,
                region=self.region,
                vpc_ids=self.vpc_ids,
            )
        return Trigger(
            event_id=message_id[:128],
            event_name=WORK_ITEM_EVENT_NAME,
            account_id=self.account_id,
            region=self.region,
            sweep=True,
        )


def member_accounts(organizations: Any | None, configured: Sequence[str] = ()) -> tuple[str, ...]:
    """The accounts to sweep: ``configured`` when given, else the organisation's active ones.

    ``organizations`` is an Organizations client of the management account or of a delegated
    administrator (ListAccounts is refused elsewhere, and the refusal is raised as it is).
    """
    if configured:
        bad = [a for a in configured if not ACCOUNT_ID.fullmatch(a)]
        if bad:
            raise ValueError(f"not account ids: {', '.join(bad)}")
        return tuple(dict.fromkeys(configured))
    if organizations is None:
        return ()
    accounts: list[str] = []
    for page in organizations.get_paginator("list_accounts").paginate():
        for account in page.get("Accounts", []):
            # ``State`` replaces ``Status``, retired on 2026-09-09 (Organizations API reference,
            # Account); read either, for older emulators and partitions.
            state = str(account.get("State") or account.get("Status") or "").upper()
            if state == "ACTIVE":
                accounts.append(str(account["Id"]))
    return tuple(sorted(set(accounts)))


def work_items(
    accounts: Iterable[str], regions: Iterable[str], *, sweep_id: str = ""
) -> list[WorkItem]:
    region_list = list(dict.fromkeys(regions))
    return [WorkItem(a, r, sweep_id) for a in accounts for r in region_list]


@dataclass(frozen=True)
class Enqueued:
    """What became of sending the work items."""

    sent: int = 0
    failed: tuple[tuple[WorkItem, str], ...] = field(default_factory=tuple)
    #: The items not sent because SQS refused a call itself (after botocore's retries): that
    #: batch and every one after it.
    unsent: tuple[WorkItem, ...] = ()
    #: Why SQS refused the call (``""``: it did not), and whether no retry fixes it (the queue
    #: gone, its KMS key refused, an access denial: ``remediation.aws.errors.refused_for_good``).
    error: str = ""
    refused_for_good: bool = False

    @property
    def not_queued(self) -> int:
        return len(self.failed) + len(self.unsent)

    @property
    def retry(self) -> bool:
        """True when a retry may queue what was not: an entry refused, or a call that failed
        for a reason that may pass."""
        return bool(self.failed) or (bool(self.unsent) and not self.refused_for_good)


def enqueue(sqs: Any, queue_url: str, items: Sequence[WorkItem]) -> Enqueued:
    """Send the items in batches of ten; an entry SQS refuses is reported with its reason, a
    call SQS refuses (raised) stops the sending: its batch and the rest are ``unsent``."""
    sent = 0
    failed: list[tuple[WorkItem, str]] = []
    for start in range(0, len(items), SQS_BATCH):
        batch = items[start : start + SQS_BATCH]
        entries = [{"Id": str(i), "MessageBody": item.to_json()} for i, item in enumerate(batch)]
        try:
            answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except (ClientError, BotoCoreError) as exc:
            return Enqueued(
                sent=sent,
                failed=tuple(failed),
                unsent=tuple(items[start:]),
                error=error_text(exc),
                refused_for_good=refused_for_good(exc),
            )
        sent += len(answer.get("Successful", []))
        for entry in answer.get("Failed", []):
            item = batch[int(entry["Id"])]
            failed.append((item, f"{entry.get('Code', '')}: {entry.get('Message', '')}"))
    return Enqueued(sent=sent, failed=tuple(failed))


def queue_refusal(queued: Enqueued) -> str:
    """What a person reads when SQS refused a call, and what happens next; ``""`` if not."""
    if not queued.unsent:
        return ""
    if queued.refused_for_good:
        return (
            f"the work queue refused {len(queued.unsent)} work item(s) ({queued.error}): not "
            "retried. Check that the queue exists and that its KMS key policy lets the "
            "function's role use the key"
        )
    return (
        f"the work queue failed {len(queued.unsent)} work item(s) ({queued.error}) after "
        "retries: the invocation fails so that it is retried"
    )


def queue_sweep(
    sqs: Any,
    queue_url: str,
    *,
    organizations: Any | None,
    configured: Sequence[str],
    own: str,
    regions: Sequence[str],
    sweep_id: str,
) -> tuple[tuple[str, ...], str, Enqueued]:
    """Queue the organisation's sweep; returns (notes, error, what became of the items).

    The function's own account is always swept. An organisation that cannot be listed (the
    function is neither the management account nor a delegated administrator) is the run's
    error: a sweep that reaches no account is a broken deployment, which the alarm reports.
    Items SQS did not take are the run's error when a retry may queue them (the retry queues
    every item again: those queued before the failure are swept twice, which is idempotent),
    else reported for a person and counted, never retried (docs/failures.md).
    """
    try:
        accounts = list(member_accounts(organizations, configured))
    except (ClientError, BotoCoreError, ValueError) as exc:
        return (), f"could not list the organisation's accounts: {exc}", Enqueued()
    if own and own not in accounts:
        accounts.append(own)
    queued = enqueue(sqs, queue_url, work_items(accounts, regions, sweep_id=sweep_id))
    notes = [
        f"organisation sweep: {queued.sent} work item(s) queued for {len(accounts)} account(s)"
    ]
    notes += [f"not queued: {item.account_id}/{item.region}: {why}" for item, why in queued.failed]
    notes += [f"not queued: {i.account_id}/{i.region}" for i in queued.unsent]
    notes += [queue_refusal(queued)] if queued.unsent else []
    error = f"{queued.not_queued} work item(s) could not be queued" if queued.retry else ""
    return tuple(notes), error, queued
