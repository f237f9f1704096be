"""``bench/host_speed.py``: the machine's speed next to a timing (docs/performance.md)."""

from __future__ import annotations

import pytest
from bench import host_speed


def test_it_times_the_same_work_and_prints_the_median(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(host_speed, "ROUNDS", 1)
    times = iter([0.0, 0.4, 1.0, 1.1, 2.0, 2.9])  # three runs: 0.4 s, 0.1 s, 0.9 s
    monkeypatch.setattr(host_speed.time, "perf_counter", lambda: next(times))

    assert host_speed.main(["--runs", "3"]) == 0
    assert capsys.readouterr().out == "host speed: 0.40 s\n"


def test_one_run_of_the_workload_takes_a_measurable_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host_speed, "ROUNDS", 2)
    assert 0 < host_speed.workload() < 5
