"""The scan command without AWS: its options and defaults, exit codes, one-line errors, the mode
the flags decide, names made safe for a terminal, progress only on a terminal."""

from __future__ import annotations

import io

import pytest
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from remediation import cli
from remediation.cli import errors as cli_errors
from remediation.cli import results, terminal
from remediation.cli import scan as scan_command
from remediation.engine import chunks
from remediation.modes import Mode
from remediation.report.results import VpcStatus
from tests.support.aws import ACCOUNT, REGION
from tests.support.cli import (
    Tty,
    _client_error,
)


def test_scan_defaults_and_repeatable_options() -> None:
    args = cli.build_parser().parse_args(
        [
            "scan",
            "--region",
            "eu-west-1",
            "--region",
            "us-east-1",
            "--vpc-id",
            "vpc-0123456789abcdef0",
            "--vpc-id",
            "vpc-12345678",
        ]
    )
    assert args.command == "scan"
    assert args.regions == ["eu-west-1", "us-east-1"]
    assert args.vpc_ids == ["vpc-0123456789abcdef0", "vpc-12345678"]
    assert (args.format, args.fix, args.yes, args.all_regions) == ("table", False, False, False)
    assert args.profile is None and args.endpoint_url is None


@pytest.mark.parametrize(
    ("found", "errors", "code"),
    [
        ([], [], 0),
        ([VpcStatus.COMPLIANT, VpcStatus.SKIPPED, VpcStatus.FIXED], [], 0),
        ([VpcStatus.COMPLIANT, VpcStatus.NON_COMPLIANT], [], 1),
        ([VpcStatus.FIXED, VpcStatus.INCOMPLETE], [], 1),
        ([VpcStatus.FIXED, VpcStatus.DEFERRED], [], 1),
        ([VpcStatus.FAILED], [], 1),
        ([VpcStatus.COMPLIANT], ["us-east-1: vpc-12345678 not found"], 2),
        ([VpcStatus.NON_COMPLIANT], ["us-east-1: could not list the VPCs"], 2),
    ],
)
def test_exit_codes(found: list[VpcStatus], errors: list[str], code: int) -> None:
    assert results.exit_code_for(found, errors=errors) == code


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (NoCredentialsError(), "no AWS credentials found"),
        (
            PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
            "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
        ),
        (ProfileNotFound(profile="nope"), "The config profile (nope) could not be found"),
        (NoRegionError(), "You must specify a region"),
        (
            EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
            "nothing answers at http://127.0.0.1:9",
        ),
        (ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"), "nothing answers at"),
        (_client_error("UnauthorizedOperation"), "access denied: DescribeVpcs"),
        (_client_error("AccessDenied", operation="GetCallerIdentity"), "access denied"),
        (_client_error("ExpiredToken", "expired"), "AWS rejected the credentials (ExpiredToken)"),
        (_client_error("OptInRequired"), "region not enabled"),
        (
            _client_error("Throttling", "slow\ndown"),
            "AWS error: DescribeVpcs (Throttling): slow down",
        ),
    ],
)
def test_errors_are_described_in_one_line(exc: Exception, expected: str) -> None:
    text = cli_errors.describe_error(exc, endpoint_url="http://127.0.0.1:9")
    assert expected in text
    assert "\n" not in text
    assert len(text) <= cli_errors.MAX_ERROR


def test_unreachable_aws_without_endpoint_url_names_the_endpoint() -> None:
    exc = EndpointConnectionError(endpoint_url="https://ec2.xx-east-1.amazonaws.com/")
    assert cli_errors.describe_error(exc).startswith(
        "could not reach https://ec2.xx-east-1.amazonaws"
    )


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("app", 24, "app"),
        ("app\x1b[2J\x07", 24, "app?[2J?"),
        ("line\nbreak\ttab", 24, "line?break?tab"),
        ("é-équipe", 24, "é-équipe"),
        ("x" * 30, 10, "xxxxxxx..."),
    ],
)
def test_names_are_made_safe_for_a_terminal(text: str, width: int, expected: str) -> None:
    assert terminal.clean(text, width) == expected


@pytest.mark.parametrize(
    ("env", "fix", "mode", "problem"),
    [
        ({}, False, Mode.DRY_RUN, ""),
        (
            {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT},
            False,
            Mode.DRY_RUN,
            "",
        ),
        ({}, True, Mode.AUTO_FIX, ""),
        ({"REMEDIATION_MODE": "dry-run"}, True, Mode.AUTO_FIX, ""),
        ({"AUTO_FIX_ACCOUNT_IDS": ACCOUNT}, True, Mode.AUTO_FIX, ""),
        ({"AUTO_FIX_ACCOUNT_IDS": "111122223333"}, True, Mode.DRY_RUN, "AUTO_FIX_ACCOUNT_IDS"),
        ({"SERVICES": "ecr.api:tunnel"}, True, Mode.DRY_RUN, "SERVICES"),
    ],
)
def test_the_flags_decide_the_mode_and_an_allow_list_in_the_environment_still_binds(
    env: dict[str, str], fix: bool, mode: Mode, problem: str
) -> None:
    settings = scan_command.settings_for(env, ACCOUNT, fix=fix)
    assert settings.mode is mode
    if problem:
        assert any(problem in p or "service" in p for p in settings.problems), settings.problems
    else:
        assert settings.problems == ()


def test_progress_shows_only_on_a_terminal_and_only_for_many_vpcs() -> None:
    quiet = io.StringIO()
    terminal.Progress(quiet, regions=3).update(1, REGION, 10, 200)
    assert quiet.getvalue() == ""

    tty = Tty()
    few = terminal.Progress(tty, regions=1)
    few.update(1, REGION, 10, chunks.CHUNK)
    assert tty.getvalue() == ""  # one region, one chunk: nothing to show

    many = terminal.Progress(tty, regions=1)
    many.update(1, REGION, 50, 120)
    assert tty.getvalue() == "\recr-endpoint-guard: us-east-1: 50/120 VPCs"
    many.clear()
    assert tty.getvalue().endswith("\r")

    stream = Tty()
    terminal.Progress(stream, regions=17).update(2, "eu-west-1", 3, 3)
    assert "region 2/17 eu-west-1: 3/3 VPCs" in stream.getvalue()
