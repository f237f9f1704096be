"""The S3 gateway's blast radius on built snapshots: no S3 route into subnets that carry transit
traffic, narrow gateways never extended, the bucket-policy warning."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from remediation import actions as A
from remediation.baseline import gateway_endpoints as G
from remediation.baseline.endpoint_policies import gateway_policy
from remediation.config import Settings, load_settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.model import NetworkInterface
from remediation.vocabulary import MANAGED_TAG
from tests.support.aws import REGION
from tests.support.snapshots import compliant, gateway, interface

DAY = "2026-11-30"


PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")


NARROW = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*",
            }
        ]
    }
)


def without_gateway(*interfaces: NetworkInterface, **changes: Any) -> Any:
    base = compliant(network_interfaces=interfaces)
    return dataclasses.replace(
        base, endpoints=(interface("ecr.api", *PRIV), interface("ecr.dkr", *PRIV)), **changes
    )


@pytest.mark.parametrize(
    "eni",
    [
        NetworkInterface("eni-1", "subnet-priv-b", "transit_gateway"),
        NetworkInterface("eni-1", "subnet-priv-b", "gateway_load_balancer_endpoint"),
        NetworkInterface("eni-1", "subnet-priv-b", "gateway_load_balancer"),
        NetworkInterface("eni-1", "subnet-priv-b", "", "AWS Network Firewall endpoint"),
    ],
)
def test_no_s3_route_into_a_subnet_that_carries_transit_traffic(eni: NetworkInterface) -> None:
    findings, actions = assess(without_gateway(eni), Settings(), DAY)
    by_code = {f.code: f for f in findings}
    skipped = by_code[G.GATEWAY_TRANSIT_SUBNET]
    assert skipped.severity is Severity.INFO and "rtb-priv-b" in skipped.message
    (create,) = actions
    assert isinstance(create, A.CreateGatewayEndpoint)
    assert create.route_table_ids == ("rtb-priv-a", "rtb-priv-c")


def test_ordinary_interfaces_change_nothing() -> None:
    ordinary = NetworkInterface("eni-1", "subnet-priv-b", "interface", "my app")
    (create,) = assess(without_gateway(ordinary), Settings(), DAY)[1]
    assert isinstance(create, A.CreateGatewayEndpoint)
    assert create.route_table_ids == ("rtb-priv-a", "rtb-priv-b", "rtb-priv-c")


def test_creating_or_extending_a_gateway_warns_about_source_ip_bucket_policies() -> None:
    created = assess(without_gateway(), Settings(), DAY)[0]
    extended = assess(compliant(endpoints=(gateway("rtb-priv-a"),)), Settings(), DAY)[0]
    for findings in (created, extended):
        (finding,) = [f for f in findings if f.code.startswith("gateway-")]
        assert "aws:SourceIp" in finding.message and "NAT gateway" in finding.message


def test_a_gateway_whose_policy_is_not_full_access_is_never_extended() -> None:
    narrow = dataclasses.replace(gateway("rtb-priv-a", "rtb-priv-b"), policy_document=NARROW)
    snap = dataclasses.replace(
        compliant(), endpoints=(interface("ecr.api", *PRIV), interface("ecr.dkr", *PRIV), narrow)
    )
    findings, actions = assess(snap, Settings(), DAY)
    (finding,) = [f for f in findings if f.code.startswith("gateway-")]
    assert finding.code == G.GATEWAY_POLICY_NARROW and finding.severity is Severity.MANUAL
    assert "rtb-priv-c" in finding.message
    assert actions == ()


def test_the_route_table_goes_to_a_full_access_gateway_when_there_is_one() -> None:
    narrow = dataclasses.replace(gateway("rtb-priv-a", "rtb-priv-b"), policy_document=NARROW)
    full = gateway("rtb-priv-b", endpoint_id="vpce-s3-full")
    snap = dataclasses.replace(
        compliant(),
        endpoints=(interface("ecr.api", *PRIV), interface("ecr.dkr", *PRIV), narrow, full),
    )
    (modify,) = assess(snap, Settings(), DAY)[1]
    assert isinstance(modify, A.ModifyEndpoint)
    assert (modify.endpoint_id, modify.add_route_table_ids) == ("vpce-s3-full", ("rtb-priv-c",))


def test_the_tools_own_opted_in_layers_only_gateway_is_extended() -> None:
    settings = load_settings({"S3_GATEWAY_POLICY": "ecr-layers-only"})
    mine = dataclasses.replace(
        gateway("rtb-priv-a"),
        policy_document=gateway_policy(compliant(), settings),
        tags={MANAGED_TAG: "true"},
    )
    snap = dataclasses.replace(
        compliant(), endpoints=(interface("ecr.api", *PRIV), interface("ecr.dkr", *PRIV), mine)
    )
    (modify,) = assess(snap, settings, DAY)[1]
    assert isinstance(modify, A.ModifyEndpoint)
    assert modify.add_route_table_ids == ("rtb-priv-b", "rtb-priv-c")
    # Without the opt-in the same endpoint is narrow: reported, and its drift put back.
    findings, actions = assess(snap, Settings(), DAY)
    assert G.GATEWAY_POLICY_NARROW in {f.code for f in findings}
    assert not any(isinstance(a, A.ModifyEndpoint) and a.add_route_table_ids for a in actions)
