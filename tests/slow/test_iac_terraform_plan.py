"""The generated Terraform with the real Terraform and the real AWS provider, against the
emulator: ``terraform fmt -check``, ``init`` from a local provider mirror, and ``plan`` (which
validates the configuration first: a separate ``validate`` started the 700 MB provider once more
for nothing, about 12 s a test). The plan is read from its machine-readable output
(``plan -json``: a ``planned_change`` per resource, with what it imports, and the
``change_summary``; HashiCorp's "Machine-readable UI"), not from ``show -json`` of a saved plan,
which started the provider once more (2 s).

After ``scan --fix``, the app VPC's code adopts what the tool created: the plan imports
exactly the tool's resources (by the ids EC2 gave them) and destroys nothing. On a VPC whose
DNS hostnames are off, the code's ``data "aws_vpc"`` postcondition stops the plan with its
message.

Skipped, with the reason, where ``terraform`` or a local mirror of ``hashicorp/aws`` is
missing: Terraform's own implied mirror directories are searched, then ``TF_PLUGIN_DIR``, then
the system's ``/opt`` and ``/usr/local`` (a machine image's mirror), never the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from remediation import cli
from remediation.actions import TOOL_GROUP_NAME as GROUP
from remediation.demo.account import build_demo_account
from remediation.demo.emulator import running_emulator
from remediation.vocabulary import MANAGED_TAG
from tests.support.cli import cli_env, run_cli
from tests.support.topology import build_vpc

__all__ = ["cli_env"]

REGION = "us-east-1"
PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"


def plugin_dir() -> Path | None:
    """A directory holding ``registry.terraform.io/hashicorp/aws/<version>/<os_arch>/``."""
    home = Path.home()
    candidates = [
        *([Path(os.environ["TF_PLUGIN_DIR"])] if os.environ.get("TF_PLUGIN_DIR") else []),
        home / ".terraform.d" / "plugins",
        home / ".local" / "share" / "terraform" / "plugins",
        Path("/usr/local/share/terraform/plugins"),
        Path("/usr/share/terraform/plugins"),
    ]
    for root in candidates:
        if (root / PROVIDER).is_dir():
            return root
    for root in (Path("/opt"), Path("/usr/local")):
        for found in _walk(root, depth=3):
            if (found / PROVIDER).is_dir():
                return found
    return None


def _walk(root: Path, depth: int) -> Iterator[Path]:
    if depth < 0 or not root.is_dir():
        return
    yield root
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return
    for child in children:
        yield from _walk(child, depth - 1)


@pytest.fixture(scope="module")
def terraform() -> tuple[str, Path]:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH")
    plugins = plugin_dir()
    if plugins is None:
        pytest.skip(
            "no local mirror of the hashicorp/aws provider (set TF_PLUGIN_DIR to a directory "
            "holding registry.terraform.io/hashicorp/aws/...)"
        )
    return binary, plugins


def provider_block(url: str) -> str:
    services = ("ec2", "sts", "iam")
    endpoints = "\n".join(f'    {s} = "{url}"' for s in services)
    return f"""terraform {{
  required_providers {{
    aws = {{
      source = "hashicorp/aws"
    }}
  }}
}}

