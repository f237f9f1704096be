"""The passes of a scan, one account at a time: the read-only pass and the auto-fix pass.

An account's pass opens its session (:class:`remediation.cli.accounts.Sessions`: the member
role's, or the caller's own credentials), then runs the engine region by region
(:func:`scan_region`). The plain scan is the one-account case; across accounts, an account
that cannot be scanned is an :class:`~remediation.cli.results.AccountScan` with its error.
The auto-fix pass (:mod:`remediation.cli.fix_pass`) changes only the VPCs the person
confirmed, after one confirmation for every account (:func:`remediation.cli.confirmation.fix`).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.clients import RETRIES, make_clients
from remediation.aws.inventory import Inventory
from remediation.aws.paging import Pacer
from remediation.aws.peers import Peers
from remediation.cli import accounts
from remediation.cli import session as aws
from remediation.cli.errors import describe_error
from remediation.cli.filters import VpcFilter, list_vpc_ids

__all__ = ["Context", "Job", "VpcFilter", "list_vpc_ids", "scan_account", "scan_region"]
from remediation.cli.interrupt import Interrupts, Journal
from remediation.cli.results import AccountScan, RegionScan, errors_of
from remediation.cli.terminal import AccountProgress, Progress
from remediation.config import Settings
from remediation.engine import chunks
from remediation.events.triggers import Trigger
from remediation.model import VpcSnapshot
from remediation.report.results import Summary, tally

if TYPE_CHECKING:  # the executor's module is loaded only when --fix builds one
    from remediation.executor import Executor

_SESSION_LOCK = threading.Lock()

#: Why an account was not scanned: the run was interrupted before it started.
NOT_STARTED = "not scanned: the run was interrupted (Ctrl-C) before it started"


@dataclass
class Context:
    """What every region of one scan shares."""

    session: boto3.session.Session
    endpoint_url: str | None
    account_id: str
    event_id: str
    progress: Progress
    #: Keep each VPC's snapshot on its region's scan (the code formats render from them).
    keep_snapshots: bool = False
    #: Ctrl-C (:mod:`remediation.cli.interrupt`): when to start nothing new, or no write.
    interrupts: Interrupts | None = None
    #: Where the auto-fix pass records each change it makes.
    journal: Journal | None = None
    #: The clients' botocore configuration (retries, and --connect/--read-timeout).
    config: Config = RETRIES
    #: --exclude-vpc and --tag: which VPCs of a region's listing are scanned.
    vpc_filter: VpcFilter = field(default_factory=VpcFilter)
    #: The account's name (across accounts, when Organizations tells it): on every VPC's result.
    account_name: str = ""
    #: Across accounts through member roles: a session in another account, to read a hub
    #: there (:mod:`remediation.aws.peers`); ``None``: another account's hub is unverified.
    peer_session: Callable[[str], boto3.session.Session] | None = None

    def stopped(self) -> bool:
        return self.interrupts is not None and self.interrupts.interrupted


@dataclass
class Job:
    """What every account of one scan shares (one account, or many with ``--account``)."""

    sessions: accounts.Sessions
    endpoint_url: str | None
    event_id: str
    probe_region: str
    regions: list[str]  # empty with --all-regions across accounts: each account's own
    requested: tuple[str, ...]
    targets: list[accounts.Target]
    settings: dict[str, Settings]  # by account
    across: bool  # --account/--organization: accounts labelled, errors kept per account
    max_parallel: int = 1
    keep_snapshots: bool = False  # --format terraform/cloudformation
    interrupts: Interrupts | None = None
    journal: Journal = field(default_factory=Journal)
    config: Config = RETRIES
    vpc_filter: VpcFilter = field(default_factory=VpcFilter)
    exclude_regions: frozenset[str] = frozenset()
    #: --parallel-regions: regions of one account scanned at once (their clients are made one
    #: at a time: a boto3 session is not thread safe; clients are).
    parallel_regions: int = 1
    quiet: bool = False  # --quiet: no progress line
    #: Across accounts: an account's name (organizations:DescribeAccount, asked once per run).
    names: Callable[[str], str] | None = None

    def account_name(self, account_id: str) -> str:
        """``account_id``'s name, ``""`` when unknown (or not across accounts)."""
        return self.names(account_id) if self.names is not None and self.across else ""

    def context(
        self, session: boto3.session.Session, account_id: str, regions: int, account_name: str = ""
    ) -> Context:
        """What the regions of one account share."""
        return Context(
            session=session,
            endpoint_url=self.endpoint_url,
            account_id=account_id,
            event_id=self.event_id,
            progress=self.progress(regions),
            keep_snapshots=self.keep_snapshots,
            interrupts=self.interrupts,
            journal=self.journal,
            config=self.config,
            vpc_filter=self.vpc_filter,
            account_name=account_name,
            peer_session=self.sessions.peer if self.sessions.members is not None else None,
        )

    def regions_of(self, session: boto3.session.Session) -> list[str]:
        """The regions to scan in one account: given, or its enabled ones; less excluded."""
        found = self.regions or aws.enabled_regions(
            session, self.probe_region, self.endpoint_url, self.config
        )
        return [r for r in found if r not in self.exclude_regions]

    def progress(self, regions: int) -> Progress:
        """Per-region progress: one account only (accounts in parallel would share the line)."""
        alone = not self.across and self.parallel_regions == 1 and not self.quiet
        return Progress(sys.stderr, regions=regions, chunk=chunks.CHUNK, enabled=alone)


