"""What a message tells a newcomer to run: ``release`` with its region and the account whose
credentials it needs, and Terraform whose group the plan's text names."""

from __future__ import annotations

import json

from remediation.engine.vpc import remediate_vpc
from remediation.iac import terraform_for
from remediation.report.chat import render_chatbot
from remediation.report.notify import IacHandover, render_text
from tests.support.iac_scenarios import ACCOUNT, DAY, fresh
from tests.support.snapshots import REGION, VPC


def test_the_release_hint_names_the_region_and_the_account() -> None:
    scenario = fresh()
    result = remediate_vpc(scenario.snapshot, scenario.settings, executor=None, day=DAY)
    command = f"ecr-endpoint-guard release --region {REGION} --vpc-id {VPC}"
    text = render_text(result)
    assert f"run '{command}' with credentials of account {ACCOUNT}" in text
    card = json.loads(render_chatbot(result))
    assert any(command in s and ACCOUNT in s for s in card["content"]["nextSteps"])


def test_the_terraform_names_the_group_the_plan_text_names() -> None:
    scenario = fresh()
    result = remediate_vpc(scenario.snapshot, scenario.settings, executor=None, day=DAY)
    plan_text = [o.action.describe() for o in result.outcomes]
    code = terraform_for(scenario.snapshot, [o.action for o in result.outcomes])
    group = next(t for t in plan_text if t.startswith("create security group "))
    name = group.split()[3]  # "create security group <name> in <vpc> ..."
    assert f'"create security group {name}"' in code  # the code says which group it is
    text = render_text(result, IacHandover("cmd", code))
    assert text.index(group) < text.index(f'"create security group {name}"')
