"""How fast this machine is at the moment: a fixed workload, timed.

The suite's time on a shared two-core machine moves with the host's other load, by up to
two thirds from one hour to the next, with the guest's own CPU idle. A timing of the suite
means little without the machine's speed at that moment, so ``docs/performance.md`` gives
this figure next to each run: run it just before and just after. The workload is pure
Python (JSON and SHA-256 of a fixed document), single-threaded and the same every time, so
only the machine changes; lower is faster.

    python bench/host_speed.py            # the median of 3 runs, in seconds
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time

ROWS = 20_000
ROUNDS = 150


def workload() -> float:
    """Seconds for one run of the fixed workload."""
    started = time.perf_counter()
    text = json.dumps([{"k": i, "v": str(i) * 10} for i in range(ROWS)])
    for _ in range(ROUNDS):
        json.loads(text)
        hashlib.sha256(text.encode()).hexdigest()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs to take the median of")
    runs = parser.parse_args(argv).runs
    print(f"host speed: {statistics.median(workload() for _ in range(max(runs, 1))):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
