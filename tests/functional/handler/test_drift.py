"""Drift events (issue 3): each is resolved to its VPC with as few reads as possible, and in
auto-fix leads back to the baseline. Against moto; AWS state and recorded calls asserted."""

from __future__ import annotations

from typing import Any

import pytest
from bench.harness import SHARE_READS

from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.topology import BuiltVpc, build_vpc, endpoints

FIXTURE = {
    "vpc": "vpc-0a1b2c3d4e5f67890",
    "endpoint": "vpce-0a1b2c3d4e5f60001",
    "route_table": "rtb-0a1b2c3d4e5f60001",
    "subnet": "subnet-0aaaa1111bbbb2222",
}
#: Reads of one warm evaluation of a VPC that has its endpoints (the fixture's first run read
#: the region-level facts): DescribeVpcs, 2x DescribeVpcAttribute, subnets, route tables,
#: endpoints, groups, network interfaces (no zone lookup: the VPC has local endpoints), and
#: the Resolver rule associations of a served VPC (issue 21: a forwarding rule would bypass
#: its endpoints), and the run's one RAM read (``SHARE_READS``). Resolution may add one read.
#: ``bench.harness`` holds the budgets these stay within.
EVALUATION_READS = 9 + SHARE_READS


@pytest.fixture
def fixed_vpc(aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext) -> BuiltVpc:
    handler_env.setenv("REMEDIATION_MODE", "auto-fix")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    built = build_vpc(aws.ec2)
    lambda_handler(load_event("create_vpc", ids={FIXTURE["vpc"]: built.vpc_id}), lambda_context)
    assert violations(aws.ec2, built.vpc_id, REGION) == []
    return built


def reads(calls: CallLog) -> list[str]:
    return [op for op in calls.operations() if op.startswith(("Describe", "List", "Get"))]


def test_create_subnet_on_an_empty_vpc_leads_to_the_endpoints(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    handler_env.setenv("REMEDIATION_MODE", "auto-fix")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    first = lambda_handler(load_event("create_vpc", ids={FIXTURE["vpc"]: vpc_id}), lambda_context)
    assert first["vpcs"][0]["status"] == "fixed"  # DNS fixed; endpoints wait for a subnet
    assert endpoints(aws.ec2, vpc_id) == []

    subnet = aws.ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.7.1.0/24", AvailabilityZone=f"{REGION}a"
    )["Subnet"]["SubnetId"]
    event = load_event("create_subnet", ids={FIXTURE["vpc"]: vpc_id, FIXTURE["subnet"]: subnet})
    second = lambda_handler(event, lambda_context)

    assert second["event"]["vpc_ids"] == [vpc_id]
    assert second["vpcs"][0]["status"] == "fixed"
    assert violations(aws.ec2, vpc_id, REGION) == []
    assert len(endpoints(aws.ec2, vpc_id)) == 3


def test_dns_turned_off_is_turned_back_on(
    aws: Aws, fixed_vpc: BuiltVpc, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    aws.ec2.modify_vpc_attribute(VpcId=fixed_vpc.vpc_id, EnableDnsHostnames={"Value": False})
    api_calls.clear()
    event = load_event(
        "modify_vpc_attribute_dns_hostnames_false", ids={FIXTURE["vpc"]: fixed_vpc.vpc_id}
    )
    lambda_handler(event, lambda_context)
    assert len(reads(api_calls)) == EVALUATION_READS  # the event names the VPC: no resolution
    assert api_calls.writes("ec2") == ["ModifyVpcAttribute"]
    assert violations(aws.ec2, fixed_vpc.vpc_id, REGION) == []


def test_private_dns_turned_off_on_an_endpoint_is_repaired_in_place(
    aws: Aws, fixed_vpc: BuiltVpc, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    endpoint = next(
        e for e in endpoints(aws.ec2, fixed_vpc.vpc_id) if e["ServiceName"].endswith("ecr.api")
    )
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], PrivateDnsEnabled=False)
    api_calls.clear()
    event = load_event("modify_vpc_endpoint", ids={FIXTURE["endpoint"]: endpoint["VpcEndpointId"]})
    result = lambda_handler(event, lambda_context)
    # One read resolves the endpoint; with private DNS off the VPC lacks a local endpoint, so
    # its zones are read (ListHostedZonesByVPC, then its Route 53 Profile): a hub's zone
    # would make the repair a conflict (issue 10 item 6). Served by nothing, it has no
    # Resolver read (EVALUATION_READS counts one).
    assert len(reads(api_calls)) == EVALUATION_READS - 1 + 1 + 2
    assert result["vpcs"][0]["vpc_id"] == fixed_vpc.vpc_id
    assert violations(aws.ec2, fixed_vpc.vpc_id, REGION) == []
    assert api_calls.writes("ec2") == ["ModifyVpcEndpoint"]
    assert api_calls.params("ModifyVpcEndpoint") == [
        {"VpcEndpointId": endpoint["VpcEndpointId"], "PrivateDnsEnabled": True}
    ]
    assert len(endpoints(aws.ec2, fixed_vpc.vpc_id)) == 3  # repaired, not replaced


