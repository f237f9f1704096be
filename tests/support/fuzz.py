"""The long fuzz's profiles: ``make fuzz`` runs every entry point with at least 10,000
examples (``ECR_GUARD_FUZZ_PROFILE=fuzz``); ``make test`` runs the same tests with a few hundred
(the default, ``fuzz-smoke``). Seeds beyond ``events/``: the shared reference events, where
``ECR_GUARD_REFERENCE_EVENTS`` (default ``../shared/reference-events`` beside the repository)
names a folder that exists."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[2]
settings.register_profile(
    "fuzz",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
settings.register_profile(
    "fuzz-smoke",
    max_examples=200,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
#: The profile every fuzz test runs with.
FUZZ = settings.get_profile(os.environ.get("ECR_GUARD_FUZZ_PROFILE", "fuzz-smoke"))


def reference_events() -> list[Any]:
    """The shared reference events (complete EventBridge envelopes), when their folder exists."""
    folder = Path(
        os.environ.get("ECR_GUARD_REFERENCE_EVENTS", "")
        or ROOT.parent / "shared" / "reference-events"
    )
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
