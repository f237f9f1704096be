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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from remediation.cli.errors import UsageError
from remediation.cli.values import (
    MAX_PARALLEL,
    account_id,
    endpoint_url,
    external_id,
    parallelism,
    role_arn,
    role_name,
    seconds,
    tag_filter,
    vpc_id,
)

#: ``--max-parallel``: accounts scanned at once (each its own session and clients).
DEFAULT_PARALLEL = 4


#: Where the documentation is: with the project's source (no web site of its own).
DOCS = "docs/cli.md in the project's source (every command, option, exit code and the JSON schema)"


def epilog(examples: list[str]) -> str:
    """A command's help ends with examples and where the documentation is."""
    return "examples:\n" + "\n".join(f"  {e}" for e in examples) + f"\n\ndocumentation: {DOCS}"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error becomes :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


class Ordered(argparse.Action):
    """Records, besides its own value, its place among the options that share ``events``:
    ``--format`` and ``--output-file`` pair by their order on the command line."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        kind = "format" if self.dest == "format" else "file"
        events = list(getattr(namespace, "events", None) or [])
        events.append((kind, str(values)))
        namespace.events = events
        if kind == "format":
            setattr(namespace, self.dest, values)  # the last one: what one format reads
        else:
            setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), values])


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
OUTPUT_FILE = Option(
    ("--output-file",),
    {
        "action": Ordered,
        "metavar": "FILE",
        "help": "write the --format given before it to FILE instead of standard output "
        "(repeatable: one per --format)",
    },
)
QUIET = Option(
    ("--quiet", "-q"),
    {
        "action": "store_true",
        "help": "the table lists only the VPCs with something to do (failures), no progress",
    },
)
EXIT_CODE = Option(
    ("--exit-code",),
    {
        "action": "store_true",
        "help": "with --format terraform or cloudformation: exit with the scan's code (1 when "
        "a VPC is non-compliant) instead of 0 once the code is written",
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
PARALLEL_REGIONS = Option(
    ("--parallel-regions",),
    {
        "type": parallelism,
        "metavar": "N",
        "help": f"regions of an account scanned at once (default 1, at most {MAX_PARALLEL}); "
        "--fix repairs them one at a time",
    },
)
ROLE_ARN = Option(
    ("--role-arn",),
    {
        "type": role_arn,
        "metavar": "ARN",
        "help": "scan the account of this role, through it (instead of --account and --role-name)",
    },
)
EXTERNAL_ID = Option(
    ("--external-id",),
    {
        "type": external_id,
        "metavar": "ID",
        "help": "the external id the member role's trust policy asks for (sts:ExternalId)",
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


LIST_CHECKS = Option(
    ("--list-checks",),
    {
        "action": "store_true",
        "help": "list the checks a scan makes (and the Security Hub controls they match), then "
        "exit; no AWS call",
    },
)
EXCLUDE_REGION = Option(
    ("--exclude-region",),
    {
        "dest": "exclude_regions",
        "action": "append",
        "metavar": "REGION",
        "help": "leave this region out (repeatable; with --all-regions, say)",
    },
)
EXCLUDE_VPC = Option(
    ("--exclude-vpc",),
    {
        "dest": "exclude_vpcs",
        "action": "append",
        "type": vpc_id,
        "metavar": "VPC_ID",
        "help": "leave this VPC out (repeatable)",
    },
)
TAG = Option(
    ("--tag",),
    {
        "dest": "tags",
        "action": "append",
        "type": tag_filter,
        "metavar": "KEY[=VALUE]",
        "help": "only the VPCs with this tag (and value); repeatable: every one must match",
    },
)
DEBUG = Option(
    ("--debug",),
    {
        "action": "store_true",
        "help": "log botocore's requests and answers to stderr (credentials and signatures "
        "redacted)",
    },
)
CONNECT_TIMEOUT = Option(
    ("--connect-timeout",),
    {"type": seconds, "metavar": "SECONDS", "help": "per AWS call (default 3)"},
)
READ_TIMEOUT = Option(
    ("--read-timeout",),
    {"type": seconds, "metavar": "SECONDS", "help": "per AWS call (default 10)"},
)


def add_aws_options(parser: Any) -> None:
    """Where the AWS calls go and how: ``--profile``, ``--endpoint-url``, ``--debug`` and the
    timeouts, shared by every command."""
    PROFILE.add(parser)
    ENDPOINT_URL.add(parser)
    DEBUG.add(parser)
    CONNECT_TIMEOUT.add(parser)
    READ_TIMEOUT.add(parser)


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
    ROLE_ARN.add(which)
    ROLE_NAME.add(group)
    EXTERNAL_ID.add(group)
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
