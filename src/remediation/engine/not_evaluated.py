"""The results of what was not evaluated: a VPC gone, unreadable or not reached, a run that
could not read its VPCs, a region the account has not enabled.

Each is a value for the faces (a :class:`~remediation.report.results.VpcResult` or a
:class:`~remediation.report.results.Summary`), logged once; an access denial no retry fixes is
reported, never a failure of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import ACCESS_DENIED, REGION_NOT_ENABLED, error_code, error_text
from remediation.config import Settings
from remediation.events.triggers import Trigger
from remediation.modes import ModeReason
from remediation.report.results import Summary, VpcResult, VpcStatus, tally

if TYPE_CHECKING:  # the executor's module is loaded only when auto-fix builds one
    pass

log = logging.getLogger(__name__)

#: Read errors that a retry cannot fix: the VPC is reported unreadable, the run goes on.
PERMANENT_READ = ACCESS_DENIED
#: Why a VPC was not started when a person interrupted the run.
INTERRUPTED_NOTE = "not started: the run was interrupted"


def missing(event: Trigger, settings: Settings, vpc_id: str, notes: list[str]) -> VpcResult:
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


def summary(
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


def unreadable(
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


def not_reached(
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


def unreadable_run(
    event: Trigger, settings: Settings, notes: list[str], exc: ClientError | BotoCoreError
) -> Summary:
    """A run that could read none of its VPCs. A region not enabled is skipped; an access
    denial (the role, a service control policy such as a landing zone's region deny, a
    permissions boundary) is reported for a person and never retried; any other error is the
    run's error, so that Lambda (or SQS) retries it."""
    if error_code(exc) in REGION_NOT_ENABLED:
        return _region_not_enabled(event, settings, notes, exc)
    if error_code(exc) in PERMANENT_READ:
        return _reads_refused(event, settings, notes, exc)
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
#: The note's prefix (and the log's ``outcome``) for a run whose reads were denied.
READS_REFUSED = "reads-refused"


def _reads_refused(
    event: Trigger, settings: Settings, notes: list[str], exc: ClientError | BotoCoreError
) -> Summary:
    """The run's reads denied (every VPC, or the region itself): nothing evaluated, counted
    (``reads_refused``) and said for a person; never a failure, since no retry lifts a denial
    (a region deny would otherwise fail, and be retried, every day)."""
    operation = getattr(exc, "operation_name", "") or "the read"
    error = f"could not read the VPCs: {operation} was refused ({error_text(exc)}): not retried"
    note = (
        f"{READS_REFUSED}: account {event.account_id} could not read its VPCs in {event.region} "
        f"({operation} refused): nothing evaluated. Give the role (the function's, or the member "
        "role) the read permissions the template grants; if a service control policy or a "
        "permissions boundary denies them (a landing zone's region deny, for instance), leave "
        "the region out of the regions swept or exempt the role. An encoded message is read "
        "with aws sts decode-authorization-message"
    )
    return _reported(
        event,
        settings,
        notes,
        exc,
        note=note,
        outcome=(READS_REFUSED, "reads_refused"),
        error=error,
    )


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
    return _reported(
        event, settings, notes, exc, note=note, outcome=(REGION_SKIPPED, "regions_not_enabled")
    )


def _reported(
    event: Trigger,
    settings: Settings,
    notes: list[str],
    exc: ClientError | BotoCoreError,
    *,
    note: str,
    outcome: tuple[str, str],
    error: str = "",
) -> Summary:
    """A run that read nothing, for a reason no retry fixes: logged and counted (``outcome``:
    the log's word, the count), ``note`` says why and what to do; an ``error`` is for the
    CLI's exit code, never a failure for Lambda (:attr:`Summary.refused_for_good`)."""
    log.log(
        logging.ERROR if error else logging.WARNING,
        note,
        extra={
            "outcome": outcome[0],
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
        error=error,
        counts={**tally(()), outcome[1]: 1},
        refused_for_good=bool(error),
    )
