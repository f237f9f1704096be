"""Where a scan's results go: every ``--format`` to its place (:mod:`remediation.cli.formats`
renders; this module prints and writes), the errors, what Ctrl-C left, and the exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

from remediation.cli import terminal
from remediation.cli.errors import CliError
from remediation.cli.formats.registry import FORMATS, Output, Report, vpc_codes, write
from remediation.cli.passes import Job
from remediation.cli.results import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AccountScan,
    errors_of,
    exit_code_for,
)


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
    """Print and write every output (:mod:`remediation.cli.formats`) and the errors; return
    the exit code (130 after Ctrl-C, whatever was found)."""
    scans = tuple(s for a in scanned for s in a.scans)
    errors = errors_of(scans, scanned)
    code = exit_code_for([v.status for s in scans for v in s.summary.vpcs], errors=errors)
    interrupted = job.interrupts is not None and job.interrupts.interrupted
    if interrupted:
        code = EXIT_INTERRUPTED
    result = Report(
        scans=scans,
        accounts=tuple(scanned),
        plan=None if plan is None else tuple(s for a in plan for s in a.scans),
        caller=account,
        across=job.across,
        fix=args.fix,
        applied=applied,
        exit_code=code,
        partition=partition,
        phase="fixed" if applied else "plan" if plan_shown else "scan",
        quiet=args.quiet,
        interrupted=job.journal.as_dict() if interrupted else None,
        settings=job.settings,
    )
    for output in args.outputs:
        _emit(output, result, args.output_dir, plan_shown=plan_shown)
    for error in errors:
        terminal.error(error)
    if interrupted:
        terminal.warn("interrupted (Ctrl-C): the results above are what was done before it")
        for line in job.journal.lines():
            terminal.warn(line)
    if (
        code not in (EXIT_INTERRUPTED, EXIT_ERROR)
        and not args.exit_code
        and all(FORMATS[o.format].code for o in args.outputs)
    ):
        return EXIT_OK  # the code was written: --exit-code asks for the scan's code
    return code  # an error (what could be written was) or Ctrl-C: never 0


def _emit(output: Output, result: Report, output_dir: Path | None, *, plan_shown: bool) -> None:
    """One output: to its file, to --output-dir (code, a file per VPC), or printed."""
    fmt = FORMATS[output.format]
    if output.file is not None:
        try:
            write(output, fmt.render(result))
        except OSError as exc:
            raise CliError(f"could not write {output.file}: {exc.strerror or exc}") from exc
        terminal.info(f"{output.format} report written to {output.file}")
        return
    if fmt.code:
        from remediation.cli import code as iac  # noqa: PLC0415 - the code formats only

        iac.emit(iac.files(vpc_codes(result), fmt.name), fmt.name, output_dir)
        return
    if fmt.name == "table":
        if plan_shown and not result.applied:
            return  # the plan above is the table
        if not result.across and result.scans and all(s.summary.error for s in result.scans):
            return  # nothing was read: the errors say why
    terminal.out(fmt.render(result))
