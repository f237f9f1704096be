"""Issue 21 items 5-7 and the Amazon DNS server in the pure core: S3 interface endpoints,
VPC Block Public Access in the topology, IPv6 egress and IPv6-only subnets, and parsers fed
answers shaped as EC2 returns them (botocore's model shapes). No AWS."""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType

import pytest

from remediation.aws.parsing import parse_endpoint, parse_subnet
from remediation.baseline import evaluate
from remediation.config import Settings
from remediation.findings import Severity
from remediation.model import Endpoint, Route, RouteTable, Subnet, VpcSnapshot
from remediation.surroundings import BlockPublicAccess
from remediation.topology.endpoints import target_azs
from remediation.topology.routes import is_private, needs_block_public_access, private_route_tables
from remediation.vocabulary import EndpointType
from tests.support.snapshots import REGION, VPC, compliant, gateway, interface, svc, three_az

SETTINGS = Settings()
PUBLIC = ("subnet-pub-a", "subnet-pub-b", "subnet-pub-c")


def codes(snapshot: VpcSnapshot) -> list[str]:
    return [f.code for f in evaluate(snapshot, SETTINGS)]


def by_code(snapshot: VpcSnapshot, code: str) -> list[object]:
    return [f for f in evaluate(snapshot, SETTINGS) if f.code == code]


def s3_interface(inbound_only: bool = False, dns: bool = True, policy: str = "") -> Endpoint:
    return Endpoint(
        "vpce-s3-if",
        VPC,
        svc("s3"),
        EndpointType.INTERFACE,
        "available",
        private_dns_enabled=dns,
        private_dns_inbound_only=inbound_only,
        subnet_ids=("subnet-priv-a",),
        policy_document=policy,
    )


def bpa(mode: str = "block-bidirectional", **exclusions: str) -> VpcSnapshot:
    """Three AZs whose subnets report ``mode``; exclusions read (resource id -> mode)."""
    snap = three_az()
    subnets = tuple(dataclasses.replace(s, block_public_access=mode) for s in snap.subnets)
    return dataclasses.replace(
        snap,
        subnets=subnets,
        block_public_access=BlockPublicAccess(exclusions=MappingProxyType(dict(exclusions))),
    )


# --------------------------------------------------------------------------- S3 interface endpoints


def test_an_s3_interface_endpoint_answering_the_vpc_replaces_the_gateway() -> None:
    snap = compliant(endpoints=(*compliant().endpoints[:2], s3_interface()))
    (served,) = by_code(snap, "gateway-served-by-interface-endpoint")
    assert served.severity is Severity.INFO and not served.repairs  # type: ignore[attr-defined]
    assert "gateway-missing" not in codes(snap)


@pytest.mark.parametrize(
    "endpoint",
    [
        s3_interface(inbound_only=True),
        s3_interface(dns=False),
        dataclasses.replace(s3_interface(), state="failed"),
    ],
    ids=["inbound-only", "no-private-dns", "not-usable"],
)
def test_other_s3_interface_endpoints_leave_the_gateway_required(endpoint: Endpoint) -> None:
    snap = compliant(endpoints=(*compliant().endpoints[:2], endpoint))
    assert "gateway-missing" in codes(snap)
    assert "gateway-served-by-interface-endpoint" not in codes(snap)


