"""Orchestration only: event -> VPCs -> snapshots -> findings -> plan -> outcomes -> messages.

The handler and the CLI are two thin faces of :func:`run`. They build the
settings, the clients, the :class:`~remediation.aws.inventory.Inventory`, an
:class:`~remediation.executor.Executor` only when auto-fix is possible, and a
notifier; the engine decides nothing about processes or exit codes. Errors
come back as values in the :class:`~remediation.report.results.Summary`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from remediation.actions import Action
from remediation.aws.errors import ACCESS_DENIED, REGION_NOT_ENABLED, error_code, error_text
from remediation.aws.inventory import Inventory
from remediation.baseline import evaluate
from remediation.baseline.money import vpc_money
from remediation.config import Settings
from remediation.cost import estimate
from remediation.coverage import (
    NotReached,
    NotRead,
    Read,
    in_time,
    read_in_time,
    read_one_by_one,
    rotated,
)
from remediation.events.triggers import Refusal, Trigger
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot
from remediation.modes import MODE_TAG, UNTIL_TAG, Mode, ModeReason, vpc_mode
from remediation.outcomes import Outcome, OutcomeStatus
from remediation.plan import plan
from remediation.report.notify import IacHandover, Notifier, render, terraform_command
from remediation.report.results import (
    NotificationStatus,
    Summary,
    VpcResult,
    VpcStatus,
    refused,
    tally,
)

if TYPE_CHECKING:  # the executor's module is loaded only when auto-fix builds one
    from remediation.executor import Executor, RunContext
    from remediation.modes import ModeException

log = logging.getLogger(__name__)

#: VPCs per engine run in :func:`run_chunks` (a face reports progress between chunks).
CHUNK = 50
#: Seconds one VPC may take at most (reads, repairs and their bounded waits): a run does not
#: start a VPC with less time left than this.
VPC_SECONDS = 45.0
#: Read errors that a retry cannot fix: the VPC is reported unreadable, the run goes on.
PERMANENT_READ = ACCESS_DENIED


def _run_context(
    event_id: str = "", event_name: str = "", extra_tags: tuple[tuple[str, str], ...] = ()
) -> RunContext:
    """What the executor tags its creations with (imported here: only auto-fix needs it)."""
    from remediation.executor import RunContext  # noqa: PLC0415 - kept off dry-run cold starts

    return RunContext(event_id=event_id, event_name=event_name, extra_tags=extra_tags)


def assess(
    snapshot: VpcSnapshot, settings: Settings, day: str
) -> tuple[tuple[Finding, ...], tuple[Action, ...]]:
    """Findings and planned repairs for one VPC. Pure: the functional core in one call."""
    findings = evaluate(snapshot, settings)
    return findings, plan(snapshot, findings, day=day)


def _status(mode: Mode, findings: tuple[Finding, ...], outcomes: tuple[Outcome, ...]) -> VpcStatus:
    open_findings = [f for f in findings if f.severity is not Severity.INFO]
    if not open_findings:
        return VpcStatus.COMPLIANT
    if mode is not Mode.AUTO_FIX:
        return VpcStatus.NON_COMPLIANT
    statuses = {o.status for o in outcomes}
    if OutcomeStatus.FAILED in statuses:
        return VpcStatus.FAILED
    if OutcomeStatus.DEFERRED in statuses:
        return VpcStatus.DEFERRED
    if OutcomeStatus.SKIPPED in statuses:
        return VpcStatus.SKIPPED
    if OutcomeStatus.NEEDS_PERSON in statuses or any(not f.repairs for f in open_findings):
        return VpcStatus.INCOMPLETE
    return VpcStatus.FIXED


def _log_findings(snapshot: VpcSnapshot, findings: tuple[Finding, ...], mode: Mode) -> None:
    for finding in findings:
        log.info(
            finding.message,
            extra={
                "vpc_id": snapshot.vpc_id,
                "endpoint_service": finding.service,
                "finding": finding.code,
                "severity": finding.severity.value,
                "resource_id": finding.resource_id,
                "mode": mode.label,
            },
        )


def _exception(snapshot: VpcSnapshot, today: dt.date) -> ModeException | None:
    """The VPC's exception tags and their state; read only for tagged VPCs (cold start)."""
    if MODE_TAG not in snapshot.tags and UNTIL_TAG not in snapshot.tags:
        return None
    from remediation.modes import mode_exception  # noqa: PLC0415 - tagged VPCs only

    return mode_exception(snapshot.tags, today)


