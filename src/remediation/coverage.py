"""Reaching every VPC in every sweep: reads against the deadline, and the day's order.

A sweep reads its region's VPCs in slices of :data:`SLICE` and evaluates each slice before it
reads the next, so that the read phase keeps the deadline as well as the evaluation: no slice
is read, and no VPC evaluated, with less than the engine's reserve (``VPC_SECONDS``) left. What
is left is *not reached*: the face hands those VPCs to the work queue
(:func:`remediation.org.work_items.hand_over`), in chunks one invocation can finish
(:func:`chunk_size`). Where there is no queue (the CLI, a deployment without one), the order of
the sweep rotates by day (:func:`rotated`), so that the VPCs a short run leaves are not the
same tail every day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.survey import Survey
from remediation.model import VpcSnapshot

#: VPCs a sweep reads at a time (each costs two DNS attribute reads, and a hosted-zone lookup
#: when it lacks a local endpoint: a few seconds a slice).
SLICE = 25
#: Most VPCs in one handed-over work item (EC2 takes at most 200 values in one filter).
MOST_PER_ITEM = 200
_GOLDEN = (math.sqrt(5) - 1) / 2


@dataclass(frozen=True)
class NotRead:
    """A VPC whose read failed, on its own too (the others of its slice went on)."""

    vpc_id: str
    error: ClientError | BotoCoreError


@dataclass(frozen=True)
class NotReached:
    """The VPCs the deadline left, in the sweep's order."""

    vpc_ids: tuple[str, ...]


Read = VpcSnapshot | NotRead | NotReached


def rotated(vpc_ids: Sequence[str], day: dt.date) -> list[str]:
    """The sweep's order on ``day``: the VPCs rotated by an offset that moves by the golden
    ratio of their number each day, so that over a few days every VPC comes early.

    >>> rotated(["a", "b", "c", "d", "e"], dt.date(2026, 12, 6))
    ['e', 'a', 'b', 'c', 'd']
    >>> rotated(["a", "b", "c", "d", "e"], dt.date(2026, 12, 7))
    ['c', 'd', 'e', 'a', 'b']
    """
    if not vpc_ids:
        return []
    offset = int(math.modf(day.toordinal() * _GOLDEN)[0] * len(vpc_ids))
    return [*vpc_ids[offset:], *vpc_ids[:offset]]


def read_in_time(
    survey: Survey,
    order: Sequence[str],
    *,
    enough_time: Callable[[], bool],
    read_one: Callable[[str], list[VpcSnapshot]],
) -> Iterator[Read]:
    """The snapshots of ``order``, a slice at a time (one slice for an event), lazily: each
    is yielded only while ``enough_time()``; then the rest as one :class:`NotReached`.

    A slice whose read fails is read again VPC by VPC (``read_one``), so that one VPC's
    failure costs only that VPC (:class:`NotRead`).
    """
    size = SLICE if survey.sweep else max(len(order), 1)
    for start in range(0, len(order), size):
        part = list(order[start : start + size])
        if not enough_time():
            yield NotReached(tuple(order[start:]))
            return
        try:
            snapshots = survey.snapshots(part)
        except (ClientError, BotoCoreError):
            alone = read_one_by_one(part, read_one)
            yield from (r for r in alone if isinstance(r, NotRead))
            snapshots = [r for r in alone if isinstance(r, VpcSnapshot)]
        for index, snapshot in enumerate(snapshots):
            if not enough_time():
                rest = [s.vpc_id for s in snapshots[index:]]
                yield NotReached((*rest, *order[start + size :]))
                return
            yield snapshot


def read_one_by_one(
    vpc_ids: Sequence[str], read_one: Callable[[str], list[VpcSnapshot]]
) -> list[VpcSnapshot | NotRead]:
    """Each VPC read on its own (reading them together failed): one VPC's failure costs only
    that VPC."""
    reads: list[VpcSnapshot | NotRead] = []
    for vpc_id in vpc_ids:
        try:
            reads += read_one(vpc_id)
        except (ClientError, BotoCoreError) as exc:
            reads.append(NotRead(vpc_id, exc))
    return reads


def chunk_size(seconds_per_vpc: float, seconds_per_invocation: float) -> int:
    """VPCs per handed-over work item: what one invocation finishes at twice the pace this
    run measured (at least one, at most :data:`MOST_PER_ITEM`).

    >>> chunk_size(0.5, 240.0)
    200
    >>> chunk_size(45.0, 240.0)
    2
    >>> chunk_size(0.0, 0.0)
    1
    """
    pace = max(seconds_per_vpc, 0.05) * 2
    return max(1, min(MOST_PER_ITEM, int(seconds_per_invocation / pace)))
