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
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from remediation.cli.errors import UsageError
from remediation.events import ID_PATTERNS


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


def add_aws_options(parser: Any) -> None:
    """Where the AWS calls go: ``--profile`` and ``--endpoint-url``, shared by every command."""
    PROFILE.add(parser)
    ENDPOINT_URL.add(parser)


def option_strings(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str]]:
    """``(command, option)`` for every option of ``parser`` and its subcommands.

    What the documentation test checks the documents' options against.
    """
    for action in parser._actions:
        yield from (("", flag) for flag in action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((name, flag) for _, flag in option_strings(sub))
