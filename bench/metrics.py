"""The sweep's added reads, measured (issue 23): GetMetricData and DescribeNetworkInterfaces.

Run from the repository root with the project's virtual environment::

    python bench/metrics.py                 # 10, 100 and 500 VPCs (a few minutes)
    python bench/metrics.py --sizes 10,20

Each VPC has one private subnet with its own route table, a NAT gateway on it and both ECR
interface endpoints: 2 endpoint metrics + 2 NAT metrics = 4 queries per VPC, so a sweep of N
VPCs asks CloudWatch for 4·N metrics, in ceil(4·N / 500) calls. The function runs against moto
in this process under ``ENDPOINT_NEED=workloads`` (nothing reaches AWS); every API call is
counted through botocore's hooks. Prints one line per size, and the same figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
#: The function's environment for the measurement: set by :func:`main`, never on import (the
#: doctests import every module of bench/ inside the test process).
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "REMEDIATION_MODE": "dry-run",
    "ENDPOINT_NEED": "workloads",
    "SWEEP_JITTER_SECONDS": "0",
}

REGION = "us-east-1"


def build(ec2: Any, count: int) -> None:
    """``count`` VPCs: a private subnet and its table, a NAT gateway on it, both ECR endpoints."""
    for index in range(count):
        vpc = ec2.create_vpc(CidrBlock=f"10.{index % 250}.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.{index % 250}.1.0/24", AvailabilityZone=f"{REGION}a"
        )["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
        ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
        )
        for service in ("ecr.api", "ecr.dkr"):
            ec2.create_vpc_endpoint(
                VpcId=vpc,
                ServiceName=f"com.amazonaws.{REGION}.{service}",
                VpcEndpointType="Interface",
                SubnetIds=[subnet],
                PrivateDnsEnabled=True,
            )


def scan_calls() -> Any:
    """``ecr-endpoint-guard scan --format json`` in this process; its API calls."""
    import contextlib
    import io

    from bench.counting import recording
    from remediation import cli

    with recording() as calls, contextlib.redirect_stdout(io.StringIO()):
        cli.main(["scan", "--region", REGION, "--format", "json"])
    return calls


def measure(count: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from bench.harness import invoke, sweep_event
    from remediation.aws import hosted_zones
    from remediation.aws.inventory import reset_caches

    hosted_zones.ROUTE53_INTERVAL = 0.0  # counted, not timed
    with mock_aws():
        reset_caches()
        ec2 = boto3.client("ec2", region_name=REGION)
        build(ec2, count)
        started = time.perf_counter()
        result, calls = invoke(sweep_event())
        seconds = time.perf_counter() - started
        scan = scan_calls()
    queries = 4 * count
    metric_calls = calls.operations(service="cloudwatch").count("GetMetricData")
    return {
        "vpcs": count,
        "vpcs_evaluated": len(result["vpcs"]),
        "metric_queries": queries,
        "get_metric_data_calls": metric_calls,
        "ceil_queries_over_500": math.ceil(queries / 500),
        "describe_network_interfaces_calls": calls.operations(service="ec2").count(
            "DescribeNetworkInterfaces"
        ),
        "all_reads": calls.reads,
        # The CLI's scan evaluates 50 VPCs a chunk (engine.chunks.CHUNK): one read of each chunk.
        "scan_get_metric_data_calls": scan.operations(service="cloudwatch").count("GetMetricData"),
        "scan_describe_network_interfaces_calls": scan.operations(service="ec2").count(
            "DescribeNetworkInterfaces"
        ),
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="10,100,500")
    args = parser.parse_args(argv)
    os.environ.update(ENVIRONMENT)
    rows = [measure(int(size)) for size in args.sizes.split(",")]
    for row in rows:
        print(
            f"{row['vpcs']:>4} VPCs: {row['get_metric_data_calls']} GetMetricData "
            f"(ceil({row['metric_queries']}/500) = {row['ceil_queries_over_500']}), "
            f"{row['describe_network_interfaces_calls']} DescribeNetworkInterfaces, "
            f"{row['all_reads']} reads in all, {row['seconds']} s; the CLI's scan: "
            f"{row['scan_get_metric_data_calls']} GetMetricData, "
            f"{row['scan_describe_network_interfaces_calls']} DescribeNetworkInterfaces"
        )
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
