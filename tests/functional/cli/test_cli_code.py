"""``scan --format terraform|cloudformation`` end to end (issue 15).

Against the demo's emulator (moto's server, as ``make demo`` runs it) and the demo's account:
the code before ``scan --fix --yes`` declares what is missing; after it, the same command
adopts what the tool created (Terraform ``import`` blocks, CloudFormation's
``--resources-to-import``) with the ids EC2 gave them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from remediation import cli
from remediation.demo.account import DemoAccount, build_demo_account
from remediation.demo.emulator import running_emulator
from remediation.vocabulary import MANAGED_TAG
from tests.support.checkov import run_checkov
from tests.support.cli import cli_env, one_error_line, run_cli
from tests.support.hcl import imports, parse, resources
from tests.support.template import cfn_lint

__all__ = ["cli_env"]  # the fixture, imported for these tests

REGION = "us-east-1"


def owned_ids(ec2: Any, vpc_id: str) -> set[str]:
    """What the tool created in the VPC (its tag), as EC2 reports it."""
    flt = [
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": f"tag:{MANAGED_TAG}", "Values": ["true"]},
    ]
    endpoints = ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]
    groups = ec2.describe_security_groups(Filters=flt)["SecurityGroups"]
    return {e["VpcEndpointId"] for e in endpoints} | {g["GroupId"] for g in groups}


@pytest.fixture
def demo(cli_env: pytest.MonkeyPatch) -> Any:
    with running_emulator(REGION) as url:
        ec2 = boto3.client("ec2", region_name=REGION)
        account = build_demo_account(ec2, boto3.client("route53", region_name=REGION), REGION)
        yield url, ec2, account


def _argv(url: str, *more: str) -> list[str]:
    return ["scan", "--region", REGION, "--endpoint-url", url, *more]


@pytest.mark.slow
def test_terraform_before_and_after_fix_adopts_what_the_tool_created(
    demo: tuple[str, Any, DemoAccount], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url, ec2, account = demo
    app = account.vpcs["app"].vpc_id
    code, out, err = run_cli(capsys, *_argv(url, "--format", "terraform"))
    assert code == cli.EXIT_OK, err  # the code was written (set -e scripts go on)
    code, again, err = run_cli(capsys, *_argv(url, "--format", "terraform", "--exit-code"))
    assert code == cli.EXIT_NON_COMPLIANT, err  # the scan's code, asked for
    assert again == out
    before_text = out
    before = parse(out)  # every VPC's file, one after the other: one module
    assert imports(before) == {}, "nothing was created by the tool yet"
    new = {b["service_name"]: b for b in resources(before, "aws_vpc_endpoint").values()}
    assert f"com.amazonaws.{REGION}.ecr.dkr" in new and f"com.amazonaws.{REGION}.s3" in new
    assert f"Terraform for {app} (app),\n" in out
    default = account.vpcs["default"].vpc_id
    assert f"No code: {default} is left alone by the tool" in out

    code, _, err = run_cli(capsys, *_argv(url, "--fix", "--yes"))
    assert code == cli.EXIT_OK, err
    created = owned_ids(ec2, app)
    assert len(created) == 3  # the group, ecr.dkr and the S3 gateway

    code, out, err = run_cli(
        capsys, *_argv(url, "--format", "terraform", "--output-dir", str(tmp_path / "tf"))
    )
    assert code == cli.EXIT_OK, err
    assert out == ""
    assert f"wrote {tmp_path / 'tf' / 'app.tf'}" in err
    after = parse((tmp_path / "tf" / "app.tf").read_text())
    assert set(imports(after).values()) == created
    declared = {
        f"{kind}.{name}"
        for kind in ("aws_vpc_endpoint", "aws_security_group")
        for name in resources(after, kind)
    }
    assert declared == set(imports(after)), "after --fix, the app VPC's code only adopts"
    for path in (tmp_path / "tf").glob("*.tf"):
        parse(path.read_text())  # every file is HCL2
    (tmp_path / "before").mkdir()
    (tmp_path / "before" / "region.tf").write_text(before_text)
    failures = checkov_failures(tmp_path, ["before", "tf"])
    for where in ("before", "tf"):
        assert failures[where] == [], where


def checkov_failures(root: Path, folders: list[str]) -> dict[str, list[tuple[str, str]]]:
    """checkov's failed checks on the Terraform of each folder of ``root`` (the linter users
    run), by folder. One checkov run over ``root`` (its start is most of its time). Every
    folder must have been checked."""
    found = run_checkov(root, ["terraform"])
    assert found.parsing_errors("terraform") == 0
    by_folder = {folder: found.checks("terraform", folder) for folder in folders}
    unchecked = {folder for folder, checks in by_folder.items() if not checks["passed_checks"]}
    assert not unchecked, f"checkov checked nothing in {unchecked}"
    return {
        folder: [(c["check_id"], c["resource"]) for c in checks["failed_checks"]]
        for folder, checks in by_folder.items()
    }


@pytest.mark.slow
def test_cloudformation_before_and_after_fix_lists_the_resources_to_import(
    demo: tuple[str, Any, DemoAccount], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url, ec2, account = demo
    app = account.vpcs["app"].vpc_id
    before_dir, after_dir = tmp_path / "before", tmp_path / "after"
    code, _, err = run_cli(
        capsys, *_argv(url, "--format", "cloudformation", "--output-dir", str(before_dir))
    )
    assert code == cli.EXIT_OK, err  # the code was written
    assert (before_dir / "app.yaml").exists() and not (before_dir / "app.import.json").exists()
    assert "AWS::EC2::VPCEndpoint" in (before_dir / "app.yaml").read_text()
    # Without --output-dir: the same templates as one YAML stream, a document each.
    code, out, _ = run_cli(capsys, *_argv(url, "--format", "cloudformation"))
    assert code == cli.EXIT_OK
    documents = out.split("\n---\n")
    templates = [d for d in documents if "AWSTemplateFormatVersion" in d]
    assert sorted(t.strip() for t in templates) == sorted(
        p.read_text().strip() for p in before_dir.glob("*.yaml")
    )
    assert len(documents) == len(account.vpcs)  # the others: their note, as comments

    run_cli(capsys, *_argv(url, "--fix", "--yes"))
    code, _, err = run_cli(
        capsys, *_argv(url, "--format", "cloudformation", "--output-dir", str(after_dir))
    )
    assert code == cli.EXIT_OK, err
    to_import = json.loads((after_dir / "app.import.json").read_text())
    assert {r["ResourceIdentifier"]["Id"] for r in to_import} == owned_ids(ec2, app)
    for name in ("app.yaml", "app.import.yaml"):  # errors, warnings and informational checks
        assert cfn_lint((after_dir / name).read_text(), [REGION]) == [], name


def test_the_code_formats_refuse_fix_and_output_dir_needs_them(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "scan", "--format", "terraform", "--fix", "--yes")
    assert code == cli.EXIT_ERROR
    assert "does not go with --fix" in one_error_line(err)
    code, _, err = run_cli(capsys, "scan", "--output-dir", "out")
    assert code == cli.EXIT_ERROR
    assert "--output-dir goes with --format terraform or cloudformation" in one_error_line(err)


@pytest.mark.slow
def test_vpc_id_asks_for_the_code_of_an_opted_out_vpc(
    demo: tuple[str, Any, DemoAccount], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _, account = demo
    default = account.vpcs["default"].vpc_id
    code, out, err = run_cli(capsys, *_argv(url, "--format", "terraform", "--vpc-id", default))
    assert code == cli.EXIT_OK, err  # skipped by its tag: nothing left non-compliant
    assert resources(parse(out), "aws_vpc_endpoint")
    assert "tagged ecr-endpoint-guard/mode=off already" in out
