"""``scan``: evaluate the VPCs of the chosen regions; with ``--fix``, plan, confirm, repair.

The same engine as the Lambda function (:func:`remediation.engine.chunks.run_chunks`), read-only
unless ``--fix``: then a read-only pass shows the plan, a person confirms (``--yes``
answers for scripts), and only then does an auto-fix pass run, on the VPCs the confirmation
counted (:mod:`remediation.cli.fix_pass`). The per-VPC mode tag applies exactly as in the
function.

With ``--account``/``--organization`` the same happens in every account, through its member
role (:mod:`remediation.cli.accounts`), a few accounts at a time; one account is a
:class:`~remediation.cli.results.AccountScan`, and the plain scan is the one-account case.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import boto3

from remediation.aws.clients import RETRIES
from remediation.aws.session import new_session
from remediation.cli import accounts, terminal
from remediation.cli import session as aws
from remediation.cli.confirmation import fix
from remediation.cli.errors import CliError, UsageError
from remediation.cli.filters import VpcFilter
from remediation.cli.formats.registry import FORMATS, Output, OutputError, resolve
from remediation.cli.interrupt import Interrupts
from remediation.cli.listing import list_checks
from remediation.cli.options import (
    ALL_REGIONS,
    DEFAULT_PARALLEL,
    EXCLUDE_REGION,
    EXCLUDE_VPC,
    EXIT_CODE,
    FIX,
    FORMAT,
    LIST_CHECKS,
    OUTPUT,
    OUTPUT_DIR,
    OUTPUT_FILE,
    PARALLEL_REGIONS,
    QUIET,
    REGION,
    TAG,
    VERBOSE,
    VPC_ID,
    YES,
    Ordered,
    add_account_options,
    add_aws_options,
    epilog,
)
from remediation.cli.output import report
from remediation.cli.passes import Job, each_account, fixable, scan_account
from remediation.cli.render import render_table
from remediation.cli.results import (
    AccountScan,
)
from remediation.cli.terminal import PROG, AccountProgress
from remediation.config import Settings
from remediation.config.deployment import partition_problem
from remediation.config.settings import cli_settings
from remediation.modes import Mode, ModeReason
from remediation.org.sessions import MemberSessions

DESCRIPTION = (
    "Evaluate every VPC of the chosen regions against the baseline and report. "
    "Read-only unless --fix. Exit codes: 0 all compliant (or fixed, or skipped), "
    "1 something left non-compliant, 2 usage or AWS error (an account not scanned included)."
)


EXAMPLES = [
    "ecr-endpoint-guard scan                                 # the default region",
    "ecr-endpoint-guard scan --all-regions --quiet           # only what needs doing",
    "ecr-endpoint-guard scan --region eu-west-1 --vpc-id vpc-0123456789abcdef0 --fix",
    "ecr-endpoint-guard scan --format json --output-file scan.json --format table",
    "ecr-endpoint-guard scan --vpc-id vpc-0123456789abcdef0 --format terraform --output-dir infra",
    "ecr-endpoint-guard scan --account 111122223333 --role-name ecr-endpoint-guard-member",
    "ecr-endpoint-guard scan --endpoint-url http://127.0.0.1:5000   # a local emulator",
]


def add_parser(commands: Any) -> None:
    """Declare ``scan`` and its options on the subcommands of the main parser."""
    scan = commands.add_parser(
        "scan",
        help="evaluate existing VPCs (read-only unless --fix)",
        description=DESCRIPTION,
        epilog=epilog(EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = scan.add_mutually_exclusive_group()
    REGION.add(
        where,
        dest="regions",
        action="append",
        help="region to scan (repeatable); default: the profile's or AWS_DEFAULT_REGION",
    )
    ALL_REGIONS.add(where)
    PARALLEL_REGIONS.add(scan)
    VPC_ID.add(
        scan,
        dest="vpc_ids",
        action="append",
        help="only this VPC (repeatable; needs a single region)",
    )
    add_aws_options(scan)
    add_account_options(scan)
    which = scan.add_argument_group("which VPCs", "leave some out (a region's listing only)")
    EXCLUDE_REGION.add(which)
    EXCLUDE_VPC.add(which)
    TAG.add(which)
    LIST_CHECKS.add(scan)
    output = scan.add_argument_group(
        "output", "what is printed or written (--format and --output-file are repeatable)"
    )
    FORMAT.add(
        output,
        action=Ordered,
        choices=tuple(FORMATS),
        help="; ".join(f"{f.name}: {f.help}" for f in FORMATS.values())
        + " (repeatable: several formats in one run, each but one with its --output-file)",
    )
    OUTPUT_FILE.add(output)
    OUTPUT.add(output)
    OUTPUT_DIR.add(output)
    QUIET.add(output)
    EXIT_CODE.add(output)
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
    events = list(getattr(args, "events", None) or [])
    if args.output is not None:  # --output FILE: the html or csv report's file
        if [v for k, v in events if k == "format"] not in (["html"], ["csv"]):
            raise UsageError(usage, "--output goes with --format html or csv")
        events.append(("file", str(args.output)))
    try:
        args.outputs = resolve(events)
    except OutputError as exc:
        raise UsageError(usage, str(exc)) from exc
    code = [o for o in args.outputs if FORMATS[o.format].code]
    if args.output_dir is not None and len([o for o in code if o.file is None]) != 1:
        raise UsageError(
            usage, "--output-dir goes with --format terraform or cloudformation (one of them)"
        )
    if args.exit_code and not code:
        raise UsageError(usage, "--exit-code goes with --format terraform or cloudformation")
    if args.fix and code:
        raise UsageError(
            usage,
            f"--format {code[0].format} writes code and changes nothing: it does not go with "
            "--fix (to adopt what --fix created, run the scan again after it)",
        )
    if args.vpc_ids and (args.all_regions or len(set(args.regions or ())) > 1):
        raise UsageError(usage, "--vpc-id needs a single region (VPC ids are regional)")
    if args.role_arn:  # one account through one role: --account and --role-name in one
        if args.role_name:
            raise UsageError(usage, "--role-arn names the role already: no --role-name")
        args.accounts, args.role_name = [args.role_arn[0]], args.role_arn[1]
    across = bool(args.accounts or args.organization)
    if args.external_id and not across:
        raise UsageError(usage, "--external-id goes with --account, --organization or --role-arn")
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
    if args.list_checks:
        return list_checks(args)
    check_usage(args)
    session = new_session(profile_name=args.profile)
    regions = [] if args.all_regions else aws.regions(session, args.regions)
    probe_region = regions[0] if regions else (session.region_name or "us-east-1")
    extra = aws.timeouts(args.connect_timeout, args.read_timeout)
    caller, partition = aws.identity(session, probe_region, args.endpoint_url, extra)
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
    job.interrupts = Interrupts(job.sessions.stop, warn=terminal.warn)
    try:
        with job.interrupts.installed():
            return _scan(args, job, caller, partition)
    except KeyboardInterrupt:  # a third Ctrl-C: what was changed is still said
        for line in job.journal.lines():
            terminal.warn(line)
        raise


def _scan(args: argparse.Namespace, job: Job, caller: str, partition: str) -> int:
    """The passes and the report, under the run's Ctrl-C handler."""
    progress = AccountProgress(sys.stderr, accounts=0 if job.quiet else len(job.targets))
    scanned = each_account(job, job.targets, lambda target: scan_account(job, target), progress)
    plan = scanned if args.fix else None
    applied = plan_shown = False
    if args.fix and any(fixable(a) for a in scanned) and not job.sessions.stop.is_set():
        plan_shown = Output("table") in args.outputs
        if plan_shown:
            terminal.out(_table(job, scanned, caller, "plan"))
        # The question says "as planned above": true only when the table reached a terminal;
        # otherwise fix() lists the changes on stderr first.
        on_terminal = plan_shown and sys.stdout.isatty()
        scanned, applied = fix(job, scanned, caller, yes=args.yes, shown=on_terminal)
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
    extra = aws.timeouts(args.connect_timeout, args.read_timeout)
    across = bool(args.accounts or args.organization)
    members: MemberSessions | None = None
    names: Callable[[str], str] | None = None
    targets = [accounts.Target(caller)]
    if across:
        sts = session.client("sts", region_name=probe_region, endpoint_url=args.endpoint_url)
        members = MemberSessions(
            sts, args.role_name, partition=partition, external_id=args.external_id or ""
        )
        organizations = session.client(
            "organizations", region_name=probe_region, endpoint_url=args.endpoint_url
        )
        names = accounts.names_of(organizations)
        ids = args.accounts or accounts.organisation_accounts(organizations)
        targets = accounts.targets(
            ids, caller=caller, role_name=args.role_name, partition=partition
        )
    elif args.all_regions:
        regions = aws.enabled_regions(session, probe_region, args.endpoint_url, extra)
    event_id = f"cli-{uuid.uuid4().hex}"
    profile = args.profile

    def own() -> boto3.session.Session:
        # One account: the command's session. Across accounts, a session per use, in the
        # thread that uses it (sessions are not thread safe).
        return new_session(profile_name=profile) if across else session

    return Job(
        sessions=accounts.Sessions(own=own, members=members, event_id=event_id, caller=caller),
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
        keep_snapshots=any(FORMATS[o.format].code for o in args.outputs),
        config=aws.with_timeouts(RETRIES, extra),
        vpc_filter=VpcFilter(frozenset(args.exclude_vpcs or ()), tuple(args.tags or ())),
        exclude_regions=frozenset(args.exclude_regions or ()),
        parallel_regions=args.parallel_regions or 1,
        quiet=args.quiet,
        names=names,
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