def test_the_serving_interface_endpoints_policy_is_judged_for_the_layers_not_the_gateways() -> None:
    narrow = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::a/*",
                }
            ]
        }
    )
    unused = dataclasses.replace(
        gateway("rtb-priv-a", "rtb-priv-b", "rtb-priv-c"), policy_document=narrow
    )
    snap = compliant(endpoints=(*compliant().endpoints[:2], unused, s3_interface(policy=narrow)))
    (blocked,) = by_code(snap, "gateway-policy-blocks-ecr-layers")
    assert blocked.resource_id == "vpce-s3-if"  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- Block Public Access


def test_bidirectional_bpa_without_exclusions_makes_internet_routed_subnets_private() -> None:
    snap = bpa()
    assert all(is_private(snap, s) for s in snap.subnets)
    assert "rtb-public" in {t.route_table_id for t in private_route_tables(snap)}
    assert needs_block_public_access(snap)
    (info,) = by_code(snap, "block-public-access-private-subnets")
    assert all(p in info.message for p in PUBLIC)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "snap",
    [
        bpa("block-ingress"),
        bpa("off"),
        bpa(**{VPC: "allow-bidirectional"}),
        bpa(**dict.fromkeys(PUBLIC, "allow-egress")),
        dataclasses.replace(bpa(), block_public_access=None),  # exclusions not read
        dataclasses.replace(bpa(), block_public_access=BlockPublicAccess(unknown="denied")),
    ],
    ids=["ingress-only", "off", "vpc-excluded", "subnets-excluded", "not-read", "unreadable"],
)
def test_otherwise_internet_routed_subnets_stay_public(snap: VpcSnapshot) -> None:
    assert not any(is_private(snap, snap.subnets[i]) for i in (0, 2, 4))  # the public ones
    assert "rtb-public" not in {t.route_table_id for t in private_route_tables(snap)}


def test_a_table_shared_with_an_excluded_subnet_stays_public_and_a_person_is_told() -> None:
    snap = bpa(**{"subnet-pub-a": "allow-egress"})
    assert is_private(snap, snap.subnets[2])  # subnet-pub-b: blocked
    assert "rtb-public" not in {t.route_table_id for t in private_route_tables(snap)}
    (stuck,) = by_code(snap, "block-public-access-shared-route-table")
    assert stuck.severity is Severity.MANUAL  # type: ignore[attr-defined]
    assert stuck.resource_id == "subnet-pub-b,subnet-pub-c"  # type: ignore[attr-defined]
    served = dataclasses.replace(snap, endpoints=(s3_interface(),))
    assert "block-public-access-shared-route-table" not in codes(served)


def test_a_carrier_gateway_keeps_a_blocked_subnet_public() -> None:
    snap = bpa()
    tables = tuple(
        dataclasses.replace(t, routes=(*t.routes, Route("::/0", "cagw-1")))
        if t.route_table_id == "rtb-public"
        else t
        for t in snap.route_tables
    )
    snap = dataclasses.replace(snap, route_tables=tables)
    assert not is_private(snap, snap.subnets[0])


def test_unreadable_exclusions_are_info_naming_the_permission() -> None:
    snap = dataclasses.replace(bpa(), block_public_access=BlockPublicAccess(unknown="denied"))
    (info,) = by_code(snap, "block-public-access-unknown")
    assert "ec2:DescribeVpcBlockPublicAccessExclusions" in info.message  # type: ignore[attr-defined]
    assert info.severity is Severity.INFO  # type: ignore[attr-defined]


def test_a_blocked_az_with_internet_routed_subnets_only_gets_endpoints() -> None:
    snap = bpa()
    only_public = tuple(s for s in snap.subnets if s.subnet_id != "subnet-priv-c")
    snap = dataclasses.replace(snap, subnets=only_public)
    assert f"{REGION}c" in target_azs(snap)
    assert f"{REGION}c" not in target_azs(dataclasses.replace(snap, block_public_access=None))


# --------------------------------------------------------------------------- IPv6


def ipv6(snap: VpcSnapshot, *, eigw_on: str = "rtb-priv-a") -> VpcSnapshot:
    subnets = tuple(
        dataclasses.replace(s, ipv6_cidr_blocks=(f"2600:1f18:0:{n}::/64",))
        for n, s in enumerate(snap.subnets)
    )
    tables = tuple(
        dataclasses.replace(t, routes=(*t.routes, Route("::/0", "eigw-1")))
        if t.route_table_id == eigw_on
        else t
        for t in snap.route_tables
    )
    return dataclasses.replace(snap, subnets=subnets, route_tables=tables)


def test_an_ipv6_default_route_to_a_gateway_on_a_private_table_is_the_bypass_info() -> None:
    (info,) = by_code(ipv6(compliant()), "dual-stack-names-bypass")
    assert info.severity is Severity.INFO  # type: ignore[attr-defined]
    assert "rtb-priv-a (::/0 to eigw-1)" in info.message  # type: ignore[attr-defined]
    assert "dual-stack-names-bypass" not in codes(compliant())


def test_no_bypass_without_ipv6_blocks_or_when_bpa_blocks_the_gateway() -> None:
    no_blocks = dataclasses.replace(ipv6(compliant()), subnets=compliant().subnets)
    assert "dual-stack-names-bypass" not in codes(no_blocks)
    blocked = ipv6(bpa())
    assert "dual-stack-names-bypass" not in codes(blocked)


def ipv6_only(*endpoints: Endpoint, **subnet_changes: object) -> VpcSnapshot:
    snap = compliant()
    native = Subnet(
        "subnet-v6",
        VPC,
        f"{REGION}a",
        "",
        ipv6_cidr_blocks=("2600:1f18:0:9::/64",),
        ipv6_native=True,
        **subnet_changes,  # type: ignore[arg-type]
    )
    tables = snap.route_tables
    if subnet_changes.get("dns64"):
        tables = (
            *tables,
            RouteTable(
                "rtb-v6",
                VPC,
                subnet_ids=frozenset({"subnet-v6"}),
                routes=(Route("64:ff9b::/96", "nat-a"),),
            ),
        )
    return dataclasses.replace(
        snap,
        subnets=(*snap.subnets, native),
        route_tables=tables,
        endpoints=endpoints or snap.endpoints,
    )


def dual(short: str, record: str = "") -> Endpoint:
    return dataclasses.replace(
        interface(short, "subnet-priv-a"), ip_address_type="dualstack", dns_record_ip_type=record
    )


def test_ipv6_only_subnets_with_ipv4_endpoints_only_are_a_warning() -> None:
    warnings = by_code(ipv6_only(), "ipv6-only-subnets-no-private-path")
    assert [w.service for w in warnings] == ["ecr.api", "ecr.dkr"]  # type: ignore[attr-defined]
    assert all(w.severity is Severity.WARNING and not w.repairs for w in warnings)  # type: ignore[attr-defined]
    ipv4_records = ipv6_only(dual("ecr.api", "ipv4"), dual("ecr.dkr"), gateway("rtb-priv-a"))
    (only_api,) = by_code(ipv4_records, "ipv6-only-subnets-no-private-path")
    assert only_api.service == "ecr.api"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "snap",
    [
        ipv6_only(dual("ecr.api"), dual("ecr.dkr", "dualstack"), gateway("rtb-priv-a")),
        ipv6_only(dns64=True),
        dataclasses.replace(
            ipv6_only(gateway("rtb-priv-a")),
            private_zones=("api.ecr.us-east-1.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com"),
        ),
    ],
    ids=["dual-stack-endpoints", "dns64-nat64", "hub-zones"],
)
def test_ipv6_only_subnets_with_a_path_or_a_hub_get_no_warning(snap: VpcSnapshot) -> None:
    assert "ipv6-only-subnets-no-private-path" not in codes(snap)


# --------------------------------------------------------------------------- Amazon DNS server


@pytest.mark.parametrize(
    ("primary", "servers", "reported"),
    [
        ("10.0.0.0/16", ("10.0.0.2",), False),
        ("10.0.0.0/16", ("10.1.0.2",), True),  # a secondary block's .2 is an ordinary address
        ("", ("10.0.0.2",), False),  # no primary read: the first block
    ],
)
def test_only_the_primary_blocks_base_plus_two_is_amazon_dns(
    primary: str, servers: tuple[str, ...], reported: bool
) -> None:
    snap = compliant(
        cidr_blocks=("10.0.0.0/16", "10.1.0.0/16"), primary_cidr_block=primary, dns_servers=servers
    )
    assert ("dhcp-custom-dns-servers" in codes(snap)) is reported


# --------------------------------------------------------------------------- parsers


def test_subnet_and_endpoint_fields_are_parsed_from_ec2_shaped_answers() -> None:
    subnet = parse_subnet(
        {
            "SubnetId": "subnet-1",
            "AvailabilityZone": "us-east-1a",
            "Ipv6Native": True,
            "EnableDns64": True,
            "BlockPublicAccessStates": {"InternetGatewayBlockMode": "block-bidirectional"},
        },
        VPC,
    )
    assert (subnet.block_public_access, subnet.dns64) == ("block-bidirectional", True)
    endpoint = parse_endpoint(
        {
            "VpcEndpointId": "vpce-1",
            "VpcEndpointType": "Interface",
            "ServiceName": svc("s3"),
            "State": "available",
            "PrivateDnsEnabled": True,
            "IpAddressType": "dualstack",
            "DnsOptions": {
                "DnsRecordIpType": "dualstack",
                "PrivateDnsOnlyForInboundResolverEndpoint": False,
            },
        }
    )
    assert endpoint.answers_vpc_names and endpoint.dns_record_ip_type == "dualstack"
    inbound = parse_endpoint(
        {
            "VpcEndpointId": "vpce-2",
            "VpcEndpointType": "Interface",
            "State": "available",
            "PrivateDnsEnabled": True,
            "DnsOptions": {"PrivateDnsOnlyForInboundResolverEndpoint": True},
        }
    )
    assert not inbound.answers_vpc_names
