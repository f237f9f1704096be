"""Load the EventBridge fixtures of ``events/``, optionally pointed at other ids.

The fixtures use one story: account ``123456789012``, region ``us-east-1`` and
the ids listed in ``events/README.md`` (``vpc-0a1b2c3d4e5f67890``...). Tests
against moto, where AWS makes the ids up, rewrite them with :func:`load_event`.

Examples
--------
>>> event = load_event(
...     "create_vpc_endpoint_ecr_api",
...     ids={"vpc-0a1b2c3d4e5f67890": "vpc-12345678"},
...     region="eu-west-1",
... )
>>> event["detail"]["requestParameters"]["CreateVpcEndpointRequest"]["VpcId"]
'vpc-12345678'
>>> event["detail"]["requestParameters"]["CreateVpcEndpointRequest"]["ServiceName"]
'com.amazonaws.eu-west-1.ecr.api'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"

#: The account and region every fixture uses.
FIXTURE_ACCOUNT = "123456789012"
FIXTURE_REGION = "us-east-1"


def event_names() -> list[str]:
    """The name (file stem) of every fixture in ``events/``, sorted."""
    return sorted(path.stem for path in EVENTS_DIR.glob("*.json"))


def load_event(
    name: str,
    *,
    ids: Mapping[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """Load ``events/<name>.json`` (a fresh copy), rewriting strings on request.

    Every string *value* in the event (not the keys) is rewritten, wherever the
    text occurs in it: ``vpc-0a1b2c3d4e5f67890`` inside an ARN or a DNS name
    changes too, and so does ``us-east-1`` inside ``com.amazonaws.us-east-1.s3``
    or ``us-east-1a``. All replacements happen in one pass, so a new value is
    never rewritten again.

    Parameters
    ----------
    name
        The fixture's file name without ``.json`` (``"create_vpc"``).
    ids
        Old text to new text, typically fixture id to the id moto made up:
        ``{"vpc-0a1b2c3d4e5f67890": vpc_id}``.
    region
        Replaces ``us-east-1`` everywhere (envelope ``region``, ``awsRegion``,
        service names, DNS names, ARNs, availability zones). Zone *ids* such as
        ``use1-az2`` and hosted zone ids are not region names and stay.
    account
        Replaces ``123456789012`` everywhere (envelope, ARNs, owner ids).

    Returns
    -------
    dict
        The decoded event, a new object on every call (mutate it freely).

    Examples
    --------
    >>> load_event("create_vpc", account="111122223333")["account"]
    '111122223333'
    """
    event = json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    if not isinstance(event, dict):
        raise TypeError(f"events/{name}.json is not a JSON object")
    replacements = dict(ids or {})
    if region is not None:
        replacements[FIXTURE_REGION] = region
    if account is not None:
        replacements[FIXTURE_ACCOUNT] = account
    replacements = {old: new for old, new in replacements.items() if old and old != new}
    if not replacements:
        return event
    # Longest first, so that a key that contains another one wins.
    pattern = re.compile("|".join(map(re.escape, sorted(replacements, key=len, reverse=True))))
    rewritten: dict[str, Any] = _rewrite(
        event, lambda text: pattern.sub(lambda m: replacements[m.group(0)], text)
    )
    return rewritten


def _rewrite(node: Any, change: Callable[[str], str]) -> Any:
    if isinstance(node, dict):
        return {key: _rewrite(value, change) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite(value, change) for value in node]
    if isinstance(node, str):
        return change(node)
    return node
