"""``scan``: evaluate the VPCs of the chosen regions; with ``--fix``, plan, confirm, repair.

The same engine as the Lambda function (:func:`remediation.engine.run_chunks`), read-only
unless ``--fix``: then a read-only pass shows the plan, a person confirms (``--yes``
answers for scripts), and only then does an auto-fix pass run, on the VPCs the plan
showed. The per-VPC mode tag applies exactly as in the function.

With ``--account``/``--organization`` the same happens in every account, through its member
role (:mod:`remediation.cli.accounts`), a few accounts at a time; one account is a
:class:`~remediation.cli.results.AccountScan`, and the plain scan is the one-account case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import boto3

from remediation.cli import accounts, terminal
from remediation.cli import session as aws
from remediation.cli.errors import CliError, UsageError
from remediation.cli.options import (
    ALL_REGIONS,
    DEFAULT_PARALLEL,
    FIX,
    FORMAT,
    OUTPUT,
    OUTPUT_DIR,
    REGION,
    VERBOSE,
    VPC_ID,
    YES,
    add_account_options,
    add_aws_options,
)
from remediation.cli.passes import Job, fix, fixable, progress_text, scan_account
from remediation.cli.render import render_table, scan_document
from remediation.cli.results import AccountScan, RegionScan, errors_of, exit_code_for
from remediation.cli.terminal import PROG, AccountProgress
from remediation.config import Settings, cli_settings, partition_problem
from remediation.modes import Mode, ModeReason
from remediation.org.sessions import MemberSessions

#: The formats that write code (:mod:`remediation.cli.code`).
CODE_FORMATS = ("terraform", "cloudformation")
#: The report formats written from the JSON document (:mod:`remediation.cli.formats`).
REPORT_FORMATS = ("html", "csv")

DESCRIPTION = (
    "Evaluate every VPC of the chosen regions against the baseline and report. "
    "Read-only unless --fix. Exit codes: 0 all compliant (or fixed, or skipped), "
    "1 something left non-compliant, 2 usage or AWS error (an account not scanned included)."
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
    add_account_options(scan)
    FORMAT.add(
        scan,
        choices=("table", "json", "asff", *CODE_FORMATS, *REPORT_FORMATS),
        help="table for people (default), json for machines (a stable, documented schema), "
        "asff: the Security Hub findings the function would import (one per VPC and check), "
        "terraform or cloudformation: each VPC's repairs as code, and adoption of what the "
        "tool created (the same plan as --fix; nothing is changed), html: one self-contained "
        "page (posture, findings, traffic and money, a chart), csv: one row per VPC and finding",
    )
    OUTPUT_DIR.add(scan)
    OUTPUT.add(scan)
    FIX.add(scan)
    YES.add(scan, help="with --fix: apply without asking")
    VERBOSE.add(scan)
    scan.set_defaults(handler=run)


def settings_for(env: Mapping[str, str], account_id: str, *, fix: bool) -> Settings:
    """Settings from the environment, the mode from the command line.

    ``--fix`` is the user's explicit authorisation. ``AUTO_FIX_ACCOUNT_IDS``,
    the Lambda deployment's second key, is not needed here; when it is set in
    the environment it still restricts ``--fix`` to the accounts it lists.
    ``REMEDIATION_MODE`` is ignored: the flags decide.
    """
    return cli_settings(env, account_id, fix=fix)


def check_usage(args: argparse.Namespace) -> None:
    """Refuse what the parser cannot see, before any AWS call."""
    usage = f"{PROG} scan"
    if args.yes and not args.fix:
        raise UsageError(usage, "--yes only goes with --fix")
    if args.output_dir is not None and args.format not in CODE_FORMATS:
        raise UsageError(usage, "--output-dir goes with --format terraform or cloudformation")
    if args.output is not None and args.format not in REPORT_FORMATS:
        raise UsageError(usage, "--output goes with --format html or csv")
    if args.fix and args.format in CODE_FORMATS:
        raise UsageError(
            usage,
            f"--format {args.format} writes code and changes nothing: it does not go with --fix "
            "(to adopt what --fix created, run the scan again after it)",
        )
    if args.vpc_ids and (args.all_regions or len(set(args.regions or ())) > 1):
        raise UsageError(usage, "--vpc-id needs a single region (VPC ids are regional)")
    across = bool(args.accounts or args.organization)
    if across and not args.role_name:
        raise UsageError(usage, "--account and --organization need --role-name (the member role)")
    if not across and (args.role_name or args.max_parallel is not None):
        flag = "--role-name" if args.role_name else "--max-parallel"
        raise UsageError(usage, f"{flag} goes with --account or --organization")
    if args.vpc_ids and (args.organization or len(set(args.accounts or ())) > 1):
        raise UsageError(usage, "--vpc-id needs a single account (a VPC belongs to one account)")
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
    caller, partition = aws.identity(session, probe_region, args.endpoint_url)
    if partition_problem(partition):
        raise CliError(partition_problem(partition))
    job = prepare(
        args,
        session,
        caller=caller,
        partition=partition,
        probe_region=probe_region,
        regions=regions,
    )
    check_settings(args, job.settings)
    progress = AccountProgress(sys.stderr, accounts=len(job.targets))
    try:
        scanned = accounts.run_bounded(
            job.targets,
            lambda target: scan_account(job, target),
            max_parallel=job.max_parallel,
            on_done=lambda t, a: progress.finished(t.account_id, progress_text(a)),
            stop=job.sessions.stop,
        )
    finally:
        progress.clear()
    plan = scanned if args.fix else None
    applied = plan_shown = False
    if args.fix and any(fixable(a) for a in scanned):
        plan_shown = args.format == "table"
        if plan_shown:
            terminal.out(_table(job, scanned, caller, "plan"))
        scanned, applied = fix(job, scanned, caller, yes=args.yes)
    return report(
        args,
        job,
        scanned,
        plan,
        account=caller,
        applied=applied,
        plan_shown=plan_shown,
        partition=partition,
    )


def prepare(
    args: argparse.Namespace,
    session: boto3.session.Session,
    *,
    caller: str,
    partition: str,
    probe_region: str,
    regions: list[str],
) -> Job:
    """The job: its sessions (the member roles' across accounts) and each account's settings."""
    across = bool(args.accounts or args.organization)
    members: MemberSessions | None = None
    targets = [accounts.Target(caller)]
    if across:
        sts = session.client("sts", region_name=probe_region, endpoint_url=args.endpoint_url)
        members = MemberSessions(sts, args.role_name, partition=partition)
        ids = args.accounts or accounts.organisation_accounts(
            session.client(
                "organizations", region_name=probe_region, endpoint_url=args.endpoint_url
            )
        )
        targets = accounts.targets(
            ids, caller=caller, role_name=args.role_name, partition=partition
        )
    elif args.all_regions:
        regions = aws.enabled_regions(session, probe_region, args.endpoint_url)
    event_id = f"cli-{uuid.uuid4().hex}"
    profile = args.profile

    def own() -> boto3.session.Session:
        # One account: the command's session. Across accounts, a session per use, in the
        # thread that uses it (sessions are not thread safe).
        return boto3.session.Session(profile_name=profile) if across else session

    return Job(
        sessions=accounts.Sessions(own=own, members=members, event_id=event_id),
        endpoint_url=args.endpoint_url,
        event_id=event_id,
        probe_region=probe_region,
        regions=regions,
        requested=tuple(dict.fromkeys(args.vpc_ids or ())),
        targets=targets,
        settings={
            t.account_id: settings_for(os.environ, t.account_id, fix=args.fix) for t in targets
        },
        across=across,
        max_parallel=(args.max_parallel or DEFAULT_PARALLEL) if across else 1,
        keep_snapshots=args.format in CODE_FORMATS,
    )


def check_settings(args: argparse.Namespace, settings: Mapping[str, Settings]) -> None:
    """Warn about the configuration once; refuse ``--fix`` when it cannot apply anywhere.

    An unreadable setting refuses ``--fix`` as it would make the function fall back to
    dry-run. ``AUTO_FIX_ACCOUNT_IDS``, when set, binds per account: across accounts, one it
    does not list is only reported (its warning says so); with none left, ``--fix`` is refused.
    """
    problems = list(dict.fromkeys(p for s in settings.values() for p in s.problems))
    for problem in problems:
        terminal.warn(f"configuration: {problem}")
    if not args.fix:
        return
    report_only = [s for s in settings.values() if s.mode is not Mode.AUTO_FIX]
    if (
        len(report_only) == len(settings)
        or any(s.mode_reason is ModeReason.CONFIGURATION for s in report_only)
    ) and report_only:
        raise CliError("--fix refused: " + "; ".join(problems))


def _table(job: Job, scanned: Sequence[AccountScan], caller: str, phase: str) -> str:
    scans = [s for a in scanned for s in a.scans]
    return render_table(
        scans, account=caller, phase=phase, accounts=scanned if job.across else None
    )


def asff(scans: list[RegionScan], partition: str) -> list[dict[str, Any]]:
    """The ASFF findings of every VPC scanned (after ``--fix``: their state after it)."""
    from remediation.report.securityhub import summary_findings  # noqa: PLC0415 - this format only

    now = dt.datetime.now(dt.UTC)
    return [f for s in scans for f in summary_findings(s.summary, partition=partition, now=now)]


def _report_file(args: argparse.Namespace, document: dict[str, Any]) -> None:
    """``--format html|csv``: the report in ``--output`` (named on stderr), else on stdout."""
    from remediation.cli import formats  # noqa: PLC0415 - the report formats only

    text = formats.write(args.format, document, args.output)
    if args.output is None:
        terminal.out(text.rstrip("\n"))
    else:
        terminal.info(f"{args.format} report written to {args.output}")


def report(
    args: argparse.Namespace,
    job: Job,
    scanned: list[AccountScan],
    plan: list[AccountScan] | None,
    *,
    account: str,
    applied: bool,
    plan_shown: bool,
    partition: str = "aws",
) -> int:
    """Print the result (table, JSON or ASFF) and the errors; return the exit code."""
    scans = [s for a in scanned for s in a.scans]
    errors = errors_of(scans, scanned)
    code = exit_code_for([v.status for s in scans for v in s.summary.vpcs], errors=errors)
    if args.format in CODE_FORMATS:
        from remediation.cli import code as iac  # noqa: PLC0415 - the code formats only

        codes = iac.vpc_codes(scanned, job.settings, today=dt.datetime.now(dt.UTC).date())
        iac.emit(iac.files(codes, args.format), args.format, args.output_dir)
    elif args.format == "asff":
        terminal.out(json.dumps({"Findings": asff(scans, partition)}, indent=2))
    elif args.format in ("json", *REPORT_FORMATS):
        document = scan_document(
            scans,
            plan=None if plan is None else [s for a in plan for s in a.scans],
            account=account,
            fix=args.fix,
            applied=applied,
            exit_code=code,
            accounts=scanned,
        )
        if args.format == "json":
            terminal.out(json.dumps(document, indent=2))
        else:
            _report_file(args, document)
    elif applied:
        terminal.out(_table(job, scanned, account, "fixed"))
    elif not plan_shown and (job.across or not all(s.summary.error for s in scans)):
        terminal.out(_table(job, scanned, account, "scan"))
    for error in errors:
        terminal.error(error)
    return code
