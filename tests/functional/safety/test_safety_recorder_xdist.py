"""The safety recorder's verdict holds across pytest-xdist workers
(tests/support/safety_recorder.py).

An inner pytest session, run in a subprocess with two workers, makes project calls (code
compiled under ``src/``, as in tests/functional/safety/test_no_delete.py) in several tests, and one
removal in a fixture's teardown, where no test's call phase sees it: only the session-level
check can. If the controller lost a worker's record, the run would pass and count fewer calls.

The recorder looks at every client's calls by operation name, whatever the service: the inner
tests use SQS (a removal: ``DeleteQueue``), whose emulation starts in a tenth of the time
EC2's does, through one boto3 session a worker (its service models parsed once). The inner
session loads only the plugins it names (xdist and the recorder), not every installed one.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.support.safety_recorder import SRC

REPO = SRC.parent

INNER_TESTS = f"""
import boto3
import pytest
from moto import mock_aws

SOURCE = "def call(client, name, **kwargs):\\n    return getattr(client, name)(**kwargs)\\n"
PROJECT: dict = {{}}
exec(compile(SOURCE, {str(SRC / "remediation" / "not_a_real_module.py")!r}, "exec"), PROJECT)


SESSION = boto3.session.Session()


@pytest.fixture
def sqs():
    with mock_aws():
        yield SESSION.client("sqs", region_name="us-east-1")


@pytest.mark.parametrize("n", range(6))
def test_reads(sqs, n):
    PROJECT["call"](sqs, "list_queues")


@pytest.fixture
def removes_at_teardown(sqs):
    yield
    queue = sqs.create_queue(QueueName="the-test-s-own-call")
    PROJECT["call"](sqs, "delete_queue", QueueUrl=queue["QueueUrl"])


def test_removal_in_teardown(removes_at_teardown):
    pass
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest('pytest_plugins = ("tests.support.safety_recorder",)\n')
    pytester.makepyfile(test_inner=INNER_TESTS)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), str(SRC)]))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester


def summary(result: pytest.RunResult) -> tuple[int, int]:
    """(project calls, forbidden removal calls) from the inner run's summary line."""
    text = "\n".join(result.outlines)
    found = re.search(r"safety recorder: (\d+) AWS calls .* (\d+) forbidden removal calls", text)
    assert found, text
    return int(found[1]), int(found[2])


def test_a_removal_seen_by_a_worker_fails_the_run_and_every_call_is_counted(
    inner: pytest.Pytester,
) -> None:
    result = inner.runpytest_subprocess("-p", "xdist", "-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)  # no test's own call phase saw the removal...
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # ...but the session did
    assert summary(result) == (7, 1)  # six reads and the removal, from both workers
    result.stdout.fnmatch_lines(["*from 2 xdist workers*"])
