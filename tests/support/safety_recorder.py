"""A pytest plugin that records every AWS call the project's own code makes, suite-wide.

The tool must never call a Delete API (nor Disassociate, Detach, Terminate, Release):
it never removes what it does not own, and what it owns it keeps. Static checks see the
code; this recorder sees what the code *did* across every test of the session, whatever
path it took (events, faults, races, the CLI in-process...).

How a call is attributed: botocore's client methods all go through
``BaseClient._make_api_call``; the recorder wraps it for the whole session and walks the
stack outward past botocore's own frames (the generated ``_api_call`` method,
paginators, waiters) to the frame that called the client. The call is the project's
when that frame's file is under ``src/``. Tests that delete things to set up a scenario
(``delete_vpc_endpoints`` in a test, or in a test's hook that runs *inside* a project
call) are attributed to the test, not the project.

A forbidden call (a removal made from anywhere in ``src/`` but the CLI's ``release``
command, :data:`ALLOWED_REMOVERS`) fails the test during which it happened and, whatever
the phase (setup, call, teardown), the session. The terminal summary says how many
project calls were recorded, so a run shows the check had something to look at.

Under pytest-xdist each worker records its own calls and fails its own tests; at its
session's end it hands its record to the controller (``workeroutput``), which adds every
worker's calls to its own before it decides the session's outcome and writes the summary.
So a removal a worker saw outside any test's call phase still fails the run, and the
summary counts every worker's calls (``tests/functional/safety/test_safety_recorder_xdist.py``).

Limits: calls made in another process that is not a pytest worker (a CLI run as a
subprocess) are not seen; the static check in ``tests/functional/safety/test_no_delete.py`` covers
the code those runs execute.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import types
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.client
import pytest

import remediation

#: Operations that remove or detach something. The tool calls none of them.
FORBIDDEN_PREFIXES = ("Delete", "Disassociate", "Detach", "Terminate", "Release")
#: The one module allowed to remove things: the CLI's ``release`` command, run by a person,
#: which removes only what the tool created (issue 7). Exactly this file, nothing else.
ALLOWED_REMOVERS = ("src/remediation/release.py",)

#: Where the project's code lives (``src/``): a call whose caller is here is the project's.
SRC = Path(remediation.__file__).resolve().parent.parent
_LIBRARIES = tuple(
    str(Path(module.__file__).resolve().parent) for module in (botocore, boto3) if module.__file__
)


def _in_library(frame: types.FrameType) -> bool:
    return frame.f_code.co_filename.startswith(_LIBRARIES)


@functools.cache
def _repo_path(filename: str) -> str | None:
    """The file's path from the repository when it is the project's (under ``src/``), else
    ``None``: resolved once per file (a system call for each part of the path), not on each of
    the suite's 11,000 project calls."""
    path = Path(filename).resolve()
    return str(path.relative_to(SRC.parent)) if path.is_relative_to(SRC) else None


def _in_project(frame: types.FrameType) -> bool:
    return _repo_path(frame.f_code.co_filename) is not None


def api_caller(frame: types.FrameType | None) -> types.FrameType | None:
    """The frame that called the botocore client method on whose stack ``frame`` is.

    Starting from inside ``_make_api_call`` (or a wrapper of it), find botocore's
    generated client method (``_api_call``), then leave botocore and boto3 entirely
    (a paginator or waiter calls that method for its caller). ``None`` when the stack
    holds no client method (``_make_api_call`` called directly).
    """
    while frame is not None and not (frame.f_code.co_name == "_api_call" and _in_library(frame)):
        frame = frame.f_back
    if frame is None:
        return None
    frame = frame.f_back
    while frame is not None and _in_library(frame):
        frame = frame.f_back
    return frame


@dataclass(frozen=True)
class ProjectCall:
    service: str
    operation: str
    caller: str  # "src/remediation/executor.py:123"
    test: str  # the pytest node id during which it happened

    @property
    def removal(self) -> bool:
        return self.operation.startswith(FORBIDDEN_PREFIXES)

    @property
    def forbidden(self) -> bool:
        return self.removal and self.caller.rsplit(":", 1)[0] not in ALLOWED_REMOVERS


