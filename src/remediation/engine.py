"""Orchestration only: event -> VPCs -> snapshots -> findings -> plan -> outcomes -> messages.

The handler and the CLI are two thin faces of :func:`run`. They build the
settings, the clients, the :class:`~remediation.inventory.Inventory`, an
:class:`~remediation.executor.Executor` only when auto-fix is possible, and a
notifier; the engine decides nothing about processes or exit codes. Errors
come back as values in the :class:`~remediation.report.Summary`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from remediation.actions import Action
from remediation.baseline import evaluate
from remediation.config import Settings, vpc_mode
from remediation.cost import estimate
from remediation.events import Refusal, Trigger
from remediation.findings import Finding, Severity
from remediation.inventory import Inventory
from remediation.model import Mode, VpcSnapshot
from remediation.notify import Notifier, render
from remediation.outcomes import Outcome, OutcomeStatus
from remediation.plan import plan
from remediation.report import Summary, VpcResult, VpcStatus, tally

if TYPE_CHECKING:  # the executor's module is loaded only when auto-fix builds one
    from remediation.executor import Executor, RunContext

log = logging.getLogger(__name__)


def _run_context(event_id: str = "", event_name: str = "") -> RunContext:
    """What the executor tags its creations with (imported here: only auto-fix needs it)."""
    from remediation.executor import RunContext  # noqa: PLC0415 - kept off dry-run cold starts

    return RunContext(event_id=event_id, event_name=event_name)


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
    if any(not f.repairs for f in open_findings):
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


def remediate_vpc(
    snapshot: VpcSnapshot,
    settings: Settings,
    *,
    executor: Executor | None,
    context: RunContext | None = None,
    day: str,
) -> VpcResult:
    """Evaluate one VPC and, when its mode allows and an executor exists, repair it."""
    mode, note = vpc_mode(settings.mode, snapshot.tags)
    if mode is Mode.AUTO_FIX and executor is None:
        mode, note = Mode.DRY_RUN, "no executor: dry-run"
    base = {
        "vpc_id": snapshot.vpc_id,
        "account_id": snapshot.account_id,
        "region": snapshot.region,
        "name": snapshot.name,
        "mode": mode,
        "mode_note": note,
    }
    if mode is Mode.OFF:
        log.info("VPC opted out", extra={"vpc_id": snapshot.vpc_id, "outcome": "skipped"})
        return VpcResult(status=VpcStatus.SKIPPED, **base)  # type: ignore[arg-type]
    if snapshot.shared:
        # A participant of a shared VPC (AWS RAM) can change none of it: the owner's deployment
        # judges and repairs it. Skipped, never reported non-compliant.
        base["mode_note"] = f"owned by {snapshot.owner_id}: its owner's deployment manages it"
        log.info("shared VPC", extra={"vpc_id": snapshot.vpc_id, "outcome": "skipped"})
        return VpcResult(status=VpcStatus.SKIPPED, **base)  # type: ignore[arg-type]
    findings, actions = assess(snapshot, settings, day)
    _log_findings(snapshot, findings, mode)
    if mode is Mode.AUTO_FIX and executor is not None and actions:
        outcomes = executor.apply(actions, context or _run_context())
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
        **base,  # type: ignore[arg-type]
    )


def _notify(result: VpcResult, notifier: Notifier | None) -> VpcResult:
    if not result.needs_notification:
        return result
    if notifier is None:
        return _with_notification(result, "no topic")
    subject, body = render(result)
    try:
        notifier.publish(subject, body)
    except (ClientError, BotoCoreError) as exc:
        log.error(
            "notification failed",
            extra={"vpc_id": result.vpc_id, "outcome": "notification-failed", "error": str(exc)},
        )
        return _with_notification(result, f"failed: {exc}"[:300])
    return _with_notification(result, "sent")


def _with_notification(result: VpcResult, text: str) -> VpcResult:
    return dataclasses.replace(result, notification=text)


def run(
    event: Trigger | Refusal,
    settings: Settings,
    inventory: Inventory | None,
    *,
    executor: Executor | None = None,
    notifier: Notifier | None = None,
    vpc_ids: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> Summary:
    """Run the whole job for one event (or, with ``vpc_ids``, for chosen VPCs).

    Parameters
    ----------
    event
        What :func:`remediation.events.parse_event` made of the input.
    executor
        Only for auto-fix. Without one, nothing can be written: every VPC is dry-run.
    notifier
        Where per-VPC messages go; ``None`` means nowhere (the CLI prints instead).
    vpc_ids
        Overrides the event's VPCs (the CLI's ``--vpc-id``).
    """
    if isinstance(event, Refusal):
        log.warning(
            "event refused: %s",
            event.reason,
            extra={
                "outcome": "ignored" if event.ignored else "refused",
                "event_name": event.event_name,
            },
        )
        return Summary(
            mode=settings.mode,
            refusal=event,
            problems=settings.problems,
            counts=tally((), refused=True),
        )
    if inventory is None:
        raise ValueError("an inventory is needed to act on a trigger")
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    context = None if executor is None else _run_context(event.event_id, event.event_name)
    notes: list[str] = []
    try:
        if vpc_ids is not None:
            scope: Sequence[str] | None = list(vpc_ids)
        else:
            resolution = inventory.resolve(event)
            if resolution.note:
                notes.append(resolution.note)
            scope = None if resolution.sweep else list(resolution.vpc_ids)
        snapshots = inventory.snapshots(scope, settings) if scope != [] else []
    except (ClientError, BotoCoreError) as exc:
        log.error("could not read the VPCs", extra={"outcome": "error", "error": str(exc)})
        return Summary(
            mode=settings.mode,
            trigger=event,
            problems=settings.problems,
            notes=tuple(notes),
            error=f"could not read the VPCs: {exc}",
            counts=tally(()),
        )
    results: list[VpcResult] = []
    for missing in sorted(set(scope or ()) - {s.vpc_id for s in snapshots}):
        notes.append(f"{missing} does not exist (any more): skipped")
        log.info("VPC not found", extra={"vpc_id": missing, "outcome": "skipped"})
        results.append(
            VpcResult(
                vpc_id=missing,
                account_id=event.account_id,
                region=event.region,
                mode=settings.mode,
                status=VpcStatus.SKIPPED,
                mode_note="the VPC does not exist (any more)",
            )
        )
    for snapshot in snapshots:
        result = remediate_vpc(snapshot, settings, executor=executor, context=context, day=day)
        results.append(_notify(result, notifier))
    vpcs = tuple(results)
    return Summary(
        mode=settings.mode,
        trigger=event,
        vpcs=vpcs,
        problems=settings.problems,
        notes=tuple(notes),
        counts=tally(vpcs),
    )
