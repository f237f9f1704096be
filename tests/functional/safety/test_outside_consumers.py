"""Outside consumers are never cut off automatically (issue 20 item 4), at the handler against
the strict model: IPv6 and public-space consumers behind peering connections and transit gateways
keep their access; other sources outside the VPC are reported for a person, and the group that
admits them stays attached."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.topology import BuiltVpc, build_vpc

CORE_NETWORK = "arn:aws:networkmanager::123456789012:core-network/core-network-0123456789abcdef0"


def https_group(
    aws: Aws, vpc_id: str, *, ipv4: tuple[str, ...] = (), ipv6: tuple[str, ...] = ()
) -> str:
    group: str = aws.ec2.create_security_group(
        GroupName="shared-endpoints", Description="shared", VpcId=vpc_id
    )["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": c} for c in ("10.0.0.0/16", *ipv4)],
                "Ipv6Ranges": [{"CidrIpv6": c} for c in ipv6],
            }
        ],
    )
    return group


def endpoint_with(aws: Aws, built: BuiltVpc, group: str) -> str:
    endpoint: str = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        VpcEndpointType="Interface",
        SubnetIds=[ids[0] for _, ids in sorted(built.private_subnets.items())],
        SecurityGroupIds=[group],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    return endpoint


def peer_ipv6(aws: Aws, built: BuiltVpc) -> tuple[str, str]:
    """A peered VPC's IPv6 block (global unicast, as every VPC's) and the peering connection."""
    peer = aws.ec2.create_vpc(CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = str(
        aws.ec2.describe_vpcs(VpcIds=[peer["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0][
            "Ipv6CidrBlock"
        ]
    )
    pcx = str(
        aws.ec2.create_vpc_peering_connection(VpcId=built.vpc_id, PeerVpcId=peer["VpcId"])[
            "VpcPeeringConnection"
        ]["VpcPeeringConnectionId"]
    )
    return block, pcx


def route_everywhere(aws: Aws, built: BuiltVpc, **route: str) -> None:
    for table in built.private_route_tables.values():
        aws.ec2.create_route(RouteTableId=table, **route)


def run(built: BuiltVpc, context: LambdaContext) -> dict[str, Any]:
    result: dict[str, Any] = lambda_handler(create_vpc_event(built.vpc_id), context)
    assert not result["failed"]
    (vpc,) = result["vpcs"]
    return dict(vpc)


def assert_kept(aws: Aws, api_calls: CallLog, endpoint: str, group: str) -> None:
    assert not any(
        p.get("RemoveSecurityGroupIds") for p in api_calls.params("ModifyVpcEndpoint")
    ), "a group admitting outside consumers was detached"
    after = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]
    assert group in {g["GroupId"] for g in after["Groups"]}
    assert not any(
        p.get("GroupId") == group
        for op in ("RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress")
        for p in api_calls.params(op)
    )


def codes(vpc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["code"], f["severity"]) for f in vpc["findings"]}


def test_an_ipv6_consumer_behind_peering_keeps_its_access(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    block, pcx = peer_ipv6(aws, built)
    route_everywhere(aws, built, DestinationIpv6CidrBlock=block, VpcPeeringConnectionId=pcx)
    group = https_group(aws, built.vpc_id, ipv6=(block,))
    endpoint = endpoint_with(aws, built, group)
    api_calls.clear()

    vpc = run(built, lambda_context)

    assert_kept(aws, api_calls, endpoint, group)
    assert ("endpoint-group-admits-outside-consumers", "info") in codes(vpc)


@pytest.mark.parametrize(
    "route",
    [
        {"DestinationCidrBlock": "198.51.100.0/24", "transit_gateway": "yes"},
        {"DestinationCidrBlock": "0.0.0.0/0", "transit_gateway": "yes"},  # inspected egress
        {"DestinationCidrBlock": "198.51.100.0/24", "CoreNetworkArn": CORE_NETWORK},
        {"DestinationCidrBlock": "198.51.100.0/24", "vpn_gateway": "yes"},
    ],
)
def test_a_public_space_consumer_behind_a_gateway_keeps_its_access(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    route: dict[str, str],
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    target = dict(route)
    if target.pop("transit_gateway", ""):
        target["TransitGatewayId"] = aws.ec2.create_transit_gateway()["TransitGateway"][
            "TransitGatewayId"
        ]
    if target.pop("vpn_gateway", ""):
        target["GatewayId"] = aws.ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"][
            "VpnGatewayId"
        ]
    route_everywhere(aws, built, **target)
    group = https_group(aws, built.vpc_id, ipv4=("198.51.100.7/32",))  # an internal network
    endpoint = endpoint_with(aws, built, group)
    api_calls.clear()

    vpc = run(built, lambda_context)

    assert_kept(aws, api_calls, endpoint, group)
    assert ("endpoint-group-admits-outside-consumers", "info") in codes(vpc)


@pytest.mark.parametrize(
    ("ipv4", "routed"),
    [
        (("198.51.100.7/32",), False),  # public space, no route back: a person's call
        (("0.0.0.0/0",), True),  # every address, consumers behind the peering among them
    ],
)
def test_other_outside_sources_are_a_person_s_call_and_never_detached(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    ipv4: tuple[str, ...],
    routed: bool,
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    if routed:
        block, pcx = peer_ipv6(aws, built)
        route_everywhere(aws, built, DestinationIpv6CidrBlock=block, VpcPeeringConnectionId=pcx)
    group = https_group(aws, built.vpc_id, ipv4=ipv4)
    endpoint = endpoint_with(aws, built, group)
    api_calls.clear()

    vpc = run(built, lambda_context)

    assert_kept(aws, api_calls, endpoint, group)
    assert ("endpoint-group-unverified-outside-sources", "manual") in codes(vpc)
    assert vpc["status"] == "incomplete"


def test_an_ipv6_block_an_operator_added_to_the_tool_s_group_is_never_revoked(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    run(built, lambda_context)  # the tool creates its group and endpoints
    (tool_group,) = [
        g["GroupId"]
        for g in aws.ec2.describe_security_groups(
            Filters=[{"Name": "tag:ecr-endpoint-guard/managed", "Values": ["true"]}]
        )["SecurityGroups"]
    ]
    routed, pcx = peer_ipv6(aws, built)
    route_everywhere(aws, built, DestinationIpv6CidrBlock=routed, VpcPeeringConnectionId=pcx)
    unrouted = "2600:1f18:abcd:1200::/56"
    aws.ec2.authorize_security_group_ingress(
        GroupId=tool_group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "Ipv6Ranges": [{"CidrIpv6": routed}, {"CidrIpv6": unrouted}],
            }
        ],
    )
    api_calls.clear()

    vpc = run(built, lambda_context)

    assert api_calls.params("RevokeSecurityGroupIngress") == []
    assert ("tool-group-operator-rule-kept", "info") in codes(vpc)
    assert ("tool-group-unverified-outside-rule", "manual") in codes(vpc)
