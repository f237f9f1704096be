"""The landing-zone behaviours the real-EC2 model adds (``tests/support/strict_ram.py``) or
relies on moto for, each against its AWS documentation: RAM's list calls, participants'
network interfaces, and the routes of inspected egress."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import ACCOUNT, REGION, Aws, shared_client
from tests.support.topology import BuiltVpc, build_vpc

PARTICIPANT = "111122223333"
OU = "arn:aws:organizations::999988887777:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56"


@pytest.fixture
def vpc(aws: Aws) -> BuiltVpc:
    return build_vpc(aws.ec2, azs=2)


def subnet_arn(subnet: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{subnet}"


def test_ram_lists_the_shared_subnets_and_their_principals(aws: Aws, vpc: BuiltVpc) -> None:
    """https://docs.aws.amazon.com/ram/latest/APIReference/API_ListResources.html and
    API_ListPrincipals.html: ``resources[]{arn, type, resourceShareArn, status}``,
    ``principals[]{id, resourceShareArn, external}``, filtered by ``resourceType``."""
    ram = shared_client("ram")
    subnets = vpc.all_private
    share = ram.create_resource_share(
        name="workloads",
        resourceArns=[subnet_arn(s) for s in subnets],
        principals=[PARTICIPANT],
    )["resourceShare"]["resourceShareArn"]
    prefix_list = aws.ec2.create_managed_prefix_list(
        PrefixListName="pl", MaxEntries=1, AddressFamily="IPv4"
    )["PrefixList"]["PrefixListArn"]
    ram.create_resource_share(name="lists", resourceArns=[prefix_list], principals=["444455556666"])

    resources = ram.list_resources(resourceOwner="SELF", resourceType="ec2:Subnet")["resources"]
    principals = ram.list_principals(resourceOwner="SELF", resourceType="ec2:Subnet")["principals"]

    assert sorted(r["arn"] for r in resources) == sorted(subnet_arn(s) for s in subnets)
    assert {(r["type"], r["resourceShareArn"], r["status"]) for r in resources} == {
        ("ec2:Subnet", share, "AVAILABLE")
    }
    assert [(p["id"], p["resourceShareArn"], p["external"]) for p in principals] == [
        (PARTICIPANT, share, True)
    ]


def test_ram_refusals_are_modelled(aws: Aws) -> None:
    aws.strict.ram_failures.append("AccessDeniedException")
    with pytest.raises(ClientError) as refused:
        shared_client("ram").list_resources(resourceOwner="SELF", resourceType="ec2:Subnet")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_participants_interface_carries_its_own_owner(aws: Aws, vpc: BuiltVpc) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html: the owner sees the
    participants' network interfaces; ``OwnerId`` is the account that owns the interface
    (EC2 API reference, NetworkInterface)."""
    mine = aws.ec2.create_network_interface(SubnetId=vpc.all_private[0])["NetworkInterface"]
    theirs = aws.ec2.create_network_interface(SubnetId=vpc.all_private[0])["NetworkInterface"]
    aws.strict.interface_owners[theirs["NetworkInterfaceId"]] = PARTICIPANT
    found = aws.ec2.describe_network_interfaces(
        Filters=[{"Name": "vpc-id", "Values": [vpc.vpc_id]}]
    )["NetworkInterfaces"]
    owners = {i["NetworkInterfaceId"]: i["OwnerId"] for i in found}
    assert owners[mine["NetworkInterfaceId"]] == ACCOUNT
    assert owners[theirs["NetworkInterfaceId"]] == PARTICIPANT


def test_inspected_egress_routes_come_back_as_ec2_returns_them(aws: Aws, vpc: BuiltVpc) -> None:
    """A transit gateway route names ``TransitGatewayId``; a Gateway Load Balancer endpoint
    route (``CreateRoute`` ``VpcEndpointId``, "Gateway Load Balancer endpoints only") comes
    back as ``GatewayId`` ``vpce-…``: DescribeRouteTables has no ``VpcEndpointId``
    (EC2 API reference, CreateRoute and Route; terraform-provider-aws maps it the same way).
    moto behaves so already; this test keeps the model honest about it."""
    tgw = aws.ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    firewall = aws.ec2.create_vpc_endpoint(
        VpcId=vpc.vpc_id,
        ServiceName=f"com.amazonaws.vpce.{REGION}.vpce-svc-0123456789abcdef0",
        VpcEndpointType="GatewayLoadBalancer",
        SubnetIds=[sorted(vpc.public_subnets.values())[0]],
    )["VpcEndpoint"]
    assert firewall["VpcEndpointType"] == "GatewayLoadBalancer"
    first, second = sorted(vpc.private_route_tables.values())
    aws.ec2.create_route(RouteTableId=first, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=tgw)
    aws.ec2.create_route(
        RouteTableId=second,
        DestinationCidrBlock="0.0.0.0/0",
        VpcEndpointId=firewall["VpcEndpointId"],
    )
    tables = aws.ec2.describe_route_tables(RouteTableIds=[first, second])["RouteTables"]
    default = {
        t["RouteTableId"]: next(
            r for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"
        )
        for t in tables
    }
    assert default[first]["TransitGatewayId"] == tgw and "GatewayId" not in default[first]
    assert default[second]["GatewayId"] == firewall["VpcEndpointId"]
    assert "VpcEndpointId" not in default[second]
