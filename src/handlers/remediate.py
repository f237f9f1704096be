"""Lambda face of the engine: parse, build settings and clients, run, log, count, return.

Deployed as ``handlers.remediate.lambda_handler`` with ``CodeUri: src/``. The
only module that knows about Lambda: the account comes from the function's
ARN, the region from the event, the function's own identity (to ignore the
CloudTrail events of its own calls) from ``TOOL_ROLE_ARN``. A failed or
deferred repair (a transient error that outlasted the run's retries) ends the
invocation in an error, after the full result is logged, so that Lambda's
retries and failure destination see it; a repair that needs a person does not
(a retry would not change it): the ``ActionsNeedingPerson`` metric and its alarm
report it. The run stops starting VPCs before the Lambda deadline, and a
scheduled sweep first waits a random delay of up to ``SWEEP_JITTER_SECONDS``,
so that a schedule rolled out to many accounts does not call EC2 in the same
minute everywhere.

Organisation mode (``MEMBER_ROLE_NAME`` set): an event of another account is served through
that account's member role (``member.yaml``), and the scheduled sweep queues one work item per
(account, region) instead of sweeping itself; the same function consumes the queue (Powertools'
batch processing, partial failures). Security Hub: with ``SECURITY_HUB_FINDINGS`` each run imports
its findings in the VPC's account; AWS's EC2.55/EC2.56 findings trigger an evaluation, and the
"Fix ECR endpoints" custom action repairs the selected VPCs when ``FIX_ON_APPROVAL`` is on. Those
paths load their modules when they run, so the common cold start does not pay for them.

Tracing: the template turns on Lambda's active tracing, which records every
invocation. Powertools' Tracer is not used: it needs ``aws-xray-sdk``, whose
import alone costs about 330 ms of cold start, more than the rest of the
handler together.
"""

from __future__ import annotations

import dataclasses
import os
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from remediation.aws.clients import RETRIES, AwsClients, cap_retry_time, make_clients
from remediation.aws.inventory import Inventory
from remediation.config import Settings, load_settings
from remediation.engine import run
from remediation.events.parse import ACCOUNT_ID, SCHEDULE_DETAIL_TYPE, Refusal, Trigger, parse_event
from remediation.modes import Mode, ModeReason
from remediation.report.notify import SnsNotifier
from remediation.report.results import Summary, tally

if TYPE_CHECKING:  # imported on their paths only: the common cold start skips them
    from remediation.executor import Executor
    from remediation.org.sessions import MemberSessions

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "ecr-endpoint-guard"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "EcrEndpointGuard"))
# The engine logs through the standard library; give it Powertools' JSON format and keys.
copy_config_to_registered_loggers(source_logger=logger, include={"remediation"})

METRICS = {
    "non_compliant_vpcs": "NonCompliantVpcs",
    "actions_planned": "ActionsPlanned",
    "actions_applied": "ActionsApplied",
    "actions_failed": "ActionsFailed",
    "actions_deferred": "ActionsDeferred",
    "actions_needing_person": "ActionsNeedingPerson",
    "vpcs_unreadable": "VpcsUnreadable",
    "vpcs_not_reached": "VpcsNotReached",
    "events_refused": "EventsRefused",
    "vpcs_skipped": "VpcsSkipped",
    "notifications_failed": "NotificationsFailed",
    "member_access_refused": "MemberAccessRefused",
    "findings_imported": "FindingsImported",
    "findings_import_failed": "FindingsImportFailed",
    "work_items_queued": "WorkItemsQueued",
}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


_SESSION: dict[str, boto3.session.Session] = {}
_SESSION_LOCK = threading.Lock()


def _base_session() -> boto3.session.Session:
    """The function's own boto3 session, one per execution environment.

    Clients are still made per invocation (never at import), but a new session would parse
    EC2's service model again on every warm invocation (about 0.2 s). A session is not
    thread-safe, hence the lock (Lambda runs one invocation at a time; tests may not).
    """
    with _SESSION_LOCK:
        session = _SESSION.get("session")
        if session is None:
            session = _SESSION["session"] = boto3.session.Session()
        return session


def _clients(region: str, session: boto3.session.Session | None = None) -> AwsClients:
    """This invocation's clients: the function's own, or a member account's ``session``."""
    base = _base_session()
    with _SESSION_LOCK:
        return make_clients(region, session=session or base)


def _central_sns(region: str) -> Any:
    """The deployment's own SNS client, for a member account's notification (the topic is
    this deployment's; the member's session serves every other call)."""
    base = _base_session()
    with _SESSION_LOCK:
        return cap_retry_time(base.client("sns", region_name=region, config=RETRIES))


