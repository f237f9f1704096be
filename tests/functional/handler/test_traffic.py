"""Traffic and money at the handler: a sweep reads CloudWatch in one batched call, each VPC's
result carries ``traffic`` and ``money`` (checked against figures computed by hand), the traffic
findings (pulls bypassing the endpoints, an unused endpoint of the tool's) are reported and
nothing is deleted, and metrics that cannot be read are ``info``, never a failure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from moto.ec2.models import ec2_backends

from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext, shared_client
from tests.support.fixtures import load_event
from tests.support.strict_workloads import endpoint_dimensions, put_daily_bytes
from tests.support.topology import BuiltVpc, add_nat_gateway, build_vpc, endpoints

MANAGED = {"Key": "ecr-endpoint-guard/managed", "Value": "true"}
ECR = (f"com.amazonaws.{REGION}.ecr.api", f"com.amazonaws.{REGION}.ecr.dkr")


def sweep() -> dict[str, Any]:
    return load_event("scheduled_sweep")


def ecr_endpoints(aws: Aws, vpc: BuiltVpc, *, owned: bool, age_days: int = 60) -> list[str]:
    """Both ECR endpoints, private DNS on, one private subnet in each of the three AZs."""
    group = aws.ec2.create_security_group(
        GroupName="endpoints", Description="endpoints", VpcId=vpc.vpc_id
    )["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            }
        ],
    )
    made = []
    for service in ECR:
        endpoint = aws.ec2.create_vpc_endpoint(
            VpcId=vpc.vpc_id,
            ServiceName=service,
            VpcEndpointType="Interface",
            SubnetIds=vpc.all_private,
            SecurityGroupIds=[group],
            PrivateDnsEnabled=True,
            TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [MANAGED]}]
            if owned
            else [],
        )["VpcEndpoint"]["VpcEndpointId"]
        backend = ec2_backends[ACCOUNT][REGION].vpc_end_points[endpoint]
        # moto keeps a naive UTC datetime, as it creates them
        backend.creation_timestamp = (
            dt.datetime.now(dt.UTC) - dt.timedelta(days=age_days)
        ).replace(tzinfo=None)
        made.append(str(endpoint))
    return made


@pytest.fixture
def cloudwatch(aws: Aws) -> Any:
    return shared_client("cloudwatch")


def test_a_sweep_reports_measured_traffic_and_money_computed_by_hand(
    aws: Aws,
    cloudwatch: Any,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})
    nat = add_nat_gateway(aws.ec2, vpc)
    api, dkr = ecr_endpoints(aws, vpc, owned=False)
    # 0.5 GB a day through each endpoint, 3 GB a day through the NAT gateway (each direction 1.5)
    for endpoint, service in ((api, ECR[0]), (dkr, ECR[1])):
        put_daily_bytes(
            cloudwatch,
            "AWS/PrivateLinkEndpoints",
            "BytesProcessed",
            endpoint_dimensions(endpoint, vpc.vpc_id, service),
            0.5e9,
            days=30,
        )
    for metric in ("BytesInFromSource", "BytesInFromDestination"):
        put_daily_bytes(cloudwatch, "AWS/NATGateway", metric, {"NatGatewayId": nat}, 1.5e9, days=30)
    api_calls.clear()

    result = lambda_handler(sweep(), lambda_context)

    assert api_calls.operations("cloudwatch") == ["GetMetricData"]
    (queries,) = [len(p["MetricDataQueries"]) for p in api_calls.params("GetMetricData")]
    assert queries == 4  # two endpoints, two NAT metrics
    (found,) = [v for v in result["vpcs"] if v["vpc_id"] == vpc.vpc_id]
    traffic = found["traffic"]
    assert traffic["days"] == 14
    assert traffic["endpoint_bytes"] == pytest.approx(14e9)  # 2 x 0.5 GB x 14 days
    assert traffic["nat_bytes"] == pytest.approx(42e9)  # 3 GB x 14 days
    money = found["money"]
    # By hand: 14e9 bytes in 14 days = 30.4167 GB a month (730 hours); 6 endpoint-AZs.
    assert money["basis"] == "measured"
    assert money["endpoint_azs"] == 6
    assert money["endpoints_hourly_usd"] == 43.80  # 6 x $0.01 x 730
    assert money["endpoints_data_usd"] == 0.30  # 30.4167 GB x $0.01
    assert money["endpoints_monthly_usd"] == 44.10
    assert money["nat_avoided_monthly_usd"] == 1.37  # 30.4167 GB x $0.045
    assert money["net_monthly_usd"] == -42.73
    assert not [f for f in found["findings"] if f["code"] == "pulls-bypass-endpoints"]


def test_a_vpc_without_endpoints_gets_an_upper_bound_from_its_nat_bytes(
    aws: Aws,
    cloudwatch: Any,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})
    nat = add_nat_gateway(aws.ec2, vpc)
    for metric in ("BytesInFromSource", "BytesInFromDestination"):
        put_daily_bytes(cloudwatch, "AWS/NATGateway", metric, {"NatGatewayId": nat}, 5e9, days=14)
    result = lambda_handler(sweep(), lambda_context)
    (found,) = [v for v in result["vpcs"] if v["vpc_id"] == vpc.vpc_id]
    money = found["money"]
    # 140e9 bytes in 14 days = 304.1667 GB a month; the plan adds 6 endpoint-AZs.
    assert money["basis"] == "upper-bound"
    assert money["endpoint_azs"] == 6
    assert money["nat_avoided_monthly_usd"] == 13.69  # 304.1667 x 0.045
    assert money["endpoints_monthly_usd"] == 46.84  # 43.80 + 304.1667 x 0.01 (3.04)
    assert money["net_monthly_usd"] == -33.15


def test_endpoints_that_carry_nothing_while_the_nat_carries_gigabytes_are_a_warning(
    aws: Aws,
    cloudwatch: Any,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})
    nat = add_nat_gateway(aws.ec2, vpc)
    ecr_endpoints(aws, vpc, owned=False)
    put_daily_bytes(
        cloudwatch, "AWS/NATGateway", "BytesInFromDestination", {"NatGatewayId": nat}, 2e9, days=14
    )
    result = lambda_handler(sweep(), lambda_context)
    (found,) = [v for v in result["vpcs"] if v["vpc_id"] == vpc.vpc_id]
    (warning,) = [f for f in found["findings"] if f["code"] == "pulls-bypass-endpoints"]
    assert warning["severity"] == "warning"
    assert nat in warning["message"]
    assert "dual-stack" in warning["message"] and "Resolver" in warning["message"]


def test_an_unused_tool_endpoint_is_reported_with_its_cost_and_never_deleted(
    aws: Aws,
    cloudwatch: Any,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
) -> None:
    handler_env.setenv("REMEDIATION_MODE", "auto-fix")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    vpc = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})
    api, dkr = ecr_endpoints(aws, vpc, owned=True)
    api_calls.clear()
    result = lambda_handler(sweep(), lambda_context)
    (found,) = [v for v in result["vpcs"] if v["vpc_id"] == vpc.vpc_id]
    unused = [f for f in found["findings"] if f["code"] == "endpoint-unused"]
    assert {f["resource_id"] for f in unused} == {api, dkr}
    assert all(f["severity"] == "info" for f in unused)
    assert all("$21.90/month" in f["message"] for f in unused)  # 3 AZs x $0.01 x 730
    assert all(f"release --region {REGION} --vpc-id {vpc.vpc_id}" in f["message"] for f in unused)
    assert not [op for op in api_calls.writes("ec2") if op.startswith("Delete")]
    assert {e["VpcEndpointId"] for e in endpoints(aws.ec2, vpc.vpc_id)} >= {api, dkr}


def test_a_young_endpoint_is_not_called_unused(
    aws: Aws,
    cloudwatch: Any,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})
    ecr_endpoints(aws, vpc, owned=True, age_days=3)
    result = lambda_handler(sweep(), lambda_context)
    (found,) = [v for v in result["vpcs"] if v["vpc_id"] == vpc.vpc_id]
    assert not [f for f in found["findings"] if f["code"] == "endpoint-unused"]


def test_unreadable_metrics_are_info_and_never_fail_the_sweep(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botocore.exceptions import ClientError

    vpc = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})
    add_nat_gateway(aws.ec2, vpc)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized to GetMetricData"}},
            "GetMetricData",
        )

    from remediation.aws import metrics

    monkeypatch.setattr(metrics, "_call", refuse)
    result = lambda_handler(sweep(), lambda_context)
    assert result["failed"] is False
    (found,) = [v for v in result["vpcs"] if v["vpc_id"] == vpc.vpc_id]
    (info,) = [f for f in found["findings"] if f["code"] == "traffic-unreadable"]
    assert info["severity"] == "info"
    assert "cloudwatch:GetMetricData" in info["message"]
    assert found["money"]["basis"] == "not-measured"


def test_an_event_reads_no_metrics(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=True)
    api_calls.clear()
    result = lambda_handler(
        load_event("create_vpc", ids={"vpc-0a1b2c3d4e5f67890": vpc.vpc_id}), lambda_context
    )
    assert api_calls.operations("cloudwatch") == []
    assert result["vpcs"][0]["traffic"] is None
