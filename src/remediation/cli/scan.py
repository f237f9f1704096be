"""``scan``: evaluate the VPCs of the chosen regions; with ``--fix``, plan, confirm, repair.

The same engine as the Lambda function (:func:`remediation.engine.run_chunks`), read-only
unless ``--fix``: then a read-only pass shows the plan, a person confirms (``--yes``
answers for scripts), and only then does an auto-fix pass run, on the VPCs the plan
showed. The per-VPC mode tag applies exactly as in the function.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from remediation import engine
from remediation.cli import session as aws
from remediation.cli import terminal
from remediation.cli.errors import CliError, UsageError, describe_error
from remediation.cli.options import (
    ALL_REGIONS,
    FIX,
    FORMAT,
    REGION,
    VERBOSE,
    VPC_ID,
    YES,
    add_aws_options,
)
from remediation.cli.render import render_table, scan_document
from remediation.cli.results import RegionScan, errors_of, exit_code_for, would_fix
from remediation.cli.terminal import PROG, Progress
from remediation.clients import make_clients
from remediation.config import Settings, load_settings
from remediation.events import Trigger
from remediation.inventory import Inventory, ReadOnlyClient
from remediation.model import Mode
from remediation.report import Summary, tally

if TYPE_CHECKING:  # the executor's module is loaded only when --fix builds one
    from remediation.executor import Executor

DESCRIPTION = (
    "Evaluate every VPC of the chosen regions against the baseline and report. "
    "Read-only unless --fix. Exit codes: 0 all compliant (or fixed, or skipped), "
    "1 something left non-compliant, 2 usage or AWS error."
)


def add_parser(commands: Any) -> None:
    """Declare ``scan`` and its options on the subcommands of the main parser."""
    scan = commands.add_parser(
        "scan", help="evaluate existing VPCs (read-only unless --fix)", description=DESCRIPTION
    )
    where = scan.add_mutually_exclusive_group()
    REGION.add(
        where,
        dest="regions",
        action="append",
        help="region to scan (repeatable); default: the profile's or AWS_DEFAULT_REGION",
    )
    ALL_REGIONS.add(where)
    VPC_ID.add(
        scan,
        dest="vpc_ids",
        action="append",
        help="only this VPC (repeatable; needs a single region)",
    )
    add_aws_options(scan)
    FORMAT.add(scan)
    FIX.add(scan)
    YES.add(scan, help="with --fix: apply without asking")
    VERBOSE.add(scan)
    scan.set_defaults(handler=run)


@dataclass
class Context:
    """What every region of one scan shares."""

    session: boto3.session.Session
    endpoint_url: str | None
    account_id: str
    event_id: str
    progress: Progress


def settings_for(env: Mapping[str, str], account_id: str, *, fix: bool) -> Settings:
    """Settings from the environment, the mode from the command line.

    ``--fix`` is the user's explicit authorisation. ``AUTO_FIX_ACCOUNT_IDS``,
    the Lambda deployment's second key, is not needed here; when it is set in
    the environment it still restricts ``--fix`` to the accounts it lists.
    ``REMEDIATION_MODE`` is ignored: the flags decide.
    """
    allowed = env.get("AUTO_FIX_ACCOUNT_IDS", "").strip() or account_id
    effective = dict(env)
    effective["REMEDIATION_MODE"] = Mode.AUTO_FIX.label if fix else Mode.DRY_RUN.label
    effective["AUTO_FIX_ACCOUNT_IDS"] = allowed
    return load_settings(effective, account_id=account_id)


def list_vpc_ids(ec2: Any) -> list[str]:
    """Every VPC id of the region, in the order EC2 lists them (one paginated read)."""
    reader = ReadOnlyClient(ec2)
    return [
        str(v["VpcId"])
        for page in reader.get_paginator("describe_vpcs").paginate()
        for v in page.get("Vpcs", [])
    ]


def check_usage(args: argparse.Namespace) -> None:
    """Refuse what the parser cannot see, before any AWS call."""
    if args.yes and not args.fix:
        raise UsageError(f"{PROG} scan", "--yes only goes with --fix")
    if args.vpc_ids and (args.all_regions or len(set(args.regions or ())) > 1):
        raise UsageError(f"{PROG} scan", "--vpc-id needs a single region (VPC ids are regional)")
    if args.fix:
        terminal.require_confirmation_or_yes(
            args.yes,
            "refusing --fix without --yes: standard input is not a terminal to confirm on "
            "(add --yes to apply without asking)",
        )


def run(args: argparse.Namespace) -> int:
    """The ``scan`` command; returns the exit code."""
    check_usage(args)
    session = boto3.session.Session(profile_name=args.profile)
    regions = [] if args.all_regions else aws.regions(session, args.regions)
    probe_region = regions[0] if regions else (session.region_name or "us-east-1")
    account = aws.account_id(session, probe_region, args.endpoint_url)
    if args.all_regions:
        regions = aws.enabled_regions(session, probe_region, args.endpoint_url)
    settings = settings_for(os.environ, account, fix=args.fix)
    for problem in settings.problems:
        terminal.warn(f"configuration: {problem}")
    if args.fix and settings.mode is not Mode.AUTO_FIX:
        raise CliError("--fix refused: " + "; ".join(settings.problems))

    ctx = Context(
        session=session,
        endpoint_url=args.endpoint_url,
        account_id=account,
        event_id=f"cli-{uuid.uuid4().hex}",
        progress=Progress(sys.stderr, regions=len(regions), chunk=engine.CHUNK),
    )
    requested = tuple(dict.fromkeys(args.vpc_ids or ()))
    try:
        scans = [
            scan_region(ctx, i, region, settings, requested)
            for i, region in enumerate(regions, start=1)
        ]
    finally:
        ctx.progress.clear()
    plan = scans if args.fix else None
    applied = plan_shown = False
    if args.fix and not errors_of(scans):
        plan_shown = args.format == "table"
        if plan_shown:
            terminal.out(render_table(scans, account=account, phase="plan"))
        scans, applied = fix(ctx, scans, settings, yes=args.yes)
    return report(args, scans, plan, account=account, applied=applied, plan_shown=plan_shown)


def scan_region(
    ctx: Context,
    index: int,
    region: str,
    settings: Settings,
    requested: Sequence[str],
    *,
    fix: bool = False,
    only: Sequence[str] | None = None,
) -> RegionScan:
    """One region: list its VPCs (unless given), then the engine over them in chunks."""
    clients = make_clients(region, session=ctx.session, endpoint_url=ctx.endpoint_url)
    inventory = Inventory(
        clients.ec2, region=region, account_id=ctx.account_id, route53=clients.route53
    )
    trigger = Trigger(
        event_id=ctx.event_id,
        event_name="Scan",
        account_id=ctx.account_id,
        region=region,
        vpc_ids=tuple(requested),
        sweep=not requested,
    )
    if only is not None:
        ids = list(only)
    elif requested:
        ids = list(requested)
    else:
        try:
            ids = list_vpc_ids(clients.ec2)
        except (ClientError, BotoCoreError) as exc:
            error = f"could not list the VPCs: {describe_error(exc, endpoint_url=ctx.endpoint_url)}"
            summary = Summary(
                mode=settings.mode,
                trigger=trigger,
                problems=settings.problems,
                error=error,
                counts=tally(()),
            )
            return RegionScan(region, summary, tuple(requested))
    executor: Executor | None = None
    if fix:
        from remediation.executor import Executor  # noqa: PLC0415 - --fix only

        executor = Executor(clients.ec2, inventory, wait_seconds=settings.deletion_wait_seconds)
    summary = engine.run_chunks(
        trigger,
        settings,
        inventory,
        ids,
        executor=executor,
        on_progress=lambda done, total: ctx.progress.update(index, region, done, total),
    )
    return RegionScan(region, summary, tuple(requested))


def fix(
    ctx: Context, plan: list[RegionScan], settings: Settings, *, yes: bool
) -> tuple[list[RegionScan], bool]:
    """After the plan: confirm (unless ``yes``), then the auto-fix pass; (scans, applied)."""
    changes = [v for s in plan for v in s.summary.vpcs if would_fix(v)]
    if not changes:
        terminal.info("--fix: nothing to change")
        return plan, False
    actions = sum(len(v.outcomes) for v in changes)
    regions = ", ".join(sorted({v.region for v in changes}))
    question = (
        f"--fix will make {actions} change(s) to {len(changes)} VPC(s) in {regions} "
        f"(account {ctx.account_id}), as planned above. Nothing is deleted.\nApply?"
    )
    if not (yes or terminal.confirm(question)):
        terminal.info("--fix: not confirmed; nothing was changed")
        return plan, False
    return apply(ctx, plan, settings), True


def apply(ctx: Context, scans: list[RegionScan], settings: Settings) -> list[RegionScan]:
    """The auto-fix pass, on the VPCs the plan showed (none that appeared since)."""
    result: list[RegionScan] = []
    try:
        for index, scan in enumerate(scans, start=1):
            if not any(would_fix(v) for v in scan.summary.vpcs):
                result.append(scan)
                continue
            ids = [v.vpc_id for v in scan.summary.vpcs]
            fixed = scan_region(
                ctx, index, scan.region, settings, scan.requested, fix=True, only=ids
            )
            result.append(dataclasses.replace(fixed, requested=scan.requested))
    finally:
        ctx.progress.clear()
    return result


def report(
    args: argparse.Namespace,
    scans: list[RegionScan],
    plan: list[RegionScan] | None,
    *,
    account: str,
    applied: bool,
    plan_shown: bool,
) -> int:
    """Print the result (table or JSON) and the errors; return the exit code."""
    errors = errors_of(scans)
    code = exit_code_for([v.status for s in scans for v in s.summary.vpcs], errors=errors)
    if args.format == "json":
        document = scan_document(
            scans, plan=plan, account=account, fix=args.fix, applied=applied, exit_code=code
        )
        terminal.out(json.dumps(document, indent=2))
    elif applied:
        terminal.out(render_table(scans, account=account, phase="fixed"))
    elif not plan_shown and not all(s.summary.error for s in scans):
        terminal.out(render_table(scans, account=account, phase="scan"))
    for error in errors:
        terminal.error(error)
    return code
