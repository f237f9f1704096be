"""Exceptions that expire: ``ecr-endpoint-guard/until`` bounds the mode tag, decided on the day
the engine is given (pure: no clock)."""

from __future__ import annotations

import datetime as dt

import pytest

from remediation.config import load_settings
from remediation.engine.vpc import remediate_vpc
from remediation.modes import (
    MODE_TAG,
    UNTIL_TAG,
    ExceptionState,
    Mode,
    ModeReason,
    mode_exception,
    vpc_mode,
)
from remediation.report.notify import render
from remediation.report.results import VpcStatus
from tests.support.aws import ACCOUNT
from tests.support.snapshots import three_az

TODAY = dt.date(2026, 3, 15)


PAST, FUTURE = "2026-03-14", "2026-03-16"
AUTO_FIX = load_settings(
    {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT}, account_id=ACCOUNT
)


@pytest.mark.parametrize(
    ("deployment", "tags", "mode", "reason"),
    [
        # An active exception (until a later day, or today itself) applies as before.
        (Mode.AUTO_FIX, {MODE_TAG: "off", UNTIL_TAG: FUTURE}, Mode.OFF, ModeReason.TAG),
        (Mode.AUTO_FIX, {MODE_TAG: "off", UNTIL_TAG: "2026-03-15"}, Mode.OFF, ModeReason.TAG),
        (Mode.AUTO_FIX, {MODE_TAG: "dry-run", UNTIL_TAG: FUTURE}, Mode.DRY_RUN, ModeReason.TAG),
        # Strictly after the day, the deployment's mode applies again, and says why.
        (
            Mode.AUTO_FIX,
            {MODE_TAG: "off", UNTIL_TAG: PAST},
            Mode.AUTO_FIX,
            ModeReason.EXCEPTION_EXPIRED,
        ),
        (
            Mode.DRY_RUN,
            {MODE_TAG: "off", UNTIL_TAG: PAST},
            Mode.DRY_RUN,
            ModeReason.EXCEPTION_EXPIRED,
        ),
        # An expired mode tag no longer applies, even one that could not be read.
        (
            Mode.AUTO_FIX,
            {MODE_TAG: "please", UNTIL_TAG: PAST},
            Mode.AUTO_FIX,
            ModeReason.EXCEPTION_EXPIRED,
        ),
        # A date that cannot be read: report-only (visible, even under mode=off).
        (
            Mode.AUTO_FIX,
            {MODE_TAG: "off", UNTIL_TAG: "15/03/2026"},
            Mode.DRY_RUN,
            ModeReason.EXCEPTION_DATE_INVALID,
        ),
        (
            Mode.AUTO_FIX,
            {MODE_TAG: "off", UNTIL_TAG: "2026-02-30"},
            Mode.DRY_RUN,
            ModeReason.EXCEPTION_DATE_INVALID,
        ),
        (
            Mode.AUTO_FIX,
            {MODE_TAG: "off", UNTIL_TAG: ""},
            Mode.DRY_RUN,
            ModeReason.EXCEPTION_DATE_INVALID,
        ),
        (
            Mode.AUTO_FIX,
            {UNTIL_TAG: "next month"},
            Mode.DRY_RUN,
            ModeReason.EXCEPTION_DATE_INVALID,
        ),
        # An until tag without a mode tag bounds nothing.
        (Mode.AUTO_FIX, {UNTIL_TAG: PAST}, Mode.AUTO_FIX, ModeReason.DEPLOYMENT),
        (Mode.AUTO_FIX, {UNTIL_TAG: FUTURE}, Mode.AUTO_FIX, ModeReason.DEPLOYMENT),
        # No until tag: an exception that never ends, as before.
        (Mode.AUTO_FIX, {MODE_TAG: "off"}, Mode.OFF, ModeReason.TAG),
    ],
)
def test_the_until_tag_bounds_the_mode_tag(
    deployment: Mode, tags: dict[str, str], mode: Mode, reason: ModeReason
) -> None:
    got_mode, got_reason, note = vpc_mode(deployment, tags, today=TODAY)
    assert (got_mode, got_reason) == (mode, reason)
    assert bool(note) == (reason is not ModeReason.DEPLOYMENT)


