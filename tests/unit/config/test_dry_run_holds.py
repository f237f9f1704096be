"""``Settings.dry_run_holds``: the problems that make the run dry-run whatever the deployment's
mode, recorded in a dry-run deployment too (where ``mode_reason`` stays ``deployment``), so that
an approval cannot lift them."""

from __future__ import annotations

import pytest

from remediation.config import load_settings
from remediation.modes import Mode, ModeReason
from tests.support.aws import ACCOUNT


@pytest.mark.parametrize(
    ("env", "starts"),
    [
        ({"EXTRA_TAGS": "ok=1,aws:bad=x"}, "EXTRA_TAGS: key 'aws:bad'"),
        ({"SERVICES": "ecr.api,ecr.dck,s3:gateway"}, "SERVICES: 'ecr.dck'"),
        ({"SERVICES": "ecr.api,s3:gateway"}, "SERVICES leaves out ecr.dkr"),
        ({"ENDPOINT_NEED": "sometimes"}, "ENDPOINT_NEED='sometimes'"),
        ({"REMEDIATION_MODE": "yolo"}, "REMEDIATION_MODE: unknown mode"),
    ],
)
def test_a_problem_that_forces_dry_run_is_held_in_a_dry_run_deployment_too(
    env: dict[str, str], starts: str
) -> None:
    settings = load_settings(env, account_id=ACCOUNT)
    assert settings.mode is Mode.DRY_RUN
    assert [h for h in settings.dry_run_holds if h.startswith(starts)], settings.dry_run_holds
    assert set(settings.dry_run_holds) <= set(settings.problems)  # reported as before


def test_the_reason_of_a_dry_run_deployment_is_unchanged() -> None:
    settings = load_settings({"EXTRA_TAGS": "aws:bad=x"}, account_id=ACCOUNT)
    assert settings.mode_reason is ModeReason.DEPLOYMENT  # as test_decisions.py pins


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"EXTRA_TAGS": "CostCenter=1234"},
        {"NOTIFICATION_FORMAT": "teams"},
        {"ENDPOINT_PROFILE": "lambda"},
        {"GATEWAY_REPORT_ONLY": "maybe"},
        {"REMEDIATION_MODE": "auto-fix"},  # account-not-allowed: a decision, not a problem read
    ],
)
def test_nothing_is_held_by_a_problem_that_does_not_force_dry_run(env: dict[str, str]) -> None:
    assert load_settings(env, account_id=ACCOUNT).dry_run_holds == ()


def test_every_holding_problem_is_held_once_in_order() -> None:
    env = {"REMEDIATION_MODE": "yolo", "ENDPOINT_NEED": "x", "EXTRA_TAGS": "aws:a=1,aws:b=2"}
    held = load_settings(env, account_id=ACCOUNT).dry_run_holds
    assert [h.split(":")[0].split("=")[0] for h in held] == [
        "REMEDIATION_MODE",
        "ENDPOINT_NEED",
        "EXTRA_TAGS",
        "EXTRA_TAGS",
    ]
