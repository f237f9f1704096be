"""Rendering a scan: the table for people and the JSON document for machines.

Pure: scans in, text out (the JSON schema is documented in ``docs/cli.md``).

>>> doc = scan_document([], plan=None, account="1", fix=False, applied=False, exit_code=0)
>>> doc["schema_version"], doc["regions"], doc["totals"]["vpcs"], doc["accounts"]
(1, [], 0, [])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from remediation import __version__
from remediation.cli.results import SETTLED, AccountScan, RegionScan, errors_of, tag_note
from remediation.cli.terminal import PROG, clean
from remediation.cost import bytes_text, usd
from remediation.findings import Severity
from remediation.modes import ExceptionState, Mode, ModeReason
from remediation.outcomes import OutcomeStatus
from remediation.report.results import VpcResult, VpcStatus
from remediation.text import columns

#: Version of the ``scan --format json`` document (the summaries inside carry their own).
CLI_SCHEMA_VERSION = 1
#: The widest a name (a VPC's, an account's) is shown in the table, in characters.
NAME_COLUMNS = 24

HEADINGS = {
    "scan": "read-only scan: nothing was changed",
    "plan": "plan (read-only pass): what --fix will do",
    "fixed": "after --fix",
}


def scan_document(
    scans: Sequence[RegionScan],
    *,
    plan: Sequence[RegionScan] | None,
    account: str,
    fix: bool,
    applied: bool,
    exit_code: int,
    accounts: Sequence[AccountScan] = (),
) -> dict[str, Any]:
    """The ``--format json`` document (schema in docs/cli.md).

    ``account_id`` is the caller's account; ``accounts`` says which accounts were scanned
    (one, the caller's, without ``--account``/``--organization``) and why one was not.
    """
    return {
        "schema_version": CLI_SCHEMA_VERSION,
        "tool_version": __version__,
        "command": "scan",
        "account_id": account,
        "accounts": [a.as_dict() for a in accounts],
        "fix": {"requested": fix, "applied": applied},
        "exit_code": exit_code,
        "errors": errors_of(scans, accounts),
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
        # docs/cost.md: every VPC's money summed (a VPC without a figure counts nothing).
        "endpoints_monthly_usd": round(
            sum(v.money.endpoints_monthly_usd for v in vpcs if v.money), 2
        ),
        "nat_avoided_monthly_usd": round(
            sum(v.money.nat_avoided_usd or 0.0 for v in vpcs if v.money), 2
        ),
        "net_monthly_usd": round(sum(v.money.net_usd or 0.0 for v in vpcs if v.money), 2),
    }


def render_table(
    scans: Sequence[RegionScan],
    *,
    account: str,
    phase: str,
    accounts: Sequence[AccountScan] | None = None,
    quiet: bool = False,
) -> str:
    """The table for people, then the details of every VPC that has any.

    ``phase`` is ``scan`` (read-only), ``plan`` (the read-only pass of
    ``--fix``) or ``fixed`` (after the auto-fix pass). ``accounts`` (a scan across
    accounts) adds an ACCOUNT column, and a row for each account that was not scanned.
    ``quiet`` (``--quiet``) leaves out the VPCs with nothing to do (compliant, fixed,
    skipped): the rows and details are the failures only; the total still counts every VPC.
    Columns are aligned by their width on a terminal (CJK characters take two columns).

    >>> from remediation.report.results import Summary
    >>> scan = RegionScan("us-east-1", Summary(Mode.DRY_RUN))
    >>> render_table([scan], account="123456789012", phase="scan").splitlines()[2]
    'no VPC found'
    """
    regions = ", ".join(dict.fromkeys(s.region for s in scans)) or "(no region)"
    names = {a.account_id: a.account_name for a in accounts or ()}
    where = f"account {account}"
    if accounts is not None:
        where = f"{len(accounts)} account(s) (you: {account})"
    lines = [f"{PROG} {__version__}: {where}, {regions}: {HEADINGS[phase]}", ""]
    multi = len({s.region for s in scans}) > 1
    header = [*(["ACCOUNT"] if accounts is not None else []), *(["REGION"] if multi else [])]
    header += ["VPC", "NAME", "MODE", "STATUS", "FINDINGS", "ACTIONS"]
    header += ["TRAFFIC EP/NAT", "NET/MONTH", "COST/MONTH"]
    rows = [header]
    for scan in scans:
        for vpc in _shown(scan, quiet):
            row = [*([_account(scan.account, names)] if accounts is not None else [])]
            row += [*([scan.region] if multi else []), vpc.vpc_id]
            row += [clean(vpc.name, NAME_COLUMNS) or "-"]
            row += [_mode(vpc, phase), _status(vpc)]
            if vpc.status is VpcStatus.SKIPPED:
                row += ["-", "-", "-", "-", "-"]
            else:
                row += [str(len(vpc.open_findings)), _actions(vpc)]
                row += [_traffic(vpc), _net(vpc), _money(vpc)]
            rows.append(row)
    for failed in accounts or ():
        if failed.error:  # not scanned: one row, the reason below the table
            rows.append([_account(failed.account_id, names), *(["-"] if multi else [])])
            rows[-1] += ["-", "-", "-", "error"]
            rows[-1] += ["-", "-", "-", "-", "-"]
    if len(rows) == 1:
        lines.append("no VPC found")
    else:
        numeric = {len(header) - n for n in range(1, 6)}
        widths = [max(columns(r[i]) for r in rows) for i in range(len(header))]
        for row in rows:
            cells = [_pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(row)]
            lines.append("  ".join(cells).rstrip())
    lines += ["", _total_line(scans, phase)]
    not_scanned = [a for a in accounts or () if a.error]
    if accounts is not None:
        lines.append(
            f"Accounts: {len(accounts) - len(not_scanned)} scanned, {len(not_scanned)} not"
        )
    lines += [f"account {a.label}: not scanned: {clean(a.error, 400)}" for a in not_scanned]
    for scan in scans:
        for vpc in _shown(scan, quiet):
            lines += _details(vpc, phase, scan.account)
    notes = [f"note: {s.where}: {clean(n, 300)}" for s in scans for n in s.summary.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _account(account_id: str, names: dict[str, str]) -> str:
    """The ACCOUNT cell: the id, and the account's name when organisation mode could read it.

    >>> _account("111122223333", {"111122223333": "Payments prod"})
    '111122223333 (Payments prod)'
    >>> _account("111122223333", {"111122223333": "x" * 30})
    '111122223333 (xxxxxxxxxxxxxxxxxxxxx...)'
    """
    name = clean(names.get(account_id, ""), NAME_COLUMNS)
    return f"{account_id} ({name})" if name else account_id


def _shown(scan: RegionScan, quiet: bool) -> Sequence[VpcResult]:
    """The VPCs of a region the table lists: with ``quiet``, those with something to do."""
    return [v for v in scan.summary.vpcs if not quiet or v.status not in SETTLED]


def _pad(cell: str, width: int, *, right: bool) -> str:
    """``cell`` padded to ``width`` terminal columns.

    >>> _pad("本番", 6, right=False) + "|"
    '本番  |'
    """
    fill = " " * max(0, width - columns(cell))
    return fill + cell if right else cell + fill


def _mode(vpc: VpcResult, phase: str) -> str:
    """The mode the VPC runs in (in the plan, what --fix will use for it), and how long its
    exception lasts: ``off until 2026-06-30``, ``auto-fix (expired 2026-01-31)``,
    ``dry-run (bad until)``."""
    label = vpc.mode.label
    if phase == "plan" and vpc.mode_reason is ModeReason.NO_EXECUTOR:
        label = Mode.AUTO_FIX.label
    exception = vpc.exception
    if exception is None:
        return label
    until = clean(exception.until, 12)
    return label + {
        ExceptionState.ACTIVE: f" until {until}",
        ExceptionState.EXPIRED: f" (expired {until})",
        ExceptionState.DATE_INVALID: " (bad until)",
    }.get(exception.state, "")


def _status(vpc: VpcResult) -> str:
    """The VPC's status; ``released`` for a VPC that ``release`` left to its owner (skipped)."""
    return "released" if vpc.mode_reason is ModeReason.RELEASED else vpc.status.value


def _actions(vpc: VpcResult) -> str:
    if vpc.mode is Mode.AUTO_FIX and vpc.outcomes:
        done = vpc.count(OutcomeStatus.APPLIED, OutcomeStatus.ALREADY_DONE)
        return f"{done}/{len(vpc.outcomes)}"
    return str(len(vpc.outcomes))


def _money(vpc: VpcResult) -> str:
    return f"${vpc.cost.monthly_usd:,.2f}" if vpc.cost else "-"


def _traffic(vpc: VpcResult) -> str:
    """Bytes through the endpoints / through the NAT gateways (the traffic window)."""
    traffic = vpc.traffic
    if traffic is None:
        return "-"
    if traffic.error:
        return "unread"
    return f"{bytes_text(traffic.endpoints_total)} / {bytes_text(traffic.nat_total)}"


def _net(vpc: VpcResult) -> str:
    """NAT processing avoided less the endpoints' cost (upper bound: ``<=``)."""
    money = vpc.money
    if money is None or money.net_usd is None:
        return "-"
    bound = "<= " if money.basis == "upper-bound" else ""
    return f"{bound}{usd(money.net_usd)}"


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
    money = (
        f"endpoints about {usd(figures['endpoints_monthly_usd'])}/month, NAT processing "
        f"avoided {usd(figures['nat_avoided_monthly_usd'])}/month, net "
        f"{usd(figures['net_monthly_usd'])}/month (docs/cost.md)"
    )
    return f"Total: {figures['vpcs']} VPC(s){status}; {actions}; {cost}\nMoney: {money}"


def _details(vpc: VpcResult, phase: str, account: str = "") -> list[str]:
    """Findings and actions of one VPC; nothing for a VPC with nothing to say."""
    note = vpc.mode_note if phase != "plan" else tag_note(vpc)
    if not (vpc.findings or vpc.outcomes or note or vpc.exception):
        return []
    name = f" ({clean(vpc.name, 60)})" if vpc.name else ""
    head = f"{vpc.vpc_id}{name}: {_status(vpc)}, mode {_mode(vpc, phase)}"
    head = f"{account} {head}" if account else head
    lines = ["", head + (f" ({clean(note, 240)})" if note else "")]
    if vpc.exception is not None:
        lines.append(f"  exception: {clean(vpc.exception.describe(), 300)}")
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


def planned_changes(changes: Sequence[tuple[str, VpcResult]]) -> str:
    """The changes a confirmation counts, per VPC, as the table's plan lines: for standard
    error, when the plan table was not shown on the terminal (``--format json``,
    ``--output-file``). ``changes`` pairs each VPC with its account's label (``""`` for one
    account). Every name and description is :func:`clean`: they are data.

    >>> from remediation.actions import EnableVpcAttribute
    >>> from remediation.outcomes import Outcome
    >>> action = EnableVpcAttribute(vpc_id="vpc-1", reason="r", attribute="enableDnsHostnames")
    >>> vpc = VpcResult("vpc-1", "1", "us-east-1", Mode.DRY_RUN, VpcStatus.NON_COMPLIANT,
    ...                 name="app\x1b[2J", outcomes=(Outcome(action, OutcomeStatus.PLANNED),))
    >>> print(planned_changes([("", vpc)]))  # doctest: +ELLIPSIS
    ecr-endpoint-guard: the plan: what --fix will change (nothing is changed yet)
      us-east-1 vpc-1 (app?[2J): 1 change(s)
        - ...enableDnsHostnames...
    """
    lines = [f"{PROG}: the plan: what --fix will change (nothing is changed yet)"]
    for account, vpc in changes:
        name = f" ({clean(vpc.name, 60)})" if vpc.name else ""
        where = f"{clean(account, 80)} {vpc.region}" if account else vpc.region
        cost = (
            f", about ${vpc.cost.monthly_usd:,.2f}/month"
            if vpc.cost and vpc.cost.monthly_usd
            else ""
        )
        lines.append(f"  {where} {vpc.vpc_id}{name}: {len(vpc.outcomes)} change(s){cost}")
        lines += [f"    - {clean(o.action.describe(), 300)}" for o in vpc.outcomes]
    return "\n".join(lines)
