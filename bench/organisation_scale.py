"""An organisation of 500 accounts x 3 regions swept on moto: work items, calls, memory.

Run from the repository root with the project's virtual environment::

    python bench/organisation_scale.py                      # 500 accounts x 3 regions
    python bench/organisation_scale.py --accounts 20 --consume 30

The central function (organisation mode, dry-run, ``MEMBER_ACCOUNT_IDS`` naming the members)
receives the scheduled sweep and queues one work item per (account, region); then the queue is
consumed one item per invocation, as the event source mapping would (``--consume`` items; all
by default). Every member account and region holds moto's default VPC only: the figures are
the organisation's overhead (fan-out, member sessions, per-item reads), not the VPCs' (see
``bench/organisation.py`` and ``bench/sweep_scale.py`` for those). Reported: work items queued,
the fan-out's calls, calls per work item, ``AssumeRole`` calls, and the memory traced
(``tracemalloc``) after the fan-out and as items are consumed.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.counting import recording  # noqa: E402
from bench.harness import emulator_environment, sweep_event  # noqa: E402
from bench.organisation import CENTRAL, REGION, ROLE, drain  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def measure(accounts: int, regions: int, consume: int | None) -> dict[str, Any]:
    from moto import mock_aws
    from tests.support.aws import LambdaContext
    from tests.support.strict_ec2 import strict_ec2

    from handlers.remediate import lambda_handler

    members = [f"2{n:011d}" for n in range(1, accounts + 1)]
    figures: dict[str, Any] = {"accounts": accounts, "regions": regions}
    with mock_aws(), strict_ec2():
        import boto3

        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        os.environ.update(
            REMEDIATION_MODE="dry-run",
            MEMBER_ROLE_NAME=ROLE,
            WORK_QUEUE_URL=url,
            MEMBER_ACCOUNT_IDS=",".join(members),
            ORGANISATION_REGIONS=",".join(REGIONS[:regions]),
            SWEEP_JITTER_SECONDS="0",
        )
        for key in ("NOTIFICATION_TOPIC_ARN", "AUTO_FIX_ACCOUNT_IDS", "TOOL_ROLE_ARN"):
            os.environ.pop(key, None)
        tracemalloc.start()
        try:
            with recording() as calls:
                began = time.perf_counter()
                with contextlib.redirect_stdout(io.StringIO()):
                    result = lambda_handler(sweep_event(), LambdaContext())
                figures["fan_out_seconds"] = round(time.perf_counter() - began, 1)
                figures["work_items_queued"] = result["counts"]["work_items_queued"]
                figures["fan_out_calls"] = dict(count_calls(calls.calls))
                gc.collect()
                figures["memory_kib_after_fan_out"] = round(
                    tracemalloc.get_traced_memory()[0] / 1024
                )
                per_item: list[int] = []
                memory: list[float] = []
                seconds: list[float] = []
                arn = f"arn:aws:sqs:{REGION}:{CENTRAL}:work"
                for record in drain(sqs, url, arn):
                    if consume is not None and len(per_item) >= consume:
                        break
                    start, began = len(calls.calls), time.perf_counter()
                    with contextlib.redirect_stdout(io.StringIO()):
                        answer = lambda_handler({"Records": [record]}, LambdaContext())
                    assert answer == {"batchItemFailures": []}, answer
                    seconds.append(time.perf_counter() - began)
                    per_item.append(len(calls.calls) - start)
                    if len(per_item) % 50 == 0:
                        gc.collect()
                        memory.append(tracemalloc.get_traced_memory()[0] / 1024)
                figures["work_items_consumed"] = len(per_item)
                figures["calls_per_item_median"] = statistics.median(per_item)
                figures["calls_per_item_max"] = max(per_item)
                figures["assume_role_calls"] = [op for _, op in calls.calls].count("AssumeRole")
                figures["calls_total"] = len(calls.calls)
                figures["item_seconds_median_on_moto"] = round(statistics.median(seconds), 3)
                figures["memory_kib_every_50_items"] = [round(m) for m in memory]
                figures["memory_kib_peak"] = round(tracemalloc.get_traced_memory()[1] / 1024)
        finally:
            tracemalloc.stop()
    return figures


def count_calls(calls: list[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for service, operation in calls:
        counts[f"{service}:{operation}"] = counts.get(f"{service}:{operation}", 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--regions", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--consume", type=int, default=None)
    args = parser.parse_args(argv)
    emulator_environment()
    began = time.perf_counter()
    figures = measure(args.accounts, args.regions, args.consume)
    figures["total_seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
