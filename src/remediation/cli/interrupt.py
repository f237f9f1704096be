"""Ctrl-C that keeps the CLI's promises: no repair cut in half, nothing done left unreported.

A scan installs :class:`Interrupts` on SIGINT (the main thread only, while it runs):

1. The first Ctrl-C **stops**: no account, region or VPC is started any more (the VPCs left
   are reported ``not-reached``); the VPC being repaired finishes, for at most
   :data:`FINISH_SECONDS`; then everything done so far is printed as usual (the table, the
   one JSON document, the code files), with the list of the changes made, and the exit code
   is 130.
2. A second Ctrl-C (or :data:`FINISH_SECONDS` after the first) **halts**: no further AWS
   write starts (the call in flight ends on its own timeouts); the VPC left part-repaired is
   named, with what was created in it, and the rest is reported as after the first.
3. A third Ctrl-C raises :class:`KeyboardInterrupt` at once; the changes recorded so far are
   still printed on the way out (:meth:`Journal.lines`).

The :class:`Journal` records every change the auto-fix pass makes
(:mod:`remediation.cli.journal` feeds it from the executor), in every thread.

>>> journal = Journal()
>>> journal.started("111122223333", "eu-west-1", "vpc-1")
>>> journal.lines()
['vpc-1 (111122223333 eu-west-1) was being repaired when the run stopped: nothing changed \
in it yet']
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

#: How long the first Ctrl-C lets the VPC being repaired finish before no write may start.
FINISH_SECONDS = 60.0
#: Outcome statuses that changed something (the values of :class:`OutcomeStatus`).
CHANGED = frozenset({"applied"})


@dataclass(frozen=True)
class Change:
    """One change the auto-fix pass made (or tried: ``status`` says)."""

    account_id: str
    region: str
    vpc_id: str
    action: str
    status: str
    resource_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "account_id": self.account_id,
            "region": self.region,
            "vpc_id": self.vpc_id,
            "action": self.action,
            "status": self.status,
            "resource_id": self.resource_id,
        }

    def describe(self) -> str:
        made = f" ({self.resource_id})" if self.resource_id else ""
        return f"{self.action} -> {self.status}{made}"


@dataclass
class Journal:
    """Every change of an auto-fix pass, and the VPCs whose repair has not finished."""

    changes: list[Change] = field(default_factory=list)
    #: (account, region, vpc) whose repair started and has not finished (yet).
    unfinished: dict[tuple[str, str, str], None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self, account_id: str, region: str, vpc_id: str) -> None:
        with self.lock:
            self.unfinished[(account_id, region, vpc_id)] = None

    def finished(self, account_id: str, region: str, vpc_id: str) -> None:
        with self.lock:
            self.unfinished.pop((account_id, region, vpc_id), None)

    def record(self, change: Change) -> None:
        with self.lock:
            self.changes.append(change)

    def made(self) -> list[Change]:
        """The changes that changed something, in the order they were made."""
        with self.lock:
            return [c for c in self.changes if c.status in CHANGED]

    def part_repaired(self) -> list[dict[str, Any]]:
        """The VPCs whose repair did not finish, each with what was created in it."""
        with self.lock:
            keys = list(self.unfinished)
            changes = list(self.changes)
        return [
            {
                "account_id": account,
                "region": region,
                "vpc_id": vpc,
                "made": [
                    c.as_dict()
                    for c in changes
                    if (c.account_id, c.region, c.vpc_id) == (account, region, vpc)
                    and c.status in CHANGED
                ],
            }
            for account, region, vpc in keys
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "changes": [c.as_dict() for c in self.made()],
            "part_repaired": self.part_repaired(),
        }

    def lines(self) -> list[str]:
        """For people: the changes made, then each VPC left part-repaired."""
        made = self.made()
        lines = [f"{len(made)} change(s) made before the run stopped:"] if made else []
        lines += [f"  {c.vpc_id} ({c.account_id} {c.region}): {c.describe()}" for c in made]
        for part in self.part_repaired():
            where = f"{part['vpc_id']} ({part['account_id']} {part['region']})"
            created = ", ".join(
                f"{m['action']}" + (f" ({m['resource_id']})" if m["resource_id"] else "")
                for m in part["made"]
            )
            if created:
                lines.append(
                    f"{where} was left part-repaired: made {created}; run the scan with --fix "
                    "again to finish it, or release it"
                )
            else:
                lines.append(
                    f"{where} was being repaired when the run stopped: nothing changed in it yet"
                )
        return lines


class Interrupts:
    """The SIGINT handler of one run: stop, then halt, then :class:`KeyboardInterrupt`."""

    def __init__(
        self,
        stop: threading.Event,
        *,
        warn: Callable[[str], None],
        finish_seconds: float = FINISH_SECONDS,
    ) -> None:
        self.stop = stop
        self.halt = threading.Event()
        self.presses = 0
        self.finish_seconds = finish_seconds
        self.warn = warn
        self._timer: threading.Timer | None = None

    @property
    def interrupted(self) -> bool:
        return self.stop.is_set()

    def time_left(self) -> float:
        """For the engine: no VPC is started once the run is stopped."""
        return 0.0 if self.stop.is_set() else math.inf

    def write_time_left(self) -> float:
        """For the executor: no wait runs once the run is halted."""
        return 0.0 if self.halt.is_set() else math.inf

    def press(self) -> None:
        """One Ctrl-C (the signal handler's body, callable from tests)."""
        self.presses += 1
        if self.presses == 1:
            self.stop.set()
            self.warn(
                "interrupted: starting nothing new; the VPC being repaired finishes (at most "
                f"{self.finish_seconds:g} s), then the results so far are printed. Ctrl-C "
                "again to start no further change"
            )
            self._timer = threading.Timer(self.finish_seconds, self._time_up)
            self._timer.daemon = True
            self._timer.start()
        elif self.presses == 2:
            self._halt("interrupted again: no further change starts; reporting what was done")
        else:
            raise KeyboardInterrupt

    def _time_up(self) -> None:
        if not self.halt.is_set():
            self._halt(f"still repairing after {self.finish_seconds:g} s: no further change starts")

    def _halt(self, message: str) -> None:
        self.halt.set()
        self.warn(message)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.press()

    @contextmanager
    def installed(self) -> Iterator[Interrupts]:
        """The handler, while the block runs (only in the main thread: signals go there)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            # Once interrupted, a press that comes as the run ends must not cut the report of
            # what changed short: further presses are ignored while it is written.
            signal.signal(signal.SIGINT, signal.SIG_IGN if self.interrupted else previous)
            if self._timer is not None:
                self._timer.cancel()


@contextmanager
def plain_ctrl_c() -> Iterator[None]:
    """Ctrl-C as Python's default (:class:`KeyboardInterrupt`) while the block runs: at a
    prompt, where nothing is being changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
