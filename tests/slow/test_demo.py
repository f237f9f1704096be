"""The demo (`make demo`) end to end: it runs, shows the whole job, and fails when a step
does not do what it should (the demo is also a test)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Imported here, at collection, as the Lambda runtime does at init: Powertools binds its log
# stream when the module is first imported, and must not bind to one test's captured output.
import handlers.remediate  # noqa: F401
from remediation.demo import story
from remediation.outcomes import Outcome, OutcomeStatus

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # seconds; the demo takes about 20 here


@pytest.mark.slow
def test_the_demo_runs_end_to_end(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    done = subprocess.run(  # noqa: S603 - our own module, under this interpreter
        [sys.executable, "-m", "remediation.demo", "--log-file", str(log)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    out = done.stdout
    context = f"stdout:\n{out}\nstderr:\n{done.stderr}\nlog:\n{_read(log)}"
    assert done.returncode == 0, context
    assert "Traceback" not in out + done.stderr, context
    assert done.stderr == "", context  # headings and results on stdout; logs in the file
    sections = [
        "== 1. An AWS emulator on this machine, and a small account",
        "== 2. CreateVpc event -> the Lambda handler, dry-run (the default)",
        "== 3. The same event, auto-fix",
        "== 4. ecr-endpoint-guard scan: every VPC of the region",
        "== 5. An organisation: a member account, fixed through its member role",
        "== 6. Hand the app VPC over to your code: scan --format terraform",
        "== 7. The report to look at: scan --format html",
        "== Done",
    ]
    positions = [out.find(s) for s in sections]
    assert -1 not in positions and positions == sorted(positions), context
    for line in (
        "moto server on http://127.0.0.1:",
        "handler returned: mode dry-run",
        "non-compliant, 5 planned",
        "Notification received (SNS topic -> SQS queue): 1 message(s)",
        "Subject: ECR endpoints 123456789012 vpc-",
        "| Actions planned (dry-run: nothing was changed):",
        "handler returned: mode auto-fix",
        "fixed, 5 applied",
        "| Status:  fixed",
        "endpoint-centralised",
        "exit code 0 (0: every VPC compliant, fixed or skipped)",
        "MEMBER_ROLE_NAME=ecr-endpoint-guard-member",
        "(team-app): fixed, 5 applied",
        "Notification received on the central topic: 1 message(s)",
        "scan --organization --role-name ecr-endpoint-guard-member",
        "exit code 0 (0: every VPC of every account compliant, fixed or skipped)",
        "|   to = aws_vpc_endpoint.app_ecr_dkr",
        "is dry-run (report only)",
        "the report: ",  # the demo ends by naming the HTML report it wrote
        "checks passed; the emulator is stopped.",
    ):
        assert line in out, f"missing {line!r}\n{context}"
    assert "CHECK FAILED" not in out, context
    table = out[out.index("== 4.") : out.index("== 5.")]
    for name, status in (
        ("app", "compliant"),
        ("payments", "compliant"),
        ("legacy", "skipped"),
        ("spoke", "compliant"),
        ("default", "skipped"),
    ):
        row = next(line.split() for line in table.splitlines() if f"  {name}  " in line)
        assert row[3] == status, row
    # The organisation: the member's VPC, fixed in the member account, in one table with
    # the central account's.
    organisation = out[out.index("== 5.") : out.index("== 6.")]
    member = re.search(r"member account (\d{12}) \(Organizations CreateAccount\)", organisation)
    assert member is not None, context
    assert f"CreateVpc event of account {member[1]} -> the central function" in organisation
    # Each account named as Organizations knows it (the member "team-a"; moto names the
    # management account itself).
    lines = organisation.splitlines()
    rows = [line.split() for line in lines if line.startswith(f"{member[1]} (team-a)  ")]
    assert ["team-app", "dry-run", "compliant"] in [row[3:6] for row in rows], context
    assert any(re.match(r"123456789012 \(\S+\)  vpc-", line) for line in lines), context
    assert "Accounts: 2 scanned, 0 not" in organisation
    # The function's logs went to the file, as Powertools JSON, with metrics beside them.
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert any(r.get("level") == "INFO" and r.get("vpc_id") for r in records)
    assert any("_aws" in r for r in records)  # EMF metrics
    assert f"logs and metrics are in {log}" in out


@pytest.mark.slow
def test_the_demo_fails_when_a_step_does_not_do_what_it_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An executor that reports success without changing anything: the demo's own checks
    of the AWS state catch it, and it exits non-zero."""

    def pretend(self: Any, actions: tuple[Any, ...], context: Any) -> tuple[Outcome, ...]:
        return tuple(Outcome(a, OutcomeStatus.APPLIED, "pretended") for a in actions)

    monkeypatch.setattr("remediation.executor.Executor.apply", pretend)
    code = story.main(["--log-file", str(tmp_path / "demo.log")])
    out = capsys.readouterr().out
    assert code == 1
    assert "CHECK FAILED: the app VPC has DNS hostnames, one endpoint per service" in out
    assert "CHECK FAILED: scan exits 0" in out
    assert "CHECK FAILED: the member's VPC has DNS hostnames and the tool's endpoints" in out
    assert "CHECK FAILED: scan --organization exits 0" in out
    assert "check(s) FAILED:" in out


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else "(no log)"


@pytest.mark.slow
def test_the_demos_last_lines_run_the_cli_against_a_fresh_emulator(tmp_path: Path) -> None:
    """What the demo's last lines tell a newcomer works as written: the CLI is where they
    say, and the emulator command plus the scan command give a scan (the fresh emulator's
    default VPC: non-compliant, exit 1), on another port than 5000."""
    lines = story.try_it_yourself(Path(sys.executable).parent, port=free_port())
    server_argv = lines[3].split()
    scan_line = lines[5].split()
    assert Path(scan_line[0]).exists(), f"no CLI at {scan_line[0]}"
    assert Path(server_argv[0]).exists(), f"no emulator at {server_argv[0]}"
    server = subprocess.Popen(  # noqa: S603 - moto's server on loopback
        server_argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = scan_line[-1]
        _wait_for(url)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
            **dict(v.split("=", 1) for v in lines[4].split()[:3]),
        }
        done = subprocess.run(  # noqa: S603 - our own CLI, loopback only
            scan_line, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "read-only scan: nothing was changed" in done.stdout


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str) -> None:
    import time
    import urllib.error
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 - loopback
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answers at {url}")
