"""The message for people carries the traffic and the money (docs/cost.md), and the JSON form
the same figures."""

from __future__ import annotations

import json

import pytest

from remediation.cost import money
from remediation.modes import Mode
from remediation.report.notify import render
from remediation.report.results import VpcResult, VpcStatus
from remediation.surroundings import Traffic


def result(traffic: Traffic | None) -> VpcResult:
    return VpcResult(
        "vpc-0a1b2c3d4e5f67890",
        "123456789012",
        "us-east-1",
        Mode.DRY_RUN,
        VpcStatus.NON_COMPLIANT,
        traffic=traffic,
        money=money(
            "us-east-1",
            endpoint_azs=6,
            basis="not-measured" if traffic is None else "measured",
            measured_bytes=traffic.endpoints_total if traffic else 0.0,
        ),
    )


def test_the_text_and_the_json_carry_traffic_and_money() -> None:
    traffic = Traffic(
        start="2026-11-22T00:00:00+00:00",
        end="2026-12-06T00:00:00+00:00",
        endpoint_bytes={"vpce-1": 14e9},
        nat_bytes={"nat-1": 42e9},
    )
    _, body = render(result(traffic))
    text, machine = body.split("--- JSON ---\n", 1)
    assert "Traffic over 14 days to 2026-12-06: 14.0 GB through the interface endpoints" in text
    assert "42.0 GB through the NAT gateways" in text
    assert "net -$42.73/month" in text
    document = json.loads(machine)
    assert document["traffic"]["endpoint_bytes"] == 14e9
    assert document["money"]["net_monthly_usd"] == -42.73


def test_an_event_s_message_has_the_hourly_cost_only() -> None:
    _, body = render(result(None))
    assert "Traffic" not in body.split("--- JSON ---")[0]
    assert "NAT processing avoided not measured" in body
    assert json.loads(body.split("--- JSON ---\n", 1)[1])["traffic"] is None


def test_the_chat_card_carries_the_money_too() -> None:
    from remediation.report.chat import render_chatbot

    card = json.loads(render_chatbot(result(None)))
    assert "*Money* endpoints about $43.80/month" in card["content"]["description"]


@pytest.mark.parametrize(
    "code", ["pulls-bypass-endpoints", "endpoints-not-needed", "traffic-unreadable"]
)
def test_traffic_findings_belong_to_the_docker_registry_check(code: str) -> None:
    from remediation.findings import Finding
    from remediation.report.asff import check_for

    assert check_for(Finding(code=code, message="m")) == "ecr-dkr-endpoint"
