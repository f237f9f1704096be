"""Where a VPC's ECR names really resolve: hub zones' records, remote endpoints, Resolver rules.

Three reads beside the inventory's, each one batched:

* **Hub zone records** (``ListResourceRecordSets``, one per hub zone, not per VPC). A zone
  the account owns is read by a sweep; what it held is kept for :data:`TTL_SECONDS` in the
  execution environment, so that an event judges its VPC by the sweep's reading without
  spending its read budget on it (an event not yet preceded by a sweep judges the zone by
  its name, as before, and says so). Another account's zone cannot be read from here: it is
  "served, unverified".
* **Remote endpoints**: the endpoints those records point to and those a Route 53 Profile
  carries, when they are in this account. A sweep has read every endpoint of the region
  already; an event reads the ones it lacks in one ``DescribeVpcEndpoints``.
* **Resolver rules** (``route53resolver``): ``ListResolverRuleAssociations`` filtered by the
  VPCs (a sweep: unfiltered, one listing per region), always fresh: it says which rules
  apply. Only when some association is not Resolver's own autodefined one, the rules
  themselves (``ListResolverRules``, once) and, when a ``FORWARD`` rule covers AWS names,
  ``ListResolverEndpoints`` (inbound) and their addresses, to tell the centralised DNS
  pattern (forwarding to an inbound endpoint in a served VPC) from names resolved outside.
  Those definitions are kept for :data:`TTL_SECONDS` for the events that follow (a sweep
  reads them afresh).

A failed read is reported (``info``), never a failure of the run: these facts decide how a
compliant VPC is described, never a write.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import ACCESS_DENIED, error_code, error_text
from remediation.aws.hosted_zones import ZoneKnowledge
from remediation.model import DnsRule, HubZone, RemoteEndpoint

log = logging.getLogger(__name__)

#: How long an event trusts what a sweep read of a hub zone (seconds).
TTL_SECONDS = 900.0
#: Resolver's own rule for every VPC (``RECURSIVE``, ``.``): never a forwarding rule.
AUTODEFINED = "rslvr-autodefined-"
#: VPC ids per ``ListResolverRuleAssociations`` filter value list.
FILTER_CHUNK = 100
VPCE_ID = re.compile(r"(vpce-[0-9a-f]{8,17})(?:-|\.|$)")
#: Association states that apply to the VPC's queries.
ACTIVE_ASSOCIATIONS = frozenset({"COMPLETE", "CREATING"})

_RECORDS: dict[tuple[str, ...], tuple[float, HubZone, tuple[RemoteEndpoint, ...]]] = {}
#: The region's Resolver rules (by id) and inbound endpoint targets, for events after a read.
_RULES: dict[
    tuple[str, ...], tuple[float, dict[str, dict[str, Any]], dict[str, tuple[str, bool]]]
] = {}


def reset() -> None:
    """Forget the hub zones and Resolver rules read (tests: each moto account is new)."""
    _RECORDS.clear()
    _RULES.clear()


def domain(value: object) -> str:
    """A DNS name as the rules compare it: lower case, no trailing dot, ``\\052`` read as ``*``.

    >>> domain("\\\\052.DKR.ecr.us-east-1.amazonaws.com."), domain(".")
    ('*.dkr.ecr.us-east-1.amazonaws.com', '')
    """
    return str(value or "").replace("\\052", "*").rstrip(".").lower()


def endpoint_id_of(dns_name: str) -> str:
    """The endpoint id in an endpoint's DNS name (``vpce-0abc-xyz.dkr.ecr…``); ``""`` if none.

    >>> endpoint_id_of("vpce-0123456789abcdef0-ab12cd34.dkr.ecr.us-east-1.vpce.amazonaws.com.")
    'vpce-0123456789abcdef0'
    >>> endpoint_id_of("registry.example.com")
    ''
    """
    found = VPCE_ID.match(domain(dns_name).lstrip("*."))
    return found.group(1) if found else ""


def parse_record_targets(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each A, AAAA or CNAME record's name -> the endpoint id it points to (``""``: none)."""
    targets: dict[str, str] = {}
    for record in records:
        if record.get("Type") not in ("A", "AAAA", "CNAME"):
            continue
        alias = (record.get("AliasTarget") or {}).get("DNSName", "")
        values = [str(v.get("Value", "")) for v in record.get("ResourceRecords") or ()]
        found = [endpoint_id_of(alias)] if alias else [endpoint_id_of(v) for v in values]
        target = next(filter(None, found), "")
        name = domain(record.get("Name"))
        targets[name] = targets.get(name) or target
    return targets


