"""Who counts as a consumer outside the VPC (issue 20 item 4), on snapshots: a source is private
in private address space or under a route of the VPC to a peering connection, a transit
gateway, a virtual private gateway, a Cloud WAN core network or a local gateway; other outside
sources are a person's call; only what cuts off nobody is repaired."""

from __future__ import annotations

import dataclasses

import pytest

from remediation import actions as A
from remediation.baseline import security_groups as G
from remediation.config import Settings
from remediation.engine.vpc import assess
from remediation.model import IngressRule, Route, RouteTable, SecurityGroup, VpcSnapshot
from tests.support.snapshots import VPC, compliant, gateway, https, interface, tool_group

DAY = "2026-12-06"
PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
PEER_V6 = "2600:1f18:abcd:1200::/56"
CORE = "arn:aws:networkmanager::123456789012:core-network/core-network-0123456789abcdef0"


def v6(cidr: str) -> IngressRule:
    return IngressRule("tcp", 443, 443, cidr_ipv6=cidr)


def with_routes(*routes: Route, rules: tuple[IngressRule, ...]) -> VpcSnapshot:
    """The compliant VPC, its ecr.api endpoint carrying a user's group of ``rules``, and a
    route table holding ``routes`` (associated with no subnet: any table counts)."""
    user = SecurityGroup("sg-user", VPC, "user", ingress=(https("10.0.0.0/16"), *rules))
    base = compliant()
    table = RouteTable("rtb-transit", VPC, routes=routes)
    return dataclasses.replace(
        base,
        route_tables=(*base.route_tables, table),
        endpoints=(
            interface("ecr.api", *PRIV, groups=("sg-user",)),
            interface("ecr.dkr", *PRIV),
            gateway("rtb-priv-a", "rtb-priv-b", "rtb-priv-c"),
        ),
        security_groups=(tool_group(), user),
    )


def codes(snapshot: VpcSnapshot) -> list[str]:
    findings, actions = assess(snapshot, Settings(), DAY)
    assert not any(isinstance(a, A.ModifyEndpoint) and a.remove_group_ids for a in actions)
    return [f.code for f in findings]


OUTSIDE = "endpoint-group-admits-outside-consumers"
PERSON = "endpoint-group-unverified-outside-sources"


@pytest.mark.parametrize(
    ("route", "rule", "expected"),
    [
        (Route(PEER_V6, "pcx-1"), v6(PEER_V6), [OUTSIDE]),  # a peered VPC's IPv6 block
        (Route(PEER_V6, "pcx-1"), v6("2600:1f18:abcd:1200::/64"), [OUTSIDE]),  # within it
        (Route("198.51.100.0/24", "tgw-1"), https("198.51.100.7/32"), [OUTSIDE]),
        (Route("0.0.0.0/0", "tgw-1"), https("203.0.113.9/32"), [OUTSIDE]),  # TGW default route
        (Route("198.51.100.0/24", "vgw-1"), https("198.51.100.7/32"), [OUTSIDE]),
        (Route("198.51.100.0/24", CORE), https("198.51.100.7/32"), [OUTSIDE]),
        (Route("198.51.100.0/24", "lgw-1"), https("198.51.100.7/32"), [OUTSIDE]),
        # Not behind such a route: a person's call, never detached.
        (Route(PEER_V6, "pcx-1"), v6("2600:1f18:ffff::/56"), [PERSON]),
        (Route("198.51.100.0/24", "nat-1"), https("198.51.100.7/32"), [PERSON]),
        (Route("198.51.100.0/24", "eni-1"), https("198.51.100.7/32"), [PERSON]),
        (Route("pl-0123", "tgw-1"), https("198.51.100.7/32"), [PERSON]),  # extent unknown
        (Route("198.51.100.0/24", "tgw-1"), https("198.51.0.0/16"), [PERSON]),  # wider
        # Every address while a route leads out: consumers behind it use the rule.
        (Route(PEER_V6, "pcx-1"), https("0.0.0.0/0"), [PERSON]),
        (Route(PEER_V6, "pcx-1"), v6("::/0"), [PERSON]),
        # More than TCP 443 from a routed consumer: detaching would cut its 443 too.
        (
            Route("198.51.100.0/24", "tgw-1"),
            IngressRule("-1", None, None, cidr_ipv4="198.51.100.0/24"),
            [PERSON],
        ),
    ],
)
def test_outside_sources_are_never_cut_off(
    route: Route, rule: IngressRule, expected: list[str]
) -> None:
    assert codes(with_routes(route, rules=(rule,))) == expected


@pytest.mark.parametrize(
    "rule",
    [
        https("0.0.0.0/0"),  # nothing outside can reach the endpoint: no route leads out
        IngressRule("tcp", 22, 22, cidr_ipv4="198.51.100.0/24"),  # not 443: nobody's endpoint use
    ],
)
def test_what_cuts_off_nobody_is_still_swapped(rule: IngressRule) -> None:
    snapshot = with_routes(Route("0.0.0.0/0", "nat-1"), rules=(rule,))
    findings, actions = assess(snapshot, Settings(), DAY)
    assert [f.code for f in findings] == ["endpoint-group-too-wide"]
    (modify,) = actions
    assert isinstance(modify, A.ModifyEndpoint) and modify.remove_group_ids == ("sg-user",)


def test_the_tool_s_group_keeps_a_routed_ipv6_block_and_reports_an_unrouted_one() -> None:
    routed, unrouted = v6(PEER_V6), v6("2600:1f18:ffff::/56")
    base = compliant()
    snapshot = dataclasses.replace(
        base,
        route_tables=(
            *base.route_tables,
            RouteTable("rtb-peer", VPC, routes=(Route(PEER_V6, "pcx-1"),)),
        ),
        security_groups=(tool_group(https("10.0.0.0/16"), routed, unrouted),),
    )
    findings, actions = assess(snapshot, Settings(), DAY)
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {G.TOOL_GROUP_UNVERIFIED, G.TOOL_GROUP_OPERATOR_RULE}
    assert "2600:1f18:ffff::/56" in by_code[G.TOOL_GROUP_UNVERIFIED].message
    assert PEER_V6 in by_code[G.TOOL_GROUP_OPERATOR_RULE].message
    assert not any(isinstance(a, A.RevokeIngress) for a in actions)
