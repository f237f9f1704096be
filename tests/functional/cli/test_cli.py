"""The scan CLI: parsing and one-line errors, the JSON schema, exit codes, --fix and its
confirmation, against moto in-process (the ``aws`` fixture) and against the demo's account
on moto's server (the issue's "done when")."""

from __future__ import annotations

import inspect
import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.client
import pytest

from remediation import cli
from remediation.aws.inventory import Inventory
from remediation.cli import scan as scan_command
from remediation.cli import terminal
from remediation.config import load_settings
from remediation.demo.account import build_demo_account
from remediation.demo.emulator import running_emulator
from remediation.engine import chunks
from remediation.events.triggers import Trigger
from remediation.modes import MODE_TAG
from remediation.report.results import VpcStatus
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog
from tests.support.cli import (
    Tty,
    _client_error,
    delete_default_vpc,
    one_error_line,
    run_cli,
    scan_json,
)
from tests.support.html_endpoint import html_endpoint
from tests.support.invariants import violations

__all__ = ["html_endpoint"]  # the fixture, imported for its test
from tests.support.topology import BuiltVpc, build_vpc, endpoints


@pytest.fixture
def account(aws: Aws, cli_env: pytest.MonkeyPatch) -> Aws:
    """The moto account without its default VPC, so that a test sees only its own VPCs."""
    delete_default_vpc(aws.ec2)
    return aws


@pytest.fixture
def app_vpc(account: Aws) -> BuiltVpc:
    return build_vpc(account.ec2, dns_hostnames=False, tags={"Name": "app"})


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {v["vpc_id"]: v["status"] for r in document["regions"] for v in r["vpcs"]}


