"""The CLI's options are declared once and shared: every command that takes ``--profile``
(or any shared option) gets the same spelling, type and help."""

from __future__ import annotations

import argparse
import ast
from collections import Counter
from pathlib import Path

from remediation.cli import build_parser

CLI = Path(__file__).resolve().parents[3] / "src" / "remediation" / "cli"


def declared_flags() -> Counter[str]:
    """Flags written as string literals in ``add_argument(...)`` or ``Option((...))`` calls."""
    flags: Counter[str] = Counter()
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            name = node.func.id if isinstance(node.func, ast.Name) else name
            if name not in ("add_argument", "Option"):
                continue
            literals = [
                a for arg in node.args for a in ast.walk(arg) if isinstance(a, ast.Constant)
            ]
            flags.update(
                str(c.value) for c in literals if isinstance(c.value, str) and c.value[:1] == "-"
            )
    return flags


def test_no_flag_is_declared_twice() -> None:
    flags = declared_flags()
    assert {"--region", "--profile", "--endpoint-url", "--format", "--yes", "--vpc-id"} <= set(
        flags
    )
    assert {flag: n for flag, n in flags.items() if n > 1} == {}


def _actions(command: str) -> dict[str, argparse.Action]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        flag: action
        for action in subparsers.choices[command]._actions
        for flag in action.option_strings
    }


def test_shared_options_are_the_same_option_in_every_command() -> None:
    scan, release = _actions("scan"), _actions("release")
    for flag in ("--profile", "--endpoint-url"):
        assert (scan[flag].type, scan[flag].help, scan[flag].metavar) == (
            release[flag].type,
            release[flag].help,
            release[flag].metavar,
        )
    assert scan["--vpc-id"].type is release["--vpc-id"].type
    # One declaration of --format; scan adds the asff form (Security Hub's findings) and the
    # code forms (a VPC's repairs as Terraform or CloudFormation) and the report forms (a page,
    # a sheet), which a release has none of.
    assert set(release["--format"].choices or ()) == {"table", "json"}
    assert set(scan["--format"].choices or ()) == {
        "table",
        "json",
        "asff",
        "terraform",
        "cloudformation",
        "html",
        "csv",
    }
    assert scan["--format"].default == release["--format"].default == "table"
