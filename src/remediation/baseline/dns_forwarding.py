"""Route 53 Resolver rules that send the services' names past the VPC, and the DNS reads that
could not be made.

A Resolver rule beats a private hosted zone for the same name, the zone behind an endpoint's
private DNS included (Route 53 Developer Guide, "Private hosted zones and Route 53 Resolver
rules"): a ``FORWARD`` rule whose domain covers an endpoint service's name
(``api.ecr.<region>.amazonaws.com``, ``dkr.ecr.…`` and the registries under it,
``s3.<region>.amazonaws.com``) — a parent such as ``amazonaws.com`` or the root ``.``, the
name itself, or a name under it — resolves it outside the VPC, unless a ``SYSTEM`` rule more
specific than the forwarding rule covers the name (Resolver answers it then). That is a
warning (``dns-forwarded``) naming the rule; it is ``info`` when every target of the rule is a
Resolver inbound endpoint in a VPC whose endpoints serve the services (the centralised DNS
pattern: the names come back as that VPC's endpoints). Whether AWS's autodefined rules keep
an endpoint's zone resolving under a forwarding rule for ``.`` or ``com`` is not documented,
so those count too (AWS itself advises a ``SYSTEM`` rule for ``amazonaws.com`` then).

A Route 53 Profiles read or a Resolver read that failed is ``info`` naming the permission:
the VPC is judged as if there were no Profile (endpoints are still planned) and no rule.
"""

from __future__ import annotations

from remediation.config import Settings
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot
from remediation.surroundings import DnsRule

DNS_FORWARDED = "dns-forwarded"
DNS_RULES_UNREAD = "dns-rules-unread"
PROFILES_UNREAD = "route53-profiles-unread"


def covers(rule_domain: str, name: str) -> bool:
    """True when a rule for ``rule_domain`` decides some names under ``name``.

    >>> covers("amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com"), covers("", "x.com")
    (True, True)
    >>> covers("123456789012.dkr.ecr.us-east-1.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com")
    True
    >>> covers("example.com", "dkr.ecr.us-east-1.amazonaws.com")
    False
    """
    return (
        not rule_domain
        or name == rule_domain
        or name.endswith(f".{rule_domain}")
        or rule_domain.endswith(f".{name}")
    )


def _labels(name: str) -> int:
    return len(name.split(".")) if name else 0


def overridden(rule: DnsRule, name: str, rules: tuple[DnsRule, ...]) -> bool:
    """True when a ``SYSTEM`` rule more specific than ``rule`` covers all of ``name`` it does."""
    narrow = name if _labels(name) >= _labels(rule.domain) else rule.domain
    return any(
        other.rule_type == "SYSTEM"
        and _labels(other.domain) > _labels(rule.domain)
        and (narrow == other.domain or narrow.endswith(f".{other.domain}"))
        for other in rules
    )


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    if snapshot.profiles_unread:
        findings.append(
            Finding(
                code=PROFILES_UNREAD,
                severity=Severity.INFO,
                resource_id=snapshot.vpc_id,
                message=(
                    f"the VPC's Route 53 Profile could not be read: {snapshot.profiles_unread}; "
                    "judged as if it had none (grant the permission, or set ROUTE53_PROFILES=off)"
                ),
            )
        )
    if snapshot.dns_rules_unread:
        findings.append(
            Finding(
                code=DNS_RULES_UNREAD,
                severity=Severity.INFO,
                resource_id=snapshot.vpc_id,
                message=(
                    f"the VPC's Route 53 Resolver rules could not be read: "
                    f"{snapshot.dns_rules_unread}; a forwarding rule would go unseen"
                ),
            )
        )
    rules = snapshot.dns_rules or ()
    names = [s.private_dns_zone(snapshot.region) for s in settings.services]
    for rule in (r for r in rules if r.rule_type == "FORWARD"):
        hit = [n for n in names if covers(rule.domain, n) and not overridden(rule, n, rules)]
        if hit:
            findings.append(_forwarded(rule, hit))
    return findings


def _forwarded(rule: DnsRule, names: list[str]) -> Finding:
    label = f"{rule.rule_id}" + (f" ({rule.name})" if rule.name else "")
    where = ", ".join(rule.target_ips) or "its targets"
    domain = rule.domain or "."
    if rule.inbound_served:
        return Finding(
            code=DNS_FORWARDED,
            severity=Severity.INFO,
            resource_id=rule.rule_id,
            message=(
                f"Resolver rule {label} forwards {domain} to {where}: a Resolver inbound "
                f"endpoint in {rule.inbound_vpc}, whose endpoints serve {', '.join(names)}"
            ),
        )
    return Finding(
        code=DNS_FORWARDED,
        resource_id=rule.rule_id,
        message=(
            f"Resolver rule {label} forwards {domain} to {where}, so {', '.join(names)} "
            "resolve outside the VPC and its endpoints' private DNS is bypassed; add a SYSTEM "
            "rule for the names (or amazonaws.com) or answer them with the endpoints' addresses"
        ),
    )
