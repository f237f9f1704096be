"""Table-driven tests of the pure core: topology in, findings and actions out. No AWS."""

from __future__ import annotations

import dataclasses

import pytest

from remediation import actions as A
from remediation.baseline import evaluate
from remediation.config import Settings, load_settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.model import IngressRule, Route, RouteTable, SecurityGroup, Subnet, VpcSnapshot
from remediation.plan import client_token, plan
from remediation.topology.endpoints import target_azs
from remediation.topology.routes import private_route_tables, private_subnets
from tests.support.snapshots import (
    VPC,
    compliant,
    gateway,
    https,
    interface,
    svc,
    three_az,
    tool_group,
)

DAY = "2026-11-28"
SETTINGS = Settings()
PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
PRIV_TABLES = ("rtb-priv-a", "rtb-priv-b", "rtb-priv-c")


def codes(snapshot: VpcSnapshot, settings: Settings = SETTINGS) -> list[str]:
    return [f.code for f in evaluate(snapshot, settings)]


def kinds(snapshot: VpcSnapshot, settings: Settings = SETTINGS) -> list[str]:
    return [a.KIND for a in assess(snapshot, settings, DAY)[1]]


# --------------------------------------------------------------------------- topology


@pytest.mark.parametrize(
    ("tables", "expected_private"),
    [
        # main table without IGW route: every unassociated subnet is private
        ((RouteTable("rtb-m", VPC, is_main=True),), {"s-1", "s-2"}),
        # main table with an IGW default route: unassociated subnets are public
        ((RouteTable("rtb-m", VPC, is_main=True, routes=(Route("0.0.0.0/0", "igw-1"),)),), set()),
        # explicit association overrides a public main table
        (
            (
                RouteTable("rtb-m", VPC, is_main=True, routes=(Route("0.0.0.0/0", "igw-1"),)),
                RouteTable("rtb-p", VPC, subnet_ids=frozenset({"s-1"})),
            ),
            {"s-1"},
        ),
        # IPv6 default route to an IGW makes it public too
        ((RouteTable("rtb-m", VPC, is_main=True, routes=(Route("::/0", "igw-1"),)),), set()),
        # an egress-only IGW does not make a subnet public
        (
            (RouteTable("rtb-m", VPC, is_main=True, routes=(Route("::/0", "eigw-1"),)),),
            {"s-1", "s-2"},
        ),
        # a default route to a NAT gateway keeps it private
        (
            (RouteTable("rtb-m", VPC, is_main=True, routes=(Route("0.0.0.0/0", "nat-1"),)),),
            {"s-1", "s-2"},
        ),
        # a non-default route to an IGW does not make it public
        (
            (RouteTable("rtb-m", VPC, is_main=True, routes=(Route("1.2.3.0/24", "igw-1"),)),),
            {"s-1", "s-2"},
        ),
    ],
)
def test_private_subnets(tables: tuple[RouteTable, ...], expected_private: set[str]) -> None:
    snap = VpcSnapshot(
        VPC,
        "us-east-1",
        "1",
        ("10.0.0.0/16",),
        True,
        True,
        subnets=(
            Subnet("s-1", VPC, "us-east-1a", "10.0.1.0/24"),
            Subnet("s-2", VPC, "us-east-1b", "10.0.2.0/24"),
        ),
        route_tables=tables,
    )
    assert {s.subnet_id for s in private_subnets(snap)} == expected_private


def test_main_route_table_counts_when_it_serves_private_subnets() -> None:
    snap = three_az()
    snap = dataclasses.replace(
        snap, subnets=(*snap.subnets, Subnet("subnet-orphan", VPC, "us-east-1a", "10.0.50.0/24"))
    )
    assert [t.route_table_id for t in private_route_tables(snap)] == [
        "rtb-main",
        "rtb-priv-a",
        "rtb-priv-b",
        "rtb-priv-c",
    ]