class _OfAccount(Protocol):
    @property
    def account_id(self) -> str: ...


Item = TypeVar("Item", bound=_OfAccount)


def each_account(
    job: Job,
    items: Sequence[Item],
    work: Callable[[Item], AccountScan],
    progress: AccountProgress,
) -> list[AccountScan]:
    """``work`` on each account (a target, or a scanned account), ``job.max_parallel`` at a
    time, each one shown on ``progress`` as it finishes; results in ``items``' order."""
    try:
        return accounts.run_bounded(
            items,
            work,
            max_parallel=job.max_parallel,
            on_done=lambda item, done: progress.finished(item.account_id, progress_text(done)),
            stop=job.sessions.stop,
        )
    finally:
        progress.clear()


def scan_account(job: Job, target: accounts.Target) -> AccountScan:
    """One account: its session, its regions, each region through the engine."""
    scans: list[RegionScan] = []
    name = job.account_name(target.account_id)  # the caller's to ask: known without the role
    try:
        session = job.sessions.open(target)
        regions = job.regions_of(session)
        ctx = job.context(session, target.account_id, len(regions), name)
        settings = job.settings[target.account_id]

        def one(item: tuple[int, str]) -> RegionScan | None:
            if job.sessions.stop.is_set():
                return None  # interrupted: no region is started any more
            return scan_region(ctx, item[0], item[1], settings, job.requested)

        try:
            found = accounts.run_bounded(
                list(enumerate(regions, start=1)), one, max_parallel=job.parallel_regions
            )
            label = _label(job, target)
            scans += [dataclasses.replace(s, account=label) for s in found if s is not None]
        finally:
            ctx.progress.clear()
    except accounts.Stopped:
        return AccountScan(target.account_id, target.role_arn, tuple(scans), NOT_STARTED, name)
    except accounts.ACCOUNT_ERRORS as exc:
        if not job.across:
            raise
        error = accounts.failure(exc, job.endpoint_url)
        return AccountScan(target.account_id, target.role_arn, tuple(scans), error, name)
    return AccountScan(target.account_id, target.role_arn, tuple(scans), account_name=name)


def _label(job: Job, target: accounts.Target) -> str:
    return target.account_id if job.across else ""


def progress_text(account: AccountScan) -> str:
    if account.error:
        return "not scanned"
    return f"{sum(len(s.summary.vpcs) for s in account.scans)} VPC(s)"


def fixable(account: AccountScan) -> bool:
    """An account ``--fix`` may change: scanned without any error."""
    return not account.error and not errors_of(account.scans)


def _peers(ctx: Context, region: str) -> Peers | None:
    """Other accounts' hubs, read through their member roles (``--account``/``--organization``)."""
    if ctx.peer_session is None:
        return None
    return Peers(
        ctx.peer_session,  # a refused role raises MemberAccessError: a PeerUnavailable
        region=region,
        client_config=ctx.config,
        endpoint_url=ctx.endpoint_url,
        lock=_SESSION_LOCK,
    )


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
    with _SESSION_LOCK:  # regions in parallel threads share the account's session
        clients = make_clients(
            region,
            session=ctx.session,
            endpoint_url=ctx.endpoint_url,
            config=ctx.config,
            metrics=True,
        )
    inventory = (KeepingInventory if ctx.keep_snapshots else Inventory)(
        clients.ec2,
        region=region,
        account_id=ctx.account_id,
        route53=clients.route53,
        route53profiles=clients.route53profiles,
        route53resolver=clients.route53resolver,
        cloudwatch=clients.cloudwatch,
        ram=clients.ram,
        peers=_peers(ctx, region),
        thorough=True,  # a scan has no event's read budget: it reads what an event spares
        pacer=Pacer(0.0) if clients.emulated else None,  # an emulator has no Route 53 quota
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
            ids = list_vpc_ids(clients.ec2, ctx.vpc_filter)
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
        from remediation.cli.journal import JournalingExecutor  # noqa: PLC0415 - --fix only

        halt = ctx.interrupts.halt if ctx.interrupts is not None else threading.Event()
        executor = JournalingExecutor(
            clients.ec2,
            inventory,
            wait_seconds=settings.deletion_wait_seconds,
            time_left=None if ctx.interrupts is None else ctx.interrupts.write_time_left,
            journal=ctx.journal if ctx.journal is not None else Journal(),
            halt=halt,
            account_id=ctx.account_id,
            region=region,
        )
    summary = chunks.run_chunks(
        trigger,
        settings,
        inventory,
        ids,
        executor=executor,
        on_progress=lambda done, total: ctx.progress.update(index, region, done, total),
        stopped=ctx.stopped,
    )
    if ctx.account_name:  # the messages', JSON's and findings' name of the account
        named = tuple(dataclasses.replace(v, account_name=ctx.account_name) for v in summary.vpcs)
        summary = dataclasses.replace(summary, vpcs=named)
    kept = inventory.kept if isinstance(inventory, KeepingInventory) else ()
    return RegionScan(region, summary, tuple(requested), snapshots=tuple(kept))


class KeepingInventory(Inventory):
    """The inventory, keeping every snapshot it reads (for the code formats; reads unchanged)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: list[VpcSnapshot] = []

    def snapshots(self, vpc_ids: Sequence[str] | None, settings: Settings) -> list[VpcSnapshot]:
        found = super().snapshots(vpc_ids, settings)
        self.kept.extend(found)
        return found