def table_rows(text: str) -> dict[str, list[str]]:
    """The rows of the first table in ``text``, by VPC id (the cells split on blanks)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] in (["VPC"], ["REGION"]))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = line.split()
        rows[next(c for c in cells if c.startswith("vpc-"))] = cells
    return rows


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        # A bare command prints the help (issue 22): test_cli_outputs.py, bare command test.
        (["--profile"], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["scan", "--format", "xml"], "invalid choice: 'xml'"),
        (["scan", "--vpc-id", "vpc-XYZ"], "'vpc-XYZ' is not a VPC id"),
        (["scan", "--vpc-id", "subnet-12345678"], "is not a VPC id"),
        (["scan", "--endpoint-url", "localhost:5000"], "is not an http:// or https:// URL"),
        (["scan", "--endpoint-url", "http://exa mple:1"], "(it contains blanks)"),
        (["scan", "--endpoint-url", "http://127.0.0.1:99999"], "Port out of range"),
        (["scan", "--endpoint-url", "ftp://127.0.0.1"], "is not an http:// or https:// URL"),
        (["scan", "--region", "us-east-1", "--all-regions"], "not allowed with argument"),
        (["scan", "--yes"], "--yes only goes with --fix"),
        (
            ["scan", "--region", "us-east-1", "--region", "eu-west-1", "--vpc-id", "vpc-12345678"],
            "--vpc-id needs a single region",
        ),
        (["scan", "--all-regions", "--vpc-id", "vpc-12345678"], "--vpc-id needs a single region"),
        (["scan", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    cli_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == cli.EXIT_ERROR
    assert out == ""
    assert expected in one_error_line(err)
    assert api_calls.operations() == []  # refused before any AWS call


@pytest.mark.parametrize("argv", [["--help"], ["scan", "--help"], ["--version"]])
def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0
    assert "ecr-endpoint-guard" in out


def test_scan_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(capsys, "scan", "--help")
    for option in ("--region", "--all-regions", "--vpc-id", "--profile", "--endpoint-url"):
        assert option in out
    assert "Exit codes: 0" in out


# --------------------------------------------------------------------------- pure parts


# --------------------------------------------------------------------------- against moto


def test_dry_run_scan_reports_and_writes_nothing(
    account: Aws, app_vpc: BuiltVpc, api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    api_calls.clear()
    code, out, err = run_cli(capsys, "scan")
    assert code == cli.EXIT_NON_COMPLIANT
    assert api_calls.writes("ec2") == []
    assert api_calls.operations("sns") == []  # the CLI prints; it never notifies
    assert err == ""
    assert "read-only scan: nothing was changed" in out
    row = table_rows(out)[app_vpc.vpc_id]
    assert row[1:4] == ["app", "dry-run", "non-compliant"]
    assert row[-1] == "$43.80"  # two interface endpoints in three AZs
    assert "interface endpoint-AZs to add: 6, about $43.80/month" in out
    for code_name in ("dns-hostnames-disabled", "endpoint-missing", "gateway-missing"):
        assert code_name in out
    assert "planned (nothing changed):" in out


def test_verbose_logs_findings_and_actions_on_stderr_only(
    account: Aws, app_vpc: BuiltVpc, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document = scan_json(capsys, "--verbose")  # stdout is still one JSON document
    assert code == 1 and list(statuses(document)) == [app_vpc.vpc_id]
    code, _, err = run_cli(capsys, "scan", "-v", "--format", "json")
    assert f"ecr-endpoint-guard: info: action planned vpc_id={app_vpc.vpc_id}" in err
    assert "finding=dns-hostnames-disabled" in err
    _, _, quiet = run_cli(capsys, "scan", "--format", "json")
    assert quiet == ""


def test_json_schema(account: Aws, app_vpc: BuiltVpc, capsys: pytest.CaptureFixture[str]) -> None:
    skipped = build_vpc(account.ec2, cidr="10.1.0.0/16", azs=1, tags={MODE_TAG: "off"})
    code, document = scan_json(capsys)
    assert code == 1
    assert set(document) == {
        "schema_version",
        "tool_version",
        "command",
        "account_id",
        "accounts",
        "fix",
        "exit_code",
        "errors",
        "regions",
        "plan",
        "totals",
        "interrupted",
    }
    assert document["interrupted"] is None  # only after Ctrl-C: what was changed
    assert document["schema_version"] == cli.CLI_SCHEMA_VERSION == 1
    assert document["command"] == "scan"
    assert document["account_id"] == ACCOUNT
    # Without --account/--organization: the caller's own account, no role assumed.
    assert document["accounts"] == [
        {"account_id": ACCOUNT, "role_arn": None, "regions": [REGION], "error": ""}
    ]
    assert document["fix"] == {"requested": False, "applied": False}
    assert document["errors"] == [] and document["plan"] is None
    (region,) = document["regions"]
    assert set(region) == {
        "schema_version",
        "tool_version",
        "mode",
        "event",
        "refused",
        "problems",
        "notes",
        "error",
        "failed",
        "counts",
        "vpcs",
    }
    assert region["mode"] == "dry-run"
    assert region["event"]["event_name"] == "Scan"
    assert region["event"]["event_id"].startswith("cli-")
    assert region["event"]["sweep"] is True
    assert region["event"]["region"] == REGION and region["event"]["account_id"] == ACCOUNT
    by_id = {v["vpc_id"]: v for v in region["vpcs"]}
    assert set(by_id) == {app_vpc.vpc_id, skipped.vpc_id}
    vpc = by_id[app_vpc.vpc_id]
    assert set(vpc) == {
        "vpc_id",
        "name",
        "account_id",
        "region",
        "mode",
        "mode_note",
        "status",
        "findings",
        "actions",
        "cost",
        "traffic",
        "money",
        "notification",
    }
    assert (vpc["name"], vpc["status"], vpc["mode"]) == ("app", "non-compliant", "dry-run")
    # docs/cost.md: a scan reads the traffic (none here: no endpoint, no NAT gateway).
    assert vpc["traffic"]["days"] == 14
    assert vpc["traffic"]["endpoint_bytes"] == vpc["traffic"]["nat_bytes"] == 0
    assert vpc["money"]["basis"] == "upper-bound"
    assert vpc["money"]["endpoints_monthly_usd"] == pytest.approx(43.8)
    for finding in vpc["findings"]:
        assert set(finding) == {"code", "severity", "service", "resource_id", "message"}
    for action in vpc["actions"]:
        assert {"action", "api", "service", "description", "status", "detail"} <= set(action)
        assert action["status"] == "planned"
    assert vpc["cost"]["monthly_usd"] == pytest.approx(43.8)
    assert by_id[skipped.vpc_id]["status"] == "skipped"
    totals = document["totals"]
    assert set(totals) == {
        "regions",
        "vpcs",
        "by_status",
        "counts",
        "new_interface_endpoint_azs",
        "monthly_usd",
        "endpoints_monthly_usd",
        "nat_avoided_monthly_usd",
        "net_monthly_usd",
    }
    assert totals["regions"] == 1 and totals["vpcs"] == 2
    assert set(totals["by_status"]) == {s.value for s in VpcStatus}
    assert totals["by_status"]["non-compliant"] == 1 and totals["by_status"]["skipped"] == 1
    assert totals["counts"] == region["counts"]
    assert totals["counts"]["actions_planned"] == len(vpc["actions"])
    assert totals["new_interface_endpoint_azs"] == 6
    assert totals["monthly_usd"] == pytest.approx(43.8)


def test_vpc_id_limits_the_scan_and_an_unknown_one_is_an_error(
    account: Aws, app_vpc: BuiltVpc, api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    other = build_vpc(account.ec2, cidr="10.1.0.0/16", azs=1)
    code, document = scan_json(capsys, "--vpc-id", other.vpc_id)
    assert list(statuses(document)) == [other.vpc_id]
    assert document["regions"][0]["event"]["vpc_ids"] == [other.vpc_id]
    assert code == 1

    missing = "vpc-0123456789abcdef0"
    api_calls.clear()
    code, out, err = run_cli(capsys, "scan", "--vpc-id", app_vpc.vpc_id, "--vpc-id", missing)
    assert code == cli.EXIT_ERROR
    assert one_error_line(err).endswith(f"us-east-1: {missing} not found")
    assert app_vpc.vpc_id in out  # the VPC that exists is still reported
    assert api_calls.writes("ec2") == []


def refuse(monkeypatch: pytest.MonkeyPatch, operation: str, code: str, message: str) -> None:
    """Every ``operation`` call answered with the error ``code`` (the others reach moto)."""
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def refused(self: Any, name: str, params: dict[str, Any]) -> Any:
        if name == operation:
            raise _client_error(code, message, name)
        return original(self, name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refused)


def test_a_code_format_exits_2_for_a_vpc_id_that_does_not_exist(
    account: Aws, app_vpc: BuiltVpc, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written without an error: 0 (the VPC is non-compliant). With a --vpc-id that does not
    exist: 2, the code of the VPC that exists written all the same."""
    argv = ["scan", "--format", "terraform", "--vpc-id", app_vpc.vpc_id]
    code, out, err = run_cli(capsys, *argv)
    assert code == cli.EXIT_OK, err
    assert f"Terraform for {app_vpc.vpc_id} (app)" in out

    missing = "vpc-0123456789abcdef0"
    code, out, err = run_cli(capsys, *argv, "--vpc-id", missing)
    assert code == cli.EXIT_ERROR
    assert one_error_line(err).endswith(f"us-east-1: {missing} not found")
    assert f"Terraform for {app_vpc.vpc_id} (app)" in out


