"""An unreadable MEMBER_ACCOUNT_IDS (set directly, past the template's AllowedPattern) never
widens organisation mode to every account of the organisation: a member's event is refused
before any call, and the scheduled sweep neither lists the organisation (ListAccounts) nor
queues another account than the function's own; the result says why."""

from __future__ import annotations

import json

import boto3
import pytest
from bench import organisation as organisation_bench

from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.scenarios import FIXTURE_VPC
from tests.support.topology import build_vpc

MEMBER = "111122223333"
ROLE = "ecr-endpoint-guard-member"
MALFORMED = "11112222333"  # a digit short


def test_a_member_s_event_is_refused_when_the_list_cannot_be_read(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    org_env.setenv("MEMBER_ACCOUNT_IDS", MALFORMED)
    vpc = build_vpc(organisation_bench.member_ec2(MEMBER, ROLE), dns_hostnames=False)
    api_calls.clear()
    event = load_event("create_vpc", ids={FIXTURE_VPC: vpc.vpc_id}, account=MEMBER)

    result = lambda_handler(event, lambda_context)

    assert result["refused"] and "not in MEMBER_ACCOUNT_IDS" in result["event"]["reason"]
    assert any("no member account is served" in p for p in result["problems"])
    assert api_calls.calls == []  # no AssumeRole, no read, no write


def test_the_sweep_lists_no_organisation_and_queues_its_own_account_only(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="m", Email="m@example.com")
    url = str(aws.sqs.create_queue(QueueName="work-items")["QueueUrl"])
    org_env.setenv("WORK_QUEUE_URL", url)
    org_env.setenv("MEMBER_ACCOUNT_IDS", MALFORMED)
    api_calls.clear()

    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)

    assert api_calls.operations("organizations") == []  # no ListAccounts
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work-items"
    bodies = [json.loads(r["body"]) for r in organisation_bench.drain(aws.sqs, url, arn)]
    assert {b["account_id"] for b in bodies} == {ACCOUNT}
    assert result["counts"]["work_items_queued"] == 1
    assert any("no member account is served or swept" in p for p in result["problems"])