_MEMBERS: dict[str, MemberSessions] = {}


def _members(role_name: str, partition: str) -> MemberSessions:
    """Member-account sessions, kept per execution environment (credentials are reused)."""
    from remediation.org.sessions import MemberSessions  # noqa: PLC0415 - organisation mode only

    key = f"{partition}:{role_name}"
    with _SESSION_LOCK:
        members = _MEMBERS.get(key)
    if members is None:
        base = _base_session()
        with _SESSION_LOCK:
            sts = base.client("sts")
        members = MemberSessions(sts, role_name, partition=partition, base=base)
        with _SESSION_LOCK:
            members = _MEMBERS.setdefault(key, members)
    return members


def forget_session() -> None:
    """Drop the kept sessions: the next invocation makes new ones (for tools that add
    botocore event handlers, which only new sessions pick up)."""
    with _SESSION_LOCK:
        _SESSION.clear()
        _MEMBERS.clear()


#: Seconds of the function's time kept free of the sweep's random delay (for the work).
JITTER_RESERVE_SECONDS = 120.0
#: Seconds before the Lambda deadline the run treats as its end (logging, metrics).
DEADLINE_MARGIN_SECONDS = 10.0
#: Injected by tests: the random draw and the wait of the sweep's delay.
jitter_random: Callable[[], float] = random.random
jitter_sleep: Callable[[float], None] = time.sleep


def _time_left(context: Any) -> Callable[[], float] | None:
    """Seconds left before the Lambda deadline (less a margin), or ``None`` outside Lambda."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: remaining() / 1000.0 - DEADLINE_MARGIN_SECONDS


def sweep_delay(env: Any, time_left: Callable[[], float] | None) -> float:
    """The random delay before a scheduled sweep: up to ``SWEEP_JITTER_SECONDS`` (0 disables),
    never more than the time left minus what the work needs.

    >>> sweep_delay({"SWEEP_JITTER_SECONDS": "0"}, None)
    0.0
    >>> 0 <= sweep_delay({"SWEEP_JITTER_SECONDS": "90"}, lambda: 100.0) == 0.0
    True
    """
    try:
        most = max(0.0, float(env.get("SWEEP_JITTER_SECONDS", "0") or 0))
    except ValueError:
        most = 0.0  # unreadable: no delay (the cautious reading: work now, as before)
    if time_left is not None:
        most = min(most, max(0.0, time_left() - JITTER_RESERVE_SECONDS))
    return most * jitter_random() if most > 0 else 0.0


class RemediationFailed(RuntimeError):
    """Raised after logging the full result, so that Lambda retries the event."""


def _arn_part(context: Any, index: int) -> str:
    arn = str(getattr(context, "invoked_function_arn", "") or "")
    parts = arn.split(":")
    return parts[index] if len(parts) > index else ""


def _account_of(context: Any) -> str:
    return _arn_part(context, 4)


def _flag(env: Any, name: str) -> bool:
    return str(env.get(name, "")).strip().lower() in TRUE_WORDS


def _record_metrics(summary: Summary) -> None:
    metrics.add_dimension(name="Mode", value=summary.mode.label)
    for key, name in METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=summary.counts.get(key, 0))


def _own_roles(env: Any, event: Any, partition: str) -> frozenset[str]:
    """The roles whose calls are the tool's own: the function's, and in organisation mode the
    member role of the event's account (its calls come back through the forwarding rule)."""
    roles = {env.get("TOOL_ROLE_ARN", "")}
    member_role = env.get("MEMBER_ROLE_NAME", "").strip()
    account = event.get("account") if isinstance(event, dict) else None
    if member_role and isinstance(account, str) and ACCOUNT_ID.fullmatch(account):
        roles.add(f"arn:{partition}:iam::{account}:role/{member_role}")
    return frozenset(r for r in roles if r)


def _admit(parsed: Trigger | Refusal, own: str, env: Any) -> Trigger | Refusal:
    """Refuse an event of another account unless organisation mode serves that account."""
    if isinstance(parsed, Refusal) or not own or parsed.account_id == own:
        return parsed
    if not env.get("MEMBER_ROLE_NAME", "").strip():
        return Refusal(
            reason=f"event from account {parsed.account_id}; this function acts in {own} "
            "(organisation mode is off: MEMBER_ROLE_NAME is empty)",
            event_id=parsed.event_id,
            event_name=parsed.event_name,
        )
    allowed = {a.strip() for a in env.get("MEMBER_ACCOUNT_IDS", "").split(",") if a.strip()}
    if allowed and parsed.account_id not in allowed:
        return Refusal(
            reason=f"event from account {parsed.account_id}, which is not in MEMBER_ACCOUNT_IDS",
            event_id=parsed.event_id,
            event_name=parsed.event_name,
        )
    return parsed


