"""The landing-zone model of real EC2 (``tests/support/strict_ec2_lz.py``), one test per
behaviour, each with the AWS documentation it follows. Plus what moto already answers as EC2
does and the tool relies on: VPC IPv6 blocks are global unicast, and routes to peering
connections and transit gateways are described with their targets."""

from __future__ import annotations

import ipaddress

import pytest
from bench import organisation as organisation_bench
from botocore.exceptions import ClientError

from tests.support.aws import ACCOUNT, REGION, Aws
from tests.support.strict_ec2_lz import DNS_ATTRIBUTES_REFUSED, REGION_DISABLED
from tests.support.topology import build_vpc

MEMBER = "111122223333"
CORE_NETWORK = "arn:aws:networkmanager::123456789012:core-network/core-network-0123456789abcdef0"


def routes(aws: Aws, table: str) -> list[dict[str, str]]:
    (described,) = aws.ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]
    return list(described["Routes"])


def test_amazon_ipv6_blocks_are_global_unicast(aws: Aws) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html ("IPv6 VPC CIDR
    blocks": Amazon-provided blocks are /56 from Amazon's public (GUA) pool), RFC 4291 2000::/3."""
    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    (block,) = aws.ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0][
        "Ipv6CidrBlockAssociationSet"
    ]
    network = ipaddress.ip_network(block["Ipv6CidrBlock"])
    assert network.prefixlen == 56
    assert network.subnet_of(ipaddress.ip_network("2000::/3"))  # type: ignore[arg-type]
    assert not network.subnet_of(ipaddress.ip_network("fc00::/7"))  # type: ignore[arg-type]


def test_routes_to_peering_and_transit_gateways_are_described_with_their_targets(
    aws: Aws,
) -> None:
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html
    (``VpcPeeringConnectionId``, ``TransitGatewayId``, ``DestinationIpv6CidrBlock``)."""
    mine = build_vpc(aws.ec2, azs=1)
    peer = aws.ec2.create_vpc(CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    peer_v6 = aws.ec2.describe_vpcs(VpcIds=[peer["VpcId"]])["Vpcs"][0][
        "Ipv6CidrBlockAssociationSet"
    ][0]["Ipv6CidrBlock"]
    pcx = aws.ec2.create_vpc_peering_connection(VpcId=mine.vpc_id, PeerVpcId=peer["VpcId"])[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    tgw = aws.ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    (table,) = mine.private_route_tables.values()
    aws.ec2.create_route(
        RouteTableId=table, DestinationIpv6CidrBlock=peer_v6, VpcPeeringConnectionId=pcx
    )
    aws.ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="198.51.100.0/24", TransitGatewayId=tgw
    )
    described = routes(aws, table)
    assert {"DestinationIpv6CidrBlock": peer_v6, "VpcPeeringConnectionId": pcx}.items() <= next(
        r for r in described if r.get("DestinationIpv6CidrBlock") == peer_v6
    ).items()
    assert next(r for r in described if r.get("TransitGatewayId") == tgw)[
        "DestinationCidrBlock"
    ] == ("198.51.100.0/24")


def test_routes_to_a_core_network_and_a_local_gateway_are_kept(aws: Aws) -> None:
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html (``CoreNetworkArn``,
    ``LocalGatewayId``); moto accepts both in CreateRoute and drops them."""
    built = build_vpc(aws.ec2, azs=1)
    (table,) = built.private_route_tables.values()
    aws.ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="192.0.2.0/24", CoreNetworkArn=CORE_NETWORK
    )
    aws.ec2.create_route(
        RouteTableId=table,
        DestinationCidrBlock="203.0.113.0/24",
        LocalGatewayId="lgw-0123456789abcdef0",
    )
    by_destination = {r.get("DestinationCidrBlock"): r for r in routes(aws, table)}
    assert by_destination["192.0.2.0/24"]["CoreNetworkArn"] == CORE_NETWORK
    assert by_destination["203.0.113.0/24"]["LocalGatewayId"] == "lgw-0123456789abcdef0"


def test_a_region_the_account_has_not_enabled_answers_auth_failure(aws: Aws) -> None:
    aws.strict.disabled_regions.add((MEMBER, "ap-east-1"))
    member = organisation_bench.member_ec2(MEMBER, "ecr-endpoint-guard-member", region="ap-east-1")
    with pytest.raises(ClientError) as refused:
        member.describe_vpcs()
    assert refused.value.response["Error"] == {"Code": "AuthFailure", "Message": REGION_DISABLED}
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    # The same account elsewhere, and another account there, are served.
    organisation_bench.member_ec2(MEMBER, "ecr-endpoint-guard-member").describe_vpcs()
    assert aws.ec2.describe_vpcs()["Vpcs"]  # the central account, us-east-1


