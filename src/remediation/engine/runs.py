"""One run: the VPCs of an event (or chosen ones) read and evaluated against the deadline.

Named VPCs are read together; a sweep reads every VPC of the region slice by slice against
the deadline, in the day's rotated order (:mod:`remediation.coverage`); when reading them
together fails, they are read one by one so that the others go on. Each VPC read is evaluated
(:mod:`remediation.engine.vpc`); what was not is reported
(:mod:`remediation.engine.not_evaluated`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import REGION_NOT_ENABLED, error_code, refused_for_good
from remediation.aws.inventory import Inventory
from remediation.config import Settings
from remediation.coverage import (
    NotReached,
    NotRead,
    Read,
    in_time,
    read_in_time,
    read_one_by_one,
    rotated,
)
from remediation.engine.not_evaluated import (
    INTERRUPTED_NOTE,
    missing,
    not_reached,
    summary,
    unreadable,
    unreadable_run,
)
from remediation.engine.vpc import iac_handover, notify, remediate_vpc, run_context
from remediation.events.triggers import Refusal, Trigger
from remediation.report.notify import Notifier
from remediation.report.results import Summary, VpcResult, refused

if TYPE_CHECKING:  # the executor's module is loaded only when auto-fix builds one
    from remediation.executor import Executor

log = logging.getLogger(__name__)

#: Seconds one VPC may take at most (reads, repairs and their bounded waits): a run does not
#: start a VPC with less time left than this.
VPC_SECONDS = 45.0


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
        return unreadable_run(event, settings, notes, exc)
    results: list[VpcResult] = []
    if scope is not None:  # named VPCs (an event, the CLI's chunks): read together, as ever
        try:
            snapshots = inventory.snapshots(scope, settings) if scope else []
        except (ClientError, BotoCoreError) as exc:
            return _one_by_one(
                event, settings, inventory, scope, notes=notes, exc=exc, evaluate=evaluate
            )
        found = {s.vpc_id for s in snapshots}
        results += [missing(event, settings, v, notes) for v in sorted(set(scope) - found)]
        names = {s.vpc_id: s.name for s in snapshots}
        results += evaluate(in_time(snapshots, time_left, VPC_SECONDS), names.get)
        return summary(event, settings, results, notes)
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
    return summary(event, settings, results, notes)


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
        else run_context(event.event_id, event.event_name, settings.extra_tags)
    )

    def evaluate(reads: Iterable[Read], name: Callable[[str], str | None]) -> list[VpcResult]:
        results: list[VpcResult] = []
        for read in reads:
            if isinstance(read, NotRead):
                results.append(unreadable(event, settings, read.vpc_id, read.error))
                continue
            if isinstance(read, NotReached) and stopped is not None and stopped():
                notes.append(f"not started: the run was interrupted: {', '.join(read.vpc_ids)}")
                results += [
                    not_reached(event, settings, v, name(v) or "", INTERRUPTED_NOTE)
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
                results += [not_reached(event, settings, v, name(v) or "") for v in left]
                continue
            try:
                result = remediate_vpc(read, settings, executor=executor, context=context, day=day)
            except (ClientError, BotoCoreError) as exc:
                result = unreadable(event, settings, read.vpc_id, exc)
            if account_name:
                result = dataclasses.replace(result, account_name=account_name)
            handover = None if notifier is None else iac_handover(result, read, settings)
            results.append(notify(result, notifier, settings.notification_format, handover))
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
        return unreadable_run(event, settings, notes, exc)
    log.info("reading the VPCs together failed; reading them one by one", extra={"error": str(exc)})
    try:
        ids = list(scope) if scope is not None else _vpc_ids(inventory)
    except (ClientError, BotoCoreError) as again:
        return unreadable_run(event, settings, notes, again)
    reads = read_one_by_one(ids, lambda vpc_id: inventory.snapshots([vpc_id], settings))
    errors = [r.error for r in reads if isinstance(r, NotRead)]
    if reads and len(errors) == len(reads):  # nothing could be read at all: say why once,
        # as a failure when any VPC's error may pass on a retry, else as the denial it is
        retry = next((e for e in errors if not refused_for_good(e)), errors[0])
        return unreadable_run(event, settings, notes, retry)
    gone = sorted(set(ids) - {r.vpc_id for r in reads})
    results = [missing(event, settings, v, notes) for v in gone]
    return summary(event, settings, results + evaluate(reads, lambda _: ""), notes)


def _vpc_ids(inventory: Inventory) -> list[str]:
    """Every VPC id of the region (the sweep's fallback when reading them together failed)."""
    pages = inventory.ec2.get_paginator("describe_vpcs").paginate()
    return [str(v["VpcId"]) for page in pages for v in page.get("Vpcs", [])]


def _until_stopped(
    time_left: Callable[[], float] | None, stopped: Callable[[], bool] | None
) -> Callable[[], float] | None:
    """The time left, as the readers and the evaluation see it: none once a person
    interrupted the run (so no VPC is started), else the deadline's."""
    if stopped is None:
        return time_left
    return lambda: -1.0 if stopped() else (time_left() if time_left is not None else 1e9)