def parse_remote(item: Mapping[str, Any], profile_id: str = "") -> RemoteEndpoint:
    return RemoteEndpoint(
        endpoint_id=str(item.get("VpcEndpointId", "")),
        service_name=str(item.get("ServiceName", "")),
        state=str(item.get("State", "")),
        vpc_id=str(item.get("VpcId", "")),
        owner_id=str(item.get("OwnerId", "")),
        private_dns_enabled=bool(item.get("PrivateDnsEnabled")),
        profile_id=profile_id,
    )


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def unread(permission: str, exc: BaseException) -> str:
    """Why a read failed, naming the permission when it was refused."""
    if error_code(exc) in ACCESS_DENIED:
        return f"{permission} was refused ({error_text(exc)})"
    return f"{permission.rsplit(':', maxsplit=1)[-1]} failed ({error_text(exc)})"


class DnsPaths:
    """The reads above. Give it read-only clients (``None``: that service is not read)."""

    def __init__(
        self,
        ec2: Any,
        route53: Any | None,
        resolver: Any | None,
        *,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ec2 = ec2
        self.route53 = route53
        self.resolver = resolver
        self.region = region
        self.account_id = account_id
        self.clock = clock
        meta = getattr(ec2, "meta", None)
        self._key = (account_id, region, str(getattr(meta, "endpoint_url", "") or ""))

    def facts(
        self,
        known: ZoneKnowledge,
        endpoints: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        vpc_ids: Sequence[str],
        needing: Sequence[str],
        sweep: bool,
        served: Callable[[Sequence[Mapping[str, Any]]], bool],
    ) -> dict[str, dict[str, Any]]:
        """Per VPC, the snapshot's DNS-path fields (hub zones, remote endpoints, rules).

        ``vpc_ids`` are the VPCs this account owns; ``needing`` those without a local
        endpoint of every service. An event reads the Resolver rules of the VPCs that are
        served (locally, by a hub zone or a Profile): a VPC that is not resolves ECR's public
        names anyway, and its next evaluation reads them once it is served.
        """
        by_id = {str(e.get("VpcEndpointId")): e for items in endpoints.values() for e in items}
        out: dict[str, dict[str, Any]] = defaultdict(dict)
        refs: dict[str, tuple[str, str]] = {}
        for vpc_refs in known.zone_refs.values():
            refs.update(vpc_refs)
        zones, remote = self.hub_zones(refs, by_id, sweep=sweep) if refs else ({}, {})
        own = {
            p.endpoint_id
            for ps in known.profile_endpoints.values()
            for p in ps
            if p.owner_id == self.account_id and p.region == self.region
        }
        remote.update(self.remote_endpoints(own - set(remote), by_id) if own else {})
        for vpc_id in vpc_ids:
            names = known.zone_refs.get(vpc_id, {})
            mine = [zones[n] for n in sorted(names) if n in zones]
            targets = {t for z in mine for t in z.records.values() if t in remote}
            carried = [
                replace(remote[p.endpoint_id], profile_id=p.profile_id)
                if p.endpoint_id in remote
                else RemoteEndpoint(p.endpoint_id, owner_id=p.owner_id, profile_id=p.profile_id)
                for p in known.profile_endpoints.get(vpc_id, [])
            ]
            out[vpc_id].update(
                hub_zones=tuple(mine),
                remote_endpoints=tuple(remote[t] for t in sorted(targets)) + tuple(carried),
                profiles_unread=known.profiles_unread.get(vpc_id, ""),
            )
        settled = [
            v
            for v in vpc_ids
            if v not in needing
            or known.zones.get(v)
            or known.profile_zones.get(v)
            or known.profile_endpoints.get(v)
        ]
        asked = None if sweep else settled
        if asked != []:
            rules, why = self.rules(asked, known.profile_rules, endpoints, served)
            for vpc_id in settled if not sweep else vpc_ids:
                out[vpc_id].update(dns_rules=rules.get(vpc_id, ()), dns_rules_unread=why)
        return out

    # ------------------------------------------------------------------ hub zones

    def hub_zones(
        self,
        refs: Mapping[str, tuple[str, str]],
        endpoints: Mapping[str, Mapping[str, Any]],
        *,
        sweep: bool,
    ) -> tuple[dict[str, HubZone], dict[str, RemoteEndpoint]]:
        """Each hub zone (name -> (zone id, owning account)) with its records, and the
        endpoints its records point to. ``endpoints``: what the run read, by id."""
        zones: dict[str, HubZone] = {}
        remote: dict[str, RemoteEndpoint] = {}
        for name, (zone_id, owner) in sorted(refs.items()):
            if owner and owner != self.account_id:
                zones[name] = HubZone(
                    name,
                    zone_id,
                    unverified=f"owned by account {owner}: its records cannot "
                    "be read from this account",
                )
                continue
            key = (*self._key, zone_id)
            cached = _RECORDS.get(key)
            if not sweep:
                if cached is not None and self.clock() - cached[0] < TTL_SECONDS:
                    zones[name] = cached[1]
                    remote.update({e.endpoint_id: e for e in cached[2]})
                else:
                    zones[name] = HubZone(name, zone_id)  # judged by its name: see hub_dns
                continue
            try:
                targets = parse_record_targets(
                    _pages(
                        self.route53,
                        "list_resource_record_sets",
                        "ResourceRecordSets",
                        HostedZoneId=zone_id,
                    )
                )
            except (ClientError, BotoCoreError) as exc:
                zones[name] = HubZone(
                    name, zone_id, unverified=unread("route53:ListResourceRecordSets", exc)
                )
                continue
            zone = HubZone(name, zone_id, records=MappingProxyType(targets), checked=True)
            found = self.remote_endpoints(set(targets.values()) - {""}, endpoints)
            zones[name] = zone
            remote.update(found)
            _RECORDS[key] = (self.clock(), zone, tuple(found.values()))
        return zones, remote

    def remote_endpoints(
        self, ids: set[str], endpoints: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, RemoteEndpoint]:
        """The endpoints of ``ids`` this account can see (read once for those not in
        ``endpoints``); an id EC2 does not know is absent (a stale record)."""
        found = {i: parse_remote(endpoints[i]) for i in sorted(ids) if i in endpoints}
        missing = sorted(ids - set(found))
        if missing:
            try:
                items = list(
                    _pages(
                        self.ec2, "describe_vpc_endpoints", "VpcEndpoints", VpcEndpointIds=missing
                    )
                )
            except (ClientError, BotoCoreError) as exc:
                if error_code(exc) != "InvalidVpcEndpointId.NotFound":
                    log.warning("could not read hub endpoints", extra={"error": str(exc)})
                    return found
                items = []
                for endpoint_id in missing:  # EC2 refuses the whole call for one unknown id
                    try:
                        items += self.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id]).get(
                            "VpcEndpoints", []
                        )
                    except (ClientError, BotoCoreError):
                        continue
            found.update({str(i["VpcEndpointId"]): parse_remote(i) for i in items})
        return found

    # ------------------------------------------------------------------ Resolver rules

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
            cached = _RULES.get(self._key)
            if (
                vpc_ids is not None
                and cached is not None
                and self.clock() - cached[0] < TTL_SECONDS
                and wanted <= set(cached[1])
            ):
                listed, inbound = cached[1], cached[2]
            elif wanted:
                permission = "route53resolver:ListResolverRules"
                listed = {
                    str(r["Id"]): r
                    for r in _pages(self.resolver, "list_resolver_rules", "ResolverRules")
                }
                inbound = self._inbound(listed.values(), endpoints, served)
                _RULES[self._key] = (self.clock(), listed, inbound)
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
            yield from _pages(self.resolver, operation, key)
            return
        for start in range(0, len(vpc_ids), FILTER_CHUNK):
            chunk = list(vpc_ids[start : start + FILTER_CHUNK])
            yield from _pages(
                self.resolver, operation, key, Filters=[{"Name": "VPCId", "Values": chunk}]
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
            for endpoint in _pages(
                self.resolver,
                "list_resolver_endpoints",
                "ResolverEndpoints",
                Filters=[{"Name": "Direction", "Values": ["INBOUND"]}],
            ):
                for address in _pages(
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
                items = _pages(self.ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters)
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
