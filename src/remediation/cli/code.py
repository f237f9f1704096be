"""``scan --format terraform|cloudformation``: each VPC's plan as code, printed or one file each.

The code comes from the same plan as ``--fix`` (:func:`remediation.engine.vpc.assess`, the
function the engine and the Lambda function plan with) and the VPC as the scan read it. A
VPC the tool cannot plan for (unreadable, not reached) has no code; its error is reported as
in any scan. A VPC whose mode tag keeps the function away (``off``) still gets its code: the
person asked for it.

Files (``--output-dir``), named by the VPC's label (its ``Name`` tag, else its id; the id is
appended when two VPCs share a name):

* Terraform: ``<label>.tf``; the files of many VPCs can share one module.
* CloudFormation: ``<label>.yaml`` (the template), and when the tool created something,
  ``<label>.import.yaml`` and ``<label>.import.json`` (an IMPORT change set's template and
  ``--resources-to-import``, the first of the two steps the template's header spells out).

Without ``--output-dir``, everything goes to standard output: Terraform files one after the
other, CloudFormation templates as YAML documents separated by ``---``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from remediation.actions import Action
from remediation.cli import terminal
from remediation.cli.errors import CliError
from remediation.cli.results import AccountScan
from remediation.config import Settings
from remediation.engine.vpc import assess
from remediation.iac import spec
from remediation.iac.names import unique_labels
from remediation.iac.resources import VpcCode
from remediation.model import VpcSnapshot
from remediation.modes import Mode

TERRAFORM = "terraform"


@dataclass(frozen=True)
class CodeFile:
    """One file of output: its name (for ``--output-dir``) and its text."""

    name: str
    text: str
    #: False for a note without code (no CloudFormation template): printed, never written.
    code: bool = True


def vpc_codes(
    scanned: Sequence[AccountScan], settings: dict[str, Settings], *, today: dt.date
) -> list[VpcCode]:
    """The code of every VPC read, in the scan's order (accounts, regions, VPCs).

    A VPC the scan skipped for its mode tag (``off``) gets no code unless it was asked for by
    ``--vpc-id``: a region's opted-out VPCs (its default VPC, say) are not the person's
    question.
    """
    snapshots = [
        (a.account_id, scan, snapshot)
        for a in scanned
        for scan in a.scans
        for snapshot in scan.snapshots
    ]
    labels = unique_labels(s for _, _, s in snapshots)
    results = {v.vpc_id: v for a in scanned for scan in a.scans for v in scan.summary.vpcs}
    codes: list[VpcCode] = []
    for account, scan, snapshot in snapshots:
        code = spec.describe(
            snapshot, _plan(snapshot, settings[account], today), label=labels[snapshot.vpc_id]
        )
        result = results[snapshot.vpc_id]
        opted_out = result.mode is Mode.OFF and snapshot.vpc_id not in scan.requested
        if opted_out and not code.skipped:
            code = dataclasses.replace(
                code,
                skipped=f"left alone by the tool ({result.mode_note}); --vpc-id asks for its code",
            )
        codes.append(code)
    return codes


def _plan(snapshot: VpcSnapshot, settings: Settings, today: dt.date) -> tuple[Action, ...]:
    return assess(snapshot, settings, today.isoformat())[1]


def files(codes: Sequence[VpcCode], fmt: str) -> list[CodeFile]:
    """The files of ``codes`` in format ``fmt``.

    A VPC without a CloudFormation template (nothing to declare: shared, compliant, or only
    changes to your own resources) is a file of comments only, ``<label>.yaml``, on standard
    output; with ``--output-dir`` it is not written (:func:`emit` says why on standard error).
    """
    if fmt == TERRAFORM:
        from remediation.iac import terraform  # noqa: PLC0415 - this format only

        return [CodeFile(f"{c.label}.tf", terraform.render(c)) for c in codes]
    from remediation.iac import cloudformation  # noqa: PLC0415 - this format only

    found: list[CodeFile] = []
    for code in codes:
        rendered = cloudformation.render(code)
        if rendered.files:
            found += [CodeFile(name, text) for name, text in rendered.files]
        else:
            found.append(CodeFile(cloudformation.file_names(code.label)[0], rendered.note, False))
    return found


def text(written: Sequence[CodeFile], fmt: str) -> str:
    """The files as one text: Terraform one after the other, CloudFormation as YAML documents."""
    if fmt == TERRAFORM:
        return "\n".join(f.text for f in written).rstrip("\n")
    return "---\n" + "---\n".join(_as_document(f) for f in written).rstrip("\n")


def emit(written: Sequence[CodeFile], fmt: str, output_dir: Path | None) -> None:
    """Write the files into ``output_dir`` (created if missing), or print them."""
    if output_dir is None:
        terminal.out(text(written, fmt))
        return
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        for item in written:
            if item.code:
                (output_dir / item.name).write_text(item.text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"could not write to {output_dir}: {exc.strerror or exc}") from exc
    for item in written:
        if item.code:
            terminal.info(f"wrote {output_dir / item.name}")
        else:
            reason = item.text.strip().splitlines()[-1].lstrip("# ")
            terminal.info(f"no {item.name}: {reason}")


def _as_document(item: CodeFile) -> str:
    """A file as one YAML document of the stream (the import JSON, a YAML flow value)."""
    if item.name.endswith(".json"):
        return f"# {item.name}: --resources-to-import\n{item.text.rstrip()}\n"
    return item.text
