"""Security groups: what "tight" means, and the tool's own group kept tight.

A rule is *tight* when it allows only TCP 443 from a source inside the VPC:
an IPv4 or IPv6 range within the VPC's blocks, or a security group of the
VPC. The tool never edits a group it did not create; its own group (tagged
``ecr-endpoint-guard/managed=true``) it keeps at exactly TCP 443 from each
VPC IPv4 CIDR: it revokes anything else there (the only removal the tool ever
makes) and adds a CIDR block associated with the VPC later.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from remediation.actions import AuthorizeIngress, RevokeIngress
from remediation.config import Settings
from remediation.findings import Finding
from remediation.model import IngressRule, SecurityGroup, VpcSnapshot
from remediation.topology import tool_group

TOOL_GROUP_EXTRA_RULE = "tool-group-extra-rule"
TOOL_GROUP_CIDR_MISSING = "tool-group-cidr-missing"
HTTPS = 443


def _network(text: str | None) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def within(cidr: str | None, blocks: Iterable[str]) -> bool:
    """True when ``cidr`` lies inside one of ``blocks`` (same IP version)."""
    inner = _network(cidr)
    if inner is None:
        return False
    for block in blocks:
        outer = _network(block)
        if outer is not None and outer.version == inner.version and inner.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


def admits_https(rule: IngressRule) -> bool:
    if rule.protocol == "-1":
        return True
    if rule.protocol not in ("tcp", "6"):
        return False
    low = rule.from_port if rule.from_port is not None else 0
    high = rule.to_port if rule.to_port is not None else 65535
    return low <= HTTPS <= high


def is_tight(rule: IngressRule, snapshot: VpcSnapshot) -> bool:
    """TCP 443 only, from a source inside the VPC."""
    if rule.protocol not in ("tcp", "6") or rule.from_port != HTTPS or rule.to_port != HTTPS:
        return False
    if rule.cidr_ipv4:
        return within(rule.cidr_ipv4, snapshot.cidr_blocks)
    if rule.cidr_ipv6:
        return within(rule.cidr_ipv6, snapshot.ipv6_cidr_blocks)
    if rule.source_group_id:
        return snapshot.group(rule.source_group_id) is not None
    return False  # prefix lists and unknown sources cannot be shown to be inside the VPC


def wide_rules(group: SecurityGroup, snapshot: VpcSnapshot) -> tuple[IngressRule, ...]:
    return tuple(r for r in group.ingress if not is_tight(r, snapshot))


def uncovered_cidrs(groups: Iterable[SecurityGroup], snapshot: VpcSnapshot) -> tuple[str, ...]:
    """VPC IPv4 blocks that no rule of ``groups`` admits on TCP 443."""
    sources = [r.cidr_ipv4 for g in groups for r in g.ingress if admits_https(r) and r.cidr_ipv4]
    return tuple(c for c in snapshot.cidr_blocks if not any(within(c, [s]) for s in sources))


def _exact(rule: IngressRule, cidrs: Iterable[str]) -> bool:
    return (
        rule.protocol in ("tcp", "6")
        and rule.from_port == HTTPS
        and rule.to_port == HTTPS
        and rule.cidr_ipv4 in tuple(cidrs)
    )


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    """Keep the tool's own group at exactly TCP 443 from each VPC IPv4 block."""
    group = tool_group(snapshot)
    if group is None:
        return []
    findings = []
    extra = tuple(r for r in group.ingress if not _exact(r, snapshot.cidr_blocks))
    if extra:
        findings.append(
            Finding(
                code=TOOL_GROUP_EXTRA_RULE,
                message=(
                    f"the tool's group {group.group_id} has rules beyond TCP 443 from the VPC: "
                    + "; ".join(r.describe() for r in extra)
                ),
                resource_id=group.group_id,
                repairs=(
                    RevokeIngress(
                        vpc_id=snapshot.vpc_id,
                        reason=TOOL_GROUP_EXTRA_RULE,
                        group_id=group.group_id,
                        rules=extra,
                    ),
                ),
            )
        )
    present = {r.cidr_ipv4 for r in group.ingress if _exact(r, snapshot.cidr_blocks)}
    missing = tuple(c for c in snapshot.cidr_blocks if c not in present)
    if missing:
        findings.append(
            Finding(
                code=TOOL_GROUP_CIDR_MISSING,
                message=(
                    f"the tool's group {group.group_id} does not admit VPC block(s) "
                    f"{', '.join(missing)} on TCP 443"
                ),
                resource_id=group.group_id,
                repairs=(
                    AuthorizeIngress(
                        vpc_id=snapshot.vpc_id,
                        reason=TOOL_GROUP_CIDR_MISSING,
                        group_id=group.group_id,
                        cidr_blocks=missing,
                    ),
                ),
            )
        )
    return findings