@pytest.mark.parametrize("hostnames", [False, True])
def test_private_dns_is_refused_while_a_dns_attribute_is_off(aws: Aws, hostnames: bool) -> None:
    built = build_vpc(aws.ec2, azs=1, dns_hostnames=hostnames)
    create = {
        "VpcId": built.vpc_id,
        "ServiceName": f"com.amazonaws.{REGION}.ecr.api",
        "VpcEndpointType": "Interface",
        "SubnetIds": built.all_private,
    }
    if not hostnames:
        with pytest.raises(ClientError) as refused:
            aws.ec2.create_vpc_endpoint(**create, PrivateDnsEnabled=True)
        assert refused.value.response["Error"]["Code"] == "InvalidParameter"
        assert refused.value.response["Error"]["Message"] == DNS_ATTRIBUTES_REFUSED.format(
            vpc=built.vpc_id
        )
    endpoint = aws.ec2.create_vpc_endpoint(**create, PrivateDnsEnabled=False)["VpcEndpoint"]
    modify = {"VpcEndpointId": endpoint["VpcEndpointId"], "PrivateDnsEnabled": True}
    if hostnames:
        aws.ec2.modify_vpc_endpoint(**modify)
    else:
        with pytest.raises(ClientError, match="requires both enableDnsSupport"):
            aws.ec2.modify_vpc_endpoint(**modify)


def test_an_scp_may_deny_the_dns_attributes(aws: Aws) -> None:
    built = build_vpc(aws.ec2, azs=1)
    aws.strict.attribute_refusals.add(built.vpc_id)
    with pytest.raises(ClientError) as denied:
        aws.ec2.modify_vpc_attribute(VpcId=built.vpc_id, EnableDnsHostnames={"Value": True})
    assert denied.value.response["Error"]["Code"] == "UnauthorizedOperation"
    assert "explicit deny in a service control policy" in denied.value.response["Error"]["Message"]


def test_a_requester_managed_endpoint_is_described_so_and_refuses_changes(aws: Aws) -> None:
    built = build_vpc(aws.ec2, azs=1, dns_hostnames=True)
    endpoint = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        VpcEndpointType="Interface",
        SubnetIds=built.all_private,
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]["VpcEndpointId"]
    aws.strict.requester_managed.add(endpoint)
    (described,) = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"]
    assert described["RequesterManaged"] is True
    with pytest.raises(ClientError, match="requester-managed VPC endpoints"):
        aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=True)
    assert ACCOUNT  # the account's own endpoint, managed by a service


def test_a_route_whose_target_is_gone_is_described_blackhole(aws: Aws) -> None:
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html (``state``):
    "The blackhole state indicates that the route's target isn't available (for example, the
    specified gateway isn't attached to the VPC, or the specified NAT instance has been
    terminated)". moto always says ``active``."""
    vpc = build_vpc(aws.ec2, azs=2)
    first, second = sorted(vpc.private_route_tables.values())
    public_subnet = sorted(vpc.public_subnets.values())[0]
    appliance = aws.ec2.create_network_interface(SubnetId=public_subnet)["NetworkInterface"]
    aws.ec2.create_route(
        RouteTableId=first,
        DestinationCidrBlock="0.0.0.0/0",
        NetworkInterfaceId=appliance["NetworkInterfaceId"],
    )
    eip = aws.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = aws.ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=eip)["NatGateway"]
    aws.ec2.create_route(
        RouteTableId=second, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
    )

    def state(table: str, destination: str = "0.0.0.0/0") -> str:
        return next(
            r["State"] for r in routes(aws, table) if r.get("DestinationCidrBlock") == destination
        )

    (public,) = {
        t["RouteTableId"]
        for t in aws.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [public_subnet]}]
        )["RouteTables"]
    }
    assert (state(first), state(second), state(public)) == ("active", "active", "active")
    assert state(first, "10.0.0.0/16") == "active"  # the local route

    aws.ec2.delete_network_interface(NetworkInterfaceId=appliance["NetworkInterfaceId"])
    aws.ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    aws.ec2.detach_internet_gateway(InternetGatewayId=vpc.igw, VpcId=vpc.vpc_id)

    assert (state(first), state(second), state(public)) == ("blackhole",) * 3
    assert state(first, "10.0.0.0/16") == "active"