def remediate_vpc(
    snapshot: VpcSnapshot,
    settings: Settings,
    *,
    executor: Executor | None,
    context: RunContext | None = None,
    day: str,
) -> VpcResult:
    """Evaluate one VPC and, when its mode allows and an executor exists, repair it."""
    today = dt.date.fromisoformat(day)
    mode, reason, note = vpc_mode(settings.mode, snapshot.tags, settings.mode_reason, today=today)
    if mode is Mode.AUTO_FIX and executor is None:
        mode, reason, note = Mode.DRY_RUN, ModeReason.NO_EXECUTOR, "no executor: dry-run"
    base = {
        "vpc_id": snapshot.vpc_id,
        "account_id": snapshot.account_id,
        "region": snapshot.region,
        "name": snapshot.name,
        "mode": mode,
        "mode_note": note,
        "mode_reason": reason,
        "exception": _exception(snapshot, today),
    }
    if mode is Mode.OFF:
        log.info("VPC opted out", extra={"vpc_id": snapshot.vpc_id, "outcome": "skipped"})
        return VpcResult(status=VpcStatus.SKIPPED, **base)  # type: ignore[arg-type]
    if snapshot.shared:
        # A participant of a shared VPC (AWS RAM) can change none of it: the owner's deployment
        # judges and repairs it. Skipped, never reported non-compliant.
        base["mode_note"] = f"owned by {snapshot.owner_id}: its owner's deployment manages it"
        base["mode_reason"] = ModeReason.SHARED_VPC
        log.info("shared VPC", extra={"vpc_id": snapshot.vpc_id, "outcome": "skipped"})
        return VpcResult(status=VpcStatus.SKIPPED, **base)  # type: ignore[arg-type]
    findings, actions = assess(snapshot, settings, day)
    _log_findings(snapshot, findings, mode)
    if mode is Mode.AUTO_FIX and executor is not None and actions:
        outcomes = executor.apply(actions, context or _run_context(extra_tags=settings.extra_tags))
    else:
        outcomes = tuple(Outcome(a, OutcomeStatus.PLANNED) for a in actions)
        for outcome in outcomes:
            log.info(
                "action planned",
                extra={
                    "vpc_id": snapshot.vpc_id,
                    "endpoint_service": outcome.action.service,
                    "action": outcome.action.kind,
                    "outcome": outcome.status.value,
                    "detail": outcome.action.describe(),
                },
            )
    return VpcResult(
        status=_status(mode, findings, outcomes),
        findings=findings,
        outcomes=outcomes,
        cost=estimate(actions, snapshot.region),
        traffic=snapshot.traffic,
        money=vpc_money(snapshot, settings, findings, actions),
        **base,  # type: ignore[arg-type]
    )


def _handover(result: VpcResult, snapshot: VpcSnapshot, settings: Settings) -> IacHandover | None:
    """The Terraform of a dry-run VPC's plan, for its message (and the command that prints it).

    Only for a message that will be sent (the caller has a notifier) about planned repairs:
    an auto-fix message, or a VPC with nothing planned, carries no code. The code is built from
    the same actions the message lists. :mod:`remediation.iac` is loaded here, on this path
    only (the handler's cold start does not pay for it). A defect in the code's writer costs the
    message its code, never the message: it then carries the command, and the error is logged.
    """
    if result.mode is Mode.AUTO_FIX or not result.needs_notification or not result.outcomes:
        return None
    if any(o.status is not OutcomeStatus.PLANNED for o in result.outcomes):
        return None
    handover = IacHandover(command=terraform_command(result, settings.member_role_name))
    from remediation.iac import terraform_for  # noqa: PLC0415 - dry-run messages only

    try:
        code = terraform_for(snapshot, [o.action for o in result.outcomes])
    except Exception as exc:  # a bug in the writer must not cost the VPC its message
        log.exception(
            "Terraform for the notification failed; the message carries the command",
            extra={"vpc_id": result.vpc_id, "outcome": "error", "error": str(exc)},
        )
        return handover
    return handover._replace(terraform=code)