def test_a_code_format_exits_2_when_the_vpcs_cannot_be_listed(
    account: Aws,
    app_vpc: BuiltVpc,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    refuse(monkeypatch, "DescribeVpcs", "UnauthorizedOperation", "You are not authorized.")
    argv = ["scan", "--format", "cloudformation", "--output-dir", str(tmp_path / "cfn")]
    code, _, err = run_cli(capsys, *argv)
    assert code == cli.EXIT_ERROR
    assert "access denied: DescribeVpcs (UnauthorizedOperation)" in one_error_line(err)


def test_remediation_mode_in_the_environment_does_not_make_a_scan_write(
    account: Aws, app_vpc: BuiltVpc, api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    account_env = {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT}
    with pytest.MonkeyPatch.context() as env:
        for key, value in account_env.items():
            env.setenv(key, value)
        api_calls.clear()
        code, _ = scan_json(capsys)
    assert code == 1
    assert api_calls.writes("ec2") == []


def test_fix_with_yes_leaves_the_vpcs_compliant_and_honours_the_mode_tags(
    account: Aws, app_vpc: BuiltVpc, api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    second = build_vpc(account.ec2, cidr="10.1.0.0/16", azs=2, dns_support=False)
    report_only = build_vpc(account.ec2, cidr="10.2.0.0/16", azs=1, tags={MODE_TAG: "dry-run"})
    opted_out = build_vpc(account.ec2, cidr="10.3.0.0/16", azs=1, tags={MODE_TAG: "off"})
    api_calls.clear()

    code, document = scan_json(capsys, "--fix", "--yes")

    assert violations(account.ec2, app_vpc.vpc_id, REGION) == []
    assert violations(account.ec2, second.vpc_id, REGION) == []
    assert violations(account.ec2, report_only.vpc_id, REGION)  # reported, not changed
    assert endpoints(account.ec2, report_only.vpc_id) == []
    assert endpoints(account.ec2, opted_out.vpc_id) == []
    written = {
        str(p.get("VpcId", "")) for _, op, p in api_calls.calls if op.startswith(("Create", "Mod"))
    }
    assert written & {report_only.vpc_id, opted_out.vpc_id} == set()
    assert document["fix"] == {"requested": True, "applied": True}
    assert statuses(document) == {
        app_vpc.vpc_id: "fixed",
        second.vpc_id: "fixed",
        report_only.vpc_id: "non-compliant",
        opted_out.vpc_id: "skipped",
    }
    assert code == cli.EXIT_NON_COMPLIANT  # the report-only VPC is still non-compliant
    (plan,) = document["plan"]
    assert {v["vpc_id"]: v["status"] for v in plan["vpcs"]}[app_vpc.vpc_id] == "non-compliant"
    assert all(a["status"] == "planned" for v in plan["vpcs"] for a in v["actions"])
    tags = {
        t["Key"]: t["Value"]
        for e in endpoints(account.ec2, app_vpc.vpc_id)
        for t in e.get("Tags", [])
    }
    assert tags["ecr-endpoint-guard/event-id"] == plan["event"]["event_id"]

    # Nothing left to do: a second --fix changes nothing and a scan exits 0 for the fixed ones.
    api_calls.clear()
    code, document = scan_json(capsys, "--fix", "--yes", "--vpc-id", app_vpc.vpc_id)
    assert api_calls.writes("ec2") == []
    assert document["fix"]["applied"] is False
    assert code == cli.EXIT_OK


def test_fix_shows_the_plan_then_the_result_as_tables(
    account: Aws, app_vpc: BuiltVpc, capsys: pytest.CaptureFixture[str]
) -> None:
    report_only = build_vpc(account.ec2, cidr="10.2.0.0/16", azs=1, tags={MODE_TAG: "dry-run"})
    code, out, _ = run_cli(capsys, "scan", "--fix", "--yes")
    plan, _, after = out.partition("after --fix")
    assert "plan (read-only pass): what --fix will do" in plan
    plan_rows = table_rows(plan)
    assert plan_rows[app_vpc.vpc_id][2:4] == ["auto-fix", "non-compliant"]
    assert plan_rows[report_only.vpc_id][2:4] == ["dry-run", "non-compliant"]
    assert f"tag {MODE_TAG}=dry-run" in plan
    after_rows = table_rows(after)
    # 4 findings; 5 actions (hostnames, the group, ecr.api, ecr.dkr, s3), all applied
    assert after_rows[app_vpc.vpc_id][2:6] == ["auto-fix", "fixed", "4", "5/5"]
    assert after_rows[report_only.vpc_id][2:6] == ["dry-run", "non-compliant", "4", "5"]
    assert "-> applied" in after
    assert "5 change(s) applied, 0 failed, 0 deferred" in after
    assert code == cli.EXIT_NON_COMPLIANT


def test_fix_without_a_terminal_and_without_yes_is_refused_before_any_call(
    account: Aws, app_vpc: BuiltVpc, api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    api_calls.clear()
    code, out, err = run_cli(capsys, "scan", "--fix")
    assert code == cli.EXIT_ERROR
    assert out == ""
    assert "refusing --fix without --yes: standard input is not a terminal" in one_error_line(err)
    assert api_calls.operations() == []


@pytest.mark.parametrize(("answer", "applied"), [("yes\n", True), ("n\n", False), ("", False)])
def test_fix_asks_on_a_terminal(
    account: Aws,
    app_vpc: BuiltVpc,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    applied: bool,
) -> None:
    monkeypatch.setattr("sys.stdin", Tty(answer))
    api_calls.clear()
    code, out, err = run_cli(capsys, "scan", "--fix")
    assert "--fix will make 5 change(s) to 1 VPC(s) in us-east-1 (account 123456789012)" in err
    assert "Apply? [y/N]" in err
    assert "plan (read-only pass)" in out
    if applied:
        assert code == cli.EXIT_OK
        assert violations(account.ec2, app_vpc.vpc_id, REGION) == []
        assert "after --fix" in out
    else:
        assert code == cli.EXIT_NON_COMPLIANT
        assert api_calls.writes("ec2") == []
        assert "not confirmed; nothing was changed" in err
        assert "after --fix" not in out


@pytest.mark.parametrize(
    "output", [["--format", "json"], ["--output-file", "scan.txt"]], ids=["json", "output-file"]
)
def test_fix_lists_the_plan_on_stderr_when_the_table_is_not_shown(
    account: Aws,
    app_vpc: BuiltVpc,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    output: list[str],
) -> None:
    """No table on the terminal: the changes are listed on stderr before the question, so
    that the person does not confirm blind (names cleaned as in every terminal output)."""
    monkeypatch.chdir(tmp_path)
    evil = build_vpc(account.ec2, cidr="10.1.0.0/16", azs=1, tags={"Name": "invoice\u202egpj.exe"})
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    code, out, err = run_cli(capsys, "scan", *output, "--fix")
    listing, asked, _ = err.partition("Apply? [y/N]")
    assert asked
    assert "the plan: what --fix will change (nothing is changed yet)" in listing
    assert f"us-east-1 {app_vpc.vpc_id} (app): 5 change(s)" in listing
    assert f"us-east-1 {evil.vpc_id} (invoice?gpj.exe): " in listing
    assert "    - create interface endpoint" in listing
    assert "\u202e" not in err
    assert "(account 123456789012), as listed above. Nothing is deleted." in listing
    assert "plan (read-only pass)" not in out
    assert code == cli.EXIT_NON_COMPLIANT


def test_fix_touches_only_the_vpcs_of_the_plan(
    account: Aws,
    app_vpc: BuiltVpc,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A VPC created while the user reads the plan was not shown, so it is not changed."""
    created: list[str] = []

    class CreatesAVpcThenSaysYes(Tty):
        def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
            created.append(build_vpc(account.ec2, cidr="10.7.0.0/16", azs=1).vpc_id)
            return "y\n"

    monkeypatch.setattr("sys.stdin", CreatesAVpcThenSaysYes())
    code, document = scan_json(capsys, "--fix")
    (late,) = created
    assert late not in statuses(document)
    assert endpoints(account.ec2, late) == []
    assert violations(account.ec2, app_vpc.vpc_id, REGION) == []
    assert code == cli.EXIT_OK


def test_fix_changes_only_the_vpcs_the_confirmation_counted(
    account: Aws,
    app_vpc: BuiltVpc,
    monkeypatch: pytest.MonkeyPatch,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A VPC shown compliant that drifts while the question waits is reported, not changed:
    the person confirmed changes to the app VPC only."""
    other = build_vpc(account.ec2, cidr="10.1.0.0/16", azs=2)
    assert run_cli(capsys, "scan", "--fix", "--yes", "--vpc-id", other.vpc_id)[0] == cli.EXIT_OK

    class DriftsThenSaysYes(Tty):
        def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
            account.ec2.modify_vpc_attribute(
                VpcId=other.vpc_id, EnableDnsHostnames={"Value": False}
            )
            api_calls.clear()  # from here on, the calls are the fix pass's
            return "y\n"

    monkeypatch.setattr("sys.stdin", DriftsThenSaysYes())
    code, out, err = run_cli(capsys, "scan", "--format", "json", "--fix")
    document = json.loads(out)
    assert "--fix will make 5 change(s) to 1 VPC(s)" in err  # the app VPC only
    assert statuses(document) == {app_vpc.vpc_id: "fixed", other.vpc_id: "non-compliant"}
    (after,) = [v for r in document["regions"] for v in r["vpcs"] if v["vpc_id"] == other.vpc_id]
    assert after["mode"] == "dry-run"
    assert after["mode_note"].startswith("not changed: its changes were found after you confirmed")
    assert {a["status"] for a in after["actions"]} == {"planned"}
    assert f"{other.vpc_id}: not changed: its changes were found after" in err
    attribute = account.ec2.describe_vpc_attribute(
        VpcId=other.vpc_id, Attribute="enableDnsHostnames"
    )
    assert attribute["EnableDnsHostnames"]["Value"] is False  # left as it drifted
    written = {
        str(p.get("VpcId", "")) for _, op, p in api_calls.calls if op.startswith(("Create", "Mod"))
    }
    assert other.vpc_id not in written
    assert code == cli.EXIT_NON_COMPLIANT

    code, out, _ = run_cli(capsys, "scan", "--fix", "--yes")  # a run that plans it repairs it
    assert code == cli.EXIT_OK
    assert f"{other.vpc_id}: fixed" in out


def test_fix_is_refused_when_the_allow_list_names_other_accounts(
    account: Aws,
    app_vpc: BuiltVpc,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTO_FIX_ACCOUNT_IDS", "111122223333")
    api_calls.clear()
    code, out, err = run_cli(capsys, "scan", "--fix", "--yes")
    assert code == cli.EXIT_ERROR
    assert out == ""
    assert "--fix refused: auto-fix requested but account 123456789012" in err.splitlines()[-1]
    assert api_calls.writes("ec2") == []


def test_all_regions_asks_ec2_for_the_regions(
    account: Aws,
    app_vpc: BuiltVpc,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    eu_vpc = build_vpc(
        boto3.client("ec2", region_name="eu-west-1"), region="eu-west-1", azs=1, cidr="10.5.0.0/16"
    )
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def two_regions(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "DescribeRegions":  # moto lists 38 regions; two are enough here
            return {"Regions": [{"RegionName": "us-east-1"}, {"RegionName": "eu-west-1"}]}
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", two_regions)
    code, document = scan_json(capsys, "--all-regions")
    regions = {r["event"]["region"]: r for r in document["regions"]}
    assert list(regions) == ["eu-west-1", "us-east-1"]
    assert eu_vpc.vpc_id in {v["vpc_id"] for v in regions["eu-west-1"]["vpcs"]}
    assert app_vpc.vpc_id in {v["vpc_id"] for v in regions["us-east-1"]["vpcs"]}
    assert document["totals"]["regions"] == 2
    assert code == cli.EXIT_NON_COMPLIANT

    _, out, _ = run_cli(capsys, "scan", "--all-regions")
    assert out.splitlines()[2].split()[:2] == ["REGION", "VPC"]


def test_many_vpcs_are_scanned_in_chunks_with_progress_on_stderr_only(
    account: Aws, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [account.ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in range(5)]
    monkeypatch.setattr(chunks, "CHUNK", 2)
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    code, document = scan_json(capsys)
    assert sorted(statuses(document)) == sorted(ids)
    assert code == cli.EXIT_NON_COMPLIANT
    progress = tty.getvalue()
    for done in ("2/5", "4/5", "5/5"):
        assert f"us-east-1: {done} VPCs" in progress


def test_chunks_give_the_same_result_as_one_run(account: Aws, cli_env: pytest.MonkeyPatch) -> None:
    built = [build_vpc(account.ec2, cidr=f"10.{n}.0.0/16", azs=1) for n in range(3)]
    ids = [b.vpc_id for b in built]
    inventory = Inventory(account.ec2, region=REGION, account_id=ACCOUNT, route53=account.route53)
    trigger = Trigger("cli-test", "Scan", ACCOUNT, REGION, sweep=True)
    settings = load_settings({})
    seen: list[tuple[int, int]] = []
    chunked = chunks.run_chunks(
        trigger, settings, inventory, ids, chunk=2, on_progress=lambda d, t: seen.append((d, t))
    )
    whole = chunks.run_chunks(trigger, settings, inventory, ids)
    assert seen == [(2, 3), (3, 3)]
    assert [v.as_dict() for v in chunked.vpcs] == [v.as_dict() for v in whole.vpcs]
    assert chunked.counts == whole.counts


def test_vpc_names_cannot_write_escape_sequences_to_the_terminal(
    account: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    # EC2 returns tags in XML, which cannot carry ESC; a bidi override it can.
    build_vpc(account.ec2, azs=1, tags={"Name": "invoice\u202egpj.exe"})
    _, out, _ = run_cli(capsys, "scan")
    assert "\u202e" not in out
    assert "invoice?gpj.exe" in out


# --------------------------------------------------------------------------- AWS errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def no_credentials(cli_env: pytest.MonkeyPatch, tmp_path: Any) -> pytest.MonkeyPatch:
    """No credentials anywhere (environment, files, instance metadata)."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        cli_env.delenv(key, raising=False)
    cli_env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    cli_env.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    cli_env.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for key in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        cli_env.delenv(key, raising=False)
    return cli_env


def test_missing_credentials(
    no_credentials: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The endpoint is a closed local port: even a mistake here could not reach AWS.
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run_cli(capsys, "scan", "--region", "us-east-1", "--endpoint-url", url)
    assert code == cli.EXIT_ERROR and out == ""
    assert "no AWS credentials found" in one_error_line(err)


def test_unknown_profile(
    no_credentials: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "scan", "--profile", "nope")
    assert code == cli.EXIT_ERROR
    assert "profile (nope) could not be found" in one_error_line(err)


def test_no_region(no_credentials: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    no_credentials.delenv("AWS_DEFAULT_REGION", raising=False)
    no_credentials.delenv("AWS_REGION", raising=False)
    code, _, err = run_cli(capsys, "scan")
    assert code == cli.EXIT_ERROR
    assert "no region: pass --region" in one_error_line(err)


@pytest.mark.parametrize("region", ["xx-fake-9", "us-east-10", "US_EAST_1", "eu-west"])
def test_unknown_region(
    cli_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    region: str,
) -> None:
    code, out, err = run_cli(capsys, "scan", "--region", region)
    assert code == cli.EXIT_ERROR and out == ""
    assert f"unknown region {region!r}" in one_error_line(err)
    assert api_calls.operations() == []


def test_endpoint_url_that_does_not_answer(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run_cli(capsys, "scan", "--endpoint-url", url)
    assert code == cli.EXIT_ERROR and out == ""
    assert f"nothing answers at {url}" in one_error_line(err)


@pytest.mark.parametrize(
    ("operation", "code", "extra", "expected"),
    [
        ("DescribeVpcs", "UnauthorizedOperation", [], "access denied: DescribeVpcs"),
        ("DescribeRegions", "UnauthorizedOperation", ["--all-regions"], "access denied"),
        ("GetCallerIdentity", "InvalidClientTokenId", [], "AWS rejected the credentials"),
        ("GetCallerIdentity", "ExpiredToken", [], "AWS rejected the credentials"),
    ],
)
def test_access_denied_and_rejected_credentials(
    account: Aws,
    app_vpc: BuiltVpc,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    code: str,
    extra: list[str],
    expected: str,
) -> None:
    refuse(monkeypatch, operation, code, "You are not authorized to perform this operation.")
    exit_code, out, err = run_cli(capsys, "scan", *extra)
    assert exit_code == cli.EXIT_ERROR
    assert out == ""
    line = one_error_line(err)
    assert expected in line and f"({code})" in line
    if code == "UnauthorizedOperation":
        assert "a scan needs ec2:DescribeVpcs" in line  # says what a scan needs


def test_an_aws_error_during_evaluation_is_one_line(
    account: Aws,
    app_vpc: BuiltVpc,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refuse(monkeypatch, "DescribeSubnets", "UnauthorizedOperation", "You are not\nauthorized.")
    code, document = scan_json(capsys)
    assert code == cli.EXIT_ERROR
    (error,) = document["errors"]
    assert "could not read the VPCs" in error and "ec2:DescribeSubnets" in error
    _, out, err = run_cli(capsys, "scan")
    assert out == ""
    assert "UnauthorizedOperation" in one_error_line(err)


def test_a_defect_is_one_line_and_verbose_shows_the_traceback(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: Any) -> int:
        raise RuntimeError("bug")

    monkeypatch.setattr(scan_command, "run", broken)
    code, _, err = run_cli(capsys, "scan")
    assert code == cli.EXIT_ERROR
    assert "unexpected RuntimeError: bug (--verbose shows the traceback)" in one_error_line(err)
    assert cli.main(["scan", "--verbose"]) == cli.EXIT_ERROR
    assert "Traceback" in capsys.readouterr().err


def test_interrupt_is_one_line(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan_command, "run", interrupted)
    code, _, err = run_cli(capsys, "scan")
    assert code == cli.EXIT_INTERRUPTED
    assert one_error_line(err).endswith("interrupted")


# --------------------------------------------------------------------------- the demo's account


@pytest.fixture
def emulator(cli_env: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo's emulator: moto's server on loopback, empty, boto3 pointed at it."""
    with running_emulator(REGION) as url:
        yield url


@pytest.mark.slow
def test_scan_json_against_the_demo_account_before_and_after_fix(
    emulator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=emulator)
    route53 = boto3.client("route53", region_name=REGION, endpoint_url=emulator)
    demo = build_demo_account(ec2, route53, REGION)
    app, payments, legacy, spoke = (demo.vpc(r) for r in ("app", "payments", "legacy", "spoke"))
    argv = ("--region", REGION, "--endpoint-url", emulator)

    code, before = scan_json(capsys, *argv)
    assert code == cli.EXIT_NON_COMPLIANT
    assert statuses(before) == {
        app.vpc_id: "non-compliant",
        payments.vpc_id: "compliant",
        legacy.vpc_id: "skipped",
        spoke.vpc_id: "compliant",
        demo.vpc("default").vpc_id: "skipped",  # the region's default VPC, opted out
    }
    assert statuses(before) == {v.vpc_id: v.expected for v in demo.vpcs.values()}
    vpcs = {v["vpc_id"]: v for v in before["regions"][0]["vpcs"]}
    assert {f["code"] for f in vpcs[app.vpc_id]["findings"]} == {
        "dns-hostnames-disabled",
        "endpoint-group-too-wide",
        "endpoint-missing",
        "gateway-missing",
    }
    assert {f["code"] for f in vpcs[spoke.vpc_id]["findings"]} == {"endpoint-centralised"}
    assert violations(ec2, payments.vpc_id, REGION) == []

    code, fixed = scan_json(capsys, *argv, "--fix", "--yes")
    assert code == cli.EXIT_OK
    assert statuses(fixed)[app.vpc_id] == "fixed"

    code, after = scan_json(capsys, *argv)
    assert code == cli.EXIT_OK
    assert statuses(after) == {v.vpc_id: v.after_fix for v in demo.vpcs.values()}
    assert statuses(after) == {
        app.vpc_id: "compliant",
        payments.vpc_id: "compliant",
        legacy.vpc_id: "skipped",
        spoke.vpc_id: "compliant",
        demo.vpc("default").vpc_id: "skipped",  # the region's default VPC, opted out
    }
    assert violations(ec2, app.vpc_id, REGION) == []
    app_groups = {g["GroupId"] for e in endpoints(ec2, app.vpc_id) for g in e.get("Groups", [])}
    assert demo.open_group_id not in app_groups  # swapped out (and left as it was)
    assert endpoints(ec2, legacy.vpc_id) == []  # opted out: untouched
    assert [e["ServiceName"] for e in endpoints(ec2, spoke.vpc_id)] == [
        f"com.amazonaws.{REGION}.s3"
    ]  # served by the hub: no endpoint of its own was added


def test_asff_prints_the_security_hub_findings_the_function_would_import(
    account: Aws, app_vpc: BuiltVpc, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "scan", "--format", "asff")
    findings = json.loads(out)["Findings"]
    assert code == 1
    mine = {f["Id"].rsplit("/", 1)[1]: f for f in findings if f"/{app_vpc.vpc_id}/" in f["Id"]}
    assert len(mine) == 6  # one per check
    assert mine["ecr-api-endpoint"]["Compliance"]["Status"] == "FAILED"
    assert mine["ecr-api-endpoint"]["ProductArn"].endswith(":product/123456789012/default")

    code, out, _ = run_cli(capsys, "scan", "--format", "asff", "--fix", "--yes")
    after = [f for f in json.loads(out)["Findings"] if f"/{app_vpc.vpc_id}/" in f["Id"]]
    assert code == 0
    assert {f["Compliance"]["Status"] for f in after} == {"PASSED"}


def test_release_has_no_asff_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "release", "--vpc-id", "vpc-12345678", "--format", "asff")
    assert code == 2
    assert "invalid choice: 'asff'" in err


# ---------------------------------------------------------------- a newcomer's rough edges


def test_aws_region_alone_is_honoured(
    account: Aws, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/deploy.md tells readers to set AWS_REGION: it is enough."""
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", REGION)
    build_vpc(account.ec2, tags={"Name": "app"})
    code, document = scan_json(capsys)
    assert code == cli.EXIT_NON_COMPLIANT
    assert [r["event"]["region"] for r in document["regions"]] == [REGION]


def test_an_endpoint_answering_html_is_one_clear_line(
    cli_env: pytest.MonkeyPatch, html_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "scan", "--region", REGION, "--endpoint-url", html_endpoint)
    assert code == cli.EXIT_ERROR and out == ""
    line = one_error_line(err)
    assert "answered GetCallerIdentity with an HTML page, not an AWS API response" in line
    assert "unexpected" not in line


def test_an_answer_that_is_not_aws_is_transient_for_the_function() -> None:
    """The function's path: the answer check raises a BotoCoreError, which every reader and
    the executor treat as transient (the run fails, Lambda retries); botocore's own parser
    error is classified the same way by the executor."""
    from botocore.exceptions import BotoCoreError
    from botocore.parsers import ResponseParserError

    from remediation.aws.errors import UnexpectedAnswer
    from remediation.executor import core

    assert issubclass(UnexpectedAnswer, BotoCoreError)
    assert "ResponseParserError" in inspect.getsource(core.Executor._apply_one)
    assert ResponseParserError.__module__ == "botocore.parsers"


def test_a_closed_pipe_is_one_line(
    account: Aws, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def closed(text: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(terminal, "out", closed)
    code, _, err = run_cli(capsys, "scan", "--region", REGION)
    assert code == cli.EXIT_ERROR
    assert "standard output was closed" in one_error_line(err)
