"""Small modules whose names say what they hold (issue 19): none in ``src/`` over 400 lines,
the Lambda handler at most 150."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
MOST_LINES = 400
HANDLER_LINES = 150


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_400_lines() -> None:
    over = {
        str(p.relative_to(SRC)): n
        for p in sorted(SRC.rglob("*.py"))
        if (n := _lines(p)) > MOST_LINES
    }
    assert over == {}, f"split these modules by what they hold: {over}"


def test_the_handler_is_thin() -> None:
    assert _lines(SRC / "handlers" / "remediate.py") <= HANDLER_LINES


def test_the_count_would_catch_a_long_module(tmp_path: Path) -> None:
    long = tmp_path / "long.py"
    long.write_text("x = 1\n" * (MOST_LINES + 1), encoding="utf-8")
    assert _lines(long) > MOST_LINES
