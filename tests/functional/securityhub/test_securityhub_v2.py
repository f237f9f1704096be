"""The new Security Hub at the handler level, on moto made strict: "Findings Imported V2"
events as triggers (accepted; refused for a foreign product or account), and an approval's
workflow moved through ``BatchUpdateFindingsV2`` where the new Security Hub is enabled
(``DescribeSecurityHubV2``), besides Security Hub CSPM's ``BatchUpdateFindings``."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.scenarios import FIXTURE_VPC, auto_fix
from tests.support.topology import build_vpc

FINDING = (
    f"arn:aws:securityhub:{REGION}:{ACCOUNT}:security-control/EC2.55/finding/"
    "3f1c2a9e-7b4d-4e8a-9c21-5d6e7f8a9b0c"
)
V2_KEY = (ACCOUNT, FINDING, f"arn:aws:securityhub:{REGION}::productv2/aws/securityhub")


def v2_event(vpc_id: str, **finding: Any) -> dict[str, Any]:
    event = load_event("securityhub_findings_imported_v2_ec2_55", ids={FIXTURE_VPC: vpc_id})
    event["detail"]["findings"][0].update(finding)
    return event


def test_a_v2_control_finding_leads_to_a_compliant_vpc(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False)

    result = lambda_handler(v2_event(vpc.vpc_id), lambda_context)

    assert result["event"]["event_name"] == "Findings Imported V2"
    assert result["vpcs"][0]["status"] == "fixed"
    assert violations(aws.ec2, vpc.vpc_id, REGION) == []


@pytest.mark.parametrize(
    ("finding", "reason"),
    [
        (
            {"metadata": {"product": {"uid": f"arn:aws:securityhub:{REGION}::productv2/acme/x"}}},
            "is not Security Hub",
        ),
        (
            {"cloud": {"account": {"uid": "444455556666"}, "region": REGION}},
            "never steers a repair into another account",
        ),
    ],
)
def test_a_v2_finding_of_another_product_or_account_is_refused_before_any_call(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
    finding: dict[str, Any],
    reason: str,
) -> None:
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    api_calls.clear()

    result = lambda_handler(v2_event(vpc.vpc_id, **finding), lambda_context)

    assert result["refused"] and reason in result["event"]["reason"]
    assert api_calls.calls == []
    assert violations(aws.ec2, vpc.vpc_id, REGION) != []  # untouched


@pytest.mark.parametrize("enabled", [True, False])
def test_an_approval_moves_the_v2_finding_where_the_new_security_hub_is_enabled(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    workflow: list[dict[str, Any]],
    api_calls: CallLog,
    enabled: bool,
) -> None:
    handler_env.setenv("FIX_ON_APPROVAL", "true")
    if enabled:
        aws.strict.hub_v2.add((ACCOUNT, REGION))
    aws.strict.findings_v2[V2_KEY] = {"status_id": 1}
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    event = load_event("securityhub_custom_action_fix", ids={FIXTURE_VPC: vpc.vpc_id})

    result = lambda_handler(event, lambda_context)

    assert result["vpcs"][0]["status"] == "fixed"
    assert [c["Workflow"]["Status"] for c in workflow] == ["NOTIFIED", "RESOLVED"]  # CSPM
    assert "DescribeSecurityHubV2" in api_calls.operations("securityhub")
    if enabled:
        assert [u["StatusId"] for u in aws.strict.findings_v2_updates] == [2, 4]
        assert aws.strict.findings_v2[V2_KEY]["status_id"] == 4  # Resolved
        assert aws.strict.findings_v2_updates[0]["FindingIdentifiers"] == [
            dict(
                zip(
                    ("CloudAccountUid", "FindingInfoUid", "MetadataProductUid"), V2_KEY, strict=True
                )
            )
        ]
    else:
        assert aws.strict.findings_v2_updates == []
        assert "BatchUpdateFindingsV2" not in api_calls.operations("securityhub")


def test_the_tool_s_own_findings_have_no_v2_form(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    workflow: list[dict[str, Any]],
    api_calls: CallLog,
) -> None:
    """An approval of the tool's own (ASFF-only) findings asks nothing of the new Security Hub."""
    handler_env.setenv("FIX_ON_APPROVAL", "true")
    aws.strict.hub_v2.add((ACCOUNT, REGION))
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    event = load_event("securityhub_custom_action_fix", ids={FIXTURE_VPC: vpc.vpc_id})
    finding = event["detail"]["findings"][0]
    finding["ProductArn"] = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
    finding["GeneratorId"] = "ecr-endpoint-guard/ecr-api-endpoint"

    lambda_handler(event, lambda_context)

    assert {"DescribeSecurityHubV2", "BatchUpdateFindingsV2"}.isdisjoint(
        api_calls.operations("securityhub")
    )


# ------------------------------------------------------------------ the model itself


def test_model_describe_answers_only_where_enabled(aws: Aws) -> None:
    hub = boto3.client("securityhub", region_name=REGION)
    with pytest.raises(ClientError) as refused:
        hub.describe_security_hub_v2()
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    aws.strict.hub_v2.add((ACCOUNT, REGION))
    assert hub.describe_security_hub_v2()["HubV2Arn"].startswith(
        f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hubv2/"
    )


def test_model_batch_update_v2_validates_and_reports_unknown_findings(aws: Aws) -> None:
    aws.strict.hub_v2.add((ACCOUNT, REGION))
    aws.strict.findings_v2[V2_KEY] = {"status_id": 1}
    hub = boto3.client("securityhub", region_name=REGION)
    known = dict(
        zip(("CloudAccountUid", "FindingInfoUid", "MetadataProductUid"), V2_KEY, strict=True)
    )
    unknown = {**known, "FindingInfoUid": "nope"}
    answer = hub.batch_update_findings_v2(
        FindingIdentifiers=[known, unknown], StatusId=2, Comment="c"
    )
    assert [p["FindingIdentifier"] for p in answer["ProcessedFindings"]] == [known]
    assert answer["UnprocessedFindings"][0]["ErrorCode"] == "ResourceNotFoundException"
    assert aws.strict.findings_v2[V2_KEY] == {"status_id": 2, "comment": "c"}
    for bad in (
        {"FindingIdentifiers": [known], "MetadataUids": ["m"]},  # never both
        {"FindingIdentifiers": [known], "StatusId": 7},
        {"FindingIdentifiers": [known] * 101},
    ):
        with pytest.raises(ClientError) as refused:
            hub.batch_update_findings_v2(**bad)
        assert refused.value.response["Error"]["Code"] == "ValidationException"
