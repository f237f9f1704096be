"""How far the tool may go for one VPC: the modes, why one applies, and a VPC's exception.

The deployment's mode (``REMEDIATION_MODE``, read by :mod:`remediation.config`) is the most
a run may do; ``ecr-endpoint-guard/mode`` lets a person make one VPC more cautious (``off``,
``dry-run``), and ``ecr-endpoint-guard/until`` (``YYYY-MM-DD``, UTC) names the exception's
last day, so that an exception granted for a migration does not silence a VPC forever.
:func:`vpc_mode` decides one VPC's mode from them on a day it is given (pure: no clock);
the faces show the decision (:class:`ModeReason`) and the exception (the CLI's scan, the
JSON's per-VPC ``exception``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from remediation.vocabulary import TAG_PREFIX

#: Per-VPC tag a person sets to make the tool more cautious for that VPC.
MODE_TAG = f"{TAG_PREFIX}/mode"
#: Per-VPC tag bounding the mode tag's exception: its last day (``YYYY-MM-DD``, UTC).
UNTIL_TAG = f"{TAG_PREFIX}/until"
#: Set by ``release`` with ``mode=off``: the day (UTC, ``YYYY-MM-DD``) the VPC was released.
RELEASED_TAG = f"{TAG_PREFIX}/released"


class Mode(enum.IntEnum):
    """How far the tool may go with one VPC. Ordered: a smaller value is more cautious."""

    OFF = 0
    DRY_RUN = 1
    AUTO_FIX = 2

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, value: str) -> Mode:
        """Parse ``off``, ``dry-run`` or ``auto-fix`` (case and surrounding blanks ignored).

        Raises
        ------
        ValueError
            For anything else: callers decide how cautious to be then.
        """
        text = value.strip().lower()
        for mode in cls:
            if mode.label == text:
                return mode
        raise ValueError(f"unknown mode {value!r}: expected off, dry-run or auto-fix")


class ModeReason(enum.StrEnum):
    """Why a mode applies to a VPC: the engine's decision, told to the faces as a value.

    The faces (the CLI's plan, the notification) act on this, never on the text of a
    note. The first three are decided for the whole run (:func:`load_settings`), the
    others per VPC (:func:`vpc_mode`, :func:`remediation.engine.vpc.remediate_vpc`).
    """

    DEPLOYMENT = "deployment"  # the run's mode, as configured
    ACCOUNT_NOT_ALLOWED = "account-not-allowed"  # auto-fix asked; account not listed: dry-run
    CONFIGURATION = "configuration"  # an unreadable setting made the run dry-run
    TAG = "tag"  # the VPC's mode tag made it more cautious
    TAG_INVALID = "tag-invalid"  # the VPC's mode tag could not be read: dry-run
    NO_EXECUTOR = "no-executor"  # auto-fix settings, but nothing can write (a plan): dry-run
    NOT_FOUND = "not-found"  # the VPC does not exist (any more): skipped
    APPROVAL = "approval"  # a person approved the repair (Security Hub action, FIX_ON_APPROVAL)
    SHARED_VPC = "shared-vpc"  # skipped: another account owns the VPC (AWS RAM) and manages it
    #: The until tag's day has passed: the mode tag no longer applies, the deployment's does.
    EXCEPTION_EXPIRED = "exception-expired"
    #: The until tag could not be read: report-only (dry-run) until it is fixed.
    EXCEPTION_DATE_INVALID = "exception-date-invalid"
    #: ``release`` tagged the VPC ``mode=off`` (and ``released=<day>``): left alone.
    RELEASED = "released"


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ExceptionState(enum.StrEnum):
    """What a VPC's exception tags (mode, until) amount to on a given day."""

    OPEN_ENDED = "open-ended"  # a mode tag without an until tag: it never ends
    ACTIVE = "active"  # a mode tag, until today or a later day
    EXPIRED = "expired"  # a mode tag whose until day has passed: it no longer applies
    DATE_INVALID = "date-invalid"  # an until tag that is not a YYYY-MM-DD date: dry-run
    UNTIL_ONLY = "until-only"  # an until tag without a mode tag: it bounds nothing


class ModeException(NamedTuple):
    """A VPC's exception as tagged: the tags' values as written, and their state that day."""

    mode: str  # the mode tag's value, "" without one
    until: str  # the until tag's value, "" without one
    state: ExceptionState

    def as_dict(self) -> dict[str, str]:
        return {"mode": self.mode, "until": self.until, "state": self.state.value}

    def describe(self) -> str:
        """One line for people (the CLI's details).

        >>> ModeException("off", "2026-06-30", ExceptionState.ACTIVE).describe()
        'ecr-endpoint-guard/mode=off until 2026-06-30 (active)'
        """
        tags = [f"{MODE_TAG}={self.mode}"] if self.mode else []
        if self.until:
            tags.append(f"until {self.until}" if tags else f"{UNTIL_TAG}={self.until}")
        return f"{' '.join(tags)} ({self.state.value})"


def mode_exception(tags: Mapping[str, str], today: dt.date) -> ModeException | None:
    """The VPC's exception tags and their state on ``today`` (UTC); ``None`` without either.

    Pure: the day is an argument. The until day itself still belongs to the exception.

    >>> day = dt.date(2026, 6, 30)
    >>> mode_exception({MODE_TAG: "off", UNTIL_TAG: "2026-06-30"}, day).state.value
    'active'
    >>> mode_exception({MODE_TAG: "off", UNTIL_TAG: "2026-06-29"}, day).state.value
    'expired'
    >>> mode_exception({MODE_TAG: "off", UNTIL_TAG: "30/06/2026"}, day).state.value
    'date-invalid'
    >>> mode_exception({UNTIL_TAG: "2027-01-01"}, day).state.value
    'until-only'
    >>> mode_exception({MODE_TAG: "off"}, day).state.value, mode_exception({}, day)
    ('open-ended', None)
    """
    mode, until = tags.get(MODE_TAG), tags.get(UNTIL_TAG)
    if mode is None and until is None:
        return None
    if until is None:
        state = ExceptionState.OPEN_ENDED
    else:
        last = parse_day(until)
        if last is None:
            state = ExceptionState.DATE_INVALID
        elif mode is None:
            state = ExceptionState.UNTIL_ONLY
        else:
            state = ExceptionState.EXPIRED if today > last else ExceptionState.ACTIVE
    return ModeException(mode or "", until or "", state)


def parse_day(text: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` day (blanks around ignored), or ``None`` for anything else.

    >>> parse_day(" 2026-02-28 "), parse_day("2026-02-30"), parse_day("20260228")
    (datetime.date(2026, 2, 28), None, None)
    """
    text = text.strip()
    if not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def vpc_mode(
    deployment: Mode,
    tags: Mapping[str, str],
    reason: ModeReason = ModeReason.DEPLOYMENT,
    *,
    today: dt.date,
) -> tuple[Mode, ModeReason, str]:
    """The mode for one VPC on ``today`` (UTC): the per-VPC tag can only make it more cautious,
    and only until the day its until tag names.

    Returns the mode, why it applies (``reason``, the deployment's, unless the tags
    decided) and a note for people when the tags lowered it, could not be read, or
    expired. After the until day the mode tag no longer applies and the note says which
    tags to change; an until tag that is not a date keeps the VPC report-only (dry-run,
    visible even under ``mode=off``) until it is fixed.

    >>> day = dt.date(2026, 1, 1)
    >>> vpc_mode(Mode.AUTO_FIX, {"ecr-endpoint-guard/mode": "dry-run"}, today=day)
    (<Mode.DRY_RUN: 1>, <ModeReason.TAG: 'tag'>, 'tag ecr-endpoint-guard/mode=dry-run')
    >>> vpc_mode(Mode.DRY_RUN, {"ecr-endpoint-guard/mode": "auto-fix"}, today=day)[:2]
    (<Mode.DRY_RUN: 1>, <ModeReason.DEPLOYMENT: 'deployment'>)
    >>> vpc_mode(Mode.AUTO_FIX, {"ecr-endpoint-guard/mode": "yes"}, today=day)[1].value
    'tag-invalid'
    >>> tags = {"ecr-endpoint-guard/mode": "off", "ecr-endpoint-guard/until": "2025-12-31"}
    >>> mode, reason, note = vpc_mode(Mode.AUTO_FIX, tags, today=day)
    >>> mode.label, reason.value, note[:37]
    ('auto-fix', 'exception-expired', 'exception expired on 2025-12-31 (UTC)')
    >>> vpc_mode(Mode.AUTO_FIX, tags, today=dt.date(2025, 12, 31))[:2]
    (<Mode.OFF: 0>, <ModeReason.TAG: 'tag'>)
    >>> released = {"ecr-endpoint-guard/mode": "off", "ecr-endpoint-guard/released": "2026-12-06"}
    >>> vpc_mode(Mode.AUTO_FIX, released, today=day)[1:]
    (<ModeReason.RELEASED: 'released'>, 'released (mode=off set by release on 2026-12-06)')
    """
    if MODE_TAG not in tags and UNTIL_TAG not in tags:
        return deployment, reason, ""  # most VPCs: no exception to read
    exception = mode_exception(tags, today)
    if exception is None or exception.state is ExceptionState.UNTIL_ONLY:
        return deployment, reason, ""
    if exception.state is ExceptionState.DATE_INVALID:
        note = (
            f"tag {UNTIL_TAG}={exception.until!r} is not a date (YYYY-MM-DD, UTC); "
            f"report-only until it is fixed"
        )
        return min(deployment, Mode.DRY_RUN), ModeReason.EXCEPTION_DATE_INVALID, note
    if exception.state is ExceptionState.EXPIRED:
        note = (
            f"exception expired on {exception.until.strip()} (UTC): tag "
            f"{MODE_TAG}={exception.mode!r} no longer applies; remove or update the tags "
            f"{MODE_TAG} and {UNTIL_TAG}"
        )
        return deployment, ModeReason.EXCEPTION_EXPIRED, note
    until = f" until {exception.until.strip()}" if exception.until else ""
    try:
        wanted = Mode.parse(exception.mode)
    except ValueError:
        note = f"tag {MODE_TAG}={exception.mode!r} is not understood; dry-run{until}"
        return min(deployment, Mode.DRY_RUN), ModeReason.TAG_INVALID, note
    if wanted is Mode.OFF and RELEASED_TAG in tags and wanted < deployment:
        from remediation.text import plain  # noqa: PLC0415 - released VPCs only (cold start)

        day = plain(tags[RELEASED_TAG], 10) or "an unknown day"
        return wanted, ModeReason.RELEASED, f"released (mode=off set by release on {day})"
    if wanted < deployment:
        return wanted, ModeReason.TAG, f"tag {MODE_TAG}={wanted.label}{until}"
    return deployment, reason, ""


#: The run-wide reasons a person's approval may lift to auto-fix for the VPCs selected: the
#: deployment's own mode (a dry-run deployment: the approval's purpose), and auto-fix asked in
#: an account ``AUTO_FIX_ACCOUNT_IDS`` does not list (that account then runs as a dry-run
#: deployment, where an approval repairs: the second key guards the deployment's mode, not a
#: person's click). Never ``configuration``: a setting that could not be read holds the run in
#: dry-run, approved or not. The per-VPC reasons (a mode tag, an expiring exception, ...) are
#: decided after the approval, by :func:`vpc_mode`, and bind it as they bind the deployment's
#: mode; any other run-wide reason is not lifted (the cautious side).
APPROVAL_LIFTS = frozenset({ModeReason.DEPLOYMENT, ModeReason.ACCOUNT_NOT_ALLOWED})


def approved_mode(
    fix_on_approval: bool,
    event_id: str,
    reason: ModeReason = ModeReason.DEPLOYMENT,
    held: Sequence[str] = (),
) -> tuple[Mode, ModeReason, str]:
    """How far a person's approval (Security Hub's custom action) takes the selected VPCs:
    auto-fix only when the deployment allows it (``FIX_ON_APPROVAL``) and no configuration
    problem holds the run in dry-run (``held``: the problems that do, whatever the deployment's
    mode; ``reason``, the run's, must be one :data:`APPROVAL_LIFTS` names); the VPC's own mode
    tag still binds. Returns the mode, why (``reason``, the run's, unless the approval or the
    configuration decided), and the note the run's result carries: what became of the approval.

    >>> approved_mode(False, "e-1")[0].label
    'dry-run'
    >>> approved_mode(True, "e-1")[1:]
    (<ModeReason.APPROVAL: 'approval'>, 'repair approved in Security Hub (event e-1)')
    >>> mode, reason, note = approved_mode(True, "e-1", held=["EXTRA_TAGS: key 'aws:x' ..."])
    >>> mode.label, reason.value, note[:52]
    ('dry-run', 'configuration', 'approval not acted on: a configuration problem holds')
    """
    if not fix_on_approval:
        return (
            Mode.DRY_RUN,
            reason,
            "approval not acted on: FIX_ON_APPROVAL is off in this deployment, so the selected "
            "VPCs were evaluated and nothing was changed",
        )
    if held or reason is ModeReason.CONFIGURATION:
        more = f"; and {len(held) - 1} more" if len(held) > 1 else ""
        why = f" ({held[0]}{more})" if held else ""
        return (
            Mode.DRY_RUN,
            ModeReason.CONFIGURATION,
            f"approval not acted on: a configuration problem holds this deployment in dry-run"
            f"{why}, so the selected VPCs were evaluated and nothing was changed; fix the "
            "configuration (the run's problems) and approve again",
        )
    if reason not in APPROVAL_LIFTS:
        return (
            Mode.DRY_RUN,
            reason,
            f"approval not acted on: the run is dry-run ({reason.value}), so the selected VPCs "
            "were evaluated and nothing was changed",
        )
    return Mode.AUTO_FIX, ModeReason.APPROVAL, f"repair approved in Security Hub (event {event_id})"
