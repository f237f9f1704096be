"""Model tests of tests/support/strict_workloads.py: workload network interfaces as EC2 shows
them, endpoint and NAT gateway metrics read back through GetMetricData (dimension names with
spaces), and CloudWatch's limit of 500 queries a call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.aws.parsing import parse_network_interface
from remediation.baseline.need import workload_kind
from tests.support.aws import Aws, shared_client
from tests.support.strict_workloads import endpoint_dimensions, put_daily_bytes, workload_eni
from tests.support.topology import build_vpc


def described(aws: Aws, eni_id: str) -> dict[str, Any]:
    (item,) = aws.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    return dict(item)


@pytest.mark.parametrize(
    ("kind", "interface_type", "managed", "workload"),
    [
        ("ecs-task", "interface", True, "an ECS task (awsvpc)"),
        ("eks-cni", "interface", False, "EKS pods (VPC CNI or security groups for pods)"),
        ("eks-control-plane", "interface", True, "an EKS cluster's control plane"),
        ("lambda", "lambda", False, ""),
        ("nat", "nat_gateway", True, ""),
    ],
)
def test_workload_interfaces_read_back_as_ec2_shows_them(
    aws: Aws, kind: str, interface_type: str, managed: bool, workload: str
) -> None:
    vpc = build_vpc(aws.ec2, azs=1)
    item = described(aws, workload_eni(aws.ec2, vpc.all_private[0], kind))
    assert item["InterfaceType"] == interface_type
    assert item["RequesterManaged"] is managed
    assert workload_kind(parse_network_interface(item)) == workload
    if kind == "ecs-task":
        assert item["Description"].startswith("arn:aws:ecs:us-east-1:123456789012:attachment/")
    if kind == "eks-cni":
        tags = {t["Key"]: t["Value"] for t in item["TagSet"]}
        assert tags["eks:eni:owner"] == "amazon-vpc-cni"


def test_endpoint_metrics_with_spaced_dimension_names_read_back(aws: Aws) -> None:
    cloudwatch = shared_client("cloudwatch")
    dims = endpoint_dimensions("vpce-1", "vpc-1", "com.amazonaws.us-east-1.ecr.dkr")
    put_daily_bytes(cloudwatch, "AWS/PrivateLinkEndpoints", "BytesProcessed", dims, 1e6, days=3)
    end = dt.datetime.now(dt.UTC)
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q0",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/PrivateLinkEndpoints",
                        "MetricName": "BytesProcessed",
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                    },
                    "Period": 86_400,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=end - dt.timedelta(days=5),
        EndTime=end,
    )
    (result,) = answer["MetricDataResults"]
    assert sum(result["Values"]) == 3e6


def test_more_than_500_queries_are_refused(aws: Aws) -> None:
    cloudwatch = shared_client("cloudwatch")
    end = dt.datetime.now(dt.UTC)
    queries = [
        {
            "Id": f"q{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/NATGateway",
                    "MetricName": "BytesInFromSource",
                    "Dimensions": [{"Name": "NatGatewayId", "Value": f"nat-{i}"}],
                },
                "Period": 86_400,
                "Stat": "Sum",
            },
        }
        for i in range(501)
    ]
    with pytest.raises(ClientError) as refused:
        cloudwatch.get_metric_data(
            MetricDataQueries=queries, StartTime=end - dt.timedelta(days=1), EndTime=end
        )
    assert "500" in str(refused.value)
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=queries[:500], StartTime=end - dt.timedelta(days=1), EndTime=end
    )
    assert len(answer["MetricDataResults"]) == 500
