"""The function's logs and metrics: Powertools' Logger and Metrics, made once.

Powertools reads its own settings (``POWERTOOLS_SERVICE_NAME``,
``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``) from the environment the template
gives the function. The engine logs through the standard library; it gets Powertools' JSON
format and keys here.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from remediation.report.results import Summary

logger = Logger()  # service: POWERTOOLS_SERVICE_NAME
metrics = Metrics()  # namespace: POWERTOOLS_METRICS_NAMESPACE
copy_config_to_registered_loggers(source_logger=logger, include={"remediation"})

#: A run's counts (``Summary.counts``) and the CloudWatch metric each one is published as.
METRICS = {
    "non_compliant_vpcs": "NonCompliantVpcs",
    "actions_planned": "ActionsPlanned",
    "actions_applied": "ActionsApplied",
    "actions_failed": "ActionsFailed",
    "actions_deferred": "ActionsDeferred",
    "actions_needing_person": "ActionsNeedingPerson",
    "vpcs_unreadable": "VpcsUnreadable",
    "vpcs_not_reached": "VpcsNotReached",
    "events_refused": "EventsRefused",
    "findings_refused": "FindingsRefused",
    "regions_not_enabled": "RegionsNotEnabled",
    "reads_refused": "ReadsRefused",
    "vpcs_skipped": "VpcsSkipped",
    "notifications_failed": "NotificationsFailed",
    "member_access_refused": "MemberAccessRefused",
    "findings_imported": "FindingsImported",
    "findings_import_failed": "FindingsImportFailed",
    "vpcs_findings_withheld": "VpcsFindingsWithheld",
    "work_items_queued": "WorkItemsQueued",
    "work_items_not_queued": "WorkItemsNotQueued",
}


def record_metrics(summary: Summary) -> None:
    """Every count of the run, zeros included, under the run's mode."""
    metrics.add_dimension(name="Mode", value=summary.mode.label)
    for key, name in METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=summary.counts.get(key, 0))
