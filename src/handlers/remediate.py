"""Lambda face of the engine: parse, build settings and clients, run, log, count, return.

Deployed as ``handlers.remediate.lambda_handler`` with ``CodeUri: src/``. The
only module that knows about Lambda: the account comes from the function's
ARN, the region from the event, the function's own identity (to ignore the
CloudTrail events of its own calls) from ``TOOL_ROLE_ARN``. A failed or
deferred repair ends the invocation in an error, after the full result is
logged, so that Lambda's retries and failure destination see it.

Tracing: the template turns on Lambda's active tracing, which records every
invocation. Powertools' Tracer is not used: it needs ``aws-xray-sdk``, whose
import alone costs about 330 ms of cold start, more than the rest of the
handler together.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from remediation.clients import AwsClients, make_clients
from remediation.config import load_settings
from remediation.engine import run
from remediation.events import Refusal, parse_event
from remediation.inventory import Inventory
from remediation.model import Mode
from remediation.notify import SnsNotifier
from remediation.report import Summary

if TYPE_CHECKING:  # imported in the auto-fix branch only: dry-run cold starts skip it
    from remediation.executor import Executor

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "ecr-endpoint-guard"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "EcrEndpointGuard"))
# The engine logs through the standard library; give it Powertools' JSON format and keys.
copy_config_to_registered_loggers(source_logger=logger, include={"remediation"})

METRICS = {
    "non_compliant_vpcs": "NonCompliantVpcs",
    "actions_planned": "ActionsPlanned",
    "actions_applied": "ActionsApplied",
    "actions_failed": "ActionsFailed",
    "actions_deferred": "ActionsDeferred",
    "events_refused": "EventsRefused",
    "vpcs_skipped": "VpcsSkipped",
    "notifications_failed": "NotificationsFailed",
}


_SESSION: dict[str, boto3.session.Session] = {}
_SESSION_LOCK = threading.Lock()


def _clients(region: str) -> AwsClients:
    """This invocation's clients, made from one boto3 session per execution environment.

    Clients are still made per invocation (never at import), but a new session would parse
    EC2's service model again on every warm invocation (about 0.2 s). A session is not
    thread-safe, hence the lock (Lambda runs one invocation at a time; tests may not).
    """
    with _SESSION_LOCK:
        session = _SESSION.get("session")
        if session is None:
            session = _SESSION["session"] = boto3.session.Session()
        return make_clients(region, session=session)


def forget_session() -> None:
    """Drop the kept session: the next invocation makes a new one (for tools that add
    botocore event handlers, which only new sessions pick up)."""
    with _SESSION_LOCK:
        _SESSION.clear()


class RemediationFailed(RuntimeError):
    """Raised after logging the full result, so that Lambda retries the event."""


def _account_of(context: Any) -> str:
    arn = str(getattr(context, "invoked_function_arn", "") or "")
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _record_metrics(summary: Summary) -> None:
    metrics.add_dimension(name="Mode", value=summary.mode.label)
    for key, name in METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=summary.counts.get(key, 0))


@metrics.log_metrics
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """Evaluate (and in auto-fix, repair) the VPCs an EventBridge event concerns.

    Returns the run's summary as JSON-ready data: the mode, the event as
    understood (or why it was refused), and per VPC its findings and actions.
    """
    if isinstance(event, dict) and isinstance(event.get("id"), str):
        logger.set_correlation_id(event["id"][:128])
    env = os.environ
    account = _account_of(context)
    settings = load_settings(env, account_id=account)
    for problem in settings.problems:
        logger.error("configuration problem", extra={"problem": problem})

    # The function's own calls are recognised by its role only: a session name can be chosen
    # by anyone, so matching on it would let any caller hide its changes from the tool.
    own_roles = frozenset(a for a in [env.get("TOOL_ROLE_ARN", "")] if a)
    parsed = parse_event(event, own_role_arns=own_roles)
    if not isinstance(parsed, Refusal) and account and parsed.account_id != account:
        parsed = Refusal(
            reason=f"event from account {parsed.account_id}; this function acts in {account}",
            event_id=parsed.event_id,
            event_name=parsed.event_name,
        )

    if isinstance(parsed, Refusal):
        summary = run(parsed, settings, None)
    else:
        clients = _clients(parsed.region)
        inventory = Inventory(
            clients.ec2,
            region=parsed.region,
            account_id=parsed.account_id,
            route53=clients.route53,
            route53profiles=clients.route53profiles,
        )
        executor: Executor | None = None
        if settings.mode is Mode.AUTO_FIX:
            from remediation.executor import Executor  # noqa: PLC0415 - auto-fix only

            executor = Executor(clients.ec2, inventory, wait_seconds=settings.deletion_wait_seconds)
        notifier = SnsNotifier(clients.sns, settings.topic_arn) if settings.topic_arn else None
        summary = run(parsed, settings, inventory, executor=executor, notifier=notifier)

    _record_metrics(summary)
    result = summary.as_dict()
    logger.info("run finished", extra={"summary": result})
    if summary.failed:
        raise RemediationFailed(
            summary.error
            or "some repairs failed or were deferred; see the 'run finished' log record"
        )
    return result
