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

Route 53 Profiles are read completely: a Profile's resources of **every** type are listed
(no ``ResourceType`` filter: which strings the API returns for hosted zones, Resolver rules
and VPC endpoints is not documented, so resources are told apart by their ARN). A Profile's
interface endpoint serves the VPC like a hub (judged by the rules once the endpoint is read);
its Resolver rules count as the VPC's own. A refused or unavailable Profiles read is **not**
"unknown": it is noted (naming the missing permission) and judged as "no Profile", so that
an account whose policies predate Route 53 Profiles still gets its endpoints.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_text, unread
from remediation.aws.kept import Kept
from remediation.aws.paging import Pacer, pages

log = logging.getLogger(__name__)

#: Seconds between two Route 53 requests (Route 53: five requests a second per account).
ROUTE53_INTERVAL = 0.2
#: Up to this many named VPCs (an event's), no account-wide listing is made first.
PER_VPC_ZONE_LOOKUPS = 10
#: How long an event trusts a Profile's resources read earlier in the execution environment
#: (seconds). A sweep always reads them again; an event within this time reuses them, so a
#: Profile-served VPC stays within the event's read budget in a warm environment.
PROFILE_TTL_SECONDS = 900.0


#: The IAM action each Profiles read needs (named when it is refused).
PROFILE_PERMISSIONS = {
    "list_profile_associations": "route53profiles:ListProfileAssociations",
    "list_profile_resource_associations": "route53profiles:ListProfileResourceAssociations",
    # A Profile's zones are named from the account's own listing.
    "list_hosted_zones": "route53:ListHostedZones",
}
ENDPOINT_ARN = re.compile(r"^arn:[\w-]+:ec2:([\w-]+):(\d{12}):vpc-endpoint/(vpce-[0-9a-f]+)$")
RULE_ARN = re.compile(r"^arn:[\w-]+:route53resolver:[\w-]+:\d{12}:resolver-rule/([\w-]+)$")


@dataclass(frozen=True)
class ProfileEndpoint:
    """An interface endpoint a VPC's Route 53 Profile carries (from its ARN)."""

    endpoint_id: str
    profile_id: str
    owner_id: str
    region: str


