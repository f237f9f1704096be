"""The chat card's documented schema, checked on a message."""

from __future__ import annotations

from typing import Any

from remediation.report.chat import DESCRIPTION_LIMIT, TITLE_LIMIT

#: The documented event schema: each key, whether it is required, and its JSON type.
CONTENT = {"textType": str, "title": str, "description": str, "nextSteps": list, "keywords": list}

METADATA = {
    "threadId": str,
    "summary": str,
    "eventType": str,
    "relatedResources": list,
    "additionalContext": dict,
}


def assert_documented_shape(message: dict[str, Any]) -> None:
    assert message["version"] == "1.0"
    assert message["source"] == "custom"
    assert set(message) <= {"version", "source", "id", "content", "metadata"}
    content, metadata = message["content"], message["metadata"]
    assert set(content) <= set(CONTENT) and set(metadata) <= set(METADATA) | {"enableCustomActions"}
    for key, kind in CONTENT.items():
        assert isinstance(content[key], kind), key
    for key, kind in METADATA.items():
        assert isinstance(metadata[key], kind), key
    assert content["textType"] == "client-markdown"
    assert all(isinstance(s, str) for s in content["nextSteps"] + content["keywords"])
    assert all(isinstance(v, str) for v in metadata["additionalContext"].values())
    assert len(content["title"]) <= TITLE_LIMIT
    assert len(content["description"]) <= DESCRIPTION_LIMIT
