"""The rows of docs/failures.md's table: the unit and the handler-level failure tests read them."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "failures.md"


def table() -> list[tuple[str, str, str, str]]:
    """(code, message words, class, what the person sees) for each row of the doc's table."""
    text = DOC.read_text().split("## The table", 1)[1].split("\n\n", 3)[2]
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[1], cells[2], cells[3]))
    return rows


ROWS = table()
