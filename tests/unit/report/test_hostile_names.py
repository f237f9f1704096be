"""Names are data, never markup: one list of hostile VPC names (tests/support/hostile.py)
through every output, and arbitrary Unicode names (hypothesis) through each sink.

The sinks: the notification's subject and text body (one line per header field), the chat
card (JSON; no mention, link or emphasis from a name), the CLI table, the Terraform (HCL that
parses, the name's tag value kept exactly, comments on one line), the CloudFormation (YAML
that parses, the tag kept exactly), the code printed on a terminal, the files of
``--output-dir`` (names the file system accepts), and the Security Hub findings (title,
description, recommendation and fields each one plain line).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import loads as load_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remediation import text
from remediation.cli import code as cli_code
from remediation.cli.render import render_table
from remediation.cli.results import AccountScan, RegionScan
from remediation.iac import cloudformation, terraform
from remediation.iac.names import unique_labels
from remediation.iac.spec import describe
from remediation.model import VpcSnapshot
from remediation.modes import MODE_TAG
from remediation.report.asff import CHECKS, build_findings
from remediation.report.chat import render_chatbot
from remediation.report.notify import JSON_MARK, TERRAFORM_MARK, IacHandover, render
from remediation.report.results import Summary, VpcResult
from remediation.surroundings import DnsRule
from tests.support.hcl import parse, resources
from tests.support.hostile import HOSTILE_NAMES, hidden, tag_values
from tests.support.iac_scenarios import DAY, fresh
from tests.support.securityhub import NOW

#: 40 examples each in the full suite; `make unit` loads the "fast" profile (tests/conftest.py), a
#: quarter of the examples, as for every other property test there.
PROPERTY = settings(
    max_examples=2 * settings().max_examples // 5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
HEADER_FIELDS = ("Account:", "Region:", "VPC:", "Name:", "Mode:", "Status:")


def named(name: str, mode_tag: str | None = None) -> VpcSnapshot:
    """The fresh scenario's VPC, named ``name`` (and with a mode tag, when given)."""
    snapshot = fresh().snapshot
    tags = {**snapshot.tags, "Name": name}
    if mode_tag is not None:
        tags[MODE_TAG] = mode_tag
    return dataclasses.replace(snapshot, tags=tags)


def forwarded(name: str) -> VpcSnapshot:
    """The VPC named ``name``, with a Resolver rule of the same name forwarding the services'
    names away: its finding quotes the rule's name (text from AWS in a finding's message)."""
    snapshot = named(name)
    rule = DnsRule("rslvr-rr-1", "amazonaws.com", "FORWARD", name=name, target_ips=("10.9.9.9",))
    return dataclasses.replace(snapshot, dns_rules=(*(snapshot.dns_rules or ()), rule))


def result_of(snapshot: VpcSnapshot) -> VpcResult:
    from remediation.engine.vpc import remediate_vpc  # the engine's own result for the VPC

    return remediate_vpc(snapshot, fresh().settings, executor=None, day=DAY)


def no_hidden(output: str, *, lines: bool = True) -> None:
    """No control or format character; line breaks only where the writer put them."""
    allowed = {"\n"} if lines else set()
    bad = sorted({hex(ord(c)) for c in output if hidden(c) and c not in allowed})
    assert not bad, f"raw {bad} in output"


def message_parts(body: str) -> tuple[str, str, str]:
    """The text, the Terraform and the JSON of a text message."""
    head, _, data = body.partition(f"\n\n{JSON_MARK}\n")
    words, _, code = head.partition(f"\n{TERRAFORM_MARK}\n")
    return words, code, data


def check_notification(snapshot: VpcSnapshot) -> None:
    result = result_of(snapshot)
    code = terraform.render(describe(snapshot, tuple(o.action for o in result.outcomes)))
    subject, body = render(result, "text", IacHandover("cmd", code))
    assert re.fullmatch(r"[ -~]{1,100}", subject), subject
    words, tf, data = message_parts(body)
    no_hidden(words)
    no_hidden(tf)
    lines = words.splitlines()
    for field in HEADER_FIELDS:  # each header field once, on its own line, in order
        assert sum(line.startswith(field) for line in lines) == 1, (field, words)
    assert [line.split(":")[0] + ":" for line in lines[2:8]] == list(HEADER_FIELDS)
    assert lines[7] == f"Status:  {result.status.value}"
    assert json.loads(data)["name"] == snapshot.name  # the data form keeps the name exactly
    if tf:
        parse(tf)
    _, chat_body = render(result, "chatbot", IacHandover("cmd", code))
    check_chat(json.loads(chat_body), snapshot.name)


def check_chat(card: dict[str, Any], name: str) -> None:
    content = card["content"]
    title = content["title"]
    no_hidden(title, lines=False)
    assert "<" not in title and ">" not in title  # no <!channel>, <@U…>, <url|text>
    assert not re.search(r"(?<!\\)[\[\]`*~]", title.split(" ", 2)[2]), title  # no markup
    no_hidden(content["description"])
    for step in content["nextSteps"]:
        no_hidden(step, lines=False)
    first = content["description"].splitlines()[0]
    assert "<!" not in first and "<@" not in first


def check_terraform(snapshot: VpcSnapshot) -> str:
    result = result_of(snapshot)
    code = describe(snapshot, tuple(o.action for o in result.outcomes))
    hcl = terraform.render(code)
    no_hidden(hcl)
    doc = parse(hcl)
    header = hcl.splitlines()[:4]
    assert all(line.startswith("# ") for line in header), header
    tags = [b["tags"]["Name"] for b in resources(doc, "aws_vpc_endpoint").values()]
    assert tags and all(snapshot.name[:200].rstrip() in t or len(t) == 256 for t in tags)
    return hcl


