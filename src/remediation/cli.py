"""``ecr-endpoint-guard``: the terminal face of the engine.

``scan`` evaluates every VPC of the chosen regions with the same engine as the
Lambda handler (:func:`remediation.engine.run`) and prints what it found: a
table for people, or ``--format json`` for machines. It is read-only unless
``--fix`` is given; then it first runs the same read-only pass to show the
plan, asks for confirmation on a terminal (``--yes`` answers for scripts), and
only then runs the engine with an :class:`~remediation.executor.Executor`. The
per-VPC mode tag applies exactly as in the Lambda function: ``off`` skips a
VPC, ``dry-run`` keeps it report-only even under ``--fix``.

Exit codes
----------
0
    Every VPC is compliant, fixed or skipped.
1
    Something is left non-compliant: found by a read-only scan, left by a
    declined or partial ``--fix``, or a repair failed or was deferred.
2
    Usage or AWS error (no credentials, unknown region, access denied, an
    endpoint that does not answer, a VPC id that does not exist): one line on
    standard error, never a traceback.

Examples
--------
>>> build_parser().parse_args(["scan", "--region", "eu-west-1", "--format", "json"]).regions
['eu-west-1']
>>> exit_code_for([VpcStatus.COMPLIANT, VpcStatus.SKIPPED], errors=[])
0
>>> exit_code_for([VpcStatus.NON_COMPLIANT], errors=[])
1
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import traceback
import unicodedata
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from remediation import __version__, release
from remediation.actions import READ_PERMISSIONS
from remediation.clients import make_clients
from remediation.config import Settings, load_settings
from remediation.engine import run
from remediation.events import ID_PATTERNS, REGION, Trigger
from remediation.findings import Severity
from remediation.inventory import Inventory, ReadOnlyClient
from remediation.model import MODE_TAG, Mode
from remediation.outcomes import OutcomeStatus
from remediation.report import Summary, VpcResult, VpcStatus, tally

if TYPE_CHECKING:  # the executor's module is loaded only when --fix builds one
    from remediation.executor import Executor

PROG = "ecr-endpoint-guard"
#: Version of the ``scan --format json`` document (the summaries inside carry their own).
CLI_SCHEMA_VERSION = 1
#: VPCs evaluated per engine run: progress is reported between chunks.
CHUNK = 50

EXIT_OK = 0
EXIT_NON_COMPLIANT = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

#: Statuses that leave nothing to do.
SETTLED = frozenset({VpcStatus.COMPLIANT, VpcStatus.FIXED, VpcStatus.SKIPPED})
#: The first call of a run (STS) fails fast: a wrong endpoint URL should not wait for retries.
PROBE = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3, read_timeout=10)
DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
BAD_CREDENTIALS = frozenset(
    {
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)
MAX_ERROR = 400  # characters of one error line
#: What a read-only scan needs (sts:GetCallerIdentity needs no permission).
NEEDS = f"a scan needs {', '.join(READ_PERMISSIONS)}, and ec2:DescribeRegions for --all-regions"

log = logging.getLogger(__name__)


class CliError(Exception):
    """An error for people: printed as one line, the process exits 2."""


class UsageError(CliError):
    """The command line is wrong (raised by the parser instead of exiting)."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(f"{message} (see '{prog} --help')")


