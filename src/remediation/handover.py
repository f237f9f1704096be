"""The VPCs a run did not reach before its deadline, handed to the work queue.

A sweep (or a handed-over work item, or an event naming many VPCs) that cannot evaluate every
VPC before its deadline ends with those VPCs ``not-reached``. Where the deployment has a work
queue (``WORK_QUEUE_URL``: every deployment of the template), they are queued as work items of
their account and region, in chunks that one invocation can finish at twice the pace this run
measured (:func:`chunk_size`); the function consumes them like the organisation's sweep, so
every VPC is evaluated in every sweep and no tail is starved. A chunk that again runs out of
time hands its own rest over. A run that reached no VPC at all hands nothing over (no progress
would be made: the next sweep evaluates them). The run's results are logged and counted
whatever SQS answers: an item SQS refuses, or a call that fails for a reason a retry may fix
(throttling after botocore's retries, a server error), is the run's error, raised by the face
after its log and metrics (the VPCs stay ``not-reached``); a call refused for good (the queue
gone, its KMS key refused, an access denial) is reported and counted (``WorkItemsNotQueued``),
never retried: the next sweep evaluates those VPCs. Without a queue (the CLI), the sweep's
order rotates by day instead (:func:`remediation.coverage.rotated`).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from typing import Any

from remediation.org.work_items import MOST_VPCS_PER_ITEM, WorkItem, enqueue, queue_refusal
from remediation.report.results import Summary, VpcStatus

log = logging.getLogger(__name__)

#: The SQS queue URL names its region: ``https://sqs.<region>.amazonaws.com/<account>/<name>``.
_QUEUE_REGION = re.compile(r"https://sqs\.([a-z0-9-]+)\.")


def chunk_size(seconds_per_vpc: float, seconds_per_invocation: float) -> int:
    """VPCs per work item: what one invocation finishes at twice the pace measured (at least
    one, at most :data:`~remediation.org.work_items.MOST_VPCS_PER_ITEM`).

    >>> chunk_size(0.5, 240.0)
    200
    >>> chunk_size(45.0, 240.0)
    2
    >>> chunk_size(0.0, 0.0)
    1
    """
    pace = max(seconds_per_vpc, 0.05) * 2
    return max(1, min(MOST_VPCS_PER_ITEM, int(seconds_per_invocation / pace)))


def queue_region(queue_url: str, default: str) -> str:
    """The queue's region, from its URL.

    >>> queue_region("https://sqs.eu-west-1.amazonaws.com/111122223333/work", "us-east-1")
    'eu-west-1'
    """
    match = _QUEUE_REGION.match(queue_url)
    return match[1] if match else default


def hand_over(
    summary: Summary,
    *,
    queue_url: str,
    sqs: Callable[[str], Any],
    seconds_used: float,
    seconds_per_invocation: float,
) -> Summary:
    """Queue the VPCs ``summary`` did not reach (``sqs(region)`` makes the client, only when
    there is something to queue); returns the summary saying so."""
    left = [v for v in summary.vpcs if v.status is VpcStatus.NOT_REACHED]
    trigger = summary.trigger
    if not left or not queue_url or trigger is None:
        return summary
    reached = len(summary.vpcs) - len(left)
    if reached == 0:
        note = "no VPC was reached before the deadline: none handed over (the next run tries)"
        return dataclasses.replace(summary, notes=(*summary.notes, note))
    size = chunk_size(seconds_used / reached, seconds_per_invocation)
    ids = [v.vpc_id for v in left]
    items = [
        WorkItem(trigger.account_id, trigger.region, trigger.event_id, tuple(ids[i : i + size]))
        for i in range(0, len(ids), size)
    ]
    queued = enqueue(sqs(queue_region(queue_url, trigger.region)), queue_url, items)
    refused = {v for item, _ in queued.failed for v in item.vpc_ids}
    refused |= {v for item in queued.unsent for v in item.vpc_ids}
    handed = "handed over to the work queue: a later invocation evaluates it"
    vpcs = tuple(
        dataclasses.replace(v, mode_note=handed)
        if v.status is VpcStatus.NOT_REACHED and v.vpc_id not in refused
        else v
        for v in summary.vpcs
    )
    notes = [
        f"{len(ids) - len(refused)} VPC(s) not reached handed over to the work queue in "
        f"{queued.sent} work item(s) of at most {size}"
    ]
    notes += [f"not queued: {', '.join(i.vpc_ids)}: {why}" for i, why in queued.failed]
    notes += [f"not queued: {', '.join(i.vpc_ids)}" for i in queued.unsent]
    if queued.unsent:
        notes.append(queue_refusal(queued))
        log.error(notes[-1], extra={"outcome": "not-queued", "error": queued.error})
    retry = queued.retry
    error = f"{len(refused)} VPC(s) not reached could not be queued" if retry else summary.error
    counts = {
        **summary.counts,
        "work_items_queued": summary.counts.get("work_items_queued", 0) + queued.sent,
        "work_items_not_queued": summary.counts.get("work_items_not_queued", 0) + queued.not_queued,
    }
    return dataclasses.replace(
        summary, vpcs=vpcs, notes=(*summary.notes, *notes), error=error, counts=counts
    )
