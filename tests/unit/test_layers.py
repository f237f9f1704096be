"""The layers contract (pyproject.toml, ``[tool.importlinter]``) holds, covers every module,
and would catch what it is there for: an upward import and a cycle, ``TYPE_CHECKING`` too.

``make layers`` runs the same contracts with import-linter's own command; this test also
runs them under plain ``pytest`` and proves they can fail.
"""

from __future__ import annotations

import copy
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import grimp
import importlinter.api  # noqa: F401 - configures import-linter (graph builder, timers)
import pytest
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

REPO = Path(__file__).resolve().parents[2]
CONFIG: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"][
    "importlinter"
]
ROOTS: list[str] = CONFIG["root_packages"]
KINDS: dict[str, type[Contract]] = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "acyclic_siblings": AcyclicSiblingsContract,
}


def contract(options: dict[str, Any]) -> Contract:
    return KINDS[options["type"]](
        name=options["name"],
        session_options={
            "root_packages": ROOTS,
            "include_external_packages": CONFIG.get("include_external_packages", False),
        },
        contract_options={k: v for k, v in options.items() if k not in ("id", "name", "type")},
    )


def contracts() -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in CONFIG["contracts"]}


def kept(options: dict[str, Any], graph: grimp.ImportGraph) -> bool:
    return bool(contract(options).check(copy.deepcopy(graph), verbose=False).kept)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(
        *ROOTS,
        cache_dir=None,
        include_external_packages=CONFIG.get("include_external_packages", False),
    )


def _layer_modules(entry: str) -> list[str]:
    """``"a | (b) | c"`` -> ``["a", "b", "c"]``."""
    parts = entry.replace(":", "|").split("|")
    return [p.strip().removeprefix("(").removesuffix(")") for p in parts]


def test_the_contracts_hold(graph: grimp.ImportGraph) -> None:
    broken = [c["name"] for c in contracts().values() if not kept(c, graph)]
    assert broken == [], "run `make layers` to see the offending imports"


def test_every_module_sits_in_a_layer(graph: grimp.ImportGraph) -> None:
    """A new module must be placed: a module in no layer would escape the flow's rule."""
    declared = [m for entry in contracts()["flow"]["layers"] for m in _layer_modules(entry)]
    unplaced = sorted(
        module
        for module in graph.modules
        if module not in ROOTS
        and module.split(".")[0] in ROOTS
        and not any(module == d or module.startswith(d + ".") for d in declared)
    )
    assert unplaced == [], "add these modules to a layer in pyproject.toml"


def test_an_upward_import_breaks_the_flow(graph: grimp.ImportGraph) -> None:
    flow = contracts()["flow"]
    for importer, imported in [
        ("remediation.model", "remediation.engine"),  # the bottom importing the middle
        ("remediation.plan", "remediation.baseline"),  # one step into another
        ("remediation.engine", "remediation.cli"),  # anything importing a face
        ("remediation.aws.inventory", "handlers.remediate"),
    ]:
        changed = copy.deepcopy(graph)
        changed.add_import(importer=importer, imported=imported)
        assert not kept(flow, changed), (importer, imported)


def test_the_packages_split_by_concern_stack_one_way(graph: grimp.ImportGraph) -> None:
    for contract_id, importer, imported in [
        ("config-inside", "remediation.config.readers", "remediation.config.settings"),
        ("config-inside", "remediation.config.services", "remediation.config.endpoints"),
        ("iam-policy-inside", "remediation.iam_policy.terms", "remediation.iam_policy.evaluation"),
        ("topology-inside", "remediation.topology.routes", "remediation.topology.inspection"),
    ]:
        changed = copy.deepcopy(graph)
        changed.add_import(importer=importer, imported=imported)
        assert not kept(contracts()[contract_id], changed), (importer, imported)


def test_a_cycle_breaks_the_contracts(graph: grimp.ImportGraph) -> None:
    changed = copy.deepcopy(graph)
    changed.add_import(importer="remediation.model", imported="remediation.actions")
    assert not kept(contracts()["acyclic"], changed)
    assert not kept(contracts()["flow"], changed)


def test_the_lambda_never_reaches_the_cli_the_demo_or_release(graph: grimp.ImportGraph) -> None:
    changed = copy.deepcopy(graph)  # even indirectly: through a module the handler imports
    changed.add_import(importer="remediation.report.notify", imported="remediation.release")
    assert not kept(contracts()["lambda-artifact"], changed)


def test_the_pure_core_never_reaches_the_aws_sdk(graph: grimp.ImportGraph) -> None:
    """Evaluation and planning import no boto3/botocore, not even through another module."""
    pure = contracts()["pure-core"]
    for importer in ("remediation.baseline.dns", "remediation.plan", "remediation.config"):
        changed = copy.deepcopy(graph)  # directly, or through a module that does
        changed.add_import(importer=importer, imported="remediation.aws.errors")
        assert not kept(pure, changed), importer
        changed = copy.deepcopy(graph)
        changed.add_import(importer=importer, imported="botocore")
        assert not kept(pure, changed), importer


def test_type_checking_imports_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cycle closed only under ``if TYPE_CHECKING:`` is a cycle to the contracts."""
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text(
        textwrap.dedent(
            """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from probe.high import High
            """
        )
    )
    (package / "high.py").write_text("from probe import low\nclass High: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = grimp.build_graph("probe", cache_dir=None)
    assert probe.direct_import_exists(importer="probe.low", imported="probe.high")
    options = {"name": "probe", "type": "acyclic_siblings", "ancestors": ["probe"]}
    assert not kept(options, probe)
