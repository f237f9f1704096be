"""The html and csv renderers (remediation.cli.formats), pure: hostile text stays text."""

from __future__ import annotations

import csv
import io
from typing import Any

from remediation.cli.formats import render

HOSTILE = "</td><script>alert(1)</script><svg onload=alert(2)> \"' &amp;"


def document(name: str = HOSTILE, message: str = HOSTILE) -> dict[str, Any]:
    vpc = {
        "vpc_id": "vpc-0a1b2c3d4e5f67890",
        "name": name,
        "account_id": "123456789012",
        "region": "us-east-1",
        "mode": "dry-run",
        "status": "non-compliant",
        "findings": [
            {
                "code": "endpoint-missing",
                "severity": "warning",
                "service": "ecr.api",
                "resource_id": "vpc-0a1b2c3d4e5f67890",
                "message": message,
            },
        ],
        "actions": [{"description": message, "status": "planned"}],
        "traffic": {"days": 14, "endpoint_bytes": 0.0, "nat_bytes": 42e9},
        "money": {
            "basis": "upper-bound",
            "endpoints_monthly_usd": 46.84,
            "nat_avoided_monthly_usd": 13.69,
            "net_monthly_usd": -33.15,
            "summary": message,
        },
    }
    return {
        "account_id": "123456789012",
        "tool_version": "0.1.0",
        "regions": [{"vpcs": [vpc]}],
        "totals": {"vpcs": 1, "by_status": {"non-compliant": 1}},
        "errors": [message],
        "fix": {"applied": False},
    }


def test_html_escapes_every_text_and_has_no_script_or_external_asset() -> None:
    page = render("html", document())
    assert "<script" not in page and "<svg onload" not in page and "</td><script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # name, finding, repair...
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert "-$33.15" in page and "$46.84" in page and "&le; $13.69" in page
    assert "42.00 GB" in page


def test_csv_neutralises_formulas_and_keeps_one_row_per_finding() -> None:
    text = render("csv", document(name="=cmd|'/c calc'!A1", message="+SUM(A1)"))
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["name"] == "'=cmd|'/c calc'!A1"
    assert row["message"] == "'+SUM(A1)"
    assert row["net_monthly_usd"] == "-33.15"  # a figure stays a number
    assert row["nat_bytes"] == "42000000000.0"


def test_a_vpc_without_findings_still_has_its_row() -> None:
    doc = document()
    doc["regions"][0]["vpcs"][0]["findings"] = []
    (row,) = list(csv.DictReader(io.StringIO(render("csv", doc))))
    assert row["code"] == "" and row["vpc_id"] == "vpc-0a1b2c3d4e5f67890"
