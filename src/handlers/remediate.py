"""Lambda face of the engine: parse, settings, clients, run, log, count, raise.

Deployed as ``handlers.remediate.lambda_handler`` with ``CodeUri: src/``. The account comes
from the function's ARN, the region from the event, the function's own identity (to ignore
the CloudTrail events of its own calls) from ``TOOL_ROLE_ARN``. A failed or deferred repair
(a transient error that outlasted the run's retries) ends the invocation in an error, after
the full result is logged, so that Lambda's retries and failure destination see it; a repair
that needs a person does not (a retry would not change it): the ``ActionsNeedingPerson``
metric and its alarm report it. The run stops starting VPCs before the Lambda deadline, and a
scheduled sweep first waits a random delay of up to ``SWEEP_JITTER_SECONDS``, so that a
schedule rolled out to many accounts does not call EC2 in the same minute everywhere.

The rooms beside this one: :mod:`handlers.runtime` (the function's identity, time and
sessions), :mod:`handlers.account_run` (one trigger in its account: the function's or a
member's), :mod:`handlers.work_items` (the organisation's queued sweep),
:mod:`handlers.observability` (logs and metrics). Organisation admission is
:mod:`remediation.org.admission`'s, the approval's reach :func:`remediation.modes.approved_mode`'s.
Paths that only some events take load their modules when they run, so the common cold start
does not pay for them.

Tracing: the template turns on Lambda's active tracing, which records every invocation.
Powertools' Tracer is not used: it needs ``aws-xray-sdk``, whose import alone costs about
330 ms of cold start, more than the rest of the handler together.
"""

from __future__ import annotations

import os
from typing import Any

from handlers import runtime
from handlers.observability import METRICS, logger, metrics, record_metrics
from handlers.runtime import forget_session, sweep_delay
from remediation.config import load_settings
from remediation.config.deployment import partition_problem
from remediation.events.parse import SCHEDULE_DETAIL_TYPE, parse_event, scheduled_by_a_rule
from remediation.events.triggers import Refusal
from remediation.org.admission import admit, own_roles
from remediation.report.results import refused

__all__ = ["METRICS", "RemediationFailed", "forget_session", "lambda_handler", "sweep_delay"]


class RemediationFailed(RuntimeError):
    """Raised after logging the full result, so that Lambda retries the event."""


@metrics.log_metrics
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Evaluate (and in auto-fix, repair) the VPCs an EventBridge event concerns.

    Returns the run's summary as JSON-ready data: the mode, the event as
    understood (or why it was refused), and per VPC its findings and actions.
    For a batch of the organisation sweep's work items: the partial batch response.
    """
    env = os.environ
    own = runtime.account_of(context)
    if _is_queue_batch(event):
        from handlers.work_items import process_batch  # noqa: PLC0415 - queue path only

        return process_batch(event, context, env, own)
    if isinstance(event, dict) and isinstance(event.get("id"), str):
        logger.set_correlation_id(event["id"][:128])

    settings = load_settings(env, account_id=own)
    partition = runtime.partition_of(context)
    unsupported = partition_problem(partition)  # refused at start: never a nightly failure
    parsed = (
        Refusal(unsupported)
        if unsupported
        else admit(
            parse_event(event, own_role_arns=own_roles(settings, event, partition)), own, settings
        )
    )
    time_left = runtime.time_left(context)
    if isinstance(parsed, Refusal):  # the common case of a busy account: nothing to load
        for problem in settings.problems:
            logger.error("configuration problem", extra={"problem": problem})
        outcome = "ignored" if parsed.ignored else "refused"
        logger.warning(
            f"event refused: {parsed.reason}",
            extra={"outcome": outcome, "event_name": parsed.event_name},
        )
        summary = refused(parsed, settings.mode, settings.problems)
    elif (
        parsed.event_name == SCHEDULE_DETAIL_TYPE
        and settings.organisation_mode
        and settings.work_queue_url
    ):
        from handlers.work_items import fan_out  # noqa: PLC0415 - organisation mode only

        summary = fan_out(parsed, env, own)
    else:
        from handlers.account_run import run_trigger  # noqa: PLC0415 - events that act only

        if parsed.event_name == SCHEDULE_DETAIL_TYPE and scheduled_by_a_rule(event):
            delay = sweep_delay(settings.sweep_jitter_seconds, time_left)
            if delay > 0:
                logger.info("sweep: waiting a random delay first", extra={"delay_seconds": delay})
                runtime.jitter_sleep(delay)
        summary = run_trigger(parsed, env, context, own=own, time_left=time_left)

    record_metrics(summary)
    result = summary.as_dict()
    logger.info("run finished", extra={"summary": result})
    if summary.failed:
        raise RemediationFailed(
            summary.error
            or "some repairs failed or were deferred; see the 'run finished' log record"
        )
    return result


def _is_queue_batch(event: Any) -> bool:
    """A batch of SQS records (the work queue's items), not an EventBridge event: every record
    with its message id and body (one without is not the queue's, and is refused as any other
    unknown event; found by the fuzz)."""
    records = event.get("Records") if isinstance(event, dict) else None
    return (
        isinstance(records, list)
        and bool(records)
        and all(
            isinstance(r, dict)
            and r.get("eventSource") == "aws:sqs"
            and isinstance(r.get("messageId"), str)
            and isinstance(r.get("body"), str)
            for r in records
        )
    )