# --------------------------------------------------------------------------- parsing


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error becomes :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``scan`` and ``release``, one subparser each.

    >>> args = build_parser().parse_args(["scan", "--vpc-id", "vpc-0123456789abcdef0", "--fix"])
    >>> args.vpc_ids, args.fix, args.format
    (['vpc-0123456789abcdef0'], True, 'table')
    """
    parser = _Parser(
        prog=PROG,
        description="Keep every VPC's ECR image traffic on private VPC endpoints.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    scan = commands.add_parser(
        "scan",
        help="evaluate existing VPCs (read-only unless --fix)",
        description=(
            "Evaluate every VPC of the chosen regions against the baseline and report. "
            "Read-only unless --fix. Exit codes: 0 all compliant (or fixed, or skipped), "
            "1 something left non-compliant, 2 usage or AWS error."
        ),
    )
    where = scan.add_mutually_exclusive_group()
    where.add_argument(
        "--region",
        dest="regions",
        action="append",
        metavar="REGION",
        help="region to scan (repeatable); default: the profile's or AWS_DEFAULT_REGION",
    )
    where.add_argument(
        "--all-regions",
        action="store_true",
        help="scan every region enabled for the account (EC2 DescribeRegions)",
    )
    scan.add_argument(
        "--vpc-id",
        dest="vpc_ids",
        action="append",
        type=_vpc_id,
        metavar="VPC_ID",
        help="only this VPC (repeatable; needs a single region)",
    )
    scan.add_argument("--profile", help="AWS profile from the shared config files")
    scan.add_argument(
        "--endpoint-url",
        type=_endpoint_url,
        metavar="URL",
        help="send every AWS call to this URL (a local AWS emulator)",
    )
    scan.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default), json for machines (a stable, documented schema)",
    )
    scan.add_argument(
        "--fix",
        action="store_true",
        help="apply the plan after showing it; asks on a terminal unless --yes",
    )
    scan.add_argument("--yes", "-y", action="store_true", help="with --fix: apply without asking")
    scan.add_argument(
        "--verbose", "-v", action="store_true", help="log every finding and action to stderr"
    )
    scan.set_defaults(handler=_scan)
    _add_release_parser(commands)
    return parser


def _add_release_parser(commands: Any) -> None:
    release_cmd = commands.add_parser(
        "release",
        help="delete what this tool created in one VPC (so that its IaC can delete the VPC)",
        description=(
            "Delete exactly the resources this tool created in one VPC (found by its "
            "ecr-endpoint-guard/managed=true tag, re-checked before each deletion): its "
            "endpoints, then its security group. Shows them first and asks unless --yes. "
            "Exit codes: 0 released (or nothing to release), 1 something could not be "
            "released, 2 usage or AWS error."
        ),
    )
    release_cmd.add_argument("--vpc-id", required=True, type=_vpc_id, metavar="VPC_ID")
    release_cmd.add_argument("--region", help="the VPC's region; default: the profile's")
    release_cmd.add_argument("--profile", help="AWS profile from the shared config files")
    release_cmd.add_argument(
        "--endpoint-url",
        type=_endpoint_url,
        metavar="URL",
        help="send every AWS call to this URL (a local AWS emulator)",
    )
    release_cmd.add_argument("--format", choices=("table", "json"), default="table")
    release_cmd.add_argument("--yes", "-y", action="store_true", help="delete without asking")
    release_cmd.add_argument("--verbose", "-v", action="store_true", help=argparse.SUPPRESS)
    release_cmd.set_defaults(handler=_release)


def _vpc_id(text: str) -> str:
    value = text.strip()
    if not ID_PATTERNS["vpc_ids"].fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a VPC id (vpc- and 8 or 17 lowercase hex digits)"
        )
    return value


def _endpoint_url(text: str) -> str:
    """An ``http://`` or ``https://`` URL with a host (and a valid port, if any)."""
    value = text.strip()
    problem = f"{text!r} is not an http:// or https:// URL"
    try:
        parts = urllib.parse.urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{problem} ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise argparse.ArgumentTypeError(problem)
    if any(c.isspace() for c in value):
        raise argparse.ArgumentTypeError(f"{problem} (it contains blanks)")
    return value


# --------------------------------------------------------------------------- errors


def describe_error(exc: BaseException, *, endpoint_url: str | None = None) -> str:
    """One line for people about an AWS or credentials error.

    >>> describe_error(NoCredentialsError())[:30]
    'no AWS credentials found: pass'
    >>> err = ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}},
    ...                   "DescribeVpcs")
    >>> describe_error(err)[:44]
    'access denied: DescribeVpcs (UnauthorizedOpe'
    """
    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials found: pass --profile, set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run 'aws configure'"
        )
    if isinstance(exc, PartialCredentialsError | ProfileNotFound | NoRegionError):
        return _one_line(str(exc))
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        url = str(getattr(exc, "kwargs", {}).get("endpoint_url", "") or endpoint_url or "")
        if endpoint_url:
            return f"nothing answers at {url}: is the emulator running and the URL right?"
        return f"could not reach {url}: check the network, the region and any proxy settings"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Error"))
        message = str(error.get("Message", ""))
        operation = getattr(exc, "operation_name", "") or "the call"
        if code in DENIED:
            return _one_line(f"access denied: {operation} ({code}): {message}; {NEEDS}")
        if code in BAD_CREDENTIALS:
            return _one_line(f"AWS rejected the credentials ({code}): {message}")
        if code == "OptInRequired":
            return _one_line(f"region not enabled for this account ({code}): {message}")
        return _one_line(f"AWS error: {operation} ({code}): {message}")
    return _one_line(f"AWS error: {exc}")


