"""One VPC evaluated with Security Hub findings on: the result the ASFF tests read."""

from __future__ import annotations

import datetime as dt

from remediation.aws.inventory import Inventory
from remediation.config import Settings
from remediation.engine.runs import run
from remediation.events.triggers import Trigger
from remediation.executor import Executor
from remediation.modes import Mode
from remediation.report.results import VpcResult
from tests.support.aws import ACCOUNT, REGION, Aws


def evaluate(aws: Aws, vpc_id: str, *, fix: bool = False) -> VpcResult:
    inventory = Inventory(aws.ec2, region=REGION, account_id=ACCOUNT, route53=aws.route53)
    settings = Settings(mode=Mode.AUTO_FIX if fix else Mode.DRY_RUN)
    executor = Executor(aws.ec2, inventory, wait_seconds=0) if fix else None
    trigger = Trigger("evt-1", "CreateVpc", ACCOUNT, REGION, vpc_ids=(vpc_id,))
    (result,) = run(trigger, settings, inventory, executor=executor).vpcs
    return result


NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
