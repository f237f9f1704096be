"""Organisation mode at the handler level, on moto with several accounts: a central function
serves member accounts through their member role, recognises its own calls there, refuses what
it must, and fans the organisation's sweep out through a queue with partial batch failures."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from bench import organisation as organisation_bench
from botocore.exceptions import ClientError

from handlers.remediate import lambda_handler
from remediation.aws.inventory import Inventory
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.scenarios import FIXTURE_VPC
from tests.support.topology import build_vpc

MEMBER = "111122223333"
OTHER = "444455556666"
ROLE = "ecr-endpoint-guard-member"


def member_ec2(account: str = MEMBER) -> Any:
    return organisation_bench.member_ec2(account, ROLE)


def member_event(vpc_id: str, account: str = MEMBER) -> dict[str, Any]:
    return load_event("create_vpc", ids={FIXTURE_VPC: vpc_id}, account=account)


def central_endpoints(aws: Aws) -> list[dict[str, Any]]:
    return list(aws.ec2.describe_vpc_endpoints()["VpcEndpoints"])


def test_a_member_vpc_is_fixed_through_the_member_role(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    org_env.setenv("REMEDIATION_MODE", "auto-fix")
    org_env.setenv("AUTO_FIX_ACCOUNT_IDS", MEMBER)
    ec2 = member_ec2()
    vpc = build_vpc(ec2, dns_hostnames=False)
    api_calls.clear()

    result = lambda_handler(member_event(vpc.vpc_id), lambda_context)

    (outcome,) = result["vpcs"]
    assert (outcome["account_id"], outcome["status"]) == (MEMBER, "fixed")
    assert violations(ec2, vpc.vpc_id, REGION) == []
    assert central_endpoints(aws) == []  # nothing created in the central account
    (assume,) = api_calls.params("AssumeRole")
    assert assume["RoleArn"] == f"arn:aws:iam::{MEMBER}:role/{ROLE}"
    assert assume["RoleSessionName"].startswith("ecr-endpoint-guard-")


def test_credentials_are_reused_within_an_execution_environment(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    vpc = build_vpc(member_ec2())
    api_calls.clear()
    lambda_handler(member_event(vpc.vpc_id), lambda_context)
    lambda_handler(member_event(vpc.vpc_id), lambda_context)
    assert api_calls.operations("sts") == ["AssumeRole"]


def test_a_member_outside_auto_fix_accounts_is_only_reported(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    org_env.setenv("REMEDIATION_MODE", "auto-fix")
    org_env.setenv("AUTO_FIX_ACCOUNT_IDS", OTHER)
    ec2 = member_ec2()
    vpc = build_vpc(ec2, dns_hostnames=False)

    result = lambda_handler(member_event(vpc.vpc_id), lambda_context)

    (outcome,) = result["vpcs"]
    assert (outcome["mode"], outcome["status"]) == ("dry-run", "non-compliant")
    assert {a["status"] for a in outcome["actions"]} == {"planned"}
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []


def test_without_organisation_mode_another_account_is_refused(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    result = lambda_handler(member_event("vpc-0123456789abcdef0"), lambda_context)
    assert result["refused"] and "MEMBER_ROLE_NAME is empty" in result["event"]["reason"]
    assert api_calls.calls == []


def test_an_account_outside_the_allow_list_is_refused(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    org_env.setenv("MEMBER_ACCOUNT_IDS", OTHER)
    result = lambda_handler(member_event("vpc-0123456789abcdef0"), lambda_context)
    assert result["refused"] and "not in MEMBER_ACCOUNT_IDS" in result["event"]["reason"]
    assert api_calls.calls == []


def test_a_role_that_cannot_be_assumed_is_refused_counted_and_not_retried(
    aws: Aws,
    org_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    faults: FaultLayer,
) -> None:
    faults.add(Fault("sts", "AssumeRole", 403, "AccessDenied", "not authorized", times=None))
    result = lambda_handler(member_event("vpc-0123456789abcdef0"), lambda_context)  # no raise
    assert result["refused"]
    assert f"arn:aws:iam::{MEMBER}:role/{ROLE}" in result["event"]["reason"]
    assert result["counts"]["member_access_refused"] == 1
    assert faults.tried("AssumeRole", service="sts") == 1


def test_the_member_role_s_own_calls_are_recognised(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    event = load_event("own_call_modify_vpc_endpoint", account=MEMBER)
    identity = event["detail"]["userIdentity"]
    identity["sessionContext"]["sessionIssuer"]["arn"] = f"arn:aws:iam::{MEMBER}:role/{ROLE}"
    identity["arn"] = f"arn:aws:sts::{MEMBER}:assumed-role/{ROLE}/ecr-endpoint-guard-e1"

    result = lambda_handler(event, lambda_context)

    assert result["refused"] and result["event"]["ignored"]
    assert "own call" in result["event"]["reason"]
    assert api_calls.calls == []


# ------------------------------------------------------------------------------------------------
# The organisation's sweep through the queue
# ------------------------------------------------------------------------------------------------


def _queue(aws: Aws) -> str:
    return str(aws.sqs.create_queue(QueueName="work-items")["QueueUrl"])


def _as_lambda_batch(aws: Aws, url: str) -> dict[str, Any]:
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work-items"
    return {"Records": list(organisation_bench.drain(aws.sqs, url, arn))}


def test_the_scheduled_sweep_queues_one_item_per_account_and_region(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    url = _queue(aws)
    org_env.setenv("WORK_QUEUE_URL", url)
    org_env.setenv("MEMBER_ACCOUNT_IDS", f"{MEMBER},{OTHER}")
    org_env.setenv("ORGANISATION_REGIONS", f"{REGION},eu-west-1")

    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)

    assert result["counts"]["work_items_queued"] == 6  # 3 accounts (central too) x 2 regions
    assert result["vpcs"] == []  # the central invocation sweeps nothing itself
    bodies = [json.loads(r["body"]) for r in _as_lambda_batch(aws, url)["Records"]]
    assert {(b["account_id"], b["region"]) for b in bodies} == {
        (a, r) for a in (ACCOUNT, MEMBER, OTHER) for r in (REGION, "eu-west-1")
    }


def test_the_organisation_is_listed_when_no_accounts_are_configured(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    made = org.create_account(AccountName="m", Email="m@example.com")["CreateAccountStatus"]
    url = _queue(aws)
    org_env.setenv("WORK_QUEUE_URL", url)

    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)

    accounts = {json.loads(r["body"])["account_id"] for r in _as_lambda_batch(aws, url)["Records"]}
    assert {ACCOUNT, made["AccountId"]} <= accounts
    assert result["counts"]["work_items_queued"] == len(accounts)


def test_work_items_sweep_their_accounts_and_report_partial_failures(
    aws: Aws,
    org_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org_env.setenv("REMEDIATION_MODE", "auto-fix")
    org_env.setenv("AUTO_FIX_ACCOUNT_IDS", MEMBER)
    url = _queue(aws)
    org_env.setenv("WORK_QUEUE_URL", url)
    org_env.setenv("MEMBER_ACCOUNT_IDS", f"{MEMBER},{OTHER}")
    member = member_ec2()
    vpc = build_vpc(member, dns_hostnames=False)
    lambda_handler(load_event("scheduled_sweep"), lambda_context)
    batch = _as_lambda_batch(aws, url)
    batch["Records"].append({**batch["Records"][0], "messageId": "bad", "body": "not a work item"})

    def other_unavailable(read: Any) -> Any:
        def reading(self: Inventory, *args: Any, **kwargs: Any) -> Any:
            if self.account_id == OTHER:
                error = {"Error": {"Code": "ServiceUnavailable", "Message": "try again"}}
                raise ClientError(error, "DescribeVpcs")  # type: ignore[arg-type]
            return read(self, *args, **kwargs)

        return reading

    # Every read of OTHER's VPCs fails: together (a sweep's survey) and one by one.
    monkeypatch.setattr(Inventory, "snapshots", other_unavailable(Inventory.snapshots))
    monkeypatch.setattr(Inventory, "survey", other_unavailable(Inventory.survey))

    response = lambda_handler(batch, lambda_context)

    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    bodies = {r["messageId"]: json.loads(r["body"]) for r in batch["Records"][:-1]}
    assert {bodies[m]["account_id"] for m in failed} == {OTHER}  # transient: SQS retries it
    assert "bad" not in failed  # malformed: dropped, a retry would not change it
    assert violations(member, vpc.vpc_id, REGION) == []  # the member's sweep repaired it
    assert central_endpoints(aws) == []


def test_a_member_s_notification_goes_to_the_deployment_s_topic_naming_the_account(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    from tests.support.sns import published, topic_with_queue

    topic, queue = topic_with_queue(aws)  # in the central account
    org_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    vpc = build_vpc(member_ec2(), dns_hostnames=False)

    result = lambda_handler(member_event(vpc.vpc_id), lambda_context)

    assert result["vpcs"][0]["notification"] == "sent"
    (message,) = published(aws, queue)
    assert message["Subject"].startswith(f"ECR endpoints {MEMBER} {vpc.vpc_id}")
    assert f"Account: {MEMBER}" in message["Message"]
