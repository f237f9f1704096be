"""Small builders of snapshots for the table-driven tests of the pure core (no AWS)."""

from __future__ import annotations

import dataclasses
from typing import Any

from remediation.model import (
    Endpoint,
    IngressRule,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    VpcSnapshot,
)
from remediation.vocabulary import MANAGED_TAG, EndpointType

VPC = "vpc-00000000000000001"
REGION = "us-east-1"


def svc(short: str) -> str:
    return f"com.amazonaws.{REGION}.{short}"


def https(cidr: str) -> IngressRule:
    return IngressRule("tcp", 443, 443, cidr_ipv4=cidr)


def tool_group(*rules: IngressRule, group_id: str = "sg-tool") -> SecurityGroup:
    return SecurityGroup(
        group_id,
        VPC,
        "ecr-endpoint-guard-endpoints",
        tags={MANAGED_TAG: "true"},
        ingress=rules or (https("10.0.0.0/16"),),
    )


def interface(
    short: str,
    *subnets: str,
    endpoint_id: str = "",
    state: str = "available",
    dns: bool = True,
    groups: tuple[str, ...] = ("sg-tool",),
) -> Endpoint:
    return Endpoint(
        endpoint_id or f"vpce-{short}",
        VPC,
        svc(short),
        EndpointType.INTERFACE,
        state,
        private_dns_enabled=dns,
        subnet_ids=subnets,
        group_ids=groups,
    )


def gateway(*tables: str, endpoint_id: str = "vpce-s3", state: str = "available") -> Endpoint:
    return Endpoint(
        endpoint_id, VPC, svc("s3"), EndpointType.GATEWAY, state, route_table_ids=tables
    )


def three_az(**changes: Any) -> VpcSnapshot:
    """Public subnet + private subnet per AZ (a, b, c); private tables per AZ; nothing else."""
    subnets = []
    tables = [
        RouteTable("rtb-main", VPC, is_main=True),
        RouteTable(
            "rtb-public",
            VPC,
            subnet_ids=frozenset({"subnet-pub-a", "subnet-pub-b", "subnet-pub-c"}),
            routes=(Route("10.0.0.0/16", "local"), Route("0.0.0.0/0", "igw-1")),
        ),
    ]
    for n, az in enumerate("abc"):
        subnets.append(Subnet(f"subnet-pub-{az}", VPC, f"{REGION}{az}", f"10.0.{n}.0/24", 250))
        subnets.append(Subnet(f"subnet-priv-{az}", VPC, f"{REGION}{az}", f"10.0.1{n}.0/24", 250))
        tables.append(
            RouteTable(
                f"rtb-priv-{az}",
                VPC,
                subnet_ids=frozenset({f"subnet-priv-{az}"}),
                routes=(Route("0.0.0.0/0", f"nat-{az}"),),
            )
        )
    base = VpcSnapshot(
        VPC,
        REGION,
        "123456789012",
        ("10.0.0.0/16",),
        True,
        True,
        subnets=tuple(subnets),
        route_tables=tuple(tables),
    )
    return dataclasses.replace(base, **changes)


#: A Gateway Load Balancer endpoint (a firewall's, an appliance's): a default route's target.
GWLB = Endpoint(
    "vpce-0fw1",
    VPC,
    "com.amazonaws.vpce.us-east-1.vpce-svc-0fw",
    EndpointType.GATEWAY_LOAD_BALANCER,
    "available",
    subnet_ids=("subnet-pub-a",),
)


def compliant(**changes: Any) -> VpcSnapshot:
    subnets = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
    snap = three_az(
        endpoints=(
            interface("ecr.api", *subnets),
            interface("ecr.dkr", *subnets),
            gateway("rtb-priv-a", "rtb-priv-b", "rtb-priv-c"),
        ),
        security_groups=(tool_group(),),
    )
    return dataclasses.replace(snap, **changes)


def with_ecr_policy(policy: str, owned: bool = False, **changes: Any) -> VpcSnapshot:
    """:func:`compliant`, its ECR endpoints carrying ``policy`` (created by the tool when
    ``owned``)."""
    tags = {MANAGED_TAG: "true"} if owned else {}
    subnets = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
    endpoints = tuple(
        dataclasses.replace(interface(s, *subnets), policy_document=policy, tags=tags)
        for s in ("ecr.api", "ecr.dkr")
    )
    base = compliant(**changes)
    return dataclasses.replace(base, endpoints=(*endpoints, base.endpoints[2]))
