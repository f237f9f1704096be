"""Where a VPC's ECR names really resolve: hub zones' records, remote endpoints, Resolver rules.

Three reads beside the inventory's, each one batched:

* **Hub zone records** (``ListResourceRecordSets``, one per hub zone, not per VPC). A zone
  the account owns is read by a sweep; what it held is kept for :data:`TTL_SECONDS` in the
  execution environment, so that an event judges its VPC by the sweep's reading without
  spending its read budget on it (an event not yet preceded by a sweep judges the zone by
  its name, as before, and says so). Another account's zone is read the same way through that
  account's member role in organisation mode (:mod:`remediation.aws.peers`); without one, or
  when the role cannot be assumed, it is "served, unverified", with the reason.
* **Remote endpoints**: the endpoints those records point to and those a Route 53 Profile
  carries: in this account (a sweep has read every endpoint of the region already; an event
  reads the ones it lacks in one ``DescribeVpcEndpoints``), or in their owner's account through
  its member role (one ``DescribeVpcEndpoints`` there), kept like the rest.
* **Resolver rules**: :mod:`remediation.aws.resolver_rules`, for the VPCs that are served
  (an event) or every VPC (a sweep).

A failed read is reported (``info``), never a failure of the run.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_code, unread
from remediation.aws.hosted_zones import ZoneKnowledge
from remediation.aws.kept import Kept
from remediation.aws.paging import pages
from remediation.aws.peers import PeerClients, Peers
from remediation.aws.resolver_rules import ResolverRules, domain
from remediation.aws.resolver_rules import reset as reset_rules
from remediation.surroundings import HubZone, RemoteEndpoint

log = logging.getLogger(__name__)

#: How long an event trusts what a sweep read of a hub zone (seconds).
TTL_SECONDS = 900.0
#: Why another account's hub cannot be read outside organisation mode.
NO_PEERS = (
    "its records cannot be read from this account (organisation mode reads them through that "
    "account's member role)"
)
VPCE_ID = re.compile(r"(vpce-[0-9a-f]{8,17})(?:-|\.|$)")

_RECORDS: Kept[tuple[HubZone, tuple[RemoteEndpoint, ...]]] = Kept()
#: Remote endpoints (a Profile's, of this account) by (account, region, endpoint, id): when
#: read, and what was read. An event reuses a reading younger than :data:`TTL_SECONDS`.
_REMOTE: Kept[RemoteEndpoint] = Kept()


def reset() -> None:
    """Forget the hub zones, remote endpoints and Resolver rules read (tests: each moto
    account is new)."""
    _RECORDS.clear()
    _REMOTE.clear()
    reset_rules()


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
        peers: Peers | None = None,
        hub_records: bool = False,
    ) -> None:
        self.ec2 = ec2
        self.route53 = route53
        self.resolver = resolver
        self.region = region
        self.account_id = account_id
        self.clock = clock
        #: Other accounts' read-only clients (organisation mode); ``None``: not readable.
        self.peers = peers
        #: Named VPCs read their hub zones' records too, as a sweep does (the CLI: it has no
        #: event's read budget); else an event reuses a sweep's reading or judges by name.
        self.hub_records = hub_records
        meta = getattr(ec2, "meta", None)
        self._url = str(getattr(meta, "endpoint_url", "") or "")
        self.resolver_rules = ResolverRules(resolver, ec2, key=self._kept(account_id), clock=clock)

    def facts(
        self,
        known: ZoneKnowledge,
        endpoints: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        vpc_ids: Sequence[str],
        answered: Collection[str],
        sweep: bool,
        served: Callable[[Sequence[Mapping[str, Any]]], bool],
    ) -> dict[str, dict[str, Any]]:
        """Per VPC, the snapshot's DNS-path fields (hub zones, remote endpoints, rules).

        ``vpc_ids`` are the VPCs this account owns; ``answered`` those whose ECR names
        something answers (a local endpoint of every service, a hub zone, a Profile). An event
        reads the Resolver rules of those only: a VPC that is not answered resolves ECR's
        public names anyway, and its next evaluation reads them once it is served.
        """
        by_id = {str(e.get("VpcEndpointId")): e for items in endpoints.values() for e in items}
        out: dict[str, dict[str, Any]] = defaultdict(dict)
        refs = {
            zone_id: (name, owner)
            for vpc_refs in known.zone_refs.values()
            for name, (zone_id, owner) in vpc_refs.items()
        }
        zones, remote = self.hub_zones(refs, by_id, sweep=sweep) if refs else ({}, {})
        carried: dict[str, set[str]] = defaultdict(set)  # owner -> the Profiles' endpoints
        for ps in known.profile_endpoints.values():
            for p in ps:
                if p.region == self.region:
                    carried[p.owner_id or self.account_id].add(p.endpoint_id)
        unread: dict[str, str] = {}
        for owner, ids in sorted(carried.items()):
            ids -= set(remote)
            if not ids:
                continue
            if owner == self.account_id:
                remote.update(self.kept_endpoints(ids, by_id, sweep=sweep))
                continue
            peer = self._peer(owner)
            if isinstance(peer, str):
                unread.update(dict.fromkeys(ids, peer))
                continue
            remote.update(self.kept_endpoints(ids, {}, sweep=sweep, peer=peer))
        for vpc_id in vpc_ids:
            names = known.zone_refs.get(vpc_id, {})
            mine = [zones[names[n][0]] for n in sorted(names) if names[n][0] in zones]
            targets = {t for z in mine for t in z.records.values() if t in remote}
            through = [
                replace(remote[p.endpoint_id], profile_id=p.profile_id)
                if p.endpoint_id in remote
                else RemoteEndpoint(
                    p.endpoint_id,
                    owner_id=p.owner_id,
                    profile_id=p.profile_id,
                    unread=unread.get(p.endpoint_id, ""),
                )
                for p in known.profile_endpoints.get(vpc_id, [])
            ]
            out[vpc_id].update(
                hub_zones=tuple(mine),
                remote_endpoints=tuple(remote[t] for t in sorted(targets)) + tuple(through),
                profiles_unread=known.profiles_unread.get(vpc_id, ""),
            )
        settled = [v for v in vpc_ids if v in answered]
        asked = None if sweep else settled
        if asked != []:
            rules, why = self.resolver_rules.rules(asked, known.profile_rules, endpoints, served)
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
        """Each hub zone (zone id -> (name, owning account)) with its records, by zone id, and
        the endpoints its records point to. ``endpoints``: what the run read, by id."""
        zones: dict[str, HubZone] = {}
        remote: dict[str, RemoteEndpoint] = {}
        for zone_id, (name, owner) in sorted(refs.items()):
            foreign = bool(owner) and owner != self.account_id
            if foreign and self.peers is None:
                zones[zone_id] = HubZone(
                    name, zone_id, unverified=f"owned by account {owner}: {NO_PEERS}"
                )
                continue
            account = owner if foreign else self.account_id
            key = (*self._kept(account), zone_id)
            if not sweep and not self.hub_records:  # an event: a sweep's reading, or the name
                cached = _RECORDS.fresh(key, self.clock(), ttl=TTL_SECONDS)
                if cached is not None:
                    zones[zone_id] = cached[0]
                    remote.update({e.endpoint_id: e for e in cached[1]})
                else:
                    zones[zone_id] = HubZone(name, zone_id)  # judged by its name: see hub_dns
                continue
            peer: PeerClients | None = None
            if foreign:
                found_peer = self._peer(owner)
                if isinstance(found_peer, str):
                    zones[zone_id] = HubZone(
                        name, zone_id, unverified=f"owned by account {owner}: {found_peer}"
                    )
                    continue
                peer = found_peer
            zone, found = self._read_zone(zone_id, name, endpoints, peer)
            zones[zone_id] = zone
            remote.update(found)
            if not zone.unverified:  # a reading that could not be made is never kept
                _RECORDS.put(key, self.clock(), (zone, tuple(found.values())))
        return zones, remote

    def _read_zone(
        self,
        zone_id: str,
        name: str,
        endpoints: Mapping[str, Mapping[str, Any]],
        peer: PeerClients | None,
    ) -> tuple[HubZone, dict[str, RemoteEndpoint]]:
        """One hub zone's records and the endpoints they point to: in this account, or through
        ``peer`` in the zone's own. Unverified, never broken, when a read fails, or when another
        account's records point to endpoints that account's EC2 does not show (gone, or in a
        third account: the tool cannot tell)."""
        where = "" if peer is None else f"in account {peer.account_id}, "
        try:
            targets = parse_record_targets(
                pages(
                    self.route53 if peer is None else peer.route53,
                    "list_resource_record_sets",
                    "ResourceRecordSets",
                    HostedZoneId=zone_id,
                )
            )
        except (ClientError, BotoCoreError) as exc:
            why = unread("route53:ListResourceRecordSets", exc)
            return HubZone(name, zone_id, unverified=where + why), {}
        ids = set(targets.values()) - {""}
        try:  # those the run read (this account's), the rest read where the zone lives
            found = self.remote_endpoints(
                ids, endpoints, ec2=None if peer is None else peer.ec2, strict=True
            )
        except (ClientError, BotoCoreError) as exc:
            why = unread("ec2:DescribeVpcEndpoints", exc)
            return HubZone(name, zone_id, unverified=where + why), {}
        unseen = sorted(ids - set(found))
        if peer is not None and unseen:
            return HubZone(
                name,
                zone_id,
                unverified=f"{where}its records point to {', '.join(unseen)}, which that "
                "account's EC2 does not show (gone, or another account's)",
            ), found
        return HubZone(name, zone_id, records=MappingProxyType(targets), checked=True), found

    def kept_endpoints(
        self,
        ids: set[str],
        endpoints: Mapping[str, Mapping[str, Any]],
        *,
        sweep: bool,
        peer: PeerClients | None = None,
    ) -> dict[str, RemoteEndpoint]:
        """:meth:`remote_endpoints`, kept: an event reuses what was read of an endpoint within
        :data:`TTL_SECONDS` (by a sweep, or an earlier event) and reads only the rest; a sweep
        has read every endpoint of the region and keeps what it found. ``peer``: the endpoints
        are another account's, read through its member role."""
        now = self.clock()
        base = self._kept(self.account_id if peer is None else peer.account_id)
        kept: dict[str, RemoteEndpoint] = {}
        if not sweep:
            for endpoint_id in sorted(ids - set(endpoints)):
                reading = _REMOTE.fresh((*base, endpoint_id), now, ttl=TTL_SECONDS)
                if reading is not None:
                    kept[endpoint_id] = reading
        found = self.remote_endpoints(
            ids - set(kept), endpoints, ec2=None if peer is None else peer.ec2
        )
        for endpoint_id in ids - set(kept):
            if endpoint_id in found:
                _REMOTE.put((*base, endpoint_id), now, found[endpoint_id])
            else:  # gone, or not readable now: no event may rely on an older reading
                _REMOTE.forget((*base, endpoint_id))
        return {**kept, **found}

    def remote_endpoints(
        self,
        ids: set[str],
        endpoints: Mapping[str, Mapping[str, Any]],
        *,
        ec2: Any | None = None,
        strict: bool = False,
    ) -> dict[str, RemoteEndpoint]:
        """The endpoints of ``ids`` this account (or ``ec2``'s, another account's) can see, read
        once for those not in ``endpoints``; an id EC2 does not know is absent (a stale
        record). A failed read leaves the rest absent, or with ``strict`` raises (a hub zone's
        records must not be judged against endpoints that were not read)."""
        client = self.ec2 if ec2 is None else ec2
        found = {i: parse_remote(endpoints[i]) for i in sorted(ids) if i in endpoints}
        missing = sorted(ids - set(found))
        if missing:
            try:
                items = list(
                    pages(client, "describe_vpc_endpoints", "VpcEndpoints", VpcEndpointIds=missing)
                )
            except (ClientError, BotoCoreError) as exc:
                if error_code(exc) != "InvalidVpcEndpointId.NotFound":
                    if strict:
                        raise
                    log.warning("could not read hub endpoints", extra={"error": str(exc)})
                    return found
                items = []
                for endpoint_id in missing:  # EC2 refuses the whole call for one unknown id
                    try:
                        items += client.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id]).get(
                            "VpcEndpoints", []
                        )
                    except (ClientError, BotoCoreError) as one:
                        if strict and error_code(one) != "InvalidVpcEndpointId.NotFound":
                            raise
                        continue
            found.update({str(i["VpcEndpointId"]): parse_remote(i) for i in items})
        return found

    def _kept(self, account_id: str) -> tuple[str, str, str]:
        """Where a reading in ``account_id`` is kept: the account, the region, the endpoint."""
        return (account_id, self.region, self._url)

    def _peer(self, account_id: str) -> PeerClients | str:
        """Another account's read-only clients, or why its records cannot be read."""
        return NO_PEERS if self.peers is None else self.peers.clients(account_id)

    # ------------------------------------------------------------------ Resolver rules
