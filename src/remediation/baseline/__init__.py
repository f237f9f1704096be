"""The baseline: one small rule per requirement.

Each rule is a function ``check(snapshot, settings) -> list[Finding]``; each
finding carries the repairs it asks for. Adding a requirement means adding a
module here and listing its ``check`` in :data:`RULES`.

>>> [rule.__module__.rsplit(".", 1)[-1] for rule in RULES]  # doctest: +NORMALIZE_WHITESPACE
['inspected_egress', 'dns', 'interface_endpoints', 'gateway_endpoints',
 'security_groups', 'endpoint_policies', 'dhcp_dns', 'internet_paths', 'dns_forwarding',
 'traffic']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from remediation.actions import ModifyEndpoint
from remediation.baseline import (
    dhcp_dns,
    dns,
    dns_forwarding,
    endpoint_policies,
    gateway_endpoints,
    inspected_egress,
    interface_endpoints,
    internet_paths,
    security_groups,
    traffic,
)
from remediation.config import Settings
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot

Rule = Callable[[VpcSnapshot, Settings], list[Finding]]

RULES: tuple[Rule, ...] = (
    inspected_egress.check,
    dns.check,
    interface_endpoints.check,
    gateway_endpoints.check,
    security_groups.check,
    endpoint_policies.check,
    dhcp_dns.check,
    internet_paths.check,
    dns_forwarding.check,
    traffic.check,
)


#: An endpoint a service created and manages for the account (``RequesterManaged``): EC2
#: refuses to change it, and the tool never tries; what it would have needed is reported.
REQUESTER_MANAGED = "endpoint-requester-managed"


def evaluate(snapshot: VpcSnapshot, settings: Settings) -> tuple[Finding, ...]:
    """Every finding for one VPC, in rule order. Pure: no AWS, no clock.

    The companions of ``ENDPOINT_PROFILE`` are judged by the same rules, but their findings
    repair nothing unless ``PROFILE_REPAIR`` is on (:func:`report_only`).
    """
    findings = tuple(finding for rule in RULES for finding in rule(snapshot, settings))
    findings = hands_off(snapshot, findings)
    return findings if settings.profile_repair else report_only(findings, settings)


def report_only(findings: tuple[Finding, ...], settings: Settings) -> tuple[Finding, ...]:
    """The companions' findings without their repairs, saying so."""
    companions = {s.name for s in settings.services if s.companion}
    if not companions:
        return findings
    note = (
        f" (report-only: a companion of ENDPOINT_PROFILE={settings.endpoint_profile}; "
        "PROFILE_REPAIR=true repairs it)"
    )
    return tuple(
        dataclasses.replace(f, repairs=(), message=f.message + note)
        if f.service in companions and f.repairs
        else f
        for f in findings
    )


def hands_off(snapshot: VpcSnapshot, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """A finding whose repair would modify a requester-managed endpoint becomes ``info``.

    Whatever rule asked for it (private DNS, zones, groups, policy, route tables), EC2 answers
    such a change with ``InvalidParameter`` ("Operation is not allowed for requester-managed VPC
    endpoints"): no retry, no person at the tool's side can change that.
    """
    managed = {e.endpoint_id for e in snapshot.endpoints if e.requester_managed}
    if not managed:
        return findings
    result = []
    for finding in findings:
        touched = sorted(
            {
                a.endpoint_id
                for a in finding.repairs
                if isinstance(a, ModifyEndpoint) and a.endpoint_id in managed
            }
        )
        if not touched:
            result.append(finding)
            continue
        result.append(
            dataclasses.replace(
                finding,
                code=REQUESTER_MANAGED,
                severity=Severity.INFO,
                resource_id=",".join(touched),
                message=(
                    f"{', '.join(touched)} is managed by a service for this account "
                    f"(RequesterManaged): never modified; {finding.message}"
                ),
                repairs=(),
            )
        )
    return tuple(result)
