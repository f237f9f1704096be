"""One VPC: evaluated, repaired when its mode allows and an executor exists, and its message.

:func:`remediate_vpc` is the functional core in one call (:func:`assess`) with the VPC's mode
around it; :func:`notify` sends its message, with the Terraform of a dry-run plan
(:func:`iac_handover`). The runs of :mod:`remediation.engine.runs` call these for each VPC read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from remediation.actions import Action
from remediation.baseline import evaluate
from remediation.baseline.money import vpc_money
from remediation.config import Settings
from remediation.cost import estimate
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot
from remediation.modes import MODE_TAG, UNTIL_TAG, Mode, ModeReason, vpc_mode
from remediation.outcomes import Outcome, OutcomeStatus
from remediation.plan import plan
from remediation.report.notify import IacHandover, Notifier, render, terraform_command
from remediation.report.results import NotificationStatus, VpcResult, VpcStatus

if TYPE_CHECKING:  # the executor's module is loaded only when auto-fix builds one
    from remediation.executor import Executor, RunContext
    from remediation.modes import ModeException

log = logging.getLogger(__name__)


def run_context(
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
        "security_groups_read": snapshot.security_groups_read,
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
        outcomes = executor.apply(actions, context or run_context(extra_tags=settings.extra_tags))
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


def iac_handover(
    result: VpcResult, snapshot: VpcSnapshot, settings: Settings
) -> IacHandover | None:
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


def notify(
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
