"""EXTRA_TAGS reach everything the tool creates (issue 20 item 8): its security group and its
endpoints carry the required tags from their creation, beside the tool's own."""

from __future__ import annotations

import pytest

from handlers.remediate import lambda_handler
from tests.support.aws import Aws, CallLog, LambdaContext
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.topology import build_vpc


def test_every_creation_carries_the_extra_tags(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("EXTRA_TAGS", "cost-center=4711,data-class=internal")
    built = build_vpc(aws.ec2, dns_hostnames=True)

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    assert result["vpcs"][0]["status"] == "fixed"
    creations = api_calls.params("CreateVpcEndpoint") + api_calls.params("CreateSecurityGroup")
    assert len(creations) == 4  # two interface endpoints, the S3 gateway, the tool's group
    for params in creations:
        (spec,) = params["TagSpecifications"]
        tags = {t["Key"]: t["Value"] for t in spec["Tags"]}
        assert tags["cost-center"] == "4711" and tags["data-class"] == "internal"
        assert tags["ecr-endpoint-guard/managed"] == "true"
    endpoints = aws.ec2.describe_vpc_endpoints()["VpcEndpoints"]
    assert all({"Key": "cost-center", "Value": "4711"} in e["Tags"] for e in endpoints)


def test_unreadable_extra_tags_make_the_run_dry_run_and_create_nothing(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("EXTRA_TAGS", "aws:owner=me")
    built = build_vpc(aws.ec2, dns_hostnames=True)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    assert result["mode"] == "dry-run"
    assert any("EXTRA_TAGS" in p for p in result["problems"])
    assert api_calls.writes("ec2") == []
