"""Chat notifications against the documented custom-notification schema of Amazon Q Developer
in chat applications ("Custom notifications", event schema and parameter details)."""

from __future__ import annotations

import json

import pytest

from handlers.remediate import lambda_handler
from remediation.report.chat import render_chatbot, thread_id
from tests.support.aws import ACCOUNT, REGION, Aws, LambdaContext
from tests.support.chat_card import assert_documented_shape
from tests.support.scenarios import create_vpc_event
from tests.support.securityhub import evaluate
from tests.support.sns import published, topic_with_queue
from tests.support.topology import build_vpc


def test_a_dry_run_report_as_a_chat_card(aws: Aws) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})
    message = json.loads(render_chatbot(evaluate(aws, vpc.vpc_id), account_name="sandbox"))

    assert_documented_shape(message)
    content, metadata = message["content"], message["metadata"]
    assert vpc.vpc_id in content["title"] and "non-compliant" in content["title"]
    assert f"{ACCOUNT} (sandbox)" in content["description"]
    assert "dns-hostnames" not in content["description"]  # messages, not codes
    assert "enableDnsHostnames is off" in content["description"]
    assert (
        f"`ecr-endpoint-guard scan --fix --region {REGION} --vpc-id {vpc.vpc_id}`"
        in (content["nextSteps"][0])
    )
    assert any("release" in step for step in content["nextSteps"])
    assert content["keywords"] == [ACCOUNT, REGION, vpc.vpc_id, "non-compliant"]
    assert metadata["threadId"] == thread_id(ACCOUNT, REGION, vpc.vpc_id)


def test_updates_of_one_vpc_share_a_thread(aws: Aws) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    before = json.loads(render_chatbot(evaluate(aws, vpc.vpc_id)))
    after = json.loads(render_chatbot(evaluate(aws, vpc.vpc_id, fix=True)))
    assert before["metadata"]["threadId"] == after["metadata"]["threadId"]
    assert "fixed" in after["content"]["title"]
    assert "*Actions*" in after["content"]["description"]
    other = build_vpc(aws.ec2, cidr="10.1.0.0/16")
    assert (
        json.loads(render_chatbot(evaluate(aws, other.vpc_id)))["metadata"]["threadId"]
        != (before["metadata"]["threadId"])
    )


def test_the_function_publishes_the_chat_card_when_the_format_says_so(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    handler_env.setenv("NOTIFICATION_FORMAT", "chatbot")
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert result["problems"] == []
    assert result["vpcs"][0]["notification"] == "sent"
    (envelope,) = published(aws, queue)
    message = json.loads(envelope["Message"])  # the JSON itself: no text before it
    assert_documented_shape(message)
    assert message["metadata"]["threadId"] == thread_id(ACCOUNT, REGION, vpc.vpc_id)
    assert "enableDnsHostnames is off" in message["content"]["description"]
    assert envelope["Subject"] == (
        f"ECR endpoints {ACCOUNT} {vpc.vpc_id} (app): 4 finding(s), dry-run"
    )


def test_an_unreadable_format_is_reported_and_sends_text(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    handler_env.setenv("NOTIFICATION_FORMAT", "slack")
    vpc = build_vpc(aws.ec2, dns_hostnames=False)

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert any("NOTIFICATION_FORMAT" in p for p in result["problems"])
    (envelope,) = published(aws, queue)
    assert envelope["Message"].startswith(f"ecr-endpoint-guard report for {vpc.vpc_id}")
