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

#: An IAM role name: 1-64 characters of ``[\w+=,.@-]`` (IAM CreateRole reference), after an
#: optional path (``division/team/``: IAM paths are 1-512 characters, ``/`` separated).
ROLE_NAME_PATTERN = re.compile(r"^(?:[\w+=,.@-]+/){0,32}[\w+=,.@-]{1,64}$")
#: A role's ARN: partition, account, then the role's path and name.
ROLE_ARN_PATTERN = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}):role/(.+)$")
#: STS AssumeRole's ExternalId: 2-1224 characters of ``[\w+=,.@:/-]``.
EXTERNAL_ID_PATTERN = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
#: ``--max-parallel``: accounts scanned at once (each its own session and clients).
DEFAULT_PARALLEL = 4
MAX_PARALLEL = 32


#: Where the documentation is: with the project's source (no web site of its own).
DOCS = "docs/cli.md in the project's source (every command, option, exit code and the JSON schema)"


def epilog(examples: list[str]) -> str:
    """A command's help ends with examples and where the documentation is."""
    return "examples:\n" + "\n".join(f"  {e}" for e in examples) + f"\n\ndocumentation: {DOCS}"


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
    """An IAM role name, after its path if it has one: the member role, the same in every
    account (an ARN is ``--role-arn``).

    >>> role_name("ecr-endpoint-guard-member"), role_name("/security/guard-member")
    ('ecr-endpoint-guard-member', 'security/guard-member')
    """
    value = text.strip().strip("/")
    if len(value) > 512 + 64 or not ROLE_NAME_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IAM role name (1-64 of letters, digits and +=,.@_-, after an "
            "optional path: path/to/name)"
        )
    return value


def role_arn(text: str) -> tuple[str, str]:
    """An IAM role's ARN: ``(account, path/name)``.

    >>> role_arn("arn:aws:iam::111122223333:role/security/guard")
    ('111122223333', 'security/guard')
    """
    match = ROLE_ARN_PATTERN.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<path/name>)"
        )
    return match.group(2), role_name(match.group(3))


def external_id(text: str) -> str:
    """An STS external id (2-1224 characters of letters, digits and ``+=,.@:/-``)."""
    value = text.strip()
    if not EXTERNAL_ID_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            "the external id is 2-1224 characters of letters, digits and +=,.@:/-"
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


def tag_filter(text: str) -> tuple[str, str | None]:
    """``KEY=VALUE`` (a VPC tagged so) or ``KEY`` (a VPC with that tag, any value).

    >>> tag_filter("team=payments"), tag_filter("owner")
    (('team', 'payments'), ('owner', None))
    """
    key, sep, value = text.partition("=")
    if not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE or KEY")
    return key.strip(), (value if sep else None)


def seconds(text: str) -> float:
    """A number of seconds from 1 to 300."""
    try:
        value = float(text.strip())
    except ValueError:
        value = 0.0
    if not 1 <= value <= 300:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 1 to 300")
    return value


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
