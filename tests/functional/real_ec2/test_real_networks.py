"""Real networks (issue 7): centralised endpoints, IaC coexistence (release), cost-aware
placement. Against moto, asserting AWS state and recorded calls."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation import release
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.hub import add_records, build_hub, route_to_hub
from tests.support.invariants import violations
from tests.support.topology import build_vpc, endpoints, main_route_table

FIXTURE_VPC = "vpc-0a1b2c3d4e5f67890"


def auto_fix(env: pytest.MonkeyPatch) -> None:
    env.setenv("REMEDIATION_MODE", "auto-fix")
    env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)


def invoke(vpc_id: str, context: LambdaContext) -> dict[str, Any]:
    summary: dict[str, Any] = lambda_handler(
        load_event("create_vpc", ids={FIXTURE_VPC: vpc_id}), context
    )
    return summary


def private_zone(aws: Aws, name: str, vpc_id: str, region: str = REGION) -> str:
    zone = aws.route53.create_hosted_zone(
        Name=name,
        CallerReference=f"{name}-{vpc_id}",
        VPC={"VPCRegion": region, "VPCId": vpc_id},
        HostedZoneConfig={"PrivateZone": True, "Comment": "shared ECR endpoints"},
    )
    return str(zone["HostedZone"]["Id"])


# --------------------------------------------------------------------------- centralised


def test_spoke_served_by_a_hub_is_compliant_and_gets_no_local_endpoint(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    spoke = build_vpc(aws.ec2, dns_hostnames=True)
    private_zone(aws, f"api.ecr.{REGION}.amazonaws.com", spoke.vpc_id)
    private_zone(aws, f"dkr.ecr.{REGION}.amazonaws.com", spoke.vpc_id)
    auto_fix(handler_env)
    api_calls.clear()

    result = invoke(spoke.vpc_id, lambda_context)

    (vpc,) = result["vpcs"]
    centralised = [f for f in vpc["findings"] if f["code"] == "endpoint-centralised"]
    assert {f["service"] for f in centralised} == {"ecr.api", "ecr.dkr"}
    assert all(f["severity"] == "info" for f in centralised)
    assert (
        f"api.ecr.{REGION}.amazonaws.com" in centralised[0]["message"] + centralised[1]["message"]
    )
    created = [p["ServiceName"] for p in api_calls.params("CreateVpcEndpoint")]
    assert created == [f"com.amazonaws.{REGION}.s3"]  # only the gateway, no ECR endpoint
    # An event's VPC: one ListHostedZonesByVPC, which also sees a hub account's zones.
    assert api_calls.operations("route53") == ["ListHostedZonesByVPC"]


def test_a_sweep_lists_zones_once_instead_of_once_per_vpc(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    spokes = [build_vpc(aws.ec2, cidr=f"10.{n}.0.0/16", azs=1) for n in range(3)]
    hub = build_hub(aws.ec2, ("ecr.api",))
    for spoke in spokes:
        zone = private_zone(aws, f"api.ecr.{REGION}.amazonaws.com", spoke.vpc_id)
        add_records(aws.route53, zone, hub, "ecr.api")  # a hub zone serves by its records
        route_to_hub(aws.ec2, hub, spoke)
    api_calls.clear()
    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)
    route53 = api_calls.operations("route53")
    assert route53.count("ListHostedZones") == 1
    assert route53.count("GetHostedZone") == 3  # one per matching zone (one per spoke here)
    # The listing settles the spokes; only a VPC it does not settle (moto's default VPC,
    # without endpoints) is looked up on its own (issue 10 item 6).
    looked_up = {p["VPCId"] for p in api_calls.params("ListHostedZonesByVPC")}
    assert looked_up.isdisjoint(s.vpc_id for s in spokes)
    by_vpc = {v["vpc_id"]: {f["code"] for f in v["findings"]} for v in result["vpcs"]}
    assert all("endpoint-centralised" in by_vpc[s.vpc_id] for s in spokes)


def test_a_hub_zone_of_another_account_found_after_ec2s_dns_conflict_is_not_a_failure(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sweep sees only the account's own zones; EC2 then refuses the local endpoint's
    private DNS. The executor's one by-VPC read finds the hub's zone: done, not failed."""
    import botocore.client
    from botocore.exceptions import ClientError

    from remediation.aws.hosted_zones import ZoneKnowledge
    from remediation.aws.inventory import Inventory

    spoke = build_vpc(aws.ec2, dns_hostnames=True, azs=1)
    private_zone(aws, f"api.ecr.{REGION}.amazonaws.com", spoke.vpc_id)
    monkeypatch.setattr(
        Inventory, "_private_zones", lambda self, settings, scope, needing: ZoneKnowledge()
    )
    recording = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def conflicting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if (
            operation == "CreateVpcEndpoint"
            and params["ServiceName"].endswith("ecr.api")
            and params["VpcId"] == spoke.vpc_id
        ):
            raise ClientError(
                {
                    "Error": {
                        "Code": "InvalidParameter",
                        "Message": (
                            "private-dns-enabled cannot be set because there is already a "
                            "conflicting DNS domain for api.ecr.us-east-1.amazonaws.com"
                        ),
                    }
                },
                operation,
            )
        return recording(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", conflicting)
    auto_fix(handler_env)
    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)  # does not raise
    (vpc,) = [v for v in result["vpcs"] if v["vpc_id"] == spoke.vpc_id]
    (api,) = [a for a in vpc["actions"] if a["service"].endswith("ecr.api")]
    assert api["status"] == "already-done"
    assert f"api.ecr.{REGION}.amazonaws.com" in api["detail"]
    services = {e["ServiceName"] for e in endpoints(aws.ec2, spoke.vpc_id)}
    assert f"com.amazonaws.{REGION}.ecr.api" not in services


