"""Build realistic VPCs in moto for tests, the demo's twin in test form."""

from __future__ import annotations

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
    second: int = 0,
) -> BuiltVpc:
    """A VPC with a public subnet per AZ (IGW route) and private subnets with their own tables.

    ``second`` picks the second octet of the subnets (for several VPCs per account).
    """
    tag_spec = []
    if tags:
        tag_spec = [
            {"ResourceType": "vpc", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=tag_spec)["Vpc"]["VpcId"]
    # moto creates a VPC with DNS support on and DNS hostnames off: only what differs is
    # written, and hostnames only while support is on (EC2 refuses them otherwise).
    if not dns_support:
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": False})
    elif dns_hostnames:
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    built = BuiltVpc(vpc_id=vpc_id)
    prefix = ".".join(cidr.split(".")[:2])
    zones = [f"{region}{letter}" for letter in "abcdef"[:azs]]
    if public:
        built.igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=built.igw, VpcId=vpc_id)
        built.public_route_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"][
            "RouteTableId"
        ]
        ec2.create_route(
            RouteTableId=built.public_route_table,
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=built.igw,
        )
    for index, zone in enumerate(zones):
        if public:
            subnet = ec2.create_subnet(
                VpcId=vpc_id, CidrBlock=f"{prefix}.{index}.0/24", AvailabilityZone=zone
            )["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=built.public_route_table, SubnetId=subnet)
            built.public_subnets[zone] = subnet
        table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        built.private_route_tables[zone] = table
        for n in range(private_per_az):
            subnet = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=f"{prefix}.{100 + index * 10 + n}.0/24",
                AvailabilityZone=zone,
            )["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
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
