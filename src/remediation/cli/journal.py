"""The auto-fix pass's executor, journaled and stoppable (loaded only by ``--fix``).

:class:`JournalingExecutor` is the engine's :class:`~remediation.executor.Executor` with two
additions for the CLI's promises on Ctrl-C (:mod:`remediation.cli.interrupt`): every
outcome is recorded in the run's :class:`~remediation.cli.interrupt.Journal` as it happens,
with the VPC marked unfinished until its plan is through; and once the run is halted, no
further action starts (each is ``deferred``, with the reason).
"""

from __future__ import annotations

import threading
from typing import Any

from remediation.actions import Action
from remediation.cli.interrupt import Change, Journal
from remediation.executor import Executor, RunContext
from remediation.outcomes import Outcome, OutcomeStatus

INTERRUPTED = "not started: the run was interrupted (Ctrl-C); run the scan with --fix again"


class JournalingExecutor(Executor):
    """An executor that records every outcome and starts nothing once ``halt`` is set."""

    def __init__(
        self,
        *args: Any,
        journal: Journal,
        halt: threading.Event,
        account_id: str,
        region: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.journal = journal
        self.halt = halt
        self.account_id = account_id
        self.region = region

    def apply(self, actions: tuple[Action, ...], context: RunContext) -> tuple[Outcome, ...]:
        vpcs = list(dict.fromkeys(a.vpc_id for a in actions))
        for vpc_id in vpcs:
            self.journal.started(self.account_id, self.region, vpc_id)
        outcomes = super().apply(actions, context)  # an exception leaves them unfinished
        if not any(o.error_code == "Interrupted" for o in outcomes):
            for vpc_id in vpcs:
                self.journal.finished(self.account_id, self.region, vpc_id)
        return outcomes

    def _apply_one(self, action: Action, context: RunContext) -> Outcome:
        if self.halt.is_set():
            outcome = Outcome(action, OutcomeStatus.DEFERRED, INTERRUPTED, error_code="Interrupted")
        else:
            outcome = super()._apply_one(action, context)
        self.journal.record(
            Change(
                account_id=self.account_id,
                region=self.region,
                vpc_id=action.vpc_id,
                action=action.describe(),
                status=outcome.status.value,
                resource_id=outcome.resource_id,
            )
        )
        return outcome
