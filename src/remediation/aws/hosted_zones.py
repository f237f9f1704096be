"""Which VPCs a centralised (hub) endpoint already serves: Route 53 and Route 53 Profiles reads.

A VPC is served centrally for a service when a private hosted zone named like the
service's DNS (``dkr.ecr.<region>.amazonaws.com``) reaches it, owned by an **account**
(the hub's, or this one). ``ListHostedZonesByVPC`` also lists zones that AWS services own
(``Owner.OwningService``), such as the one behind a VPC's own private-DNS endpoint: those
are not a hub and are ignored, so a VPC's own endpoint is never mistaken for "centralised".
``ListHostedZonesByVPC`` does not show zones a VPC gets through a Route 53 Profile, so for
a VPC not settled by its zones the Profiles API is asked too (the VPC's profile
association, then the profile's hosted-zone resources).

Zone knowledge is needed only for VPCs that lack a local endpoint (usable, private DNS on)
for some interface service: the others are judged by their endpoints. Each such VPC is
looked up once (a sweep first lists the account's own zones, which settles the VPCs they
serve, then asks per VPC for the rest, so that a spoke served by **another account's** hub
gets the same verdict as from an event). Route 53 allows five requests a second per
account: the per-VPC lookups are paced. A failed read makes that VPC's zones *unknown*
(the rules then plan no endpoint for it and report why), never "no zones" for every VPC.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_text

log = logging.getLogger(__name__)

#: Seconds between two Route 53 requests (Route 53: five requests a second per account).
ROUTE53_INTERVAL = 0.2
#: Up to this many named VPCs (an event's), no account-wide listing is made first.
PER_VPC_ZONE_LOOKUPS = 10
HOSTED_ZONE_TYPE = "AWS::Route53::HostedZone"


@dataclass
class ZoneKnowledge:
    """Per VPC: hub zones (by name), zones from a Route 53 Profile, and unknowns (why)."""

    zones: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    profile_zones: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unknown: dict[str, str] = field(default_factory=dict)


class Pacer:
    """Keeps at least ``interval`` seconds between calls (the first call does not wait)."""

    def __init__(
        self,
        interval: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = ROUTE53_INTERVAL if interval is None else interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            delay = self.interval - (self.clock() - self._last)
            if delay > 0:
                self.sleep(delay)
        self._last = self.clock()


def _name(value: object) -> str:
    return str(value or "").rstrip(".").lower()


def _zone_id(value: object) -> str:
    return str(value or "").rsplit("/", 1)[-1]


class HostedZones:
    """Reads what hosted zones reach VPCs. Give it read-only clients (``None``: not read)."""

    def __init__(
        self,
        route53: Any | None,
        profiles: Any | None,
        *,
        region: str,
        pacer: Pacer | None = None,
    ) -> None:
        self.route53: Any = route53  # None: Route 53 is not read
        self.profiles: Any = profiles  # None: Route 53 Profiles are not read
        self.region = region
        self.pacer = pacer or Pacer()

    def knowledge(
        self, wanted: Collection[str], needing: Sequence[str], *, sweep: bool
    ) -> ZoneKnowledge:
        """What serves each VPC of ``needing`` (the VPCs that lack a local endpoint).

        ``sweep`` (or more VPCs than :data:`PER_VPC_ZONE_LOOKUPS`): list the account's own
        zones first, then look up only the VPCs they do not settle.
        """
        known = ZoneKnowledge()
        if self.route53 is None or not needing:
            return known
        own_names: dict[str, str] = {}
        pending = list(needing)
        if sweep or len(needing) > PER_VPC_ZONE_LOOKUPS:
            try:
                own_names = self._own_zones(wanted, known)
            except (ClientError, BotoCoreError) as exc:
                log.warning("could not list the account's hosted zones", extra={"error": str(exc)})
            pending = [v for v in needing if not known.zones.get(v)]
        for vpc_id in pending:
            try:
                known.zones[vpc_id] |= self.zones_of(vpc_id) & set(wanted)
            except (ClientError, BotoCoreError) as exc:
                known.unknown[vpc_id] = f"its hosted zones could not be read: {error_text(exc)}"
        unsettled = [v for v in pending if not known.zones.get(v) and v not in known.unknown]
        if self.profiles is not None and unsettled:
            self._profiles(wanted, unsettled, own_names, known, sweep=sweep)
        return known

    def zones_of(self, vpc_id: str) -> set[str]:
        """Names of the account-owned private zones associated with one VPC, any account's.

        Zones an AWS service owns (``Owner.OwningService``) are left out: they are not a hub.
        """
        names: set[str] = set()
        kwargs: dict[str, Any] = {"VPCId": vpc_id, "VPCRegion": self.region}
        while True:
            self.pacer.wait()
            page = self.route53.list_hosted_zones_by_vpc(**kwargs)
            names |= {
                _name(z.get("Name"))
                for z in page.get("HostedZoneSummaries", [])
                if not (z.get("Owner") or {}).get("OwningService")
            }
            if not page.get("NextToken"):
                return names
            kwargs["NextToken"] = page["NextToken"]

    def _own_zones(self, wanted: Collection[str], known: ZoneKnowledge) -> dict[str, str]:
        """The account's private zones named like a service: which VPCs each serves.

        Returns every private zone's id -> name (a Profile's resources name zones by id).
        """
        names: dict[str, str] = {}
        for zone in self._pages(self.route53, "list_hosted_zones", "HostedZones"):
            if not (zone.get("Config") or {}).get("PrivateZone"):
                continue
            name = _name(zone.get("Name"))
            names[_zone_id(zone.get("Id"))] = name
            if name not in wanted:
                continue
            self.pacer.wait()
            detail = self.route53.get_hosted_zone(Id=zone["Id"])
            for vpc in detail.get("VPCs", []):
                if vpc.get("VPCRegion") == self.region:
                    known.zones[str(vpc["VPCId"])].add(name)
        return names

    def _profiles(
        self,
        wanted: Collection[str],
        vpc_ids: Sequence[str],
        own_names: dict[str, str],
        known: ZoneKnowledge,
        *,
        sweep: bool,
    ) -> None:
        """Zones that reach the VPCs through a Route 53 Profile (a VPC has at most one).

        A profile's hosted-zone resources are named by ARN only; a zone of another account
        cannot be read (``GetHostedZone``), so one the tool cannot name makes the VPC unknown.
        """
        try:
            if sweep or len(vpc_ids) > PER_VPC_ZONE_LOOKUPS:
                listed = list(
                    self._pages(self.profiles, "list_profile_associations", "ProfileAssociations")
                )
            else:
                listed = [
                    a
                    for v in vpc_ids
                    for a in self._pages(
                        self.profiles,
                        "list_profile_associations",
                        "ProfileAssociations",
                        ResourceId=v,
                    )
                ]
        except (ClientError, BotoCoreError) as exc:
            for vpc_id in vpc_ids:
                known.unknown[vpc_id] = f"its Route 53 Profile could not be read: {error_text(exc)}"
            return
        wanted_vpcs = set(vpc_ids)
        by_profile: dict[str, list[str]] = defaultdict(list)
        for association in listed:
            vpc_id = str(association.get("ResourceId", ""))
            if vpc_id in wanted_vpcs and association.get("ProfileId"):
                by_profile[str(association["ProfileId"])].append(vpc_id)
        for profile_id, vpcs in sorted(by_profile.items()):
            try:
                names, unnamed = self._profile_zones(profile_id, own_names)
            except (ClientError, BotoCoreError) as exc:
                for vpc_id in vpcs:
                    known.unknown[vpc_id] = (
                        f"the hosted zones of its Route 53 Profile {profile_id} could not be "
                        f"read: {error_text(exc)}"
                    )
                continue
            for vpc_id in vpcs:
                served = names & set(wanted)
                if served:
                    known.profile_zones[vpc_id] |= served
                elif unnamed:
                    known.unknown[vpc_id] = (
                        f"its Route 53 Profile {profile_id} brings hosted zones the tool cannot "
                        f"name ({', '.join(sorted(unnamed))}, owned by another account)"
                    )

    def _profile_zones(
        self, profile_id: str, own_names: dict[str, str]
    ) -> tuple[set[str], set[str]]:
        names: set[str] = set()
        unnamed: set[str] = set()
        for resource in self._pages(
            self.profiles,
            "list_profile_resource_associations",
            "ProfileResourceAssociations",
            ProfileId=profile_id,
            ResourceType=HOSTED_ZONE_TYPE,
        ):
            zone_id = _zone_id(resource.get("ResourceArn"))
            if zone_id in own_names:
                names.add(own_names[zone_id])
                continue
            try:
                self.pacer.wait()
                detail = self.route53.get_hosted_zone(Id=zone_id)
                names.add(_name(detail.get("HostedZone", {}).get("Name")))
            except (ClientError, BotoCoreError):
                unnamed.add(zone_id)  # another account's zone: not readable from here
        return names, unnamed

    @staticmethod
    def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key, [])
