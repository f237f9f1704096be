"""The examples in the docstrings of src/ and bench/ run, one test per docstring.

A docstring example is documentation that can go stale; run here, it cannot. Modules are
found by walking the packages, so a new module's examples run without being listed.
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil

import bench
import pytest

import handlers
import remediation

#: Scripts, no examples: ``__main__`` modules run when imported, bench/run.py edits sys.path.
NOT_IMPORTABLE = {"bench.run"}


def _modules() -> list[str]:
    names = []
    for package in (remediation, handlers, bench):
        names.append(package.__name__)
        prefix = package.__name__ + "."
        names += [m.name for m in pkgutil.walk_packages(package.__path__, prefix)]
    return sorted(n for n in names if n not in NOT_IMPORTABLE and not n.endswith(".__main__"))


def _docstrings() -> tuple[list[doctest.DocTest], dict[str, str | None]]:
    """The examples, and what importing the modules changed in ``os.environ`` (``None``:
    removed): importing is collecting, so a change would leak into every test after it."""
    before = dict(os.environ)
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        found += [t for t in finder.find(module, name) if t.examples]
    after = dict(os.environ)
    changed = {
        k: after.get(k) for k in before.keys() | after.keys() if before.get(k) != after.get(k)
    }
    return sorted(found, key=lambda t: t.name), changed


DOCSTRINGS, IMPORT_CHANGED_ENVIRONMENT = _docstrings()


def test_importing_a_module_leaves_the_environment_alone() -> None:
    """A module that set, say, ENDPOINT_NEED on import changed every later test's settings
    (bench/metrics.py did: the CLI and handler tests of the same worker then failed)."""
    assert IMPORT_CHANGED_ENVIRONMENT == {}


def test_the_walk_finds_the_examples() -> None:
    modules = {t.name.split(".")[0] for t in DOCSTRINGS}
    assert {"remediation", "bench"} <= modules
    assert len(DOCSTRINGS) >= 20


@pytest.mark.parametrize("docstring", DOCSTRINGS, ids=lambda t: t.name)
def test_docstring_examples(docstring: doctest.DocTest) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    result = runner.run(docstring, out=report.append)
    assert result.failed == 0, "".join(report)
