"""ENDPOINT_NEED (remediation.baseline.need): workload signatures matched as strings, isolated
subnets, the verdict per setting, and the endpoints-not-needed finding with why and what would
change it; the S3 gateway rule is the same in every mode."""

from __future__ import annotations

import dataclasses

import pytest

from remediation.baseline import evaluate
from remediation.baseline.need import isolated_subnets, need, workload_kind
from remediation.config import load_settings
from remediation.model import NetworkInterface, Route, RouteTable
from tests.support.snapshots import three_az

ECS = "arn:aws:ecs:us-east-1:123456789012:attachment/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


def eni(description: str = "", kind: str = "interface", **tags: str) -> NetworkInterface:
    return NetworkInterface("eni-1", "subnet-priv-a", kind, description, tags=tags)


@pytest.mark.parametrize(
    ("interface", "kind"),
    [
        (eni(ECS), "an ECS task (awsvpc)"),
        (eni(ECS.replace("arn:aws:", "arn:aws-cn:")), "an ECS task (awsvpc)"),
        (eni("Amazon EKS platform"), "an EKS cluster's control plane"),
        (eni("aws-K8S-i-0a1b2c3d4e5f60001"), "EKS pods (VPC CNI or security groups for pods)"),
        (eni("aws-k8s-branch-eni", "branch"), "EKS pods (VPC CNI or security groups for pods)"),
        (
            eni(**{"eks:eni:owner": "amazon-vpc-cni"}),
            "EKS pods (VPC CNI or security groups for pods)",
        ),
        (eni(**{"eks:cluster-name": "platform"}), "an EKS node"),
        # Not workloads: the strings real EC2 answers with (nat_gateway, efs: not in the enum).
        (eni("AWS Lambda VPC ENI-orders-1", "lambda"), ""),
        (eni("Interface for NAT Gateway nat-0", "nat_gateway"), ""),
        (eni("EFS mount target for fs-1", "efs"), ""),
        (eni("VPC Endpoint Interface vpce-1", "vpc_endpoint"), ""),
        (eni("RDSNetworkInterface"), ""),
        (eni("ELB app/web/1"), ""),
        (eni("arn:aws:ecs:us-east-1:123456789012:task/abc"), ""),
    ],
)
def test_workload_signatures(interface: NetworkInterface, kind: str) -> None:
    assert workload_kind(interface) == kind


def isolated_a() -> list[RouteTable]:
    """The three-AZ VPC with subnet-priv-a's table losing its route out."""
    snap = three_az()
    return [
        dataclasses.replace(t, routes=(Route("10.0.0.0/16", "local"),))
        if t.route_table_id == "rtb-priv-a"
        else t
        for t in snap.route_tables
    ]


def test_a_subnet_without_a_default_route_is_isolated() -> None:
    assert isolated_subnets(three_az()) == ()
    snap = three_az(route_tables=tuple(isolated_a()))
    assert [s.subnet_id for s in isolated_subnets(snap)] == ["subnet-priv-a"]


def test_a_transit_gateway_default_route_is_a_way_out() -> None:
    tables = [
        dataclasses.replace(t, routes=(Route("0.0.0.0/0", "tgw-1"),))
        if t.route_table_id.startswith("rtb-priv")
        else t
        for t in three_az().route_tables
    ]
    assert isolated_subnets(three_az(route_tables=tuple(tables))) == ()


@pytest.mark.parametrize(
    ("setting", "workload", "isolated", "needed"),
    [
        ("always", False, False, True),
        ("workloads", False, False, False),
        ("workloads", True, False, True),
        ("workloads", False, True, True),
        ("isolated", True, False, False),
        ("isolated", False, True, True),
        ("nonsense", False, False, True),  # config reports it; the cautious reading
    ],
)
def test_the_verdict(setting: str, workload: bool, isolated: bool, needed: bool) -> None:
    snap = three_az(
        network_interfaces=(eni(ECS),) if workload else (),
        route_tables=tuple(isolated_a()) if isolated else three_az().route_tables,
    )
    assert need(snap, setting).needed is needed


def codes(setting: str, **changes: object) -> dict[str, str]:
    settings = load_settings({"ENDPOINT_NEED": setting})
    findings = evaluate(three_az(**changes), settings)
    return {f.code: f.message for f in findings}


def test_an_exempt_vpc_gets_one_info_finding_and_still_its_s3_gateway() -> None:
    found = codes("workloads")
    assert "endpoint-missing" not in found
    assert "gateway-missing" in found  # the S3 gateway rule is unchanged
    message = found["endpoints-not-needed"]
    assert "ecr.api, ecr.dkr" in message
    assert "nat-a, nat-b, nat-c" in message  # why: the route out it relies on
    assert "ENDPOINT_NEED=always" in message  # what would change the verdict
    isolated = codes("isolated")
    assert "endpoints-not-needed" in isolated and "gateway-missing" in isolated


@pytest.mark.parametrize("setting", ["always", "workloads", "isolated"])
def test_the_gateway_findings_do_not_depend_on_the_setting(setting: str) -> None:
    found = codes(setting)
    assert {c for c in found if c.startswith("gateway-")} == {"gateway-missing"}


def test_an_unreadable_setting_is_reported_runs_always_and_dry() -> None:
    settings = load_settings(
        {
            "ENDPOINT_NEED": "sometimes",
            "REMEDIATION_MODE": "auto-fix",
            "AUTO_FIX_ACCOUNT_IDS": "123456789012",
        },
        account_id="123456789012",
    )
    assert settings.endpoint_need == "always"
    assert settings.mode.label == "dry-run"
    assert any("ENDPOINT_NEED" in p for p in settings.problems)
