"""Issue 21 items 5-7 and the Amazon DNS server at the handler level, against the real-EC2 model
(``tests/support/strict_ec2.py`` with ``tests/support/strict_paths.py``): S3 interface
endpoints, VPC Block Public Access, IPv6 egress and IPv6-only subnets, and the DNS server's
address in a VPC with several IPv4 blocks."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation.aws import hosted_zones
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.topology import BuiltVpc, build_vpc, endpoints

S3 = f"com.amazonaws.{REGION}.s3"
API = f"com.amazonaws.{REGION}.ecr.api"
DKR = f"com.amazonaws.{REGION}.ecr.dkr"


@pytest.fixture(autouse=True)
def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.0)


def run(vpc_id: str, context: LambdaContext) -> dict[str, Any]:
    (vpc,) = lambda_handler(create_vpc_event(vpc_id), context)["vpcs"]
    return dict(vpc)


def findings(vpc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in vpc["findings"] if f["code"] == code]


def codes(vpc: dict[str, Any]) -> set[str]:
    return {f["code"] for f in vpc["findings"]}


def gateways(aws: Aws, vpc_id: str) -> list[dict[str, Any]]:
    return [e for e in endpoints(aws.ec2, vpc_id) if e["VpcEndpointType"] == "Gateway"]


def s3_interface(aws: Aws, built: BuiltVpc, **kwargs: Any) -> str:
    return str(
        aws.ec2.create_vpc_endpoint(
            VpcId=built.vpc_id,
            ServiceName=S3,
            VpcEndpointType="Interface",
            SubnetIds=[ids[0] for ids in built.private_subnets.values()],
            PrivateDnsEnabled=True,
            **kwargs,
        )["VpcEndpoint"]["VpcEndpointId"]
    )


# --------------------------------------------------------------------------- S3 interface endpoints


def test_an_s3_interface_endpoint_with_private_dns_serves_the_layers_and_no_gateway_is_made(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    endpoint = s3_interface(
        aws, built, DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": False}
    )
    api_calls.clear()

    first = run(built.vpc_id, lambda_context)

    assert first["status"] == "fixed", first
    (info,) = findings(first, "gateway-served-by-interface-endpoint")
    assert info["severity"] == "info" and info["resource_id"] == endpoint
    assert "can't be used with Amazon ECR" in info["message"]  # the ECS guide's caveat, quoted
    assert "gateway-missing" not in codes(first)
    created = {p["ServiceName"] for p in api_calls.params("CreateVpcEndpoint")}
    assert created == {API, DKR}  # the ECR endpoints only: no S3 gateway
    assert gateways(aws, built.vpc_id) == []

    second = run(built.vpc_id, lambda_context)

    assert second["status"] == "compliant", second
    assert "gateway-served-by-interface-endpoint" in codes(second)


def test_the_s3_interface_endpoints_policy_is_judged_for_the_layer_bucket(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True)
    narrow = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::my-own-bucket/*",
            }
        ]
    }
    endpoint = s3_interface(
        aws,
        built,
        DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": False},
        PolicyDocument=json.dumps(narrow),
    )

    vpc = run(built.vpc_id, lambda_context)

    (blocked,) = findings(vpc, "gateway-policy-blocks-ecr-layers")
    assert blocked["resource_id"] == endpoint and blocked["severity"] == "warning"
    assert f"prod-{REGION}-starport-layer-bucket" in blocked["message"]


def test_with_private_dns_for_inbound_resolvers_only_the_gateway_is_still_required(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    """EC2 takes the inbound-only option only while a gateway exists: the tool extends it to
    the private route tables it lacks, as without an interface endpoint."""
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    first_table = built.private_route_tables[f"{REGION}a"]
    gateway = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id, ServiceName=S3, VpcEndpointType="Gateway", RouteTableIds=[first_table]
    )["VpcEndpoint"]["VpcEndpointId"]
    s3_interface(aws, built)  # PrivateDnsOnlyForInboundResolverEndpoint: EC2's default, true

    vpc = run(built.vpc_id, lambda_context)

    assert vpc["status"] == "fixed", vpc
    assert "gateway-served-by-interface-endpoint" not in codes(vpc)
    (missing,) = findings(vpc, "gateway-route-table-missing")
    assert missing["resource_id"] == gateway
    (modify,) = [p for p in api_calls.params("ModifyVpcEndpoint") if p["VpcEndpointId"] == gateway]
    assert set(modify["AddRouteTableIds"]) == set(built.private_route_tables.values()) - {
        first_table
    }


def test_without_private_dns_an_s3_interface_endpoint_leaves_the_gateway_required(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=S3,
        VpcEndpointType="Interface",
        SubnetIds=[built.all_private[0]],
        PrivateDnsEnabled=False,
    )

    vpc = run(built.vpc_id, lambda_context)

    assert "gateway-missing" in codes(vpc)
    assert len(gateways(aws, built.vpc_id)) == 1


# --------------------------------------------------------------------------- Block Public Access


def test_subnets_whose_internet_gateway_bpa_blocks_get_the_s3_route_and_the_endpoints(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    # An AZ with an internet-routed subnet only: public by its routes, private under BPA.
    lonely = aws.ec2.create_subnet(
        VpcId=built.vpc_id, CidrBlock="10.0.200.0/24", AvailabilityZone=f"{REGION}d"
    )["Subnet"]["SubnetId"]
    aws.ec2.associate_route_table(RouteTableId=built.public_route_table, SubnetId=lonely)
    aws.strict.paths.bpa_mode = "block-bidirectional"

    vpc = run(built.vpc_id, lambda_context)

    assert vpc["status"] == "fixed", vpc
    (gateway,) = gateways(aws, built.vpc_id)
    assert built.public_route_table in gateway["RouteTableIds"]
    (dkr,) = [e for e in endpoints(aws.ec2, built.vpc_id) if e["ServiceName"] == DKR]
    assert lonely in dkr["SubnetIds"]  # the only subnet of its AZ: placement counts it
    (info,) = findings(vpc, "block-public-access-private-subnets")
    assert lonely in info["message"] and info["severity"] == "info"
    assert "DescribeVpcBlockPublicAccessExclusions" in api_calls.operations("ec2")


def test_an_excluded_subnet_keeps_its_shared_route_table_public(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    """One subnet of the public table is let out by an exclusion (``allow-egress``): an S3
    route on that table would move its S3 traffic too, so the table gets none."""
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.paths.bpa_mode = "block-bidirectional"
    aws.strict.paths.bpa_exclusions = {built.public_subnets[f"{REGION}a"]: "allow-egress"}

    vpc = run(built.vpc_id, lambda_context)

    (gateway,) = gateways(aws, built.vpc_id)
    assert built.public_route_table not in gateway["RouteTableIds"]
    (info,) = findings(vpc, "block-public-access-private-subnets")
    assert built.public_subnets[f"{REGION}a"] not in info["message"]
    assert built.public_subnets[f"{REGION}b"] in info["message"]
    (stuck,) = findings(vpc, "block-public-access-shared-route-table")
    assert stuck["severity"] == "manual"
    assert stuck["resource_id"].split(",") == sorted(
        built.public_subnets[f"{REGION}{az}"] for az in "bc"
    )


def test_a_vpc_exclusion_or_ingress_only_mode_changes_nothing(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.paths.bpa_mode = "block-bidirectional"
    aws.strict.paths.bpa_exclusions = {built.vpc_id: "allow-bidirectional"}
    excluded = run(built.vpc_id, lambda_context)
    aws.strict.paths.bpa_mode = "block-ingress"  # egress still leaves: nothing to read
    ingress_only = run(built.vpc_id, lambda_context)

    for vpc in (excluded, ingress_only):
        assert "block-public-access-private-subnets" not in codes(vpc)
        (missing,) = findings(vpc, "gateway-missing")
        assert built.public_route_table not in missing["message"]


def test_unreadable_exclusions_are_info_and_judged_as_off(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.paths.bpa_mode = "block-bidirectional"
    aws.strict.paths.bpa_failures = ["UnauthorizedOperation"]

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    assert not result["failed"], result
    (vpc,) = result["vpcs"]
    assert vpc["status"] == "fixed", vpc
    (info,) = findings(vpc, "block-public-access-unknown")
    assert info["severity"] == "info"
    assert "ec2:DescribeVpcBlockPublicAccessExclusions" in info["message"]
    (gateway,) = gateways(aws, built.vpc_id)
    assert built.public_route_table not in gateway["RouteTableIds"]  # judged as off
    api_calls.clear()

    run(built.vpc_id, lambda_context)

    # A refusal no retry fixes is kept like an answer: not asked again while warm.
    assert "DescribeVpcBlockPublicAccessExclusions" not in api_calls.operations("ec2")


# --------------------------------------------------------------------------- IPv6


def dual_stack_vpc(aws: Aws) -> tuple[str, list[str]]:
    """A VPC with an IPv6 block and, per AZ a/b, a private dual-stack subnet; its id and the
    /64 blocks of its IPv6 block."""
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.8.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"][
        "VpcId"
    ]
    aws.ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    (block,) = aws.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"]
    network = list(ipaddress.ip_network(block["Ipv6CidrBlock"]).subnets(new_prefix=64))
    for index, az in enumerate("ab"):
        aws.ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"10.8.{index}.0/24",
            Ipv6CidrBlock=str(network[index]),
            AvailabilityZone=f"{REGION}{az}",
        )
    return vpc_id, [str(n) for n in network]


def test_an_ipv6_default_route_to_an_egress_only_gateway_is_the_dual_stack_bypass_info(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    vpc_id, _ = dual_stack_vpc(aws)
    (main,) = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "RouteTables"
    ]
    eigw = aws.ec2.create_egress_only_internet_gateway(VpcId=vpc_id)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"
    ]
    before = run(vpc_id, lambda_context)
    aws.ec2.create_route(
        RouteTableId=main["RouteTableId"],
        DestinationIpv6CidrBlock="::/0",
        EgressOnlyInternetGatewayId=eigw,
    )

    after = run(vpc_id, lambda_context)

    assert "dual-stack-names-bypass" not in codes(before)
    (info,) = findings(after, "dual-stack-names-bypass")
    assert info["severity"] == "info" and eigw in info["message"]
    assert "keep to the IPv4 names" in info["message"]


def test_ipv6_only_subnets_without_a_private_path_are_a_warning(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    vpc_id, blocks = dual_stack_vpc(aws)
    ipv6_only = aws.ec2.create_subnet(
        VpcId=vpc_id, Ipv6CidrBlock=blocks[5], Ipv6Native=True, AvailabilityZone=f"{REGION}a"
    )["Subnet"]["SubnetId"]

    run(vpc_id, lambda_context)  # the service offers IPv4 only: the tool's endpoints are IPv4
    ipv4_endpoints = run(vpc_id, lambda_context)

    warnings = findings(ipv4_endpoints, "ipv6-only-subnets-no-private-path")
    assert {w["service"] for w in warnings} == {"ecr.api", "ecr.dkr"}
    assert all(w["severity"] == "warning" and ipv6_only in w["message"] for w in warnings)
    assert ipv4_endpoints["status"] != "compliant"


def test_dual_stack_endpoints_give_ipv6_only_subnets_their_private_path(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    vpc_id, blocks = dual_stack_vpc(aws)
    aws.ec2.create_subnet(
        VpcId=vpc_id, Ipv6CidrBlock=blocks[5], Ipv6Native=True, AvailabilityZone=f"{REGION}a"
    )
    aws.strict.service_ip_types[API] = ["ipv4", "ipv6"]
    aws.strict.service_ip_types[DKR] = ["ipv4", "ipv6"]

    first = run(vpc_id, lambda_context)  # no endpoint yet: no path; the tool's are dual-stack
    second = run(vpc_id, lambda_context)

    assert "ipv6-only-subnets-no-private-path" in codes(first)
    assert "ipv6-only-subnets-no-private-path" not in codes(second)
    assert second["status"] == "compliant", second


# --------------------------------------------------------------------------- Amazon DNS server


def test_only_the_primary_blocks_base_plus_two_is_the_amazon_dns_server(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    """VPC UG, "DNS attributes for your VPC": "For VPCs with multiple IPv4 CIDR blocks, the
    DNS server IP address is located in the primary CIDR block." The ``.2`` of a secondary
    block is an ordinary address (here a custom server's)."""
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.ec2.associate_vpc_cidr_block(VpcId=built.vpc_id, CidrBlock="10.1.0.0/16")
    options = aws.ec2.create_dhcp_options(
        DhcpConfigurations=[{"Key": "domain-name-servers", "Values": ["10.0.0.2", "10.1.0.2"]}]
    )["DhcpOptions"]["DhcpOptionsId"]
    aws.ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=built.vpc_id)

    # A sweep: an event reads the DNS servers of a VPC only once something serves it.
    swept = lambda_handler(load_event("scheduled_sweep"), lambda_context)["vpcs"]
    (vpc,) = [v for v in swept if v["vpc_id"] == built.vpc_id]

    (info,) = findings(vpc, "dhcp-custom-dns-servers")
    assert "10.1.0.2" in info["message"]
    assert "10.0.0.2" not in info["message"].split(":")[0]


def test_a_sweep_reads_the_exclusions_once_for_every_vpc(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    built = [build_vpc(aws.ec2, dns_hostnames=True) for _ in range(3)]
    aws.strict.paths.bpa_mode = "block-bidirectional"
    aws.strict.paths.bpa_exclusions = {built[0].vpc_id: "allow-egress"}

    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)

    assert api_calls.operations("ec2").count("DescribeVpcBlockPublicAccessExclusions") == 1
    by_vpc = {v["vpc_id"]: codes(v) for v in result["vpcs"]}
    assert "block-public-access-private-subnets" not in by_vpc[built[0].vpc_id]  # excluded
    assert all("block-public-access-private-subnets" in by_vpc[b.vpc_id] for b in built[1:])
