"""checkov, the security linter the tool's users run, once for every file the suite gives it
that exists before the tests run (a pytest plugin: the ``checkov_run`` fixture).

checkov's start is most of its time (about 3 s here, a few tenths to read the files), and the
suite read three sets of files with it in three runs: the stacks (``template.yaml`` and
``member.yaml``), every scenario's generated CloudFormation, and the golden Terraform. One run
now reads them all, each set in a folder of its own, with both frameworks; each test reads the
checks of its folder (:meth:`CheckovRun.checks`). The tests that use the fixture are one
pytest-xdist group (``TOOL_GROUPS`` in tests/conftest.py), so one worker runs checkov once.

The Terraform a test generates against the emulator (tests/functional/cli/test_cli_code.py)
does not exist before its test runs; that test runs checkov on it itself (:func:`run_checkov`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.template import MEMBER, REPO, TEMPLATE, run, tool

GOLDEN_TERRAFORM = REPO / "tests" / "golden" / "terraform"
#: The folders of the run: the stacks, the scenarios' CloudFormation, the golden Terraform.
STACKS, SCENARIOS, TERRAFORM = "stacks", "cloudformation", "terraform"
FRAMEWORKS = ("cloudformation", "terraform")
KINDS = ("passed_checks", "failed_checks", "skipped_checks")


@dataclass(frozen=True)
class CheckovRun:
    """checkov's JSON report of each framework, by check type (``cloudformation``...)."""

    reports: dict[str, dict[str, Any]] = field(repr=False)  # thousands of lines

    def checks(self, framework: str, folder: str) -> dict[str, list[dict[str, Any]]]:
        """The passed, failed and skipped checks of the files of one folder of the run
        (checkov names each file by its path from the folder it was given)."""
        results = self.reports[framework]["results"]
        return {
            kind: [c for c in results[kind] if Path(c["file_path"]).parts[1] == folder]
            for kind in KINDS
        }

    def parsing_errors(self, framework: str) -> int:
        return int(self.reports[framework]["summary"]["parsing_errors"])


def lay_out(root: Path) -> None:
    """The files of the run, a folder a set, under ``root``."""
    # Imported here: the scenarios import much of the tool, and this module is a plugin of
    # every test process (pytest-xdist's controller, which collects nothing, included).
    from tests.support.iac_lint import cloudformation_texts, real

    (root / STACKS).mkdir(parents=True)
    for stack in (TEMPLATE, MEMBER):
        shutil.copyfile(stack, root / STACKS / stack.name)
    (root / SCENARIOS).mkdir()
    for name, text in cloudformation_texts().items():
        (root / SCENARIOS / name).write_text(real(text), encoding="utf-8")
    shutil.copytree(GOLDEN_TERRAFORM, root / TERRAFORM)


def reports_by_type(stdout: str) -> dict[str, dict[str, Any]]:
    """checkov's ``--output json``: one report, or a list of them (one per framework that
    found files), each naming its ``check_type``."""
    found = json.loads(stdout)
    reports = found if isinstance(found, list) else [found]
    return {str(r["check_type"]): r for r in reports}


def run_checkov(root: Path, frameworks: Sequence[str]) -> CheckovRun:
    """One checkov run over the folders of ``root`` with ``frameworks`` (each folder of
    Terraform read as a module of its own; each file named by its path from ``root``)."""
    result = run(
        [
            str(tool("checkov")),  # skips, or fails under ECR_GUARD_REQUIRE_TOOLS, when missing
            *("--directory", str(root), "--framework", *frameworks),
            *("--skip-download", "--output", "json"),
        ]
    )
    assert result.returncode in (0, 1), result.stderr  # 1: a check failed (the tests say which)
    reports = reports_by_type(result.stdout)
    assert set(reports) == set(frameworks), f"checkov reported {sorted(reports)}"
    return CheckovRun(reports)


@pytest.fixture(scope="session")
def checkov_run(tmp_path_factory: pytest.TempPathFactory) -> CheckovRun:
    tool("checkov")  # before laying out the files: skips, or fails, when checkov is missing
    root = tmp_path_factory.mktemp("checkov")
    lay_out(root)
    return run_checkov(root, FRAMEWORKS)
