"""YAML text for JSON-like data, written by hand. Pure.

The package's runtime needs only boto3 and Powertools, so no YAML library writes the
CloudFormation templates. Block style; every string is a JSON-style double-quoted scalar:
valid YAML (YAML 1.2 is a superset of JSON), never read as a number, boolean, null, tag,
anchor or comment, and every character outside printable ASCII escaped (none for YAML to
fold as a line break).
Mappings keep their order: the same data always gives the same text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

#: Keys written bare: CloudFormation's names and ``Fn::`` intrinsics; any other key is quoted.
_BARE_KEY = re.compile(r"^(?:Fn::)?[A-Za-z][A-Za-z0-9]*$")
#: Words YAML (1.1, as PyYAML reads it) takes for a null or a boolean: never bare (an IAM
#: condition's ``Null`` operator is one).
_RESERVED = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n"})


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
        return quoted(data)
    raise TypeError(f"no YAML scalar for {type(data).__name__}")


def quoted(text: str) -> str:
    """A double-quoted scalar, every character outside printable ASCII escaped (YAML's
    ``\\U`` form above the BMP: YAML reads no JSON surrogate pair).

    >>> print(quoted("caf\u00e9 \U0001f600"))
    "caf\\u00e9 \\U0001f600"
    """
    whole = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # lone surrogates
    body = json.dumps(whole, ensure_ascii=False)
    return "".join(c if " " <= c < "\x7f" else _escape(c) for c in body)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _key(text: str) -> str:
    bare = _BARE_KEY.fullmatch(text) and text.lower() not in _RESERVED
    return text if bare else quoted(text)


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