def test_target_azs_with_a_limit_prefers_zones_with_most_private_subnets() -> None:
    snap = three_az()
    extra = (Subnet("subnet-priv-c2", VPC, "us-east-1c", "10.0.30.0/24"),)
    tables = tuple(
        dataclasses.replace(t, subnet_ids=t.subnet_ids | {"subnet-priv-c2"})
        if t.route_table_id == "rtb-priv-c"
        else t
        for t in snap.route_tables
    )
    snap = dataclasses.replace(snap, subnets=snap.subnets + extra, route_tables=tables)
    assert target_azs(snap) == ("us-east-1a", "us-east-1b", "us-east-1c")
    assert target_azs(snap, 2) == ("us-east-1a", "us-east-1c")


# --------------------------------------------------------------------------- rules, table


CASES = [
    ("compliant", compliant(), []),
    (
        "dns support off",
        compliant(dns_support=False, dns_hostnames=False),
        ["dns-support-disabled", "dns-hostnames-disabled"],
    ),
    ("nothing at all", three_az(), ["endpoint-missing", "endpoint-missing", "gateway-missing"]),
    (
        "no subnets",
        three_az(subnets=(), route_tables=(RouteTable("rtb-main", VPC, is_main=True),)),
        [
            "endpoint-waiting-for-private-subnets",
            "endpoint-waiting-for-private-subnets",
            "gateway-waiting-for-private-route-tables",
        ],
    ),
    (
        "private dns off",
        compliant(
            endpoints=(
                interface("ecr.api", *PRIV, dns=False),
                interface("ecr.dkr", *PRIV),
                gateway(*PRIV_TABLES),
            )
        ),
        ["endpoint-private-dns-disabled"],
    ),
    (
        "one AZ uncovered",
        compliant(
            endpoints=(
                interface("ecr.api", *PRIV[:2]),
                interface("ecr.dkr", *PRIV),
                gateway(*PRIV_TABLES),
            )
        ),
        ["endpoint-az-uncovered"],
    ),
    (
        "covers an AZ through a public subnet",
        compliant(
            endpoints=(
                interface("ecr.api", "subnet-pub-a", *PRIV[1:]),
                interface("ecr.dkr", *PRIV),
                gateway(*PRIV_TABLES),
            )
        ),
        ["endpoint-in-public-subnet"],
    ),
    (
        "partial S3 association",
        compliant(
            endpoints=(
                interface("ecr.api", *PRIV),
                interface("ecr.dkr", *PRIV),
                gateway(*PRIV_TABLES[:1]),
            )
        ),
        ["gateway-route-table-missing"],
    ),
    (
        "two usable ecr.api endpoints",
        compliant(
            endpoints=(
                interface("ecr.api", *PRIV, endpoint_id="vpce-2"),
                interface("ecr.api", *PRIV[:1], endpoint_id="vpce-1", dns=False),
                interface("ecr.dkr", *PRIV),
                gateway(*PRIV_TABLES),
            )
        ),
        ["endpoint-duplicate"],
    ),
]


@pytest.mark.parametrize(("label", "snapshot", "expected"), CASES, ids=[c[0] for c in CASES])
def test_findings(label: str, snapshot: VpcSnapshot, expected: list[str]) -> None:
    assert codes(snapshot) == expected


@pytest.mark.parametrize("state", ["pending", "available", "pendingAcceptance"])
def test_pending_and_available_endpoints_count_as_present(state: str) -> None:
    snap = compliant(
        endpoints=(
            interface("ecr.api", *PRIV, state=state),
            interface("ecr.dkr", *PRIV),
            gateway(*PRIV_TABLES),
        )
    )
    assert codes(snap) == []


@pytest.mark.parametrize("state", ["deleting", "deleted", "failed", "rejected", "expired"])
def test_endpoints_in_other_states_do_not_count(state: str) -> None:
    snap = compliant(
        endpoints=(
            interface("ecr.api", *PRIV, state=state),
            interface("ecr.dkr", *PRIV),
            gateway(*PRIV_TABLES),
        )
    )
    findings, actions = assess(snap, SETTINGS, DAY)
    assert [f.code for f in findings] == ["endpoint-missing"]
    (create,) = actions
    assert isinstance(create, A.CreateInterfaceEndpoint)
    assert create.wait_for_deletion == (("vpce-ecr.api",) if state == "deleting" else ())


# --------------------------------------------------------------------------- security groups