def _with_counts(summary: Summary, **extra: int) -> Summary:
    return dataclasses.replace(summary, counts={**summary.counts, **extra})


def _approval_settings(parsed: Trigger, settings: Settings, env: Any) -> tuple[Settings, str]:
    """Settings for a person's approval (Security Hub's custom action): auto-fix for the
    selected VPCs only when ``FIX_ON_APPROVAL`` is on (the VPC's mode tag still binds)."""
    if not _flag(env, "FIX_ON_APPROVAL"):
        return (
            dataclasses.replace(settings, mode=Mode.DRY_RUN),
            "approval not acted on: FIX_ON_APPROVAL is off in this deployment, so the selected "
            "VPCs were evaluated and nothing was changed",
        )
    logger.info(
        "repair approved in Security Hub",
        extra={
            "approval_event_id": parsed.event_id,
            "action": parsed.event_name,
            "finding_ids": [finding_id for finding_id, _ in parsed.finding_refs],
            "vpc_ids": list(parsed.vpc_ids),
        },
    )
    approved = dataclasses.replace(settings, mode=Mode.AUTO_FIX, mode_reason=ModeReason.APPROVAL)
    return approved, f"repair approved in Security Hub (event {parsed.event_id})"


def _import_findings(summary: Summary, session: boto3.session.Session, partition: str) -> Summary:
    """Security Hub findings of the run, imported in the VPCs' own account."""
    from remediation.report.securityhub import import_summary  # noqa: PLC0415 - Security Hub only

    if summary.trigger is None:
        return summary
    client = session.client("securityhub", region_name=summary.trigger.region)
    imported, refused = import_summary(client, summary, partition=partition)
    return _with_counts(summary, findings_imported=imported, findings_import_failed=refused)


def _update_approved_findings(
    parsed: Trigger, session: boto3.session.Session, status: str, note: str
) -> None:
    from remediation.report.securityhub import update_workflow  # noqa: PLC0415 - approval path only

    client = session.client("securityhub", region_name=parsed.region)
    problem = update_workflow(client, parsed.finding_refs, status, note)
    if problem:
        logger.warning("Security Hub workflow not updated", extra={"error": problem})


def run_trigger(
    parsed: Trigger, env: Any, context: Any, *, own: str, time_left: Callable[[], float] | None
) -> Summary:
    """One trigger in its own account: the function's, or a member's through its role."""
    partition = _arn_part(context, 1) or "aws"
    settings = load_settings(env, account_id=parsed.account_id)
    for problem in settings.problems:
        logger.error("configuration problem", extra={"problem": problem})
    notes: list[str] = []
    if parsed.approval:
        settings, note = _approval_settings(parsed, settings, env)
        notes.append(note)
    base = _base_session()
    session = base
    if own and parsed.account_id != own:
        from remediation.org.sessions import MemberAccessError  # noqa: PLC0415 - organisation mode

        try:
            session = _members(env["MEMBER_ROLE_NAME"].strip(), partition).session(
                parsed.account_id, event_id=parsed.event_id
            )
        except MemberAccessError as exc:
            logger.error(exc.reason, extra={"account_id": parsed.account_id, "outcome": "refused"})
            refusal = Refusal(exc.reason, event_id=parsed.event_id, event_name=parsed.event_name)
            return _with_counts(run(refusal, settings, None), member_access_refused=1)
    clients = _clients(parsed.region, session)
    inventory = Inventory(
        clients.ec2,
        region=parsed.region,
        account_id=parsed.account_id,
        route53=clients.route53,
        route53profiles=clients.route53profiles,
    )
    executor: Executor | None = None
    if settings.mode is Mode.AUTO_FIX:
        from remediation.executor import Executor  # noqa: PLC0415 - auto-fix only

        executor = Executor(
            clients.ec2,
            inventory,
            wait_seconds=settings.deletion_wait_seconds,
            time_left=time_left,
        )
    # Notifications go to this deployment's topic, whatever account the VPC is in.
    notifier = None
    if settings.topic_arn:
        sns = clients.sns if session is base else _central_sns(parsed.region)
        notifier = SnsNotifier(sns, settings.topic_arn)
    if parsed.approval and executor is not None:
        _update_approved_findings(parsed, session, "NOTIFIED", notes[-1])
    summary = run(
        parsed, settings, inventory, executor=executor, notifier=notifier, time_left=time_left
    )
    if notes:
        summary = dataclasses.replace(summary, notes=(*notes, *summary.notes))
    if parsed.approval and executor is not None and not summary.failed:
        settled = all(v.status.value in ("compliant", "fixed") for v in summary.vpcs)
        if settled:
            _update_approved_findings(parsed, session, "RESOLVED", "repaired by ecr-endpoint-guard")
    if _flag(env, "SECURITY_HUB_FINDINGS"):
        summary = _import_findings(summary, session, partition)
    return summary


