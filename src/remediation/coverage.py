"""Reaching every VPC in every sweep: reads against the deadline, and the day's order.

A sweep reads its region's VPCs in slices of :data:`SLICE` and evaluates each slice before it
reads the next, so that the read phase keeps the deadline as well as the evaluation: no slice
is read, and no VPC evaluated, with less than the engine's reserve (``VPC_SECONDS``) left. What
is left is *not reached*: the face hands those VPCs to the work queue
(:func:`remediation.handover.hand_over`), in chunks one invocation can finish. Where there
is no queue (the CLI, a deployment without one), the order of the sweep rotates by day
(:func:`rotated`), so that the VPCs a short run leaves are not the same tail every day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.survey import Survey
from remediation.model import VpcSnapshot

#: VPCs a sweep reads first, and at most at a time (each costs two DNS attribute reads, and a
#: hosted-zone lookup when it lacks a local endpoint): the slices after the first are sized to
#: the pace measured.
FIRST_SLICE = 5
SLICE = 50
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


def in_time(
    snapshots: Sequence[VpcSnapshot], time_left: Callable[[], float] | None, reserve: float
) -> Iterator[Read]:
    """Snapshots read together, each yielded only while ``reserve`` seconds are left; then the
    rest as one :class:`NotReached`."""
    for index, snapshot in enumerate(snapshots):
        if time_left is not None and time_left() < reserve:
            yield NotReached(tuple(s.vpc_id for s in snapshots[index:]))
            return
        yield snapshot


def read_in_time(
    survey: Survey,
    order: Sequence[str],
    *,
    time_left: Callable[[], float] | None,
    reserve: float,
    read_one: Callable[[str], list[VpcSnapshot]],
) -> Iterator[Read]:
    """The snapshots of ``order``, lazily, a slice at a time (an event's VPCs: one slice).

    Each VPC is yielded only while at least ``reserve`` seconds are left; a slice is read only
    when the time left also covers reading it at the pace of the slices before. The first
    slice of a sweep is :data:`FIRST_SLICE` VPCs; the next ones are sized to half the time
    left (at most :data:`SLICE`). Once time is short, the rest comes as one
    :class:`NotReached`. A slice whose read fails is read again VPC by VPC (``read_one``), so
    that one VPC's failure costs only that VPC (:class:`NotRead`).
    """
    start, size, pace = 0, (FIRST_SLICE if survey.sweep else max(len(order), 1)), 0.0
    while start < len(order):
        if time_left is not None and time_left() < reserve + pace * size:
            yield NotReached(tuple(order[start:]))
            return
        part = list(order[start : start + size])
        before = time_left() if time_left is not None else 0.0
        try:
            snapshots = survey.snapshots(part)
        except (ClientError, BotoCoreError):
            alone = read_one_by_one(part, read_one)
            yield from (r for r in alone if isinstance(r, NotRead))
            snapshots = [r for r in alone if isinstance(r, VpcSnapshot)]
        if time_left is not None:
            pace = max(pace, (before - time_left()) / len(part))
        start += len(part)
        for index, snapshot in enumerate(snapshots):
            if time_left is not None and time_left() < reserve:
                rest = [s.vpc_id for s in snapshots[index:]]
                yield NotReached((*rest, *order[start:]))
                return
            yield snapshot
        if time_left is not None and pace > 0:
            size = max(1, min(SLICE, int((time_left() - reserve) / pace / 2)))
        else:
            size = SLICE if survey.sweep else size


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
