"""tests/slow/: the build, the handler's cold start and the demo, each in subprocesses.

Every test collected here is marked ``slow`` (``-m "not slow"`` leaves them out), whether or
not its module says so; the slow tests of other folders (the template tools, the CLI against
the demo's emulator) carry the mark themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)
