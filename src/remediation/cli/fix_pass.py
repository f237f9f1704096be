"""The auto-fix pass of ``scan --fix``: it changes only the VPCs the person confirmed.

The confirmation (:func:`remediation.cli.confirmation.fix`) counted the VPCs of the plan with
changes to make (:func:`~remediation.cli.results.would_fix`); in each region, the pass runs
with an executor on those VPCs only, each one read again first (the repair follows what is
there now, as the Lambda function's does). The region's other VPCs are read again too,
read-only, and reported as found: one that needs changes only now (it drifted, or could not be
read or reached for the plan, while the question waited) is not changed, and its note says
so. A region with no VPC to change is left as planned (no pass there).
"""

from __future__ import annotations

import dataclasses
import threading

from remediation.cli import accounts, passes, terminal
from remediation.cli.passes import Context, Job
from remediation.cli.results import AccountScan, RegionScan, would_fix
from remediation.config import Settings
from remediation.engine.chunks import merge
from remediation.modes import ModeReason
from remediation.report.results import VpcResult, VpcStatus, tally

#: The note of a VPC that needs changes only on the fresh read: it was not in the plan confirmed.
NOT_CONFIRMED = (
    "not changed: its changes were found after you confirmed the plan, which did not list "
    "them; run the scan with --fix again to review and apply them"
)
#: The note of a VPC the fix pass read again but had nothing planned for (manual findings).
NOTHING_PLANNED = "not changed: the plan you confirmed had no change for it"


def apply_account(job: Job, account: AccountScan) -> AccountScan:
    """The auto-fix pass in one account, through its session (the member role's, cached)."""
    target = accounts.Target(account.account_id, account.role_arn)
    try:
        session = job.sessions.open(target)
        ctx = job.context(session, account.account_id, len(account.scans), account.account_name)
        settings = job.settings[account.account_id]
        scans = apply(ctx, list(account.scans), settings, job.sessions.stop)
    except accounts.Stopped:
        return account  # interrupted before it started: as planned, nothing changed
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
    """The auto-fix pass, on the VPCs the confirmation counted (none shown compliant, none
    that appeared since); the other VPCs of those regions read again and only reported."""
    result: list[RegionScan] = []
    try:
        for index, scan in enumerate(scans, start=1):
            interrupted = stop is not None and stop.is_set()  # no region is started any more
            confirmed = [v.vpc_id for v in scan.summary.vpcs if would_fix(v)]
            if interrupted or not confirmed:
                result.append(scan)
                continue
            result.append(_region(ctx, index, scan, settings, confirmed, stop=stop))
    finally:
        ctx.progress.clear()
    return result


def _region(
    ctx: Context,
    index: int,
    scan: RegionScan,
    settings: Settings,
    confirmed: list[str],
    *,
    stop: threading.Event | None,
) -> RegionScan:
    """One region: the confirmed VPCs repaired, the others read again without an executor."""
    fixed = passes.scan_region(
        ctx, index, scan.region, settings, scan.requested, fix=True, only=confirmed
    )
    others = [v.vpc_id for v in scan.summary.vpcs if v.vpc_id not in set(confirmed)]
    parts = [fixed.summary]
    if others and not (ctx.stopped() or (stop is not None and stop.is_set())):
        fresh = passes.scan_region(ctx, index, scan.region, settings, scan.requested, only=others)
        parts.append(fresh.summary)
        found = {v.vpc_id: _unconfirmed(v, settings, scan.where) for v in fresh.summary.vpcs}
    else:  # interrupted: the others as planned (nothing was read or changed there since)
        found = {v.vpc_id: v for v in scan.summary.vpcs if v.vpc_id in set(others)}
    found |= {v.vpc_id: v for v in fixed.summary.vpcs}
    order = [v.vpc_id for v in scan.summary.vpcs]
    vpcs = tuple(found[i] for i in order if i in found)
    vpcs += tuple(v for i, v in found.items() if i not in set(order))
    summary = dataclasses.replace(merge(parts), vpcs=vpcs, counts=tally(vpcs))
    return dataclasses.replace(
        fixed, summary=summary, requested=scan.requested, account=scan.account
    )


def _unconfirmed(result: VpcResult, settings: Settings, where: str) -> VpcResult:
    """A VPC the fix pass did not change, as the read-only read found it.

    Its mode stays dry-run (nothing was written to it) with a note saying why; a compliant
    one is reported as the auto-fix pass reports a compliant VPC (nothing to change).
    """
    if result.mode_reason is not ModeReason.NO_EXECUTOR:
        return result  # its tag decided, or it was not evaluated: the engine's note says why
    if would_fix(result):
        terminal.warn(f"{where}: {result.vpc_id}: {NOT_CONFIRMED}")
        return dataclasses.replace(result, mode_note=NOT_CONFIRMED)
    if result.status is VpcStatus.COMPLIANT:
        return dataclasses.replace(
            result, mode=settings.mode, mode_reason=settings.mode_reason, mode_note=""
        )
    return dataclasses.replace(result, mode_note=NOTHING_PLANNED)
