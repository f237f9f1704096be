"""Route 53 Resolver rules that decide where a VPC's names resolve (read for evaluation).

``ListResolverRuleAssociations`` filtered by the VPCs (a sweep: unfiltered, one listing per
region), always fresh: it says which rules apply to each VPC (only associations made by this
account are listed, so a VPC is read by its owner). Only when some association is not
Resolver's own autodefined one are the rules themselves read (``ListResolverRules``, once)
and, when a ``FORWARD`` rule can cover AWS names, the inbound Resolver endpoints
(``ListResolverEndpoints``, ``ListResolverEndpointIpAddresses`` per endpoint) that tell the
centralised DNS pattern (forwarding to an inbound endpoint in a served VPC) from names
resolved outside; those definitions are kept for :data:`TTL_SECONDS` for the events that
follow (a sweep reads them afresh). A failed read is reported, never a failure of the run.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import unread
from remediation.aws.kept import Kept
from remediation.aws.paging import pages
from remediation.surroundings import DnsRule

log = logging.getLogger(__name__)

#: How long an event trusts the rule definitions a read found (seconds).
TTL_SECONDS = 900.0
#: Resolver's own rule for every VPC (``RECURSIVE``, ``.``): never a forwarding rule.
AUTODEFINED = "rslvr-autodefined-"
#: VPC ids per ``ListResolverRuleAssociations`` filter value list.
FILTER_CHUNK = 100
#: Items per Resolver list page (the API's maximum): fewer pages for a sweep.
PAGE = {"PageSize": 100}
#: Association states that apply to the VPC's queries.
ACTIVE_ASSOCIATIONS = frozenset({"COMPLETE", "CREATING"})

#: The region's Resolver rules (by id) and inbound endpoint targets, for events after a read.
_RULES: Kept[tuple[dict[str, dict[str, Any]], dict[str, tuple[str, bool]]]] = Kept()


def reset() -> None:
    """Forget the rules read (tests: each moto account is new)."""
    _RULES.clear()


def domain(value: object) -> str:
    """A DNS name as the rules compare it: lower case, no trailing dot, ``\\052`` read as ``*``.

    >>> domain("\\\\052.DKR.ecr.us-east-1.amazonaws.com."), domain(".")
    ('*.dkr.ecr.us-east-1.amazonaws.com', '')
    """
    return str(value or "").replace("\\052", "*").rstrip(".").lower()


class ResolverRules:
    """Reads the rules of VPCs. Give it read-only clients (``resolver`` ``None``: not read)."""

    def __init__(
        self,
        resolver: Any | None,
        ec2: Any,
        *,
        key: tuple[str, ...],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.resolver = resolver
        self.ec2 = ec2
        self._key = key
        self.clock = clock
        #: The region's associations, listed once a run: a sweep asks for them slice by slice.
        self._region: list[dict[str, Any]] | None = None

    def rules(
        self,
        vpc_ids: Sequence[str] | None,
        extra: Mapping[str, set[str]],
        endpoints: Mapping[str, Sequence[Mapping[str, Any]]],
        served: Callable[[Sequence[Mapping[str, Any]]], bool],
    ) -> tuple[dict[str, tuple[DnsRule, ...]], str]:
        """The Resolver rules of each VPC (``None``: every VPC of the region), with the rule
        ids ``extra`` gives a VPC (its Profile's); and why they could not be read (``""``).

        ``endpoints`` (by VPC) and ``served`` judge the VPC of an inbound endpoint a rule
        forwards to; a VPC not in ``endpoints`` is read.
        """
        if self.resolver is None:
            return {}, ""
        ids: dict[str, set[str]] = defaultdict(set)
        for vpc_id, rule_ids in extra.items():
            ids[vpc_id] |= rule_ids
        permission = "route53resolver:ListResolverRuleAssociations"
        try:
            for association in self._associations(vpc_ids):
                if str(association.get("Status", "COMPLETE")) in ACTIVE_ASSOCIATIONS:
                    ids[str(association.get("VPCId", ""))].add(str(association["ResolverRuleId"]))
            wanted = {r for rules in ids.values() for r in rules if not r.startswith(AUTODEFINED)}
            cached = _RULES.fresh(self._key, self.clock(), ttl=TTL_SECONDS)
            if vpc_ids is not None and cached is not None and wanted <= set(cached[0]):
                listed, inbound = cached
            elif wanted:
                permission = "route53resolver:ListResolverRules"
                listed = {
                    str(r["Id"]): r
                    for r in pages(
                        self.resolver,
                        "list_resolver_rules",
                        "ResolverRules",
                        PaginationConfig=PAGE,
                    )
                }
                inbound = self._inbound(listed.values(), endpoints, served)
                _RULES.put(self._key, self.clock(), (listed, inbound))
            else:
                listed, inbound = {}, {}
        except (ClientError, BotoCoreError) as exc:
            return {}, unread(permission, exc)
        rules: dict[str, tuple[DnsRule, ...]] = {}
        for vpc_id in vpc_ids if vpc_ids is not None else sorted(ids):
            rules[vpc_id] = tuple(
                _rule(listed[r], inbound) for r in sorted(ids.get(vpc_id, ())) if r in listed
            )
        return rules, ""

    def _associations(self, vpc_ids: Sequence[str] | None) -> Iterator[dict[str, Any]]:
        operation, key = "list_resolver_rule_associations", "ResolverRuleAssociations"
        if vpc_ids is None:
            if self._region is None:
                self._region = list(pages(self.resolver, operation, key, PaginationConfig=PAGE))
            yield from self._region
            return
        for start in range(0, len(vpc_ids), FILTER_CHUNK):
            chunk = list(vpc_ids[start : start + FILTER_CHUNK])
            yield from pages(
                self.resolver,
                operation,
                key,
                Filters=[{"Name": "VPCId", "Values": chunk}],
                PaginationConfig=PAGE,
            )

    def _inbound(
        self,
        rules: Iterable[Mapping[str, Any]],
        endpoints: Mapping[str, Sequence[Mapping[str, Any]]],
        served: Callable[[Sequence[Mapping[str, Any]]], bool],
    ) -> dict[str, tuple[str, bool]]:
        """Target IP -> (inbound endpoint's VPC, whether that VPC is served), for the targets
        of forwarding rules that cover AWS names. A failed read leaves them unknown."""
        targets = {
            str(t.get("Ip") or t.get("Ipv6") or "")
            for r in rules
            if r.get("RuleType") == "FORWARD" and _covers_aws(domain(r.get("DomainName")))
            for t in r.get("TargetIps") or ()
        } - {""}
        if not targets:
            return {}
        try:
            by_ip: dict[str, str] = {}
            for endpoint in pages(
                self.resolver,
                "list_resolver_endpoints",
                "ResolverEndpoints",
                Filters=[{"Name": "Direction", "Values": ["INBOUND"]}],
            ):
                for address in pages(
                    self.resolver,
                    "list_resolver_endpoint_ip_addresses",
                    "IpAddresses",
                    ResolverEndpointId=endpoint["Id"],
                ):
                    ip = str(address.get("Ip") or address.get("Ipv6") or "")
                    if ip in targets:
                        by_ip[ip] = str(endpoint.get("HostVPCId", ""))
            hosts = sorted(set(by_ip.values()) - set(endpoints))
            read: dict[str, list[dict[str, Any]]] = defaultdict(list)
            if hosts:
                filters = [{"Name": "vpc-id", "Values": hosts}]
                items = pages(self.ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters)
                for item in items:
                    read[str(item.get("VpcId", ""))].append(item)
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not read the Resolver inbound endpoints", extra={"error": str(exc)})
            return {}
        return {
            ip: (vpc, served(endpoints.get(vpc) or read.get(vpc, []))) for ip, vpc in by_ip.items()
        }


def _covers_aws(name: str) -> bool:
    """A rule domain that can cover an ``amazonaws.com`` name (the root, ``com``, or under it)."""
    return name in ("", "com") or name == "amazonaws.com" or name.endswith(".amazonaws.com")


def _rule(item: Mapping[str, Any], inbound: Mapping[str, tuple[str, bool]]) -> DnsRule:
    ips = tuple(str(t.get("Ip") or t.get("Ipv6") or "") for t in item.get("TargetIps") or ())
    hosts = [inbound[ip] for ip in ips if ip in inbound]
    every = bool(ips) and len(hosts) == len(ips)
    return DnsRule(
        rule_id=str(item.get("Id", "")),
        domain=domain(item.get("DomainName")),
        rule_type=str(item.get("RuleType", "")),
        name=str(item.get("Name", "")),
        target_ips=ips,
        inbound_vpc=hosts[0][0] if every else "",
        inbound_served=every and all(served for _, served in hosts),
    )