def test_one_shared_ecr_zone_serves_both_names(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    spoke = build_vpc(aws.ec2, dns_hostnames=True)
    private_zone(aws, f"ecr.{REGION}.amazonaws.com", spoke.vpc_id)
    result = invoke(spoke.vpc_id, lambda_context)
    codes = [f["code"] for f in result["vpcs"][0]["findings"]]
    assert codes.count("endpoint-centralised") == 2


def test_zones_of_other_vpcs_or_public_zones_do_not_count(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    spoke = build_vpc(aws.ec2, dns_hostnames=True)
    other = build_vpc(aws.ec2, cidr="10.1.0.0/16", azs=1)
    private_zone(aws, f"api.ecr.{REGION}.amazonaws.com", other.vpc_id)
    aws.route53.create_hosted_zone(Name=f"dkr.ecr.{REGION}.amazonaws.com", CallerReference="pub")
    result = lambda_handler(
        load_event("create_vpc", ids={FIXTURE_VPC: spoke.vpc_id}), lambda_context
    )
    codes = [f["code"] for f in result["vpcs"][0]["findings"]]
    assert "endpoint-centralised" not in codes
    assert codes.count("endpoint-missing") == 2


def test_required_local_endpoints_never_provoke_the_dns_conflict(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    spoke = build_vpc(aws.ec2, dns_hostnames=True)
    private_zone(aws, f"api.ecr.{REGION}.amazonaws.com", spoke.vpc_id)
    auto_fix(handler_env)
    handler_env.setenv("REQUIRE_LOCAL_ENDPOINTS", "true")
    api_calls.clear()
    result = invoke(spoke.vpc_id, lambda_context)
    findings = {f["service"]: f for f in result["vpcs"][0]["findings"]}
    assert findings["ecr.api"]["code"] == "endpoint-private-zone-conflict"
    assert findings["ecr.api"]["severity"] == "manual"
    created = {p["ServiceName"] for p in api_calls.params("CreateVpcEndpoint")}
    assert f"com.amazonaws.{REGION}.ecr.api" not in created  # EC2 would refuse it
    assert f"com.amazonaws.{REGION}.ecr.dkr" in created  # no zone for dkr: made locally


# --------------------------------------------------------------------------- coexistence


def test_created_resources_say_who_made_them_and_why(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    vpc = build_vpc(aws.ec2)
    auto_fix(handler_env)
    event = load_event("create_vpc", ids={FIXTURE_VPC: vpc.vpc_id})
    lambda_handler(event, lambda_context)
    groups = aws.ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc.vpc_id]},
            {"Name": "tag:ecr-endpoint-guard/managed", "Values": ["true"]},
        ]
    )["SecurityGroups"]
    resources = [*endpoints(aws.ec2, vpc.vpc_id), *groups]
    assert len(resources) == 4
    for resource in resources:
        tags = {t["Key"]: t["Value"] for t in resource["Tags"]}
        assert tags["ecr-endpoint-guard/managed"] == "true"
        assert tags["ecr-endpoint-guard/version"]
        assert tags["ecr-endpoint-guard/reason"]
        assert tags["ecr-endpoint-guard/event-id"] == event["id"]


def _fix_and_add_user_resources(
    aws: Aws, env: pytest.MonkeyPatch, context: LambdaContext
) -> tuple[str, str, str]:
    vpc = build_vpc(aws.ec2)
    auto_fix(env)
    invoke(vpc.vpc_id, context)
    user_group = aws.ec2.create_security_group(
        GroupName="user", Description="user", VpcId=vpc.vpc_id
    )["GroupId"]
    user_endpoint = aws.ec2.create_vpc_endpoint(
        VpcId=vpc.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.logs",
        VpcEndpointType="Interface",
        SubnetIds=[vpc.all_private[0]],
        SecurityGroupIds=[user_group],
    )["VpcEndpoint"]["VpcEndpointId"]
    return vpc.vpc_id, user_group, user_endpoint


