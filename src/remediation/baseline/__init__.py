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
from remediation.findings import Finding
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


def evaluate(snapshot: VpcSnapshot, settings: Settings) -> tuple[Finding, ...]:
    """Every finding for one VPC, in rule order. Pure: no AWS, no clock.

    The companions of ``ENDPOINT_PROFILE`` are judged by the same rules, but their findings
    repair nothing unless ``PROFILE_REPAIR`` is on (:func:`report_only`).
    """
    findings = tuple(finding for rule in RULES for finding in rule(snapshot, settings))
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
