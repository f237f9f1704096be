"""The question before the auto-fix pass: what ``--fix`` will change, asked once for every
account, then the pass (:func:`remediation.cli.fix_pass.apply_account`) in each confirmed one."""

from __future__ import annotations

import sys

from remediation.cli import terminal
from remediation.cli.fix_pass import apply_account
from remediation.cli.interrupt import plain_ctrl_c
from remediation.cli.passes import Job, each_account, fixable
from remediation.cli.render import planned_changes
from remediation.cli.results import AccountScan, would_fix
from remediation.cli.terminal import AccountProgress
from remediation.report.results import VpcResult


def fix(
    job: Job, plan: list[AccountScan], caller: str, *, yes: bool, shown: bool = True
) -> tuple[list[AccountScan], bool]:
    """After the plan: confirm (unless ``yes``), then the auto-fix pass; (accounts, applied).

    Only the accounts scanned without error are changed; one confirmation covers them all.
    ``shown``: the plan's table went to the terminal. Otherwise (``--format json``,
    ``--output-file``, standard output not a terminal) the changes it counts are listed on
    standard error before the question, so that nobody confirms a plan they have not seen.
    """
    changing = [a for a in plan if fixable(a) and any(would_fix(v) for v in _vpcs(a))]
    changes = [v for a in changing for v in _vpcs(a) if would_fix(v)]
    if not changes:
        terminal.info("--fix: nothing to change")
        return plan, False
    actions = sum(len(v.outcomes) for v in changes)
    seen = "as planned above"
    if not (yes or shown):
        labels = {a.account_id: a.label if job.across else "" for a in changing}
        sys.stderr.write(planned_changes([(labels[v.account_id], v) for v in changes]) + "\n")
        seen = "as listed above"
    if job.across:
        listing = "".join(f"\n  {_account_changes(a, caller)}" for a in changing)
        question = (
            f"--fix will make {actions} change(s) to {len(changes)} VPC(s) in "
            f"{len(changing)} account(s), {seen}. Nothing is deleted.{listing}\nApply?"
        )
    else:
        regions = ", ".join(sorted({v.region for v in changes}))
        question = (
            f"--fix will make {actions} change(s) to {len(changes)} VPC(s) in {regions} "
            f"(account {caller}), {seen}. Nothing is deleted.\nApply?"
        )
    if not (yes or _confirm(question, job)):
        terminal.info("--fix: not confirmed; nothing was changed")
        return plan, False
    progress = AccountProgress(sys.stderr, accounts=len(changing), verb="fixed")
    fixed = each_account(job, changing, lambda account: apply_account(job, account), progress)
    by_account = {a.account_id: a for a in fixed}
    return [by_account.get(a.account_id, a) for a in plan], True


def _confirm(question: str, job: Job) -> bool:
    """The one question; Ctrl-C there is a no (and stops the run: nothing was changed)."""
    try:
        with plain_ctrl_c():
            return terminal.confirm(question)
    except KeyboardInterrupt:
        if job.interrupts is not None:
            job.interrupts.stop.set()
        sys.stderr.write("\n")  # after the ^C the terminal echoed
        return False


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
    return f"{account.label} ({how}): {'; '.join(by_region)}"
