"""No invocation fails for what no retry fixes (issue 20 item 9), at the handler against the
strict model: DNS attributes the tool may not turn on lead to no private-DNS create or modify,
an endpoint a service manages is never modified, and a service EC2 does not know is a person's
call."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.topology import build_vpc


def test_refused_dns_attributes_lead_to_no_private_dns_create_and_no_failed_invocation(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=False)
    aws.strict.attribute_refusals.add(built.vpc_id)  # an SCP protects the VPC's attributes
    api_calls.clear()

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)  # does not raise

    assert not result["failed"]
    (vpc,) = result["vpcs"]
    assert vpc["status"] == "incomplete"
    creates = api_calls.params("CreateVpcEndpoint")
    assert [p["VpcEndpointType"] for p in creates] == ["Gateway"]  # no interface endpoint
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for action in vpc["actions"]:
        by_kind.setdefault(action["action"], []).append(action)
    (attribute,) = by_kind["enable-vpc-attribute"]
    assert attribute["status"] == "needs-person"
    for create in by_kind["create-interface-endpoint"]:
        assert create["status"] == "needs-person"
        assert "enableDnsSupport and enableDnsHostnames" in create["detail"]
        assert "could not turn on enableDnsHostnames" in create["detail"]
    assert result["counts"]["actions_needing_person"] == 3


def test_refused_dns_attributes_leave_an_endpoint_s_private_dns_alone_but_fix_the_rest(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=False)
    (first, *_) = sorted(built.private_subnets)
    endpoint = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        VpcEndpointType="Interface",
        SubnetIds=built.private_subnets[first],
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]["VpcEndpointId"]
    aws.strict.attribute_refusals.add(built.vpc_id)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    assert not result["failed"]
    modifies = [p for p in api_calls.params("ModifyVpcEndpoint") if p["VpcEndpointId"] == endpoint]
    assert modifies  # the endpoint's other zones are still added ...
    assert not any(p.get("PrivateDnsEnabled") for p in modifies)  # ... private DNS not tried
    after = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]
    assert len(after["SubnetIds"]) == 3 and after["PrivateDnsEnabled"] is False


def test_a_requester_managed_endpoint_is_never_modified(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    (first, *_) = sorted(built.private_subnets)
    managed = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        VpcEndpointType="Interface",
        SubnetIds=built.private_subnets[first],
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]["VpcEndpointId"]
    aws.strict.requester_managed.add(managed)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    assert not result["failed"]
    assert [p for p in api_calls.params("ModifyVpcEndpoint") if p["VpcEndpointId"] == managed] == []
    (vpc,) = result["vpcs"]
    managed_findings = [f for f in vpc["findings"] if f["code"] == "endpoint-requester-managed"]
    assert managed_findings and {f["severity"] for f in managed_findings} == {"info"}
    assert all(managed in f["message"] for f in managed_findings)


def test_a_service_ec2_does_not_know_is_a_person_s_call_not_a_failure(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, faults: FaultLayer
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    message = f"The Vpc Endpoint Service 'com.amazonaws.{REGION}.ecr.dkr' does not exist"
    faults.add(
        Fault(
            "ec2",
            "CreateVpcEndpoint",
            400,
            "InvalidServiceName",
            message,
            times=None,
            when=lambda q: q.get("ServiceName") == [f"com.amazonaws.{REGION}.ecr.dkr"],
        )
    )

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)  # does not raise

    assert not result["failed"]
    (refused,) = [a for a in result["vpcs"][0]["actions"] if "ecr.dkr" in a["service"]]
    assert refused["status"] == "needs-person"
    assert "Remove it from SERVICES" in refused["detail"]


def test_an_unsupported_partition_is_refused_at_start_without_a_call(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=False)
    api_calls.clear()
    china = LambdaContext(
        invoked_function_arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:ecr-endpoint-guard"
    )

    result = lambda_handler(create_vpc_event(built.vpc_id), china)  # does not raise

    assert result["refused"] and not result["failed"]
    assert "partition aws-cn is not supported" in result["event"]["reason"]
    assert api_calls.calls == []


def test_a_work_item_in_an_unsupported_partition_is_refused_not_failed(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog
) -> None:
    import json

    handler_env.setenv("MEMBER_ROLE_NAME", "ecr-endpoint-guard-member")
    item = {"version": 1, "account_id": "111122223333", "region": "cn-north-1", "sweep_id": "s"}
    record = {
        "messageId": "m-1",
        "receiptHandle": "r",
        "body": json.dumps(item),
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws-cn:sqs:cn-north-1:123456789012:work-items",
        "awsRegion": "cn-north-1",
    }
    china = LambdaContext(
        invoked_function_arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:ecr-endpoint-guard"
    )

    assert lambda_handler({"Records": [record]}, china)["batchItemFailures"] == []
    assert api_calls.calls == []
