"""Real EC2's rules on built snapshots: IPv6-only subnets, carrier and local gateway routes, zone
names compared with the subnets' names, Route 53 lookups paced."""

from __future__ import annotations

from typing import Any

import pytest

from remediation.aws.paging import Pacer
from remediation.aws.parsing import parse_route_table
from remediation.model import Route, RouteTable
from remediation.topology.routes import is_public_route_table
from tests.support.aws import REGION
from tests.support.real_ec2 import DKR


def test_carrier_gateway_default_routes_make_a_subnet_public_local_gateways_do_not() -> None:
    item = {
        "RouteTableId": "rtb-1",
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "CarrierGatewayId": "cagw-1"}],
    }
    assert is_public_route_table(parse_route_table(item))
    outpost = RouteTable("rtb-2", "vpc-1", routes=(Route("0.0.0.0/0", "lgw-1"),))
    assert not is_public_route_table(outpost)
    lgw = parse_route_table(
        {
            "RouteTableId": "rtb-3",
            "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "LocalGatewayId": "lgw-1"}],
        }
    )
    assert lgw.routes[0].target == "lgw-1"


def test_route53_lookups_are_paced_to_five_a_second() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(0.2, clock=lambda: now[0], sleep=sleep)
    for _ in range(6):
        pacer.wait()
    assert slept == pytest.approx([0.2] * 5)  # the first call does not wait


def test_zone_names_without_ids_are_compared_with_the_subnets_names() -> None:
    """botocore before 1.40.7 parses no ``AvailabilityZoneIds``: the names are kept and the
    subnets' own names are compared with them (no ``DescribeAvailabilityZones``, issue 21)."""
    from remediation.aws import region_facts as facts_module
    from remediation.model import Subnet, VpcSnapshot
    from remediation.topology.endpoints import offers

    calls: list[str] = []

    class Ec2:
        class meta:
            endpoint_url = "fake"

        def describe_vpc_endpoint_services(self, **_: Any) -> dict[str, Any]:
            calls.append("describe_vpc_endpoint_services")
            return {
                "ServiceDetails": [
                    {
                        "ServiceName": DKR,
                        "ServiceType": [{"ServiceType": "Interface"}],
                        "AvailabilityZones": [f"{REGION}a"],
                        "SupportedIpAddressTypes": ["ipv4", "ipv6"],
                    }
                ]
            }

    facts = facts_module.region_facts(Ec2(), account_id="1", region=REGION, services=[DKR])
    offer = facts.offer(DKR)
    assert offer is not None and offer.zone_ids == frozenset()
    assert offer.zone_names == {f"{REGION}a"} and offer.ip_address_types == ("ipv4", "ipv6")
    assert calls == ["describe_vpc_endpoint_services"]  # no zone read to fail
    snap = VpcSnapshot("vpc-1", REGION, "1", ("10.0.0.0/16",), True, True, region_facts=facts)
    inside = Subnet("subnet-a", "vpc-1", f"{REGION}a", "10.0.1.0/24", 9, "use1-az6")
    outside = Subnet("subnet-b", "vpc-1", f"{REGION}b", "10.0.2.0/24", 9, "use1-az1")
    assert offers(snap, DKR, inside) and not offers(snap, DKR, outside)


def test_an_ipv6_only_subnet_is_never_chosen_and_families_are_not_mixed() -> None:
    """Pure: moto cannot make an IPv6-only subnet the way EC2 does, so the rule is fed one."""
    from remediation.baseline.interface_endpoints import check
    from remediation.config import load_settings
    from remediation.model import Subnet, VpcSnapshot
    from remediation.surroundings import RegionFacts, ServiceOffer

    subnets = (
        Subnet("subnet-v4", "vpc-1", f"{REGION}a", "10.0.1.0/24", 100, "use1-az6"),
        Subnet(
            "subnet-v6only",
            "vpc-1",
            f"{REGION}b",
            "",
            100,
            "use1-az1",
            ipv6_cidr_blocks=("2600:1f18::/64",),
            ipv6_native=True,
        ),
        Subnet(
            "subnet-dual",
            "vpc-1",
            f"{REGION}c",
            "10.0.3.0/24",
            100,
            "use1-az2",
            ipv6_cidr_blocks=("2600:1f18:0:1::/64",),
        ),
    )
    facts = RegionFacts(
        offers=(
            ServiceOffer(DKR, frozenset({"use1-az6", "use1-az1", "use1-az2"}), ("ipv4", "ipv6")),
        )
    )
    snapshot = VpcSnapshot(
        vpc_id="vpc-1",
        region=REGION,
        account_id="123456789012",
        cidr_blocks=("10.0.0.0/16",),
        dns_support=True,
        dns_hostnames=True,
        subnets=subnets,
        region_facts=facts,
    )
    findings = {(f.service, f.code): f for f in check(snapshot, load_settings({}))}
    (create,) = findings[("ecr.dkr", "endpoint-missing")].repairs
    assert create.subnet_ids == ("subnet-v4", "subnet-dual")  # type: ignore[attr-defined]
    assert create.ip_address_type == ""  # type: ignore[attr-defined]  # one IPv4-only subnet
    eligible = findings[("ecr.dkr", "endpoint-zone-not-eligible")]
    assert "subnet-v6only (IPv6-only subnet)" in eligible.message
