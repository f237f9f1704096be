"""Endpoint policies (issue 10 item 3): a blocking policy is reported and never rewritten,
the seed article's policies are compliant, the tool's own endpoints get the policy of the
settings and are put back when it drifts. Pure rule tests first, then the handler against
moto made strict (moto returns ``PolicyDocument`` as written, and EC2's default
full-access document when none was given)."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation.baseline import endpoint_policies as P
from remediation.iam_policy.evaluation import canonical
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.policies import DENY_PULLS, OTHER_BUCKET, SEED_ECR, SEED_S3
from tests.support.topology import BuiltVpc, build_vpc

# --------------------------------------------------------------------------- the rule


# --------------------------------------------------------------------------- the handler


def auto_fix(env: pytest.MonkeyPatch) -> None:
    env.setenv("REMEDIATION_MODE", "auto-fix")
    env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)


def run(vpc_id: str, context: LambdaContext) -> dict[str, Any]:
    result: dict[str, Any] = lambda_handler(
        load_event("create_vpc", ids={"vpc-0a1b2c3d4e5f67890": vpc_id}), context
    )
    return result


def user_endpoints(aws: Aws, built: BuiltVpc, ecr_policy: str, s3_policy: str) -> dict[str, str]:
    """The account's own endpoints, complete but for their policies, and a tight group."""
    group = aws.ec2.create_security_group(
        GroupName="endpoints", Description="endpoints", VpcId=built.vpc_id
    )["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            }
        ],
    )
    subnets = [ids[0] for _, ids in sorted(built.private_subnets.items())]
    made = {}
    for short in ("ecr.api", "ecr.dkr"):
        made[short] = aws.ec2.create_vpc_endpoint(
            VpcId=built.vpc_id,
            ServiceName=f"com.amazonaws.{REGION}.{short}",
            VpcEndpointType="Interface",
            SubnetIds=subnets,
            SecurityGroupIds=[group],
            PrivateDnsEnabled=True,
            PolicyDocument=ecr_policy,
        )["VpcEndpoint"]["VpcEndpointId"]
    made["s3"] = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=sorted(built.private_route_tables.values()),
        PolicyDocument=s3_policy,
    )["VpcEndpoint"]["VpcEndpointId"]
    return made


def policies(aws: Aws, ids: dict[str, str]) -> dict[str, str]:
    found = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=list(ids.values()))["VpcEndpoints"]
    return {e["VpcEndpointId"]: e["PolicyDocument"] for e in found}


def test_handler_reports_a_blocking_policy_and_never_rewrites_it(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    ids = user_endpoints(aws, built, DENY_PULLS, OTHER_BUCKET)
    before = policies(aws, ids)
    assert before[ids["ecr.api"]] == DENY_PULLS  # moto returns the document as written
    api_calls.clear()

    for _ in range(2):  # and again: still reported, still untouched
        (vpc,) = run(built.vpc_id, lambda_context)["vpcs"]
        codes = {(f["code"], f["resource_id"], f["severity"]) for f in vpc["findings"]}
        assert (P.ENDPOINT_POLICY_BLOCKS_PULLS, ids["ecr.api"], "warning") in codes
        assert (P.ENDPOINT_POLICY_BLOCKS_PULLS, ids["ecr.dkr"], "warning") in codes
        assert (P.GATEWAY_POLICY_BLOCKS_LAYERS, ids["s3"], "warning") in codes
        assert vpc["status"] != "compliant"

    for params in api_calls.params("ModifyVpcEndpoint"):
        assert "PolicyDocument" not in params and "ResetPolicy" not in params
    assert policies(aws, ids) == before


def test_handler_finds_the_seed_articles_policies_compliant(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    user_endpoints(aws, built, SEED_ECR, SEED_S3)
    api_calls.clear()
    (vpc,) = run(built.vpc_id, lambda_context)["vpcs"]
    assert vpc["status"] == "compliant", vpc["findings"]
    assert api_calls.writes("ec2") == []


def test_handler_restores_the_policy_of_its_own_endpoint_only(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("ENDPOINT_POLICY", "account")
    built = build_vpc(aws.ec2, dns_hostnames=True)
    run(built.vpc_id, lambda_context)
    created = [p for p in api_calls.params("CreateVpcEndpoint") if "ecr" in p["ServiceName"]]
    assert len(created) == 2
    assert all("aws:PrincipalAccount" in p["PolicyDocument"] for p in created)
    mine = aws.ec2.describe_vpc_endpoints(
        Filters=[
            {"Name": "vpc-id", "Values": [built.vpc_id]},
            {"Name": "service-name", "Values": [f"com.amazonaws.{REGION}.ecr.api"]},
        ]
    )["VpcEndpoints"][0]
    wanted = mine["PolicyDocument"]

    api_calls.clear()
    assert run(built.vpc_id, lambda_context)["vpcs"][0]["status"] == "compliant"
    assert api_calls.writes("ec2") == []  # what EC2 returns equals the setting's document

    aws.ec2.modify_vpc_endpoint(VpcEndpointId=mine["VpcEndpointId"], PolicyDocument=DENY_PULLS)
    api_calls.clear()
    run(built.vpc_id, lambda_context)
    (modify,) = api_calls.params("ModifyVpcEndpoint")
    assert modify["VpcEndpointId"] == mine["VpcEndpointId"]
    assert canonical(modify["PolicyDocument"]) == canonical(wanted)
    after = policies(aws, {"x": mine["VpcEndpointId"]})[mine["VpcEndpointId"]]
    assert canonical(after) == canonical(wanted)
