"""The HTML report in a real browser: Debian's Chromium, headless, on the page ``scan --format
html`` wrote. It loads without a console message, its text shows the JSON report's figures for
the same scan, no hostile name became markup, and it renders to a screenshot.

Chromium is installed by ``make browser`` (root with apt-get: Debian's ``chromium``); elsewhere
this test skips, saying why. ``docs/report.png`` is such a screenshot (``ECR_GUARD_SCREENSHOT``
names a file to write one to).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from remediation.cost import usd
from tests.support.aws import Aws
from tests.support.cli import delete_default_vpc, run_cli, scan_json
from tests.support.report_account import build_report_account

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (make browser installs Debian's as root)"
)
#: The flags a closed network and a root user need (no sandbox as root, no background calls).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(  # noqa: S603 - our own page, Debian's browser, fixed flags
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console(stderr: str) -> list[str]:
    """Chromium's console messages (``...:CONSOLE:...``): errors, warnings and logs alike."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_the_console_check_sees_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><script>undefinedFunction()</script>", encoding="utf-8")
    run = chromium(broken, tmp_path, "--dump-dom")
    assert any("undefinedFunction" in line for line in console(run.stderr)), run.stderr[-2000:]


def test_the_html_report_loads_cleanly_and_shows_the_json_figures(
    aws: Aws, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    delete_default_vpc(aws.ec2)
    build_report_account(aws)
    _, document = scan_json(capsys)
    page = tmp_path / "report.html"
    run_cli(capsys, "scan", "--format", "html", "--output", str(page))

    run = chromium(page, tmp_path, "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert console(run.stderr) == []
    dom = run.stdout
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;" in dom
    totals = document["totals"]
    for key in ("endpoints_monthly_usd", "nat_avoided_monthly_usd", "net_monthly_usd"):
        assert usd(totals[key]) in dom, key
    for vpc in (v for r in document["regions"] for v in r["vpcs"]):
        assert vpc["vpc_id"] in dom
        for key in ("endpoints_monthly_usd", "net_monthly_usd"):
            assert usd(vpc["money"][key]) in dom, (vpc["vpc_id"], key)

    shot = Path(os.environ.get("ECR_GUARD_SCREENSHOT") or tmp_path / "report.png")
    run = chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1200,900")
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
