"""The tool's own writes must not start an unbounded chain of invocations.

Each write the tool makes produces a CloudTrail event, and several of them match the
EventBridge rules (CreateVpcEndpoint, ModifyVpcEndpoint, ModifyVpcAttribute, security
group rule changes). These tests replay, through the handler, the events the tool's
own recorded calls would produce (built from the real shapes in ``events/``, with the
function role's identity), generation after generation, and assert that the chain stops
at once:

* with ``TOOL_ROLE_ARN`` set (as the template sets it), each is refused as the tool's own
  call before any AWS call;
* without it (a misconfiguration), each is evaluated, finds the VPC compliant, and writes
  nothing: the loop is bounded by the baseline itself, not only by the identity check.
"""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.scenarios import FIXTURE_VPC, ROLE_ARN, auto_fix, create_vpc_event
from tests.support.topology import BuiltVpc, build_vpc

READS = ("Describe", "List", "Get")
MAX_GENERATIONS = 3


def own_identity() -> dict[str, Any]:
    """The function role's identity, as CloudTrail records it (events/own_call_...)."""
    identity: dict[str, Any] = load_event("own_call_modify_vpc_endpoint")["detail"]["userIdentity"]
    assert identity["sessionContext"]["sessionIssuer"]["arn"] == ROLE_ARN
    return identity


def cloudtrail_event(operation: str, params: dict[str, Any], vpc_id: str) -> dict[str, Any]:
    """The EventBridge event a write by the tool's role produces, from the real shapes."""
    if operation == "ModifyVpcAttribute":
        event = load_event("modify_vpc_attribute_dns_hostnames_false", ids={FIXTURE_VPC: vpc_id})
        attribute = next(k for k in params if k != "VpcId")
        event["detail"]["requestParameters"] = {
            "vpcId": vpc_id,
            attribute[:1].lower() + attribute[1:]: {"value": params[attribute]["Value"]},
        }
    elif operation == "CreateVpcEndpoint":
        kind = params.get("VpcEndpointType", "Gateway")
        name = (
            "create_vpc_endpoint_ecr_api"
            if kind == "Interface"
            else "create_vpc_endpoint_gateway_s3"
        )
        event = load_event(name, ids={FIXTURE_VPC: vpc_id})
        request = event["detail"]["requestParameters"]["CreateVpcEndpointRequest"]
        request["ServiceName"] = params["ServiceName"]
    elif operation == "ModifyVpcEndpoint":
        event = load_event(
            "modify_vpc_endpoint", ids={"vpce-0a1b2c3d4e5f60001": params["VpcEndpointId"]}
        )
    elif operation == "AuthorizeSecurityGroupIngress":
        event = load_event(
            "authorize_security_group_ingress", ids={"sg-0123456789abcdef0": params["GroupId"]}
        )
    elif operation == "RevokeSecurityGroupIngress":
        event = load_event(
            "revoke_security_group_ingress", ids={"sg-0fedcba9876543210": params["GroupId"]}
        )
    elif operation == "CreateSecurityGroup":
        # No captured shape (the rules do not match it); the old-style API's form.
        event = load_event("create_vpc", ids={FIXTURE_VPC: vpc_id})
        event["detail"]["eventName"] = "CreateSecurityGroup"
        event["detail"]["requestParameters"] = {
            "groupName": params["GroupName"],
            "groupDescription": params["Description"],
            "vpcId": vpc_id,
        }
        event["detail"]["responseElements"] = {"_return": True}
    else:
        raise AssertionError(f"the tool made a call this test does not know: {operation}")
    event["detail"]["userIdentity"] = own_identity()
    return event


def writes(calls: CallLog) -> list[tuple[str, dict[str, Any]]]:
    return [(op, p) for svc, op, p in calls.calls if svc == "ec2" and not op.startswith(READS)]


def chain(
    first: list[tuple[str, dict[str, Any]]],
    vpc_id: str,
    calls: CallLog,
    context: LambdaContext,
    own_role_known: bool,
) -> list[int]:
    """Replay the events of each generation's writes; the number of writes per generation."""
    sizes = [len(first)]
    generation = first
    for _ in range(MAX_GENERATIONS):
        produced: list[tuple[str, dict[str, Any]]] = []
        for operation, params in generation:
            calls.clear()
            result = lambda_handler(cloudtrail_event(operation, params, vpc_id), context)
            assert not result["failed"], result
            if own_role_known:
                assert result["refused"] and result["event"]["ignored"], result["event"]
                assert "own call" in result["event"]["reason"]
                assert calls.operations() == []
            produced += writes(calls)
        sizes.append(len(produced))
        if not produced:
            break
        generation = produced
    return sizes


@pytest.fixture
def untidy(aws: Aws) -> BuiltVpc:
    """A VPC whose repair uses every write the tool makes but Revoke: hostnames off, no tool
    group, an ecr.api endpoint with private DNS off in one AZ, no ecr.dkr, no S3 gateway."""
    built = build_vpc(aws.ec2, dns_hostnames=False)
    aws.ec2.create_vpc_endpoint(
        VpcEndpointType="Interface",
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        SubnetIds=[built.private_subnets[f"{REGION}a"][0]],
        PrivateDnsEnabled=False,
    )
    return built


@pytest.mark.parametrize("own_role_known", [True, False], ids=["role-set", "role-unset"])
def test_the_tools_own_events_lead_to_no_further_write(
    aws: Aws,
    untidy: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    own_role_known: bool,
) -> None:
    auto_fix(handler_env)
    if own_role_known:
        handler_env.setenv("TOOL_ROLE_ARN", ROLE_ARN)
    api_calls.clear()
    lambda_handler(create_vpc_event(untidy.vpc_id), lambda_context)
    first = writes(api_calls)
    assert {op for op, _ in first} == {
        "ModifyVpcAttribute",
        "CreateSecurityGroup",
        "AuthorizeSecurityGroupIngress",
        "ModifyVpcEndpoint",
        "CreateVpcEndpoint",
    }
    assert violations(aws.ec2, untidy.vpc_id, REGION) == []

    sizes = chain(first, untidy.vpc_id, api_calls, lambda_context, own_role_known)

    assert sizes == [len(first), 0]  # one generation of events, and not one write from it


@pytest.mark.parametrize("own_role_known", [True, False], ids=["role-set", "role-unset"])
def test_revoking_a_rule_on_its_own_group_does_not_trigger_itself(
    aws: Aws,
    untidy: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    own_role_known: bool,
) -> None:
    auto_fix(handler_env)
    if own_role_known:
        handler_env.setenv("TOOL_ROLE_ARN", ROLE_ARN)
    lambda_handler(create_vpc_event(untidy.vpc_id), lambda_context)
    group = aws.ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [untidy.vpc_id]},
            {"Name": "tag:ecr-endpoint-guard/managed", "Values": ["true"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    rule = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    }
    aws.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])  # a person
    by_a_person = load_event(
        "authorize_security_group_ingress", ids={"sg-0123456789abcdef0": group}
    )
    api_calls.clear()
    lambda_handler(by_a_person, lambda_context)
    first = writes(api_calls)
    assert [op for op, _ in first] == ["RevokeSecurityGroupIngress"]

    sizes = chain(first, untidy.vpc_id, api_calls, lambda_context, own_role_known)

    assert sizes == [1, 0]
