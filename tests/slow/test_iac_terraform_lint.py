"""The generated Terraform passes checkov, the linter its users run (issue 15).

checkov reads the golden files (``tests/golden/terraform``: exactly what the scenarios
render, checked byte for byte by ``tests/unit/iac/test_terraform.py``) with the Terraform
framework. A check that does not apply is skipped *in the generated code* with its reason
(``#checkov:skip=<id>:<reason>``): every skip must carry one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.template import run, tool

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "terraform"
SKIP = re.compile(r"#checkov:skip=(?P<id>[A-Z0-9_]+):(?P<reason>.*)")


def test_checkov_finds_nothing_in_the_generated_terraform() -> None:
    checkov = tool("checkov")
    files = sorted(GOLDEN.glob("*.tf"))
    assert len(files) >= 8
    result = run(
        [
            str(checkov),
            *("--directory", str(GOLDEN), "--framework", "terraform"),
            *("--skip-download", "--output", "json"),
        ]
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 0
    skipped = {c["check_id"] for c in report["results"]["skipped_checks"]}
    written = {m["id"] for f in files for m in SKIP.finditer(f.read_text())}
    assert skipped == written, "every skip in the code is one checkov honoured, and only those"


def test_every_skip_in_the_generated_terraform_says_why() -> None:
    for path in sorted(GOLDEN.glob("*.tf")):
        for match in SKIP.finditer(path.read_text()):
            assert len(match["reason"].strip()) > 20, (path.name, match["id"])
