"""Organisation mode's tests: each is a new execution environment, with the member role named."""

from __future__ import annotations

import pytest

#: The member role's name in every account (``MEMBER_ROLE_NAME``).
ROLE = "ecr-endpoint-guard-member"


@pytest.fixture(autouse=True)
def _new_environment(fresh_sessions: None) -> None:
    """Each test is a new execution environment (``fresh_sessions``)."""


@pytest.fixture
def org_env(handler_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Organisation mode: the function serves member accounts through ``ROLE``."""
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    return handler_env