@dataclass
class ZoneKnowledge:
    """Per VPC: hub zones (by name, and their ids), what a Route 53 Profile brings, unknowns."""

    zones: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    profile_zones: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unknown: dict[str, str] = field(default_factory=dict)
    #: Per VPC, hub zone name -> (zone id, owning account): what the record reads need.
    zone_refs: dict[str, dict[str, tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    profile_endpoints: dict[str, list[ProfileEndpoint]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: Resolver rule ids a VPC gets through its Profile.
    profile_rules: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: Why the VPC's Route 53 Profile could not be read (judged as "no Profile").
    profiles_unread: dict[str, str] = field(default_factory=dict)

    def answers(self, vpc_id: str) -> bool:
        """Whether a hub zone or a Route 53 Profile answers ECR's names for the VPC."""
        return bool(
            self.zones.get(vpc_id)
            or self.profile_zones.get(vpc_id)
            or self.profile_endpoints.get(vpc_id)
        )


@dataclass
class _Resources:
    """What one Profile carries: zones by name (id, owner), unnamed zones, endpoints, rules."""

    zones: dict[str, tuple[str, str]] = field(default_factory=dict)
    unnamed: set[str] = field(default_factory=set)
    endpoints: list[ProfileEndpoint] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)


#: Each Profile's resources by (account, region, Profiles endpoint, profile id): when read.
_PROFILE_RESOURCES: Kept[_Resources] = Kept()


def reset() -> None:
    """Forget the Profiles' resources read (tests: each moto account is new)."""
    _PROFILE_RESOURCES.clear()


class ZoneListingFailed(Exception):
    """The account's ``ListHostedZones`` failed (``cause``: botocore's error)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _unread(operation: str, exc: BaseException) -> str:
    """Why a Profiles read failed, naming the permission when it was refused."""
    return unread(PROFILE_PERMISSIONS[operation], exc)


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
        account_id: str = "",
        pacer: Pacer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.route53: Any = route53  # None: Route 53 is not read
        self.profiles: Any = profiles  # None: Route 53 Profiles are not read
        self.region = region
        self.account_id = account_id
        self.pacer = pacer or Pacer(ROUTE53_INTERVAL)
        self.clock = clock
        meta = getattr(profiles, "meta", None)
        self._key = (account_id, region, str(getattr(meta, "endpoint_url", "") or ""))
        #: What the last :meth:`zones_of` per VPC saw: zone name -> (zone id, owning account).
        self._refs: dict[str, dict[str, tuple[str, str]]] = {}
        # What a sweep lists once, whatever the number of slices it reads its VPCs in: the
        # account's own zones (id -> name, VPC -> names, VPC -> refs), the profile
        # associations, and each profile's resources. One instance serves one run.
        self._own: ZoneKnowledge | None = None
        self._associations: list[dict[str, Any]] | None = None
        self._resources: dict[str, _Resources] = {}
        #: Every zone of the account (one ``ListHostedZones`` a run: the sweep's own zones and
        #: the names of a Profile's zones both come from it).
        self._zones: list[dict[str, Any]] | None = None

    def knowledge(
        self,
        wanted: Collection[str],
        needing: Sequence[str],
        *,
        sweep: bool,
        profiles: bool = True,
    ) -> ZoneKnowledge:
        """What serves each VPC of ``needing`` (the VPCs that lack a local endpoint).

        ``sweep`` (or more VPCs than :data:`PER_VPC_ZONE_LOOKUPS`): list the account's own
        zones first, then look up only the VPCs they do not settle. ``profiles=False``
        (``ROUTE53_PROFILES=off``): Route 53 Profiles are not read.
        """
        known = ZoneKnowledge()
        if self.route53 is None or not needing:
            return known
        pending = list(needing)
        if sweep or len(needing) > PER_VPC_ZONE_LOOKUPS:
            try:
                if self._own is None:
                    listed = ZoneKnowledge()
                    self._own_zones(wanted, listed)
                    self._own = listed
                for vpc_id, names in self._own.zones.items():
                    known.zones[vpc_id] |= names
                    known.zone_refs[vpc_id].update(self._own.zone_refs.get(vpc_id, {}))
            except (ClientError, BotoCoreError, ZoneListingFailed) as exc:
                log.warning("could not list the account's hosted zones", extra={"error": str(exc)})
            pending = [v for v in needing if not known.zones.get(v)]
        for vpc_id in pending:
            try:
                known.zones[vpc_id] |= self.zones_of(vpc_id) & set(wanted)
            except (ClientError, BotoCoreError) as exc:
                known.unknown[vpc_id] = f"its hosted zones could not be read: {error_text(exc)}"
                continue
            refs = self._refs.get(vpc_id, {})
            known.zone_refs[vpc_id].update({n: refs[n] for n in known.zones[vpc_id] if n in refs})
        unsettled = [v for v in pending if not known.zones.get(v) and v not in known.unknown]
        if self.profiles is not None and profiles and unsettled:
            self._profiles(wanted, unsettled, known, sweep=sweep)
        return known

    def zones_of(self, vpc_id: str) -> set[str]:
        """Names of the account-owned private zones associated with one VPC, any account's.

        Zones an AWS service owns (``Owner.OwningService``) are left out: they are not a hub.
        """
        refs: dict[str, tuple[str, str]] = {}
        kwargs: dict[str, Any] = {"VPCId": vpc_id, "VPCRegion": self.region}
        while True:
            self.pacer.wait()
            page = self.route53.list_hosted_zones_by_vpc(**kwargs)
            for zone in page.get("HostedZoneSummaries", []):
                owner = zone.get("Owner") or {}
                if not owner.get("OwningService"):
                    refs[_name(zone.get("Name"))] = (
                        _zone_id(zone.get("HostedZoneId")),
                        str(owner.get("OwningAccount") or ""),
                    )
            if not page.get("NextToken"):
                self._refs[vpc_id] = refs
                return set(refs)
            kwargs["NextToken"] = page["NextToken"]

    def _own_zones(self, wanted: Collection[str], known: ZoneKnowledge) -> None:
        """The account's private zones named like a service: which VPCs each serves."""
        for zone in self._listing():
            if not (zone.get("Config") or {}).get("PrivateZone"):
                continue
            name = _name(zone.get("Name"))
            if name not in wanted:
                continue
            self.pacer.wait()
            detail = self.route53.get_hosted_zone(Id=zone["Id"])
            for vpc in detail.get("VPCs", []):
                if vpc.get("VPCRegion") == self.region:
                    known.zones[str(vpc["VPCId"])].add(name)
                    known.zone_refs[str(vpc["VPCId"])][name] = (
                        _zone_id(zone.get("Id")),
                        self.account_id,
                    )

    def _profiles(
        self,
        wanted: Collection[str],
        vpc_ids: Sequence[str],
        known: ZoneKnowledge,
        *,
        sweep: bool,
    ) -> None:
        """What reaches the VPCs through a Route 53 Profile (a VPC has at most one).

        A profile's hosted-zone resources are named by ARN only; a zone of another account
        cannot be read (``GetHostedZone``), so one the tool cannot name makes the VPC unknown.
        A refused or failed Profiles read is noted per VPC and judged as "no Profile".
        """
        operation = "list_profile_associations"
        try:
            if sweep or len(vpc_ids) > PER_VPC_ZONE_LOOKUPS:
                if self._associations is None:
                    self._associations = list(
                        pages(self.profiles, operation, "ProfileAssociations")
                    )
                listed = self._associations
            else:
                listed = [
                    a
                    for v in vpc_ids
                    for a in pages(self.profiles, operation, "ProfileAssociations", ResourceId=v)
                ]
        except (ClientError, BotoCoreError) as exc:
            for vpc_id in vpc_ids:
                known.profiles_unread[vpc_id] = _unread(operation, exc)
            return
        wanted_vpcs = set(vpc_ids)
        by_profile: dict[str, list[str]] = defaultdict(list)
        for association in listed:
            vpc_id = str(association.get("ResourceId", ""))
            if vpc_id in wanted_vpcs and association.get("ProfileId"):
                by_profile[str(association["ProfileId"])].append(vpc_id)
        for profile_id, vpcs in sorted(by_profile.items()):
            try:
                if profile_id not in self._resources:
                    self._resources[profile_id] = self._kept_resources(profile_id, sweep=sweep)
                found = self._resources[profile_id]
            except (ClientError, BotoCoreError, ZoneListingFailed) as exc:
                failed, cause = (
                    ("list_hosted_zones", exc.cause)
                    if isinstance(exc, ZoneListingFailed)
                    else ("list_profile_resource_associations", exc)
                )
                for vpc_id in vpcs:
                    known.profiles_unread[vpc_id] = f"Route 53 Profile {profile_id}: " + _unread(
                        failed, cause
                    )
                continue
            served = {n: ref for n, ref in found.zones.items() if n in wanted}
            for vpc_id in vpcs:
                known.profile_zones[vpc_id] |= set(served)
                known.zone_refs[vpc_id].update(served)
                known.profile_endpoints[vpc_id] += found.endpoints
                known.profile_rules[vpc_id] |= found.rules
                if found.unnamed and not served and not found.endpoints:
                    known.unknown[vpc_id] = (
                        f"its Route 53 Profile {profile_id} brings hosted zones the tool cannot "
                        f"name ({', '.join(sorted(found.unnamed))}, owned by another account)"
                    )

    def _kept_resources(self, profile_id: str, *, sweep: bool) -> _Resources:
        """A Profile's resources: read by a sweep (and kept), reused by an event within
        :data:`PROFILE_TTL_SECONDS` of the last reading, read by an event otherwise."""
        key = (*self._key, profile_id)
        kept = _PROFILE_RESOURCES.fresh(key, self.clock(), ttl=PROFILE_TTL_SECONDS)
        if not sweep and kept is not None:
            return kept
        try:
            found = self._profile_resources(profile_id)
        except (ClientError, BotoCoreError, ZoneListingFailed):
            _PROFILE_RESOURCES.forget(key)  # no event may rely on an older reading
            raise
        _PROFILE_RESOURCES.put(key, self.clock(), found)
        return found

    def _profile_resources(self, profile_id: str) -> _Resources:
        """A Profile's resources of every type, told apart by ARN (zones named when readable)."""
        found = _Resources()
        names: dict[str, str] | None = None  # the account's zones, listed when a zone needs one
        for resource in pages(
            self.profiles,
            "list_profile_resource_associations",
            "ProfileResourceAssociations",
            ProfileId=profile_id,
        ):
            arn = str(resource.get("ResourceArn", ""))
            if endpoint := ENDPOINT_ARN.match(arn):
                region, owner, endpoint_id = endpoint.groups()
                found.endpoints.append(ProfileEndpoint(endpoint_id, profile_id, owner, region))
            elif rule := RULE_ARN.match(arn):
                found.rules.add(rule.group(1))
            elif ":hostedzone/" in arn:
                zone_id = _zone_id(arn)
                names = self._zone_names() if names is None else names
                name = names.get(zone_id, "")
                if name:
                    found.zones[name] = (zone_id, self.account_id)
                else:
                    found.unnamed.add(zone_id)  # another account's zone: not readable here
        return found

    def _zone_names(self) -> dict[str, str]:
        """Every hosted zone of the account, id -> name, from the run's one listing: not a
        ``GetHostedZone`` per zone a Profile carries (a landing zone's Profile can carry
        hundreds, and Route 53 allows five requests a second per account). A zone a Profile
        carries that the listing lacks is another account's. A failed listing fails like the
        Profile's read: judged as "no Profile", naming the permission."""
        return {_zone_id(z.get("Id")): _name(z.get("Name")) for z in self._listing()}

    def _listing(self) -> list[dict[str, Any]]:
        """The account's hosted zones (``ListHostedZones``, pages of 100), listed once a run;
        :class:`ZoneListingFailed` when the listing fails (nothing of it is kept)."""
        if self._zones is None:
            try:
                self._zones = list(pages(self.route53, "list_hosted_zones", "HostedZones"))
            except (ClientError, BotoCoreError) as exc:
                raise ZoneListingFailed(exc) from exc
        return self._zones