def _notify(
    result: VpcResult,
    notifier: Notifier | None,
    style: str = "text",
    handover: IacHandover | None = None,
) -> VpcResult:
    """Publish the VPC's message in ``style`` (``Settings.notification_format``), with the
    VPC's IaC ``handover`` (dry-run: its Terraform or the command)."""
    if not result.needs_notification:
        return _with_notification(result, NotificationStatus.NOT_NEEDED)
    if notifier is None:
        return _with_notification(result, NotificationStatus.NO_TOPIC)
    subject, body = render(result, style, handover)
    try:
        notifier.publish(subject, body)
    except (ClientError, BotoCoreError) as exc:
        log.error(
            "notification failed",
            extra={"vpc_id": result.vpc_id, "outcome": "notification-failed", "error": str(exc)},
        )
        return _with_notification(result, NotificationStatus.FAILED, str(exc))
    return _with_notification(result, NotificationStatus.SENT)


def _with_notification(result: VpcResult, status: NotificationStatus, error: str = "") -> VpcResult:
    """The status as a value, and its text for people (the JSON's ``notification``)."""
    if status is NotificationStatus.NOT_NEEDED:
        text = ""
    elif status is NotificationStatus.FAILED:
        text = f"failed: {error}"[:300]
    else:
        text = status.value
    return dataclasses.replace(result, notification=text, notification_status=status)


def run(
    event: Trigger | Refusal,
    settings: Settings,
    inventory: Inventory | None,
    *,
    executor: Executor | None = None,
    notifier: Notifier | None = None,
    vpc_ids: Sequence[str] | None = None,
    today: dt.date | None = None,
    time_left: Callable[[], float] | None = None,
    account_name: str = "",
    stopped: Callable[[], bool] | None = None,
) -> Summary:
    """Run the whole job for one event (or, with ``vpc_ids``, for chosen VPCs).

    Parameters
    ----------
    event
        What :func:`remediation.events.parse.parse_event` made of the input.
    executor
        Only for auto-fix. Without one, nothing can be written: every VPC is dry-run.
    notifier
        Where per-VPC messages go; ``None`` means nowhere (the CLI prints instead).
    vpc_ids
        Overrides the event's VPCs (the CLI's ``--vpc-id``).
    account_name
        The account's name, for the messages and findings (organisation mode).
    time_left
        Seconds left before the run must end (the Lambda deadline). No VPC is started with
        less than :data:`VPC_SECONDS` left; those not reached are returned as ``not-reached``.
    stopped
        True once a person interrupted the run (the CLI's Ctrl-C): no VPC is started any more;
        those not started are returned as ``not-reached``. The VPC in progress finishes.
    """
    if isinstance(event, Refusal):
        log.warning(
            "event refused: %s",
            event.reason,
            extra={
                "outcome": "ignored" if event.ignored else "refused",
                "event_name": event.event_name,
                **({"refusal": event.code} if event.code else {}),
            },
        )
        return refused(event, settings.mode, settings.problems)
    if inventory is None:
        raise ValueError("an inventory is needed to act on a trigger")
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    notes: list[str] = []
    evaluate = _evaluator(
        event,
        settings,
        notes,
        executor=executor,
        notifier=notifier,
        day=day,
        account_name=account_name,
        stopped=stopped,
    )
    time_left = _until_stopped(time_left, stopped)
    try:
        if vpc_ids is not None:
            scope: Sequence[str] | None = list(vpc_ids)
        else:
            resolution = inventory.resolve(event)
            if resolution.note:
                notes.append(resolution.note)
            scope = None if resolution.sweep else list(resolution.vpc_ids)
    except (ClientError, BotoCoreError) as exc:
        return _unreadable_run(event, settings, notes, exc)
    results: list[VpcResult] = []
    if scope is not None:  # named VPCs (an event, the CLI's chunks): read together, as ever
        try:
            snapshots = inventory.snapshots(scope, settings) if scope else []
        except (ClientError, BotoCoreError) as exc:
            return _one_by_one(
                event, settings, inventory, scope, notes=notes, exc=exc, evaluate=evaluate
            )
        found = {s.vpc_id for s in snapshots}
        results += [_missing(event, settings, v, notes) for v in sorted(set(scope) - found)]
        names = {s.vpc_id: s.name for s in snapshots}
        results += evaluate(in_time(snapshots, time_left, VPC_SECONDS), names.get)
        return _summary(event, settings, results, notes)
    try:  # a sweep: read slice by slice against the deadline, in the day's order
        survey = inventory.survey(None, settings)
    except (ClientError, BotoCoreError) as exc:
        return _one_by_one(
            event, settings, inventory, scope, notes=notes, exc=exc, evaluate=evaluate
        )
    ids = list(survey.vpc_ids)
    reads = read_in_time(
        survey,
        rotated(ids, dt.date.fromisoformat(day)),
        time_left=time_left,
        reserve=VPC_SECONDS,
        read_one=lambda vpc_id: inventory.snapshots([vpc_id], settings),
    )
    results += evaluate(reads, survey.name)
    position = {vpc_id: n for n, vpc_id in enumerate(ids)}
    results.sort(key=lambda r: position.get(r.vpc_id, -1))  # the rotation is not the report's
    return _summary(event, settings, results, notes)