def _one_line(text: str) -> str:
    single = " ".join(text.split())
    return single if len(single) <= MAX_ERROR else single[: MAX_ERROR - 3] + "..."


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class RegionScan:
    """One region's result: the engine's summary, and which VPCs were asked for."""

    region: str
    summary: Summary
    requested: tuple[str, ...] = ()  # --vpc-id values (empty: every VPC)

    @property
    def missing(self) -> tuple[str, ...]:
        """Requested VPCs that do not exist (absent, or reported as gone)."""
        found = {v.vpc_id for v in self.summary.vpcs if not gone(v)}
        return tuple(i for i in self.requested if i not in found)


def gone(result: VpcResult) -> bool:
    """True for a VPC skipped because it does not exist (not because of its mode tag).

    >>> r = VpcResult("vpc-1", "123456789012", "us-east-1", Mode.OFF, VpcStatus.SKIPPED)
    >>> gone(r), gone(dataclasses.replace(r, mode=Mode.DRY_RUN))
    (False, True)
    """
    return result.status is VpcStatus.SKIPPED and result.mode is not Mode.OFF


def would_fix(result: VpcResult) -> bool:
    """True when ``--fix`` will change this VPC of the read-only pass.

    The read-only pass runs with auto-fix settings and no executor, so the
    engine keeps every VPC dry-run and says why in ``mode_note``: a VPC that
    its own mode tag keeps dry-run (or off) names the tag there.

    >>> from remediation.actions import EnableVpcAttribute
    >>> from remediation.outcomes import Outcome
    >>> action = EnableVpcAttribute(vpc_id="vpc-1", reason="r", attribute="enableDnsHostnames")
    >>> r = VpcResult("vpc-1", "123456789012", "us-east-1", Mode.DRY_RUN,
    ...               VpcStatus.NON_COMPLIANT, mode_note="no executor: dry-run",
    ...               outcomes=(Outcome(action, OutcomeStatus.PLANNED),))
    >>> would_fix(r), would_fix(dataclasses.replace(r, mode_note=f"tag {MODE_TAG}=dry-run"))
    (True, False)
    """
    return (
        result.status is VpcStatus.NON_COMPLIANT
        and bool(result.outcomes)
        and MODE_TAG not in result.mode_note
    )


def _tag_note(result: VpcResult) -> str:
    """The VPC's mode note when its tag set it (other notes are the CLI's own plumbing)."""
    return result.mode_note if MODE_TAG in result.mode_note else ""


def merge(parts: Sequence[Summary]) -> Summary:
    """One summary from the summaries of several chunks of the same region.

    >>> merge([Summary(Mode.DRY_RUN, notes=("a",)), Summary(Mode.DRY_RUN, notes=("b",))]).notes
    ('a', 'b')
    """
    if len(parts) == 1:
        return parts[0]
    vpcs = tuple(v for p in parts for v in p.vpcs)
    return Summary(
        mode=parts[0].mode,
        trigger=parts[0].trigger,
        vpcs=vpcs,
        problems=parts[0].problems,
        notes=tuple(n for p in parts for n in p.notes),
        error=next((p.error for p in parts if p.error), ""),
        counts=tally(vpcs),
    )


def run_chunks(
    trigger: Trigger,
    settings: Settings,
    inventory: Inventory,
    vpc_ids: Sequence[str],
    *,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
    chunk: int | None = None,
) -> Summary:
    """:func:`remediation.engine.run` over ``vpc_ids``, ``chunk`` VPCs at a time.

    Chunks let a terminal show progress on accounts with many VPCs; the
    engine reads each chunk with filtered calls, as it does for an event.
    A chunk whose read fails ends the run (the error is in the summary).

    Examples
    --------
    >>> summary = run_chunks(trigger, settings, inventory, ["vpc-1", "vpc-2"], chunk=1,
    ...                      on_progress=print)  # doctest: +SKIP
    1 2
    2 2
    """
    size = chunk or CHUNK
    chunks = [list(vpc_ids[i : i + size]) for i in range(0, len(vpc_ids), size)] or [[]]
    parts: list[Summary] = []
    for number, ids in enumerate(chunks, start=1):
        parts.append(run(trigger, settings, inventory, executor=executor, vpc_ids=ids))
        on_progress(min(number * size, len(vpc_ids)), len(vpc_ids))
        if parts[-1].error:
            break
    return merge(parts)