def test_release_deletes_exactly_the_tools_resources(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    vpc_id, user_group, user_endpoint = _fix_and_add_user_resources(
        aws, handler_env, lambda_context
    )
    mine = {e["VpcEndpointId"] for e in endpoints(aws.ec2, vpc_id)} - {user_endpoint}
    plan = release.find(aws.ec2, vpc_id)
    assert set(plan.endpoint_ids) == mine and len(mine) == 3
    assert len(plan.group_ids) == 1 and plan.blocked == ()
    api_calls.clear()

    result = release.execute(aws.ec2, plan, sleep=lambda _: None)

    assert result.ok, result
    remaining = endpoints(aws.ec2, vpc_id)
    assert [e["VpcEndpointId"] for e in remaining] == [user_endpoint]
    groups = {
        g["GroupId"]
        for g in aws.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
            "SecurityGroups"
        ]
    }
    assert user_group in groups and plan.group_ids[0] not in groups
    deleted = api_calls.params("DeleteVpcEndpoints")
    assert [sorted(p["VpcEndpointIds"]) for p in deleted] == [sorted(mine)]
    assert [p["GroupId"] for p in api_calls.params("DeleteSecurityGroup")] == list(plan.group_ids)


def test_release_refuses_what_lost_the_tools_tag_since_it_was_shown(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    vpc_id, _, _ = _fix_and_add_user_resources(aws, handler_env, lambda_context)
    plan = release.find(aws.ec2, vpc_id)
    adopted = plan.endpoint_ids[0]  # someone imported it into IaC and dropped our tag
    aws.ec2.delete_tags(Resources=[adopted], Tags=[{"Key": "ecr-endpoint-guard/managed"}])
    api_calls.clear()
    result = release.execute(aws.ec2, plan, sleep=lambda _: None)
    assert adopted in {e["VpcEndpointId"] for e in endpoints(aws.ec2, vpc_id)}
    assert any(adopted in f for f in result.failed)
    deleted = [i for p in api_calls.params("DeleteVpcEndpoints") for i in p["VpcEndpointIds"]]
    assert adopted not in deleted


def test_release_leaves_its_group_where_a_user_endpoint_uses_it(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    vpc_id, _, user_endpoint = _fix_and_add_user_resources(aws, handler_env, lambda_context)
    tool_group = release.find(aws.ec2, vpc_id).group_ids[0]
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=user_endpoint, AddSecurityGroupIds=[tool_group])
    plan = release.find(aws.ec2, vpc_id)
    assert plan.group_ids == ()
    assert any(tool_group in b and user_endpoint in b for b in plan.blocked)
    release.execute(aws.ec2, plan, sleep=lambda _: None)
    user = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[user_endpoint])["VpcEndpoints"][0]
    assert tool_group in {g["GroupId"] for g in user["Groups"]}  # untouched


def test_release_on_a_vpc_the_tool_never_touched_deletes_nothing(
    aws: Aws,
    api_calls: CallLog,
) -> None:
    vpc = build_vpc(aws.ec2)
    aws.ec2.create_vpc_endpoint(
        VpcId=vpc.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[main_route_table(aws.ec2, vpc.vpc_id)],
    )
    plan = release.find(aws.ec2, vpc.vpc_id)
    assert plan.empty
    api_calls.clear()
    assert release.execute(aws.ec2, plan).ok
    assert not [op for op in api_calls.operations() if op.startswith("Delete")]


# --------------------------------------------------------------------------- cost and placement


def test_az_limit_places_endpoints_in_that_many_azs_and_accepts_them(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=True)
    auto_fix(handler_env)
    handler_env.setenv("MAX_AZS_PER_ENDPOINT", "2")
    result = invoke(vpc.vpc_id, lambda_context)
    assert result["vpcs"][0]["cost"]["new_interface_endpoint_azs"] == 4
    for endpoint in endpoints(aws.ec2, vpc.vpc_id):
        if endpoint["VpcEndpointType"] == "Interface":
            assert len(endpoint["SubnetIds"]) == 2
    api_calls.clear()
    again = invoke(vpc.vpc_id, lambda_context)
    assert again["vpcs"][0]["status"] == "compliant"
    assert api_calls.writes("ec2") == []


def test_gateway_report_only_fixes_ecr_and_reports_s3(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=True)
    auto_fix(handler_env)
    handler_env.setenv("GATEWAY_REPORT_ONLY", "true")
    result = invoke(vpc.vpc_id, lambda_context)
    services = {e["ServiceName"] for e in endpoints(aws.ec2, vpc.vpc_id)}
    assert services == {f"com.amazonaws.{REGION}.ecr.api", f"com.amazonaws.{REGION}.ecr.dkr"}
    (vpc_result,) = result["vpcs"]
    assert vpc_result["status"] == "incomplete"
    (s3,) = [f for f in vpc_result["findings"] if f["code"] == "gateway-missing"]
    assert "interrupt S3 connections" in s3["message"] and "report-only" in s3["message"]
    assert violations(aws.ec2, vpc.vpc_id, REGION) == ["s3: no gateway endpoint"]
