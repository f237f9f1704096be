"""One trigger served in its own account: the function's, or a member's through its role.

Settings for that account, its clients, an executor only in auto-fix, this deployment's
notifier, and on the Security Hub paths the approval and the findings of the run. Shared by
the EventBridge path (:mod:`handlers.remediate`) and the queue's work items
(:mod:`handlers.work_items`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from handlers import runtime
from handlers.observability import logger
from remediation.aws.clients import RETRIES
from remediation.aws.inventory import Inventory
from remediation.aws.paging import Pacer
from remediation.config import Settings, load_settings
from remediation.config.deployment import partition_problem
from remediation.engine.runs import VPC_SECONDS, run
from remediation.events.triggers import Refusal, Trigger
from remediation.modes import Mode, approved_mode
from remediation.report.notify import SnsNotifier
from remediation.report.results import Summary

__all__ = ["run", "run_trigger", "with_counts"]  # run: tests wrap the engine here

if TYPE_CHECKING:  # imported on their paths only: the common cold start skips them
    import boto3

    from remediation.aws.peers import Peers
    from remediation.executor import Executor


def with_counts(summary: Summary, **extra: int) -> Summary:
    return dataclasses.replace(summary, counts={**summary.counts, **extra})


def _import_findings(summary: Summary, session: boto3.session.Session, partition: str) -> Summary:
    """Security Hub findings of the run, imported in the VPCs' own account."""
    from remediation.report.securityhub import import_summary  # noqa: PLC0415 - Security Hub only

    if summary.trigger is None:
        return summary
    client = session.client("securityhub", region_name=summary.trigger.region)
    outcome = import_summary(client, summary, partition=partition)
    return with_counts(
        summary,
        findings_imported=outcome.imported,
        findings_import_failed=outcome.failed,
        vpcs_findings_withheld=outcome.withheld_vpcs,
    )


def _update_approved_findings(
    parsed: Trigger, session: boto3.session.Session, status: str, note: str
) -> None:
    from remediation.report.workflow import move_workflow  # noqa: PLC0415 - approval path only

    client = session.client("securityhub", region_name=parsed.region)
    for problem in move_workflow(client, parsed.finding_refs, parsed.account_id, status, note):
        logger.warning("Security Hub workflow not updated", extra={"error": problem})


def _account_name(member_role_name: str, account_id: str) -> str:
    """The account's name in organisation mode (organizations:DescribeAccount, kept)."""
    if not member_role_name:
        return ""
    from remediation.org.names import NAMES  # noqa: PLC0415 - organisation mode only

    return NAMES.name(account_id, lambda: runtime.base_session().client("organizations"))


def _hand_over(
    summary: Summary, queue_url: str, started: float, time_left: Callable[[], float] | None
) -> Summary:
    """The VPCs the run did not reach before its deadline, to the work queue."""
    if not summary.counts.get("vpcs_not_reached") or not queue_url or time_left is None:
        return summary
    from remediation.handover import hand_over  # noqa: PLC0415 - runs out of time only

    base = runtime.base_session()
    return hand_over(
        summary,
        queue_url=queue_url,
        sqs=lambda region: base.client("sqs", region_name=region, config=RETRIES),
        seconds_used=started - time_left(),
        seconds_per_invocation=started - VPC_SECONDS,
    )


def _peers(settings: Settings, partition: str, parsed: Trigger, *, own: str) -> Peers | None:
    """Organisation mode: other accounts' hub zones and endpoints, read through their member
    roles (the function's own account with its own session), in the accounts this deployment
    serves only (``MEMBER_ACCOUNT_IDS`` when set); ``None`` otherwise."""
    role_name = settings.member_role_name
    if not role_name:
        return None
    from remediation.aws.peers import Peers, PeerUnavailable  # noqa: PLC0415 - organisation mode

    def session_of(account_id: str) -> boto3.session.Session:
        if account_id == own:
            return runtime.base_session()
        if not settings.serves_member(account_id):
            raise PeerUnavailable(
                f"account {account_id} is not one this deployment serves (MEMBER_ACCOUNT_IDS): "
                "add it, with its member stack, to verify the hub there"
            )
        # A role that cannot be assumed raises MemberAccessError: a PeerUnavailable.
        return runtime.members(role_name, partition).session(account_id, event_id=parsed.event_id)

    return Peers(
        session_of, region=parsed.region, client_config=RETRIES, lock=runtime.session_lock()
    )


