"""The executor's registry: one applier per action kind, each calling exactly what its kind
declares (``PERMISSIONS``), and nothing it did not declare. Pure: no emulator."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from remediation.actions import (
    ACTION_KINDS,
    Action,
    AuthorizeIngress,
    CreateGatewayEndpoint,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
    EnableVpcAttribute,
    ModifyEndpoint,
    RevokeIngress,
)
from remediation.executor.appliers import REGISTRY
from remediation.executor.step import RunContext, RunState, Step, Timing, UndeclaredCall
from remediation.model import IngressRule


def test_every_action_kind_has_an_applier() -> None:
    missing = [k.__name__ for k in ACTION_KINDS if k not in REGISTRY]
    assert missing == []
    assert set(REGISTRY) == set(ACTION_KINDS)


@pytest.mark.parametrize("kind", ACTION_KINDS, ids=lambda k: k.KIND)
def test_an_applier_needs_exactly_its_kinds_permissions(kind: Any) -> None:
    """Each declared call is a permission of the kind, and each permission is used."""
    assert REGISTRY[kind].permissions() == frozenset(kind.PERMISSIONS)
    assert f"ec2:{kind.API}" in REGISTRY[kind].permissions()


def sample_action(kind: type[Action]) -> Action:
    """One action of each kind, with every field an applier reads."""
    samples: list[Action] = [
        EnableVpcAttribute(vpc_id="vpc-1", reason="r", attribute="enableDnsHostnames"),
        CreateSecurityGroup(
            vpc_id="vpc-1", reason="r", group_name="g", cidr_blocks=("10.0.0.0/16",)
        ),
        AuthorizeIngress(vpc_id="vpc-1", reason="r", group_id="sg-1", cidr_blocks=("10.0.0.0/16",)),
        RevokeIngress(
            vpc_id="vpc-1",
            reason="r",
            group_id="sg-1",
            rules=(IngressRule(protocol="tcp", from_port=22, to_port=22, cidr_ipv4="0.0.0.0/0"),),
        ),
        CreateInterfaceEndpoint(
            vpc_id="vpc-1", reason="r", service_name="s", subnet_ids=("subnet-1",), client_token="t"
        ),
        CreateGatewayEndpoint(
            vpc_id="vpc-1",
            reason="r",
            service_name="s",
            route_table_ids=("rtb-1",),
            client_token="t",
        ),
        ModifyEndpoint(
            vpc_id="vpc-1",
            reason="r",
            endpoint_id="vpce-1",
            enable_private_dns=True,
            add_subnet_ids=("subnet-1",),
            add_group_ids=("sg-1",),
            remove_group_ids=("sg-2",),
            add_route_table_ids=("rtb-1",),
            policy_document="{}",
        ),
    ]
    (found,) = [a for a in samples if type(a) is kind]
    return found


class Recording:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append(name)
            return {}

        return call


def _step(ec2: Any, calls: frozenset[str]) -> Step:
    action = EnableVpcAttribute(vpc_id="vpc-1", reason="r", attribute="enableDnsSupport")
    return Step(
        ec2=ec2,
        reader=None,  # type: ignore[arg-type]
        context=RunContext(),
        state=RunState(),
        timing=Timing(),
        action=action,
        calls=calls,
    )


def test_a_call_the_applier_did_not_declare_is_refused_before_it_reaches_ec2() -> None:
    ec2 = Recording()
    step = _step(ec2, frozenset({"modify_vpc_attribute"}))
    with pytest.raises(UndeclaredCall):
        step.call("create_vpc_endpoint", VpcId="vpc-1")
    step.call("modify_vpc_attribute", VpcId="vpc-1")
    assert ec2.calls == ["modify_vpc_attribute"]


@pytest.mark.parametrize("kind", ACTION_KINDS, ids=lambda k: k.KIND)
def test_an_applier_runs_with_only_its_declared_calls(kind: Any) -> None:
    """Each applier's code calls only declared methods: run it against a client that
    answers anything, through a step that allows only the declaration."""
    ec2 = Recording()
    action = sample_action(kind)
    step = _step(ec2, REGISTRY[kind].calls)
    step.action = action

    class Reader:
        def __getattr__(self, name: str) -> Any:
            return lambda *a, **k: []

    step.reader = Reader()  # type: ignore[assignment]
    with contextlib.suppress(KeyError, TypeError):  # the fake answers {}: the calls matter
        REGISTRY[kind].apply(step, action)
    assert ec2.calls, kind
    assert set(ec2.calls) <= REGISTRY[kind].calls
