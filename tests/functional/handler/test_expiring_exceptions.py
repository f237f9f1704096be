"""Exceptions that expire (issue 13, item 5): ``ecr-endpoint-guard/until`` bounds the mode tag.

Pure (``vpc_mode`` on a given day, ``remediate_vpc``) and at the handler level on moto: an
expired ``mode=off`` exception no longer silences its VPC, a future one still does, and an
unreadable date keeps the VPC report-only, visibly.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest

from handlers.remediate import lambda_handler
from remediation.config import load_settings
from remediation.engine import remediate_vpc
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
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.cli import CONFIG_VARIABLES, delete_default_vpc, run_cli, scan_json
from tests.support.invariants import violations
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.snapshots import three_az
from tests.support.sns import published, topic_with_queue
from tests.support.topology import build_vpc, endpoints

TODAY = dt.date(2026, 3, 15)
PAST, FUTURE = "2026-03-14", "2026-03-16"
AUTO_FIX = load_settings(
    {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT}, account_id=ACCOUNT
)


# --------------------------------------------------------------------------- pure


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


# --------------------------------------------------------------------------- handler


def test_an_expired_off_exception_no_longer_silences_its_vpc(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={MODE_TAG: "off", UNTIL_TAG: "2020-01-31"})

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    (one,) = result["vpcs"]
    assert (one["mode"], one["status"]) == ("auto-fix", "fixed")
    assert one["exception"] == {"mode": "off", "until": "2020-01-31", "state": "expired"}
    assert violations(aws.ec2, vpc.vpc_id, REGION) == []
    (message,) = published(aws, queue)
    assert "exception expired on 2020-01-31" in message["Message"]
    assert f"remove or update the tags {MODE_TAG} and {UNTIL_TAG}" in message["Message"]


def test_a_future_off_exception_still_silences_its_vpc(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={MODE_TAG: "off", UNTIL_TAG: "2099-12-31"})
    api_calls.clear()

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    (one,) = result["vpcs"]
    assert (one["mode"], one["status"]) == ("off", "skipped")
    assert one["exception"]["state"] == "active"
    assert api_calls.writes("ec2") == []
    assert violations(aws.ec2, vpc.vpc_id, REGION)
    assert published(aws, queue) == []


def test_an_unreadable_date_keeps_the_vpc_report_only_and_visible(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={MODE_TAG: "off", UNTIL_TAG: "end of Q1"})
    api_calls.clear()

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    (one,) = result["vpcs"]
    assert (one["mode"], one["status"]) == ("dry-run", "non-compliant")
    assert one["exception"]["state"] == "date-invalid"
    assert api_calls.writes("ec2") == []
    (message,) = published(aws, queue)
    assert "is not a date (YYYY-MM-DD, UTC)" in message["Message"]
    machine = json.loads(message["Message"].split("--- JSON ---\n", 1)[1])
    assert machine["exception"]["until"] == "end of Q1"


# --------------------------------------------------------------------------- scan


@pytest.fixture
def account(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """The CLI's environment (tests/support/cli.py) and a moto account without its default VPC."""
    for key in CONFIG_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DELETION_WAIT_SECONDS", "0")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    delete_default_vpc(aws.ec2)
    return aws


def _cells(text: str, vpc_id: str) -> list[str]:
    """A VPC's row of the table: its cells are separated by two blanks or more."""
    line = next(line for line in text.splitlines() if line.startswith(vpc_id))
    return re.split(r" {2,}", line)


def test_scan_shows_exceptions_and_their_expiry(
    account: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = build_vpc(account.ec2, azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2020-01-31"})
    active = build_vpc(
        account.ec2, cidr="10.1.0.0/16", azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2099-12-31"}
    )
    unreadable = build_vpc(
        account.ec2, cidr="10.2.0.0/16", azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "Q1"}
    )
    plain = build_vpc(account.ec2, cidr="10.3.0.0/16", azs=1)

    _, table, _ = run_cli(capsys, "scan")

    assert _cells(table, expired.vpc_id)[2:4] == ["dry-run (expired 2020-01-31)", "non-compliant"]
    assert _cells(table, active.vpc_id)[2:4] == ["off until 2099-12-31", "skipped"]
    assert _cells(table, unreadable.vpc_id)[2:4] == ["dry-run (bad until)", "non-compliant"]
    assert f"  exception: {MODE_TAG}=off until 2020-01-31 (expired)" in table
    assert f"  exception: {MODE_TAG}=off until 2099-12-31 (active)" in table
    assert "exception expired on 2020-01-31 (UTC)" in table
    assert f"tag {UNTIL_TAG}='Q1' is not a date" in table

    _, document = scan_json(capsys)
    by_id = {v["vpc_id"]: v for v in document["regions"][0]["vpcs"]}
    assert by_id[expired.vpc_id]["exception"] == {
        "mode": "off",
        "until": "2020-01-31",
        "state": "expired",
    }
    assert by_id[active.vpc_id]["exception"]["state"] == "active"
    assert by_id[unreadable.vpc_id]["exception"]["state"] == "date-invalid"
    assert "exception" not in by_id[plain.vpc_id]


def test_fix_repairs_an_expired_exception_and_leaves_an_active_one(
    account: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = build_vpc(account.ec2, azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2020-01-31"})
    active = build_vpc(
        account.ec2, cidr="10.1.0.0/16", azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2099-12-31"}
    )

    _, out, _ = run_cli(capsys, "scan", "--fix", "--yes")

    plan, _, after = out.partition("after --fix")
    assert _cells(plan, expired.vpc_id)[2:4] == ["auto-fix (expired 2020-01-31)", "non-compliant"]
    assert _cells(after, expired.vpc_id)[2:4] == ["auto-fix (expired 2020-01-31)", "fixed"]
    assert _cells(after, active.vpc_id)[2:4] == ["off until 2099-12-31", "skipped"]
    assert violations(account.ec2, expired.vpc_id, REGION) == []
    assert endpoints(account.ec2, active.vpc_id) == []
