"""The demo, step by step: every step prints what a user would see and checks what it should do.

1. start an AWS emulator on loopback and build the demo account;
2. send the ``CreateVpc`` event of ``events/`` (for the ``app`` VPC) to the Lambda
   handler in dry-run, and print the notification that arrives;
3. the same event in auto-fix;
4. ``ecr-endpoint-guard scan`` over the whole region: every VPC compliant, or
   skipped for the opted-out one;
5. an organisation (:mod:`remediation.demo.organisation`): a member account's new VPC,
   fixed by the central function through the member role, then ``scan --organization``;
6. the hand-over to code: ``scan --format terraform`` for the ``app`` VPC adopts what the
   function created (``import`` blocks with their ids), and the VPC is tagged over.

The run exits 0 only when every check passed. The function's own output
(Powertools JSON logs and EMF metrics) goes to a log file, named at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3

from remediation import cli
from remediation.demo.account import DemoAccount, build_demo_account
from remediation.demo.common import (
    FIXTURE_ACCOUNT,
    FIXTURE_VPC,
    FUNCTION,
    REGION,
    Checks,
    Inbox,
    LambdaContext,
    endpoints_by_service,
    function_output_to,
    heading,
    hostnames_on,
    invoke,
    load_event,
    managed,
    show_messages,
    show_result,
)
from remediation.demo.emulator import patched_environ, running_emulator
from remediation.demo.organisation import OrganisationStep
from remediation.modes import MODE_TAG

DEFAULT_LOG = Path(tempfile.gettempdir()) / "ecr-endpoint-guard-demo.log"


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
        created = [e for items in found.values() for e in items if managed(e)]
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

    def hand_over(self) -> None:
        heading("6. Hand the app VPC over to your code: scan --format terraform")
        argv = ["scan", "--region", REGION, "--endpoint-url", self.url]
        argv += ["--vpc-id", self.app, "--format", "terraform"]
        print(f"  $ {cli.PROG} {' '.join(argv)}")
        print()
        code_out = io.StringIO()
        with contextlib.redirect_stdout(code_out):
            code = cli.main(argv)
        text = code_out.getvalue()
        for line in text.splitlines():
            print(f"  | {line}" if line else "  |")
        flt = [{"Name": "vpc-id", "Values": [self.app]}]
        endpoints = self.ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]
        groups = self.ec2.describe_security_groups(Filters=flt)["SecurityGroups"]
        created = {e["VpcEndpointId"] for e in endpoints if managed(e)}
        created |= {g["GroupId"] for g in groups if managed(g)}
        imported = set(re.findall(r'^import \{\n  to = .+\n  id = "([^"]+)"$', text, re.M))
        self.checks.expect(code == 0, "the code of a compliant VPC: exit code 0")
        self.checks.expect(
            bool(created) and imported == created,
            "an import block for each resource the function created, by its id",
        )
        self.ec2.create_tags(Resources=[self.app], Tags=[{"Key": MODE_TAG, "Value": "dry-run"}])
        print(f"\n  the last step, once the code is applied: tagged {self.app} {MODE_TAG}=dry-run")
        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet):
            cli.main(["scan", "--region", REGION, "--endpoint-url", self.url, "--format", "json"])
        modes = {
            vpc["vpc_id"]: vpc["mode"]
            for region in json.loads(quiet.getvalue() or "{}").get("regions", [])
            for vpc in region.get("vpcs", [])
        }
        print(f"  the next scan: {self.app} is {modes.get(self.app)} (report only)")
        self.checks.expect(modes.get(self.app) == "dry-run", "the handed-over VPC is report-only")

    def report(self, path: Path) -> None:
        heading("7. The report to look at: scan --format html")
        argv = ["scan", "--region", REGION, "--endpoint-url", self.url]
        argv += ["--format", "html", "--output", str(path)]
        print(f"  $ {cli.PROG} {' '.join(argv)}")
        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            cli.main(argv)
        page = path.read_text(encoding="utf-8") if path.is_file() else ""
        print(f"\n  the report: {path} (open it in a browser; it prints on paper too)")
        self.checks.expect(
            page.startswith("<!DOCTYPE html>") and self.app in page and "<svg" in page,
            "the HTML report names every VPC and charts endpoint cost against NAT processing",
        )


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
            _story(checks, log, log_path.with_name("ecr-endpoint-guard-report.html"))
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
    for line in try_it_yourself(Path(sys.executable).parent):
        print(line)
    return 0


def try_it_yourself(bin_dir: Path, port: int = 5000) -> list[str]:
    """The demo's last lines: where the CLI is, and how to run it against a fresh emulator.

    ``bin_dir`` is the environment's ``bin`` (the demo's interpreter's): the console scripts
    ``ecr-endpoint-guard`` and ``moto_server`` are there, on PATH only once it is activated.

    >>> try_it_yourself(Path(".venv-demo/bin"))[3]
    '    .venv-demo/bin/moto_server -H 127.0.0.1 -p 5000'
    """
    cli_path = bin_dir / cli.PROG
    return [
        "",
        f"  Try the CLI yourself: it is {cli_path} (on PATH after `source {bin_dir}/activate`).",
        "  Against a fresh emulator (empty but for the region's default VPC), in two terminals:",
        f"    {bin_dir / 'moto_server'} -H 127.0.0.1 -p {port}",
        "    AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1 \\",
        f"      {cli_path} scan --endpoint-url http://127.0.0.1:{port}",
        "  (`sam` is .venv-tools/bin/sam, after `make tools` or `make build`: docs/demo.md.)",
    ]


def _story(checks: Checks, log: TextIO, report_path: Path) -> None:
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
            OrganisationStep(url, handler, context, inbox, log, checks).run()
            demo.hand_over()
            demo.report(report_path)


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
