"""What the test process keeps of botocore's and moto's work (tests/conftest.py) answers as
botocore and moto would: the same event names, the same service models, the same verdict on
which handlers take keyword arguments, and the same list of moto's services. And the
Terraform the tests read back (tests/support/hcl.py) parses as python-hcl2 parses it."""

from __future__ import annotations

import copy
import functools
import inspect
from typing import Any

import boto3
import botocore.hooks
import botocore.model
import hcl2
import lark
import moto.backends
import pytest

from tests import conftest
from tests.support import hcl

#: Event names as clients emit and register them: with a service botocore renames (each key of
#: its aliases, with and without dots), and without.
NAMES = [
    *(f"before-call.{old}.DoThing" for old in botocore.hooks.EVENT_ALIASES),
    *(f"needs-retry.{old}" for old in botocore.hooks.EVENT_ALIASES),
    "before-call.ec2.DescribeVpcs",
    "needs-retry.ec2",
    "creating-client-class",
    "before-parameter-build.route53.ListHostedZonesByVPC",
]


def botocores_own(aliases: dict[str, str] | None, name: str) -> str:
    aliaser = botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter(), aliases)
    return str(conftest._alias_event_name(aliaser, name))


def alias(aliaser: botocore.hooks.EventAliaser, name: str) -> str:
    """The name the emitter gives the event (as the test process patched it)."""
    return str(getattr(aliaser, "_alias_event_name")(name))  # noqa: B009


def test_every_event_name_is_aliased_as_botocore_aliases_it() -> None:
    first = botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter())
    later = copy.copy(first)  # a client's emitter: a copy, with its own (empty) store
    for name in NAMES:
        expected = botocores_own(None, name)
        assert alias(first, name) == expected, name
        assert alias(later, name) == expected, name
    renamed = [n for n in NAMES if botocores_own(None, n) != n]
    assert renamed  # the aliases are exercised, not only names left as they are


def test_an_emitter_with_other_aliases_keeps_its_own_answers() -> None:
    mine = {"ec2": "my-ec2"}
    for name in NAMES:
        ours = botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter(), dict(mine))
        assert alias(ours, name) == botocores_own(mine, name), name
    assert botocores_own(mine, "before-call.ec2.DescribeVpcs") == "before-call.my-ec2.DescribeVpcs"


def test_moto_s_services_are_listed_as_moto_lists_them() -> None:
    listed = moto.backends.list_of_moto_modules()
    assert tuple(listed) == tuple(conftest._list_of_moto_modules())
    assert "ec2" in listed and "route53" in listed


def test_clients_of_one_service_share_one_service_model_as_botocore_builds_it() -> None:
    session = boto3.session.Session(region_name="us-east-1")
    first, second = (session.client("ec2") for _ in range(2))
    assert first.meta.service_model is second.meta.service_model
    assert first is not second and first.meta.events is not second.meta.events
    data = session._session.get_component("data_loader").load_service_model("ec2", "service-2")
    own = botocore.model.ServiceModel(data, service_name="ec2")
    kept = first.meta.service_model
    assert kept.operation_names == own.operation_names
    assert kept.endpoint_discovery_operation == own.endpoint_discovery_operation
    assert kept.api_version == own.api_version and kept.service_id == own.service_id
    assert session.client("sts").meta.service_model.service_name == "sts"


class _Handler:
    def takes(self, **kwargs: Any) -> None: ...

    def refuses(self, event_name: str) -> None: ...

    def __call__(self, **kwargs: Any) -> None: ...


def _takes(**kwargs: Any) -> None: ...


def _refuses(event_name: str) -> None: ...


def _made() -> Any:
    """A new function each call, all of one code object (as a closure factory makes them)."""

    def handler(**kwargs: Any) -> None: ...

    return handler


_said_to_refuse = _made()
_said_to_refuse.__signature__ = inspect.Signature()  # its code takes **kwargs; it says not


@pytest.mark.parametrize(
    "handler",
    [
        _takes,
        _refuses,
        _made(),  # first: its code's answer is kept...
        _said_to_refuse,  # ...and not given to a function of that code that says otherwise
        _Handler().takes,
        _Handler().refuses,
        _Handler(),
        functools.partial(_refuses),
        lambda **kwargs: None,
        lambda event_name: None,
    ],
)
def test_a_handler_takes_keyword_arguments_as_botocore_decides(handler: Any) -> None:
    expected = bool(conftest._accepts_kwargs(handler))
    assert bool(botocore.hooks.accepts_kwargs(handler)) == expected
    assert bool(botocore.hooks.accepts_kwargs(handler)) == expected  # and again, kept


def test_a_handler_without_keyword_arguments_is_still_refused() -> None:
    with pytest.raises(ValueError, match="must accept keyword"):
        botocore.hooks.HierarchicalEmitter().register("before-call", _refuses)


CODE = """resource "aws_vpc_endpoint" "app" {
  vpc_id = "vpc-0123456789abcdef0"
  tags = {
    Name = "app\\tone"
  }
}
"""


def test_terraform_read_back_is_python_hcl2_s_tree_and_each_caller_gets_its_own_copy() -> None:
    first = hcl.parse(CODE)
    assert first == hcl._plain(hcl2.loads(CODE))
    assert hcl.resources(first, "aws_vpc_endpoint")["app"]["tags"] == {"Name": "app\tone"}
    first["resource"].clear()  # a caller changing its tree...
    second = hcl.parse(CODE)  # ...changes nobody else's
    assert hcl.resources(second, "aws_vpc_endpoint")["app"]["vpc_id"] == "vpc-0123456789abcdef0"
    assert second is not first
    assert hcl.parse(CODE.replace("app", "web")) != second  # kept per text


def test_terraform_that_does_not_parse_raises_every_time() -> None:
    broken = 'resource "aws_vpc" "a" {\n'
    for _ in range(2):
        with pytest.raises(lark.exceptions.UnexpectedInput):
            hcl.parse(broken)
