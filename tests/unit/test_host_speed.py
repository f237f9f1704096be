"""``bench/host_speed.py``: the machine's speed next to a timing (docs/performance.md)."""

from __future__ import annotations

import pytest
from bench import host_speed


def test_it_times_the_same_work_and_prints_the_median(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = iter([0.4, 0.1, 0.9])
    monkeypatch.setattr(host_speed, "workload", lambda: next(runs))

    assert host_speed.main(["--runs", "3"]) == 0
    assert capsys.readouterr().out == "host speed: 0.40 s\n"


def test_one_run_of_the_workload_takes_a_measurable_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host_speed, "ROUNDS", 2)
    assert 0 < host_speed.workload() < 5
