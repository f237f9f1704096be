"""Shared fixtures: a moto account made strict where EC2 is strict, a call recorder,
a Lambda context, and the handler's environment. Nothing here reaches AWS.

The helpers every test folder shares live beside this file (``tests/strict_ec2.py``,
``tests/aws_faults.py``, ``tests/scenarios.py``, ``tests/topology.py``...); the tests
themselves are sorted by cost: ``tests/unit/`` (pure), ``tests/functional/`` (moto, made
strict) and ``tests/slow/`` (subprocesses), see ``tests/README.md``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore.client
import pytest
from hypothesis import settings
from moto import mock_aws

# The suite-wide recorder of the project's AWS calls, the safety tests' fixtures, and
# pytester (tests of the recorder across xdist workers run pytest itself).
pytest_plugins = ("tests.safety_recorder", "tests.aws_faults", "tests.scenarios", "pytester")

# `make unit` runs property tests with a quarter of their examples (`--hypothesis-profile=fast`);
# the full suite runs them all.
settings.register_profile("fast", max_examples=25)

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, and the fixtures' account

# No test may ever reach AWS: fake credentials, and moto intercepts every call.
for key, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "POWERTOOLS_METRICS_NAMESPACE": "EcrEndpointGuard",
    "POWERTOOLS_SERVICE_NAME": "ecr-endpoint-guard",
    # moto loads its catalogue of public AMIs into every new EC2 backend, that is in every
    # test (a third of a handler test's time here); the tool never looks at images.
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}.items():
    os.environ[key] = value
os.environ.pop("AWS_PROFILE", None)


# ------------------------------------------------------------------ unit tests stay pure

TESTS = Path(__file__).resolve().parent
#: Pure test modules that stay at the top of tests/ because other tests import their helpers
#: (the template's Deployment, the event strategies): `make unit` runs them with tests/unit/.
PURE_AT_TOP = (TESTS / "test_template.py", TESTS / "test_events.py")


class ImpureUnitTest(AssertionError):
    """A unit test reached outside its process: it belongs in tests/functional/."""


def _refuse(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ImpureUnitTest(f"a unit test may not {what}: move it to tests/functional/")

    return refuse


def is_unit(item: pytest.Item) -> bool:
    path = item.path.resolve()
    return path.is_relative_to(TESTS / "unit") or path in PURE_AT_TOP


@pytest.fixture(autouse=True)
def _unit_tests_stay_pure(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit test (tests/unit/ and :data:`PURE_AT_TOP`) runs the pure core on values it
    builds: no subprocess, network connection or AWS call (moto's included). Reaching for
    one fails the test. Tests marked ``slow`` (the template tools) are exempt."""
    if not is_unit(request.node) or request.node.get_closest_marker("slow"):
        return
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("start a subprocess"))
    monkeypatch.setattr(socket.socket, "connect", _refuse("open a network connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("open a network connection"))
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", _refuse("call AWS (or moto)"))


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) the tests that need the template tools run
    on one worker: their module fixture starts SAM CLI and checkov once, not once a worker."""
    for item in items:
        if "tool_runs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("template-tools"))


@dataclass
class CallLog:
    """Every AWS API call made while the fixture is active: (service, operation, params)."""

    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def operations(self, service: str | None = None) -> list[str]:
        return [op for svc, op, _ in self.calls if service is None or svc == service]

    def writes(self, service: str = "ec2") -> list[str]:
        reads = ("Describe", "List", "Get")
        return [op for op in self.operations(service) if not op.startswith(reads)]

    def params(self, operation: str) -> list[dict[str, Any]]:
        return [p for _, op, p in self.calls if op == operation]

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> CallLog:
    """Record every botocore call (by any client, made anywhere) during the test."""
    log = CallLog()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        log.calls.append((service, operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return log


if TYPE_CHECKING:
    from tests.strict_ec2 import RealEc2


@dataclass
class Aws:
    ec2: Any
    sns: Any
    sqs: Any
    route53: Any
    strict: RealEc2
    region: str = REGION


_SESSION: dict[str, boto3.session.Session] = {}
_SESSION_LOCK = threading.Lock()


def shared_session() -> boto3.session.Session:
    """One boto3 session for the whole test process (per xdist worker).

    moto resets boto3's default session each time a mock starts, so clients made with
    ``boto3.client`` would come from a new session in every test, and botocore would load
    and parse the four services' models again (about 0.3 s a test here). A session keeps
    them. It holds no state a test could leak: moto's state lives in its backends, which
    every ``mock_aws()`` starts afresh.
    """
    with _SESSION_LOCK:
        if "session" not in _SESSION:
            _SESSION["session"] = boto3.session.Session(region_name=REGION)
        return _SESSION["session"]


_CLIENTS: dict[str, Any] = {}


def shared_client(service: str) -> Any:
    """The test process's client of ``service`` (from :func:`shared_session`).

    Making a client costs about 60 ms even from a warm session; a client holds no state of
    moto's (moto answers through botocore's global handlers, into the backends the current
    ``mock_aws()`` started afresh), so every test may use the same one.
    """
    session = shared_session()
    with _SESSION_LOCK:
        if service not in _CLIENTS:
            _CLIENTS[service] = session.client(service)  # type: ignore[call-overload]
        return _CLIENTS[service]


@pytest.fixture
def aws() -> Iterator[Aws]:
    """A fresh moto account in us-east-1, with EC2's strictness patched in."""
    # Imported here: loading moto's EC2 models takes seconds, and unit tests never need them.
    from tests.strict_ec2 import strict_ec2

    with mock_aws(), strict_ec2() as strict:
        yield Aws(
            ec2=shared_client("ec2"),
            sns=shared_client("sns"),
            sqs=shared_client("sqs"),
            route53=shared_client("route53"),
            strict=strict,
        )


@dataclass
class LambdaContext:
    function_name: str = "ecr-endpoint-guard"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecr-endpoint-guard"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def handler_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment the template gives the function (dry-run by default)."""
    for key in (
        "REMEDIATION_MODE",
        "AUTO_FIX_ACCOUNT_IDS",
        "SERVICES",
        "NOTIFICATION_TOPIC_ARN",
        "NOTIFICATION_FORMAT",
        "MAX_AZS_PER_ENDPOINT",
        "GATEWAY_REPORT_ONLY",
        "REQUIRE_LOCAL_ENDPOINTS",
        "TOOL_ROLE_ARN",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DELETION_WAIT_SECONDS", "0")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ecr-endpoint-guard")
    return monkeypatch
