"""Outcomes: what became of each planned repair (planned in dry-run, applied or not in auto-fix)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from remediation.actions import Action


class OutcomeStatus(enum.StrEnum):
    PLANNED = "planned"  # dry-run: what auto-fix would do
    APPLIED = "applied"
    ALREADY_DONE = "already-done"  # found done by someone else on a fresh read
    DEFERRED = "deferred"  # cannot be done yet; Lambda's retry will try again
    SKIPPED = "skipped"  # no longer relevant (e.g. the VPC is gone)
    FAILED = "failed"  # a transient error that outlasted the run's retries, or an unknown one
    #: A refusal no retry can fix (a quota, an access denial, an unsupported zone): the detail
    #: says what a person must do. Not retried; does not fail the invocation.
    NEEDS_PERSON = "needs-person"


@dataclass(frozen=True)
class Outcome:
    """What became of one planned action."""

    action: Action
    status: OutcomeStatus
    detail: str = ""
    resource_id: str = ""
    error_code: str = ""

    @property
    def failed(self) -> bool:
        return self.status is OutcomeStatus.FAILED

    def as_dict(self) -> dict[str, Any]:
        data = self.action.as_dict()
        data.update(status=self.status.value, detail=self.detail)
        if self.resource_id:
            data["resource_id"] = self.resource_id
        if self.error_code:
            data["error_code"] = self.error_code
        return data
