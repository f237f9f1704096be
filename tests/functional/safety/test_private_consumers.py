"""Private consumers are legitimate (issue 11 item 5) and the tool's group admits the VPC's
IPv6 blocks (issue 10 item 4): rule tests on snapshots, then the handler against moto."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.topology import build_vpc

# --------------------------------------------------------------------------- the handler


def auto_fix(env: pytest.MonkeyPatch) -> None:
    env.setenv("REMEDIATION_MODE", "auto-fix")
    env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)


def run(vpc_id: str, context: LambdaContext) -> dict[str, Any]:
    result: dict[str, Any] = lambda_handler(
        load_event("create_vpc", ids={"vpc-0a1b2c3d4e5f67890": vpc_id}), context
    )
    return result


def group_with(aws: Aws, vpc_id: str, name: str, *cidrs: str) -> str:
    group: str = aws.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)[
        "GroupId"
    ]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": c} for c in cidrs],
            }
        ],
    )
    return group


@pytest.mark.parametrize(
    ("cidrs", "detached"),
    [
        (("10.0.0.0/16", "172.20.0.0/16"), False),  # a peered VPC: a legitimate consumer
        (("10.0.0.0/16", "100.64.0.0/16", "192.168.10.0/24"), False),  # TGW spoke, on-premises
        (("0.0.0.0/0",), True),  # the internet: swapped for the tool's group
    ],
)
def test_handler_never_detaches_a_group_admitting_private_consumers(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    cidrs: tuple[str, ...],
    detached: bool,
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    group = group_with(aws, built.vpc_id, "shared-endpoints", *cidrs)
    endpoint = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        VpcEndpointType="Interface",
        SubnetIds=[ids[0] for _, ids in sorted(built.private_subnets.items())],
        SecurityGroupIds=[group],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    api_calls.clear()
    (vpc,) = run(built.vpc_id, lambda_context)["vpcs"]
    removals = [
        p
        for p in api_calls.params("ModifyVpcEndpoint")
        if p["VpcEndpointId"] == endpoint and p.get("RemoveSecurityGroupIds")
    ]
    after = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]
    groups = {g["GroupId"] for g in after["Groups"]}
    if detached:
        assert removals and group not in groups
    else:
        assert removals == [] and group in groups
        codes = {(f["code"], f["severity"]) for f in vpc["findings"]}
        assert ("endpoint-group-admits-outside-consumers", "info") in codes
    # The group itself is never edited.
    assert not any(
        p.get("GroupId") == group
        for op in ("RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress")
        for p in api_calls.params(op)
    )


def test_handler_keeps_a_private_source_an_operator_added_to_the_tools_group(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.ec2.associate_vpc_cidr_block(VpcId=built.vpc_id, AmazonProvidedIpv6CidrBlock=True)
    run(built.vpc_id, lambda_context)
    (authorize,) = [
        p for p in api_calls.params("AuthorizeSecurityGroupIngress") if p["IpPermissions"]
    ]
    ipv6 = [r["CidrIpv6"] for p in authorize["IpPermissions"] for r in p.get("Ipv6Ranges", [])]
    assert len(ipv6) == 1  # the VPC's IPv6 block, beside its IPv4 block

    group = authorize["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "192.168.0.0/16"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        ],
    )
    api_calls.clear()
    run(built.vpc_id, lambda_context)
    assert api_calls.writes("ec2") == ["RevokeSecurityGroupIngress"]
    (revoke,) = api_calls.params("RevokeSecurityGroupIngress")
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in revoke["IpPermissions"]] == [
        (22, "0.0.0.0/0")
    ]
    after = aws.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    sources = {r["CidrIp"] for p in after["IpPermissions"] for r in p.get("IpRanges", [])}
    assert sources == {"10.0.0.0/16", "192.168.0.0/16"}
    api_calls.clear()
    assert run(built.vpc_id, lambda_context)["vpcs"][0]["status"] == "compliant"
    assert api_calls.writes("ec2") == []