@pytest.mark.parametrize("name", ["associate_route_table", "replace_route_table_association"])
def test_route_table_changes_resolve_through_the_table(
    aws: Aws, fixed_vpc: BuiltVpc, api_calls: CallLog, lambda_context: LambdaContext, name: str
) -> None:
    # A new private route table takes over a private subnet: the S3 gateway must follow.
    table = aws.ec2.create_route_table(VpcId=fixed_vpc.vpc_id)["RouteTable"]["RouteTableId"]
    subnet = fixed_vpc.all_private[0]
    association = next(
        a["RouteTableAssociationId"]
        for t in aws.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )["RouteTables"]
        for a in t["Associations"]
        if a.get("SubnetId") == subnet
    )
    aws.ec2.replace_route_table_association(AssociationId=association, RouteTableId=table)
    assert violations(aws.ec2, fixed_vpc.vpc_id, REGION)
    api_calls.clear()
    event = load_event(name, ids={FIXTURE["route_table"]: table, FIXTURE["subnet"]: subnet})
    result = lambda_handler(event, lambda_context)
    assert len(reads(api_calls)) == EVALUATION_READS + 1  # one read resolves the table
    assert result["event"]["route_table_ids"] == [table]
    assert api_calls.writes("ec2") == ["ModifyVpcEndpoint"]
    (modify,) = api_calls.params("ModifyVpcEndpoint")
    assert modify["AddRouteTableIds"] == [table]
    assert violations(aws.ec2, fixed_vpc.vpc_id, REGION) == []


def test_security_group_edit_on_the_tools_group_is_tightened(
    aws: Aws, fixed_vpc: BuiltVpc, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    group = aws.ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [fixed_vpc.vpc_id]},
            {"Name": "tag:ecr-endpoint-guard/managed", "Values": ["true"]},
        ]
    )["SecurityGroups"][0]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    api_calls.clear()
    event = load_event(
        "authorize_security_group_ingress", ids={"sg-0123456789abcdef0": group["GroupId"]}
    )
    lambda_handler(event, lambda_context)
    assert api_calls.writes("ec2") == ["RevokeSecurityGroupIngress"]
    assert violations(aws.ec2, fixed_vpc.vpc_id, REGION) == []
    after = aws.ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in after["IpPermissions"]] == [
        (443, "10.0.0.0/16")
    ]


def test_scheduled_sweep_evaluates_every_vpc_of_the_region(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    built = [build_vpc(aws.ec2, cidr=f"10.{n}.0.0/16", azs=1) for n in range(3)]
    api_calls.clear()
    result: dict[str, Any] = lambda_handler(load_event("scheduled_sweep"), lambda_context)
    sweep_reads = len(reads(api_calls))
    assert result["event"]["sweep"] is True
    assert {b.vpc_id for b in built} <= {v["vpc_id"] for v in result["vpcs"]}
    # Region-wide reads grouped by VPC: only the two attribute reads are per VPC.
    vpcs = len(result["vpcs"])
    # Plus one zone lookup per VPC without local endpoints (issue 10 item 8).
    lookups = api_calls.operations("route53").count("ListHostedZonesByVPC")
    assert lookups <= vpcs
    assert sweep_reads <= 2 * vpcs + 15 + lookups
