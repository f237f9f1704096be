"""A region a member account has not enabled is skipped for that account, counted and reported,
never a failed work item (issue 20 item 9): EC2 answers ``AuthFailure`` there, which no retry
fixes. Modelled by ``tests/support/strict_ec2_lz.py``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bench import organisation as organisation_bench

from handlers import account_run
from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, LambdaContext, work_item_record
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.topology import build_vpc

MEMBER = "111122223333"
ROLE = "ecr-endpoint-guard-member"
DISABLED = "ap-east-1"


def test_an_organisation_sweep_with_a_region_a_member_has_not_enabled_fails_no_item(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    handler_env.setenv("REMEDIATION_MODE", "auto-fix")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", MEMBER)
    handler_env.setenv("MEMBER_ACCOUNT_IDS", MEMBER)
    handler_env.setenv("ORGANISATION_REGIONS", f"{REGION},{DISABLED}")
    url = str(aws.sqs.create_queue(QueueName="work-items")["QueueUrl"])
    handler_env.setenv("WORK_QUEUE_URL", url)
    aws.strict.disabled_regions.add((MEMBER, DISABLED))
    member = organisation_bench.member_ec2(MEMBER, ROLE)
    vpc = build_vpc(member, dns_hostnames=False)
    lambda_handler(load_event("scheduled_sweep"), lambda_context)
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work-items"
    batch: dict[str, Any] = {"Records": list(organisation_bench.drain(aws.sqs, url, arn))}
    assert len(batch["Records"]) == 4  # (central, member) x (us-east-1, ap-east-1)
    capsys.readouterr()

    response = lambda_handler(batch, lambda_context)

    assert response["batchItemFailures"] == []  # nothing returned to the queue
    assert violations(member, vpc.vpc_id, REGION) == []  # the enabled region was repaired
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line[:1] == "{"]
    (metrics,) = [m for m in printed if "_aws" in m]
    assert metrics["RegionsNotEnabled"] == [1.0]
    assert metrics.get("ActionsFailed") in ([0.0], 0.0, None)


def test_a_region_not_enabled_is_reported_with_why_and_what_to_do(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    handler_env.setenv("MEMBER_ROLE_NAME", ROLE)
    aws.strict.disabled_regions.add((MEMBER, DISABLED))
    trigger = {"account_id": MEMBER, "region": DISABLED, "version": 1, "sweep_id": "s-1"}
    record = work_item_record(trigger)
    summaries: list[Any] = []
    original = account_run.run  # the engine, as the handler calls it

    def keep(*args: Any, **kwargs: Any) -> Any:
        summaries.append(original(*args, **kwargs))
        return summaries[-1]

    handler_env.setattr(account_run, "run", keep)

    assert lambda_handler({"Records": [record]}, lambda_context)["batchItemFailures"] == []

    (summary,) = summaries
    assert not summary.failed and summary.vpcs == ()
    assert summary.counts["regions_not_enabled"] == 1
    (note,) = summary.notes
    assert note.startswith(f"region-not-enabled: {DISABLED} is not enabled for account {MEMBER}")
    assert "AuthFailure" in note
