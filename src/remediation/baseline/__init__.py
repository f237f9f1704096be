"""The baseline: one small rule per requirement.

Each rule is a function ``check(snapshot, settings) -> list[Finding]``; each
finding carries the repairs it asks for. Adding a requirement means adding a
module here and listing its ``check`` in :data:`RULES`.

>>> [rule.__module__.rsplit(".", 1)[-1] for rule in RULES]  # doctest: +NORMALIZE_WHITESPACE
['dns', 'interface_endpoints', 'gateway_endpoints', 'security_groups',
 'endpoint_policies', 'dhcp_dns', 'internet_paths', 'dns_forwarding']
"""

from __future__ import annotations

from collections.abc import Callable

from remediation.baseline import (
    dhcp_dns,
    dns,
    dns_forwarding,
    endpoint_policies,
    gateway_endpoints,
    interface_endpoints,
    internet_paths,
    security_groups,
)
from remediation.config import Settings
from remediation.findings import Finding
from remediation.model import VpcSnapshot

Rule = Callable[[VpcSnapshot, Settings], list[Finding]]

RULES: tuple[Rule, ...] = (
    dns.check,
    interface_endpoints.check,
    gateway_endpoints.check,
    security_groups.check,
    endpoint_policies.check,
    dhcp_dns.check,
    internet_paths.check,
    dns_forwarding.check,
)


def evaluate(snapshot: VpcSnapshot, settings: Settings) -> tuple[Finding, ...]:
    """Every finding for one VPC, in rule order. Pure: no AWS, no clock."""
    return tuple(finding for rule in RULES for finding in rule(snapshot, settings))
