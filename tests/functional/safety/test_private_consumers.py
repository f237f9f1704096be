"""Private consumers are legitimate (issue 11 item 5) and the tool's group admits the VPC's
IPv6 blocks (issue 10 item 4): rule tests on snapshots, then the handler against moto."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation import actions as A
from remediation.baseline import security_groups as G
from remediation.config import Settings
from remediation.engine import assess
from remediation.findings import Severity
from remediation.model import IngressRule, SecurityGroup
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.snapshots import VPC, compliant, https, interface, tool_group
from tests.support.topology import build_vpc

DAY = "2026-11-30"
V6 = "2600:1f18:abcd:1200::/56"


def v6(cidr: str) -> IngressRule:
    return IngressRule("tcp", 443, 443, cidr_ipv6=cidr)


def test_the_tools_group_keeps_private_rules_an_operator_added_and_revokes_wide_ones() -> None:
    operator = (https("192.168.0.0/16"), IngressRule("tcp", 8443, 8443, cidr_ipv4="10.0.0.0/16"))
    wide = (IngressRule("tcp", 22, 22, cidr_ipv4="0.0.0.0/0"), https("172.16.0.0/11"))
    snap = compliant(security_groups=(tool_group(https("10.0.0.0/16"), *operator, *wide),))
    findings, actions = assess(snap, Settings(), DAY)
    assert [(f.code, f.severity) for f in findings] == [
        (G.TOOL_GROUP_EXTRA_RULE, Severity.WARNING),
        (G.TOOL_GROUP_OPERATOR_RULE, Severity.INFO),
    ]
    (revoke,) = actions
    assert isinstance(revoke, A.RevokeIngress)
    assert revoke.rules == wide  # 172.16.0.0/11 reaches beyond RFC 1918's 172.16.0.0/12


def test_the_tools_group_admits_the_vpcs_ipv6_blocks() -> None:
    snap = dataclasses.replace(compliant(), ipv6_cidr_blocks=(V6,))
    findings, actions = assess(snap, Settings(), DAY)
    assert [f.code for f in findings] == [G.TOOL_GROUP_CIDR_MISSING]
    (authorize,) = actions
    assert isinstance(authorize, A.AuthorizeIngress) and authorize.cidr_blocks == (V6,)
    done = dataclasses.replace(snap, security_groups=(tool_group(https("10.0.0.0/16"), v6(V6)),))
    assert assess(done, Settings(), DAY) == ((), ())


def test_a_new_tool_group_carries_ipv4_and_ipv6_blocks() -> None:
    snap = dataclasses.replace(compliant(security_groups=()), ipv6_cidr_blocks=(V6,))
    create = next(
        a for a in assess(snap, Settings(), DAY)[1] if isinstance(a, A.CreateSecurityGroup)
    )
    assert create.cidr_blocks == ("10.0.0.0/16", V6)


def test_a_dual_stack_endpoint_needs_its_groups_to_admit_ipv6_too() -> None:
    user = SecurityGroup("sg-user", VPC, "user", ingress=(https("10.0.0.0/16"),))
    endpoint = dataclasses.replace(
        interface(
            "ecr.api", "subnet-priv-a", "subnet-priv-b", "subnet-priv-c", groups=("sg-user",)
        ),
        ip_address_type="dualstack",
    )
    base = compliant(ipv6_cidr_blocks=(V6,))
    snap = dataclasses.replace(
        base,
        endpoints=(endpoint, *base.endpoints[1:]),
        security_groups=(tool_group(https("10.0.0.0/16"), v6(V6)), user),
    )
    findings, _ = assess(snap, Settings(), DAY)
    (insufficient,) = [f for f in findings if f.code == "endpoint-group-insufficient"]
    assert V6 in insufficient.message


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
