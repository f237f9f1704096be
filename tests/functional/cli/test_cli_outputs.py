"""What a scan prints and writes: several formats in one run (``--format`` repeatable, each
but one with its ``--output-file``), ``--quiet`` (failures only), a table aligned for CJK
names, and settings that refuse ``--fix`` rather than weaken the check."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

from remediation import cli
from remediation.cli.formats.registry import FORMATS
from remediation.modes import MODE_TAG
from remediation.text import columns
from tests.support.aws import Aws, CallLog
from tests.support.cli import delete_default_vpc, one_error_line, run_cli
from tests.support.hcl import parse
from tests.support.topology import BuiltVpc, build_vpc


@pytest.fixture
def account(aws: Aws, cli_env: pytest.MonkeyPatch) -> Aws:
    delete_default_vpc(aws.ec2)
    return aws


@pytest.fixture
def vpcs(account: Aws) -> dict[str, BuiltVpc]:
    return {
        "app": build_vpc(account.ec2, tags={"Name": "app"}),
        "本番環境": build_vpc(account.ec2, cidr="10.1.0.0/16", azs=1, tags={"Name": "本番環境"}),
        "legacy": build_vpc(account.ec2, cidr="10.2.0.0/16", azs=1, tags={MODE_TAG: "off"}),
    }


def test_several_formats_in_one_run_each_to_its_place(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report, code_file = tmp_path / "out" / "scan.json", tmp_path / "vpcs.tf"
    code, out, err = run_cli(
        capsys,
        "scan",
        "--format", "json", "--output-file", str(report),
        "--format", "terraform", "--output-file", str(code_file),
        "--format", "table",
    )  # fmt: skip
    assert code == cli.EXIT_NON_COMPLIANT  # the scan's code: not only code was asked for
    assert out.startswith("ecr-endpoint-guard ") and "read-only scan" in out  # the table
    document = json.loads(report.read_text())
    assert document["exit_code"] == code
    assert {v["vpc_id"] for r in document["regions"] for v in r["vpcs"]} == {
        v.vpc_id for v in vpcs.values()
    }
    parse(code_file.read_text())  # the Terraform of every VPC, one module
    assert f"json report written to {report}" in err
    assert f"terraform report written to {code_file}" in err


def test_one_output_file_may_come_anywhere_and_two_stdout_formats_are_refused(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "scan.json"
    code, out, _ = run_cli(capsys, "scan", "--output-file", str(target), "--format", "json")
    assert code == cli.EXIT_NON_COMPLIANT and out == ""
    assert json.loads(target.read_text())["command"] == "scan"

    code, _, err = run_cli(capsys, "scan", "--format", "json", "--format", "table")
    assert code == cli.EXIT_ERROR
    assert "only one --format can go to standard output" in one_error_line(err)
    code, _, err = run_cli(
        capsys, "scan", "--output-file", "a", "--format", "json", "--format", "table"
    )
    assert code == cli.EXIT_ERROR
    assert "comes after the --format it writes" in one_error_line(err)


def test_an_output_file_that_cannot_be_written_is_one_line(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run_cli(
        capsys, "scan", "--format", "json", "--output-file", str(blocker / "x.json")
    )
    assert code == cli.EXIT_ERROR
    assert "could not write" in one_error_line(err)


def test_quiet_lists_only_the_vpcs_with_something_to_do(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str]
) -> None:
    _, full, _ = run_cli(capsys, "scan")
    code, quiet, _ = run_cli(capsys, "scan", "--quiet")
    assert code == cli.EXIT_NON_COMPLIANT
    legacy = vpcs["legacy"].vpc_id
    assert legacy in full and legacy not in quiet  # skipped: nothing to do
    assert vpcs["app"].vpc_id in quiet
    total = next(line for line in quiet.splitlines() if line.startswith("Total:"))
    assert total in full  # the total still counts every VPC


def test_cjk_names_keep_the_table_aligned(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_cli(capsys, "scan")
    lines = out.splitlines()
    table = lines[2 : lines.index("", 2)]
    header = table[0]
    at = columns(header[: header.index("STATUS")])
    assert any("本番環境" in row for row in table)
    for row in table[1:]:  # STATUS starts in the same terminal column on every row
        status = next(w for w in ("non-compliant", "compliant", "skipped") if w in row)
        assert columns(row[: row.index(status)]) == at, (header, row)


def test_a_typo_in_services_refuses_fix(
    vpcs: dict[str, BuiltVpc],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    api_calls: CallLog,
) -> None:
    monkeypatch.setenv("SERVICES", "ecr.api,ecr.dck,s3:gateway")
    code, _, err = run_cli(capsys, "scan", "--fix", "--yes")
    assert code == cli.EXIT_ERROR
    assert "--fix refused: SERVICES: 'ecr.dck' is not an endpoint service" in err
    assert "did you mean 'ecr.dkr'" in err
    assert not [op for op in api_calls.operations() if op.startswith(("Create", "Modify"))]

    code, _, err = run_cli(capsys, "scan")  # a read-only scan still checks ecr.dkr
    assert code == cli.EXIT_NON_COMPLIANT
    assert "configuration: SERVICES: 'ecr.dck'" in err


def test_every_format_is_one_registry_entry() -> None:
    assert set(FORMATS) == {"table", "json", "asff", "terraform", "cloudformation", "html", "csv"}
    assert all(f.help and callable(f.render) for f in FORMATS.values())


def test_exclusions_and_a_tag_filter_choose_the_vpcs(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str]
) -> None:
    def scanned(*argv: str) -> set[str]:
        code, out, err = run_cli(capsys, "scan", "--format", "json", *argv)
        assert code in (cli.EXIT_OK, cli.EXIT_NON_COMPLIANT), err
        return {v["vpc_id"] for r in json.loads(out)["regions"] for v in r["vpcs"]}

    every = {v.vpc_id for v in vpcs.values()}
    assert scanned() == every
    assert scanned("--exclude-vpc", vpcs["legacy"].vpc_id) == every - {vpcs["legacy"].vpc_id}
    assert scanned("--tag", "Name=app") == {vpcs["app"].vpc_id}
    assert scanned("--tag", "Name") == every - {vpcs["legacy"].vpc_id}  # legacy has no Name
    assert scanned("--tag", MODE_TAG, "--tag", "Name") == set()  # every tag must match


def test_an_excluded_region_is_not_scanned(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        capsys, "scan", "--format", "json", "--region", "us-east-1", "--region", "eu-west-1",
        "--exclude-region", "eu-west-1",
    )  # fmt: skip
    assert code == cli.EXIT_NON_COMPLIANT
    assert [r["event"]["region"] for r in json.loads(out)["regions"]] == ["us-east-1"]


def test_list_checks_needs_no_aws_call(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], api_calls: CallLog
) -> None:
    code, out, _ = run_cli(capsys, "scan", "--list-checks")
    assert code == cli.EXIT_OK
    assert "ecr-dkr-endpoint" in out and "EC2.56" in out
    code, out, _ = run_cli(capsys, "scan", "--list-checks", "--format", "json")
    assert code == cli.EXIT_OK and len(json.loads(out)) == 6
    assert api_calls.operations() == []


def test_debug_logs_the_wire_without_credentials(
    vpcs: dict[str, BuiltVpc], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "scan", "--debug", "--connect-timeout", "5")
    assert code == cli.EXIT_NON_COMPLIANT
    assert "debug: botocore" in err and "DescribeVpcs" in err
    assert "Credential=" not in err.replace("Credential=<redacted>", "")
    assert "Signature=<redacted>" in err or "Authorization" not in err
    code, _, err = run_cli(capsys, "scan", "--read-timeout", "0")
    assert code == cli.EXIT_ERROR and "seconds from 1 to 300" in one_error_line(err)


def test_a_bare_command_shows_the_help_with_examples_and_the_docs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys)
    assert code == cli.EXIT_OK
    assert out.startswith("usage: ecr-endpoint-guard") and "examples:" in out
    assert "documentation: docs/cli.md" in out
    for command in ("scan", "release"):
        code, out, _ = run_cli(capsys, command, "--help")
        assert code == cli.EXIT_OK
        assert f"ecr-endpoint-guard {command} --" in out.split("examples:", 1)[1]
        assert "documentation: docs/cli.md" in out


def _complete(shell: str, *words: str) -> list[str]:
    """What the completion script offers after ``words`` (the last one being typed)."""
    code, out = _completion_script(shell)
    assert code == cli.EXIT_OK
    line = " ".join(["ecr-endpoint-guard", *words])
    program = (
        f"{out}\nCOMP_WORDS=({line}); COMP_CWORD={len(words)}; "
        f"[ -z \"{words[-1]}\" ] && COMP_WORDS+=(''); _ecr_endpoint_guard; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash on this machine")
    done = subprocess.run(  # noqa: S603 - bash, on a script of ours
        [bash, "-c", program], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _completion_script(shell: str) -> tuple[int, str]:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(["completion", shell])
    return code, buffer.getvalue()


def test_shell_completion_offers_commands_options_and_values() -> None:
    assert _complete("bash", "sc") == ["scan"]
    assert "--exclude-region" in _complete("bash", "scan", "--ex")
    assert _complete("bash", "scan", "--format", "") == list(FORMATS)
    assert _complete("bash", "release", "--format", "") == ["table", "json"]
    assert _complete("bash", "completion", "") == ["bash", "zsh"]
    code, zsh = _completion_script("zsh")
    assert code == cli.EXIT_OK and "bashcompinit" in zsh


def test_regions_scanned_in_parallel_give_the_same_result(
    account: Aws, capsys: pytest.CaptureFixture[str], faults: Any
) -> None:
    """``--parallel-regions``: the same document, in the regions' order, as one at a time.
    (``faults`` serialises moto's processing: the threads still overlap their calls.)"""
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    for region in regions:
        ec2 = boto3.client("ec2", region_name=region)
        delete_default_vpc(ec2)
        build_vpc(ec2, region=region, azs=1, tags={"Name": f"app-{region}"})
    argv = [a for r in regions for a in ("--region", r)]

    def summary(*more: str) -> list[tuple[str, list[tuple[str, str]]]]:
        code, out, err = run_cli(capsys, "scan", "--format", "json", *argv, *more)
        assert code == cli.EXIT_NON_COMPLIANT, err
        return [
            (r["event"]["region"], [(v["name"], v["status"]) for v in r["vpcs"]])
            for r in json.loads(out)["regions"]
        ]

    one_at_a_time = summary()
    assert [r for r, _ in one_at_a_time] == regions
    assert summary("--parallel-regions", "3") == one_at_a_time
