"""Security Hub at the handler level, on moto: findings imported with each run, AWS's control
findings as triggers (never the tool's own), and the one-click approval."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.scenarios import FIXTURE_VPC, auto_fix, create_vpc_event
from tests.support.topology import build_vpc

PRODUCT = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"


def stored(vpc_id: str) -> dict[str, dict[str, Any]]:
    hub = boto3.client("securityhub", region_name=REGION)
    return {
        f["Id"].rsplit("/", 1)[1]: f
        for f in hub.get_findings()["Findings"]
        if f"/{vpc_id}/" in f["Id"]
    }


def test_findings_are_imported_failed_then_passed_after_auto_fix(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    handler_env.setenv("SECURITY_HUB_FINDINGS", "true")
    vpc = build_vpc(aws.ec2, dns_hostnames=False)

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert result["counts"]["findings_imported"] == 6
    before = stored(vpc.vpc_id)
    assert before["ecr-api-endpoint"]["ProductArn"] == PRODUCT
    assert before["ecr-api-endpoint"]["Compliance"]["Status"] == "FAILED"
    assert before["ecr-api-endpoint"]["Compliance"]["RelatedRequirements"] == ["EC2.55"]

    auto_fix(handler_env)
    lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    after = stored(vpc.vpc_id)
    assert len(after) == 6
    assert {f["Compliance"]["Status"] for f in after.values()} == {"PASSED"}


def test_without_the_setting_nothing_is_imported(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    vpc = build_vpc(aws.ec2)
    lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)
    assert api_calls.operations("securityhub") == []


def test_a_vpc_that_is_gone_is_archived(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    handler_env.setenv("SECURITY_HUB_FINDINGS", "true")
    result = lambda_handler(create_vpc_event("vpc-0123456789abcdef0"), lambda_context)
    assert result["vpcs"][0]["status"] == "skipped"
    archived = stored("vpc-0123456789abcdef0")
    assert {f["RecordState"] for f in archived.values()} == {"ARCHIVED"}


def test_an_ec2_55_control_finding_leads_to_a_compliant_vpc(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    event = load_event("securityhub_findings_imported_ec2_55", ids={FIXTURE_VPC: vpc.vpc_id})

    result = lambda_handler(event, lambda_context)

    assert result["event"]["event_name"] == "Security Hub Findings - Imported"
    assert result["vpcs"][0]["status"] == "fixed"
    assert violations(aws.ec2, vpc.vpc_id, REGION) == []


def test_the_tool_s_own_findings_never_trigger(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    event = load_event("securityhub_findings_imported_own", ids={FIXTURE_VPC: vpc.vpc_id})
    api_calls.clear()

    result = lambda_handler(event, lambda_context)

    assert result["refused"] and result["event"]["ignored"]
    assert api_calls.calls == []


def approval_event(vpc_id: str) -> dict[str, Any]:
    return load_event("securityhub_custom_action_fix", ids={FIXTURE_VPC: vpc_id})


def test_approval_fixes_the_selected_vpc_in_a_dry_run_deployment(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    workflow: list[dict[str, Any]],
) -> None:
    handler_env.setenv("FIX_ON_APPROVAL", "true")  # REMEDIATION_MODE stays dry-run
    selected = build_vpc(aws.ec2, dns_hostnames=False)
    other = build_vpc(aws.ec2, dns_hostnames=False, cidr="10.1.0.0/16")

    result = lambda_handler(approval_event(selected.vpc_id), lambda_context)

    (outcome,) = result["vpcs"]
    assert (outcome["vpc_id"], outcome["status"]) == (selected.vpc_id, "fixed")
    assert violations(aws.ec2, selected.vpc_id, REGION) == []
    assert violations(aws.ec2, other.vpc_id, REGION) != []  # only the selected VPC
    assert [c["Workflow"]["Status"] for c in workflow] == ["NOTIFIED", "RESOLVED"]
    finding_ids = [i["Id"] for i in workflow[0]["FindingIdentifiers"]]
    assert finding_ids == [approval_event(selected.vpc_id)["detail"]["findings"][0]["Id"]]


def test_without_fix_on_approval_an_approval_changes_nothing_and_says_why(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
    workflow: list[dict[str, Any]],
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    api_calls.clear()

    result = lambda_handler(approval_event(vpc.vpc_id), lambda_context)

    assert api_calls.writes() == []
    assert result["vpcs"][0]["status"] == "non-compliant"
    assert any("FIX_ON_APPROVAL is off" in note for note in result["notes"])
    assert workflow == []


def test_an_approval_still_honours_the_vpc_s_mode_tag(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
    workflow: list[dict[str, Any]],
) -> None:
    handler_env.setenv("FIX_ON_APPROVAL", "true")
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={"ecr-endpoint-guard/mode": "dry-run"})
    api_calls.clear()

    result = lambda_handler(approval_event(vpc.vpc_id), lambda_context)

    assert api_calls.writes() == []
    assert result["vpcs"][0]["status"] == "non-compliant"
    assert [c["Workflow"]["Status"] for c in workflow] == ["NOTIFIED"]  # not resolved
