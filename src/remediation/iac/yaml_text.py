"""YAML text for JSON-like data, written by hand. Pure.

The package's runtime needs only boto3 and Powertools, so no YAML library writes the
CloudFormation templates. Block style; every string is a JSON-style double-quoted scalar:
valid YAML (YAML 1.2 is a superset of JSON), never read as a number, boolean, null, tag,
anchor or comment, and ``ensure_ascii`` leaves no character YAML would fold as a line break.
Mappings keep their order: the same data always gives the same text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

#: Keys written bare: CloudFormation's names and ``Fn::`` intrinsics; any other key is quoted.
_BARE_KEY = re.compile(r"^(?:Fn::)?[A-Za-z][A-Za-z0-9]*$")


def scalar(data: Any) -> str:
    """A YAML scalar: strings double-quoted as JSON quotes them, numbers and booleans bare.

    >>> print(scalar('a "b": #c'), scalar(True), scalar(443))
    "a \\"b\\": #c" true 443
    """
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | float):
        return json.dumps(data)
    if data is None:
        return "null"
    if isinstance(data, str):
        return json.dumps(data)
    raise TypeError(f"no YAML scalar for {type(data).__name__}")


def _key(text: str) -> str:
    return text if _BARE_KEY.match(text) else json.dumps(text)


def block(data: Any, indent: int = 0) -> list[str]:
    """Block-style YAML lines for JSON-like data (a mapping or a list).

    >>> print("\\n".join(block({"A": [{"B": "x", "C": [1]}], "D": {}})))
    A:
      - B: "x"
        C:
          - 1
    D: {}
    """
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(data, Mapping):
        for k, v in data.items():
            if isinstance(v, Mapping | list) and v:
                lines += [f"{pad}{_key(k)}:", *block(v, indent + 1)]
            else:
                lines.append(f"{pad}{_key(k)}: {_flow(v)}")
        return lines
    for item in data:
        if isinstance(item, Mapping | list) and item:
            inner = block(item, indent + 1)
            lines += [f"{pad}- {inner[0][len(pad) + 2 :]}", *inner[1:]]
        else:
            lines.append(f"{pad}- {_flow(item)}")
    return lines


def _flow(data: Any) -> str:
    if isinstance(data, Mapping):
        return "{}"
    if isinstance(data, list):
        return "[]"
    return scalar(data)
