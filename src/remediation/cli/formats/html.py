"""``scan --format html``: one self-contained page from the scan's JSON document.

The page is rendered from the same document ``--format json`` prints (:func:`remediation.cli.
render.scan_document`), so both show the same figures. It has no external asset and no script:
the styles are inline, the chart is inline SVG, and it prints on paper (``@media print``).
Every text that comes from AWS or the settings (names, tags, messages) is escaped: a VPC's Name
tag can hold anything.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from remediation.cost import usd

#: The chart shows at most this many VPCs (the most expensive first).
CHART_VPCS = 25
TRAFFIC_DAYS = 14

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1f24;}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccd}
.meta{color:#555;margin:0 0 1rem}
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
.card{border:1px solid #ccd;border-radius:6px;padding:.5rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.3rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}
td.name{max-width:15rem;overflow-wrap:anywhere}td.name code,td.num{white-space:nowrap}
.small{color:#555;font-size:.8em}
th,td{border-bottom:1px solid #e3e3ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.s-compliant,.s-fixed{color:#116329}.s-non-compliant,.s-failed,.s-unreadable{color:#a40e26}
.s-incomplete,.s-deferred{color:#7d4e00}.s-skipped,.s-not-reached{color:#555}
.sev-warning{color:#7d4e00}.sev-manual{color:#a40e26}.sev-info{color:#555}
.vpc{break-inside:avoid;margin:1rem 0}
code{font-family:ui-monospace,monospace;font-size:.85em}
@media print{body{margin:0}.vpc{page-break-inside:avoid}a{color:inherit}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _usd(value: object) -> str:
    return "-" if value is None else usd(float(value))  # type: ignore[arg-type]


def _gb(value: object) -> str:
    return "-" if value is None else f"{float(value) / 1e9:,.2f} GB"  # type: ignore[arg-type]


def vpcs(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every VPC of the document (after ``--fix``: its state after it), in order."""
    return [v for region in document.get("regions", []) for v in region.get("vpcs", [])]


