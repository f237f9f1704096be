"""The output formats of ``scan``: one registry entry each, and where each output goes.

A :class:`Format` turns the run's :class:`Report` (everything a scan found, planned and did)
into text. ``--format`` (repeatable) picks formats; ``--output-file FILE`` writes the one
before it to ``FILE``; at most one goes to standard output. The code formats (``terraform``,
``cloudformation``) also write one file per VPC with ``--output-dir``.

A new format is one entry: write ``render_html(report: Report) -> str`` (a pure function of
the report) and add ``Format("html", "<help>", render_html)`` to :data:`FORMATS`. The parser's
choices, the usage checks, ``--help`` and the shell completion read the registry.

>>> sorted(FORMATS)
['asff', 'cloudformation', 'csv', 'html', 'json', 'table', 'terraform']
>>> resolve([("format", "json"), ("file", "r.json"), ("format", "table")])
[Output(format='json', file=PosixPath('r.json')), Output(format='table', file=None)]
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from remediation.cli.render import render_table, scan_document
from remediation.cli.results import AccountScan, RegionScan
from remediation.config import Settings


@dataclass(frozen=True)
class Report:
    """What a scan found, planned and did: every format renders from this alone."""

    scans: tuple[RegionScan, ...]
    accounts: tuple[AccountScan, ...]
    plan: tuple[RegionScan, ...] | None
    caller: str
    across: bool
    fix: bool
    applied: bool
    exit_code: int
    partition: str = "aws"
    #: ``scan`` (read-only), ``plan`` (the plan, not applied) or ``fixed`` (after --fix).
    phase: str = "scan"
    #: ``--quiet``: the table lists only what is not settled (and the errors).
    quiet: bool = False
    #: After Ctrl-C: the changes made and the VPCs left part-repaired (``None``: not stopped).
    interrupted: Mapping[str, Any] | None = None
    settings: Mapping[str, Settings] = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    """One output format of ``scan``."""

    name: str
    help: str
    render: Callable[[Report], str]
    #: Writes code (the VPCs' repairs): changes nothing, so not with --fix; --output-dir.
    code: bool = False


class Output(NamedTuple):
    """One output of a run: a format, and its file (``None``: standard output)."""

    format: str
    file: Path | None = None


def _table(report: Report) -> str:
    return render_table(
        report.scans,
        account=report.caller,
        phase=report.phase,
        accounts=report.accounts if report.across else None,
        quiet=report.quiet,
    )


def document(report: Report) -> dict[str, Any]:
    """The ``--format json`` document of the report (the html and csv reports render it)."""
    found = scan_document(
        report.scans,
        plan=report.plan,
        account=report.caller,
        fix=report.fix,
        applied=report.applied,
        exit_code=report.exit_code,
        accounts=report.accounts,
    )
    found["interrupted"] = None if report.interrupted is None else dict(report.interrupted)
    return found


def _json(report: Report) -> str:
    return json.dumps(document(report), indent=2)


def _page(fmt: str) -> Callable[[Report], str]:
    """A report written from the JSON document (:mod:`remediation.cli.formats`: html, csv)."""

    def render(report: Report) -> str:
        from remediation.cli.formats import render as render_document  # noqa: PLC0415

        return render_document(fmt, document(report))

    return render


def _asff(report: Report) -> str:
    """The ASFF findings of every VPC scanned (after ``--fix``: their state after it)."""
    from remediation.report.asff import summary_findings  # noqa: PLC0415 - asff only

    now = dt.datetime.now(dt.UTC)
    findings = [
        f
        for s in report.scans
        for f in summary_findings(s.summary, partition=report.partition, now=now)
    ]
    return json.dumps({"Findings": findings}, indent=2)


def _code(fmt: str) -> Callable[[Report], str]:
    def render(report: Report) -> str:
        from remediation.cli import code  # noqa: PLC0415 - the code formats only

        return code.text(code.files(vpc_codes(report), fmt), fmt)

    return render


def vpc_codes(report: Report) -> list[Any]:
    """The code of every VPC of the report (the code formats)."""
    from remediation.cli import code  # noqa: PLC0415 - the code formats only

    return code.vpc_codes(
        report.accounts, dict(report.settings), today=dt.datetime.now(dt.UTC).date()
    )


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("table", "for people (default)", _table),
        Format("json", "for machines: one document, a stable schema (docs/cli.md)", _json),
        Format(
            "asff",
            "the Security Hub findings the function would import (one per VPC and check)",
            _asff,
        ),
        Format(
            "html",
            "one self-contained page (posture, findings, traffic and money, a chart)",
            _page("html"),
        ),
        Format("csv", "one row per VPC and finding", _page("csv")),
        Format(
            "terraform",
            "each VPC's repairs as Terraform, adopting what the tool created (changes nothing)",
            _code("terraform"),
            code=True,
        ),
        Format(
            "cloudformation",
            "each VPC's repairs as CloudFormation, with the import of what the tool created",
            _code("cloudformation"),
            code=True,
        ),
    )
}


class OutputError(ValueError):
    """The outputs asked for cannot all be written (a usage error)."""


def resolve(events: Sequence[tuple[str, str]] | None) -> list[Output]:
    """The outputs from ``--format``/``--output-file`` in the order given.

    An ``--output-file`` goes with the ``--format`` before it; with one format (or none:
    ``table``) it may come anywhere. At most one output goes to standard output.

    >>> resolve(None)
    [Output(format='table', file=None)]
    >>> resolve([("file", "out.txt"), ("format", "json")])
    [Output(format='json', file=PosixPath('out.txt'))]
    """
    steps = list(events or ())
    formats = [value for kind, value in steps if kind == "format"] or ["table"]
    if len(formats) == 1:
        files = [Path(value) for kind, value in steps if kind == "file"]
        if len(files) > 1:
            raise OutputError("one --output-file for each --format")
        return [Output(formats[0], files[0] if files else None)]
    outputs: list[Output] = []
    for kind, value in steps:
        if kind == "format":
            outputs.append(Output(value))
        elif not outputs:
            raise OutputError(f"--output-file {value} comes after the --format it writes")
        elif outputs[-1].file is not None:
            raise OutputError("one --output-file for each --format")
        else:
            outputs[-1] = outputs[-1]._replace(file=Path(value))
    if sum(o.file is None for o in outputs) > 1:
        raise OutputError(
            "only one --format can go to standard output: give the others an --output-file"
        )
    return outputs


def write(output: Output, text: str) -> None:
    """Write ``text`` to the output's file (a code format's text, a document...).

    Raises
    ------
    OSError
        The file cannot be written (the caller words it for people).
    """
    if output.file is None:
        raise ValueError("an output without a file is printed, not written")
    if output.file.parent != Path():
        output.file.parent.mkdir(parents=True, exist_ok=True)
    output.file.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
