"""What one applier gets: the calls it declared, the run's context, and bounded retries.

:meth:`Step.call` is the only way an applier reaches EC2. It refuses a method the
applier did not declare (so the registry's declarations are true by construction),
and retries in the run the transient errors that come from the run's own changes
(see :mod:`remediation.executor.errors`): a group it created that EC2 does not
show yet (waited for, bounded, then the call is made again), private DNS refused
right after it enabled the DNS attributes, the DNS conflict of a same-service
endpoint it just waited to finish deleting. A few attempts with growing waits,
never more than ``retry_seconds`` for one call nor past the run's deadline.
Throttling, 5xx and connection errors are retried by botocore already (standard
mode, 8 attempts, time-capped in :mod:`remediation.aws.clients`): retrying them again
here would multiply the calls, so what is left of them fails the action.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation import __version__
from remediation.actions import Action
from remediation.aws.errors import error_code, error_message
from remediation.executor.errors import SERVER, THROTTLING, ErrorKind, classify
from remediation.executor.reader import FreshReader
from remediation.vocabulary import MANAGED_TAG, TAG_PREFIX

BOTOCORE_RETRIES = THROTTLING | SERVER
#: Attempts of one call in the run (botocore's own retries come on top, per attempt).
ATTEMPTS = 4
FIRST_WAIT = 2.0
#: A group the run created, not visible yet: polls before giving up.
VISIBILITY_POLLS = 5


class UndeclaredCall(RuntimeError):
    """An applier called an EC2 method its registration does not declare (a bug)."""


@dataclass(frozen=True)
class RunContext:
    """What the tags of created resources say about the run that made them."""

    event_id: str = ""
    event_name: str = ""
    #: Tags required by the account's tag policies or SCPs (``EXTRA_TAGS``), on every creation.
    extra_tags: tuple[tuple[str, str], ...] = ()


@dataclass
class RunState:
    """What this run changed so far in one VPC: it decides how some errors read."""

    created_groups: set[str] = field(default_factory=set)
    dns_enabled: bool = False
    deleting: tuple[str, ...] = ()  # endpoints of the service being created, still deleting


@dataclass
class Timing:
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    #: Seconds left before the run must stop (the Lambda deadline); ``None``: no deadline.
    time_left: Callable[[], float] | None = None
    retry_seconds: float = 30.0
    wait_seconds: float = 60.0

    def can_wait(self, seconds: float, started: float) -> bool:
        if self.clock() + seconds - started > self.retry_seconds:
            return False
        return self.time_left is None or self.time_left() > seconds + 5.0


@dataclass
class Step:
    ec2: Any
    reader: FreshReader
    context: RunContext
    state: RunState
    timing: Timing
    action: Action
    calls: frozenset[str]
    attempts: int = 0  # calls made to EC2 by this step, retries included

    def call(self, method: str, **kwargs: Any) -> Any:
        """``ec2.<method>(**kwargs)``, transient errors retried (bounded)."""
        if method not in self.calls:
            raise UndeclaredCall(f"{type(self.action).__name__} did not declare {method}")
        started = self.timing.clock()
        wait = FIRST_WAIT
        for attempt in range(1, ATTEMPTS + 1):
            self.attempts += 1
            try:
                return getattr(self.ec2, method)(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                if attempt == ATTEMPTS or not self._transient(exc, kwargs):
                    raise
                if not self.timing.can_wait(wait, started):
                    raise
                self._recover(exc, kwargs, started)
                self.timing.sleep(wait)
                wait *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _transient(self, exc: BaseException, kwargs: dict[str, Any]) -> bool:
        """A transient error of the run's own making (botocore retried the others)."""
        if isinstance(exc, BotoCoreError) or error_code(exc) in BOTOCORE_RETRIES:
            return False
        verdict = classify(
            error_code(exc),
            error_message(exc),
            group_created_in_run=bool(_group_ids(kwargs) & self.state.created_groups),
            dns_enabled_in_run=self.state.dns_enabled and bool(kwargs.get("PrivateDnsEnabled")),
            deleting_same_service=bool(self.state.deleting),
        )
        return verdict.kind is ErrorKind.TRANSIENT

    def _recover(self, exc: BaseException, kwargs: dict[str, Any], started: float) -> None:
        """Before the next attempt: wait until this run's new group is visible (bounded)."""
        if error_code(exc) != "InvalidGroup.NotFound":
            return
        for group_id in sorted(_group_ids(kwargs) & self.state.created_groups):
            wait = 1.0
            for _ in range(VISIBILITY_POLLS):
                if self.reader.group_visible(group_id):
                    break
                if not self.timing.can_wait(wait, started):
                    return
                self.timing.sleep(wait)
                wait *= 2

    def tags(self, resource_type: str) -> list[dict[str, Any]]:
        """Tags at creation: who made it, why, for which event."""
        action = self.action
        tags = {
            **dict(self.context.extra_tags),
            MANAGED_TAG: "true",
            f"{TAG_PREFIX}/version": __version__,
            f"{TAG_PREFIX}/reason": action.reason[:255],
            f"{TAG_PREFIX}/event-id": (self.context.event_id or "manual")[:255],
        }
        if action.service:
            tags["Name"] = f"{TAG_PREFIX} {action.service}"
        return [
            {
                "ResourceType": resource_type,
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ]


def _group_ids(kwargs: dict[str, Any]) -> set[str]:
    ids = set(kwargs.get("SecurityGroupIds", ())) | set(kwargs.get("AddSecurityGroupIds", ()))
    if "GroupId" in kwargs:
        ids.add(str(kwargs["GroupId"]))
    return ids
