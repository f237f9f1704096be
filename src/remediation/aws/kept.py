"""Readings an execution environment keeps: each with the time it was read, trusted for a TTL.

Region-level facts, Block Public Access exclusions, Resolver rules, hub zones' records, a
Route 53 Profile's resources and the remote endpoints they name are read once and kept, so that
a warm environment's events stay within their read budget. Each reader keeps its own
:class:`Kept` (emptied by its module's ``reset``) and its own TTL, read when asked, so that a
test can shorten it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """Values by key, each with when it was read.

    >>> kept: Kept[str] = Kept()
    >>> kept.put(("a",), 100.0, "read")
    >>> kept.fresh(("a",), 150.0, ttl=60.0), kept.fresh(("a",), 160.0, ttl=60.0)
    ('read', None)
    """

    def __init__(self) -> None:
        self._items: dict[Hashable, tuple[float, V]] = {}

    def fresh(self, key: Hashable, now: float, *, ttl: float) -> V | None:
        """The value read less than ``ttl`` seconds before ``now``; ``None`` otherwise."""
        item = self._items.get(key)
        return item[1] if item is not None and now - item[0] < ttl else None

    def put(self, key: Hashable, now: float, value: V) -> None:
        self._items[key] = (now, value)

    def forget(self, key: Hashable) -> None:
        """No later reader may rely on what was read before (it is gone, or unreadable)."""
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
