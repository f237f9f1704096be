"""The organisation's queued sweep: the scheduled sweep fans out, the queue's batches run.

The scheduled sweep of an organisation deployment queues one work item per (account,
region) instead of sweeping itself; the same function consumes the queue with Powertools'
batch processing (partial failures). A work item whose run fails for a transient reason is
reported back as failed (SQS retries it, then moves it to the failure queue); a refused
member role is a result, not a failure (no retry fixes it); a malformed item is logged and
dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers import runtime
from handlers.account_run import run_trigger
from handlers.observability import logger, record_metrics
from remediation.config import load_settings
from remediation.events.triggers import Trigger
from remediation.report.results import Summary, tally


class WorkItemFailed(RuntimeError):
    """A work item's run failed: SQS retries the item."""


def fan_out(parsed: Trigger, env: Mapping[str, str], own: str) -> Summary:
    """The organisation's scheduled sweep: one queue work item per (account, region)."""
    from remediation.org.work_items import queue_sweep  # noqa: PLC0415 - organisation mode only

    settings = load_settings(env, account_id=own)
    configured = sorted(settings.member_account_ids)
    listing = settings.lists_organisation  # never for an unreadable MEMBER_ACCOUNT_IDS
    notes, error, queued = queue_sweep(
        runtime.central_client("sqs", parsed.region),
        settings.work_queue_url,
        organizations=runtime.central_client("organizations") if listing else None,
        configured=configured,
        own=own,
        regions=list(settings.organisation_regions) or [parsed.region],
        sweep_id=parsed.event_id,
    )
    if queued.unsent:
        logger.error(notes[-1], extra={"outcome": "not-queued", "error": queued.error})
    return Summary(
        mode=settings.mode,
        trigger=parsed,
        problems=settings.problems,
        notes=notes,
        error=error,
        counts={
            **tally(()),
            "work_items_queued": queued.sent,
            "work_items_not_queued": queued.not_queued,
        },
    )


def process_batch(event: Any, context: Any, env: Mapping[str, str], own: str) -> dict[str, Any]:
    """A batch of the organisation sweep's work items (SQS): each a single-account sweep."""
    from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415 - queue path only
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    from remediation.org.work_items import WorkItem  # noqa: PLC0415 - queue path only

    time_left = runtime.time_left(context)
    totals: dict[str, int] = {}

    def one(record: Any) -> None:
        try:
            item = WorkItem.from_json(record.body)
        except ValueError as exc:
            logger.error("work item dropped", extra={"error": str(exc), "outcome": "refused"})
            return
        summary = run_trigger(
            item.trigger(record.message_id), env, context, own=own, time_left=time_left
        )
        for key, value in summary.counts.items():
            totals[key] = totals.get(key, 0) + value
        logger.info("work item finished", extra={"summary": summary.as_dict()})
        if summary.failed:
            raise WorkItemFailed(summary.error or "a repair failed; SQS retries the item")

    try:
        response = process_partial_response(
            event=event,
            record_handler=one,
            processor=BatchProcessor(event_type=EventType.SQS),
            context=context,
        )
    finally:
        record_metrics(Summary(mode=load_settings(env, account_id=own).mode, counts=totals))
    return dict(response)