def run_trigger(
    parsed: Trigger,
    env: Mapping[str, str],
    context: Any,
    *,
    own: str,
    time_left: Callable[[], float] | None,
) -> Summary:
    """One trigger in its own account: the function's, or a member's through its role."""
    partition = runtime.partition_of(context)
    settings = load_settings(env, account_id=parsed.account_id)
    for problem in settings.problems:
        logger.error("configuration problem", extra={"problem": problem})
    if partition_problem(partition):  # a work item too: refused before any call
        return run(Refusal(partition_problem(partition), event_id=parsed.event_id), settings, None)
    notes: list[str] = []
    if parsed.approval:
        mode, reason, note = approved_mode(
            settings.fix_on_approval, parsed.event_id, settings.mode_reason, settings.dry_run_holds
        )
        settings = dataclasses.replace(settings, mode=mode, mode_reason=reason)
        notes.append(note)
        if mode is Mode.AUTO_FIX:
            logger.info(
                "repair approved in Security Hub",
                extra={
                    "approval_event_id": parsed.event_id,
                    "account_id": parsed.account_id,
                    "action": parsed.event_name,
                    "finding_ids": [finding_id for finding_id, _ in parsed.finding_refs],
                    "vpc_ids": list(parsed.vpc_ids),
                },
            )
    base = runtime.base_session()
    session = base
    if own and parsed.account_id != own:
        from remediation.org.sessions import MemberAccessError  # noqa: PLC0415 - organisation mode

        try:
            session = runtime.members(settings.member_role_name, partition).session(
                parsed.account_id, event_id=parsed.event_id
            )
        except MemberAccessError as exc:
            logger.error(exc.reason, extra={"account_id": parsed.account_id, "outcome": "refused"})
            refusal = Refusal(exc.reason, event_id=parsed.event_id, event_name=parsed.event_name)
            return with_counts(run(refusal, settings, None), member_access_refused=1)
    # A sweep reads the endpoints' and NAT gateways' traffic; an event skips it (cold start).
    clients = runtime.clients(parsed.region, session, metrics=parsed.sweep)
    inventory = Inventory(
        clients.ec2,
        region=parsed.region,
        account_id=parsed.account_id,
        route53=clients.route53,
        route53profiles=clients.route53profiles,
        route53resolver=clients.route53resolver,
        cloudwatch=clients.cloudwatch,
        ram=clients.ram,
        peers=_peers(settings, partition, parsed, own=own),
        pacer=Pacer(0.0) if clients.emulated else None,  # an emulator has no Route 53 quota
    )
    executor: Executor | None = None
    if settings.mode is Mode.AUTO_FIX:
        from remediation.executor import Executor  # noqa: PLC0415 - auto-fix only

        executor = Executor(
            clients.ec2, inventory, wait_seconds=settings.deletion_wait_seconds, time_left=time_left
        )
    # Notifications go to this deployment's topic, whatever account the VPC is in.
    notifier = None
    if settings.topic_arn:
        sns = clients.sns if session is base else runtime.central_sns(parsed.region)
        notifier = SnsNotifier(sns, settings.topic_arn)
    if parsed.approval and executor is not None:
        _update_approved_findings(parsed, session, "NOTIFIED", notes[-1])
    started = time_left() if time_left is not None else 0.0
    summary = run(
        parsed,
        settings,
        inventory,
        executor=executor,
        notifier=notifier,
        time_left=time_left,
        account_name=_account_name(settings.member_role_name, parsed.account_id),
    )
    summary = _hand_over(summary, settings.work_queue_url, started, time_left)
    if notes:
        summary = dataclasses.replace(summary, notes=(*notes, *summary.notes))
    if parsed.approval and executor is not None and not summary.failed:
        settled = all(v.status.value in ("compliant", "fixed") for v in summary.vpcs)
        if settled:
            _update_approved_findings(parsed, session, "RESOLVED", "repaired by ecr-endpoint-guard")
    if settings.security_hub_findings:
        summary = _import_findings(summary, session, partition)
    return summary
