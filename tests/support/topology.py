"""Build realistic VPCs in moto for tests, the demo's twin in test form."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BuiltVpc:
    vpc_id: str
    public_subnets: dict[str, str] = field(default_factory=dict)  # az -> subnet id
    private_subnets: dict[str, list[str]] = field(default_factory=dict)  # az -> subnet ids
    public_route_table: str = ""
    private_route_tables: dict[str, str] = field(default_factory=dict)  # az -> rtb id
    igw: str = ""

    @property
    def all_private(self) -> list[str]:
        return [s for ids in self.private_subnets.values() for s in ids]


class _ThroughApi:
    """Each step as an EC2 API call (a client of an emulator outside this process)."""

    def __init__(self, ec2: Any) -> None:
        self.ec2 = ec2

    def vpc(self, cidr: str, tags: list[dict[str, str]]) -> str:
        spec = [{"ResourceType": "vpc", "Tags": tags}] if tags else []
        return str(self.ec2.create_vpc(CidrBlock=cidr, TagSpecifications=spec)["Vpc"]["VpcId"])

    def dns(self, vpc_id: str, attribute: str, value: bool) -> None:
        self.ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": value}})

    def internet_gateway(self, vpc_id: str) -> str:
        igw = str(self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"])
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        return igw

    def route_table(self, vpc_id: str) -> str:
        return str(self.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"])

    def default_route(self, table: str, igw: str) -> None:
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    def subnet(self, vpc_id: str, cidr: str, zone: str, table: str) -> str:
        subnet = str(
            self.ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"][
                "SubnetId"
            ]
        )
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return subnet

    def delete_default_vpcs(self) -> None:
        ec2 = self.ec2
        for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
            flt = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
            for subnet in ec2.describe_subnets(Filters=flt)["Subnets"]:
                ec2.delete_subnet(SubnetId=subnet["SubnetId"])
            attached = [{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}]
            for igw in ec2.describe_internet_gateways(Filters=attached)["InternetGateways"]:
                ec2.detach_internet_gateway(
                    InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc["VpcId"]
                )
                ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
            ec2.delete_vpc(VpcId=vpc["VpcId"])


class _InMoto:
    """The same steps on moto's EC2 backend, as moto's answers to those calls make them
    (``moto/ec2/responses``: each call hands its parameters to the backend method used here).

    Building a test's VPCs is set-up, not what a test judges: about 20 calls a VPC through the
    API, a fifth of the functional tests' time. What the tests judge, the tool's own calls,
    still go through the API and the strict model; ``tests/functional/real_ec2/test_topology.py``
    proves that both ways build the same VPC as the tool reads it.
    """

    def __init__(self, backend: Any, region: str) -> None:
        self.backend = backend
        self.region = region

    def vpc(self, cidr: str, tags: list[dict[str, str]]) -> str:
        made = self.backend.create_vpc(
            cidr, "default", ipv6_cidr_block_network_border_group=self.region, tags=tags
        )
        return str(made.id)

    def dns(self, vpc_id: str, attribute: str, value: bool) -> None:
        name = {
            "EnableDnsSupport": "enable_dns_support",
            "EnableDnsHostnames": "enable_dns_hostnames",
        }
        self.backend.modify_vpc_attribute(vpc_id, name[attribute], value)

    def internet_gateway(self, vpc_id: str) -> str:
        igw = str(self.backend.create_internet_gateway(tags=[]).id)
        self.backend.attach_internet_gateway(igw, vpc_id)
        return igw

    def route_table(self, vpc_id: str) -> str:
        return str(self.backend.create_route_table(vpc_id, []).id)

    def default_route(self, table: str, igw: str) -> None:
        self.backend.create_route(table, "0.0.0.0/0", None, None, gateway_id=igw)

    def subnet(self, vpc_id: str, cidr: str, zone: str, table: str) -> str:
        subnet = str(self.backend.create_subnet(vpc_id, cidr, None, zone, None, tags={}).id)
        self.backend.associate_route_table(table, None, subnet)
        return subnet

    def delete_default_vpcs(self) -> None:
        backend = self.backend
        for vpc in [v for v in backend.vpcs.values() if v.is_default]:
            for subnet in backend.describe_subnets(filters={"vpc-id": [vpc.id]}):
                backend.delete_subnet(subnet.id)
            attached = {"attachment.vpc-id": [vpc.id]}
            for igw in backend.describe_internet_gateways(filters=attached):
                backend.detach_internet_gateway(igw.id, vpc.id)
                backend.delete_internet_gateway(igw.id)
            backend.delete_vpc(vpc.id)


def builder(ec2: Any) -> _ThroughApi | _InMoto:
    """Where ``ec2``'s calls would land: moto's backend of its account and Region, when the
    client is moto's in this process (its credentials name the account, as moto reads them);
    otherwise the API (an emulator outside this process)."""
    if not ec2.meta.endpoint_url.endswith(".amazonaws.com"):
        return _ThroughApi(ec2)
    # Imported here: moto's EC2 models take a second to load, and the unit tests and the
    # benchmarks' pure parts import this module without them.
    from moto.ec2.models import ec2_backends
    from moto.iam.models import get_account_id_from

    access_key = ec2._request_signer._credentials.get_frozen_credentials().access_key
    account = os.environ.get("MOTO_ACCOUNT_ID") or get_account_id_from(access_key)
    return _InMoto(ec2_backends[account][ec2.meta.region_name], ec2.meta.region_name)


def build_vpc(
    ec2: Any,
    *,
    region: str = "us-east-1",
    cidr: str = "10.0.0.0/16",
    azs: int = 3,
    private_per_az: int = 1,
    public: bool = True,
    dns_support: bool = True,
    dns_hostnames: bool = False,
    tags: dict[str, str] | None = None,
    through: _ThroughApi | _InMoto | None = None,
) -> BuiltVpc:
    """A VPC with a public subnet per AZ (IGW route) and private subnets with their own tables.

    The subnets take the second octet of ``cidr``; ``through`` is the way it is built
    (default: :func:`builder`).
    """
    make = through or builder(ec2)
    vpc_id = make.vpc(cidr, [{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    # moto creates a VPC with DNS support on and DNS hostnames off: only what differs is
    # written, and hostnames only while support is on (EC2 refuses them otherwise).
    if not dns_support:
        make.dns(vpc_id, "EnableDnsSupport", False)
    elif dns_hostnames:
        make.dns(vpc_id, "EnableDnsHostnames", True)
    built = BuiltVpc(vpc_id=vpc_id)
    prefix = ".".join(cidr.split(".")[:2])
    zones = [f"{region}{letter}" for letter in "abcdef"[:azs]]
    if public:
        built.igw = make.internet_gateway(vpc_id)
        built.public_route_table = make.route_table(vpc_id)
        make.default_route(built.public_route_table, built.igw)
    for index, zone in enumerate(zones):
        if public:
            built.public_subnets[zone] = make.subnet(
                vpc_id, f"{prefix}.{index}.0/24", zone, built.public_route_table
            )
        table = make.route_table(vpc_id)
        built.private_route_tables[zone] = table
        for n in range(private_per_az):
            subnet = make.subnet(vpc_id, f"{prefix}.{100 + index * 10 + n}.0/24", zone, table)
            built.private_subnets.setdefault(zone, []).append(subnet)
    return built


def main_route_table(ec2: Any, vpc_id: str) -> str:
    """The VPC's main route table (read when a test needs it, not for every VPC built)."""
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    return str(ec2.describe_route_tables(Filters=flt)["RouteTables"][0]["RouteTableId"])


def endpoints(ec2: Any, vpc_id: str, *, usable_only: bool = True) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]
    )["VpcEndpoints"]
    if usable_only:
        items = [e for e in items if e["State"].lower() in ("pending", "available")]
    return items


def add_nat_gateway(ec2: Any, vpc: BuiltVpc) -> str:
    """A NAT gateway in the first public subnet, the default route of every private table."""
    subnet = next(iter(vpc.public_subnets.values()))
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = str(
        ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"][
            "NatGatewayId"
        ]
    )
    for table in vpc.private_route_tables.values():
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    return nat