@dataclass
class Recorder:
    calls: list[ProjectCall] = field(default_factory=list)
    current_test: str = "(no test)"
    installed: bool = False
    workers: int = 0  # xdist workers whose record the controller received
    _original: Callable[..., Any] | None = None

    def record(self, client: Any, operation: str, frame: types.FrameType | None) -> None:
        caller = api_caller(frame)
        if caller is None:  # a direct _make_api_call: the project's if any frame is
            caller = frame
            while caller is not None and not _in_project(caller):
                caller = caller.f_back
        if caller is None or not _in_project(caller):
            return
        where = _repo_path(caller.f_code.co_filename)
        self.calls.append(
            ProjectCall(
                service=client.meta.service_model.service_name,
                operation=operation,
                caller=f"{where}:{caller.f_lineno}",
                test=self.current_test,
            )
        )

    def forbidden(self, since: int = 0) -> list[ProjectCall]:
        return [c for c in self.calls[since:] if c.forbidden]

    def operations(self) -> Counter[str]:
        return Counter(f"{c.service}:{c.operation}" for c in self.calls)

    @contextmanager
    def isolated(self) -> Iterator[list[ProjectCall]]:
        """Record into a scratch list (for tests of the recorder itself)."""
        saved = self.calls
        self.calls = []
        try:
            yield self.calls
        finally:
            self.calls = saved

    def install(self) -> None:
        if self.installed:
            return
        original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]
        recorder = self

        def _make_api_call(client: Any, operation_name: str, api_params: Any) -> Any:
            recorder.record(client, operation_name, sys._getframe(1))
            return original(client, operation_name, api_params)

        self._original = original
        botocore.client.BaseClient._make_api_call = _make_api_call  # type: ignore[attr-defined]
        self.installed = True

    def uninstall(self) -> None:
        if self.installed and self._original is not None:
            botocore.client.BaseClient._make_api_call = self._original  # type: ignore[attr-defined]
        self.installed = False


#: The session's recorder (one per process).
RECORDER = Recorder()


def describe(calls: list[ProjectCall]) -> str:
    return "; ".join(f"{c.service}:{c.operation} from {c.caller} during {c.test}" for c in calls)


# --------------------------------------------------------------------------- pytest hooks


def pytest_configure(config: pytest.Config) -> None:
    RECORDER.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    RECORDER.uninstall()


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    RECORDER.current_test = nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    start = len(RECORDER.calls)
    result = yield
    bad = RECORDER.forbidden(start)
    if bad:
        pytest.fail(f"project code called a removal API: {describe(bad)}", pytrace=False)
    return result


#: The key of a worker's record in xdist's ``workeroutput`` (sent to the controller).
WORKER_OUTPUT_KEY = "safety_recorder_calls"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the record to the controller
        workeroutput[WORKER_OUTPUT_KEY] = [dataclasses.astuple(c) for c in RECORDER.calls]
    if RECORDER.forbidden() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist's controller, as each worker finishes: add the worker's calls to the record."""
    received = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY, [])
    RECORDER.calls.extend(ProjectCall(*fields) for fields in received)
    RECORDER.workers += 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    bad = RECORDER.forbidden()
    ops = RECORDER.operations()
    released = sum(1 for c in RECORDER.calls if c.removal and not c.forbidden)
    line = (
        f"safety recorder: {len(RECORDER.calls)} AWS calls by project code "
        f"({len(ops)} operations), {len(bad)} forbidden removal calls "
        f"({released} by {', '.join(ALLOWED_REMOVERS)})"
        + (f", from {RECORDER.workers} xdist workers" if RECORDER.workers else "")
    )
    if bad:
        terminalreporter.write_sep("=", "project code called a removal API", red=True)
        terminalreporter.write_line(describe(bad))
    terminalreporter.write_line(line)
