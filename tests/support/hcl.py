"""Terraform read back for the tests: python-hcl2's tree as plain data, its resources and imports.

Shared by the tests of the Terraform writer, the CLI's code formats and the dry-run message.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

import hcl2


def _plain(data: Any) -> Any:
    """python-hcl2's tree as plain data: strings unquoted, its bookkeeping keys dropped."""
    if isinstance(data, dict):
        return {
            _plain(k): _plain(v)
            for k, v in data.items()
            if k not in ("__is_block__", "__comments__")
        }
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, str) and len(data) >= 2 and data[0] == data[-1] == '"':
        return unquote(data)
    return data


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_STRING_PART = re.compile(
    r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))|(\$\$\{|%%\{)|([^\\$%]+|.)", re.S
)


def unquote(literal: str) -> str:
    """An HCL quoted string's value: its escapes (``\\n``, ``\\uNNNN``, ``\\UNNNNNNNN``...) and
    template escapes (``$${``, ``%%{``) read as Terraform reads them."""
    found: list[str] = []
    for match in _STRING_PART.finditer(literal[1:-1]):
        short, long, simple, template, other = match.groups()
        if short or long:
            found.append(chr(int(short or long, 16)))
        elif simple is not None:
            assert simple in _ESCAPES, f"unknown escape \\{simple} in {literal!r}"
            found.append(_ESCAPES[simple])
        elif template:
            found.append(template[1:])
        else:
            found.append(other)
    return "".join(found)


def parse(text: str) -> dict[str, Any]:
    """The code's tree as plain data; each caller gets its own copy to change.

    Kept per text for the test process: python-hcl2 (lark) takes tens of milliseconds a file,
    and the property tests parse the same code again and again (412 parses of 108 texts in
    the fuzz of the code writers). A text that does not parse raises each time.
    """
    doc: dict[str, Any] = copy.deepcopy(_parsed(text))
    return doc


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> Any:
    return _plain(hcl2.loads(text))


def resources(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in doc.get("resource", []):
        for name, body in block.get(kind, {}).items():
            assert name not in found, f"{kind}.{name} declared twice"
            found[name] = body
    return found


def imports(doc: dict[str, Any]) -> dict[str, str]:
    return {b["to"].strip("${}"): b["id"] for b in doc.get("import", [])}
