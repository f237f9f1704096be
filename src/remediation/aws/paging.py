"""Paginated, filtered reads: every page of a call, and VPC filters of at most 200 values."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

FILTER_CHUNK = 200  # EC2 accepts at most 200 values in one filter


def pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item under ``key`` of every page of ``operation``."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def vpc_filters(vpc_ids: Sequence[str] | None) -> Iterator[dict[str, Any]]:
    """Keyword arguments for one or more filtered calls (none: region-wide)."""
    if vpc_ids is None:
        yield {}
        return
    for start in range(0, len(vpc_ids), FILTER_CHUNK):
        chunk = list(vpc_ids[start : start + FILTER_CHUNK])
        yield {"Filters": [{"Name": "vpc-id", "Values": chunk}]}
