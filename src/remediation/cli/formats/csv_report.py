"""``scan --format csv``: one row per VPC and finding, from the scan's JSON document.

A VPC without findings has one row with the finding columns empty, so that every VPC is there.
Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) are prefixed with ``'``: names and messages are data, never formulas.
Figures stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from remediation.cli.formats.html import vpcs

COLUMNS = (
    "account_id",
    "account_name",
    "region",
    "vpc_id",
    "name",
    "mode",
    "status",
    "severity",
    "code",
    "service",
    "resource_id",
    "message",
    "traffic_days",
    "endpoint_bytes",
    "nat_bytes",
    "endpoints_monthly_usd",
    "nat_avoided_monthly_usd",
    "net_monthly_usd",
    "money_basis",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a figure (negative ones too) stays a number
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def render(document: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for vpc in vpcs(document):
        traffic = vpc.get("traffic") or {}
        money = vpc.get("money") or {}
        base = {
            "account_id": vpc.get("account_id"),
            "account_name": vpc.get("account_name"),
            "region": vpc.get("region"),
            "vpc_id": vpc.get("vpc_id"),
            "name": vpc.get("name"),
            "mode": vpc.get("mode"),
            "status": vpc.get("status"),
            "traffic_days": traffic.get("days"),
            "endpoint_bytes": traffic.get("endpoint_bytes"),
            "nat_bytes": traffic.get("nat_bytes"),
            "endpoints_monthly_usd": money.get("endpoints_monthly_usd"),
            "nat_avoided_monthly_usd": money.get("nat_avoided_monthly_usd"),
            "net_monthly_usd": money.get("net_monthly_usd"),
            "money_basis": money.get("basis"),
        }
        for finding in vpc.get("findings") or [{}]:
            row = {
                **base,
                **{
                    k: finding.get(k)
                    for k in ("severity", "code", "service", "resource_id", "message")
                },
            }
            writer.writerow([_cell(row.get(c)) for c in COLUMNS])
    return out.getvalue()
