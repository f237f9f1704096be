"""SERVICES cannot silently weaken the check: a service the tool does not know (a typo) and
a required service left out are problems that make the run dry-run (and refuse ``--fix``),
and the required services are checked all the same unless SERVICES_OMIT says otherwise."""

from __future__ import annotations

import pytest

from remediation.config import load_settings
from remediation.config.services import (
    DEFAULT_SERVICES,
    KNOWN_SERVICES,
    REQUIRED_SERVICES,
    parse_services,
)
from remediation.modes import Mode, ModeReason

ACCOUNT = "111122223333"
AUTO_FIX = {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT}


def names(env: dict[str, str]) -> list[str]:
    return [s.name for s in load_settings({**AUTO_FIX, **env}, account_id=ACCOUNT).services]


def test_the_default_and_known_services_are_no_problem() -> None:
    settings = load_settings({**AUTO_FIX, "SERVICES": DEFAULT_SERVICES + ",logs,sts"}, ACCOUNT)
    assert settings.problems == () and settings.mode is Mode.AUTO_FIX
    assert {s.name for s in parse_services(DEFAULT_SERVICES)} == set(REQUIRED_SERVICES)
    assert set(REQUIRED_SERVICES) <= KNOWN_SERVICES


def test_a_typo_is_a_problem_that_keeps_the_run_dry_run_and_checks_ecr_dkr_anyway() -> None:
    settings = load_settings({**AUTO_FIX, "SERVICES": "ecr.api,ecr.dck,s3:gateway"}, ACCOUNT)
    assert settings.mode is Mode.DRY_RUN
    assert settings.mode_reason is ModeReason.CONFIGURATION  # what refuses --fix
    assert any("'ecr.dck'" in p and "'ecr.dkr'" in p for p in settings.problems)  # the hint
    assert [s.name for s in settings.services] == ["ecr.api", "s3", "ecr.dkr"]  # no ecr.dck


def test_an_unlisted_service_is_accepted_when_named_twice() -> None:
    env = {"SERVICES": DEFAULT_SERVICES + ",newsvc", "SERVICES_UNLISTED": "newsvc"}
    settings = load_settings({**AUTO_FIX, **env}, ACCOUNT)
    assert settings.problems == () and "newsvc" in names(env)


@pytest.mark.parametrize("left_out", REQUIRED_SERVICES)
def test_leaving_out_a_required_service_needs_services_omit(left_out: str) -> None:
    kept = ",".join(s for s in DEFAULT_SERVICES.split(",") if not s.startswith(left_out + ":"))
    settings = load_settings({**AUTO_FIX, "SERVICES": kept}, ACCOUNT)
    assert settings.mode is Mode.DRY_RUN and settings.mode_reason is ModeReason.CONFIGURATION
    assert left_out in names({"SERVICES": kept})  # checked all the same

    explicit = load_settings({**AUTO_FIX, "SERVICES": kept, "SERVICES_OMIT": left_out}, ACCOUNT)
    assert explicit.problems == () and explicit.mode is Mode.AUTO_FIX
    assert left_out not in [s.name for s in explicit.services]


def test_services_omit_names_only_required_services() -> None:
    settings = load_settings({**AUTO_FIX, "SERVICES_OMIT": "logs"}, ACCOUNT)
    assert any("SERVICES_OMIT: 'logs'" in p for p in settings.problems)