def _fan_out(parsed: Trigger, env: Any, own: str) -> Summary:
    """The organisation's scheduled sweep: one queue work item per (account, region)."""
    from remediation.org.work_items import queue_sweep  # noqa: PLC0415 - organisation mode only

    settings = load_settings(env, account_id=own)
    base = _base_session()
    configured = [a.strip() for a in env.get("MEMBER_ACCOUNT_IDS", "").split(",") if a.strip()]
    regions = [r.strip() for r in env.get("ORGANISATION_REGIONS", "").split(",") if r.strip()]
    notes, error, sent = queue_sweep(
        base.client("sqs", region_name=parsed.region),
        env["WORK_QUEUE_URL"],
        organizations=None if configured else base.client("organizations"),
        configured=configured,
        own=own,
        regions=regions or [parsed.region],
        sweep_id=parsed.event_id,
    )
    return Summary(
        mode=settings.mode,
        trigger=parsed,
        notes=notes,
        error=error,
        counts={**tally(()), "work_items_queued": sent},
    )


def _work_items(event: Any, context: Any, own: str) -> dict[str, Any]:
    """A batch of the organisation sweep's work items (SQS): each a single-account sweep.

    A work item whose run fails for a transient reason is reported back as failed (SQS
    retries it, then moves it to the failure queue); a refused member role is a result,
    not a failure (no retry fixes it); a malformed item is logged and dropped.
    """
    from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415 - queue path only
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    from remediation.org.work_items import WorkItem  # noqa: PLC0415 - queue path only

    env = os.environ
    time_left = _time_left(context)
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
            raise RemediationFailed(summary.error or "a repair failed; SQS retries the item")

    try:
        response = process_partial_response(
            event=event,
            record_handler=one,
            processor=BatchProcessor(event_type=EventType.SQS),
            context=context,
        )
    finally:
        _record_metrics(Summary(mode=load_settings(env, account_id=own).mode, counts=totals))
    return dict(response)


def _is_queue_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)
    )


@metrics.log_metrics
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Evaluate (and in auto-fix, repair) the VPCs an EventBridge event concerns.

    Returns the run's summary as JSON-ready data: the mode, the event as
    understood (or why it was refused), and per VPC its findings and actions.
    For a batch of the organisation sweep's work items: the partial batch response.
    """
    env = os.environ
    own = _account_of(context)
    if _is_queue_batch(event):
        return _work_items(event, context, own)
    if isinstance(event, dict) and isinstance(event.get("id"), str):
        logger.set_correlation_id(event["id"][:128])

    # The function's own calls are recognised by its roles only: a session name can be chosen
    # by anyone, so matching on it would let any caller hide its changes from the tool.
    partition = _arn_part(context, 1) or "aws"
    parsed = _admit(parse_event(event, own_role_arns=_own_roles(env, event, partition)), own, env)

    time_left = _time_left(context)
    if isinstance(parsed, Refusal):
        settings = load_settings(env, account_id=own)
        for problem in settings.problems:
            logger.error("configuration problem", extra={"problem": problem})
        summary = run(parsed, settings, None)
    elif (
        parsed.event_name == SCHEDULE_DETAIL_TYPE
        and env.get("MEMBER_ROLE_NAME", "").strip()
        and env.get("WORK_QUEUE_URL", "").strip()
    ):
        summary = _fan_out(parsed, env, own)
    else:
        if parsed.event_name == SCHEDULE_DETAIL_TYPE:
            delay = sweep_delay(env, time_left)
            if delay > 0:
                logger.info("sweep: waiting a random delay first", extra={"delay_seconds": delay})
                jitter_sleep(delay)
        summary = run_trigger(parsed, env, context, own=own, time_left=time_left)

    _record_metrics(summary)
    result = summary.as_dict()
    logger.info("run finished", extra={"summary": result})
    if summary.failed:
        raise RemediationFailed(
            summary.error
            or "some repairs failed or were deferred; see the 'run finished' log record"
        )
    return result