def list_vpc_ids(ec2: Any) -> list[str]:
    """Every VPC id of the region, in the order EC2 lists them (one paginated read).

    >>> list_vpc_ids(boto3.client("ec2", region_name="eu-west-1"))  # doctest: +SKIP
    ['vpc-0123456789abcdef0']
    """
    reader = ReadOnlyClient(ec2)
    return [
        str(v["VpcId"])
        for page in reader.get_paginator("describe_vpcs").paginate()
        for v in page.get("Vpcs", [])
    ]


class Progress:
    """A one-line progress indicator on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO, *, regions: int) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.regions = regions
        self.width = 0

    def update(self, index: int, region: str, done: int, total: int) -> None:
        if not self.enabled or (self.regions == 1 and total <= CHUNK):
            return
        where = f"region {index}/{self.regions} {region}" if self.regions > 1 else region
        text = f"{PROG}: {where}: {done}/{total} VPCs"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


@dataclass
class Context:
    """What every region of one scan shares."""

    session: boto3.session.Session
    endpoint_url: str | None
    account_id: str
    event_id: str
    progress: Progress


def _scan_region(
    ctx: Context,
    index: int,
    region: str,
    settings: Settings,
    requested: Sequence[str],
    *,
    fix: bool = False,
    only: Sequence[str] | None = None,
) -> RegionScan:
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
    summary = run_chunks(
        trigger,
        settings,
        inventory,
        ids,
        executor=executor,
        on_progress=lambda done, total: ctx.progress.update(index, region, done, total),
    )
    return RegionScan(region, summary, tuple(requested))


def _settings(env: Mapping[str, str], account_id: str, *, fix: bool) -> Settings:
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


def _regions(args: argparse.Namespace, session: boto3.session.Session) -> list[str]:
    if args.regions:
        regions = list(dict.fromkeys(r.strip() for r in args.regions))
    elif args.all_regions:
        return []  # asked of EC2 once credentials are checked
    elif session.region_name:
        regions = [session.region_name]
    else:
        raise CliError("no region: pass --region, or set AWS_DEFAULT_REGION or a profile region")
    known = _known_regions(session)
    for region in regions:
        if not REGION.fullmatch(region) or (known and region not in known):
            raise CliError(
                f"unknown region {region!r}: not an EC2 region that botocore "
                f"{_botocore_version()} knows (e.g. us-east-1, eu-west-1)"
            )
    return regions


def _known_regions(session: boto3.session.Session) -> set[str]:
    """EC2 regions of every partition, from botocore's own data (no network)."""
    return {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ec2", partition_name=partition)
    }


def _botocore_version() -> str:
    import botocore  # noqa: PLC0415 - only for this message

    return str(botocore.__version__)


def _account_id(session: boto3.session.Session, region: str, endpoint_url: str | None) -> str:
    """The caller's account (STS GetCallerIdentity): also the credentials check, failing fast."""
    sts = session.client("sts", region_name=region, endpoint_url=endpoint_url, config=PROBE)
    return str(sts.get_caller_identity()["Account"])


def _all_regions(
    session: boto3.session.Session, region: str, endpoint_url: str | None
) -> list[str]:
    ec2 = make_clients(region, session=session, endpoint_url=endpoint_url).ec2
    regions = ec2.describe_regions()["Regions"]
    return sorted(str(r["RegionName"]) for r in regions)


def _check_usage(args: argparse.Namespace, stdin: TextIO) -> None:
    if args.yes and not args.fix:
        raise UsageError(f"{PROG} scan", "--yes only goes with --fix")
    if args.vpc_ids and (args.all_regions or len(set(args.regions or ())) > 1):
        raise UsageError(f"{PROG} scan", "--vpc-id needs a single region (VPC ids are regional)")
    if args.fix and not args.yes and not stdin.isatty():
        raise CliError(
            "refusing --fix without --yes: standard input is not a terminal to confirm on "
            "(add --yes to apply without asking)"
        )


