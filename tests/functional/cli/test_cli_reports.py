"""``scan --format html`` and ``--format csv``: written from the same document as ``--format
json`` (the same figures), self-contained, every name escaped (markup, formulas)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from remediation.cost import usd
from tests.support.aws import Aws
from tests.support.cli import delete_default_vpc, one_error_line, run_cli, scan_json
from tests.support.report_account import FORMULA_NAME, HOSTILE_NAME, build_report_account


@pytest.fixture
def account(aws: Aws, cli_env: pytest.MonkeyPatch) -> Aws:
    delete_default_vpc(aws.ec2)
    return aws


def test_html_report_shows_the_json_figures_and_escapes_every_name(
    account: Aws, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    built = build_report_account(account)
    _, document = scan_json(capsys)
    page = tmp_path / "report.html"
    code, out, err = run_cli(capsys, "scan", "--format", "html", "--output", str(page))
    assert code == document["exit_code"]
    assert out == "" and f"html report written to {page}" in err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    # Self-contained: no script, no external asset (the SVG namespace is a name, not a fetch).
    assert "<script" not in html.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<img" not in html
    # The JSON report's figures, to the cent.
    vpcs = {v["vpc_id"]: v for r in document["regions"] for v in r["vpcs"]}
    for vpc_id in (built.app.vpc_id, built.hostile.vpc_id, built.formula.vpc_id):
        money = vpcs[vpc_id]["money"]
        assert vpc_id in html
        for key in ("endpoints_monthly_usd", "net_monthly_usd"):
            figure = usd(money[key])
            assert figure in html, (vpc_id, key, figure)
    assert vpcs[built.app.vpc_id]["money"]["basis"] == "measured"
    assert "<svg" in html and "NAT processing avoided" in html
    assert "@media print" in html


def test_csv_has_one_row_per_vpc_and_finding_and_no_formula(
    account: Aws, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    build_report_account(account)
    _, document = scan_json(capsys)
    code, out, _ = run_cli(capsys, "scan", "--format", "csv")
    assert code == document["exit_code"]
    rows = list(csv.DictReader(io.StringIO(out)))
    vpcs = [v for r in document["regions"] for v in r["vpcs"]]
    assert len(rows) == sum(max(1, len(v["findings"])) for v in vpcs)
    names = {r["name"] for r in rows}
    assert "'" + FORMULA_NAME in names and HOSTILE_NAME in names
    texts = [c for r in rows for k, c in r.items() if k in ("name", "message", "resource_id")]
    assert not [cell for cell in texts if cell and cell[0] in "=+-@"]
    by_vpc = {r["vpc_id"]: r for r in rows}
    for vpc in vpcs:
        if vpc["money"]:
            assert (
                float(by_vpc[vpc["vpc_id"]]["endpoints_monthly_usd"])
                == (vpc["money"]["endpoints_monthly_usd"])
            )


def test_output_goes_with_a_report_format_only(
    account: Aws, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, "scan", "--output", str(tmp_path / "x.html"))
    assert code == 2
    assert "--output goes with --format html or csv" in one_error_line(err)
