"""``scan --list-checks``: the checks a scan makes, without any AWS call.

One line a check: its key (the Security Hub finding's last part, ``asff``), what it wants of
a VPC, and the AWS Security Hub controls it matches; ``--format json`` prints them as a list.
"""

from __future__ import annotations

import argparse
import json

from remediation.cli import terminal
from remediation.cli.results import EXIT_OK
from remediation.report.asff import CHECKS


def list_checks(args: argparse.Namespace) -> int:
    """Print the checks (table, or JSON with ``--format json``); exit 0."""
    if getattr(args, "format", "table") == "json":
        terminal.out(
            json.dumps(
                [
                    {"check": c.key, "title": c.title, "wants": c.what, "controls": list(c.related)}
                    for c in CHECKS
                ],
                indent=2,
            )
        )
        return EXIT_OK
    width = max(len(c.key) for c in CHECKS)
    lines = [f"{'CHECK'.ljust(width)}  WHAT A VPC NEEDS"]
    for check in CHECKS:
        controls = f" (Security Hub {', '.join(check.related)})" if check.related else ""
        lines.append(f"{check.key.ljust(width)}  {check.what}{controls}")
    lines += ["", "Finding codes by check: docs/baseline.md; change the services: SERVICES."]
    terminal.out("\n".join(lines))
    return EXIT_OK
