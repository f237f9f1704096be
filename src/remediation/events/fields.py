"""Reading an event's values safely: every value looked up, validated and quoted here.

The event parsers (:mod:`remediation.events.parse` for the schedule,
:mod:`remediation.events.cloudtrail` for CloudTrail's calls) read the fields they need through
these helpers. A value that cannot be read raises :class:`Refused` with the reason, which the
parser turns into a :class:`~remediation.events.triggers.Refusal`; a reason quotes at most
:data:`MAX_QUOTE` characters of any value from the event (:func:`quote`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from remediation.events.triggers import EVENT_ID, ID_PATTERNS, REGION
from remediation.vocabulary import ACCOUNT_ID

#: Most ids one event may carry (all kinds together); more is refused, not truncated.
MAX_IDS: Final = 100
#: Most characters of a value from the event that a reason quotes.
MAX_QUOTE: Final = 80

_ID_KIND: Final = {
    "vpc_ids": "VPC",
    "endpoint_ids": "VPC endpoint",
    "subnet_ids": "subnet",
    "route_table_ids": "route table",
    "group_ids": "security group",
}
_MAX_ID_LENGTH: Final = 32  # "subnet-" + 17 digits is 24


class Refused(Exception):
    """Carries a refusal reason out of nested helpers (the parsers catch it: never escapes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: What :func:`lookup` returns for a key that is not there.
MISSING: Final = object()


def quote(value: object) -> str:
    """Show a value from an event in a reason: strings clipped, other values by type.

    Examples
    --------
    >>> quote("vpc-" + "x" * 200)[-4:]
    "...'"
    >>> quote(42), quote(None)
    ('an int', 'null')
    """
    if isinstance(value, str):
        if len(value) > MAX_QUOTE:
            return repr(value[:MAX_QUOTE] + "...")
        return repr(value)
    if value is None or value is MISSING:
        return "null"
    name = {dict: "an object", list: "a list", bool: "a boolean", int: "an int"}.get(type(value))
    return name or f"a {type(value).__name__}"


def is_empty(value: object) -> bool:
    """True for what EC2 writes for "nothing": null, "", {} and []."""
    return value is None or value is MISSING or (isinstance(value, str | dict | list) and not value)


def lookup(detail: Mapping[str, Any], path: tuple[str, ...]) -> object:
    """The value at ``path`` under ``detail``, or :data:`MISSING`; a non-object on the way
    refuses."""
    node: object = detail
    walked = "detail"
    for key in path:
        if is_empty(node):
            return MISSING
        if not isinstance(node, dict):
            raise Refused(f"malformed {walked}: expected an object, got {quote(node)}")
        node = node.get(key, MISSING)
        walked += "." + key
    return node


def flatten(value: object, where: str) -> list[object]:
    """A raw id value as a flat list: one item, a {tag, content} wrapper, or a list of those."""
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_IDS:
        raise Refused(f"too many ids at {where}: {len(items)} (at most {MAX_IDS})")
    flat: list[object] = []
    for item in items:
        if isinstance(item, dict) and "content" in item:
            flat.append(item["content"])
        else:
            flat.append(item)
    return flat


def valid_id(raw: object, field: str, where: str) -> str:
    """``raw`` if it is an id of the kind of the :class:`Trigger` field ``field``; else refuses."""
    if (
        isinstance(raw, str)
        and len(raw) <= _MAX_ID_LENGTH
        and ID_PATTERNS[field].fullmatch(raw) is not None
    ):
        return raw
    raise Refused(f"invalid {_ID_KIND[field]} id at {where}: {quote(raw)}")


def _first_present(*values: object) -> object:
    return next((v for v in values if v is not None and v is not MISSING), None)


def account_and_region(event: Mapping[str, Any], detail: Mapping[str, Any]) -> tuple[str, str]:
    """The event's account and region (the envelope's, else CloudTrail's), validated."""
    account = _first_present(event.get("account"), detail.get("recipientAccountId"))
    if not (isinstance(account, str) and ACCOUNT_ID.fullmatch(account)):
        raise Refused(f"invalid account id {quote(account)}: expected 12 digits")
    region = _first_present(event.get("region"), detail.get("awsRegion"))
    if not (isinstance(region, str) and len(region) <= 32 and REGION.fullmatch(region)):
        raise Refused(f"invalid region {quote(region)}")
    return account, region


def event_id(*candidates: object) -> str:
    """The first candidate that is a plausible event id (a UUID in practice), else ""."""
    for value in candidates:
        if isinstance(value, str) and EVENT_ID.fullmatch(value):
            return value
    return ""
