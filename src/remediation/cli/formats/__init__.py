"""Report formats of ``scan`` written from the scan's JSON document: ``html`` and ``csv``.

Each renderer is pure (the document in, text out) and loaded only when its format is asked
for; :func:`write` puts the text in the file of ``--output`` (or on standard output).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: ``--format`` value -> the module that renders it.
RENDERERS = {"html": "remediation.cli.formats.html", "csv": "remediation.cli.formats.csv_report"}


def render(format_name: str, document: Mapping[str, Any]) -> str:
    module = importlib.import_module(RENDERERS[format_name])
    text: str = module.render(document)
    return text


def write(format_name: str, document: Mapping[str, Any], output: Path | None) -> str:
    """The report as text, written to ``output`` when given; returns the text."""
    text = render(format_name, document)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    return text
