"""Security groups: what "too wide" means, and the tool's own group kept tight.

Consumers outside the VPC are legitimate: peered VPCs, transit gateway spokes and on-premises
networks reach endpoints over addresses the tool cannot see, IPv6 ones (every VPC IPv6 block
is global unicast) and internal networks in public address space included. A source outside
the VPC is *private* when it lies in RFC 1918 (``10/8``, ``172.16/12``, ``192.168/16``),
RFC 6598 (``100.64.0.0/10``) or the IPv6 unique-local block ``fc00::/7``, **or** under a route
of the VPC's route tables to a peering connection, a transit gateway, a virtual private
gateway, a Cloud WAN core network or a local gateway, a blackhole one included (its target
unavailable now, its consumers back when it is:
:func:`remediation.topology.consumers.consumer_routes`).

Only what cuts off no consumer of an endpoint is *too wide* and repaired automatically:

* a rule from outside the VPC that does not admit TCP 443 (an endpoint listens on 443 only);
* a rule admitting every address (``0.0.0.0/0``, ``::/0``) while no route of the VPC leads to
  another network, not even a blackhole one: nothing outside the VPC can reach the endpoint.

Everything else outside the VPC is never cut off: TCP 443 from a private source, or from a
source the tool cannot resolve (a prefix list, another account's or VPC's group), is reported
(``info``); more than TCP 443 from a private source, TCP 443 from any other source (an IPv6
block with no such route, a public ``/32``), and every address while such routes exist are
reported for a person (``manual``). For none of them is a user's group detached or a rule a
person added revoked. The tool never edits a group it did not create; its own group (tagged
``ecr-endpoint-guard/managed=true``) admits TCP 443 from each of the VPC's IPv4 and IPv6
blocks, gains a block associated later, and loses only the rules that are too wide (the only
removal the tool ever makes).
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable

from remediation.actions import AuthorizeIngress, RevokeIngress
from remediation.config import Settings
from remediation.findings import Finding, Severity
from remediation.model import IngressRule, SecurityGroup, VpcSnapshot
from remediation.topology.consumers import consumer_routes, vpc_blocks
from remediation.topology.endpoints import tool_group

TOOL_GROUP_EXTRA_RULE = "tool-group-extra-rule"
TOOL_GROUP_CIDR_MISSING = "tool-group-cidr-missing"
TOOL_GROUP_OPERATOR_RULE = "tool-group-operator-rule-kept"
TOOL_GROUP_UNVERIFIED = "tool-group-unverified-outside-rule"
HTTPS = 443
#: RFC 1918, RFC 6598 (shared address space) and RFC 4193 (IPv6 unique local).
PRIVATE_SPACE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")


class Reach(enum.Enum):
    """Who a rule admits, as far as the endpoint's safety goes."""

    TIGHT = "TCP 443 from the VPC"
    INSIDE = "other traffic from the VPC"
    PRIVATE = "TCP 443 from a private network outside the VPC"
    UNRESOLVED = "a source the tool cannot resolve"
    #: Reported for a person (``manual``): a consumer may rely on it, the tool cannot tell.
    BROAD = "more than TCP 443 from a private network outside the VPC"
    UNROUTED = "TCP 443 from outside the VPC, neither private space nor behind a route to it"
    OPEN_ROUTED = "every address, with routes from the VPC to other networks"
    WIDE = "too wide"


#: What a person decides on: never detached, never revoked.
FOR_A_PERSON = frozenset({Reach.BROAD, Reach.UNROUTED, Reach.OPEN_ROUTED})


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


def https_only(rule: IngressRule) -> bool:
    return rule.protocol in ("tcp", "6") and rule.from_port == HTTPS and rule.to_port == HTTPS


def every_address(cidr: str) -> bool:
    """``0.0.0.0/0`` or ``::/0`` (however written)."""
    network = _network(cidr)
    return network is not None and network.prefixlen == 0


def classify(rule: IngressRule, snapshot: VpcSnapshot) -> Reach:
    cidr = rule.cidr_ipv4 or rule.cidr_ipv6
    if cidr:
        if within(cidr, vpc_blocks(snapshot)):
            return Reach.TIGHT if https_only(rule) else Reach.INSIDE
        if not admits_https(rule):
            return Reach.WIDE  # an endpoint serves TCP 443 only: no consumer uses this rule
        routes = consumer_routes(snapshot)
        if within(cidr, PRIVATE_SPACE) or within(cidr, [r.destination for r in routes]):
            return Reach.PRIVATE if https_only(rule) else Reach.BROAD
        if every_address(cidr):
            return Reach.OPEN_ROUTED if routes else Reach.WIDE
        return Reach.UNROUTED
    if rule.source_group_id and snapshot.group(rule.source_group_id) is not None:
        return Reach.TIGHT if https_only(rule) else Reach.INSIDE
    return Reach.UNRESOLVED  # prefix lists, other VPCs' or accounts' groups


