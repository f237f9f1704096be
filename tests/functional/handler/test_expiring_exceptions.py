"""Exceptions that expire (issue 13, item 5): ``ecr-endpoint-guard/until`` bounds the mode tag.

Pure (``vpc_mode`` on a given day, ``remediate_vpc``) and at the handler level on moto: an
expired ``mode=off`` exception no longer silences its VPC, a future one still does, and an
unreadable date keeps the VPC report-only, visibly.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from handlers.remediate import lambda_handler
from remediation.modes import (
    MODE_TAG,
    UNTIL_TAG,
)
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.cli import CONFIG_VARIABLES, delete_default_vpc, run_cli, scan_json
from tests.support.invariants import violations
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.sns import published, topic_with_queue
from tests.support.topology import build_vpc, endpoints

PAST, FUTURE = "2026-03-14", "2026-03-16"


# --------------------------------------------------------------------------- pure


# --------------------------------------------------------------------------- handler


def test_an_expired_off_exception_no_longer_silences_its_vpc(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={MODE_TAG: "off", UNTIL_TAG: "2020-01-31"})

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    (one,) = result["vpcs"]
    assert (one["mode"], one["status"]) == ("auto-fix", "fixed")
    assert one["exception"] == {"mode": "off", "until": "2020-01-31", "state": "expired"}
    assert violations(aws.ec2, vpc.vpc_id, REGION) == []
    (message,) = published(aws, queue)
    assert "exception expired on 2020-01-31" in message["Message"]
    assert f"remove or update the tags {MODE_TAG} and {UNTIL_TAG}" in message["Message"]


def test_a_future_off_exception_still_silences_its_vpc(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={MODE_TAG: "off", UNTIL_TAG: "2099-12-31"})
    api_calls.clear()

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    (one,) = result["vpcs"]
    assert (one["mode"], one["status"]) == ("off", "skipped")
    assert one["exception"]["state"] == "active"
    assert api_calls.writes("ec2") == []
    assert violations(aws.ec2, vpc.vpc_id, REGION)
    assert published(aws, queue) == []


def test_an_unreadable_date_keeps_the_vpc_report_only_and_visible(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    topic, queue = topic_with_queue(aws)
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={MODE_TAG: "off", UNTIL_TAG: "end of Q1"})
    api_calls.clear()

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    (one,) = result["vpcs"]
    assert (one["mode"], one["status"]) == ("dry-run", "non-compliant")
    assert one["exception"]["state"] == "date-invalid"
    assert api_calls.writes("ec2") == []
    (message,) = published(aws, queue)
    assert "is not a date (YYYY-MM-DD, UTC)" in message["Message"]
    machine = json.loads(message["Message"].split("--- JSON ---\n", 1)[1])
    assert machine["exception"]["until"] == "end of Q1"


# --------------------------------------------------------------------------- scan


@pytest.fixture
def account(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """The CLI's environment (tests/support/cli.py) and a moto account without its default VPC."""
    for key in CONFIG_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DELETION_WAIT_SECONDS", "0")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    delete_default_vpc(aws.ec2)
    return aws


def _cells(text: str, vpc_id: str) -> list[str]:
    """A VPC's row of the table: its cells are separated by two blanks or more."""
    line = next(line for line in text.splitlines() if line.startswith(vpc_id))
    return re.split(r" {2,}", line)


def test_scan_shows_exceptions_and_their_expiry(
    account: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = build_vpc(account.ec2, azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2020-01-31"})
    active = build_vpc(
        account.ec2, cidr="10.1.0.0/16", azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2099-12-31"}
    )
    unreadable = build_vpc(
        account.ec2, cidr="10.2.0.0/16", azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "Q1"}
    )
    plain = build_vpc(account.ec2, cidr="10.3.0.0/16", azs=1)

    _, table, _ = run_cli(capsys, "scan")

    assert _cells(table, expired.vpc_id)[2:4] == ["dry-run (expired 2020-01-31)", "non-compliant"]
    assert _cells(table, active.vpc_id)[2:4] == ["off until 2099-12-31", "skipped"]
    assert _cells(table, unreadable.vpc_id)[2:4] == ["dry-run (bad until)", "non-compliant"]
    assert f"  exception: {MODE_TAG}=off until 2020-01-31 (expired)" in table
    assert f"  exception: {MODE_TAG}=off until 2099-12-31 (active)" in table
    assert "exception expired on 2020-01-31 (UTC)" in table
    assert f"tag {UNTIL_TAG}='Q1' is not a date" in table

    _, document = scan_json(capsys)
    by_id = {v["vpc_id"]: v for v in document["regions"][0]["vpcs"]}
    assert by_id[expired.vpc_id]["exception"] == {
        "mode": "off",
        "until": "2020-01-31",
        "state": "expired",
    }
    assert by_id[active.vpc_id]["exception"]["state"] == "active"
    assert by_id[unreadable.vpc_id]["exception"]["state"] == "date-invalid"
    assert "exception" not in by_id[plain.vpc_id]


def test_fix_repairs_an_expired_exception_and_leaves_an_active_one(
    account: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = build_vpc(account.ec2, azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2020-01-31"})
    active = build_vpc(
        account.ec2, cidr="10.1.0.0/16", azs=1, tags={MODE_TAG: "off", UNTIL_TAG: "2099-12-31"}
    )

    _, out, _ = run_cli(capsys, "scan", "--fix", "--yes")

    plan, _, after = out.partition("after --fix")
    assert _cells(plan, expired.vpc_id)[2:4] == ["auto-fix (expired 2020-01-31)", "non-compliant"]
    assert _cells(after, expired.vpc_id)[2:4] == ["auto-fix (expired 2020-01-31)", "fixed"]
    assert _cells(after, active.vpc_id)[2:4] == ["off until 2099-12-31", "skipped"]
    assert violations(account.ec2, expired.vpc_id, REGION) == []
    assert endpoints(account.ec2, active.vpc_id) == []