def _evaluator(
    event: Trigger,
    settings: Settings,
    notes: list[str],
    *,
    executor: Executor | None,
    notifier: Notifier | None,
    day: str,
    account_name: str = "",
    stopped: Callable[[], bool] | None = None,
) -> Callable[[Iterable[Read], Callable[[str], str | None]], list[VpcResult]]:
    """Evaluation (and repair, and message) of each VPC read; the ones not read or reached."""
    context = (
        None
        if executor is None
        else _run_context(event.event_id, event.event_name, settings.extra_tags)
    )

    def evaluate(reads: Iterable[Read], name: Callable[[str], str | None]) -> list[VpcResult]:
        results: list[VpcResult] = []
        for read in reads:
            if isinstance(read, NotRead):
                results.append(_unreadable(event, settings, read.vpc_id, read.error))
                continue
            if isinstance(read, NotReached) and stopped is not None and stopped():
                notes.append(f"not started: the run was interrupted: {', '.join(read.vpc_ids)}")
                results += [
                    _not_reached(event, settings, v, name(v) or "", INTERRUPTED_NOTE)
                    for v in read.vpc_ids
                ]
                continue
            if isinstance(read, NotReached):
                left = read.vpc_ids
                log.warning(
                    "deadline: %d VPC(s) not reached; the next run evaluates them",
                    len(left),
                    extra={"outcome": "not-reached", "vpc_ids": list(left)},
                )
                notes.append(f"not reached before the deadline: {', '.join(left)}")
                results += [_not_reached(event, settings, v, name(v) or "") for v in left]
                continue
            try:
                result = remediate_vpc(read, settings, executor=executor, context=context, day=day)
            except (ClientError, BotoCoreError) as exc:
                result = _unreadable(event, settings, read.vpc_id, exc)
            if account_name:
                result = dataclasses.replace(result, account_name=account_name)
            handover = None if notifier is None else _handover(result, read, settings)
            results.append(_notify(result, notifier, settings.notification_format, handover))
        return results

    return evaluate


def _one_by_one(
    event: Trigger,
    settings: Settings,
    inventory: Inventory,
    scope: Sequence[str] | None,
    *,
    notes: list[str],
    exc: ClientError | BotoCoreError,
    evaluate: Callable[[Iterable[Read], Callable[[str], str | None]], list[VpcResult]],
) -> Summary:
    """Reading the VPCs together failed: read them one by one, so that the others go on."""
    if error_code(exc) in REGION_NOT_ENABLED:  # no VPC of the region can be read: say why once
        return _unreadable_run(event, settings, notes, exc)
    log.info("reading the VPCs together failed; reading them one by one", extra={"error": str(exc)})
    try:
        ids = list(scope) if scope is not None else _vpc_ids(inventory)
    except (ClientError, BotoCoreError) as again:
        return _unreadable_run(event, settings, notes, again)
    reads = read_one_by_one(ids, lambda vpc_id: inventory.snapshots([vpc_id], settings))
    if reads and all(isinstance(r, NotRead) for r in reads):
        return _unreadable_run(event, settings, notes, exc)  # nothing could be read at all
    gone = sorted(set(ids) - {r.vpc_id for r in reads})
    results = [_missing(event, settings, v, notes) for v in gone]
    return _summary(event, settings, results + evaluate(reads, lambda _: ""), notes)


