"""The chat card keeps to the documented custom-notification limits, whatever the report's size."""

from __future__ import annotations

import json

from remediation.findings import Finding, Severity
from remediation.modes import Mode
from remediation.report.chat import render_chatbot
from remediation.report.results import VpcResult, VpcStatus
from tests.support.aws import ACCOUNT, REGION
from tests.support.chat_card import assert_documented_shape


def test_a_huge_report_stays_within_the_limits() -> None:
    findings = tuple(
        Finding(code=f"c{n}", message="x" * 500, severity=Severity.MANUAL) for n in range(200)
    )
    result = VpcResult(
        "vpc-1", ACCOUNT, REGION, Mode.DRY_RUN, VpcStatus.NON_COMPLIANT, "n" * 400, "", findings
    )
    message = json.loads(render_chatbot(result))
    assert_documented_shape(message)
    assert "and 180 more" in message["content"]["description"]
    assert any("manual" in step for step in message["content"]["nextSteps"])
