"""The engine's decisions reach the faces as values: why a mode applies (``ModeReason``) and
what became of a notification (``NotificationStatus``), never as text to search. Pure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from remediation.config import load_settings
from remediation.engine.vpc import notify, remediate_vpc
from remediation.modes import MODE_TAG, Mode, ModeReason, vpc_mode
from remediation.report.results import NotificationStatus, VpcResult, VpcStatus, tally
from tests.support.snapshots import compliant, three_az

ACCOUNT = "123456789012"
DAY = "2026-01-01"
TODAY = dt.date.fromisoformat(DAY)
SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.mark.parametrize(
    ("env", "mode", "reason"),
    [
        ({}, Mode.DRY_RUN, ModeReason.DEPLOYMENT),
        (
            {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT},
            Mode.AUTO_FIX,
            ModeReason.DEPLOYMENT,
        ),
        ({"REMEDIATION_MODE": "auto-fix"}, Mode.DRY_RUN, ModeReason.ACCOUNT_NOT_ALLOWED),
        (
            {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": "111122223333"},
            Mode.DRY_RUN,
            ModeReason.ACCOUNT_NOT_ALLOWED,
        ),
        ({"REMEDIATION_MODE": "yolo"}, Mode.DRY_RUN, ModeReason.CONFIGURATION),
        ({"REMEDIATION_MODE": "off"}, Mode.DRY_RUN, ModeReason.CONFIGURATION),
        (
            {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT, "SERVICES": "x:y"},
            Mode.DRY_RUN,
            ModeReason.CONFIGURATION,
        ),
        ({"SERVICES": "x:y"}, Mode.DRY_RUN, ModeReason.DEPLOYMENT),  # dry-run anyway
    ],
)
def test_settings_say_why_the_run_has_its_mode(
    env: dict[str, str], mode: Mode, reason: ModeReason
) -> None:
    settings = load_settings(env, account_id=ACCOUNT)
    assert (settings.mode, settings.mode_reason) == (mode, reason)


@pytest.mark.parametrize(
    ("deployment", "tag", "mode", "reason"),
    [
        (Mode.AUTO_FIX, None, Mode.AUTO_FIX, ModeReason.DEPLOYMENT),
        (Mode.AUTO_FIX, "dry-run", Mode.DRY_RUN, ModeReason.TAG),
        (Mode.AUTO_FIX, "off", Mode.OFF, ModeReason.TAG),
        (Mode.DRY_RUN, "off", Mode.OFF, ModeReason.TAG),
        (Mode.DRY_RUN, "auto-fix", Mode.DRY_RUN, ModeReason.DEPLOYMENT),  # a tag never widens
        (Mode.AUTO_FIX, "please", Mode.DRY_RUN, ModeReason.TAG_INVALID),
        (Mode.DRY_RUN, "please", Mode.DRY_RUN, ModeReason.TAG_INVALID),
    ],
)
def test_the_vpc_tag_can_only_lower_the_mode_and_says_so(
    deployment: Mode, tag: str | None, mode: Mode, reason: ModeReason
) -> None:
    tags = {} if tag is None else {MODE_TAG: tag}
    got_mode, got_reason, note = vpc_mode(deployment, tags, today=TODAY)
    assert (got_mode, got_reason) == (mode, reason)
    assert bool(note) == (reason is not ModeReason.DEPLOYMENT)


def test_a_deployment_reason_passes_through_an_untagged_vpc() -> None:
    assert vpc_mode(Mode.DRY_RUN, {}, ModeReason.ACCOUNT_NOT_ALLOWED, today=TODAY)[1] is (
        ModeReason.ACCOUNT_NOT_ALLOWED
    )


def test_auto_fix_without_an_executor_is_a_dry_run_that_says_why() -> None:
    settings = load_settings(
        {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT}, account_id=ACCOUNT
    )
    result = remediate_vpc(three_az(), settings, executor=None, day=DAY)
    assert (result.mode, result.mode_reason) == (Mode.DRY_RUN, ModeReason.NO_EXECUTOR)
    assert result.status is VpcStatus.NON_COMPLIANT and result.outcomes

    tagged = remediate_vpc(three_az(tags={MODE_TAG: "dry-run"}), settings, executor=None, day=DAY)
    assert (tagged.mode, tagged.mode_reason) == (Mode.DRY_RUN, ModeReason.TAG)

    refused = load_settings({"REMEDIATION_MODE": "auto-fix"}, account_id=ACCOUNT)
    result = remediate_vpc(three_az(), refused, executor=None, day=DAY)
    assert (result.mode, result.mode_reason) == (Mode.DRY_RUN, ModeReason.ACCOUNT_NOT_ALLOWED)


class Inbox:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.messages: list[str] = []

    def publish(self, subject: str, body: str) -> None:
        if self.error is not None:
            raise self.error
        self.messages.append(subject)


def _result(status: VpcStatus) -> VpcResult:
    return VpcResult("vpc-1", ACCOUNT, "us-east-1", Mode.DRY_RUN, status)


def test_what_became_of_the_notification_is_a_value() -> None:
    denied = ClientError({"Error": {"Code": "AuthorizationError", "Message": "no"}}, "Publish")
    inbox = Inbox()
    cases = [
        (notify(_result(VpcStatus.COMPLIANT), inbox), NotificationStatus.NOT_NEEDED, ""),
        (notify(_result(VpcStatus.NON_COMPLIANT), None), NotificationStatus.NO_TOPIC, "no topic"),
        (notify(_result(VpcStatus.NON_COMPLIANT), inbox), NotificationStatus.SENT, "sent"),
        (
            notify(_result(VpcStatus.FAILED), Inbox(denied)),
            NotificationStatus.FAILED,
            "failed: An error occurred (AuthorizationError)",
        ),
    ]
    for result, status, text in cases:
        assert result.notification_status is status
        assert result.notification.startswith(text) and (text or not result.notification)
    assert len(inbox.messages) == 1


def test_failed_notifications_are_counted_from_the_status_not_the_text() -> None:
    failed = dataclasses.replace(
        _result(VpcStatus.NON_COMPLIANT),
        notification="(any text)",
        notification_status=NotificationStatus.FAILED,
    )
    sent = dataclasses.replace(failed, notification_status=NotificationStatus.SENT)
    assert tally((failed, sent))["notifications_failed"] == 1


def test_a_compliant_vpc_needs_no_notification() -> None:
    settings = load_settings({}, account_id=ACCOUNT)
    result = notify(remediate_vpc(compliant(), settings, executor=None, day=DAY), Inbox())
    assert result.notification_status is NotificationStatus.NOT_NEEDED


#: Reading a decision out of a note: what the faces and counts must never do.
TEXT_MATCHING = re.compile(
    r"\b(?:in|not in)\s+[\w.]*\.(?:mode_note|notification)\b"
    r"|\.(?:mode_note|notification)\.(?:startswith|endswith|find|index)\("
    r"|\.(?:mode_note|notification)\s*(?:==|!=)"
)


def test_no_code_reads_a_decision_out_of_its_text() -> None:
    found = [
        f"{path.relative_to(SRC)}: {match.group(0)}"
        for path in SRC.rglob("*.py")
        for match in TEXT_MATCHING.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
