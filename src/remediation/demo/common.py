"""What the demo's steps share: its checks, the Lambda context, events, the inbox, output.

The steps themselves are in :mod:`remediation.demo.story` (the account's story) and
:mod:`remediation.demo.organisation` (the organisation's).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3

from remediation.vocabulary import MANAGED_TAG

REGION = "us-east-1"
FUNCTION = "ecr-endpoint-guard"
#: The VPC, account and region that the events/ fixtures name.
FIXTURE_VPC = "vpc-0a1b2c3d4e5f67890"
FIXTURE_ACCOUNT = "123456789012"
EVENTS_DIR = Path(__file__).resolve().parents[3] / "events"
WIDTH = 78


@dataclass
class Checks:
    """What the demo verified; any failure makes it exit non-zero."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str) -> bool:
        (self.passed if condition else self.failed).append(what)
        if not condition:
            print(f"  CHECK FAILED: {what}")
        return condition


@dataclass(frozen=True)
class LambdaContext:
    """The parts of Lambda's context object that the handler reads."""

    account_id: str
    function_name: str = FUNCTION
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{self.account_id}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def heading(text: str) -> None:
    print()
    print(f"== {text} ".ljust(WIDTH, "="))


def load_event(name: str, replacements: dict[str, str]) -> dict[str, Any]:
    """An ``events/`` fixture with its fixture ids replaced by the demo's."""
    path = EVENTS_DIR / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the demo from a checkout of the project")
    text = path.read_text(encoding="utf-8")
    for old, new in replacements.items():
        text = text.replace(old, new)
    event: dict[str, Any] = json.loads(text)
    return event


# --------------------------------------------------------------------------- AWS helpers


@dataclass
class Inbox:
    """An SNS topic with an SQS queue subscribed: stands in for the user's e-mail."""

    sns: Any
    sqs: Any
    topic_arn: str
    queue_url: str

    @classmethod
    def create(cls) -> Inbox:
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name=FUNCTION)["TopicArn"]
        queue_url = sqs.create_queue(QueueName=f"{FUNCTION}-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        return cls(sns, sqs, topic, queue_url)

    def receive(self) -> list[dict[str, Any]]:
        """The messages delivered since the last call (SNS envelopes).

        Read messages stay hidden for an hour instead of being deleted: the demo
        deletes nothing, not even a message.
        """
        received: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                VisibilityTimeout=3600,
            ).get("Messages", [])
            if not batch:
                return received
            received += [json.loads(message["Body"]) for message in batch]


def endpoints_by_service(ec2: Any, vpc_id: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    items = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    for endpoint in items["VpcEndpoints"]:
        if str(endpoint["State"]).lower() in ("pending", "available"):
            short = str(endpoint["ServiceName"]).removeprefix(f"com.amazonaws.{REGION}.")
            found.setdefault(short, []).append(endpoint)
    return found


def hostnames_on(ec2: Any, vpc_id: str) -> bool:
    response = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    return bool(response["EnableDnsHostnames"]["Value"])


# --------------------------------------------------------------------------- the function


@contextlib.contextmanager
def function_output_to(log: TextIO) -> Iterator[Callable[..., Any]]:
    """Import the Lambda handler with its logs going to ``log``; yield ``lambda_handler``.

    Powertools' logger writes to the stream it was created with, and the
    metrics decorator prints to ``sys.stdout`` when the handler returns: both
    are pointed at ``log`` while the demo runs.
    """
    from handlers import observability, remediate  # noqa: PLC0415 - after the environment is set

    handler = observability.logger.registered_handler
    previous = handler.setStream(log) if isinstance(handler, logging.StreamHandler) else None
    try:
        yield remediate.lambda_handler
    finally:
        if isinstance(handler, logging.StreamHandler) and previous is not None:
            handler.setStream(previous)


def invoke(
    lambda_handler: Callable[..., Any], event: dict[str, Any], context: LambdaContext, log: TextIO
) -> tuple[dict[str, Any] | None, str]:
    """Call the handler as Lambda would; returns its result, or None and the error."""
    try:
        with contextlib.redirect_stdout(log):
            result: dict[str, Any] = lambda_handler(event, context)
    except Exception as exc:  # the handler raises when a repair failed; the demo reports it
        return None, f"{type(exc).__name__}: {exc}"
    return result, ""


def show_messages(messages: Sequence[dict[str, Any]]) -> None:
    for message in messages:
        body = str(message.get("Message", ""))
        text, _, machine = body.partition("\n\n--- JSON ---\n")
        print(f"  Subject: {message.get('Subject', '')}")
        for line in text.splitlines():
            print(f"  | {line}" if line else "  |")
        if machine:
            print(f"  | (then the same content as JSON for machines: {len(machine)} characters)")


def show_result(result: dict[str, Any]) -> None:
    for vpc in result.get("vpcs", []):
        counts: dict[str, int] = {}
        for action in vpc.get("actions", []):
            counts[action["status"]] = counts.get(action["status"], 0) + 1
        actions = ", ".join(f"{n} {s}" for s, n in counts.items()) or "no action"
        print(
            f"  handler returned: mode {result['mode']}, {vpc['vpc_id']} ({vpc['name']}): "
            f"{vpc['status']}, {actions}"
        )


# --------------------------------------------------------------------------- the steps


def managed(endpoint: dict[str, Any]) -> bool:
    return any(t["Key"] == MANAGED_TAG and t["Value"] == "true" for t in endpoint.get("Tags", []))
