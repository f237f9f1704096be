"""The organisation benchmark: a central sweep over M member accounts x N VPCs, on moto.

Run from the repository root with the project's virtual environment::

    python bench/organisation.py                  # M = 50 accounts, N = 10 VPCs each
    python bench/organisation.py --accounts 5 --vpcs 3

The central function (organisation mode: ``MEMBER_ROLE_NAME``, ``WORK_QUEUE_URL``) receives the
scheduled sweep, queues one work item per account (moto's SQS), then consumes the queue one
item per invocation, as the event source mapping would. Reported: the calls each account's work
item makes (budget: the single-account sweep's, plus one ``AssumeRole``), the ``AssumeRole``
calls of a second sweep in the same execution environment (credentials are reused: none), the
memory the process holds after each item (it must not grow with the number of accounts: no
per-account work is kept once reported), and the wall time of one work item.
``tests/functional/org/test_organisation_budget.py`` enforces the budgets on a small organisation.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/organisation.py` puts bench/ first, not the root
    sys.path.insert(0, str(ROOT))

from bench.counting import ApiCalls, recording  # noqa: E402
from bench.harness import emulator_environment, sweep_budget, sweep_event  # noqa: E402

REGION = "us-east-1"
CENTRAL = "123456789012"
ROLE = "ecr-endpoint-guard-member"


@dataclass
class OrganisationRun:
    """What one run measured (see the module docstring)."""

    accounts: int
    vpcs: int
    calls_per_item: list[int] = field(default_factory=list)
    assume_first: int = 0
    assume_second: int = 0
    memory_kib: list[float] = field(default_factory=list)
    item_seconds: list[float] = field(default_factory=list)

    @property
    def budget_per_item(self) -> int:
        # Dry-run, VPCs without endpoints: each needs its zone lookup; plus one AssumeRole and
        # one DescribeAccount (the account's name for its messages: issue 24), both kept.
        return sweep_budget(self.vpcs, zone_lookups=self.vpcs) + 2

    def as_dict(self) -> dict[str, Any]:
        grown = self.memory_kib[-1] - self.memory_kib[len(self.memory_kib) // 2]
        return {
            "accounts": self.accounts,
            "vpcs_per_account": self.vpcs,
            "calls_per_item_max": max(self.calls_per_item),
            "calls_per_item_median": statistics.median(self.calls_per_item),
            "budget_per_item": self.budget_per_item,
            "assume_role_first_sweep": self.assume_first,
            "assume_role_second_sweep": self.assume_second,
            "memory_kib_after_half": round(self.memory_kib[len(self.memory_kib) // 2]),
            "memory_kib_after_last": round(self.memory_kib[-1]),
            "memory_kib_growth_second_half": round(grown),
            "item_seconds_median": round(statistics.median(self.item_seconds), 3),
        }


def member_ec2(account: str, role: str = ROLE, region: str = REGION) -> Any:
    """An EC2 client acting in ``account`` (and ``region``) through its member role (moto maps
    the assumed role's credentials to that account)."""
    from tests.support.aws import client_in

    return client_in(account, "ec2", role, region)


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's event source mapping hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def drain(sqs: Any, url: str, queue_arn: str) -> Iterator[dict[str, Any]]:
    """Every message of the queue, received, deleted and given as Lambda's records."""
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return
        for m in messages:
            yield lambda_record(m, queue_arn)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _sweep(calls: ApiCalls, sqs: Any, url: str, run: OrganisationRun, *, first: bool) -> None:
    from tests.support.aws import LambdaContext

    from handlers.remediate import lambda_handler

    with contextlib.redirect_stdout(io.StringIO()):
        lambda_handler(sweep_event(), LambdaContext())
    assumed_before = calls.operations().count("AssumeRole")
    for record in list(drain(sqs, url, f"arn:aws:sqs:{REGION}:{CENTRAL}:work")):
        if json.loads(record["body"])["account_id"] == CENTRAL:
            continue  # the central account's own item: no member role, not an org figure
        start, began = len(calls.calls), time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            response = lambda_handler({"Records": [record]}, LambdaContext())
        assert response == {"batchItemFailures": []}, response
        if first:
            run.item_seconds.append(time.perf_counter() - began)
            run.calls_per_item.append(len(calls.calls) - start)
            if tracemalloc.is_tracing():  # measure(memory=True)
                gc.collect()
                run.memory_kib.append(tracemalloc.get_traced_memory()[0] / 1024)
    assumed = calls.operations().count("AssumeRole") - assumed_before
    if first:
        run.assume_first = assumed
    else:
        run.assume_second = assumed


def measure(accounts: int = 50, vpcs: int = 10, *, memory: bool = True) -> OrganisationRun:
    """Build the organisation on moto and sweep it twice in one execution environment.

    ``memory=False`` leaves the memory figures out (``memory_kib`` stays empty): tracing every
    allocation, and a full collection after each item, make a run several times slower, and the
    budget test judges calls, not memory."""
    from moto import mock_aws
    from tests.support.strict_ec2 import strict_ec2

    from bench.topologies import build_sweep_vpcs

    members = [f"2{n:011d}" for n in range(1, accounts + 1)]
    run = OrganisationRun(accounts=accounts, vpcs=vpcs)
    with mock_aws(), strict_ec2():
        import boto3

        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        for account in members:
            ec2 = member_ec2(account)
            present = len(ec2.describe_vpcs()["Vpcs"])  # moto's default VPC counts as one
            build_sweep_vpcs(ec2, vpcs - present, start=present)
        os.environ.update(
            REMEDIATION_MODE="dry-run",
            MEMBER_ROLE_NAME=ROLE,
            WORK_QUEUE_URL=url,
            MEMBER_ACCOUNT_IDS=",".join(members),
            SWEEP_JITTER_SECONDS="0",
        )
        for key in ("NOTIFICATION_TOPIC_ARN", "AUTO_FIX_ACCOUNT_IDS", "TOOL_ROLE_ARN"):
            os.environ.pop(key, None)
        if memory:
            tracemalloc.start()
        try:
            with recording() as calls:
                _sweep(calls, sqs, url, run, first=True)
                _sweep(calls, sqs, url, run, first=False)
        finally:
            if memory:
                tracemalloc.stop()
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--vpcs", type=int, default=10)
    args = parser.parse_args(argv)
    emulator_environment()
    began = time.perf_counter()
    figures = measure(args.accounts, args.vpcs).as_dict()
    figures["total_seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
