"""Results of a run: per VPC and in total. Plain data, JSON-ready.

These are what the handler returns, what the CLI prints and what the
notifier renders; their ``as_dict`` forms are the documented JSON schema
(``schema_version`` says which).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from remediation import __version__
from remediation.events.triggers import STEERING_REFUSED, Refusal, Trigger
from remediation.modes import Mode, ModeReason

if TYPE_CHECKING:  # read only for VPCs with exception tags (cold start)
    from remediation.cost import CostEstimate, Money
    from remediation.findings import Finding
    from remediation.modes import ModeException
    from remediation.outcomes import Outcome, OutcomeStatus
    from remediation.surroundings import Traffic

SCHEMA_VERSION = 1


class VpcStatus(enum.StrEnum):
    COMPLIANT = "compliant"  # nothing to do (possibly through a centralised endpoint)
    NON_COMPLIANT = "non-compliant"  # dry-run: findings reported, nothing changed
    FIXED = "fixed"  # auto-fix: every repair applied, nothing left
    INCOMPLETE = "incomplete"  # auto-fix: repairs applied, something left for a person or later
    DEFERRED = "deferred"  # auto-fix: a repair must wait (Lambda's retry will redo it)
    FAILED = "failed"  # auto-fix: at least one repair failed
    SKIPPED = "skipped"  # mode off for this VPC, or the VPC is gone
    #: The VPC could not be read or repaired for a reason no retry fixes (an access denial):
    #: reported, and the others go on. (A transient read error is ``failed``.)
    UNREADABLE = "unreadable"
    #: The run's deadline came before this VPC's turn: the next run evaluates it.
    NOT_REACHED = "not-reached"


class NotificationStatus(enum.StrEnum):
    """What became of a VPC's notification (the text in ``VpcResult.notification`` says more)."""

    NOT_NEEDED = "not needed"  # compliant or skipped: nothing to say
    SENT = "sent"
    FAILED = "failed"  # logged and counted; never undoes a repair
    NO_TOPIC = "no topic"  # no topic configured (the CLI prints instead)


@dataclass(frozen=True)
class VpcResult:
    """What became of one VPC in a run: its mode and why, findings, outcomes, cost."""

    vpc_id: str
    account_id: str
    region: str
    mode: Mode
    status: VpcStatus
    name: str = ""
    mode_note: str = ""
    findings: tuple[Finding, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    cost: CostEstimate | None = None
    notification: str = ""  # "sent", "no topic", "failed: ...", "" when not needed
    #: Why ``mode`` applies: what the faces act on (``mode_note`` is its text for people).
    mode_reason: ModeReason = ModeReason.DEPLOYMENT
    #: What became of the notification: what the faces and counts act on.
    notification_status: NotificationStatus = NotificationStatus.NOT_NEEDED
    error: str = ""  # why the VPC could not be read or repaired (status unreadable or failed)
    #: The VPC's exception tags (mode, until) and their state; ``None`` without either.
    exception: ModeException | None = None
    #: What CloudWatch measured (sweeps and scans); ``None``: not read (an event).
    traffic: Traffic | None = None
    #: The endpoints' monthly cost against the NAT processing they avoid (docs/cost.md).
    money: Money | None = None
    #: The account's name (organisation mode: ``organizations:DescribeAccount``), ``""`` unknown.
    account_name: str = ""
    #: ``False``: the run did not read the VPC's groups (``VpcSnapshot.security_groups_read``),
    #: so it says nothing of them: no Security Hub check of groups is sent.
    security_groups_read: bool = True

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        from remediation.findings import Severity  # noqa: PLC0415 - see tally()

        return tuple(f for f in self.findings if f.severity is not Severity.INFO)

    @property
    def needs_notification(self) -> bool:
        return self.status not in (VpcStatus.COMPLIANT, VpcStatus.SKIPPED, VpcStatus.NOT_REACHED)

    def count(self, *statuses: OutcomeStatus) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)

    def as_dict(self) -> dict[str, Any]:
        return {
            "vpc_id": self.vpc_id,
            "name": self.name,
            "account_id": self.account_id,
            **({"account_name": self.account_name} if self.account_name else {}),
            "region": self.region,
            "mode": self.mode.label,
            "mode_note": self.mode_note,
            "status": self.status.value,
            "findings": [f.as_dict() for f in self.findings],
            "actions": [o.as_dict() for o in self.outcomes],
            "cost": self.cost.as_dict() if self.cost else None,
            "traffic": self.traffic.as_dict() if self.traffic else None,
            "money": self.money.as_dict() if self.money else None,
            "notification": self.notification,
            **({"error": self.error} if self.error else {}),
            **({"exception": self.exception.as_dict()} if self.exception else {}),
        }