provider "aws" {{
  region                      = "{REGION}"
  access_key                  = "demo"
  secret_key                  = "demo"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true

  endpoints {{
{endpoints}
  }}
}}
"""


def tf(
    binary: str, where: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TF_IN_AUTOMATION": "1",
        "TF_CLI_CONFIG_FILE": os.devnull,
        "CHECKPOINT_DISABLE": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        # Go's garbage collector runs a quarter as often (the default is 100): most of a plan
        # is the provider building its 700 MB schema, three times; a third less time, 40 MB
        # more memory. It changes when memory is reclaimed, nothing a command does.
        "GOGC": "400",
    }
    done = subprocess.run(  # noqa: S603 - the terraform binary, loopback emulator only
        [binary, f"-chdir={where}", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"terraform {args[0]}: {done.stdout}\n{done.stderr}"
    return done


def module(
    binary: str, plugins: Path, where: Path, url: str, code: str
) -> subprocess.CompletedProcess[str]:
    """The generated code as one module with the emulator's provider: fmt, init, and the plan
    (its result, not checked; ``plan`` validates the configuration before it plans; its output
    is the machine-readable one, a JSON message a line)."""
    where.mkdir(parents=True)
    (where / "vpc.tf").write_text(code, encoding="utf-8")
    tf(binary, where, "fmt", "-check", "-diff", "vpc.tf")  # the generated file as written
    (where / "provider.tf").write_text(provider_block(url), encoding="utf-8")
    tf(binary, where, "init", "-input=false", "-backend=false", f"-plugin-dir={plugins}")
    return tf(binary, where, "plan", "-input=false", "-json", check=False)


def messages(planned: subprocess.CompletedProcess[str], kind: str) -> list[dict[str, Any]]:
    """The plan's machine-readable messages of one type (one JSON object a line)."""
    found = [json.loads(line) for line in planned.stdout.splitlines() if line.strip()]
    return [m for m in found if m.get("type") == kind]


@pytest.fixture
def emulator(cli_env: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    with running_emulator(REGION) as url:
        yield url, boto3.client("ec2", region_name=REGION)


def test_the_code_after_fix_plans_imports_of_the_tools_resources_only(
    terraform: tuple[str, Path],
    emulator: tuple[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    binary, plugins = terraform
    url, ec2 = emulator
    demo = build_demo_account(ec2, boto3.client("route53", region_name=REGION), REGION)
    app = demo.vpcs["app"].vpc_id
    where = ["scan", "--region", REGION, "--endpoint-url", url, "--vpc-id", app]
    assert run_cli(capsys, *where, "--fix", "--yes")[0] == cli.EXIT_OK
    # A tag a person added to the tool's group, its key an HCL keyword: the code declares it,
    # and Terraform reads a bare `for` first in a map as a for expression (the key is quoted).
    (group,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [app]}, {"Name": "group-name", "Values": [GROUP]}]
    )["SecurityGroups"]
    ec2.create_tags(Resources=[group["GroupId"]], Tags=[{"Key": "for", "Value": "team-a"}])
    code, text, err = run_cli(capsys, *where, "--format", "terraform")
    assert '"for" = "team-a"' in text
    assert code == cli.EXIT_OK, err

    planned = module(binary, plugins, tmp_path / "app", url, text)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    changes = [m["change"] for m in messages(planned, "planned_change")]
    imported = {c["importing"]["id"] for c in changes if c.get("importing")}
    (summary,) = messages(planned, "change_summary")
    flt = [{"Name": "vpc-id", "Values": [app]}, {"Name": f"tag:{MANAGED_TAG}", "Values": ["true"]}]
    owned = {e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]}
    owned |= {g["GroupId"] for g in ec2.describe_security_groups(Filters=flt)["SecurityGroups"]}
    assert imported == owned and owned
    # every import the plan counts is one of those (none left out of the stream), 0 destroys
    assert summary["changes"]["import"] == len(imported)
    assert summary["changes"]["remove"] == 0
    assert not [c for c in changes if c["action"] in ("delete", "replace")]


def test_the_dns_postcondition_stops_the_plan_while_hostnames_are_off(
    terraform: tuple[str, Path],
    emulator: tuple[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    binary, plugins = terraform
    url, ec2 = emulator
    vpc = build_vpc(ec2, dns_hostnames=False, azs=2, tags={"Name": "hostnames-off"})
    where = ["scan", "--region", REGION, "--endpoint-url", url, "--vpc-id", vpc.vpc_id]
    code, text, err = run_cli(capsys, *where, "--format", "terraform")
    assert code == cli.EXIT_OK, err
    planned = module(binary, plugins, tmp_path / "off", url, text)
    assert planned.returncode != 0
    diagnostics = [m["diagnostic"] for m in messages(planned, "diagnostic")]
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert [e["summary"] for e in errors] == ["Resource postcondition failed"], planned.stdout
    assert "has DNS support or DNS hostnames off" in errors[0]["detail"]
