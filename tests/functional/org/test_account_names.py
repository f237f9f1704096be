"""Names people know (issue 24): in organisation mode, the results, messages and Security Hub
findings name a member account by its name (organizations:DescribeAccount, asked once), not
only by its id; where names cannot be read, the id alone, and nothing fails."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from bench import organisation as organisation_bench

from handlers.remediate import lambda_handler
from remediation.report.asff import build_findings
from remediation.report.notify import render_text, subject
from remediation.report.results import VpcResult
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.scenarios import FIXTURE_VPC
from tests.support.topology import build_vpc

ROLE = "ecr-endpoint-guard-member"


def member(name: str) -> str:
    """A member account of moto's organisation (the central account manages it)."""
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    created = org.create_account(AccountName=name, Email="team@example.com")
    return str(created["CreateAccountStatus"]["AccountId"])


def member_vpc(account: str) -> str:
    return build_vpc(organisation_bench.member_ec2(account, ROLE), dns_hostnames=False).vpc_id


def event(vpc_id: str, account: str) -> dict[str, Any]:
    return load_event("create_vpc", ids={FIXTURE_VPC: vpc_id}, account=account)


def test_a_member_account_is_named_in_results_and_messages(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    account = member("Payments prod")
    vpc_id = member_vpc(account)

    first = lambda_handler(event(vpc_id, account), lambda_context)
    second = lambda_handler(event(vpc_id, account), lambda_context)

    assert first["vpcs"][0]["account_name"] == "Payments prod"
    assert second["vpcs"][0]["account_name"] == "Payments prod"
    assert api_calls.operations("organizations").count("DescribeAccount") == 1  # kept


def test_without_readable_names_the_id_alone(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    account = "111122223333"  # no organisation in moto: DescribeAccount is refused
    result = lambda_handler(event(member_vpc(account), account), lambda_context)

    assert not result["failed"]
    assert "account_name" not in result["vpcs"][0]


def test_messages_and_findings_carry_the_name() -> None:
    from remediation.modes import Mode
    from remediation.report.results import VpcStatus

    result = VpcResult(
        vpc_id="vpc-0a1b2c3d4e5f67890",
        account_id="111122223333",
        account_name="Payments prod",
        region=REGION,
        mode=Mode.DRY_RUN,
        status=VpcStatus.COMPLIANT,
    )
    assert "111122223333 (Payments prod)" in subject(result)
    assert "Account: 111122223333 (Payments prod)" in render_text(result)
    import datetime as dt

    (finding, *_) = build_findings(result, partition="aws", now=dt.datetime.now(dt.UTC))
    assert finding["AwsAccountName"] == "Payments prod"
