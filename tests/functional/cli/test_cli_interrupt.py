"""Ctrl-C keeps the CLI's promises, with a real SIGINT: ``scan --fix`` runs as its own process
against the emulator (moto's server on loopback), and the signal arrives while it repairs.

* one Ctrl-C: the VPC being repaired is finished, no other is started, the one JSON document
  is printed with what was done so far (``interrupted.changes``), exit 130; no VPC is left
  half repaired.
* two Ctrl-C in a row: whatever was being repaired, every resource the tool created in the
  emulator is named in the report, and a VPC left part-repaired is named with what was made
  in it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from remediation.cli.interrupt import Interrupts
from remediation.demo.emulator import emulator_environ, running_emulator
from remediation.vocabulary import MANAGED_TAG
from tests.support.topology import build_vpc

REGION = "us-east-1"
VPCS = 8
REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


@pytest.fixture
def emulator() -> Iterator[str]:
    with running_emulator(REGION) as url:
        yield url


def _vpcs(url: str) -> list[str]:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url)
    for vpc in ec2.describe_vpcs()["Vpcs"]:
        if vpc.get("IsDefault"):  # the region's default VPC: out of the story
            ec2.create_tags(
                Resources=[vpc["VpcId"]],
                Tags=[{"Key": "ecr-endpoint-guard/mode", "Value": "off"}],
            )
    return [
        build_vpc(ec2, cidr=f"10.{i}.0.0/16", azs=2, public=False, tags={"Name": f"app-{i}"}).vpc_id
        for i in range(1, VPCS + 1)
    ]


def _managed(url: str) -> dict[str, set[str]]:
    """The tool's resources in the emulator, by VPC."""
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url)
    found: dict[str, set[str]] = {}
    for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]:
        if any(t["Key"] == MANAGED_TAG for t in e.get("Tags", [])):
            found.setdefault(e["VpcId"], set()).add(e["VpcEndpointId"])
    for g in ec2.describe_security_groups()["SecurityGroups"]:
        if any(t["Key"] == MANAGED_TAG for t in g.get("Tags", [])):
            found.setdefault(g["VpcId"], set()).add(g["GroupId"])
    return found


def _fix_interrupted(url: str, tmp_path: Path, presses: int) -> tuple[int, dict[str, Any], str]:
    """``scan --fix --yes --format json -v`` in its own process, ``presses`` SIGINTs sent as
    soon as it has applied its first change."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **emulator_environ(url, REGION, tmp_path),
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
    }
    # Against the emulator (--endpoint-url) the CLI does not pace Route 53: no waiting here.
    argv = [sys.executable, "-m", "remediation.cli", "scan", "--fix", "--yes"]
    argv += ["--format", "json", "--verbose", "--region", REGION, "--endpoint-url", url]
    process = subprocess.Popen(  # noqa: S603 - our own CLI, loopback only
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A worker that ignores SIGINT would pass that on: Python installs its handler only
        # over the default one.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    assert process.stderr is not None and process.stdout is not None
    err: list[str] = []
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(process.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + 120
    for line in process.stderr:
        err.append(line)
        if "action applied" in line:
            for _ in range(presses):
                process.send_signal(signal.SIGINT)
                time.sleep(0.05)
            break
        assert time.monotonic() < deadline, "no change was applied in time"
    err.append(process.stderr.read())
    code = process.wait(timeout=120)
    reader.join(timeout=10)
    return code, json.loads(out[0]), "".join(err)


def _document_vpcs(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["vpc_id"]: v for r in document["regions"] for v in r["vpcs"]}


def test_one_ctrl_c_finishes_the_vpc_being_repaired_and_reports_everything(
    emulator: str, tmp_path: Path
) -> None:
    ids = _vpcs(emulator)
    code, document, err = _fix_interrupted(emulator, tmp_path, presses=1)

    assert code == 130, err
    assert "Traceback" not in err
    interrupted = document["interrupted"]
    assert interrupted["changes"], "the changes made are listed"
    assert interrupted["part_repaired"] == []  # no repair was cut in half
    vpcs = _document_vpcs(document)
    managed = _managed(emulator)
    for vpc_id in ids:
        status = vpcs[vpc_id]["status"]
        if vpc_id in managed:  # repaired: wholly, and every resource of it reported
            assert status == "fixed", (vpc_id, vpcs[vpc_id])
            reported = {c["resource_id"] for c in interrupted["changes"] if c["vpc_id"] == vpc_id}
            assert managed[vpc_id] <= reported
        else:  # never started
            assert status in ("not-reached", "non-compliant"), (vpc_id, status)
    assert len(managed) < VPCS  # the rest were not started
    assert document["exit_code"] == 130


def test_a_second_ctrl_c_never_leaves_a_half_repair_unreported(
    emulator: str, tmp_path: Path
) -> None:
    _vpcs(emulator)
    code, document, err = _fix_interrupted(emulator, tmp_path, presses=2)

    assert code == 130, err
    assert "Traceback" not in err
    interrupted = document["interrupted"]
    reported = {c["resource_id"] for c in interrupted["changes"]}
    part = {p["vpc_id"]: p for p in interrupted["part_repaired"]}
    vpcs = _document_vpcs(document)
    for vpc_id, resources in _managed(emulator).items():
        assert resources <= reported, (vpc_id, resources, reported)
        if vpcs[vpc_id]["status"] != "fixed":
            assert vpc_id in part and {m["resource_id"] for m in part[vpc_id]["made"]}
            assert vpc_id in err  # named on the terminal too


def test_the_presses_stop_then_halt_then_raise() -> None:
    warned: list[str] = []
    presses = Interrupts(threading.Event(), warn=warned.append, finish_seconds=0.05)
    presses.press()
    assert presses.stop.is_set() and not presses.halt.is_set()
    time.sleep(0.2)  # the bound: no write starts once it has passed
    assert presses.halt.is_set()
    presses.press()
    with pytest.raises(KeyboardInterrupt):
        presses.press()
    assert len(warned) == 3
