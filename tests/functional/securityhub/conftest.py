"""What the Security Hub tests share: Security Hub CSPM's workflow calls, recorded."""

from __future__ import annotations

from typing import Any

import botocore.client
import pytest


@pytest.fixture
def workflow(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """moto does not implement BatchUpdateFindings: record the calls and answer as AWS does."""
    calls: list[dict[str, Any]] = []
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def answer(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "BatchUpdateFindings":
            calls.append(params)
            return {"ProcessedFindings": params["FindingIdentifiers"], "UnprocessedFindings": []}
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", answer)
    return calls
