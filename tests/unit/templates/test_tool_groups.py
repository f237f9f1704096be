"""The tests that share a slow tool's module fixture (SAM CLI and checkov for the templates)
reach pytest-xdist's ``--dist loadgroup`` scheduler as one group, so the tools start on one
worker only (tests/conftest.py, ``TOOL_GROUPS``).

xdist 3.8 marks a group by suffixing the node id it reads (``<id>@<group>``); with pytest
9.2's structured node ids its own suffix is lost (pytest-dev/pytest-xdist#1386), and the
groups were silently ignored: every worker that got one of these tests started the tools.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

from tests.conftest import TOOL_GROUPS, pytest_collection_modifyitems


def _scope(nodeid: str) -> str:
    """The scheduling unit xdist's loadgroup scheduler gives a node id (its own method; it
    reads nothing of the scheduler's state)."""
    return str(LoadGroupScheduling._split_scope(object.__new__(LoadGroupScheduling), nodeid))


def _collected(pytester: pytest.Pytester, loadgroup: bool) -> dict[str, str]:
    """Node id of each test of a module, after the suite's collection hook, by test name."""
    pytester.makepyfile(
        test_tools="""
        import pytest

        @pytest.fixture(scope="module")
        def tool_runs():
            return {}

        def test_uses_the_tools(tool_runs):
            pass

        @pytest.mark.parametrize("address", ["team@example.com"])
        def test_uses_the_tools_too(tool_runs, address):
            pass

        def test_needs_nothing():
            pass
        """
    )
    items, _ = pytester.inline_genitems("-p", "no:xdist")
    config = items[0].config
    config.option.loadgroup = loadgroup  # what xdist sets on a worker under --dist loadgroup
    pytest_collection_modifyitems(config, items)
    return {item.name: item.nodeid for item in items}


def test_the_tools_tests_are_one_group_for_xdist(pytester: pytest.Pytester) -> None:
    ids = _collected(pytester, loadgroup=True)
    group = TOOL_GROUPS["tool_runs"]
    assert _scope(ids["test_uses_the_tools"]) == group
    assert _scope(ids["test_uses_the_tools_too[team@example.com]"]) == group
    assert _scope(ids["test_needs_nothing"]) == ids["test_needs_nothing"]  # a unit of its own


def test_node_ids_are_left_alone_without_loadgroup(pytester: pytest.Pytester) -> None:
    ids = _collected(pytester, loadgroup=False)
    assert all("@" not in nodeid.split("[")[0] for nodeid in ids.values()), ids
