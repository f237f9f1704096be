"""A VPC's exception: its mode tag, bounded in time by its until tag.

``ecr-endpoint-guard/mode`` lets a person make one VPC more cautious (``off``,
``dry-run``); ``ecr-endpoint-guard/until`` (``YYYY-MM-DD``, UTC) names the exception's
last day, so that an exception granted for a migration does not silence a VPC forever.
This module reads the two tags into a value, on a day it is given (pure: no clock);
:func:`remediation.config.vpc_mode` decides the mode from it, and the faces show it
(the CLI's scan, the JSON's per-VPC ``exception``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from remediation.model import MODE_TAG, UNTIL_TAG

__all__ = ["UNTIL_TAG", "ExceptionState", "ModeException", "mode_exception", "parse_day"]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ExceptionState(enum.StrEnum):
    """What a VPC's exception tags (mode, until) amount to on a given day."""

    OPEN_ENDED = "open-ended"  # a mode tag without an until tag: it never ends
    ACTIVE = "active"  # a mode tag, until today or a later day
    EXPIRED = "expired"  # a mode tag whose until day has passed: it no longer applies
    DATE_INVALID = "date-invalid"  # an until tag that is not a YYYY-MM-DD date: dry-run
    UNTIL_ONLY = "until-only"  # an until tag without a mode tag: it bounds nothing


@dataclass(frozen=True)
class ModeException:
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
