"""Member-account sessions: the session names STS accepts."""

from __future__ import annotations

import pytest

from remediation.org.sessions import session_name


@pytest.mark.parametrize(
    ("event_id", "expected"),
    [
        ("", "ecr-endpoint-guard"),
        ("a" * 80, "ecr-endpoint-guard-" + "a" * 45),
        ("x y/z", "ecr-endpoint-guard-xyz"),
    ],
)
def test_session_names_are_valid_for_sts(event_id: str, expected: str) -> None:
    name = session_name(event_id)
    assert name == expected
    assert 2 <= len(name) <= 64