def _missing(event: Trigger, settings: Settings, vpc_id: str, notes: list[str]) -> VpcResult:
    notes.append(f"{vpc_id} does not exist (any more): skipped")
    log.info("VPC not found", extra={"vpc_id": vpc_id, "outcome": "skipped"})
    return VpcResult(
        vpc_id=vpc_id,
        account_id=event.account_id,
        region=event.region,
        mode=settings.mode,
        status=VpcStatus.SKIPPED,
        mode_note="the VPC does not exist (any more)",
        mode_reason=ModeReason.NOT_FOUND,
    )


def _summary(
    event: Trigger, settings: Settings, results: Sequence[VpcResult], notes: Sequence[str]
) -> Summary:
    vpcs = tuple(results)
    return Summary(
        mode=settings.mode,
        trigger=event,
        vpcs=vpcs,
        problems=settings.problems,
        notes=tuple(notes),
        counts=tally(vpcs),
    )


def merge(parts: Sequence[Summary]) -> Summary:
    """One summary from the summaries of several chunks of the same run.

    >>> merge([Summary(Mode.DRY_RUN, notes=("a",)), Summary(Mode.DRY_RUN, notes=("b",))]).notes
    ('a', 'b')
    """
    if len(parts) == 1:
        return parts[0]
    vpcs = tuple(v for p in parts for v in p.vpcs)
    return Summary(
        mode=parts[0].mode,
        trigger=parts[0].trigger,
        vpcs=vpcs,
        problems=parts[0].problems,
        notes=tuple(n for p in parts for n in p.notes),
        error=next((p.error for p in parts if p.error), ""),
        counts=tally(vpcs),
    )


def run_chunks(
    trigger: Trigger,
    settings: Settings,
    inventory: Inventory,
    vpc_ids: Sequence[str],
    *,
    executor: Executor | None = None,
    notifier: Notifier | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    chunk: int | None = None,
    stopped: Callable[[], bool] | None = None,
) -> Summary:
    """:func:`run` over ``vpc_ids``, ``chunk`` VPCs (default :data:`CHUNK`) at a time.

    Chunks let a face show progress on accounts with many VPCs (``on_progress(done,
    total)`` after each); each chunk is read with filtered calls, as for an event. A
    chunk whose read fails ends the run: the error is in the merged summary. Once
    ``stopped()`` (see :func:`run`), no VPC is started: those left are ``not-reached``.

    >>> run_chunks(trigger, settings, inventory, ["vpc-1", "vpc-2"], chunk=1,
    ...            on_progress=print)  # doctest: +SKIP
    1 2
    2 2
    """
    size = chunk or CHUNK
    chunks = [list(vpc_ids[i : i + size]) for i in range(0, len(vpc_ids), size)] or [[]]
    parts: list[Summary] = []
    for number, ids in enumerate(chunks, start=1):
        if stopped is not None and stopped() and ids:
            left = [i for c in chunks[number - 1 :] for i in c]
            parts.append(_not_read(trigger, settings, left))
            break
        parts.append(
            run(
                trigger,
                settings,
                inventory,
                executor=executor,
                notifier=notifier,
                vpc_ids=ids,
                stopped=stopped,
            )
        )
        if on_progress is not None:
            on_progress(min(number * size, len(vpc_ids)), len(vpc_ids))
        if parts[-1].error:
            break
    return merge(parts)


def _not_read(trigger: Trigger, settings: Settings, vpc_ids: Sequence[str]) -> Summary:
    """The VPCs of the chunks an interrupted run did not read: ``not-reached``."""
    vpcs = tuple(
        VpcResult(
            vpc_id=vpc_id,
            account_id=trigger.account_id,
            region=trigger.region,
            mode=settings.mode,
            status=VpcStatus.NOT_REACHED,
            mode_note=INTERRUPTED_NOTE,
        )
        for vpc_id in vpc_ids
    )
    return Summary(
        mode=settings.mode,
        trigger=trigger,
        vpcs=vpcs,
        problems=settings.problems,
        notes=(f"not started: the run was interrupted: {', '.join(vpc_ids)}",),
        counts=tally(vpcs),
    )


