"""The function's dry-run SNS message carries its VPC's Terraform, end to end on moto: published
by the handler, read back from the topic's SQS subscriber. Auto-fix messages carry none; a
member account's message names the command that reaches it through the member role."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import pytest
from bench import organisation as organisation_bench

from handlers.remediate import lambda_handler
from remediation.aws.inventory import Inventory
from remediation.config import load_settings
from remediation.engine.vpc import assess
from remediation.iac import terraform_for
from remediation.report.notify import JSON_MARK, TERRAFORM_MARK, fits
from tests.support.aws import ACCOUNT, REGION, Aws, LambdaContext
from tests.support.fixtures import load_event
from tests.support.hcl import parse
from tests.support.scenarios import FIXTURE_VPC, auto_fix, create_vpc_event
from tests.support.sns import published, topic_with_queue
from tests.support.topology import build_vpc

MEMBER = "111122223333"
ROLE = "ecr-endpoint-guard-member"


pytestmark = pytest.mark.usefixtures("fresh_sessions")


def parts(body: str) -> tuple[str, str, dict[str, Any]]:
    """The text, the Terraform (``""`` without) and the JSON form of a text message."""
    text, machine = body.split(f"\n\n{JSON_MARK}\n", 1)
    before, _, code = text.partition(f"\n{TERRAFORM_MARK}\n")
    return before, code, json.loads(machine)


def test_a_dry_run_message_carries_the_vpc_s_terraform(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert result["vpcs"][0]["notification"] == "sent"
    (message,) = published(aws, queue)
    body = message["Message"]
    text, code, machine = parts(body)
    assert fits(body)
    for service, kind in (("ecr.api", "Interface"), ("ecr.dkr", "Interface"), ("s3", "Gateway")):
        name = f"app_{service.replace('.', '_')}" + ("_gateway" if kind == "Gateway" else "")
        assert f'resource "aws_vpc_endpoint" "{name}" {{' in code
        assert f'"com.amazonaws.{REGION}.{service}"' in code
    assert code.count('resource "aws_vpc_endpoint"') == 3
    assert 'resource "aws_security_group" "app_endpoints"' in code
    # The same plan as the message lists (and as auto-fix would apply), read back from moto.
    settings = load_settings(os.environ, account_id=ACCOUNT)  # the handler's environment
    (snapshot,) = Inventory(
        aws.ec2, region=REGION, account_id=ACCOUNT, route53=aws.route53
    ).snapshots([vpc.vpc_id], settings)
    _, actions = assess(snapshot, settings, dt.datetime.now(dt.UTC).date().isoformat())
    assert code == terraform_for(snapshot, actions).rstrip("\n")
    assert [a["action"] for a in machine["actions"]] == [a.kind for a in actions]
    command = f"ecr-endpoint-guard scan --format terraform --region {REGION} --vpc-id {vpc.vpc_id}"
    assert f"  {command}\n" in text
    assert "tag the VPC ecr-endpoint-guard/mode=dry-run" in text
    assert len(parse(code + "\n")["resource"]) == 4


def test_an_auto_fix_message_carries_no_code(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False)

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert result["vpcs"][0]["status"] == "fixed"
    (message,) = published(aws, queue)
    text, code, _ = parts(message["Message"])
    assert code == "" and "resource " not in text and "--format terraform" not in text


def test_a_member_account_s_message_carries_its_code_and_the_command_through_the_role(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    topic, queue = topic_with_queue(aws)  # in the central account
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    vpc = build_vpc(organisation_bench.member_ec2(MEMBER, ROLE), dns_hostnames=False)
    event = load_event("create_vpc", ids={FIXTURE_VPC: vpc.vpc_id}, account=MEMBER)

    result = lambda_handler(event, lambda_context)

    assert result["vpcs"][0]["notification"] == "sent"
    (message,) = published(aws, queue)
    text, code, _ = parts(message["Message"])
    assert f"# account {MEMBER}, region {REGION}." in code
    assert code.count('resource "aws_vpc_endpoint"') == 3
    assert (
        f"  ecr-endpoint-guard scan --format terraform --region {REGION} --vpc-id {vpc.vpc_id} "
        f"--account {MEMBER} --role-name {ROLE}\n"
    ) in text
