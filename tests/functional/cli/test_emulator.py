"""The demo's emulator (``remediation.demo.emulator``), which the CLI tests and the demo run
against: it stops at once, its server thread gone, rather than at the server's next poll."""

from __future__ import annotations

import threading
import time
import urllib.request

from remediation.demo.emulator import running_emulator


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_server_entry" in t.name]


def test_the_emulator_answers_then_stops_without_waiting_for_its_poll() -> None:
    assert not _server_threads()
    with running_emulator("us-east-1") as url:
        with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=10) as answer:  # noqa: S310
            assert answer.status == 200
        assert len(_server_threads()) == 1
        leaving = time.perf_counter()
    stopped_in = time.perf_counter() - leaving

    assert not _server_threads()
    # socketserver polls for a shutdown request every 0.5 s; stopping waited that long before.
    assert stopped_in < 0.4, stopped_in