def wide_rules(group: SecurityGroup, snapshot: VpcSnapshot) -> tuple[IngressRule, ...]:
    """The rules of ``group`` that are too wide."""
    return tuple(r for r in group.ingress if classify(r, snapshot) is Reach.WIDE)


def outside_rules(group: SecurityGroup, snapshot: VpcSnapshot) -> tuple[IngressRule, ...]:
    """The rules admitting consumers outside the VPC that may be legitimate (never cut)."""
    return tuple(
        r for r in group.ingress if classify(r, snapshot) in (Reach.PRIVATE, Reach.UNRESOLVED)
    )


def person_rules(group: SecurityGroup, snapshot: VpcSnapshot) -> tuple[IngressRule, ...]:
    """The rules a person decides on (:data:`FOR_A_PERSON`): never detached, never revoked."""
    return tuple(r for r in group.ingress if classify(r, snapshot) in FOR_A_PERSON)


def described(rules: Iterable[IngressRule], snapshot: VpcSnapshot) -> str:
    """``tcp 443 from 203.0.113.7/32 (TCP 443 from outside the VPC, ...)``, joined by ``; ``."""
    return "; ".join(f"{r.describe()} ({classify(r, snapshot).value})" for r in rules)


def uncovered_cidrs(
    groups: Iterable[SecurityGroup], snapshot: VpcSnapshot, ipv6: bool = False
) -> tuple[str, ...]:
    """VPC blocks (IPv4, and IPv6 with ``ipv6``) that no rule of ``groups`` admits on TCP 443."""
    rules = [r for g in groups for r in g.ingress if admits_https(r)]
    sources = [c for r in rules for c in (r.cidr_ipv4, r.cidr_ipv6) if c]
    blocks = vpc_blocks(snapshot) if ipv6 else snapshot.cidr_blocks
    return tuple(c for c in blocks if not any(within(c, [s]) for s in sources))


def _exact(rule: IngressRule, cidrs: Iterable[str]) -> bool:
    wanted = tuple(cidrs)
    return https_only(rule) and (rule.cidr_ipv4 in wanted or rule.cidr_ipv6 in wanted)


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    """Keep the tool's own group at TCP 443 from each VPC block, minus nothing private."""
    group = tool_group(snapshot)
    if group is None:
        return []
    blocks = vpc_blocks(snapshot)
    findings = []
    extra = [r for r in group.ingress if not _exact(r, blocks)]
    wide = tuple(r for r in extra if classify(r, snapshot) is Reach.WIDE)
    person = [r for r in extra if classify(r, snapshot) in FOR_A_PERSON]
    kept = [r for r in extra if r not in wide and r not in person]
    if wide:
        findings.append(
            Finding(
                code=TOOL_GROUP_EXTRA_RULE,
                message=(
                    f"the tool's group {group.group_id} has rules that are too wide: "
                    + "; ".join(r.describe() for r in wide)
                ),
                resource_id=group.group_id,
                repairs=(
                    RevokeIngress(
                        vpc_id=snapshot.vpc_id,
                        reason=TOOL_GROUP_EXTRA_RULE,
                        group_id=group.group_id,
                        rules=wide,
                    ),
                ),
            )
        )
    if person:
        findings.append(
            Finding(
                code=TOOL_GROUP_UNVERIFIED,
                severity=Severity.MANUAL,
                message=(
                    f"the tool's group {group.group_id} also admits {described(person, snapshot)}"
                    ": kept, a consumer outside the VPC may rely on it; a person decides whether "
                    "to remove it (the tool never revokes it)"
                ),
                resource_id=group.group_id,
            )
        )
    if kept:
        findings.append(
            Finding(
                code=TOOL_GROUP_OPERATOR_RULE,
                severity=Severity.INFO,
                message=(
                    f"the tool's group {group.group_id} also admits {described(kept, snapshot)}"
                    ": kept (private or unresolvable sources are never cut off)"
                ),
                resource_id=group.group_id,
            )
        )
    present = {c for r in group.ingress if _exact(r, blocks) for c in (r.cidr_ipv4, r.cidr_ipv6)}
    missing = tuple(c for c in blocks if c not in present)
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
