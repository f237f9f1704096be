"""tests/unit/: pure tests, seconds for all of them (`make unit`).

A unit test runs the project's pure core (events, baseline, plan, the template's IAM against
the code's declared permissions...) on values it builds itself: no emulator, no AWS call, no
network, no subprocess. The guard below makes that a rule rather than a hope: a test here
that reaches for any of them fails, saying what it reached for. Tests marked ``slow`` (the
template tools, which run in subprocesses) are exempt; ``make unit`` deselects them.
"""

from __future__ import annotations

import socket
import subprocess
from typing import Any

import botocore.client
import pytest


class ImpureUnitTest(AssertionError):
    """A unit test reached outside its process: it belongs in tests/functional/."""


def _refuse(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ImpureUnitTest(f"a unit test may not {what}: move it to tests/functional/")

    return refuse


@pytest.fixture(autouse=True)
def _pure(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("slow"):
        return
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("start a subprocess"))
    monkeypatch.setattr(socket.socket, "connect", _refuse("open a network connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("open a network connection"))
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", _refuse("call AWS (or moto)"))
