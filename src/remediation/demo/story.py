"""The demo, step by step: every step prints what a user would see and checks what it should do.

1. start an AWS emulator on loopback and build the demo account;
2. send the ``CreateVpc`` event of ``events/`` (for the ``app`` VPC) to the Lambda
   handler in dry-run, and print the notification that arrives;
3. the same event in auto-fix;
4. ``ecr-endpoint-guard scan`` over the whole region: every VPC compliant, or
   skipped for the opted-out one.

The run exits 0 only when every check passed. The function's own output
(Powertools JSON logs and EMF metrics) goes to a log file, named at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3

from remediation import cli
from remediation.demo.account import DemoAccount, build_demo_account
from remediation.demo.emulator import patched_environ, running_emulator
from remediation.model import MANAGED_TAG

REGION = "us-east-1"
FUNCTION = "ecr-endpoint-guard"
#: The VPC, account and region that the events/ fixtures name.
FIXTURE_VPC = "vpc-0a1b2c3d4e5f67890"
FIXTURE_ACCOUNT = "123456789012"
EVENTS_DIR = Path(__file__).resolve().parents[3] / "events"
DEFAULT_LOG = Path(tempfile.gettempdir()) / "ecr-endpoint-guard-demo.log"
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
    from handlers import remediate  # noqa: PLC0415 - after the environment is set

    handler = remediate.logger.registered_handler
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


@dataclass
class Demo:
    """Everything the steps share."""

    url: str
    account: DemoAccount
    inbox: Inbox
    handler: Callable[..., Any]
    event: dict[str, Any]
    context: LambdaContext
    log: TextIO
    checks: Checks
    ec2: Any = field(default_factory=lambda: boto3.client("ec2"))

    @property
    def app(self) -> str:
        return self.account.vpc("app").vpc_id

    def dry_run(self) -> None:
        heading("2. CreateVpc event -> the Lambda handler, dry-run (the default)")
        print(f"  event: events/create_vpc.json, its VPC id rewritten to {self.app} (app)")
        before = endpoints_by_service(self.ec2, self.app)
        with patched_environ({"REMEDIATION_MODE": "dry-run"}):
            result, error = invoke(self.handler, self.event, self.context, self.log)
        self.checks.expect(not error, f"the dry-run invocation succeeded {error}".strip())
        if result is None:
            return
        show_result(result)
        vpcs = result.get("vpcs", [])
        self.checks.expect(
            result.get("mode") == "dry-run"
            and [v["vpc_id"] for v in vpcs] == [self.app]
            and vpcs[0]["status"] == "non-compliant",
            "dry-run reports the app VPC non-compliant",
        )
        self.checks.expect(
            endpoints_by_service(self.ec2, self.app).keys() == before.keys()
            and not hostnames_on(self.ec2, self.app),
            "dry-run changed nothing",
        )
        messages = self.inbox.receive()
        print()
        print(f"  Notification received (SNS topic -> SQS queue): {len(messages)} message(s)")
        show_messages(messages)
        self.checks.expect(
            len(messages) == 1 and self.app in str(messages[0].get("Subject", "")),
            "one notification about the app VPC",
        )

    def auto_fix(self) -> None:
        heading("3. The same event, auto-fix")
        account_id = self.context.account_id
        print(
            f"  REMEDIATION_MODE=auto-fix, AUTO_FIX_ACCOUNT_IDS={account_id} "
            "(the second key: auto-fix only in listed accounts)"
        )
        environ = {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": account_id}
        with patched_environ(environ):
            result, error = invoke(self.handler, self.event, self.context, self.log)
        self.checks.expect(not error, f"the auto-fix invocation succeeded {error}".strip())
        if result is None:
            return
        show_result(result)
        statuses = [v["status"] for v in result.get("vpcs", [])]
        self.checks.expect(statuses == ["fixed"], "auto-fix reports the app VPC fixed")
        found = endpoints_by_service(self.ec2, self.app)
        api_groups = {g["GroupId"] for e in found.get("ecr.api", []) for g in e.get("Groups", [])}
        self.checks.expect(
            hostnames_on(self.ec2, self.app)
            and {k: len(v) for k, v in found.items()} == {"ecr.api": 1, "ecr.dkr": 1, "s3": 1}
            and self.account.open_group_id not in api_groups,
            "the app VPC has DNS hostnames, one endpoint per service, and no open group",
        )
        created = [e for items in found.values() for e in items if _managed(e)]
        self.checks.expect(len(created) == 2, "the created endpoints are tagged as the tool's")
        messages = self.inbox.receive()
        print()
        print(f"  Notification received: {len(messages)} message(s)")
        show_messages(messages)
        self.checks.expect(len(messages) == 1, "one notification about the changes")

    def scan(self) -> None:
        heading("4. ecr-endpoint-guard scan: every VPC of the region")
        argv = ["scan", "--region", REGION, "--endpoint-url", self.url]
        print(f"  $ {cli.PROG} {' '.join(argv)}")
        print()
        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet):
            json_code = cli.main([*argv, "--format", "json"])
        statuses = {
            vpc["vpc_id"]: vpc["status"]
            for region in json.loads(quiet.getvalue() or "{}").get("regions", [])
            for vpc in region.get("vpcs", [])
        }
        code = cli.main(argv)
        print(f"\n  exit code {code} (0: every VPC compliant, fixed or skipped)")
        expected = {vpc.vpc_id: vpc.after_fix for vpc in self.account.vpcs.values()}
        self.checks.expect(code == 0 and json_code == 0, "scan exits 0")
        self.checks.expect(
            statuses == expected,
            "scan: app, payments and spoke compliant, legacy and default skipped",
        )
        legacy = self.account.vpc("legacy").vpc_id
        self.checks.expect(
            not endpoints_by_service(self.ec2, legacy) and not hostnames_on(self.ec2, legacy),
            "the opted-out legacy VPC was left exactly as it was",
        )


def _managed(endpoint: dict[str, Any]) -> bool:
    return any(t["Key"] == MANAGED_TAG and t["Value"] == "true" for t in endpoint.get("Tags", []))


def describe_account(account: DemoAccount) -> None:
    what = {
        "app": "public and private subnets in 3 AZs (NAT gateway), DNS hostnames off, "
        "an ecr.api endpoint whose group allows 443 from 0.0.0.0/0",
        "default": "the emulator's default VPC (every region has one): tagged mode=off",
        "payments": "already compliant",
        "legacy": "no endpoints, tagged ecr-endpoint-guard/mode=off",
        "spoke": "ECR through a hub's endpoints (private hosted zones api.ecr and dkr.ecr), "
        "its own S3 gateway",
    }
    for role, vpc in account.vpcs.items():
        print(f"  {role:<9} {vpc.vpc_id}  {what[role]}")


# --------------------------------------------------------------------------- entry point


def run_demo(log_path: Path) -> int:
    checks = Checks()
    with log_path.open("w", encoding="utf-8") as log:
        try:
            _story(checks, log)
        except Exception as exc:  # report, keep the traceback in the log, exit non-zero
            traceback.print_exc(file=log)
            checks.failed.append(f"the demo stopped: {type(exc).__name__}: {exc}")
            print(f"\nThe demo stopped: {type(exc).__name__}: {exc} (traceback in {log_path})")
    heading("Done")
    print(f"  The function's JSON logs and metrics are in {log_path}")
    if checks.failed:
        print(f"  {len(checks.failed)} check(s) FAILED:")
        for failure in checks.failed:
            print(f"    - {failure}")
        return 1
    print(f"  All {len(checks.passed)} checks passed; the emulator is stopped.")
    return 0


def _story(checks: Checks, log: TextIO) -> None:
    heading("1. An AWS emulator on this machine, and a small account")
    with running_emulator(REGION) as url:
        print(f"  moto server on {url}: no AWS account is used, nothing leaves this machine")
        account = build_demo_account(boto3.client("ec2"), boto3.client("route53"), REGION)
        account_id = str(boto3.client("sts").get_caller_identity()["Account"])
        describe_account(account)
        inbox = Inbox.create()
        print(f"  SNS topic {inbox.topic_arn}, with an SQS queue subscribed (your inbox)")
        event = load_event(
            "create_vpc",
            {FIXTURE_VPC: account.vpc("app").vpc_id, FIXTURE_ACCOUNT: account_id},
        )
        context = LambdaContext(account_id=account_id)
        environ = {
            "NOTIFICATION_TOPIC_ARN": inbox.topic_arn,
            "POWERTOOLS_SERVICE_NAME": FUNCTION,
            "POWERTOOLS_METRICS_NAMESPACE": "EcrEndpointGuard",
            "DELETION_WAIT_SECONDS": "0",
        }
        with patched_environ(environ), function_output_to(log) as handler:
            demo = Demo(url, account, inbox, handler, event, context, log, checks)
            demo.dry_run()
            demo.auto_fix()
            demo.scan()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m remediation.demo",
        description="The whole job against an AWS emulator on this machine: no AWS account.",
    )
    parser.add_argument(
        "--log-file",
        type=Path,
        default=DEFAULT_LOG,
        help=f"where the function's JSON logs and metrics go (default {DEFAULT_LOG})",
    )
    args = parser.parse_args(argv)
    return run_demo(args.log_file)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
