"""Shared fixtures: a moto account made strict where EC2 is strict, a call recorder,
a Lambda context, and the handler's environment. Nothing here reaches AWS.

The helpers every test folder shares live in ``tests/support/`` (the strict emulator, fault
injection, VPC builders, event loaders, the safety recorder...); the tests mirror the code:
``tests/unit/<package>/`` (pure), ``tests/functional/<face>/`` (moto, made strict) and
``tests/slow/`` (subprocesses), see ``tests/README.md``.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, FunctionType, MethodType
from typing import Any

import botocore.client
import botocore.hooks
import botocore.loaders
import botocore.session
import moto.backends as _moto_backends
import moto.core.responses as _moto_responses
import moto.core.utils as _moto_utils
import pytest
from botocore.handlers import BUILTIN_HANDLERS
from hypothesis import settings
from moto import mock_aws

from handlers import runtime as _runtime
from remediation.demo.emulator import collect_less, fewer_collections
from tests.support.aws import (
    REGION,
    Aws,
    CallLog,
    LambdaContext,
    shared_client,
)

# Collection imports every test module, parsing and rewriting its assertions: a burst of
# objects that the garbage collector walked again and again, with everything imported so far.
# The collector is tuned as after collection (below), without the collection and freeze.
fewer_collections()

# The suite-wide recorder of the project's AWS calls, the safety tests' fixtures, and
# pytester (tests of the recorder across xdist workers run pytest itself).
pytest_plugins = (
    "tests.support.safety_recorder",
    "tests.support.aws_faults",
    "tests.support.scenarios",
    "tests.support.cli",
    "tests.support.template",
    "tests.support.checkov",
    "pytester",
)

# `make unit` runs property tests with a quarter of their examples (`--hypothesis-profile=fast`);
# the full suite runs them all.
settings.register_profile("fast", max_examples=25)


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


# One botocore data loader for the whole test process. A Lambda execution environment parses
# each service's model (EC2's is megabytes of JSON) once and keeps it: the handler's session
# lives as long as the environment, and member sessions share its loader
# (remediation/org/sessions.py). The tests start every test as a new environment (a new
# session, below), which re-parsed every model in every test: about 0.2 s per client, most of
# a handler test's time. The models are read-only data, so sharing them changes no behaviour.
_SHARED_LOADER = botocore.loaders.create_loader()
#: botocore's own registration (a loader per session), for the tests of sharing it in src/.
BOTOCORE_REGISTER_DATA_LOADER = getattr(botocore.session.Session, "_register_data_loader")  # noqa: B009


def _register_shared_loader(self: Any) -> None:
    self._components.lazy_register_component("data_loader", lambda: _SHARED_LOADER)


setattr(botocore.session.Session, "_register_data_loader", _register_shared_loader)  # noqa: B010


# moto lists a response class's methods with ``inspect.getmembers`` on every request it
# answers (``moto.core.responses.BaseResponse.call_action``): a fifth of its time per request
# here. A class's functions do not change while the tests run, so the list is kept per class.
setattr(  # noqa: B010
    _moto_responses,
    "method_names_from_class",
    functools.cache(_moto_utils.method_names_from_class),
)


# botocore builds a client's class for every client: a method per operation of the service
# (EC2 has about 700), the operation models behind their docstrings, and the class itself,
# about 7 ms for EC2 (and every test starts a new session, so a new class for each client).
# The class depends only on the service's model and on the class-creation handlers, which
# every session of the test process registers alike; it holds no state of a client (each
# client's meta, config and events are its own). So the test process builds it once per
# service and API version, as it keeps the models.
_CLIENT_CLASSES: dict[tuple[str, str], type] = {}
_create_client_class = getattr(botocore.client.ClientCreator, "_create_client_class")  # noqa: B009


def _kept_client_class(self: Any, service_name: str, service_model: Any) -> type:
    key = (service_name, str(service_model.api_version))
    made = _CLIENT_CLASSES.get(key)
    if made is None:
        made = _CLIENT_CLASSES.setdefault(
            key, _create_client_class(self, service_name, service_model)
        )
    return made


setattr(botocore.client.ClientCreator, "_create_client_class", _kept_client_class)  # noqa: B010


# Each new client also wraps its service's model in a new ``ServiceModel``, which then builds
# an operation model for each of the service's operations to find the one that discovers
# endpoints (``endpoint_discovery_operation``): half of an EC2 client's making, 2 ms. The
# wrapper holds only what it derives from the model (read-only data, kept by the loader), so
# the test process keeps one per model it was made from.
_SERVICE_MODELS: dict[int, tuple[Any, Any]] = {}
_load_service_model = getattr(botocore.client.ClientCreator, "_load_service_model")  # noqa: B009


def _kept_service_model(self: Any, service_name: str, api_version: str | None = None) -> Any:
    data = self._loader.load_service_model(service_name, "service-2", api_version=api_version)
    kept = _SERVICE_MODELS.get(id(data))
    if kept is None or kept[0] is not data:  # the same model (an id alone could be reused)
        kept = (data, _load_service_model(self, service_name, api_version))
        _SERVICE_MODELS[id(data)] = kept
    return kept[1]


setattr(botocore.client.ClientCreator, "_load_service_model", _kept_service_model)  # noqa: B010


# botocore renames some events (``EVENT_ALIASES``: old service names to new ones) on every
# event a client emits or registers, and keeps each answer in its emitter; but each client
# has a copy of the emitter, with an empty store, so most of the test process's clients
# worked out the same names again: 82,000 times in the functional tests, 4 s of CPU. The
# answer depends only on the event's name and the aliases, so the process keeps one answer
# per name for the emitters that have botocore's own aliases (any other keeps its own).
_ALIASED: dict[str, str] = {}
_alias_event_name = getattr(botocore.hooks.EventAliaser, "_alias_event_name")  # noqa: B009


def _kept_alias(self: Any, event_name: str) -> str:
    own: dict[str, str] = self._alias_name_cache
    name = own.get(event_name)
    if name is None:
        if self._event_aliases != botocore.hooks.EVENT_ALIASES:
            return str(_alias_event_name(self, event_name))
        name = _ALIASED.get(event_name)
        if name is None:
            name = _ALIASED.setdefault(event_name, _alias_event_name(self, event_name))
        own[event_name] = name
    return name


setattr(botocore.hooks.EventAliaser, "_alias_event_name", _kept_alias)  # noqa: B010


# botocore checks that every handler it registers takes ``**kwargs`` by building the handler's
# signature with ``inspect`` (``botocore.hooks``, ``accepts_kwargs``), and each new client
# registers dozens: 1.5 % of the suite's time. For a plain function or a method the answer
# is its code's (``inspect`` reads a function's own ``__signature__`` first, so a function
# with one is asked afresh, as is any other callable); the process keeps it per code object.
_TAKES_KWARGS: dict[CodeType, bool] = {}
_accepts_kwargs = botocore.hooks.accepts_kwargs


def _kept_accepts_kwargs(func: Any) -> bool:
    function = func.__func__ if type(func) is MethodType else func
    if type(function) is not FunctionType or hasattr(function, "__signature__"):
        return bool(_accepts_kwargs(func))
    code = function.__code__
    found = _TAKES_KWARGS.get(code)
    if found is None:
        found = _TAKES_KWARGS.setdefault(code, bool(_accepts_kwargs(func)))
    return found


setattr(botocore.hooks, "accepts_kwargs", _kept_accepts_kwargs)  # noqa: B010


# moto's server lists its own package folder (``os.listdir`` and a ``stat`` for each of its
# 150 entries) on every request it answers (``moto.backends.list_of_moto_modules``, from
# ``DomainDispatcherApplication.get_backend_for_host``); the CLI's tests and the Terraform
# plans talk to that server. The folder does not change while the tests run.
_list_of_moto_modules = _moto_backends.list_of_moto_modules
_moto_modules = functools.cache(lambda: tuple(_list_of_moto_modules()))
setattr(_moto_backends, "list_of_moto_modules", _moto_modules)  # noqa: B010


# At the end of a test process, Python frees everything it holds, and its garbage collector
# walks what the tests left (the emulator's state, clients, parsed answers) once more before
# it does: about a second per process, after the last test, on both workers. Frozen, those
# objects are still freed, by reference counting; only cycles among them are left to the
# operating system, which takes the whole process's memory back anyway. Run at exit, after
# pytest's own last collections (which look for exceptions raised while freeing objects).
atexit.register(gc.freeze)


# ------------------------------------------------------------------ unit tests stay pure

TESTS = Path(__file__).resolve().parent


class ImpureUnitTest(AssertionError):
    """A unit test reached outside its process: it belongs in tests/functional/."""


def _refuse(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ImpureUnitTest(f"a unit test may not {what}: move it to tests/functional/")

    return refuse


def is_unit(item: pytest.Item) -> bool:
    return _in_unit(item.path)


@functools.cache
def _in_unit(path: Path) -> bool:
    """Kept per test file: three fixtures ask for every test, and resolving the path is a
    system call per part."""
    return path.resolve().is_relative_to(TESTS / "unit")


@pytest.fixture(autouse=True)
def _unit_tests_stay_pure(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit test (tests/unit/) runs the pure core on values it
    builds: no subprocess, network connection or AWS call (moto's included). Reaching for
    one fails the test. Tests marked ``slow`` (the template tools) are exempt."""
    if not is_unit(request.node) or request.node.get_closest_marker("slow"):
        return
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("start a subprocess"))
    monkeypatch.setattr(socket.socket, "connect", _refuse("open a network connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("open a network connection"))
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", _refuse("call AWS (or moto)"))


def _sdk_settings() -> tuple[object, ...]:
    """What a new boto3 session takes in when it is made: the ``AWS_`` variables (credentials,
    region, endpoint, configuration files) and the handlers botocore gives every new session
    (a tool that records calls adds one)."""
    return (
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_"))),
        # The entries themselves (kept: an id of a freed entry could be reused by another).
        tuple(BUILTIN_HANDLERS),
    )


# The function keeps its boto3 session and clients per execution environment; every test
# starts as a new environment for what the tool *reads* (below), but the session and clients
# hold nothing of moto's (moto answers through botocore's global handlers, into the backends
# the test's ``mock_aws()`` started afresh). So the test process keeps them from test to test
# as long as the settings a session takes in at its making are the same: a test that points
# the SDK elsewhere, or adds a recording handler, gets a new session (about 20 ms, and 11 ms
# for each of its five to seven clients, most of a short handler test's own time).
_MADE_UNDER: list[tuple[object, ...]] = []
_own_base_session = _runtime.base_session


def _base_session_for_the_settings() -> Any:
    current = _sdk_settings()
    if [current] != _MADE_UNDER:
        _runtime.forget_session()
        _MADE_UNDER[:] = [current]
    return _own_base_session()


setattr(_runtime, "base_session", _base_session_for_the_settings)  # noqa: B010


@pytest.fixture(autouse=True)
def _fresh_execution_environment(request: pytest.FixtureRequest) -> None:
    """Each test that runs the tool starts as a cold Lambda environment would for what the
    tool reads: no member session or account name kept from an earlier test, and no region
    facts, Resolver rules, hub records or Block Public Access options read from an earlier
    moto account. The function's own session and clients are kept while the SDK's settings
    are the same (:func:`_base_session_for_the_settings`)."""
    if is_unit(request.node):
        return
    _runtime.forget_members()
    inventory = sys.modules.get("remediation.aws.inventory")
    if inventory is not None:
        inventory.reset_caches()


@pytest.fixture(autouse=True)
def _route53_unpaced(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tool keeps 0.2 s between Route 53 requests (five a second per account); against moto
    that is only waiting: 5.8 s of the handler and CLI tests' 58. The pacing itself is tested
    with an injected clock (tests/unit/baseline/test_real_ec2_rules.py); here calls are
    counted, not timed."""
    if is_unit(request.node):
        return
    from remediation.aws import hosted_zones

    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.0)


#: Module fixtures that start a slow tool, and the xdist group of the tests that use them.
TOOL_GROUPS = {
    # SAM CLI and the SAM transform (tests/unit/templates/test_template.py)
    "tool_runs": "template-tools",
    # checkov on the stacks, the generated CloudFormation and the golden Terraform
    # (tests/support/checkov.py: one run for the whole session)
    "checkov_run": "checkov",
}


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the test process holds after collection lives as long as it: the garbage
    collector is tuned as in the demo's process, which also hosts the emulator."""
    collect_less()


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) the tests that share a tool's module fixture
    run on one worker: the fixture starts the tool once, not once a worker."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        for fixture, group in TOOL_GROUPS.items():
            if fixture in fixtures:
                item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False):  # an xdist worker, --dist loadgroup
        for item in items:
            _suffix_groups(item)


def _suffix_groups(item: pytest.Item) -> None:
    """The item's groups as xdist's scheduler reads them: ``<node id>@<group>``.

    pytest-xdist (3.8) appends them to ``item._nodeid``, which pytest 9.2's structured node
    ids (``item._id``) no longer read: the groups are silently ignored and every worker that
    gets one of the tests starts the tool again (pytest-dev/pytest-xdist#1386; the fix, #1388,
    is not released). Where the node id is structured, this suffixes it as xdist does (the
    group names sorted, joined by ``_``); with an older pytest xdist's own suffix works.
    """
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pragma: no cover - pytest < 9.2
        return
    groups = sorted(
        {
            str(m.args[0] if m.args else m.kwargs.get("name", "default"))
            for m in item.iter_markers("xdist_group")
        }
    )
    if groups and isinstance(getattr(item, "_id", None), NodeId):
        item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


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


@pytest.fixture
def aws() -> Iterator[Aws]:
    """A fresh moto account in us-east-1, with EC2's strictness patched in."""
    # Imported here: loading moto's EC2 models takes seconds, and unit tests never need them.
    from tests.support.strict_ec2 import strict_ec2
    from tests.support.strict_workloads import strict_cloudwatch

    with mock_aws(), strict_ec2() as strict, strict_cloudwatch():
        yield Aws(
            ec2=shared_client("ec2"),
            sns=shared_client("sns"),
            sqs=shared_client("sqs"),
            route53=shared_client("route53"),
            strict=strict,
        )


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
