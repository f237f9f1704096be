"""The generated CloudFormation passes the linters its users run: cfn-lint (errors, warnings and
informational checks, in us-east-1, the scenarios' region) and checkov, on every scenario's
template and import template.

Besides the scenarios, a variant of ``tool_created`` whose group has a rule without a
description (``undescribed``): its import template must describe the rule as it is, and says
why checkov's CKV_AWS_23 does not apply there.

The scenarios name some resources by readable ids (``sg-0tool``) that are not in EC2's format,
which cfn-lint checks; ``REAL_IDS`` (tests/support/iac_lint.py) gives each one an id of the
real format before linting (an id a real snapshot holds always has it).

A checkov check that does not apply is suppressed in the template itself
(``Metadata: checkov: skip`` with a comment, from ``cloudformation_resources.SKIPS``); each
suppression must say why. checkov reads the templates in the suite's one checkov run
(tests/support/checkov.py), in its folder ``cloudformation``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from remediation.iac import cloudformation, cloudformation_resources
from remediation.iac.spec import describe
from tests.support.checkov import SCENARIOS as CHECKOV_FOLDER
from tests.support.checkov import CheckovRun
from tests.support.hostile import HOSTILE_NAMES
from tests.support.iac_lint import REAL_IDS, cloudformation_texts, real
from tests.support.iac_scenarios import SCENARIOS
from tests.support.template import cfn_lint

pytestmark = pytest.mark.slow

REGION = "us-east-1"
TEXTS = cloudformation_texts()


def test_every_readable_id_is_used() -> None:
    """A stale entry of REAL_IDS would hide nothing; keep the map honest."""
    for readable in REAL_IDS:
        assert any(readable in text for text in TEXTS.values()), readable


def test_there_is_something_to_lint() -> None:
    assert {"fresh.yaml", "tool_created.yaml", "tool_created.import.yaml"} <= set(TEXTS)


def test_the_shared_rules_find_what_cfn_lint_finds() -> None:
    """:func:`cfn_lint` keeps cfn-lint's rules between templates (tests/support/template.py):
    on a broken template, after a clean one and before it again, it finds exactly what
    ``cfnlint.api.lint`` (rules loaded afresh) finds, informational checks included."""
    clean = real(TEXTS["tool_created.yaml"])
    broken = clean.replace("VpcEndpointType", "VpcEndpointKind") + (
        "\nParameters:\n  Unused:\n    Type: String\n"
    )
    config = ManualArgs(include_checks=["I"], regions=[REGION])
    assert cfn_lint(clean, [REGION]) == []
    found = cfn_lint(broken, [REGION])
    assert found == [str(m) for m in lint(broken, config=config)]
    assert any("VpcEndpointKind" in f for f in found) and any("W2001" in f for f in found)
    assert cfn_lint(clean, [REGION]) == []


@pytest.mark.parametrize("file", sorted(TEXTS))
def test_cfn_lint_finds_nothing(file: str) -> None:
    assert cfn_lint(real(TEXTS[file]), [REGION]) == []


def test_checkov_finds_no_failed_check(checkov_run: CheckovRun) -> None:
    results = checkov_run.checks("cloudformation", CHECKOV_FOLDER)
    failed = [(c["check_id"], c["file_path"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    assert checkov_run.parsing_errors("cloudformation") == 0
    assert results["passed_checks"]
    scanned = {Path(c["file_path"]).name for c in results["passed_checks"]}
    with_group = {f for f, t in TEXTS.items() if cloudformation_resources.SECURITY_GROUP in t}
    assert with_group <= scanned


def test_every_suppression_says_why(checkov_run: CheckovRun) -> None:
    results = checkov_run.checks("cloudformation", CHECKOV_FOLDER)
    declared = {c for skips in cloudformation_resources.SKIPS.values() for c in skips}
    declared |= set(cloudformation_resources.UNDESCRIBED_RULE)
    skipped = {(c["check_id"], Path(c["file_path"]).name) for c in results["skipped_checks"]}
    assert ("CKV_AWS_23", "undescribed.import.yaml") in skipped
    for check in results["skipped_checks"]:
        assert check["check_id"] in declared, check["check_id"]
        assert len(check["check_result"].get("suppress_comment", "")) > 20, check
    for skips in cloudformation_resources.SKIPS.values():
        assert all(len(why) > 20 for why in skips.values()), skips


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_cfn_lint_passes_whatever_the_vpc_is_called(name: str) -> None:
    """A hostile Name tag (tests/support/hostile.py) is data in the template: the template
    and its import template still pass cfn-lint (errors, warnings, informational)."""
    scenario = SCENARIOS["tool_created"]()
    snapshot = dataclasses.replace(
        scenario.snapshot, tags={**scenario.snapshot.tags, "Name": HOSTILE_NAMES[name]}
    )
    out = cloudformation.render(describe(snapshot, scenario.plan()))
    for text in (out.template, out.import_template):
        assert text
        assert cfn_lint(real(text), [REGION]) == [], name