def money_totals(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Endpoints' monthly cost, NAT processing avoided and net, summed over the VPCs."""
    total = {"endpoints": 0.0, "avoided": 0.0, "net": 0.0}
    for vpc in rows:
        money = vpc.get("money") or {}
        total["endpoints"] += float(money.get("endpoints_monthly_usd") or 0.0)
        total["avoided"] += float(money.get("nat_avoided_monthly_usd") or 0.0)
        total["net"] += float(money.get("net_monthly_usd") or 0.0)
    return {k: round(v, 2) for k, v in total.items()}


def chart(rows: Sequence[Mapping[str, Any]]) -> str:
    """Inline SVG: each VPC's monthly endpoint cost against the NAT processing it avoids."""
    data = [
        (
            str(v.get("vpc_id", "")),
            float(m.get("endpoints_monthly_usd") or 0.0),
            float(m.get("nat_avoided_monthly_usd") or 0.0),
        )
        for v in rows
        if (m := v.get("money"))
    ]
    data.sort(key=lambda d: (-max(d[1], d[2]), d[0]))
    data = data[:CHART_VPCS]
    if not data:
        return "<p>No cost figures (no VPC evaluated).</p>"
    top = max(max(c, a) for _, c, a in data) or 1.0
    label, bar, row = 190, 420, 34
    height = row * len(data) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label + bar + 140}" '
        f'height="{height}" viewBox="0 0 {label + bar + 140} {height}" '
        'aria-label="Monthly endpoint cost against NAT processing avoided, per VPC">',
        '<rect x="0" y="0" width="12" height="10" fill="#4c6ef5"/>'
        '<text x="16" y="10" font-size="11">endpoints $/month</text>'
        '<rect x="150" y="0" width="12" height="10" fill="#2f9e44"/>'
        '<text x="166" y="10" font-size="11">NAT processing avoided $/month</text>',
    ]
    for index, (vpc_id, cost, avoided) in enumerate(data):
        y = 24 + index * row
        parts.append(f'<text x="0" y="{y + 12}" font-size="11">{_e(vpc_id)}</text>')
        for offset, value, colour in ((0, cost, "#4c6ef5"), (13, avoided, "#2f9e44")):
            width = max(1.0, bar * value / top)
            parts.append(
                f'<rect x="{label}" y="{y + offset}" width="{width:.1f}" height="11" '
                f'fill="{colour}"><title>{_e(vpc_id)}: {_usd(value)}</title></rect>'
                f'<text x="{label + width + 4:.1f}" y="{y + offset + 10}" '
                f'font-size="10">{_usd(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _vpc_row(vpc: Mapping[str, Any]) -> str:
    traffic = vpc.get("traffic") or {}
    money = vpc.get("money") or {}
    status = str(vpc.get("status", ""))
    open_findings = [f for f in vpc.get("findings", []) if f.get("severity") != "info"]
    name = _e(vpc.get("name", "") or "-")
    account = _e(vpc.get("account_id", ""))
    if vpc.get("account_name"):  # across accounts, where Organizations tells it
        account += f'<br><span class="small">{_e(vpc["account_name"])}</span>'
    cells = [
        account,
        _e(vpc.get("region", "")),
        f'<code>{_e(vpc.get("vpc_id", ""))}</code><br><span class="small">{name}</span>',
        _e(vpc.get("mode", "")),
        f'<span class="s-{_e(status)}">{_e(status)}</span>',
    ]
    if traffic.get("error"):
        measured = "unread"
    elif traffic:
        measured = f"{_gb(traffic.get('endpoint_bytes'))} / {_gb(traffic.get('nat_bytes'))}"
    else:
        measured = "-"
    bound = "&le; " if money.get("basis") == "upper-bound" else ""
    numbers = [
        str(len(open_findings)),
        str(len(vpc.get("actions", []))),
        measured,
        _usd(money.get("endpoints_monthly_usd")) if money else "-",
        bound + _usd(money.get("nat_avoided_monthly_usd")) if money else "-",
        bound + _usd(money.get("net_monthly_usd")) if money else "-",
    ]
    return (
        "<tr>"
        + "".join(
            f'<td class="name">{c}</td>' if i == 2 else f"<td>{c}</td>" for i, c in enumerate(cells)
        )
        + "".join(f'<td class="num">{n}</td>' for n in numbers)
        + "</tr>"
    )


def _details(vpc: Mapping[str, Any]) -> str:
    findings = vpc.get("findings", [])
    actions = vpc.get("actions", [])
    money = vpc.get("money") or {}
    if not (findings or actions):
        return ""
    name = f" ({_e(vpc['name'])})" if vpc.get("name") else ""
    parts = [
        f'<section class="vpc"><h3><code>{_e(vpc.get("vpc_id", ""))}</code>{name}: '
        f"{_e(vpc.get('status', ''))}, {_e(vpc.get('account_id', ''))} "
        f"{_e(vpc.get('region', ''))}</h3>"
    ]
    if money.get("summary"):
        parts.append(f"<p>Money: {_e(money['summary'])}</p>")
    if findings:
        parts.append(
            "<table><tr><th>severity</th><th>code</th><th>service</th><th>finding</th></tr>"
        )
        parts += [
            f'<tr><td class="sev-{_e(f.get("severity", ""))}">{_e(f.get("severity", ""))}</td>'
            f"<td><code>{_e(f.get('code', ''))}</code></td><td>{_e(f.get('service', ''))}</td>"
            f"<td>{_e(f.get('message', ''))}</td></tr>"
            for f in findings
        ]
        parts.append("</table>")
    if actions:
        parts.append("<p>Repairs:</p><ul>")
        parts += [
            f"<li>{_e(a.get('description', a.get('kind', '')))} ({_e(a.get('status', ''))})</li>"
            for a in actions
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _prices(rows: Sequence[Mapping[str, Any]]) -> str:
    """Where the prices come from, and when the table was written (docs/cost.md)."""
    money = next((v["money"] for v in rows if v.get("money")), None)
    if not money or not money.get("price_source"):
        return ""
    return (
        f'<p class="meta">Prices: {_e(money["price_source"])}; as of '
        f"{_e(money.get('prices_as_of', ''))}. Estimates for people, not a bill.</p>"
    )


def render(document: Mapping[str, Any]) -> str:
    """The page for one scan document (``scan --format json``'s), as text."""
    rows = vpcs(document)
    totals = document.get("totals", {})
    money = money_totals(rows)
    by_status = totals.get("by_status", {})
    regions = sorted({str(v.get("region", "")) for v in rows})
    accounts = sorted({str(v.get("account_id", "")) for v in rows})
    cards = [
        ("VPCs", str(totals.get("vpcs", len(rows)))),
        *((status, str(n)) for status, n in by_status.items() if n),
        ("endpoints $/month", _usd(money["endpoints"])),
        ("NAT processing avoided $/month", _usd(money["avoided"])),
        ("net $/month", _usd(money["net"])),
    ]
    head = ["account", "region", "VPC and name", "mode", "status"]
    numeric = [
        "open findings",
        "repairs",
        f"traffic, {TRAFFIC_DAYS} days: endpoints / NAT",
        "endpoints $/month",
        "NAT avoided $/month",
        "net $/month",
    ]
    errors = "".join(f"<li>{_e(e)}</li>" for e in document.get("errors", []))
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>ecr-endpoint-guard scan: account {_e(document.get('account_id', ''))}</title>",
            f"<style>{STYLE}</style></head><body>",
            "<h1>ecr-endpoint-guard: ECR endpoints, posture and money</h1>",
            f'<p class="meta">tool {_e(document.get("tool_version", ""))}; run from account '
            f"{_e(document.get('account_id', ''))}; account(s) {_e(', '.join(accounts) or '-')}; "
            f"region(s) {_e(', '.join(regions) or '-')}; "
            f"{'after --fix' if (document.get('fix') or {}).get('applied') else 'read-only scan'}"
            "; money: monthly estimates (docs/cost.md)</p>",
            '<div class="cards">',
            *(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards),
            "</div>",
            f"<ul>{errors}</ul>" if errors else "",
            "<h2>Monthly endpoint cost against NAT processing avoided</h2>",
            chart(rows),
            "<h2>Posture by account and VPC</h2><table><tr>",
            *(f"<th>{_e(h)}</th>" for h in head),
            *(f'<th class="num">{_e(h)}</th>' for h in numeric),
            "</tr>",
            *(_vpc_row(v) for v in rows),
            "</table>",
            "<h2>Findings and repairs</h2>",
            *(_details(v) for v in rows),
            _prices(rows),
            "</body></html>\n",
        ]
    )
