"""``ecr-endpoint-guard``: the terminal face of the engine.

``scan`` evaluates every VPC of the chosen regions with the same engine as the Lambda
handler and prints what it found: a table for people, or ``--format json`` for machines.
It is read-only unless ``--fix``. ``release`` deletes exactly the tool's own resources
from one VPC. ``docs/cli.md`` documents both, their exit codes and the JSON schema.

The package, one concern per module:

``app``
    :func:`main` and the parser of every command.
``options``
    the parser class and the options the commands share (each declared once).
``scan``, ``release``
    one module per command: its options and what it does.
``passes``
    a scan's read-only and auto-fix passes, one account at a time.
``accounts``
    across accounts (``--account``/``--organization``): which accounts, a session in each
    through its member role, a bounded pool of threads.
``session``
    the AWS session, regions and account a command works in.
``results``
    a scan's results by region, read through the engine's enums; exit codes.
``render``
    the table and the JSON document.
``terminal``
    every read and write of the terminal: streams, the one ``confirm()``, progress, logs.
``errors``
    errors for people, one line each, on :mod:`remediation.aws.errors`.

Neither this package nor :mod:`remediation.release` is shipped in the Lambda artifact.
"""

from remediation.cli.app import build_parser, main
from remediation.cli.render import CLI_SCHEMA_VERSION
from remediation.cli.results import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_NON_COMPLIANT, EXIT_OK
from remediation.cli.terminal import PROG

__all__ = [
    "CLI_SCHEMA_VERSION",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NON_COMPLIANT",
    "EXIT_OK",
    "PROG",
    "build_parser",
    "main",
]