def check_cloudformation(snapshot: VpcSnapshot) -> list[tuple[str, str]]:
    result = result_of(snapshot)
    code = describe(snapshot, tuple(o.action for o in result.outcomes))
    files = cloudformation.render(code).files
    assert files
    for name, body in files:
        no_hidden(body)
        loaded = json.loads(body) if name.endswith(".json") else load_yaml(body)
        assert loaded
    return list(files)


def check_asff(snapshot: VpcSnapshot) -> None:
    """Security Hub: each finding's title names the VPC on one plain line; its description,
    recommendation and fields (what the console shows, and tickets and chat forward) too."""
    found = build_findings(result_of(snapshot), partition="aws", now=NOW)
    assert len(found) == len(CHECKS)
    name = text.plain(snapshot.name)[:50]
    for finding, check in zip(found, CHECKS, strict=True):
        title = finding["Title"]
        no_hidden(title, lines=False)
        assert len(title) <= 256 and title.startswith(f"{check.title}: {snapshot.vpc_id}")
        assert name in title, title
        no_hidden(finding["Description"], lines=False)
        no_hidden(finding["Remediation"]["Recommendation"]["Text"], lines=False)
        for value in finding["ProductFields"].values():
            no_hidden(value, lines=False)
    assert any("rslvr-rr-1" in f["Description"] for f in found)  # the rule's message is there


def check_table(snapshot: VpcSnapshot) -> None:
    result = result_of(snapshot)
    scan = RegionScan(snapshot.region, Summary(result.mode, vpcs=(result,)))
    table = render_table([scan], account=snapshot.account_id, phase="scan")
    no_hidden(table)
    lines = table.splitlines()
    block = lines[2 : lines.index("", 2)]  # the heading, a blank line, then the table
    assert len(block) == 2 and block[1].startswith(snapshot.vpc_id), block  # its header, 1 row


def check_files(snapshots: list[VpcSnapshot], tmp_path: Path) -> None:
    """``--output-dir``: every file written, with a name the file system accepts."""
    results = [result_of(s) for s in snapshots]
    scan = RegionScan(snapshots[0].region, Summary(results[0].mode, vpcs=tuple(results)))
    scan = dataclasses.replace(scan, snapshots=tuple(snapshots))
    settings_by_account = {snapshots[0].account_id: fresh().settings}
    codes = cli_code.vpc_codes(
        [AccountScan(snapshots[0].account_id, scans=(scan,))],
        settings_by_account,
        today=dt.date(2026, 11, 30),
    )
    for fmt in ("terraform", "cloudformation"):
        written = cli_code.files(codes, fmt)
        for item in written:
            assert len(item.name.encode()) <= 255 and "/" not in item.name
        cli_code.emit(written, fmt, tmp_path / fmt)
        assert {p.name for p in (tmp_path / fmt).iterdir()} == {w.name for w in written if w.code}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=list(HOSTILE_NAMES))
def test_a_hostile_name_reaches_every_output_as_data(name: str, tmp_path: Path) -> None:
    snapshot = named(name, mode_tag=name)
    check_notification(snapshot)
    check_notification(named(name))
    check_terraform(named(name))
    check_cloudformation(named(name))
    check_asff(forwarded(name))
    check_table(snapshot)
    check_files(
        [named(name), dataclasses.replace(named(name), vpc_id="vpc-0fedcba9876543210")], tmp_path
    )


def test_every_hostile_name_at_once_gets_distinct_file_names() -> None:
    snapshots = [
        dataclasses.replace(named(name), vpc_id=f"vpc-{i:017x}")
        for i, name in enumerate(HOSTILE_NAMES.values())
    ]
    labels = unique_labels(snapshots)
    assert len(set(labels.values())) == len(snapshots)
    assert all(len(label) <= text.STEM_LIMIT + 22 for label in labels.values())


@PROPERTY
@given(name=tag_values)
def test_any_name_makes_a_valid_notification(name: str) -> None:
    check_notification(named(name))


@PROPERTY
@given(name=tag_values)
def test_any_name_makes_terraform_that_parses(name: str) -> None:
    check_terraform(named(name))


@PROPERTY
@given(name=tag_values)
def test_any_name_makes_cloudformation_that_parses(name: str) -> None:
    check_cloudformation(named(name))


@PROPERTY
@given(name=tag_values)
def test_any_name_makes_plain_security_hub_findings(name: str) -> None:
    check_asff(forwarded(name))


@PROPERTY
@given(name=tag_values)
def test_any_name_makes_one_table_row(name: str) -> None:
    check_table(named(name, mode_tag=name))


@PROPERTY
@given(name=tag_values)
def test_any_name_makes_a_chat_card_without_markup(name: str) -> None:
    card = json.loads(render_chatbot(result_of(named(name))))
    check_chat(card, name)


@given(st.text())
def test_plain_is_one_safe_bounded_line(value: str) -> None:
    line = text.plain(value, 50)
    assert len(line) <= 50 and "\n" not in line
    assert not any(hidden(c) for c in line)
    assert text.plain(line, 50) == line  # idempotent


@given(st.text(), st.integers(min_value=10, max_value=120))
def test_file_stems_are_bounded_and_portable(value: str, limit: int) -> None:
    stem = text.file_stem(value, limit)
    assert len(stem) <= limit and re.fullmatch(r"[a-z0-9_]*", stem)
