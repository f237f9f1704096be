"""Blackhole routes read as the path the network intends where it matters for safety (EC2 API
reference, ``Route``, ``state``: blackhole when the target is unavailable, such as a stopped
appliance or a replaced endpoint). A default route to inspection keeps the table inspected; a
route to another network keeps its consumers' rules; a way out that leads nowhere now makes no
table public and none inspected. Pure: snapshots built by hand."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from remediation import actions as A
from remediation.baseline import security_groups as G
from remediation.baseline.inspected_egress import EGRESS_INSPECTED
from remediation.config import Settings
from remediation.engine.vpc import assess
from remediation.findings import Finding
from remediation.model import IngressRule, Route, RouteTable, SecurityGroup, VpcSnapshot
from remediation.topology.inspection import inspected_egress
from remediation.topology.routes import private_route_tables
from tests.support.snapshots import (
    GWLB,
    VPC,
    compliant,
    gateway,
    https,
    interface,
    three_az,
    tool_group,
)

DAY = "2026-12-06"
PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
TABLES = ("rtb-priv-a", "rtb-priv-b", "rtb-priv-c")
CORE = "arn:aws:networkmanager::123456789012:core-network/core-network-0abc"
INSPECTION_TARGETS = ["tgw-0123456789abcdef0", "vpce-0fw1", "eni-0firewall", "i-0firewall", CORE]


def private_default(
    target: str, *, blackhole: bool, destination: str = "0.0.0.0/0", **changes: Any
) -> VpcSnapshot:
    """three_az() with every private table's default route to ``target``, blackhole or active."""
    base = three_az(endpoints=(GWLB,), **changes)
    route = (Route(destination, target),)
    tables = tuple(
        dataclasses.replace(t, routes=(), blackholes=route)
        if blackhole and t.route_table_id in TABLES
        else dataclasses.replace(t, routes=route)
        if t.route_table_id in TABLES
        else t
        for t in base.route_tables
    )
    return dataclasses.replace(base, route_tables=tables)


def egress_finding(snapshot: VpcSnapshot) -> tuple[Finding, list[A.Action]]:
    findings, actions = assess(snapshot, Settings(), DAY)
    (finding,) = [f for f in findings if f.code == EGRESS_INSPECTED]
    return finding, list(actions)


def creates(actions: list[A.Action]) -> list[A.Action]:
    return [
        a for a in actions if isinstance(a, A.CreateInterfaceEndpoint | A.CreateGatewayEndpoint)
    ]


@pytest.mark.parametrize("target", INSPECTION_TARGETS)
@pytest.mark.parametrize("destination", ["0.0.0.0/0", "::/0"])
def test_a_blackhole_default_route_to_inspection_keeps_the_table_inspected(
    target: str, destination: str
) -> None:
    snap = private_default(target, blackhole=True, destination=destination)
    assert [i.route_table_id for i in inspected_egress(snap)] == list(TABLES)
    finding, actions = egress_finding(snap)
    assert not creates(actions)  # report mode: no endpoint, no S3 route
    assert target in finding.message and "blackhole" in finding.message
    assert "unavailable now" in finding.message


@pytest.mark.parametrize("target", INSPECTION_TARGETS)
def test_the_same_route_active_is_judged_as_before(target: str) -> None:
    finding, actions = egress_finding(private_default(target, blackhole=False))
    assert not creates(actions)
    assert target in finding.message and "blackhole" not in finding.message


def test_an_active_default_route_is_named_before_a_blackhole_one() -> None:
    base = private_default("tgw-1", blackhole=False)
    tables = tuple(
        dataclasses.replace(t, blackholes=(Route("::/0", "eni-0firewall"),))
        if t.route_table_id in TABLES
        else t
        for t in base.route_tables
    )
    found = inspected_egress(dataclasses.replace(base, route_tables=tables))
    assert [i.why for i in found] == [f"{t} (0.0.0.0/0 to transit gateway tgw-1)" for t in TABLES]


@pytest.mark.parametrize("target", ["nat-1", "igw-1"])
def test_a_blackhole_nat_or_internet_gateway_route_is_not_inspection(target: str) -> None:
    snap = private_default(target, blackhole=True)
    assert inspected_egress(snap) == ()
    # Private as before: a blackhole internet gateway route makes no subnet public.
    assert [t.route_table_id for t in private_route_tables(snap)] == list(TABLES)
    findings, actions = assess(snap, Settings(), DAY)
    assert EGRESS_INSPECTED not in {f.code for f in findings}
    assert any(isinstance(a, A.CreateGatewayEndpoint) for a in actions)


def behind_blackhole(route: Route, rule: IngressRule) -> VpcSnapshot:
    """The compliant VPC, its ecr.api endpoint carrying a user's group of ``rule`` and the
    tool's group admitting it too, the only route leading out ``route``, blackhole."""
    user = SecurityGroup("sg-user", VPC, "user", ingress=(https("10.0.0.0/16"), rule))
    base = compliant()
    return dataclasses.replace(
        base,
        route_tables=(*base.route_tables, RouteTable("rtb-transit", VPC, blackholes=(route,))),
        endpoints=(
            interface("ecr.api", *PRIV, groups=("sg-user",)),
            interface("ecr.dkr", *PRIV),
            gateway(*TABLES),
        ),
        security_groups=(tool_group(https("10.0.0.0/16"), rule), user),
    )


@pytest.mark.parametrize("target", ["tgw-1", "pcx-1", "vgw-1", CORE, "lgw-1"])
@pytest.mark.parametrize(
    "every", [https("0.0.0.0/0"), IngressRule("tcp", 443, 443, cidr_ipv6="::/0")]
)
def test_a_blackhole_route_to_another_network_still_protects_its_consumers(
    target: str, every: IngressRule
) -> None:
    """Every address is too wide only while no route leads to another network: a blackhole
    one does, so neither the user's group is detached nor the tool's rule revoked."""
    snap = behind_blackhole(Route("198.51.100.0/24", target), every)
    findings, actions = assess(snap, Settings(), DAY)
    assert not any(isinstance(a, A.ModifyEndpoint) and a.remove_group_ids for a in actions)
    assert not any(isinstance(a, A.RevokeIngress) for a in actions)
    by_code = {f.code: f.message for f in findings}
    assert "endpoint-group-too-wide" not in by_code and G.TOOL_GROUP_EXTRA_RULE not in by_code
    assert G.Reach.OPEN_ROUTED.value in by_code[G.TOOL_GROUP_UNVERIFIED]


def test_a_source_behind_a_blackhole_route_is_a_private_consumer() -> None:
    """A source under a blackhole transit gateway route is a consumer outside the VPC (kept,
    ``info``), as under an active one, not a source nobody routes to."""
    snap = behind_blackhole(Route("198.51.100.0/24", "tgw-1"), https("198.51.100.7/32"))
    codes = {f.code for f in assess(snap, Settings(), DAY)[0]}
    assert {"endpoint-group-admits-outside-consumers", G.TOOL_GROUP_OPERATOR_RULE} <= codes
    assert G.TOOL_GROUP_UNVERIFIED not in codes


def test_a_blackhole_route_to_a_nat_gateway_leads_to_no_consumer() -> None:
    """Every address with no route to another network, blackhole or not: still too wide."""
    snap = behind_blackhole(Route("198.51.100.0/24", "nat-1"), https("0.0.0.0/0"))
    findings, actions = assess(snap, Settings(), DAY)
    assert {"endpoint-group-too-wide", G.TOOL_GROUP_EXTRA_RULE} <= {f.code for f in findings}
    assert any(isinstance(a, A.RevokeIngress) for a in actions)
