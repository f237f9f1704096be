"""The generated Terraform passes checkov, the linter its users run (issue 15).

checkov reads the golden files (``tests/golden/terraform``: exactly what the scenarios
render, checked byte for byte by ``tests/unit/iac/test_terraform.py``) with the Terraform
framework, in the suite's one checkov run (tests/support/checkov.py), in its folder
``terraform``. A check that does not apply is skipped *in the generated code* with its reason
(``#checkov:skip=<id>:<reason>``): every skip must carry one.
"""

from __future__ import annotations

import re

import pytest

from tests.support.checkov import GOLDEN_TERRAFORM as GOLDEN
from tests.support.checkov import TERRAFORM, CheckovRun

pytestmark = pytest.mark.slow

SKIP = re.compile(r"#checkov:skip=(?P<id>[A-Z0-9_]+):(?P<reason>.*)")


def test_checkov_finds_nothing_in_the_generated_terraform(checkov_run: CheckovRun) -> None:
    files = sorted(GOLDEN.glob("*.tf"))
    assert len(files) >= 8
    results = checkov_run.checks("terraform", TERRAFORM)
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    assert checkov_run.parsing_errors("terraform") == 0
    assert results["passed_checks"]
    skipped = {c["check_id"] for c in results["skipped_checks"]}
    written = {m["id"] for f in files for m in SKIP.finditer(f.read_text())}
    assert skipped == written, "every skip in the code is one checkov honoured, and only those"


def test_every_skip_in_the_generated_terraform_says_why() -> None:
    for path in sorted(GOLDEN.glob("*.tf")):
        for match in SKIP.finditer(path.read_text()):
            assert len(match["reason"].strip()) > 20, (path.name, match["id"])
