"""A dry-run message hands its VPC over to infrastructure as code: the Terraform of the plan it
lists when the whole message fits (SNS's 262,144 bytes; the chat card's description limit),
else the exact command that prints it. Auto-fix messages, and VPCs with nothing planned, carry
no code. Pure: the engine's :func:`~remediation.engine.runs.run` with snapshots in hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, cast

import pytest

import remediation.iac
import remediation.report.chat
import remediation.report.notify
from remediation.actions import Action, CreateGatewayEndpoint, CreateInterfaceEndpoint
from remediation.aws.inventory import Inventory
from remediation.config import Settings, load_settings
from remediation.engine.runs import run
from remediation.engine.vpc import iac_handover, remediate_vpc
from remediation.events.triggers import Trigger
from remediation.iac import terraform_for
from remediation.model import VpcSnapshot
from remediation.modes import MODE_TAG, Mode
from remediation.report.chat import FENCE, render_chatbot
from remediation.report.notify import (
    JSON_MARK,
    MESSAGE_LIMIT,
    TERRAFORM_MARK,
    IacHandover,
    fits,
    render,
    render_text,
    terraform_command,
)
from remediation.report.results import NotificationStatus, VpcResult, VpcStatus
from tests.support.hcl import parse
from tests.support.iac_scenarios import (
    dual_stack,
    fresh,
    half_done,
    tool_created,
    user_owned_repairs,
)
from tests.support.snapshots import REGION, VPC, compliant, three_az

ACCOUNT = "123456789012"
TODAY = dt.date(2026, 11, 30)
COMMAND = f"ecr-endpoint-guard scan --format terraform --region {REGION} --vpc-id {VPC}"
SCENARIOS = [fresh, half_done, tool_created, user_owned_repairs, dual_stack]


class Snapshots:
    """The inventory's one method :func:`run` calls when given VPC ids: snapshots in hand."""

    def __init__(self, *snapshots: VpcSnapshot) -> None:
        self.items = snapshots

    def snapshots(self, vpc_ids: Sequence[str] | None, settings: Settings) -> list[VpcSnapshot]:
        return [s for s in self.items if vpc_ids is None or s.vpc_id in vpc_ids]


class Inbox:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def publish(self, subject: str, body: str) -> None:
        self.bodies.append(body)


def settings(**env: str) -> Settings:
    return load_settings(env, account_id=ACCOUNT)


def publish(
    snapshot: VpcSnapshot, config: Settings | None = None, inbox: Inbox | None = None
) -> tuple[VpcResult, str]:
    """Run the engine on one snapshot; the VPC's result and the message it published."""
    inbox = Inbox() if inbox is None else inbox
    summary = run(
        Trigger("event-1", "CreateVpc", ACCOUNT, REGION, vpc_ids=(snapshot.vpc_id,)),
        config or settings(),
        cast(Inventory, Snapshots(snapshot)),
        notifier=inbox,
        vpc_ids=[snapshot.vpc_id],
        today=TODAY,
    )
    (result,) = summary.vpcs
    assert result.notification_status is NotificationStatus.SENT
    return result, inbox.bodies[-1]


def code_in(body: str) -> str:
    """The Terraform part of a text message (``""`` without one)."""
    text = body.split(f"\n\n{JSON_MARK}\n", 1)[0]
    return text.split(f"\n{TERRAFORM_MARK}\n", 1)[1] if TERRAFORM_MARK in text else ""


def unsent(result: VpcResult) -> VpcResult:
    """The result as it was rendered: before its message was sent."""
    return dataclasses.replace(
        result, notification="", notification_status=NotificationStatus.NOT_NEEDED
    )


