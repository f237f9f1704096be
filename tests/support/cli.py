"""Running the CLI in-process: its environment (fixture ``cli_env``, a pytest plugin of
``tests/conftest.py``), a terminal, the JSON of a scan, and the one-line error check."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
)

from remediation import cli
from tests.support.topology import builder

CONFIG_VARIABLES = (
    "REMEDIATION_MODE",
    "AUTO_FIX_ACCOUNT_IDS",
    "SERVICES",
    "NOTIFICATION_TOPIC_ARN",
    "MAX_AZS_PER_ENDPOINT",
    "GATEWAY_REPORT_ONLY",
    "REQUIRE_LOCAL_ENDPOINTS",
    "AWS_ENDPOINT_URL",
)


class Tty(io.StringIO):
    """A stream that says it is a terminal (stdin for confirmation, stderr for progress)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No tool configuration from the outside; stdin is not a terminal unless a test says so."""
    for key in CONFIG_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DELETION_WAIT_SECONDS", "0")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # no AMI here; saves a second
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return monkeypatch


def delete_default_vpc(ec2: Any) -> None:
    """Delete moto's default VPC (no endpoints, so never compliant). Test set-up only."""
    builder(ec2).delete_default_vpcs()


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run_cli(capsys, "scan", "--format", "json", *argv)
    document: dict[str, Any] = json.loads(out)
    assert document["exit_code"] == code
    return code, document


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ecr-endpoint-guard: error: "), err
    return lines[0]


def _client_error(code: str, message: str = "message", operation: str = "DescribeVpcs") -> Any:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


ROLE = "ecr-endpoint-guard-member"


MEMBER_A = "111122223333"


MEMBER_B = "444455556666"


def accounts_argv(*account_ids: str) -> list[str]:
    argv = ["scan", "--role-name", ROLE]
    for account_id in account_ids:
        argv += ["--account", account_id]
    return argv