def with_groups(endpoint_groups: tuple[str, ...], *groups: SecurityGroup) -> VpcSnapshot:
    return compliant(
        endpoints=(
            interface("ecr.api", *PRIV, groups=endpoint_groups),
            interface("ecr.dkr", *PRIV),
            gateway(*PRIV_TABLES),
        ),
        security_groups=(tool_group(), *groups),
    )


def test_wide_group_is_swapped_off_not_edited() -> None:
    wide = SecurityGroup("sg-wide", VPC, "shared", ingress=(https("0.0.0.0/0"),))
    findings, actions = assess(with_groups(("sg-wide",), wide), SETTINGS, DAY)
    assert [f.code for f in findings] == ["endpoint-group-too-wide"]
    (modify,) = actions
    assert isinstance(modify, A.ModifyEndpoint)
    assert modify.add_group_ids == ("sg-tool",)
    assert modify.remove_group_ids == ("sg-wide",)
    assert not any(isinstance(a, A.RevokeIngress | A.AuthorizeIngress) for a in actions)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (https("10.0.0.0/16"), []),
        (https("10.0.5.0/24"), []),  # a range inside the VPC
        (IngressRule("tcp", 443, 443, source_group_id="sg-tool"), []),  # a group of the VPC
        # Issue 11 item 5: other traffic from inside the VPC is not "too wide" any more.
        (IngressRule("tcp", 0, 65535, cidr_ipv4="10.0.0.0/16"), []),
        (IngressRule("-1", None, None, cidr_ipv4="10.0.0.0/16"), []),
        # Private networks outside the VPC are legitimate consumers: reported, never detached.
        (https("10.1.0.0/16"), ["endpoint-group-admits-outside-consumers"]),
        (https("100.64.0.0/10"), ["endpoint-group-admits-outside-consumers"]),
        (
            IngressRule("tcp", 443, 443, cidr_ipv6="fd00:1::/64"),
            ["endpoint-group-admits-outside-consumers"],
        ),
        (
            IngressRule("tcp", 443, 443, prefix_list_id="pl-1"),
            ["endpoint-group-admits-outside-consumers"],
        ),  # unknown extent
        (
            IngressRule("tcp", 443, 443, source_group_id="sg-of-a-peer"),
            ["endpoint-group-admits-outside-consumers"],
        ),  # another VPC's or account's group
        # Too wide: every address while no route leads out of the VPC, or other ports from
        # outside it (an endpoint serves TCP 443 only: no consumer is cut off).
        (IngressRule("tcp", 443, 443, cidr_ipv6="::/0"), ["endpoint-group-too-wide"]),
        (https("0.0.0.0/0"), ["endpoint-group-too-wide"]),
        (IngressRule("tcp", 22, 22, cidr_ipv4="10.1.0.0/16"), ["endpoint-group-too-wide"]),
        # Issue 20 item 4: other sources outside the VPC are a person's call, never detached.
        (https("8.0.0.0/7"), ["endpoint-group-unverified-outside-sources"]),  # public
        (https("10.0.0.0/7"), ["endpoint-group-unverified-outside-sources"]),  # partly public
        (
            IngressRule("-1", None, None, cidr_ipv4="10.1.0.0/16"),  # 443 and more, private
            ["endpoint-group-unverified-outside-sources"],
        ),
    ],
)
def test_what_counts_as_too_wide(rule: IngressRule, expected: list[str]) -> None:
    group = SecurityGroup("sg-user", VPC, "user", ingress=(rule, https("10.0.0.0/16")))
    assert codes(with_groups(("sg-user",), group)) == expected


def test_a_wide_group_that_also_serves_private_consumers_is_never_detached() -> None:
    group = SecurityGroup(
        "sg-shared", VPC, "shared", ingress=(https("0.0.0.0/0"), https("192.168.0.0/16"))
    )
    findings, actions = assess(with_groups(("sg-shared",), group), SETTINGS, DAY)
    assert [(f.code, f.severity) for f in findings] == [
        ("endpoint-group-admits-outside-consumers", Severity.INFO),
        ("endpoint-group-too-wide-kept", Severity.MANUAL),
    ]
    assert actions == ()


