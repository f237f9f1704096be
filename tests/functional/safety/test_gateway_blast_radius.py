"""The S3 gateway's blast radius (issue 11 item 6): no S3 route into subnets that carry other
networks' traffic, no extension of a gateway whose policy is not full access, and a warning
about ``aws:SourceIp`` bucket policies whenever a gateway is created or extended."""

from __future__ import annotations

import pytest
from moto.ec2.models import ec2_backends

from handlers.remediate import lambda_handler
from remediation.baseline import gateway_endpoints as G
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.topology import build_vpc

# --------------------------------------------------------------------------- the handler


def test_handler_adds_no_s3_route_to_a_transit_gateway_subnet(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    handler_env.setenv("REMEDIATION_MODE", "auto-fix")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    zone, (subnet,) = sorted(built.private_subnets.items())[1]
    eni = aws.ec2.create_network_interface(
        SubnetId=subnet, Description="Network Interface for Transit Gateway Attachment tgw-attach-1"
    )["NetworkInterface"]["NetworkInterfaceId"]
    # moto makes every interface an "interface"; EC2 reports a TGW attachment's as below.
    (backend_eni,) = ec2_backends[ACCOUNT][REGION].get_all_network_interfaces([eni])
    backend_eni.interface_type = "transit_gateway"
    api_calls.clear()

    result = lambda_handler(
        load_event("create_vpc", ids={"vpc-0a1b2c3d4e5f67890": built.vpc_id}), lambda_context
    )

    (create,) = [
        p for p in api_calls.params("CreateVpcEndpoint") if p["ServiceName"].endswith(".s3")
    ]
    transit_table = built.private_route_tables[zone]
    assert transit_table not in create["RouteTableIds"]
    assert set(create["RouteTableIds"]) == set(built.private_route_tables.values()) - {
        transit_table
    }
    (vpc,) = result["vpcs"]
    codes = {f["code"]: f for f in vpc["findings"]}
    assert transit_table in codes[G.GATEWAY_TRANSIT_SUBNET]["message"]
    assert "aws:SourceIp" in codes[G.GATEWAY_MISSING]["message"]

    api_calls.clear()  # and the next run does not add it either
    lambda_handler(
        load_event("create_vpc", ids={"vpc-0a1b2c3d4e5f67890": built.vpc_id}), lambda_context
    )
    assert api_calls.writes("ec2") == []
