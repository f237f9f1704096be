"""The strictness ``tests/support/strict_paths.py`` adds to moto (issue 21, items 5-7): endpoint
DNS options, IP address types, VPC Block Public Access, and the IPv6 routes moto already
answers as EC2 does."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import ACCOUNT, REGION, Aws
from tests.support.topology import BuiltVpc, build_vpc

S3 = f"com.amazonaws.{REGION}.s3"
API = f"com.amazonaws.{REGION}.ecr.api"


@pytest.fixture
def vpc(aws: Aws) -> BuiltVpc:
    return build_vpc(aws.ec2, azs=2, dns_hostnames=True)


def interface(aws: Aws, vpc: BuiltVpc, service: str, **kwargs: object) -> dict[str, object]:
    created = aws.ec2.create_vpc_endpoint(
        VpcId=vpc.vpc_id,
        ServiceName=service,
        VpcEndpointType="Interface",
        SubnetIds=[vpc.private_subnets[f"{REGION}a"][0]],
        **kwargs,
    )["VpcEndpoint"]
    (described,) = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[created["VpcEndpointId"]])[
        "VpcEndpoints"
    ]
    assert described.get("DnsOptions") == created.get("DnsOptions")
    return dict(described)


# --------------------------------------------------------------------------- DNS options


def test_s3_private_dns_defaults_to_inbound_only_and_needs_a_gateway(
    aws: Aws, vpc: BuiltVpc
) -> None:
    """S3 UG "AWS PrivateLink for Amazon S3", "Private DNS": the option defaults to true and
    EC2 checks that the VPC has a gateway endpoint for the service."""
    with pytest.raises(ClientError) as refused:
        interface(aws, vpc, S3, PrivateDnsEnabled=True)
    assert refused.value.response["Error"]["Code"] == "InvalidParameter"
    assert "must have a gateway endpoint" in refused.value.response["Error"]["Message"]

    aws.ec2.create_vpc_endpoint(
        VpcId=vpc.vpc_id,
        ServiceName=S3,
        VpcEndpointType="Gateway",
        RouteTableIds=[vpc.private_route_tables[f"{REGION}a"]],
    )
    endpoint = interface(aws, vpc, S3, PrivateDnsEnabled=True)
    assert endpoint["DnsOptions"] == {
        "DnsRecordIpType": "ipv4",
        "PrivateDnsOnlyForInboundResolverEndpoint": True,
    }


def test_s3_private_dns_for_all_resolvers_needs_no_gateway(aws: Aws, vpc: BuiltVpc) -> None:
    endpoint = interface(
        aws,
        vpc,
        S3,
        PrivateDnsEnabled=True,
        DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": False},
    )
    assert endpoint["DnsOptions"] == {
        "DnsRecordIpType": "ipv4",
        "PrivateDnsOnlyForInboundResolverEndpoint": False,
    }
    assert endpoint["IpAddressType"] == "ipv4"


def test_only_gateway_services_take_the_inbound_only_option(aws: Aws, vpc: BuiltVpc) -> None:
    """EC2 API reference, DnsOptionsSpecification: "available only for services that support
    both gateway and interface endpoints"."""
    with pytest.raises(ClientError) as refused:
        interface(aws, vpc, API, DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": False})
    assert refused.value.response["Error"]["Code"] == "InvalidParameter"
    endpoint = interface(aws, vpc, API)
    assert endpoint["DnsOptions"] == {"DnsRecordIpType": "ipv4"}  # no inbound-only key


def test_dns_record_type_follows_the_ip_address_type_unless_given(aws: Aws) -> None:
    """PrivateLink guide, create-interface-endpoint: "DNS record IP type"."""
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.7.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"][
        "VpcId"
    ]
    block = aws.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]
    subnet = aws.ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.7.0.0/24",
        Ipv6CidrBlock=block["Ipv6CidrBlock"].replace("/56", "/64"),
        AvailabilityZone=f"{REGION}a",
    )["Subnet"]["SubnetId"]
    aws.strict.service_ip_types[API] = ["ipv4", "ipv6"]
    created = aws.ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=API,
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        PrivateDnsEnabled=False,
        IpAddressType="dualstack",
    )["VpcEndpoint"]
    assert created["IpAddressType"] == "dualstack"
    assert created["DnsOptions"] == {"DnsRecordIpType": "dualstack"}


