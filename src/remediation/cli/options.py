"""Parsing: the parser class and the options the commands share, each declared once.

A command adds a shared option with ``PROFILE.add(parser)`` (its own help or
``dest`` as keyword overrides), as the SAM CLI's commands share ``@profile_option``:
one spelling, one type check, one help text for every command that takes it.

>>> import argparse
>>> parser = Parser(prog="demo")
>>> VPC_ID.add(parser)
>>> parser.parse_args(["--vpc-id", "vpc-12345678"]).vpc_id
'vpc-12345678'
"""

from __future__ import annotations

import argparse
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from remediation.cli.errors import UsageError
from remediation.events.parse import ID_PATTERNS
from remediation.vocabulary import ACCOUNT_ID

#: An IAM role name: 1-64 characters of ``[\w+=,.@-]`` (IAM CreateRole reference).
ROLE_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{1,64}$")
#: ``--max-parallel``: accounts scanned at once (each its own session and clients).
DEFAULT_PARALLEL = 4
MAX_PARALLEL = 32


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error becomes :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


def vpc_id(text: str) -> str:
    """A VPC id (``vpc-`` and 8 or 17 lowercase hex digits), blanks around it ignored."""
    value = text.strip()
    if not ID_PATTERNS["vpc_ids"].fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a VPC id (vpc- and 8 or 17 lowercase hex digits)"
        )
    return value


def endpoint_url(text: str) -> str:
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


def account_id(text: str) -> str:
    """A 12-digit AWS account id, blanks around it ignored.

    >>> account_id(" 111122223333 ")
    '111122223333'
    """
    value = text.strip()
    if not ACCOUNT_ID.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS account id (12 digits)")
    return value


def role_name(text: str) -> str:
    """An IAM role name (no path, no ARN): the member role, the same in every account."""
    value = text.strip()
    if not ROLE_NAME_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IAM role name (1-64 of letters, digits and +=,.@_-; no path)"
        )
    return value


def parallelism(text: str) -> int:
    """A whole number from 1 to :data:`MAX_PARALLEL`."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PARALLEL:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {MAX_PARALLEL}")
    return value


@dataclass(frozen=True)
class Option:
    """One option as every command declares it; ``add`` may override its keywords."""

    flags: tuple[str, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)

    def add(self, parser: Any, **overrides: Any) -> None:
        """Declare the option on ``parser`` (a parser or an argument group)."""
        parser.add_argument(*self.flags, **{**self.settings, **overrides})


REGION = Option(("--region",), {"metavar": "REGION"})
ALL_REGIONS = Option(
    ("--all-regions",),
    {
        "action": "store_true",
        "help": "scan every region enabled for the account (EC2 DescribeRegions)",
    },
)
VPC_ID = Option(("--vpc-id",), {"type": vpc_id, "metavar": "VPC_ID"})
PROFILE = Option(("--profile",), {"help": "AWS profile from the shared config files"})
ENDPOINT_URL = Option(
    ("--endpoint-url",),
    {
        "type": endpoint_url,
        "metavar": "URL",
        "help": "send every AWS call to this URL (a local AWS emulator)",
    },
)
FORMAT = Option(
    ("--format",),
    {
        "choices": ("table", "json"),
        "default": "table",
        "help": "table for people (default), json for machines (a stable, documented schema)",
    },
)
OUTPUT_DIR = Option(
    ("--output-dir",),
    {
        "type": Path,
        "metavar": "DIR",
        "help": "with --format terraform or cloudformation: one file per VPC in DIR "
        "(created if missing) instead of standard output",
    },
)
OUTPUT = Option(
    ("--output",),
    {
        "type": Path,
        "metavar": "FILE",
        "help": "with --format html or csv: write the report to FILE instead of standard output",
    },
)
FIX = Option(
    ("--fix",),
    {
        "action": "store_true",
        "help": "apply the plan after showing it; asks on a terminal unless --yes",
    },
)
YES = Option(("--yes", "-y"), {"action": "store_true"})
VERBOSE = Option(
    ("--verbose", "-v"),
    {"action": "store_true", "help": "log every finding and action to stderr"},
)

ROLE_NAME = Option(
    ("--role-name",),
    {
        "type": role_name,
        "metavar": "NAME",
        "help": "the member role to assume in each account (the member stack's role name)",
    },
)
ACCOUNT = Option(("--account",), {"type": account_id, "metavar": "ACCOUNT_ID"})
ORGANIZATION = Option(
    ("--organization",),
    {
        "action": "store_true",
        "help": "every active account of the organisation (Organizations ListAccounts: from "
        "the management account or a delegated administrator)",
    },
)
MAX_PARALLEL_OPTION = Option(
    ("--max-parallel",),
    {
        "type": parallelism,
        "metavar": "N",
        "help": f"accounts scanned at once (default {DEFAULT_PARALLEL}, at most {MAX_PARALLEL})",
    },
)


def add_aws_options(parser: Any) -> None:
    """Where the AWS calls go: ``--profile`` and ``--endpoint-url``, shared by every command."""
    PROFILE.add(parser)
    ENDPOINT_URL.add(parser)


def add_account_options(parser: Any) -> None:
    """Which accounts a command works in: ``--account``/``--organization`` through the member
    role ``--role-name``, ``--max-parallel`` at once (default: the caller's account only)."""
    group = parser.add_argument_group(
        "accounts", "scan other accounts through their member role (default: your own account)"
    )
    which = group.add_mutually_exclusive_group()
    ACCOUNT.add(
        which,
        dest="accounts",
        action="append",
        help="an account to scan (repeatable); your own account is scanned without a role",
    )
    ORGANIZATION.add(which)
    ROLE_NAME.add(group)
    MAX_PARALLEL_OPTION.add(group)


def option_strings(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str]]:
    """``(command, option)`` for every option of ``parser`` and its subcommands.

    What the documentation test checks the documents' options against.
    """
    for action in parser._actions:
        yield from (("", flag) for flag in action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((name, flag) for _, flag in option_strings(sub))
