"""The organisation's budgets (bench/organisation.py on a small organisation): each account's
work item costs a single-account sweep plus one AssumeRole, and a second sweep in the same
execution environment assumes no role again (credentials are reused)."""

from __future__ import annotations

import pytest
from bench.organisation import measure


def test_each_account_costs_a_sweep_plus_one_assume_role_and_credentials_are_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # measure() sets the function's environment: registered here (set, so that monkeypatch
    # removes them again afterwards), so that no other test sees them.
    for key in (
        "REMEDIATION_MODE",
        "MEMBER_ROLE_NAME",
        "WORK_QUEUE_URL",
        "MEMBER_ACCOUNT_IDS",
        "NOTIFICATION_TOPIC_ARN",
        "AUTO_FIX_ACCOUNT_IDS",
        "TOOL_ROLE_ARN",
    ):
        monkeypatch.setenv(key, "")
    monkeypatch.setenv("SWEEP_JITTER_SECONDS", "0")

    # Calls and AssumeRoles are judged here; the memory figures are the benchmark's (tracing
    # every allocation made this test 3.5 times slower).
    run = measure(accounts=3, vpcs=2, memory=False)

    assert len(run.calls_per_item) == 3  # one work item per member account
    assert max(run.calls_per_item) <= run.budget_per_item, run.calls_per_item
    assert run.assume_first == 3
    assert run.assume_second == 0
