"""The long fuzz of the Lambda handler: every event family, real events mutated, in dry-run.

Seeds: every fixture of ``events/`` (CloudTrail, the schedule, Security Hub V1, V2 and the custom
action), the shared reference events (:func:`tests.support.fuzz.reference_events`), and SQS
batches of the work queue (the organisation's sweep, the VPCs a sweep handed over). Each is
mutated 1 to 4 times (:func:`tests.support.event_strategies.mutated_events`) and pointed at a real,
non-compliant VPC in moto, so that what still parses reaches real resources. The deployment is
dry-run, in organisation mode (member role, work queue, a fixed member list), so that every path
runs. For every input:

* the handler returns a JSON-ready dict: no exception escapes it;
* nothing is written: no EC2, Route 53 or Security Hub write (dry-run);
* a refused event says why (a non-empty reason); a batch answers with its item failures.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from handlers import observability
from handlers.remediate import lambda_handler
from remediation.aws import hosted_zones
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.event_strategies import mutated_events
from tests.support.fixtures import event_names, load_event
from tests.support.fuzz import FUZZ, reference_events
from tests.support.scenarios import FIXTURE_VPC
from tests.support.topology import build_vpc

MEMBER = "444455556666"
WRITERS = ("ec2", "route53", "securityhub", "route53profiles")


def work_batch(*bodies: Any) -> dict[str, Any]:
    """An SQS batch as the event source mapping delivers it (Lambda developer guide, "Using
    Lambda with Amazon SQS": ``Records[]`` with ``messageId``, ``body``, ``eventSource``)."""
    return {
        "Records": [
            {
                "messageId": f"0000000{n}-aaaa-bbbb-cccc-000000000000",
                "receiptHandle": "AQEB",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:work",
                "awsRegion": REGION,
            }
            for n, body in enumerate(bodies)
        ]
    }


def seeds() -> list[Any]:
    items = [
        {"version": 1, "account_id": "123456789012", "region": REGION, "sweep_id": "s-1"},
        {"version": 1, "account_id": MEMBER, "region": REGION, "sweep_id": "s-1"},
        {
            "version": 1,
            "account_id": "123456789012",
            "region": REGION,
            "sweep_id": "s-1",
            "vpc_ids": [FIXTURE_VPC],
        },
    ]
    return [
        *(load_event(name) for name in event_names()),
        *reference_events(),
        *(work_batch(item) for item in items),
        work_batch(*items),
    ]


SEEDS = seeds()
WORK = work_batch({"version": 1, "account_id": "123456789012", "region": REGION})["Records"]


@st.composite
def inputs(draw: st.DrawFn) -> Any:
    """A mutated seed; for a work batch, sometimes a mutated body inside an intact record."""
    seed = draw(st.sampled_from(SEEDS))
    if "Records" in seed and draw(st.booleans()):
        body = json.loads(seed["Records"][0]["body"])
        mutated = draw(mutated_events(seeds=[body]))
        return work_batch(draw(st.sampled_from([mutated, json.dumps(mutated)[:200]])))
    return draw(mutated_events(seeds=[seed]))


def pointed_at(event: Any, vpc_id: str) -> Any:
    return json.loads(json.dumps(event).replace(FIXTURE_VPC, vpc_id))


@pytest.fixture
def world(
    aws: Aws, handler_env: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A non-compliant VPC (dry-run would plan repairs), organisation mode with a queue.

    Route 53's pacing (a real wait of 0.2 s between lookups) and the INFO log records are not
    what is fuzzed, and would be most of each example's time: both are turned off here."""
    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.0)
    monkeypatch.setattr(logging.getLogger("remediation"), "level", logging.ERROR)
    level = observability.logger.log_level
    observability.logger.setLevel(logging.ERROR)
    queue = aws.sqs.create_queue(QueueName="work")["QueueUrl"]
    for key, value in {
        "MEMBER_ROLE_NAME": "ecr-endpoint-guard-member",
        "MEMBER_ACCOUNT_IDS": MEMBER,
        "WORK_QUEUE_URL": queue,
        "SWEEP_JITTER_SECONDS": "0",
        "TOOL_ROLE_ARN": "arn:aws:iam::123456789012:role/ecr-endpoint-guard-FunctionRole-EXAMPLE",
    }.items():
        handler_env.setenv(key, value)
    yield build_vpc(aws.ec2, dns_hostnames=False).vpc_id
    observability.logger.setLevel(level)


def check(event: Any, calls: CallLog, context: LambdaContext) -> str:
    calls.clear()
    before = json.dumps(event)
    result = lambda_handler(event, context)  # no exception may escape
    assert isinstance(result, dict)
    json.dumps(result)  # JSON-ready
    for service in WRITERS:
        assert calls.writes(service) == [], (service, calls.writes(service))
    assert json.dumps(event) == before  # the input is not changed
    if "batchItemFailures" in result:
        assert isinstance(result["batchItemFailures"], list)
        return "batch"
    if result["refused"]:
        reason = result["event"]["reason"]
        assert isinstance(reason, str) and reason.strip(), result
        return "refused"
    assert not result["failed"], result
    return "evaluated"


def test_the_handler_survives_every_event_family_mutated(
    world: str,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: Counter[str] = Counter()

    def progress() -> None:
        """The examples run so far, on the terminal: hypothesis' statistics do not see a test
        nested in a test, and pytest captures file descriptor 2 itself (sys.__stderr__ too)."""
        with capsys.disabled():
            print(f"\nfuzz: the handler, {sum(seen.values())} examples: {dict(seen)}")

    @FUZZ
    @given(event=inputs())
    # Found by the fuzz (docs/safety.md): an SQS-looking record without its messageId failed
    # the whole batch with an exception out of the handler.
    @example(event={"Records": [{k: v for k, v in WORK[0].items() if k != "messageId"}]})
    @example(event={"Records": [{**WORK[0], "body": {"version": 1}}]})
    # An intact work item: the batch family is run whatever the generation draws (hypothesis
    # may draw few of the four batch seeds among 56; one run drew none, and the count below
    # failed).
    @example(event={"Records": WORK})
    def through_the_handler(event: Any) -> None:
        seen[check(pointed_at(event, world), api_calls, lambda_context)] += 1
        if sum(seen.values()) % 1000 == 0:  # the long run's progress
            progress()

    through_the_handler()
    progress()  # the count docs/safety.md records
    assert seen["refused"] and seen["evaluated"] and seen["batch"], seen