def test_groups_must_admit_every_cidr_block_secondary_too() -> None:
    narrow = SecurityGroup("sg-user", VPC, "user", ingress=(https("10.0.0.0/16"),))
    snap = dataclasses.replace(
        with_groups(("sg-user",), narrow), cidr_blocks=("10.0.0.0/16", "100.64.0.0/16")
    )
    findings, actions = assess(snap, SETTINGS, DAY)
    assert "endpoint-group-insufficient" in [f.code for f in findings]
    # and the tool's own group learns the new block too
    assert "tool-group-cidr-missing" in [f.code for f in findings]
    authorize = next(a for a in actions if isinstance(a, A.AuthorizeIngress))
    assert authorize.cidr_blocks == ("100.64.0.0/16",)


def test_extra_rule_on_the_tools_own_group_is_revoked() -> None:
    group = tool_group(https("10.0.0.0/16"), https("0.0.0.0/0"))
    snap = compliant(security_groups=(group,))
    findings, actions = assess(snap, SETTINGS, DAY)
    assert [f.code for f in findings] == ["tool-group-extra-rule"]
    (revoke,) = actions
    assert isinstance(revoke, A.RevokeIngress)
    assert revoke.group_id == "sg-tool"
    assert revoke.rules == (https("0.0.0.0/0"),)


def test_a_group_the_tool_did_not_create_is_never_revoked_from() -> None:
    wide = SecurityGroup("sg-wide", VPC, "shared", ingress=(https("0.0.0.0/0"),))
    for snap in (with_groups(("sg-wide",), wide), three_az(security_groups=(wide,))):
        _, actions = assess(snap, SETTINGS, DAY)
        for action in actions:
            if isinstance(action, A.RevokeIngress | A.AuthorizeIngress):
                assert action.group_id != "sg-wide"


# --------------------------------------------------------------------------- planning


def test_plan_orders_dns_support_hostnames_group_then_endpoints() -> None:
    snap = three_az(dns_support=False, dns_hostnames=False)
    actions = assess(snap, SETTINGS, DAY)[1]
    assert [a.KIND for a in actions] == [
        "enable-vpc-attribute",
        "enable-vpc-attribute",
        "create-security-group",
        "create-interface-endpoint",
        "create-interface-endpoint",
        "create-gateway-endpoint",
    ]
    assert [a.attribute for a in actions[:2]] == ["enableDnsSupport", "enableDnsHostnames"]  # type: ignore[attr-defined]
    created = [a for a in actions if isinstance(a, A.CreateInterfaceEndpoint)]
    assert all(a.group_ids == (A.TOOL_GROUP,) for a in created)
    assert all(len(a.subnet_ids) == 3 for a in created)


def test_existing_tool_group_is_reused_not_created() -> None:
    snap = three_az(security_groups=(tool_group(),))
    actions = assess(snap, SETTINGS, DAY)[1]
    assert "create-security-group" not in [a.KIND for a in actions]
    created = [a for a in actions if isinstance(a, A.CreateInterfaceEndpoint)]
    assert all(a.group_ids == ("sg-tool",) for a in created)


def test_repairs_of_one_endpoint_merge_into_one_call() -> None:
    wide = SecurityGroup("sg-wide", VPC, "shared", ingress=(https("0.0.0.0/0"),))
    snap = compliant(
        endpoints=(
            interface("ecr.api", *PRIV[:1], dns=False, groups=("sg-wide",)),
            interface("ecr.dkr", *PRIV),
            gateway(*PRIV_TABLES),
        ),
        security_groups=(tool_group(), wide),
    )
    # One call for the security and DNS repairs; the AZ additions in a call of their own,
    # so that a refused zone never blocks them (issue 11).
    (modify, subnets) = assess(snap, SETTINGS, DAY)[1]
    assert isinstance(modify, A.ModifyEndpoint)
    assert isinstance(subnets, A.ModifyEndpoint)
    assert modify.enable_private_dns
    assert modify.add_subnet_ids == ()
    assert modify.add_group_ids == ("sg-tool",)
    assert modify.remove_group_ids == ("sg-wide",)
    assert subnets.endpoint_id == modify.endpoint_id
    assert subnets.add_subnet_ids == PRIV[1:]
    assert not (subnets.enable_private_dns or subnets.add_group_ids or subnets.remove_group_ids)


