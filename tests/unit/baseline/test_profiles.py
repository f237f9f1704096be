"""ENDPOINT_PROFILE: each profile's companions are judged by the same rules as ECR's endpoints,
report-only unless PROFILE_REPAIR=true; a companion listed in SERVICES is an ordinary service."""

from __future__ import annotations

import pytest

from remediation.baseline import evaluate
from remediation.config import load_settings
from remediation.config.services import PROFILES
from remediation.plan import plan
from tests.support.snapshots import compliant, interface

EXPECTED = {
    "ecr": set(),
    "ecs": {"ecs", "ecs-agent", "ecs-telemetry", "logs"},
    "ecs-fargate": {"logs", "secretsmanager", "ssm"},
    "eks": {"ec2", "sts", "elasticloadbalancing", "logs", "eks-auth"},
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_each_profile_reports_its_companions_without_repairing_them(profile: str) -> None:
    settings = load_settings({"ENDPOINT_PROFILE": profile})
    assert {s.name for s in settings.services if s.companion} == EXPECTED[profile]
    findings = evaluate(compliant(), settings)
    missing = {f.service for f in findings if f.code == "endpoint-missing"}
    assert missing == EXPECTED[profile]
    for finding in findings:
        if finding.service in EXPECTED[profile]:
            assert finding.repairs == ()
            assert f"report-only: a companion of ENDPOINT_PROFILE={profile}" in finding.message
    assert plan(compliant(), findings, day="2026-12-06") == ()  # ECR's endpoints are in place


def test_profile_repair_plans_the_companions() -> None:
    settings = load_settings({"ENDPOINT_PROFILE": "ecs-fargate", "PROFILE_REPAIR": "true"})
    findings = evaluate(compliant(), settings)
    actions = plan(compliant(), findings, day="2026-12-06")
    created = {a.service for a in actions if a.kind == "create-interface-endpoint"}
    assert created == {f"com.amazonaws.us-east-1.{n}" for n in ("logs", "secretsmanager", "ssm")}


def test_a_companion_endpoint_is_judged_by_the_same_rules() -> None:
    subnets = ("subnet-priv-a", "subnet-priv-b")  # one AZ short, private DNS off
    snap = compliant()
    snap = snap.__class__(
        **{**snap.__dict__, "endpoints": (*snap.endpoints, interface("logs", *subnets, dns=False))}
    )
    findings = evaluate(snap, load_settings({"ENDPOINT_PROFILE": "ecs-fargate"}))
    logs = {f.code for f in findings if f.service == "logs"}
    assert {"endpoint-private-dns-disabled", "endpoint-az-uncovered"} <= logs


def test_a_companion_listed_in_services_is_an_ordinary_service() -> None:
    settings = load_settings(
        {
            "ENDPOINT_PROFILE": "ecs-fargate",
            "SERVICES": "ecr.api:interface,ecr.dkr:interface,s3:gateway,logs:interface",
        }
    )
    (logs,) = [s for s in settings.services if s.name == "logs"]
    assert not logs.companion
    findings = evaluate(compliant(), settings)
    (missing,) = [f for f in findings if f.service == "logs" and f.code == "endpoint-missing"]
    assert missing.repairs


def test_an_unreadable_profile_checks_ecr_only() -> None:
    settings = load_settings({"ENDPOINT_PROFILE": "kubernetes"})
    assert settings.endpoint_profile == "ecr"
    assert not [s for s in settings.services if s.companion]
    assert any("ENDPOINT_PROFILE" in p for p in settings.problems)


def test_endpoints_not_needed_covers_the_companions_too() -> None:
    settings = load_settings({"ENDPOINT_PROFILE": "eks", "ENDPOINT_NEED": "workloads"})
    findings = evaluate(compliant(), settings)
    (info,) = [f for f in findings if f.code == "endpoints-not-needed"]
    assert "ec2, sts, elasticloadbalancing, logs, eks-auth" in info.message