def _vpc_ids(inventory: Inventory) -> list[str]:
    """Every VPC id of the region (the sweep's fallback when reading them together failed)."""
    pages = inventory.ec2.get_paginator("describe_vpcs").paginate()
    return [str(v["VpcId"]) for page in pages for v in page.get("Vpcs", [])]


def _unreadable(
    event: Trigger, settings: Settings, vpc_id: str, exc: ClientError | BotoCoreError
) -> VpcResult:
    """One VPC that could not be read or repaired: reported; the others go on.

    An access denial no retry fixes is ``unreadable`` (the run does not fail for it); any
    other error is ``failed``, so that Lambda retries the event.
    """
    permanent = error_code(exc) in PERMANENT_READ
    status = VpcStatus.UNREADABLE if permanent else VpcStatus.FAILED
    log.error(
        "VPC could not be read or repaired",
        extra={"vpc_id": vpc_id, "outcome": status.value, "error": error_text(exc)},
    )
    return VpcResult(
        vpc_id=vpc_id,
        account_id=event.account_id,
        region=event.region,
        mode=settings.mode,
        status=status,
        mode_note="could not be read or repaired",
        error=error_text(exc),
    )


#: Why a VPC was not started when a person interrupted the run.
INTERRUPTED_NOTE = "not started: the run was interrupted"


def _until_stopped(
    time_left: Callable[[], float] | None, stopped: Callable[[], bool] | None
) -> Callable[[], float] | None:
    """The time left, as the readers and the evaluation see it: none once a person
    interrupted the run (so no VPC is started), else the deadline's."""
    if stopped is None:
        return time_left
    return lambda: -1.0 if stopped() else (time_left() if time_left is not None else 1e9)


def _not_reached(
    event: Trigger,
    settings: Settings,
    vpc_id: str,
    name: str,
    note: str = "the run's deadline came first; the next run evaluates it",
) -> VpcResult:
    return VpcResult(
        vpc_id=vpc_id,
        account_id=event.account_id,
        region=event.region,
        name=name,
        mode=settings.mode,
        status=VpcStatus.NOT_REACHED,
        mode_note=note,
    )


def _unreadable_run(
    event: Trigger, settings: Settings, notes: list[str], exc: ClientError | BotoCoreError
) -> Summary:
    if error_code(exc) in REGION_NOT_ENABLED:
        return _region_not_enabled(event, settings, notes, exc)
    log.error("could not read the VPCs", extra={"outcome": "error", "error": str(exc)})
    return Summary(
        mode=settings.mode,
        trigger=event,
        problems=settings.problems,
        notes=tuple(notes),
        error=f"could not read the VPCs: {exc}",
        counts=tally(()),
    )


#: The note's prefix (and the log's ``outcome``) for a region the account has not enabled.
REGION_SKIPPED = "region-not-enabled"


def _region_not_enabled(
    event: Trigger, settings: Settings, notes: list[str], exc: ClientError | BotoCoreError
) -> Summary:
    """A region the account has not enabled: skipped for that account, counted and reported,
    never a failure (no retry enables a region)."""
    note = (
        f"{REGION_SKIPPED}: {event.region} is not enabled for account {event.account_id} "
        f"(EC2 answered {error_text(exc)}): skipped. Enable the region for the account, or leave "
        "it out of the regions swept; if it is enabled, the credentials may carry a version 1 "
        "token of the global STS endpoint (use regional STS endpoints)"
    )
    log.warning(
        note,
        extra={
            "outcome": REGION_SKIPPED,
            "account_id": event.account_id,
            "region": event.region,
            "error": error_text(exc),
        },
    )
    return Summary(
        mode=settings.mode,
        trigger=event,
        problems=settings.problems,
        notes=(*notes, note),
        counts={**tally(()), "regions_not_enabled": 1},
    )
