"""What the tool does not own, it leaves as it was, beyond the one minimal repair allowed.

One test per kind of user resource, each asserting on AWS state before and after an
auto-fix run, and on the recorded calls (which resources any write named).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation.actions import TOOL_GROUP_NAME
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.scenarios import auto_fix, create_vpc_event, endpoint_of
from tests.support.topology import BuiltVpc, build_vpc

ECR_API = f"com.amazonaws.{REGION}.ecr.api"
WRITE_ID_KEYS = ("GroupId", "VpcEndpointId", "RouteTableId", "SubnetId", "NetworkInterfaceId")


@pytest.fixture
def app(aws: Aws) -> BuiltVpc:
    return build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})


def written(calls: CallLog) -> list[tuple[str, dict[str, Any]]]:
    reads = ("Describe", "List", "Get")
    return [(op, p) for svc, op, p in calls.calls if svc == "ec2" and not op.startswith(reads)]


def named_by_writes(calls: CallLog) -> set[str]:
    """Every resource id that a write call names as its target."""
    return {p[key] for _, p in written(calls) for key in WRITE_ID_KEYS if key in p}


def groups_by_id(aws: Aws, vpc_id: str) -> dict[str, dict[str, Any]]:
    return {
        g["GroupId"]: g
        for g in aws.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
            "SecurityGroups"
        ]
    }


def test_shared_security_group_is_only_detached_from_the_endpoint(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    subnet = app.private_subnets[f"{REGION}a"][0]
    shared = aws.ec2.create_security_group(
        GroupName="shared",
        Description="used by the endpoint and by a workload",
        VpcId=app.vpc_id,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "team", "Value": "x"}]}
        ],
    )["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=shared,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
        ],
    )
    workload = aws.ec2.create_network_interface(SubnetId=subnet, Groups=[shared])[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    endpoint = aws.ec2.create_vpc_endpoint(
        VpcEndpointType="Interface",
        VpcId=app.vpc_id,
        ServiceName=ECR_API,
        SubnetIds=[app.private_subnets[f"{REGION}{az}"][0] for az in "abc"],
        SecurityGroupIds=[shared],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    before = groups_by_id(aws, app.vpc_id)
    auto_fix(handler_env)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(app.vpc_id), lambda_context)

    codes = {f["code"] for f in result["vpcs"][0]["findings"]}
    assert "endpoint-group-too-wide" in codes
    after = groups_by_id(aws, app.vpc_id)
    for group_id, group in before.items():  # every group that existed is exactly as it was
        assert after[group_id] == group, group_id
    tool = next(g for g in after.values() if g["GroupName"] == TOOL_GROUP_NAME)
    assert [g["GroupId"] for g in endpoint_of(aws.ec2, app.vpc_id, "ecr.api")["Groups"]] == [
        tool["GroupId"]
    ]
    eni = aws.ec2.describe_network_interfaces(NetworkInterfaceIds=[workload])
    assert [g["GroupId"] for g in eni["NetworkInterfaces"][0]["Groups"]] == [shared]
    # The only write that names the shared group detaches it from the endpoint.
    naming_shared = [(op, p) for op, p in written(api_calls) if shared in json.dumps(p)]
    assert naming_shared == [
        (
            "ModifyVpcEndpoint",
            {
                "VpcEndpointId": endpoint,
                "AddSecurityGroupIds": [tool["GroupId"]],
                "RemoveSecurityGroupIds": [shared],
            },
        )
    ]
    assert named_by_writes(api_calls) <= {endpoint, tool["GroupId"]}


def test_endpoint_policy_is_unchanged_by_a_repair(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    policy = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/app/*",
                }
            ]
        }
    )
    endpoint = aws.ec2.create_vpc_endpoint(  # private DNS off and one AZ: two repairs due
        VpcEndpointType="Interface",
        VpcId=app.vpc_id,
        ServiceName=ECR_API,
        SubnetIds=[app.private_subnets[f"{REGION}a"][0]],
        PolicyDocument=policy,
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]["VpcEndpointId"]
    auto_fix(handler_env)
    api_calls.clear()

    lambda_handler(create_vpc_event(app.vpc_id), lambda_context)

    after = endpoint_of(aws.ec2, app.vpc_id, "ecr.api")
    assert after["VpcEndpointId"] == endpoint  # repaired in place, not replaced
    assert after["PrivateDnsEnabled"] is True
    assert json.loads(after["PolicyDocument"]) == json.loads(policy)
    modifies = api_calls.params("ModifyVpcEndpoint")
    assert modifies and all(m["VpcEndpointId"] == endpoint for m in modifies)
    assert not any({"PolicyDocument", "ResetPolicy"} & set(m) for m in modifies)


def test_route_tables_only_gain_the_s3_prefix_list_route(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    public_a = app.public_subnets[f"{REGION}a"]
    allocation = aws.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = aws.ec2.create_nat_gateway(SubnetId=public_a, AllocationId=allocation)["NatGateway"][
        "NatGatewayId"
    ]
    eni = aws.ec2.create_network_interface(SubnetId=app.private_subnets[f"{REGION}b"][0])[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    table: Any  # a route table's id here, its description further down
    for table in app.private_route_tables.values():
        aws.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        aws.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="192.168.0.0/16", NetworkInterfaceId=eni
        )

    def tables() -> dict[str, dict[str, Any]]:
        found = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [app.vpc_id]}])
        return {t["RouteTableId"]: t for t in found["RouteTables"]}

    before = tables()
    auto_fix(handler_env)
    api_calls.clear()

    lambda_handler(create_vpc_event(app.vpc_id), lambda_context)

    after = tables()
    gateway = endpoint_of(aws.ec2, app.vpc_id, "s3")["VpcEndpointId"]
    for table_id, table in before.items():
        added = [r for r in after[table_id]["Routes"] if r not in table["Routes"]]
        removed = [r for r in table["Routes"] if r not in after[table_id]["Routes"]]
        assert removed == [], table_id
        assert after[table_id]["Associations"] == table["Associations"]
        if table_id in app.private_route_tables.values():
            assert [(r.get("DestinationPrefixListId", "")[:3], r["GatewayId"]) for r in added] == [
                ("pl-", gateway)
            ]
        else:
            assert added == [], table_id  # the public and main tables are not touched
    ops = {op for op, _ in written(api_calls)}
    assert not ops & {"CreateRoute", "ReplaceRoute", "ReplaceRouteTableAssociation"}


def test_a_second_endpoint_of_the_same_service_is_left_alone_and_reported(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    subnets = [app.private_subnets[f"{REGION}{az}"][0] for az in "abc"]
    keeper = aws.ec2.create_vpc_endpoint(
        VpcEndpointType="Interface",
        VpcId=app.vpc_id,
        ServiceName=ECR_API,
        SubnetIds=subnets,
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    second = aws.ec2.create_vpc_endpoint(  # private DNS off (EC2 allows one with it on)
        VpcEndpointType="Interface",
        VpcId=app.vpc_id,
        ServiceName=ECR_API,
        SubnetIds=subnets[:1],
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]["VpcEndpointId"]

    def described(endpoint_id: str) -> dict[str, Any]:
        item = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]
        return {
            k: item.get(k) for k in ("State", "SubnetIds", "Groups", "PrivateDnsEnabled", "Tags")
        }

    before = described(second)
    auto_fix(handler_env)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(app.vpc_id), lambda_context)

    assert described(second) == before
    assert second not in named_by_writes(api_calls)
    assert keeper in named_by_writes(api_calls)  # the keeper got the tool's group
    (duplicate,) = [f for f in result["vpcs"][0]["findings"] if f["code"] == "endpoint-duplicate"]
    assert duplicate["severity"] == "manual"
    assert second in duplicate["resource_id"]
    assert result["vpcs"][0]["status"] == "incomplete"