def _scan(args: argparse.Namespace) -> int:
    _check_usage(args, sys.stdin)
    session = boto3.session.Session(profile_name=args.profile)
    regions = _regions(args, session)
    probe_region = regions[0] if regions else (session.region_name or "us-east-1")
    account = _account_id(session, probe_region, args.endpoint_url)
    if args.all_regions:
        regions = _all_regions(session, probe_region, args.endpoint_url)
    settings = _settings(os.environ, account, fix=args.fix)
    for problem in settings.problems:
        _warn(f"configuration: {problem}")
    if args.fix and settings.mode is not Mode.AUTO_FIX:
        raise CliError("--fix refused: " + "; ".join(settings.problems))

    ctx = Context(
        session=session,
        endpoint_url=args.endpoint_url,
        account_id=account,
        event_id=f"cli-{uuid.uuid4().hex}",
        progress=Progress(sys.stderr, regions=len(regions)),
    )
    requested = tuple(dict.fromkeys(args.vpc_ids or ()))
    try:
        scans = [
            _scan_region(ctx, i, region, settings, requested)
            for i, region in enumerate(regions, start=1)
        ]
    finally:
        ctx.progress.clear()
    plan = scans if args.fix else None
    applied = plan_shown = False
    if args.fix and not _errors(scans):
        plan_shown = args.format == "table"
        if plan_shown:
            _out(render_table(scans, account=account, phase="plan"))
        scans, applied = _fix(ctx, scans, settings, yes=args.yes)
    return _report(args, scans, plan, account=account, applied=applied, plan_shown=plan_shown)


def _release(args: argparse.Namespace) -> int:
    """``release``: the only command that deletes, and only the tool's own resources."""
    if not args.yes and not sys.stdin.isatty():
        raise CliError(
            "refusing release without --yes: standard input is not a terminal to confirm on"
        )
    session = boto3.session.Session(profile_name=args.profile)
    (region,) = _regions(
        argparse.Namespace(regions=[args.region] if args.region else None, all_regions=False),
        session,
    )
    ec2 = make_clients(region, session=session, endpoint_url=args.endpoint_url).ec2
    found = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [args.vpc_id]}])["Vpcs"]
    if not found:
        raise CliError(f"{args.vpc_id} does not exist in {region}")
    plan = release.find(ec2, args.vpc_id)
    if args.format == "table":
        lines = plan.describe() or ["nothing to release: no resource of this tool in the VPC"]
        _out(f"{PROG} release {args.vpc_id} ({region}):")
        _out("\n".join(f"  {line}" for line in lines))
        for blocked in plan.blocked:
            _warn(f"left in place: {blocked}")
    outcome = release.ReleaseResult(args.vpc_id, blocked=plan.blocked)
    if not plan.empty:
        if not args.yes:
            sys.stderr.write(f"Delete these {len(plan.describe())} resource(s)? [y/N] ")
            sys.stderr.flush()
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                _info("nothing was deleted")
                return EXIT_NON_COMPLIANT
        outcome = release.execute(ec2, plan)
    if args.format == "json":
        _out(
            json.dumps(
                {
                    "schema_version": 1,
                    "command": "release",
                    "region": region,
                    "plan": plan.as_dict(),
                    "result": outcome.as_dict(),
                },
                indent=2,
            )
        )
    else:
        for note in outcome.notes:
            _out(f"  {note}")
        for resource in outcome.deleted:
            _out(f"  deleted {resource}")
        for failure in outcome.failed:
            _error(f"not deleted: {failure}")
    return EXIT_OK if outcome.ok and not outcome.blocked else EXIT_NON_COMPLIANT


def _fix(
    ctx: Context, plan: list[RegionScan], settings: Settings, *, yes: bool
) -> tuple[list[RegionScan], bool]:
    """After the plan: confirm (unless ``yes``), then the auto-fix pass; (scans, applied)."""
    changes = [v for s in plan for v in s.summary.vpcs if would_fix(v)]
    if not changes:
        _info("--fix: nothing to change")
        return plan, False
    if not (yes or _confirm(changes, ctx.account_id)):
        _info("--fix: not confirmed; nothing was changed")
        return plan, False
    return _apply(ctx, plan, settings), True