@dataclass(frozen=True)
class Summary:
    """One run: the event as understood (or refused), every VPC's result, the counts."""

    mode: Mode
    trigger: Trigger | None = None
    refusal: Refusal | None = None
    vpcs: tuple[VpcResult, ...] = ()
    problems: tuple[str, ...] = ()  # configuration problems (each made the run more cautious)
    notes: tuple[str, ...] = ()  # e.g. ids that could not be resolved
    error: str = ""  # the run could not complete (e.g. a read failed after retries)
    counts: dict[str, int] = field(default_factory=dict)
    #: The error is a refusal no retry fixes (the run's reads denied): reported for a person,
    #: never a failure for Lambda to retry. The CLI still exits with it.
    refused_for_good: bool = False

    @property
    def failed(self) -> bool:
        """True when Lambda should see an error and retry: a failed or deferred repair, an error.

        A repair that needs a person, an unreadable VPC (access denied), a run whose reads
        were all denied (:attr:`refused_for_good`) and VPCs the deadline did not reach do not
        fail the run: a retry would not change them.
        """
        return (bool(self.error) and not self.refused_for_good) or any(
            v.status in (VpcStatus.FAILED, VpcStatus.DEFERRED) for v in self.vpcs
        )

    def as_dict(self) -> dict[str, Any]:
        event: dict[str, Any] | None = None
        if self.trigger is not None:
            event = self.trigger.as_dict()
        elif self.refusal is not None:
            event = self.refusal.as_dict()
        return {
            "schema_version": SCHEMA_VERSION,
            "tool_version": __version__,
            "mode": self.mode.label,
            "event": event,
            "refused": self.refusal is not None,
            "problems": list(self.problems),
            "notes": list(self.notes),
            "error": self.error,
            "failed": self.failed,
            "counts": dict(self.counts),
            "vpcs": [v.as_dict() for v in self.vpcs],
        }


def refused(event: Refusal, mode: Mode, problems: tuple[str, ...] = ()) -> Summary:
    """The result of a run that acts on nothing: the event was refused (or ignored), and why."""
    return Summary(
        mode=mode,
        refusal=event,
        problems=problems,
        counts=tally((), refused=True, refusal_code=event.code),
    )


def tally(
    vpcs: tuple[VpcResult, ...], refused: bool = False, refusal_code: str = ""
) -> dict[str, int]:
    """The figures the handler turns into metrics (``refusal_code``: :attr:`Refusal.code`)."""
    # Loaded here, not at import: a refused event's result (the handler's commonest) needs
    # no finding, outcome or action type, and the cold start need not load them for it.
    from remediation.outcomes import OutcomeStatus  # noqa: PLC0415

    return {
        "vpcs_evaluated": sum(
            1 for v in vpcs if v.status not in (VpcStatus.SKIPPED, VpcStatus.NOT_REACHED)
        ),
        "non_compliant_vpcs": sum(
            1 for v in vpcs if v.open_findings and v.status is not VpcStatus.SKIPPED
        ),
        "vpcs_skipped": sum(1 for v in vpcs if v.status is VpcStatus.SKIPPED),
        "vpcs_unreadable": sum(1 for v in vpcs if v.status is VpcStatus.UNREADABLE),
        "vpcs_not_reached": sum(1 for v in vpcs if v.status is VpcStatus.NOT_REACHED),
        "actions_planned": sum(len(v.outcomes) for v in vpcs),
        "actions_applied": sum(
            v.count(OutcomeStatus.APPLIED, OutcomeStatus.ALREADY_DONE) for v in vpcs
        ),
        "actions_failed": sum(v.count(OutcomeStatus.FAILED) for v in vpcs),
        "actions_deferred": sum(v.count(OutcomeStatus.DEFERRED) for v in vpcs),
        "actions_needing_person": sum(v.count(OutcomeStatus.NEEDS_PERSON) for v in vpcs),
        "notifications_failed": sum(
            1 for v in vpcs if v.notification_status is NotificationStatus.FAILED
        ),
        "events_refused": int(refused),
        #: A Security Hub finding that named a VPC of another account (refused as a whole).
        "findings_refused": int(refusal_code == STEERING_REFUSED),
    }


def release_command(result: VpcResult) -> str:
    """The command that hands the tool's resources in the VPC back (``release``: it acts in
    one account, with the caller's own credentials, so a message names the account too).

    >>> r = VpcResult("vpc-1", "111122223333", "eu-west-1", Mode.DRY_RUN, VpcStatus.SKIPPED)
    >>> release_command(r)
    'ecr-endpoint-guard release --region eu-west-1 --vpc-id vpc-1'
    """
    return f"ecr-endpoint-guard release --region {result.region} --vpc-id {result.vpc_id}"
