"""Sequencing: applies a plan in auto-fix, one outcome per action, never stopping at the
first failure.

Only auto-fix runs build an :class:`Executor`; dry-run runs have none, and hold only
read-only clients. Every create is tagged at creation (who made it, why, for which
event) and carries an idempotency token (:mod:`remediation.tokens`). The appliers
(:mod:`~remediation.executor.appliers`) make the calls; this module orders them,
threads the tool's new group into the actions that use it, and turns what is left of
an error into an outcome through the one classification
(:mod:`~remediation.executor.errors`): permanent -> ``needs-person``, transient
(already retried in the run) or unknown -> ``failed``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from remediation.actions import (
    TOOL_GROUP,
    Action,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
    EnableVpcAttribute,
    ModifyEndpoint,
    uses_tool_group,
    wants_private_dns,
)
from remediation.aws.errors import error_code, error_message
from remediation.executor.appliers import REGISTRY, Refused
from remediation.executor.errors import ErrorKind, classify
from remediation.executor.reader import VPC_GONE, FreshReader
from remediation.executor.step import RunContext, RunState, Step, Timing
from remediation.outcomes import Outcome, OutcomeStatus

if TYPE_CHECKING:
    from remediation.aws.inventory import Inventory

log = logging.getLogger(__name__)

ALREADY = frozenset(
    {"InvalidPermission.Duplicate", "InvalidPermission.NotFound", "RouteAlreadyExists"}
)


class Executor:
    """Turns actions into EC2 calls.

    Parameters
    ----------
    ec2
        A boto3 EC2 client that may write (made by the face, with retries configured).
    inventory
        For fresh reads, through a :class:`~remediation.executor.reader.FreshReader`.
    wait_seconds
        How long to wait for an endpoint of the same service to finish deleting.
    sleep, clock
        Injected so that tests need not wait.
    time_left
        Seconds left before the run must end (the Lambda deadline): no wait runs past it.
    retry_seconds
        The most one call may spend on the run's own retries of transient errors.
    """

    def __init__(
        self,
        ec2: Any,
        inventory: Inventory,
        *,
        wait_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        time_left: Callable[[], float] | None = None,
        retry_seconds: float = 30.0,
    ) -> None:
        self.ec2 = ec2
        self.reader = FreshReader(inventory)
        self.timing = Timing(
            sleep=sleep,
            clock=clock,
            time_left=time_left,
            retry_seconds=retry_seconds,
            wait_seconds=wait_seconds,
        )
        self._state = RunState()

    @property
    def wait_seconds(self) -> float:
        return self.timing.wait_seconds

    def apply(self, actions: tuple[Action, ...], context: RunContext) -> tuple[Outcome, ...]:
        self._state = RunState()  # one VPC's plan at a time
        outcomes: list[Outcome] = []
        tool_group: str | None = None
        group_failed: Outcome | None = None
        dns_refused: Outcome | None = None
        vpc_gone = False
        for planned in actions:
            action = planned
            if vpc_gone:
                outcomes.append(Outcome(action, OutcomeStatus.SKIPPED, "the VPC no longer exists"))
                continue
            if dns_refused is not None and wants_private_dns(action):
                rest = _without_private_dns(action)
                if rest is None:
                    outcomes.append(_needs_dns(action, dns_refused))
                    _log(outcomes[-1])
                    continue
                action = rest
            if uses_tool_group(action):
                if group_failed is not None:
                    # As the group's own refusal: needs a person, or failed (Lambda retries).
                    outcomes.append(
                        Outcome(
                            action,
                            group_failed.status,
                            f"the tool's security group could not be created: "
                            f"{group_failed.detail}",
                            error_code="DependencyFailed",
                        )
                    )
                    continue
                if tool_group:
                    action = _with_group(action, tool_group)
            outcome = self._apply_one(action, context)
            if isinstance(action, CreateSecurityGroup):
                if outcome.status in (OutcomeStatus.APPLIED, OutcomeStatus.ALREADY_DONE):
                    tool_group = outcome.resource_id
                else:
                    group_failed = outcome
            if isinstance(action, EnableVpcAttribute) and outcome.status not in (
                OutcomeStatus.APPLIED,
                OutcomeStatus.ALREADY_DONE,
                OutcomeStatus.SKIPPED,
            ):
                dns_refused = outcome
            if outcome.status is OutcomeStatus.SKIPPED:
                vpc_gone = True
            outcomes.append(outcome)
            _log(outcome)
        return tuple(outcomes)

    def _apply_one(self, action: Action, context: RunContext) -> Outcome:
        applier = REGISTRY[type(action)]
        step = Step(
            ec2=self.ec2,
            reader=self.reader,
            context=context,
            state=self._state,
            timing=self.timing,
            action=action,
            calls=applier.calls,
        )
        try:
            return applier.apply(step, action)
        except Refused as exc:
            return Outcome(step.action, OutcomeStatus.FAILED, exc.detail, error_code=exc.code)
        except ClientError as exc:
            return self._outcome_of(step, exc)
        except (BotoCoreError, ResponseParserError) as exc:  # no answer, or not AWS's: transient
            return Outcome(
                step.action,
                OutcomeStatus.FAILED,
                f"transient, still failing after the run's retries: {str(exc)[:300]}",
                error_code=type(exc).__name__,
            )

    def _outcome_of(self, step: Step, exc: ClientError) -> Outcome:
        """What is left of an error after the applier's recovery and the step's retries."""
        action = step.action
        code, message = error_code(exc), error_message(exc)
        if code in VPC_GONE or (
            code.endswith(".NotFound") and not self.reader.vpc_exists(action.vpc_id)
        ):
            # An endpoint, subnet or group went away with the whole VPC.
            return Outcome(
                action, OutcomeStatus.SKIPPED, "the VPC no longer exists", error_code=code
            )
        if code in ALREADY:
            return Outcome(action, OutcomeStatus.ALREADY_DONE, message, error_code=code)
        verdict = classify(
            code,
            message,
            permissions=action.PERMISSIONS,
            group_created_in_run=code == "InvalidGroup.NotFound"
            and bool(self._state.created_groups),
            dns_enabled_in_run=self._state.dns_enabled,
        )
        if verdict.kind is ErrorKind.PERMANENT:
            return Outcome(action, OutcomeStatus.NEEDS_PERSON, verdict.advice, error_code=code)
        if verdict.kind is ErrorKind.TRANSIENT:
            detail = f"transient ({verdict.advice}), still failing after the run's retries"
            return Outcome(
                action, OutcomeStatus.FAILED, f"{detail}: {code}: {message[:200]}", error_code=code
            )
        return Outcome(action, OutcomeStatus.FAILED, f"{code}: {message[:300]}", error_code=code)


def _log(outcome: Outcome) -> None:
    action = outcome.action
    log.info(
        "action %s",
        outcome.status.value,
        extra={
            "vpc_id": action.vpc_id,
            "endpoint_service": action.service,
            "action": action.kind,
            "outcome": outcome.status.value,
            "detail": outcome.detail,
            "resource_id": outcome.resource_id,
            "error_code": outcome.error_code,
        },
    )


def _without_private_dns(action: Action) -> Action | None:
    """The action without its private-DNS part, or ``None`` when nothing else is left (a
    create: an endpoint without private DNS would not serve the VPC's clients)."""
    if isinstance(action, ModifyEndpoint):
        rest = dataclasses.replace(action, enable_private_dns=False)
        if rest.add_subnet_ids or rest.add_group_ids or rest.remove_group_ids:
            return rest
        if rest.add_route_table_ids or rest.policy_document:
            return rest
    return None


def _needs_dns(action: Action, refused: Outcome) -> Outcome:
    """Private DNS not attempted: EC2 refuses it while a DNS attribute is off (the status of
    the attribute's own outcome: needs a person, or failed and retried with the event)."""
    attribute = getattr(refused.action, "attribute", "a DNS attribute")
    detail = (
        f"not attempted: private DNS needs the VPC attributes enableDnsSupport and "
        f"enableDnsHostnames on, and the tool could not turn on {attribute} "
        f"({refused.detail[:200]}). Turn both on, then the next run completes this repair."
    )
    return Outcome(action, refused.status, detail, error_code="DependencyFailed")


def _with_group(action: Action, group_id: str) -> Action:
    def swap(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(group_id if i == TOOL_GROUP else i for i in ids)

    if isinstance(action, CreateInterfaceEndpoint):
        return dataclasses.replace(action, group_ids=swap(action.group_ids))
    if isinstance(action, ModifyEndpoint):
        return dataclasses.replace(action, add_group_ids=swap(action.add_group_ids))
    return action
