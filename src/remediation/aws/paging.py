"""Paginated, filtered, paced reads: every page of a call, VPC filters of at most 200 values,
and a pace between calls (Route 53 answers five requests a second per account)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
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


class Pacer:
    """Keeps at least ``interval`` seconds between calls (the first call does not wait)."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            delay = self.interval - (self.clock() - self._last)
            if delay > 0:
                self.sleep(delay)
        self._last = self.clock()
