"""The generated code makes the VPC compliant: deployed, then judged by the engine (issue 15).

Terraform cannot run here (no provider registry), but CloudFormation can, on moto: the
template ``scan --format cloudformation`` writes for a VPC, deployed as a stack, must leave
nothing for the engine to plan. The Terraform is written from the same
:class:`~remediation.iac.spec.VpcCode` (``tests/unit/iac/test_cloudformation.py`` checks the two
declare the same resources). The DNS attributes are the user's part (a comment: the tool
cannot know their VPC resource), so the test does them as the comment says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest

from remediation.aws.inventory import Inventory
from remediation.config import Settings, load_settings
from remediation.engine.vpc import assess
from remediation.iac import cloudformation
from remediation.iac.spec import describe
from remediation.model import VpcSnapshot
from tests.support.aws import ACCOUNT, Aws
from tests.support.topology import build_vpc

DAY = dt.date(2026, 11, 30).isoformat()


def snapshot(aws: Aws, vpc_id: str, settings: Settings) -> VpcSnapshot:
    inventory = Inventory(aws.ec2, region=aws.region, account_id=ACCOUNT, route53=aws.route53)
    (found,) = inventory.snapshots([vpc_id], settings)
    return found


def open_findings(aws: Aws, vpc_id: str, settings: Settings) -> list[str]:
    findings, actions = assess(snapshot(aws, vpc_id, settings), settings, DAY)
    return [f.code for f in findings if f.severity.value != "info"] + [a.kind for a in actions]


def deploy(aws: Aws, name: str, template: str) -> Any:
    cfn = boto3.client("cloudformation", region_name=aws.region)
    cfn.create_stack(StackName=name, TemplateBody=template)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"ENDPOINT_POLICY": "account", "S3_GATEWAY_POLICY": "ecr-layers-only"},
        {"MAX_AZS_PER_ENDPOINT": "2"},
    ],
    ids=["defaults", "policies", "two-zones"],
)
def test_the_cloudformation_deployed_leaves_nothing_to_plan(aws: Aws, env: dict[str, str]) -> None:
    settings = load_settings({"REMEDIATION_MODE": "dry-run", **env}, account_id=ACCOUNT)
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})
    before = snapshot(aws, vpc.vpc_id, settings)
    _, plan = assess(before, settings, DAY)
    code = describe(before, plan)
    assert code.dns_attributes == ("enableDnsHostnames",)
    assert open_findings(aws, vpc.vpc_id, settings)

    stack = deploy(aws, "app-vpc-endpoints", cloudformation.render(code).template)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # The user's part, as the code's comment says: the attribute in their own VPC resource.
    aws.ec2.modify_vpc_attribute(VpcId=vpc.vpc_id, EnableDnsHostnames={"Value": True})
    assert open_findings(aws, vpc.vpc_id, settings) == []
    # Nothing in the stack is the tool's: the tool would never edit or release it.
    after = snapshot(aws, vpc.vpc_id, settings)
    assert not [e for e in after.endpoints if e.owned]
    assert not [g for g in after.security_groups if g.owned]