def test_an_expired_exception_says_when_and_which_tags_to_change() -> None:
    _, _, note = vpc_mode(Mode.AUTO_FIX, {MODE_TAG: "off", UNTIL_TAG: PAST}, today=TODAY)
    assert f"expired on {PAST}" in note
    assert f"remove or update the tags {MODE_TAG} and {UNTIL_TAG}" in note


def test_an_active_exception_says_until_when() -> None:
    _, _, note = vpc_mode(Mode.AUTO_FIX, {MODE_TAG: "off", UNTIL_TAG: FUTURE}, today=TODAY)
    assert note == f"tag {MODE_TAG}=off until {FUTURE}"


def test_the_same_tags_change_meaning_only_with_the_day() -> None:
    tags = {MODE_TAG: "off", UNTIL_TAG: "2026-03-15"}
    assert vpc_mode(Mode.AUTO_FIX, tags, today=TODAY)[0] is Mode.OFF
    assert vpc_mode(Mode.AUTO_FIX, tags, today=TODAY + dt.timedelta(days=1))[0] is Mode.AUTO_FIX


@pytest.mark.parametrize(
    ("tags", "state"),
    [
        ({MODE_TAG: "off", UNTIL_TAG: FUTURE}, ExceptionState.ACTIVE),
        ({MODE_TAG: "off", UNTIL_TAG: PAST}, ExceptionState.EXPIRED),
        ({MODE_TAG: "off", UNTIL_TAG: "soon"}, ExceptionState.DATE_INVALID),
        ({MODE_TAG: "off"}, ExceptionState.OPEN_ENDED),
        ({UNTIL_TAG: FUTURE}, ExceptionState.UNTIL_ONLY),
    ],
)
def test_the_exception_is_read_as_tagged(tags: dict[str, str], state: ExceptionState) -> None:
    exception = mode_exception(tags, TODAY)
    assert exception is not None and exception.state is state
    assert (exception.mode, exception.until) == (tags.get(MODE_TAG, ""), tags.get(UNTIL_TAG, ""))


def test_the_engine_applies_the_day_it_is_given() -> None:
    tags = {MODE_TAG: "off", UNTIL_TAG: PAST}
    expired = remediate_vpc(three_az(tags=tags), AUTO_FIX, executor=None, day=TODAY.isoformat())
    # No executor here: dry-run, but not because of the (expired) tag.
    assert expired.mode_reason is ModeReason.NO_EXECUTOR
    assert expired.status is VpcStatus.NON_COMPLIANT and expired.outcomes
    assert expired.exception is not None and expired.exception.state is ExceptionState.EXPIRED
    assert expired.as_dict()["exception"] == {"mode": "off", "until": PAST, "state": "expired"}

    active = remediate_vpc(three_az(tags=tags), AUTO_FIX, executor=None, day=PAST)
    assert (active.mode, active.status) == (Mode.OFF, VpcStatus.SKIPPED)
    assert active.as_dict()["exception"]["state"] == "active"
    assert "exception" not in remediate_vpc(three_az(), AUTO_FIX, executor=None, day=PAST).as_dict()


def test_an_unreadable_date_is_reported_and_changes_nothing() -> None:
    tags = {MODE_TAG: "off", UNTIL_TAG: "31.12.2026"}
    result = remediate_vpc(three_az(tags=tags), AUTO_FIX, executor=None, day=TODAY.isoformat())
    assert (result.mode, result.mode_reason) == (Mode.DRY_RUN, ModeReason.EXCEPTION_DATE_INVALID)
    assert result.status is VpcStatus.NON_COMPLIANT  # visible, not skipped
    assert result.needs_notification
    _, body = render(result)
    assert f"{UNTIL_TAG}='31.12.2026' is not a date" in body
