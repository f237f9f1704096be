"""Named VPC topologies for the benchmark and the budget tests, built in moto.

Every topology starts from the tests' builder (:func:`tests.support.topology.build_vpc`:
a public subnet per AZ behind an internet gateway, private subnets with one route
table per AZ) and adds, where it says so, more private route tables, endpoints
that exist already, or Route 53 private hosted zones of a centralised endpoint.
The builder's own calls are made with the caller's client, before any recording.

Examples
--------
>>> LARGEST.subnets, LARGEST.route_tables, len(LARGEST.endpoints)
(60, 10, 9)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.topology import BuiltVpc, build_vpc

#: The baseline's endpoints, as ``short name:type``.
BASELINE_ENDPOINTS = ("ecr.api:interface", "ecr.dkr:interface", "s3:gateway")
#: Endpoints a busy VPC has for several services, the baseline's among them.
MANY_ENDPOINTS = (
    *BASELINE_ENDPOINTS,
    "logs:interface",
    "sts:interface",
    "ssm:interface",
    "secretsmanager:interface",
    "kms:interface",
    "dynamodb:gateway",
)
#: The private hosted zones a hub shares with its spokes for centralised ECR endpoints.
ECR_ZONES = ("api.ecr.{region}.amazonaws.com", "dkr.ecr.{region}.amazonaws.com")


@dataclass(frozen=True)
class Topology:
    """The shape of one VPC: AZs, private subnets per AZ and what else exists in it."""

    name: str
    azs: int
    private_per_az: int
    #: More private route tables, each taking over one private subnet from its AZ's table.
    extra_route_tables: int = 0
    #: Endpoints that exist before the run (``short name:type``).
    endpoints: tuple[str, ...] = ()
    #: Private hosted zones (``{region}`` filled in) associated with the VPC.
    shared_zones: tuple[str, ...] = ()

    @property
    def subnets(self) -> int:
        return self.azs * (1 + self.private_per_az)

    @property
    def route_tables(self) -> int:
        """The main table, the public one, one private per AZ, and the extra ones."""
        return 2 + self.azs + self.extra_route_tables

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "azs": self.azs,
            "subnets": self.subnets,
            "route_tables": self.route_tables,
            "endpoints": len(self.endpoints),
            "private_hosted_zones": len(self.shared_zones),
        }


#: From the smallest VPC to 6 AZs / 60 subnets / 10 route tables / endpoints of 9 services.
TOPOLOGIES = (
    Topology("1 AZ, 2 subnets", azs=1, private_per_az=1),
    Topology("3 AZs, 6 subnets", azs=3, private_per_az=1),
    Topology("3 AZs, 12 subnets, ECR+S3 endpoints", 3, 3, endpoints=BASELINE_ENDPOINTS),
    Topology("6 AZs, 60 subnets, 10 route tables", 6, 9, extra_route_tables=2),
    Topology("6 AZs, 60 subnets, 10 route tables, 9 endpoints", 6, 9, 2, MANY_ENDPOINTS),
)
LARGEST = TOPOLOGIES[-1]
#: Served by a hub's endpoints: Route 53 is read once more per shared zone.
CENTRALISED = Topology("3 AZs, 6 subnets, centralised ECR zones", 3, 1, shared_zones=ECR_ZONES)


def build(
    ec2: Any,
    topology: Topology,
    *,
    region: str = "us-east-1",
    cidr: str = "10.0.0.0/16",
    route53: Any | None = None,
    dns_hostnames: bool = True,
) -> BuiltVpc:
    """Build one VPC of the given shape and return what was made."""
    built = build_vpc(
        ec2,
        region=region,
        cidr=cidr,
        azs=topology.azs,
        private_per_az=topology.private_per_az,
        dns_hostnames=dns_hostnames,
        tags={"Name": topology.name},
    )
    extra = _extra_route_tables(ec2, built, topology.extra_route_tables)
    private_tables = [*built.private_route_tables.values(), *extra]
    for spec in topology.endpoints:
        short, kind = spec.split(":")
        service = f"com.amazonaws.{region}.{short}"
        if kind == "gateway":
            add_gateway_endpoint(ec2, built.vpc_id, service, private_tables)
        else:
            subnets = [ids[0] for ids in built.private_subnets.values()]
            add_interface_endpoint(ec2, built.vpc_id, service, subnets)
    for zone in topology.shared_zones:
        if route53 is None:
            raise ValueError(f"{topology.name} needs a Route 53 client for its shared zones")
        route53.create_hosted_zone(
            Name=zone.format(region=region),
            CallerReference=f"{built.vpc_id}-{zone}",
            HostedZoneConfig={"Comment": "centralised endpoint", "PrivateZone": True},
            VPC={"VPCRegion": region, "VPCId": built.vpc_id},
        )
    return built


def add_interface_endpoint(
    ec2: Any, vpc_id: str, service: str, subnet_ids: list[str], *, private_dns: bool = True
) -> str:
    """An interface endpoint with the VPC's default security group (EC2's default)."""
    return str(
        ec2.create_vpc_endpoint(
            VpcEndpointType="Interface",
            VpcId=vpc_id,
            ServiceName=service,
            SubnetIds=subnet_ids,
            PrivateDnsEnabled=private_dns,
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def add_gateway_endpoint(ec2: Any, vpc_id: str, service: str, route_table_ids: list[str]) -> str:
    return str(
        ec2.create_vpc_endpoint(
            VpcEndpointType="Gateway",
            VpcId=vpc_id,
            ServiceName=service,
            RouteTableIds=route_table_ids,
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def _extra_route_tables(ec2: Any, built: BuiltVpc, count: int) -> list[str]:
    """``count`` more private route tables, each taking the last private subnet of an AZ."""
    tables = []
    zones = sorted(built.private_subnets)
    for index in range(count):
        subnet = built.private_subnets[zones[index % len(zones)]][-1]
        found = ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )["RouteTables"][0]
        association = next(
            a["RouteTableAssociationId"]
            for a in found["Associations"]
            if a.get("SubnetId") == subnet
        )
        table = ec2.create_route_table(VpcId=built.vpc_id)["RouteTable"]["RouteTableId"]
        ec2.replace_route_table_association(AssociationId=association, RouteTableId=table)
        tables.append(table)
    return tables


def drift(ec2: Any, built: BuiltVpc, *, region: str = "us-east-1") -> None:
    """Leave a VPC half done, the way people do: an ``ecr.api`` endpoint in all AZs but one,
    private DNS off, on the default group; an S3 gateway on one private route table only;
    no ``ecr.dkr`` endpoint."""
    zones = sorted(built.private_subnets)
    add_interface_endpoint(
        ec2,
        built.vpc_id,
        f"com.amazonaws.{region}.ecr.api",
        [built.private_subnets[z][0] for z in zones[:-1]],
        private_dns=False,
    )
    add_gateway_endpoint(
        ec2, built.vpc_id, f"com.amazonaws.{region}.s3", [built.private_route_tables[zones[0]]]
    )


def build_sweep_vpcs(ec2: Any, count: int, *, region: str = "us-east-1", start: int = 0) -> None:
    """``count`` more small VPCs for a sweep: one private subnet with its own route table.

    A sweep's calls do not depend on the VPCs' size (one region-wide read per resource
    type); small VPCs keep building 500 of them in moto to a minute or so.
    """
    for index in range(start, start + count):
        build_vpc(
            ec2,
            region=region,
            cidr=f"10.{index % 250}.0.0/16",
            azs=1,
            public=False,
            tags={"Name": f"sweep-{index}"},
        )