def planned(result: VpcResult) -> list[Action]:
    return [o.action for o in result.outcomes]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_a_dry_run_message_carries_the_terraform_of_the_plan_it_lists(scenario: Any) -> None:
    case = scenario()
    result, body = publish(case.snapshot, case.settings)

    assert result.mode is Mode.DRY_RUN and result.outcomes
    code = code_in(body)
    assert code == terraform_for(case.snapshot, planned(result)).rstrip("\n")
    creates = [a for a in planned(result) if isinstance(a, CreateInterfaceEndpoint)] + [
        a for a in planned(result) if isinstance(a, CreateGatewayEndpoint)
    ]
    adopted = sum(1 for e in case.snapshot.endpoints if e.owned and e.usable)
    assert code.count('resource "aws_vpc_endpoint"') == len(creates) + adopted
    for action in creates:
        assert f'"{action.service_name}"' in code
    assert COMMAND in body  # the same code, printed again
    assert f"tag the VPC {MODE_TAG}=dry-run" in body and "terraform apply" in body
    assert fits(body)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_the_terraform_in_the_message_parses_as_hcl(scenario: Any) -> None:
    case = scenario()
    _, body = publish(case.snapshot, case.settings)
    code = code_in(body)
    parsed = parse(code + "\n")
    types = [kind for block in parsed["resource"] for kind in block]
    endpoints = [kind for kind in types if kind == "aws_vpc_endpoint"]
    assert len(endpoints) == code.count('resource "aws_vpc_endpoint"')
    assert len(types) == code.count('resource "') > 0  # every resource block, parsed


def test_the_json_part_is_the_same_with_or_without_the_code() -> None:
    case = fresh()
    result, body = publish(case.snapshot, case.settings)
    _, without = render(unsent(result))
    assert body.split(f"\n{JSON_MARK}\n")[1] == without.split(f"\n{JSON_MARK}\n")[1]
    assert json.loads(body.split(f"\n{JSON_MARK}\n")[1]) == unsent(result).as_dict()


def test_an_oversize_message_carries_the_command_instead_and_stays_under_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A VPC name outside ASCII: the limit is in UTF-8 bytes, not characters.
    snapshot = three_az(dns_hostnames=False, tags={"Name": "équipe-données-€"})
    result, full = publish(snapshot)
    handover = iac_handover(result, snapshot, settings())
    assert handover is not None and handover.terraform
    _, command_only = render(unsent(result), "text", handover._replace(terraform=""))
    small, large = len(command_only.encode()), len(full.encode())
    assert small < len(full) < large  # a limit between characters and bytes tells them apart
    monkeypatch.setattr(remediation.report.notify, "MESSAGE_LIMIT", len(full))

    _, body = publish(snapshot)

    assert len(body.encode()) <= len(full) < MESSAGE_LIMIT
    assert body == command_only
    assert code_in(body) == "" and 'resource "' not in body
    assert f"  {COMMAND}\n" in body
    assert "does not fit in this message" in body
    assert json.loads(body.split(f"\n{JSON_MARK}\n")[1]) == unsent(result).as_dict()


