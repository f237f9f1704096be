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
import os
import sys
import traceback
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from remediation import __version__
from remediation.cli import completion, release, scan, terminal
from remediation.cli.errors import CliError, UsageError, describe_error
from remediation.cli.options import Parser, epilog
from remediation.cli.results import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from remediation.cli.terminal import PROG


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``scan`` and ``release``, one module each."""
    parser = Parser(
        prog=PROG,
        description="Keep every VPC's ECR image traffic on private VPC endpoints.",
        epilog=epilog(
            [
                f"{PROG} scan --region eu-west-1            # read-only: the table",
                f"{PROG} scan --fix                         # the plan, then repair",
                f"{PROG} release --vpc-id vpc-0123456789abcdef0",
                f"{PROG} COMMAND --help                     # each command's options",
            ]
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    scan.add_parser(commands)
    release.add_parser(commands)
    completion.add_parser(commands, parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it).

    A bare command (no argument at all) prints the help and exits 0.
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments:
        terminal.out(build_parser().format_help().rstrip("\n"))
        return EXIT_OK
    try:
        args = build_parser().parse_args(arguments)
    except UsageError as exc:
        terminal.error(str(exc))
        return EXIT_ERROR
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    verbose = bool(getattr(args, "verbose", False))
    detach = terminal.attach_log_handler(verbose, debug=bool(getattr(args, "debug", False)))
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
    except BrokenPipeError:  # `... | head`: the reader went away; say so once, quietly
        _silence_stdout()
        terminal.error("standard output was closed before the output ended")
        return EXIT_ERROR
    except ResponseParserError as exc:  # not an AWS API at the other end (HTML, garbage)
        terminal.error(
            f"the endpoint's answer is not an AWS API response ({exc}); is the endpoint URL "
            "(--endpoint-url, AWS_ENDPOINT_URL) or the proxy right?"
        )
        return EXIT_ERROR
    except Exception as exc:  # a defect: say so in one line; --verbose shows where
        if verbose:
            traceback.print_exc(file=sys.stderr)
        terminal.error(f"unexpected {type(exc).__name__}: {exc} (--verbose shows the traceback)")
        return EXIT_ERROR
    finally:
        detach()
    return code


def _silence_stdout() -> None:
    """Point standard output at the null device: the interpreter's last flush of a closed
    pipe would print a traceback of its own."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (tests): nothing to flush
        pass