def _report(
    args: argparse.Namespace,
    scans: list[RegionScan],
    plan: list[RegionScan] | None,
    *,
    account: str,
    applied: bool,
    plan_shown: bool,
) -> int:
    """Print the result (table or JSON) and the errors; return the exit code."""
    errors = _errors(scans)
    code = exit_code_for([v.status for s in scans for v in s.summary.vpcs], errors=errors)
    if args.format == "json":
        document = scan_document(
            scans, plan=plan, account=account, fix=args.fix, applied=applied, exit_code=code
        )
        _out(json.dumps(document, indent=2))
    elif applied:
        _out(render_table(scans, account=account, phase="fixed"))
    elif not plan_shown and not all(s.summary.error for s in scans):
        _out(render_table(scans, account=account, phase="scan"))
    for error in errors:
        _error(error)
    return code


def _apply(ctx: Context, scans: list[RegionScan], settings: Settings) -> list[RegionScan]:
    """The auto-fix pass, on the VPCs the plan showed (none that appeared since)."""
    result: list[RegionScan] = []
    try:
        for index, scan in enumerate(scans, start=1):
            if not any(would_fix(v) for v in scan.summary.vpcs):
                result.append(scan)
                continue
            ids = [v.vpc_id for v in scan.summary.vpcs]
            fixed = _scan_region(
                ctx, index, scan.region, settings, scan.requested, fix=True, only=ids
            )
            result.append(dataclasses.replace(fixed, requested=scan.requested))
    finally:
        ctx.progress.clear()
    return result


def _confirm(changes: Sequence[VpcResult], account: str) -> bool:
    actions = sum(len(v.outcomes) for v in changes)
    regions = sorted({v.region for v in changes})
    sys.stderr.write(
        f"--fix will make {actions} change(s) to {len(changes)} VPC(s) in "
        f"{', '.join(regions)} (account {account}), as planned above. Nothing is deleted.\n"
        "Apply? [y/N] "
    )
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _errors(scans: Iterable[RegionScan]) -> list[str]:
    errors: list[str] = []
    for scan in scans:
        if scan.summary.error:
            errors.append(f"{scan.region}: {_error_text(scan.summary.error)}")
        errors += [f"{scan.region}: {vpc_id} not found" for vpc_id in scan.missing]
    return errors


def _error_text(text: str) -> str:
    if any(code in text for code in DENIED) and NEEDS not in text:
        text += f"; {NEEDS}"
    return _one_line(text)


def exit_code_for(statuses: Iterable[VpcStatus], *, errors: Sequence[str]) -> int:
    """2 on any error, else 0 when every VPC is settled (compliant, fixed, skipped), else 1.

    >>> exit_code_for([VpcStatus.FIXED, VpcStatus.INCOMPLETE], errors=[])
    1
    >>> exit_code_for([], errors=["us-east-1: vpc-12345678 not found"])
    2
    """
    if errors:
        return EXIT_ERROR
    return EXIT_OK if all(s in SETTLED for s in statuses) else EXIT_NON_COMPLIANT


# --------------------------------------------------------------------------- output


def scan_document(
    scans: Sequence[RegionScan],
    *,
    plan: Sequence[RegionScan] | None,
    account: str,
    fix: bool,
    applied: bool,
    exit_code: int,
) -> dict[str, Any]:
    """The ``--format json`` document (schema in docs/cli.md).

    >>> doc = scan_document([], plan=None, account="1", fix=False, applied=False, exit_code=0)
    >>> doc["schema_version"], doc["regions"], doc["totals"]["vpcs"]
    (1, [], 0)
    """
    return {
        "schema_version": CLI_SCHEMA_VERSION,
        "tool_version": __version__,
        "command": "scan",
        "account_id": account,
        "fix": {"requested": fix, "applied": applied},
        "exit_code": exit_code,
        "errors": _errors(scans),
        "regions": [s.summary.as_dict() for s in scans],
        "plan": None if plan is None else [s.summary.as_dict() for s in plan],
        "totals": totals(scans),
    }