def test_the_limit_is_sns_s_in_bytes() -> None:
    assert fits("x" * MESSAGE_LIMIT)
    assert not fits("x" * (MESSAGE_LIMIT + 1))
    assert not fits("é" * (MESSAGE_LIMIT // 2 + 1))  # fewer characters, more bytes


def test_the_chat_card_carries_the_code_when_it_fits() -> None:
    case = fresh()
    result, body = publish(
        case.snapshot, dataclasses.replace(case.settings, notification_format="chatbot")
    )
    content = json.loads(body)["content"]
    code = terraform_for(case.snapshot, planned(result)).rstrip()
    assert f"{FENCE}\n{code}\n{FENCE}" in content["description"]
    assert len(content["description"]) <= remediation.report.chat.DESCRIPTION_LIMIT
    assert any("Terraform above" in s and f"{MODE_TAG}=dry-run" in s for s in content["nextSteps"])


def test_the_chat_card_carries_the_command_when_the_code_does_not_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snapshot = three_az(dns_hostnames=False)
    chat = settings(NOTIFICATION_FORMAT="chatbot")
    result = remediate_vpc(snapshot, chat, executor=None, day=TODAY.isoformat())
    bare = json.loads(render_chatbot(result))["content"]["description"]
    limit = len(bare) + 200  # room for the report, not for its code
    monkeypatch.setattr(remediation.report.chat, "DESCRIPTION_LIMIT", limit)

    _, body = publish(snapshot, chat)

    content = json.loads(body)["content"]
    assert content["description"] == bare and FENCE not in content["description"]
    assert len(content["description"]) <= limit
    assert any(f"`{COMMAND}`" in s and f"{MODE_TAG}=dry-run" in s for s in content["nextSteps"])


def test_code_that_would_break_the_chat_card_s_code_block_is_not_shown() -> None:
    snapshot = three_az(dns_hostnames=False, tags={"Name": "a ``` b"})
    _, body = publish(snapshot, settings(NOTIFICATION_FORMAT="chatbot"))
    content = json.loads(body)["content"]
    assert "resource " not in content["description"]
    assert any(f"`{COMMAND}`" in s for s in content["nextSteps"])


def test_an_auto_fix_message_carries_no_code() -> None:
    case = fresh()
    dry = remediate_vpc(case.snapshot, case.settings, executor=None, day=TODAY.isoformat())
    fixed = dataclasses.replace(dry, mode=Mode.AUTO_FIX, status=VpcStatus.FAILED)
    assert iac_handover(fixed, case.snapshot, case.settings) is None
    for style in ("text", "chatbot"):
        _, body = render(fixed, style)
        assert "resource " not in body and "--format terraform" not in body
    # nothing new: the hand-over paragraph of before
    assert "Add the resources above to your code instead" in render_text(fixed)


def test_a_vpc_with_nothing_planned_gets_no_code() -> None:
    snapshot = compliant()
    snapshot = dataclasses.replace(snapshot, endpoints=snapshot.endpoints[:2])  # no S3 gateway
    result, body = publish(snapshot, settings(GATEWAY_REPORT_ONLY="true"))
    assert result.status is VpcStatus.NON_COMPLIANT and not result.outcomes
    assert code_in(body) == "" and "--format terraform" not in body


def test_the_code_is_computed_only_for_a_message_that_will_be_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def counted(snapshot: VpcSnapshot, actions: Sequence[Action], *, label: str = "") -> str:
        calls.append(snapshot.vpc_id)
        return terraform_for(snapshot, actions, label=label)

    monkeypatch.setattr(remediation.iac, "terraform_for", counted)
    snapshot = three_az(dns_hostnames=False)
    summary = run(
        Trigger("event-1", "CreateVpc", ACCOUNT, REGION, vpc_ids=(VPC,)),
        settings(),
        cast(Inventory, Snapshots(snapshot)),
        vpc_ids=[VPC],
        today=TODAY,
    )
    assert summary.vpcs[0].notification_status is NotificationStatus.NO_TOPIC
    assert calls == []
    publish(snapshot)
    assert calls == [VPC]
    run(
        Trigger("event-2", "CreateVpc", ACCOUNT, REGION, vpc_ids=(VPC,)),
        settings(),
        cast(Inventory, Snapshots(compliant())),
        notifier=Inbox(),
        vpc_ids=[VPC],
        today=TODAY,
    )  # compliant: no message, no code
    assert calls == [VPC]


def test_a_defect_in_the_code_writer_costs_the_message_its_code_not_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(snapshot: VpcSnapshot, actions: Sequence[Action], *, label: str = "") -> str:
        raise KeyError("a bug")

    monkeypatch.setattr(remediation.iac, "terraform_for", broken)
    _, body = publish(three_az(dns_hostnames=False))
    assert code_in(body) == "" and f"  {COMMAND}\n" in body


def test_in_an_organisation_the_command_reaches_the_member_account_through_its_role() -> None:
    member = dataclasses.replace(three_az(dns_hostnames=False), account_id="444455556666")
    result, body = publish(member, settings(MEMBER_ROLE_NAME=" guard-member "))
    command = f"{COMMAND} --account 444455556666 --role-name guard-member"
    assert terraform_command(result, "guard-member") == command
    assert f"  {command}\n" in body
    assert "leave out --account and --role-name" in body
    assert IacHandover(command).terraform == ""
