"""The entry point: the parser of every command, and :func:`main`, which turns every
error into one line and an exit code.

>>> build_parser().parse_args(["scan", "--region", "eu-west-1", "--format", "json"]).regions
['eu-west-1']
>>> args = build_parser().parse_args(["scan", "--vpc-id", "vpc-0123456789abcdef0", "--fix"])
>>> args.vpc_ids, args.fix, args.format
(['vpc-0123456789abcdef0'], True, 'table')
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from remediation import __version__
from remediation.cli import release, scan, terminal
from remediation.cli.errors import CliError, UsageError, describe_error
from remediation.cli.options import Parser
from remediation.cli.results import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from remediation.cli.terminal import PROG


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``scan`` and ``release``, one module each."""
    parser = Parser(
        prog=PROG,
        description="Keep every VPC's ECR image traffic on private VPC endpoints.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    scan.add_parser(commands)
    release.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        terminal.error(str(exc))
        return EXIT_ERROR
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    verbose = bool(getattr(args, "verbose", False))
    detach = terminal.attach_log_handler(verbose)
    try:
        code: int = args.handler(args)
    except CliError as exc:
        terminal.error(str(exc))
        return EXIT_ERROR
    except (BotoCoreError, ClientError) as exc:
        terminal.error(describe_error(exc, endpoint_url=getattr(args, "endpoint_url", None)))
        return EXIT_ERROR
    except KeyboardInterrupt:
        terminal.error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a defect: say so in one line; --verbose shows where
        if verbose:
            traceback.print_exc(file=sys.stderr)
        terminal.error(f"unexpected {type(exc).__name__}: {exc} (--verbose shows the traceback)")
        return EXIT_ERROR
    finally:
        detach()
    return code