def test_subnet_choice_is_most_free_addresses_then_lowest_id() -> None:
    snap = three_az()
    extra = (
        Subnet("subnet-priv-a0", VPC, "us-east-1a", "10.0.40.0/24", 100),
        Subnet("subnet-priv-a9", VPC, "us-east-1a", "10.0.41.0/24", 4000),
    )
    tables = tuple(
        dataclasses.replace(t, subnet_ids=t.subnet_ids | {"subnet-priv-a0", "subnet-priv-a9"})
        if t.route_table_id == "rtb-priv-a"
        else t
        for t in snap.route_tables
    )
    snap = dataclasses.replace(snap, subnets=snap.subnets + extra, route_tables=tables)
    create = next(
        a for a in assess(snap, SETTINGS, DAY)[1] if isinstance(a, A.CreateInterfaceEndpoint)
    )
    assert create.subnet_ids == ("subnet-priv-a9", "subnet-priv-b", "subnet-priv-c")


def test_client_tokens_are_shared_by_equal_views_and_change_after_a_deletion() -> None:
    snap = three_az()
    assert client_token(snap, svc("ecr.api"), DAY) == client_token(snap, svc("ecr.api"), DAY)
    assert client_token(snap, svc("ecr.api"), DAY) != client_token(snap, svc("ecr.dkr"), DAY)
    after = three_az(endpoints=(interface("ecr.api", *PRIV, state="deleted"),))
    assert client_token(snap, svc("ecr.api"), DAY) != client_token(after, svc("ecr.api"), DAY)
    assert client_token(snap, svc("ecr.api"), DAY) != client_token(
        snap, svc("ecr.api"), "2026-11-29"
    )
    assert len(client_token(snap, svc("ecr.api"), DAY)) <= 64


def test_plan_is_empty_for_a_compliant_vpc() -> None:
    assert plan(compliant(), evaluate(compliant(), SETTINGS), day=DAY) == ()


# --------------------------------------------------------------------------- configuration


def test_extra_services_need_no_code() -> None:
    settings = load_settings({"SERVICES": "ecr.api,ecr.dkr,logs:interface,s3:gateway"})
    assert "endpoint-missing" in codes(compliant(), settings)
    create = next(
        a for a in assess(compliant(), settings, DAY)[1] if isinstance(a, A.CreateInterfaceEndpoint)
    )
    assert create.service_name == svc("logs")


def test_gateway_report_only_keeps_s3_changes_out_of_the_plan() -> None:
    settings = load_settings({"GATEWAY_REPORT_ONLY": "true"})
    findings, actions = assess(three_az(), settings, DAY)
    assert "gateway-missing" in [f.code for f in findings]
    assert "create-gateway-endpoint" not in [a.KIND for a in actions]


def test_az_limit_accepts_fewer_azs_and_creates_in_that_many() -> None:
    settings = load_settings({"MAX_AZS_PER_ENDPOINT": "2"})
    two = compliant(
        endpoints=(
            interface("ecr.api", *PRIV[:2]),
            interface("ecr.dkr", *PRIV[:2]),
            gateway(*PRIV_TABLES),
        )
    )
    assert codes(two, settings) == []
    create = next(
        a for a in assess(three_az(), settings, DAY)[1] if isinstance(a, A.CreateInterfaceEndpoint)
    )
    assert len(create.subnet_ids) == 2


def test_centralised_endpoint_counts_as_compliant_unless_local_ones_are_required() -> None:
    zones = ("api.ecr.us-east-1.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com")
    spoke = three_az(private_zones=zones, endpoints=(gateway(*PRIV_TABLES),))
    findings = evaluate(spoke, SETTINGS)
    assert [f.code for f in findings] == ["endpoint-centralised"] * 2
    assert all(f.severity is Severity.INFO for f in findings)
    assert assess(spoke, SETTINGS, DAY)[1] == ()
    strict = load_settings({"REQUIRE_LOCAL_ENDPOINTS": "true"})
    strict_findings, strict_actions = assess(spoke, strict, DAY)
    assert {f.code for f in strict_findings} == {"endpoint-private-zone-conflict"}
    assert strict_actions == ()  # never provoke EC2's conflicting-DNS error
