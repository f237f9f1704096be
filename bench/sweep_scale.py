"""A 1,000-VPC account swept end to end on moto: the sweep, then the work queue it fills.

Run from the repository root with the project's virtual environment::

    python bench/sweep_scale.py                 # 1,000 VPCs
    python bench/sweep_scale.py --vpcs 200

The deployment is a single account in dry-run with its work queue (``WORK_QUEUE_URL``). moto
answers in milliseconds, so time is modelled: a simulated clock advances by ``--ec2-seconds``
(default 0.1) for every EC2 call, by 0.2 s for every Route 53 call (the tool paces Route 53 to
five requests a second) and by 0.05 s for any other call; each invocation's Lambda context
counts down from the template's 300 s timeout on that clock. The scheduled sweep evaluates
what it can before its deadline and hands the rest to the queue; the queue's messages are then
consumed one invocation each, as the event source mapping would, until it is empty (an item
that runs out of time hands its own rest over). Reported: invocations, API calls (in all, per
invocation, by operation), VPCs evaluated (each exactly once), and the longest invocation's
share of the timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.counting import recording  # noqa: E402
from bench.harness import emulator_environment, sweep_event  # noqa: E402
from bench.organisation import drain  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"
TIMEOUT = 300.0


@dataclass
class Clock:
    """The simulated seconds of the current invocation."""

    elapsed: float = 0.0


@dataclass
class Context:
    clock: Clock
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecr-endpoint-guard"
    function_name: str = "ecr-endpoint-guard"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    memory_limit_in_mb: int = 256

    def get_remaining_time_in_millis(self) -> int:
        return int((TIMEOUT - self.clock.elapsed) * 1000)


def measure(vpcs: int, ec2_seconds: float) -> dict[str, Any]:
    from botocore.handlers import BUILTIN_HANDLERS
    from moto import mock_aws
    from tests.support.strict_ec2 import strict_ec2

    from bench.topologies import build_sweep_vpcs
    from handlers.remediate import lambda_handler
    from remediation.aws import hosted_zones

    clock = Clock()
    cost = {"ec2": ec2_seconds, "route53": 0.2}

    def tick(model: Any, **_: Any) -> None:
        clock.elapsed += cost.get(model.service_model.service_name, 0.05)

    hosted_zones.ROUTE53_INTERVAL = 0.0  # the clock pays the pacing, not the machine
    invocations: list[dict[str, Any]] = []
    evaluated: Counter[str] = Counter()
    with mock_aws(), strict_ec2():
        import boto3

        ec2 = boto3.client("ec2", region_name=REGION)
        build_sweep_vpcs(ec2, vpcs - 1, start=1)  # and moto's default VPC
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        os.environ.update(REMEDIATION_MODE="dry-run", WORK_QUEUE_URL=url, SWEEP_JITTER_SECONDS="0")
        for key in ("MEMBER_ROLE_NAME", "NOTIFICATION_TOPIC_ARN", "TOOL_ROLE_ARN"):
            os.environ.pop(key, None)
        entry = ("before-call", tick)
        BUILTIN_HANDLERS.append(entry)
        began = time.perf_counter()
        try:
            with recording() as calls:
                pending: list[Any] = [sweep_event()]
                while pending:
                    for event in pending:
                        clock.elapsed, start, real = 0.0, len(calls.calls), time.perf_counter()
                        with contextlib.redirect_stdout(io.StringIO()):
                            result = lambda_handler(event, Context(clock))
                        item_calls = calls.calls[start:]
                        reads = [op for svc, op in item_calls if op == "DescribeVpcAttribute"]
                        invocations.append(
                            {
                                "kind": "sweep" if "Records" not in event else "work item",
                                "calls": len(item_calls),
                                "simulated_seconds": round(clock.elapsed, 1),
                                "real_seconds": round(time.perf_counter() - real, 1),
                                "vpcs_read": len(reads) // 2,
                            }
                        )
                        if "Records" not in event:
                            for v in result["vpcs"]:
                                if v["status"] != "not-reached":
                                    evaluated[v["vpc_id"]] += 1
                        else:
                            assert result == {"batchItemFailures": []}, result
                    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work"
                    pending = [{"Records": [r]} for r in drain(sqs, url, arn)]
        finally:
            BUILTIN_HANDLERS.remove(entry)
        wall = time.perf_counter() - began
        all_calls = calls.by_operation()
    longest = max(i["simulated_seconds"] for i in invocations)
    return {
        "vpcs": vpcs,
        "ec2_seconds_per_call": ec2_seconds,
        "invocations": len(invocations),
        "work_items": len(invocations) - 1,
        "vpcs_evaluated_by_the_sweep": len(evaluated),
        "vpcs_read_in_all": sum(i["vpcs_read"] for i in invocations),
        "calls_total": sum(all_calls.values()),
        "calls_by_operation": all_calls,
        "calls_per_invocation_max": max(i["calls"] for i in invocations),
        "longest_invocation_simulated_seconds": longest,
        "longest_invocation_share_of_timeout": round(longest / TIMEOUT, 3),
        "sweep_invocation": invocations[0],
        "real_seconds_on_moto": round(wall, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vpcs", type=int, default=1000)
    parser.add_argument("--ec2-seconds", type=float, default=0.1)
    args = parser.parse_args(argv)
    emulator_environment()
    print(json.dumps(measure(args.vpcs, args.ec2_seconds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