# --------------------------------------------------------------------------- Block Public Access


def test_vpcs_and_subnets_report_the_regions_block_mode(aws: Aws, vpc: BuiltVpc) -> None:
    """EC2 API reference, BlockPublicAccessStates (on Vpc and Subnet); real answers carry it
    with ``off`` too."""
    subnet = vpc.public_subnets[f"{REGION}a"]
    states = aws.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["BlockPublicAccessStates"]
    assert states == {"InternetGatewayBlockMode": "off"}
    aws.strict.paths.bpa_mode = "block-bidirectional"
    (described,) = aws.ec2.describe_vpcs(VpcIds=[vpc.vpc_id])["Vpcs"]
    assert described["BlockPublicAccessStates"]["InternetGatewayBlockMode"] == "block-bidirectional"


def test_block_public_access_options_and_exclusions_are_answered(aws: Aws, vpc: BuiltVpc) -> None:
    """EC2 API reference, DescribeVpcBlockPublicAccessOptions / ...Exclusions."""
    aws.strict.paths.bpa_mode = "block-bidirectional"
    subnet = vpc.public_subnets[f"{REGION}a"]
    aws.strict.paths.bpa_exclusions = {subnet: "allow-egress", vpc.vpc_id: "allow-bidirectional"}
    aws.strict.paths.bpa_exclusion_states = {vpc.vpc_id: "delete-complete"}

    options = aws.ec2.describe_vpc_block_public_access_options()["VpcBlockPublicAccessOptions"]
    exclusions = aws.ec2.describe_vpc_block_public_access_exclusions()
    assert options["InternetGatewayBlockMode"] == "block-bidirectional"
    assert options["ExclusionsAllowed"] == "allowed"
    by_arn = {
        e["ResourceArn"]: (e["InternetGatewayExclusionMode"], e["State"])
        for e in exclusions["VpcBlockPublicAccessExclusions"]
    }
    assert by_arn == {
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{subnet}": (
            "allow-egress",
            "create-complete",
        ),
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc.vpc_id}": (
            "allow-bidirectional",
            "delete-complete",
        ),
    }


def test_a_refused_block_public_access_read_answers_its_error_code(aws: Aws) -> None:
    aws.strict.paths.bpa_failures = ["UnauthorizedOperation"]
    with pytest.raises(ClientError) as refused:
        aws.ec2.describe_vpc_block_public_access_exclusions()
    assert refused.value.response["Error"]["Code"] == "UnauthorizedOperation"


# --------------------------------------------------------------------------- IPv6 routes


def test_egress_only_gateway_routes_are_answered_as_ec2_does(aws: Aws, vpc: BuiltVpc) -> None:
    """EC2 API reference, Route: ``DestinationIpv6CidrBlock`` with
    ``EgressOnlyInternetGatewayId`` (moto answers this shape already: no patch needed)."""
    gateway = aws.ec2.create_egress_only_internet_gateway(VpcId=vpc.vpc_id)[
        "EgressOnlyInternetGateway"
    ]["EgressOnlyInternetGatewayId"]
    table = vpc.private_route_tables[f"{REGION}a"]
    aws.ec2.create_route(
        RouteTableId=table, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=gateway
    )
    routes = aws.ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    (route,) = [r for r in routes if r.get("DestinationIpv6CidrBlock") == "::/0"]
    assert route["EgressOnlyInternetGatewayId"] == gateway and route["State"] == "active"
    assert "GatewayId" not in route