def totals(scans: Sequence[RegionScan]) -> dict[str, Any]:
    """Figures over every region: VPCs by status, summed counts, added monthly cost.

    >>> totals([])["by_status"]["non-compliant"]
    0
    """
    vpcs = [v for s in scans for v in s.summary.vpcs]
    counts: dict[str, int] = {}
    for scan in scans:
        for key, value in scan.summary.counts.items():
            counts[key] = counts.get(key, 0) + value
    return {
        "regions": len(scans),
        "vpcs": len(vpcs),
        "by_status": {status.value: sum(v.status is status for v in vpcs) for status in VpcStatus},
        "counts": counts,
        "new_interface_endpoint_azs": sum(v.cost.new_endpoint_azs for v in vpcs if v.cost),
        "monthly_usd": round(sum(v.cost.monthly_usd for v in vpcs if v.cost), 2),
    }


HEADINGS = {
    "scan": "read-only scan: nothing was changed",
    "plan": "plan (read-only pass): what --fix will do",
    "fixed": "after --fix",
}


def render_table(scans: Sequence[RegionScan], *, account: str, phase: str) -> str:
    """The table for people, then the details of every VPC that has any.

    ``phase`` is ``scan`` (read-only), ``plan`` (the read-only pass of
    ``--fix``) or ``fixed`` (after the auto-fix pass).

    >>> scan = RegionScan("us-east-1", Summary(Mode.DRY_RUN))
    >>> render_table([scan], account="123456789012", phase="scan").splitlines()[2]
    'no VPC found'
    """
    regions = ", ".join(s.region for s in scans) or "(no region)"
    lines = [f"{PROG} {__version__}: account {account}, {regions}: {HEADINGS[phase]}", ""]
    multi = len(scans) > 1
    header = [*(["REGION"] if multi else []), "VPC", "NAME", "MODE", "STATUS"]
    header += ["FINDINGS", "ACTIONS", "COST/MONTH"]
    rows = [header]
    for scan in scans:
        for vpc in scan.summary.vpcs:
            row = [*([scan.region] if multi else []), vpc.vpc_id, clean(vpc.name, 24) or "-"]
            row += [_mode(vpc, phase), vpc.status.value]
            if vpc.status is VpcStatus.SKIPPED:
                row += ["-", "-", "-"]
            else:
                row += [str(len(vpc.open_findings)), _actions(vpc), _money(vpc)]
            rows.append(row)
    if len(rows) == 1:
        lines.append("no VPC found")
    else:
        numeric = {len(header) - 3, len(header) - 2, len(header) - 1}
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for row in rows:
            cells = [
                cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
                for i, cell in enumerate(row)
            ]
            lines.append("  ".join(cells).rstrip())
    lines += ["", _total_line(scans, phase)]
    for scan in scans:
        for vpc in scan.summary.vpcs:
            lines += _details(vpc, phase)
    notes = [f"note: {s.region}: {clean(n, 300)}" for s in scans for n in s.summary.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _mode(vpc: VpcResult, phase: str) -> str:
    """The mode the VPC runs in: in the plan, what --fix will use for it."""
    if phase == "plan" and vpc.status is not VpcStatus.SKIPPED and not _tag_note(vpc):
        return Mode.AUTO_FIX.label
    return vpc.mode.label


def _actions(vpc: VpcResult) -> str:
    if vpc.mode is Mode.AUTO_FIX and vpc.outcomes:
        done = vpc.count(OutcomeStatus.APPLIED, OutcomeStatus.ALREADY_DONE)
        return f"{done}/{len(vpc.outcomes)}"
    return str(len(vpc.outcomes))


def _money(vpc: VpcResult) -> str:
    return f"${vpc.cost.monthly_usd:,.2f}" if vpc.cost else "-"


def _total_line(scans: Sequence[RegionScan], phase: str) -> str:
    figures = totals(scans)
    by_status = ", ".join(f"{n} {s}" for s, n in figures["by_status"].items() if n)
    counts = figures["counts"]
    if phase == "fixed":
        actions = (
            f"{counts.get('actions_applied', 0)} change(s) applied, "
            f"{counts.get('actions_failed', 0)} failed, "
            f"{counts.get('actions_deferred', 0)} deferred"
        )
        added = "added"
    else:
        actions = f"{counts.get('actions_planned', 0)} action(s) planned"
        added = "to add"
    status = f" ({by_status})" if by_status else ""
    cost = (
        f"interface endpoint-AZs {added}: {figures['new_interface_endpoint_azs']}, "
        f"about ${figures['monthly_usd']:,.2f}/month plus data processed"
    )
    return f"Total: {figures['vpcs']} VPC(s){status}; {actions}; {cost}"


def _details(vpc: VpcResult, phase: str) -> list[str]:
    """Findings and actions of one VPC; nothing for a VPC with nothing to say."""
    note = vpc.mode_note if phase != "plan" else _tag_note(vpc)
    if not (vpc.findings or vpc.outcomes or note):
        return []
    name = f" ({clean(vpc.name, 60)})" if vpc.name else ""
    head = f"{vpc.vpc_id}{name}: {vpc.status.value}, mode {_mode(vpc, phase)}"
    lines = ["", head + (f" ({clean(note, 120)})" if note else "")]
    if vpc.findings:
        lines.append("  findings:")
    for finding in vpc.findings:
        service = f"{finding.service}: " if finding.service else ""
        lines.append(
            f"    [{finding.severity.value}] {service}{clean(finding.message, 300)} "
            f"({finding.code})"
        )
    if vpc.outcomes:
        lines.append("  actions:" if vpc.mode is Mode.AUTO_FIX else "  planned (nothing changed):")
    for outcome in vpc.outcomes:
        text = f"    - {clean(outcome.action.describe(), 300)}"
        if vpc.mode is Mode.AUTO_FIX:
            text += f" -> {outcome.status.value}"
            if outcome.detail:
                text += f": {clean(outcome.detail, 200)}"
        lines.append(text)
    if any(f.severity is Severity.MANUAL for f in vpc.findings):
        lines.append("  [manual] findings need a person: the tool will not change them")
    return lines


def clean(text: str, width: int) -> str:
    """Text safe for a terminal: no control characters, at most ``width`` characters.

    A VPC's Name tag can hold anything, escape sequences included.

    >>> clean("app\\x1b[31m\\tprod", 40)
    'app?[31m?prod'
    >>> clean("x" * 30, 10)
    'xxxxxxx...'
    """
    safe = "".join("?" if unicodedata.category(c).startswith("C") else c for c in text)
    return safe if len(safe) <= width else safe[: max(0, width - 3)] + "..."


# --------------------------------------------------------------------------- streams


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _info(text: str) -> None:
    sys.stderr.write(f"{PROG}: {text}\n")


def _warn(text: str) -> None:
    sys.stderr.write(f"{PROG}: warning: {_one_line(text)}\n")


def _error(text: str) -> None:
    sys.stderr.write(f"{PROG}: error: {_one_line(text)}\n")


class _LogFormatter(logging.Formatter):
    """``level: message key=value...`` with the engine's structured keys."""

    KEYS = ("vpc_id", "endpoint_service", "finding", "action", "outcome", "detail", "error")

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{key}={getattr(record, key)}" for key in self.KEYS if getattr(record, key, "")
        )
        text = f"{PROG}: {record.levelname.lower()}: {record.getMessage()}"
        return clean(_one_line(f"{text} {extras}" if extras else text), MAX_ERROR)


def _attach_log_handler(verbose: bool) -> Callable[[], None]:
    """Engine logs to stderr: warnings by default (errors come back as values), all with -v."""
    logger = logging.getLogger("remediation")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter())
    previous = logger.level
    if verbose:
        handler.setLevel(logging.INFO)
        logger.setLevel(logging.INFO)
    else:
        handler.setLevel(logging.WARNING)
        handler.addFilter(lambda record: record.levelno < logging.ERROR)
    logger.addHandler(handler)

    def detach() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    return detach


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_ERROR
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    detach = _attach_log_handler(getattr(args, "verbose", False))
    endpoint_url = getattr(args, "endpoint_url", None)
    try:
        code: int = args.handler(args)
    except CliError as exc:
        _error(str(exc))
        return EXIT_ERROR
    except (BotoCoreError, ClientError) as exc:
        _error(describe_error(exc, endpoint_url=endpoint_url))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a defect: say so in one line; --verbose shows where
        if getattr(args, "verbose", False):
            traceback.print_exc(file=sys.stderr)
        _error(f"unexpected {type(exc).__name__}: {exc} (--verbose shows the traceback)")
        return EXIT_ERROR
    finally:
        detach()
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
