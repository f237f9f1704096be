"""Names people know across accounts (issue 24): ``scan --account``/``--organization`` names
each account by its name (Organizations ``DescribeAccount``, asked once per account and run,
with the caller's credentials) in the table's ACCOUNT column, the JSON's ``accounts`` and
``vpcs``, and the ``--fix`` confirmation; a name is data (one plain line, cut); where names
cannot be read, the ids alone, asked no more, and no warning. In-process against moto's
organisation (the caller, 123456789012, is its management account)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from bench import organisation as organisation_bench

from remediation import cli
from tests.support.aws import REGION, Aws, CallLog
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.cli import ROLE, accounts_argv, cli_env, delete_default_vpc, run_cli
from tests.support.topology import build_vpc

__all__ = ["cli_env"]  # the fixture, imported for these tests

#: What an account name must not do in a terminal: colour it, forge a line, ping a channel.
HOSTILE = "\x1b[31mred\x1b[0m\nStatus:  compliant <!channel> \u202etxt.exe"


def named_member(name: str, cidr: str) -> str:
    """An account of moto's organisation (created) called ``name``, with one non-compliant VPC."""
    org = boto3.client("organizations", region_name=REGION)
    account = str(
        org.create_account(AccountName=name, Email="team@example.com")["CreateAccountStatus"][
            "AccountId"
        ]
    )
    ec2 = organisation_bench.member_ec2(account, ROLE)
    delete_default_vpc(ec2)
    build_vpc(ec2, cidr=cidr, azs=2)
    return account


@pytest.fixture
def members(aws: Aws, cli_env: pytest.MonkeyPatch, faults: FaultLayer) -> dict[str, str]:
    """Two named members of the caller's organisation: account id -> name."""
    boto3.client("organizations", region_name=REGION).create_organization(FeatureSet="ALL")
    named = {
        named_member("Payments prod", "10.1.0.0/16"): "Payments prod",
        named_member(HOSTILE, "10.2.0.0/16"): HOSTILE,
    }
    faults.clear()
    return named


def account_cells(table: str, accounts: list[str]) -> dict[str, str]:
    """Each account's table row: the first line that starts with its id (its details follow)."""
    rows: dict[str, str] = {}
    for line in table.splitlines():
        if line.split()[:1] and line.split()[0] in accounts:
            rows.setdefault(line.split()[0], line)
    return rows


def test_the_table_and_json_name_each_account_asked_once(
    members: dict[str, str], api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    payments, hostile = list(members)
    api_calls.clear()
    code, out, err = run_cli(capsys, *accounts_argv(payments, hostile))
    assert code == cli.EXIT_NON_COMPLIANT
    assert err == ""

    rows = account_cells(out, [payments, hostile])
    assert rows[payments].startswith(f"{payments} (Payments prod)  ")
    # The hostile name is one plain line in its cell: no escape, no forged line, no bidi.
    assert rows[hostile].startswith(f"{hostile} ([31mred[0m Status: co...)")
    assert "\x1b" not in out and "\u202e" not in out
    assert not any(line.startswith("Status:") for line in out.splitlines())
    assert sorted(p["AccountId"] for p in api_calls.params("DescribeAccount")) == sorted(members)

    code, document_text, _ = run_cli(capsys, *accounts_argv(payments, hostile), "--format", "json")
    document: dict[str, Any] = json.loads(document_text)
    by_account = {a["account_id"]: a for a in document["accounts"]}
    assert by_account[payments]["account_name"] == "Payments prod"
    assert by_account[hostile]["account_name"] == "[31mred[0m Status: compliant <!channel> txt.exe"
    vpcs = [v for summary in document["regions"] for v in summary["vpcs"]]
    named_vpcs = {v["account_id"]: v["account_name"] for v in vpcs}
    assert named_vpcs == {a["account_id"]: a["account_name"] for a in document["accounts"]}


def test_the_fix_pass_asks_no_name_again_and_the_confirmation_names_the_account(
    members: dict[str, str], api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    payments, _ = list(members)
    api_calls.clear()
    code, out, _ = run_cli(capsys, *accounts_argv(payments), "--fix", "--yes")

    assert code == cli.EXIT_OK
    assert api_calls.operations("organizations").count("DescribeAccount") == 1  # one run: kept
    (row,) = account_cells(out.split("after --fix")[-1], [payments]).values()
    assert row.startswith(f"{payments} (Payments prod)  ") and " fixed" in row


def test_without_names_the_ids_alone_asked_once_and_no_warning(
    members: dict[str, str],
    api_calls: CallLog,
    faults: FaultLayer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A caller that may not describe accounts (neither the management account nor a delegated
    administrator): one refusal, then the other accounts are not asked; ids only."""
    faults.add(Fault("organizations", "DescribeAccount", 400, "AccessDeniedException", times=None))
    payments, hostile = list(members)
    api_calls.clear()
    code, out, err = run_cli(
        capsys, *accounts_argv(payments, hostile), "--max-parallel", "1", "--format", "json"
    )

    assert code == cli.EXIT_NON_COMPLIANT
    assert err == ""
    assert api_calls.operations("organizations").count("DescribeAccount") == 1
    document = json.loads(out)
    assert all("account_name" not in a for a in document["accounts"])
    assert all("account_name" not in v for s in document["regions"] for v in s["vpcs"])


def test_the_reports_and_findings_carry_the_name(
    members: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """CSV (its account_name column), HTML (escaped) and the ASFF findings (AwsAccountName)
    name the account as the table does."""
    import csv
    import io

    payments, hostile = list(members)
    argv = accounts_argv(payments, hostile)
    _, text, _ = run_cli(capsys, *argv, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["account_id"]: r["account_name"] for r in rows}[payments] == "Payments prod"
    _, page, _ = run_cli(capsys, *argv, "--format", "html")
    assert '<span class="small">Payments prod</span>' in page
    assert "<!channel>" not in page and "&lt;!channel&gt;" in page
    _, findings_text, _ = run_cli(capsys, *argv, "--format", "asff")
    findings = json.loads(findings_text)["Findings"]
    names = {f["AwsAccountId"]: f.get("AwsAccountName") for f in findings}
    assert names[payments] == "Payments prod"
