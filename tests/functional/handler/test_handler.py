"""The Lambda handler against moto: the flows of the engine issue, asserted on AWS state
and on the recorded API calls (never on log lines)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.remediate import RemediationFailed, lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.sns import published, topic_with_queue
from tests.support.topology import BuiltVpc, build_vpc, endpoints

FIXTURE_VPC = "vpc-0a1b2c3d4e5f67890"


def create_vpc_event(vpc_id: str) -> dict[str, Any]:
    return load_event("create_vpc", ids={FIXTURE_VPC: vpc_id})


@pytest.fixture
def app_vpc(aws: Aws) -> BuiltVpc:
    """Public and private subnets in three AZs, DNS hostnames off."""
    return build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})


def auto_fix(env: pytest.MonkeyPatch) -> None:
    env.setenv("REMEDIATION_MODE", "auto-fix")
    env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)


# --------------------------------------------------------------------------- dry-run


def test_dry_run_changes_nothing_and_publishes_one_message(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)

    assert api_calls.writes("ec2") == []
    assert api_calls.operations("sns") == ["Publish"]
    assert result["mode"] == "dry-run"
    (vpc,) = result["vpcs"]
    assert vpc["status"] == "non-compliant"
    assert endpoints(aws.ec2, app_vpc.vpc_id) == []
    messages = published(aws, queue)
    assert len(messages) == 1
    body = messages[0]["Message"]
    subject = messages[0]["Subject"]
    assert app_vpc.vpc_id in subject
    assert ACCOUNT in subject  # one topic may receive every account's messages
    assert len(subject) <= 100
    for text in (
        app_vpc.vpc_id,
        "app",
        ACCOUNT,
        REGION,
        "ecr.api",
        "ecr.dkr",
        "s3",
        "enableDnsHostnames",
        "$43.80/month",
    ):
        assert text in body, text
    machine = json.loads(body.split("--- JSON ---\n", 1)[1])
    assert machine["vpc_id"] == app_vpc.vpc_id
    services = {a["service"] for a in machine["actions"]}
    assert {
        f"com.amazonaws.{REGION}.ecr.api",
        f"com.amazonaws.{REGION}.ecr.dkr",
        f"com.amazonaws.{REGION}.s3",
    } <= services
    # Two interface endpoints in three AZs: 6 endpoint-AZs at $7.30 a month each.
    assert machine["cost"]["monthly_usd"] == pytest.approx(43.8)


def test_unknown_mode_is_refused_at_start_and_runs_dry(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    handler_env.setenv("REMEDIATION_MODE", "fix-everything")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    api_calls.clear()
    result = lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)
    assert result["mode"] == "dry-run"
    assert any("REMEDIATION_MODE" in p for p in result["problems"])
    assert api_calls.writes("ec2") == []


def test_auto_fix_needs_the_account_in_the_allow_list(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    handler_env.setenv("REMEDIATION_MODE", "auto-fix")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", "111122223333")
    api_calls.clear()
    result = lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)
    assert result["mode"] == "dry-run"
    assert any("AUTO_FIX_ACCOUNT_IDS" in p for p in result["problems"])
    assert api_calls.writes("ec2") == []


# --------------------------------------------------------------------------- auto-fix


def test_auto_fix_leaves_the_vpc_compliant_and_a_second_run_writes_nothing(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    assert violations(aws.ec2, app_vpc.vpc_id, REGION)

    result = lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)

    assert result["vpcs"][0]["status"] == "fixed", result
    assert violations(aws.ec2, app_vpc.vpc_id, REGION) == []
    # The smallest change: one write per missing item, DNS support untouched (it was on).
    writes = api_calls.writes("ec2")
    assert sorted(writes) == sorted(
        [
            "ModifyVpcAttribute",  # hostnames
            "CreateSecurityGroup",
            "AuthorizeSecurityGroupIngress",
            "CreateVpcEndpoint",
            "CreateVpcEndpoint",
            "CreateVpcEndpoint",
        ]
    )
    (attribute_call,) = api_calls.params("ModifyVpcAttribute")[-1:]
    assert attribute_call == {"VpcId": app_vpc.vpc_id, "EnableDnsHostnames": {"Value": True}}
    created = endpoints(aws.ec2, app_vpc.vpc_id)
    for endpoint in created:
        tags = {t["Key"]: t["Value"] for t in endpoint["Tags"]}
        assert tags["ecr-endpoint-guard/managed"] == "true"
        assert tags["ecr-endpoint-guard/event-id"]
    assert len(published(aws, queue)) == 1

    api_calls.clear()
    second = lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)
    assert api_calls.writes("ec2") == []
    assert api_calls.operations("sns") == []  # compliant: nothing to say
    assert second["vpcs"][0]["status"] == "compliant"


def test_dns_support_goes_before_hostnames(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    built = build_vpc(aws.ec2, dns_support=False, dns_hostnames=False)
    auto_fix(handler_env)
    api_calls.clear()
    lambda_handler(create_vpc_event(built.vpc_id), lambda_context)
    attribute_calls = api_calls.params("ModifyVpcAttribute")
    assert [next(k for k in c if k != "VpcId") for c in attribute_calls] == [
        "EnableDnsSupport",
        "EnableDnsHostnames",
    ]
    assert violations(aws.ec2, built.vpc_id, REGION) == []


def test_vpc_without_private_subnets_fixes_dns_and_waits(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    auto_fix(handler_env)
    result = lambda_handler(create_vpc_event(vpc_id), lambda_context)
    (vpc,) = result["vpcs"]
    codes = {f["code"] for f in vpc["findings"]}
    assert "endpoint-waiting-for-private-subnets" in codes
    waiting = [f for f in vpc["findings"] if f["code"].endswith("waiting-for-private-subnets")]
    assert {f["severity"] for f in waiting} == {"info"}  # reported, and not a failure
    assert vpc["status"] == "fixed"  # DNS fixed at once; nothing else can be done yet
    hostnames = aws.ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is True
    assert endpoints(aws.ec2, vpc_id) == []


def test_vpc_that_no_longer_exists_is_skipped(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    auto_fix(handler_env)
    result = lambda_handler(create_vpc_event("vpc-0123456789abcdef0"), lambda_context)
    (vpc,) = result["vpcs"]
    assert vpc["status"] == "skipped"
    assert "does not exist" in vpc["mode_note"]
    assert result["counts"]["vpcs_skipped"] == 1
    assert result["failed"] is False
    assert any("does not exist" in n for n in result["notes"])
    assert api_calls.writes("ec2") == []


# --------------------------------------------------------------------------- deletions


@pytest.mark.parametrize("deleted", [("ecr.api",), ("ecr.api", "ecr.dkr", "s3")])
def test_deleted_endpoints_are_restored_in_auto_fix(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    deleted: tuple[str, ...],
) -> None:
    auto_fix(handler_env)
    lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)
    by_service = {
        e["ServiceName"].removeprefix(f"com.amazonaws.{REGION}."): e["VpcEndpointId"]
        for e in endpoints(aws.ec2, app_vpc.vpc_id)
    }
    ids = [by_service[s] for s in deleted]
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=ids)
    assert violations(aws.ec2, app_vpc.vpc_id, REGION)

    name = "delete_vpc_endpoints_single" if len(ids) == 1 else "delete_vpc_endpoints_multi"
    event = load_event(name)
    request = event["detail"]["requestParameters"]["DeleteVpcEndpointsRequest"]
    request["VpcEndpointId"] = (
        {"tag": 1, "content": ids[0]}
        if len(ids) == 1
        else [{"tag": n + 1, "content": i} for n, i in enumerate(ids)]
    )
    api_calls.clear()
    result = lambda_handler(event, lambda_context)

    assert result["event"]["endpoint_ids"] == ids
    assert violations(aws.ec2, app_vpc.vpc_id, REGION) == []
    assert api_calls.writes("ec2").count("CreateVpcEndpoint") == len(ids)
    assert "CreateSecurityGroup" not in api_calls.writes("ec2")  # found, not made again


def test_deleted_endpoint_is_reported_in_dry_run(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    auto_fix(handler_env)
    lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)
    api_endpoint = next(
        e for e in endpoints(aws.ec2, app_vpc.vpc_id) if e["ServiceName"].endswith("ecr.api")
    )
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[api_endpoint["VpcEndpointId"]])
    handler_env.setenv("REMEDIATION_MODE", "dry-run")
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    event = load_event(
        "delete_vpc_endpoints_single", ids={"vpce-0a1b2c3d4e5f60001": api_endpoint["VpcEndpointId"]}
    )
    api_calls.clear()

    result = lambda_handler(event, lambda_context)

    assert api_calls.writes("ec2") == []
    (vpc,) = result["vpcs"]
    assert vpc["status"] == "non-compliant"
    assert [f["code"] for f in vpc["findings"]] == ["endpoint-missing"]
    (message,) = published(aws, queue)
    assert "ecr.api" in message["Message"]


def test_unresolvable_endpoint_falls_back_to_a_sweep(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    other = build_vpc(aws.ec2, cidr="10.1.0.0/16", azs=1)
    result = lambda_handler(load_event("delete_vpc_endpoints_single"), lambda_context)
    assert {v["vpc_id"] for v in result["vpcs"]} >= {app_vpc.vpc_id, other.vpc_id}
    assert any("sweeping" in n for n in result["notes"])


# --------------------------------------------------------------------------- refusals

REFUSED = [
    "failed_call_create_vpc",
    "dry_run_call_modify_vpc_attribute",
    "own_call_modify_vpc_endpoint",
    "unsupported_event_run_instances",
    "malformed_create_vpc_missing_response",
    "not_an_event",
]


@pytest.mark.parametrize("name", REFUSED)
def test_malformed_or_irrelevant_events_are_refused_cleanly(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    name: str,
) -> None:
    auto_fix(handler_env)
    handler_env.setenv(
        "TOOL_ROLE_ARN", "arn:aws:iam::123456789012:role/ecr-endpoint-guard-FunctionRole-EXAMPLE"
    )
    api_calls.clear()
    result = lambda_handler(load_event(name, ids={FIXTURE_VPC: app_vpc.vpc_id}), lambda_context)
    assert result["refused"] is True
    assert result["event"]["reason"]
    assert api_calls.operations() == []  # no AWS call at all, let alone a write
    assert endpoints(aws.ec2, app_vpc.vpc_id) == []


@pytest.mark.parametrize("event", [None, [], "CreateVpc", 42, {"detail": "x"}])
def test_non_events_are_refused(
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    event: Any,
) -> None:
    result = lambda_handler(event, lambda_context)
    assert result["refused"] is True


def test_failed_action_does_not_stop_the_others_and_the_handler_errors(
    aws: Aws,
    app_vpc: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore.client
    from botocore.exceptions import ClientError

    auto_fix(handler_env)
    recording = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def failing(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "CreateVpcEndpoint" and params.get("ServiceName", "").endswith("ecr.dkr"):
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, operation)
        return recording(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
    with pytest.raises(RemediationFailed):
        lambda_handler(create_vpc_event(app_vpc.vpc_id), lambda_context)
    services = {e["ServiceName"] for e in endpoints(aws.ec2, app_vpc.vpc_id)}
    assert services == {f"com.amazonaws.{REGION}.ecr.api", f"com.amazonaws.{REGION}.s3"}
