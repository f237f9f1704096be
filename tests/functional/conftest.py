"""Fixtures the functional tests of several faces share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers import remediate


@pytest.fixture
def fresh_sessions() -> Iterator[None]:
    """Member credentials are cached per execution environment; each test is a new one."""
    remediate.forget_session()
    yield
    remediate.forget_session()
