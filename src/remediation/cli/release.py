"""``release``: the only command that deletes, and only the tool's own resources.

It shows what it found in one VPC (by the tool's ``managed`` tag and the shape only the tool
makes, both re-checked before each deletion by :mod:`remediation.release`; what is only tagged
as the tool's is left in place and reported), asks (``--yes`` answers for scripts), deletes,
and says what was left. Exit codes: 0 released or nothing to release, 1 declined or
something left in place, 2 usage or AWS error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from remediation.aws.clients import RETRIES, make_clients
from remediation.aws.session import new_session
from remediation.cli import session as aws
from remediation.cli import terminal
from remediation.cli.errors import CliError
from remediation.cli.options import (
    FORMAT,
    REGION,
    VERBOSE,
    VPC_ID,
    YES,
    add_aws_options,
    epilog,
)
from remediation.cli.results import EXIT_NON_COMPLIANT, EXIT_OK
from remediation.cli.terminal import PROG
from remediation.release import ReleaseResult, execute, find, release_tags, tag_notice

#: Version of the ``release --format json`` document.
RELEASE_SCHEMA_VERSION = 1

DESCRIPTION = (
    "Delete exactly the resources this tool created in one VPC (found by its "
    "ecr-endpoint-guard/managed=true tag and the shape only it makes, re-checked before each "
    "deletion; a resource only tagged as its own is left in place and reported): its "
    "endpoints, then its security group. First it tags the VPC ecr-endpoint-guard/mode=off "
    "and ecr-endpoint-guard/released=<day>, so that the function does not re-create them. "
    "Shows all of it first and asks unless --yes. "
    "Exit codes: 0 released (or nothing to release), 1 something could not be "
    "released, 2 usage or AWS error."
)


def add_parser(commands: Any) -> None:
    """Declare ``release`` and its options on the subcommands of the main parser."""
    release = commands.add_parser(
        "release",
        help="delete what this tool created in one VPC (so that its IaC can delete the VPC)",
        description=DESCRIPTION,
        epilog=epilog(
            [
                "ecr-endpoint-guard release --region eu-west-1 --vpc-id vpc-0123456789abcdef0",
                "ecr-endpoint-guard release --vpc-id vpc-0123456789abcdef0 --yes --format json",
            ]
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    VPC_ID.add(release, required=True)
    REGION.add(release, help="the VPC's region; default: the profile's")
    add_aws_options(release)
    FORMAT.add(release, help="table for people (default), json for machines")
    YES.add(release, help="delete without asking")
    VERBOSE.add(release, help=argparse.SUPPRESS)
    release.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """The ``release`` command; returns the exit code."""
    terminal.require_confirmation_or_yes(
        args.yes, "refusing release without --yes: standard input is not a terminal to confirm on"
    )
    session = new_session(profile_name=args.profile)
    (region,) = aws.regions(session, [args.region] if args.region else None)
    config = aws.with_timeouts(RETRIES, aws.timeouts(args.connect_timeout, args.read_timeout))
    ec2 = make_clients(region, session=session, endpoint_url=args.endpoint_url, config=config).ec2
    found = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [args.vpc_id]}])["Vpcs"]
    if not found:
        raise CliError(f"{args.vpc_id} does not exist in {region}")
    plan = find(ec2, args.vpc_id)
    day = dt.datetime.now(dt.UTC).date().isoformat()
    if args.format == "table":
        lines = plan.describe() or ["nothing to release: no resource of this tool in the VPC"]
        if not plan.empty:  # the tags come first: say what they are and why
            lines.insert(0, tag_notice(args.vpc_id, day, done=False))
        terminal.out(f"{PROG} release {args.vpc_id} ({region}):")
        terminal.out("\n".join(f"  {line}" for line in lines))
        for blocked in plan.blocked:
            terminal.warn(f"left in place: {blocked}")
    outcome = ReleaseResult(args.vpc_id, blocked=plan.blocked)
    if not plan.empty:
        question = (
            f"The VPC is tagged first, as listed above.\n"
            f"Delete these {len(plan.describe())} resource(s)?"
        )
        if not (args.yes or terminal.confirm(question)):
            terminal.info("nothing was deleted (and nothing tagged)")
            return EXIT_NON_COMPLIANT
        outcome = execute(ec2, plan, day=day)
    if args.format == "json":
        document = {
            "schema_version": RELEASE_SCHEMA_VERSION,
            "command": "release",
            "region": region,
            "plan": {**plan.as_dict(), "tags": {} if plan.empty else release_tags(day)},
            "result": outcome.as_dict(),
        }
        terminal.out(json.dumps(document, indent=2))
    else:
        for note in outcome.notes:
            terminal.out(f"  {note}")
        for resource in outcome.deleted:
            terminal.out(f"  deleted {resource}")
        for failure in outcome.failed:
            terminal.error(f"not deleted: {failure}")
    return EXIT_OK if outcome.ok and not outcome.blocked else EXIT_NON_COMPLIANT
