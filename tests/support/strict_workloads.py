"""Real AWS where moto is silent: container workloads' network interfaces, and CloudWatch's
endpoint and NAT gateway metrics.

moto creates every network interface as a plain customer interface (``InterfaceType``
``interface``, ``RequesterManaged`` false); real EC2 shows the interfaces ECS, EKS and other
services create for their workloads with the service's own marks. moto publishes no metric for
endpoints or NAT gateways (AWS does, every minute with traffic), and answers ``GetMetricData``
with any number of queries (CloudWatch: at most 500). The helpers here put what AWS would
into moto's backends, each citing where the shape comes from; :func:`strict_cloudwatch`
refuses more than 500 queries. Model tests: ``tests/functional/real_ec2/test_strict_workloads.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.responses import CloudWatchResponse
from moto.ec2.models import ec2_backends

from tests.support.aws import ACCOUNT

# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
# ("You can include up to 500 MetricDataQuery structures in one GetMetricData request").
# The error's exact text is not documented: modelled on CloudWatch's list-size validation.
TOO_MANY_QUERIES = "The collection MetricDataQueries must not have a size greater than 500."
MAX_QUERIES = 500


def _eni(ec2: Any, eni_id: str, account: str, region: str) -> Any:
    return ec2_backends[account][region].enis[eni_id]


def workload_eni(
    ec2: Any,
    subnet_id: str,
    kind: str,
    *,
    account: str = ACCOUNT,
    region: str = "us-east-1",
) -> str:
    """A network interface as AWS creates it for a workload of ``kind``; returns its id.

    Kinds (sources in the shared facts, "Workload signatures on network interfaces"):

    - ``ecs-task``: an ECS task in awsvpc mode (Fargate or EC2): ``Description``
      ``arn:aws:ecs:<region>:<account>:attachment/<uuid>``, requester-managed (cloud-custodian
      ``test_ecs_task_sg_filter`` recording; EC2 UG, requester-managed-eni.html).
    - ``eks-cni``: a VPC CNI secondary interface: ``Description`` ``aws-K8S-<instance>``, tags
      ``node.k8s.amazonaws.com/instance_id`` and ``eks:eni:owner=amazon-vpc-cni``
      (aws/amazon-vpc-cni-k8s ``pkg/awsutils``).
    - ``eks-control-plane``: ``Description`` ``Amazon EKS <cluster>``, requester-managed.
    - ``lambda``: ``InterfaceType`` ``lambda``, ``Description`` ``AWS Lambda VPC ENI-<fn>-<uuid>``
      (not a container workload).
    - ``nat``: ``InterfaceType`` ``nat_gateway`` (the real string, not the enum's
      ``natGateway``), ``Description`` ``Interface for NAT Gateway nat-...``.
    """
    tags: dict[str, str] = {}
    description, interface_type, managed = "", "interface", False
    if kind == "ecs-task":
        description = f"arn:aws:ecs:{region}:{account}:attachment/{uuid.uuid4()}"
        managed = True
    elif kind == "eks-cni":
        description = "aws-K8S-i-0a1b2c3d4e5f60001"
        tags = {
            "node.k8s.amazonaws.com/instance_id": "i-0a1b2c3d4e5f60001",
            "eks:eni:owner": "amazon-vpc-cni",
        }
    elif kind == "eks-control-plane":
        description, managed = "Amazon EKS platform", True
    elif kind == "lambda":
        description, interface_type = f"AWS Lambda VPC ENI-orders-{uuid.uuid4()}", "lambda"
    elif kind == "nat":
        description, interface_type, managed = (
            "Interface for NAT Gateway nat-0",
            "nat_gateway",
            True,
        )
    else:
        raise ValueError(f"unknown workload kind {kind!r}")
    spec = [
        {
            "ResourceType": "network-interface",
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
    ]
    eni_id = str(
        ec2.create_network_interface(
            SubnetId=subnet_id,
            Description=description,
            **({"TagSpecifications": spec} if tags else {}),
        )["NetworkInterface"]["NetworkInterfaceId"]
    )
    eni = _eni(ec2, eni_id, account, region)
    eni.interface_type = interface_type
    eni.requester_managed = managed
    return eni_id


def put_daily_bytes(
    cloudwatch: Any,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    per_day: float,
    *,
    days: int,
    now: dt.datetime | None = None,
) -> None:
    """``per_day`` bytes on each of the last ``days`` whole UTC days (one point at noon)."""
    today = (now or dt.datetime.now(dt.UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Timestamp": today - dt.timedelta(days=d) + dt.timedelta(hours=12),
            "Value": per_day,
            "Unit": "Bytes",
        }
        for d in range(1, days + 1)
    ]
    for start in range(0, len(data), 20):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 20])


def endpoint_dimensions(endpoint_id: str, vpc_id: str, service: str) -> dict[str, str]:
    """The dimensions AWS publishes ``BytesProcessed`` under (PrivateLink guide,
    privatelink-cloudwatch-metrics.html): their names contain spaces."""
    return {
        "Endpoint Type": "Interface",
        "Service Name": service,
        "VPC Endpoint Id": endpoint_id,
        "VPC Id": vpc_id,
    }


@contextmanager
def strict_cloudwatch() -> Iterator[None]:
    """CloudWatch's limit of 500 queries per ``GetMetricData`` call (moto has none)."""
    original = CloudWatchResponse.get_metric_data

    def get_metric_data(self: Any) -> Any:
        if len(self._get_params().get("MetricDataQueries", [])) > MAX_QUERIES:
            raise ValidationError(TOO_MANY_QUERIES)
        return original(self)

    CloudWatchResponse.get_metric_data = get_metric_data  # type: ignore[method-assign]
    try:
        yield
    finally:
        CloudWatchResponse.get_metric_data = original  # type: ignore[method-assign]
