"""The passes of a scan, one account at a time: the read-only pass and the auto-fix pass.

An account's pass opens its session (:class:`remediation.cli.accounts.Sessions`: the member
role's, or the caller's own credentials), then runs the engine region by region
(:func:`scan_region`). The plain scan is the one-account case; across accounts, an account
that cannot be scanned is an :class:`~remediation.cli.results.AccountScan` with its error.
The auto-fix pass changes only the VPCs its account's plan showed, after one confirmation
for every account (:func:`fix`).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from remediation import engine
from remediation.aws.clients import make_clients
from remediation.aws.inventory import Inventory, ReadOnlyClient
from remediation.cli import accounts, terminal
from remediation.cli import session as aws
from remediation.cli.errors import describe_error
from remediation.cli.results import AccountScan, RegionScan, errors_of, would_fix
from remediation.cli.terminal import AccountProgress, Progress
from remediation.config import Settings
from remediation.events.parse import Trigger
from remediation.model import VpcSnapshot
from remediation.report.results import Summary, VpcResult, tally

if TYPE_CHECKING:  # the executor's module is loaded only when --fix builds one
    from remediation.executor import Executor


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

    def progress(self, regions: int) -> Progress:
        """Per-region progress: one account only (accounts in parallel would share the line)."""
        return Progress(sys.stderr, regions=regions, chunk=engine.CHUNK, enabled=not self.across)


def list_vpc_ids(ec2: Any) -> list[str]:
    """Every VPC id of the region, in the order EC2 lists them (one paginated read)."""
    reader = ReadOnlyClient(ec2)
    return [
        str(v["VpcId"])
        for page in reader.get_paginator("describe_vpcs").paginate()
        for v in page.get("Vpcs", [])
    ]


def scan_account(job: Job, target: accounts.Target) -> AccountScan:
    """One account: its session, its regions, each region through the engine."""
    scans: list[RegionScan] = []
    try:
        session = job.sessions.open(target)
        regions = job.regions or aws.enabled_regions(session, job.probe_region, job.endpoint_url)
        ctx = Context(
            session=session,
            endpoint_url=job.endpoint_url,
            account_id=target.account_id,
            event_id=job.event_id,
            progress=job.progress(len(regions)),
            keep_snapshots=job.keep_snapshots,
        )
        settings = job.settings[target.account_id]
        try:
            for index, region in enumerate(regions, start=1):
                if job.sessions.stop.is_set():
                    raise accounts.Stopped
                scan = scan_region(ctx, index, region, settings, job.requested)
                scans.append(dataclasses.replace(scan, account=_label(job, target)))
        finally:
            ctx.progress.clear()
    except accounts.ACCOUNT_ERRORS as exc:
        if not job.across:
            raise
        error = accounts.failure(exc, job.endpoint_url)
        return AccountScan(target.account_id, target.role_arn, tuple(scans), error)
    return AccountScan(target.account_id, target.role_arn, tuple(scans))


def _label(job: Job, target: accounts.Target) -> str:
    return target.account_id if job.across else ""


def progress_text(account: AccountScan) -> str:
    if account.error:
        return "not scanned"
    return f"{sum(len(s.summary.vpcs) for s in account.scans)} VPC(s)"


def fixable(account: AccountScan) -> bool:
    """An account ``--fix`` may change: scanned without any error."""
    return not account.error and not errors_of(account.scans)


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
    clients = make_clients(region, session=ctx.session, endpoint_url=ctx.endpoint_url, metrics=True)
    inventory = (KeepingInventory if ctx.keep_snapshots else Inventory)(
        clients.ec2,
        region=region,
        account_id=ctx.account_id,
        route53=clients.route53,
        route53profiles=clients.route53profiles,
        route53resolver=clients.route53resolver,
        cloudwatch=clients.cloudwatch,
        ram=clients.ram,
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


def fix(
    job: Job, plan: list[AccountScan], caller: str, *, yes: bool
) -> tuple[list[AccountScan], bool]:
    """After the plan: confirm (unless ``yes``), then the auto-fix pass; (accounts, applied).

    Only the accounts scanned without error are changed; one confirmation covers them all.
    """
    changing = [a for a in plan if fixable(a) and any(would_fix(v) for v in _vpcs(a))]
    changes = [v for a in changing for v in _vpcs(a) if would_fix(v)]
    if not changes:
        terminal.info("--fix: nothing to change")
        return plan, False
    actions = sum(len(v.outcomes) for v in changes)
    if job.across:
        listing = "".join(f"\n  {_account_changes(a, caller)}" for a in changing)
        question = (
            f"--fix will make {actions} change(s) to {len(changes)} VPC(s) in "
            f"{len(changing)} account(s), as planned above. Nothing is deleted.{listing}\nApply?"
        )
    else:
        regions = ", ".join(sorted({v.region for v in changes}))
        question = (
            f"--fix will make {actions} change(s) to {len(changes)} VPC(s) in {regions} "
            f"(account {caller}), as planned above. Nothing is deleted.\nApply?"
        )
    if not (yes or terminal.confirm(question)):
        terminal.info("--fix: not confirmed; nothing was changed")
        return plan, False
    progress = AccountProgress(sys.stderr, accounts=len(changing), verb="fixed")
    try:
        fixed = accounts.run_bounded(
            changing,
            lambda account: apply_account(job, account),
            max_parallel=job.max_parallel,
            on_done=lambda a, r: progress.finished(a.account_id, progress_text(r)),
            stop=job.sessions.stop,
        )
    finally:
        progress.clear()
    by_account = {a.account_id: a for a in fixed}
    return [by_account.get(a.account_id, a) for a in plan], True


def _vpcs(account: AccountScan) -> list[VpcResult]:
    return [v for s in account.scans for v in s.summary.vpcs]


def _account_changes(account: AccountScan, caller: str) -> str:
    """``<account> (<how>): <region> <vpc>, <vpc>; ...`` for the confirmation."""
    how = "your own credentials" if account.account_id == caller else account.role_arn
    by_region = [
        f"{s.region} {', '.join(v.vpc_id for v in s.summary.vpcs if would_fix(v))}"
        for s in account.scans
        if any(would_fix(v) for v in s.summary.vpcs)
    ]
    return f"{account.account_id} ({how}): {'; '.join(by_region)}"


def apply_account(job: Job, account: AccountScan) -> AccountScan:
    """The auto-fix pass in one account, through its session (the member role's, cached)."""
    target = accounts.Target(account.account_id, account.role_arn)
    try:
        session = job.sessions.open(target)
        ctx = Context(
            session=session,
            endpoint_url=job.endpoint_url,
            account_id=account.account_id,
            event_id=job.event_id,
            progress=job.progress(len(account.scans)),
        )
        settings = job.settings[account.account_id]
        scans = apply(ctx, list(account.scans), settings, job.sessions.stop)
    except accounts.ACCOUNT_ERRORS as exc:
        if not job.across:
            raise
        return dataclasses.replace(account, error=accounts.failure(exc, job.endpoint_url))
    return dataclasses.replace(account, scans=tuple(scans))


def apply(
    ctx: Context,
    scans: list[RegionScan],
    settings: Settings,
    stop: threading.Event | None = None,
) -> list[RegionScan]:
    """The auto-fix pass, on the VPCs the plan showed (none that appeared since)."""
    result: list[RegionScan] = []
    try:
        for index, scan in enumerate(scans, start=1):
            if stop is not None and stop.is_set():
                raise accounts.Stopped  # interrupted: no region is started any more
            if not any(would_fix(v) for v in scan.summary.vpcs):
                result.append(scan)
                continue
            ids = [v.vpc_id for v in scan.summary.vpcs]
            fixed = scan_region(
                ctx, index, scan.region, settings, scan.requested, fix=True, only=ids
            )
            result.append(
                dataclasses.replace(fixed, requested=scan.requested, account=scan.account)
            )
    finally:
        ctx.progress.clear()
    return result
