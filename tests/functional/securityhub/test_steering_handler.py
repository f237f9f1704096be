"""A finding never steers a repair into another account, at the handler (issue 20 item 5): in
organisation mode, with approvals on, a member's finding naming a VPC of a third account makes
no ``AssumeRole`` and no write anywhere; it is refused, logged and counted. The account and the
finding of every approval are logged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bench import organisation as organisation_bench

from handlers import account_run
from handlers.remediate import lambda_handler
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.scenarios import FIXTURE_VPC
from tests.support.topology import build_vpc

MEMBER = "111122223333"
OTHER = "444455556666"
ROLE = "ecr-endpoint-guard-member"


pytestmark = pytest.mark.usefixtures("fresh_sessions")


@pytest.fixture
def approving(handler_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Organisation mode with one-click approvals: the setting a steered finding would abuse."""
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    handler_env.setenv("FIX_ON_APPROVAL", "true")
    return handler_env


def records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The JSON records the handler printed (Powertools' logs and metrics)."""
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def approval(vpc_id: str, *, finding_account: str, vpc_account: str) -> dict[str, Any]:
    """The console's custom action on one finding the member imported itself."""
    event = load_event("securityhub_custom_action_fix", ids={FIXTURE_VPC: vpc_id})
    (finding,) = event["detail"]["findings"]
    finding["AwsAccountId"] = finding_account
    finding["ProductArn"] = (
        f"arn:aws:securityhub:{REGION}:{finding_account}:product/{finding_account}/default"
    )
    finding["GeneratorId"] = "ecr-endpoint-guard/ecr-api-endpoint"
    finding["Resources"][0]["Id"] = f"arn:aws:ec2:{REGION}:{vpc_account}:vpc/{vpc_id}"
    return event


def test_a_member_s_finding_naming_another_account_s_vpc_assumes_no_role_and_writes_nothing(
    aws: Aws,
    approving: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
) -> None:
    victim = organisation_bench.member_ec2(OTHER, ROLE)
    vpc = build_vpc(victim, dns_hostnames=False)
    api_calls.clear()

    result = lambda_handler(
        approval(vpc.vpc_id, finding_account=MEMBER, vpc_account=OTHER), lambda_context
    )

    assert result["refused"] and not result["failed"]
    assert result["event"]["code"] == "finding-account-mismatch"
    assert (
        f"belongs to account {MEMBER} but names a VPC of account {OTHER}"
        in (result["event"]["reason"])
    )
    assert result["counts"]["findings_refused"] == 1
    assert api_calls.operations("sts") == []  # no AssumeRole, into any account
    assert [op for svc, op, _ in api_calls.calls if not op.startswith(("Describe", "List"))] == []
    assert victim.describe_vpc_endpoints()["VpcEndpoints"] == []
    logged = records(capsys)
    metrics = [m for m in logged if "_aws" in m]
    assert [m["FindingsRefused"] for m in metrics] == [[1.0]]


def test_an_approval_of_the_member_s_own_vpc_is_logged_with_account_and_finding(
    aws: Aws,
    approving: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(account_run, "_update_approved_findings", lambda *args, **kwargs: None)
    member = organisation_bench.member_ec2(MEMBER, ROLE)
    vpc = build_vpc(member, dns_hostnames=False)
    event = approval(vpc.vpc_id, finding_account=MEMBER, vpc_account=MEMBER)

    result = lambda_handler(event, lambda_context)

    assert (result["vpcs"][0]["account_id"], result["vpcs"][0]["status"]) == (MEMBER, "fixed")
    assert violations(member, vpc.vpc_id, REGION) == []
    (approved,) = [r for r in caplog.records if r.getMessage() == "repair approved in Security Hub"]
    assert approved.account_id == MEMBER  # type: ignore[attr-defined]
    assert approved.finding_ids == [event["detail"]["findings"][0]["Id"]]  # type: ignore[attr-defined]
