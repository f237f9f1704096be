"""The reach of a person's approval (Security Hub's "Fix ECR endpoints"): it lifts the
deployment's dry-run, never a dry-run a configuration problem forced, in a dry-run deployment
as in an auto-fix one."""

from __future__ import annotations

import pytest

from remediation.config import load_settings
from remediation.modes import Mode, ModeReason, approved_mode
from tests.support.aws import ACCOUNT

AUTO_FIX = {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT}
DRY_RUN = {"REMEDIATION_MODE": "dry-run"}
#: Each setting that, unreadable, makes the run dry-run (configuration.md), as a bad value.
HOLDING = {
    "EXTRA_TAGS": {"EXTRA_TAGS": "CostCenter=1234,aws:bad=x"},
    "SERVICES": {"SERVICES": "ecr.api:interface,ecr.dck:interface,s3:gateway"},
    "SERVICES_OMIT": {"SERVICES_OMIT": "ecr.dck"},
    "ENDPOINT_NEED": {"ENDPOINT_NEED": "sometimes"},
    "REMEDIATION_MODE": {"REMEDIATION_MODE": "yolo"},
    "REMEDIATION_MODE=off": {"REMEDIATION_MODE": "off"},
}


# Every value is decided here, so that a new reason cannot be lifted by accident.
@pytest.mark.parametrize(
    ("reason", "lifted"),
    [
        (ModeReason.DEPLOYMENT, True),  # "even in a dry-run deployment" (securityhub.md)
        (ModeReason.ACCOUNT_NOT_ALLOWED, True),  # as in a dry-run deployment, in any account
        (ModeReason.CONFIGURATION, False),  # an unreadable setting: never wider
        # Per-VPC reasons: vpc_mode decides them after the approval; as a run's reason, the
        # cautious side.
        (ModeReason.TAG, False),
        (ModeReason.TAG_INVALID, False),
        (ModeReason.NO_EXECUTOR, False),
        (ModeReason.NOT_FOUND, False),
        (ModeReason.APPROVAL, False),
        (ModeReason.SHARED_VPC, False),
        (ModeReason.EXCEPTION_EXPIRED, False),
        (ModeReason.EXCEPTION_DATE_INVALID, False),
        (ModeReason.RELEASED, False),
    ],
)
def test_each_reason_is_lifted_by_an_approval_or_not(reason: ModeReason, lifted: bool) -> None:
    mode, why, note = approved_mode(True, "e-1", reason)
    assert (mode is Mode.AUTO_FIX) is lifted
    assert note.startswith("repair approved" if lifted else "approval not acted on"), note
    assert why is (ModeReason.APPROVAL if lifted else reason)  # not lifted: the run's reason


def test_the_list_of_reasons_above_is_every_reason() -> None:
    assert len(ModeReason) == 12  # a new reason: decide it in the test above


def test_a_configuration_hold_outweighs_the_deployment_s_reason_and_says_why() -> None:
    held = ["EXTRA_TAGS: key 'aws:bad' starts with aws: (reserved for AWS); running dry-run"]
    mode, reason, note = approved_mode(True, "e-1", ModeReason.DEPLOYMENT, held)
    assert (mode, reason) == (Mode.DRY_RUN, ModeReason.CONFIGURATION)
    assert note.startswith("approval not acted on: a configuration problem holds")
    assert held[0] in note and "nothing was changed" in note


def test_several_holds_name_the_first_and_count_the_others() -> None:
    note = approved_mode(True, "e-1", ModeReason.CONFIGURATION, ["a", "b", "c"])[2]
    assert "(a; and 2 more)" in note


def test_without_fix_on_approval_the_switch_is_the_reason_given() -> None:
    note = approved_mode(False, "e-1", ModeReason.CONFIGURATION, ["a"])[2]
    assert "FIX_ON_APPROVAL is off" in note


@pytest.mark.parametrize("deployment", [DRY_RUN, AUTO_FIX], ids=["dry-run", "auto-fix"])
@pytest.mark.parametrize("setting", sorted(HOLDING))
def test_an_approval_never_lifts_a_dry_run_a_configuration_problem_forced(
    deployment: dict[str, str], setting: str
) -> None:
    settings = load_settings({**deployment, **HOLDING[setting]}, account_id=ACCOUNT)
    assert settings.mode is Mode.DRY_RUN

    mode, reason, note = approved_mode(True, "e-1", settings.mode_reason, settings.dry_run_holds)

    assert (mode, reason) == (Mode.DRY_RUN, ModeReason.CONFIGURATION)
    assert "configuration problem holds" in note


@pytest.mark.parametrize(
    "env",
    [
        DRY_RUN,  # the approval's purpose: a dry-run deployment
        {},  # REMEDIATION_MODE unset: dry-run
        {"REMEDIATION_MODE": "auto-fix"},  # no AUTO_FIX_ACCOUNT_IDS: account-not-allowed
        {**DRY_RUN, "EXTRA_TAGS": "CostCenter=1234"},  # good tags
        {**DRY_RUN, "NOTIFICATION_FORMAT": "teams"},  # a problem that holds nothing
        {**DRY_RUN, "ENDPOINT_PROFILE": "lambda"},  # nor this one
    ],
)
def test_an_approval_still_repairs_where_no_configuration_problem_holds_the_run(
    env: dict[str, str],
) -> None:
    settings = load_settings(env, account_id=ACCOUNT)
    mode, reason, _ = approved_mode(True, "e-1", settings.mode_reason, settings.dry_run_holds)
    assert (mode, reason) == (Mode.AUTO_FIX, ModeReason.APPROVAL)
