"""A small account for the report formats' tests: endpoints that carry traffic, a VPC without
endpoints whose NAT gateway carries gigabytes, and hostile names (markup, a formula, quotes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from moto.ec2.models import ec2_backends

from tests.support.aws import ACCOUNT, REGION, Aws, shared_client
from tests.support.strict_workloads import endpoint_dimensions, put_daily_bytes
from tests.support.topology import BuiltVpc, add_nat_gateway, build_vpc

#: A Name tag no page, table or spreadsheet may run: markup, script, quotes, a formula.
HOSTILE_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)> & "q" \'s'
FORMULA_NAME = '=HYPERLINK("http://example.invalid","click")'


@dataclass
class ReportAccount:
    app: BuiltVpc  # ECR endpoints carrying traffic, a NAT gateway
    hostile: BuiltVpc  # no endpoint, a NAT gateway carrying gigabytes, a hostile name
    formula: BuiltVpc  # no endpoint, no NAT gateway, a formula for a name


def build_report_account(aws: Aws) -> ReportAccount:
    cloudwatch = shared_client("cloudwatch")
    app = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "app"})
    hostile = build_vpc(
        aws.ec2, dns_hostnames=True, tags={"Name": HOSTILE_NAME}, cidr="10.1.0.0/16"
    )
    formula = build_vpc(
        aws.ec2, dns_hostnames=True, tags={"Name": FORMULA_NAME}, cidr="10.2.0.0/16"
    )
    app_nat, hostile_nat = add_nat_gateway(aws.ec2, app), add_nat_gateway(aws.ec2, hostile)
    for service in ("ecr.api", "ecr.dkr"):
        name = f"com.amazonaws.{REGION}.{service}"
        endpoint = str(
            aws.ec2.create_vpc_endpoint(
                VpcId=app.vpc_id,
                ServiceName=name,
                VpcEndpointType="Interface",
                SubnetIds=app.all_private,
                PrivateDnsEnabled=True,
            )["VpcEndpoint"]["VpcEndpointId"]
        )
        ec2_backends[ACCOUNT][REGION].vpc_end_points[endpoint].creation_timestamp = (
            dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
        ).replace(tzinfo=None)
        put_daily_bytes(
            cloudwatch,
            "AWS/PrivateLinkEndpoints",
            "BytesProcessed",
            endpoint_dimensions(endpoint, app.vpc_id, name),
            2e9,
            days=30,
        )
    for nat, per_day in ((app_nat, 1e9), (hostile_nat, 20e9)):
        put_daily_bytes(
            cloudwatch,
            "AWS/NATGateway",
            "BytesInFromDestination",
            {"NatGatewayId": nat},
            per_day,
            days=14,
        )
    return ReportAccount(app, hostile, formula)
