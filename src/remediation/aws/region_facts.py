"""Region-level facts, read once per execution environment and kept for a while.

Where each configured endpoint service can be placed (``DescribeVpcEndpointServices``:
``AvailabilityZoneIds``, ``SupportedIpAddressTypes``) and which Availability Zones the
region has (``DescribeAvailabilityZones``: ``ZoneId``, ``ZoneType``) change rarely, so a
warm Lambda environment reuses them for :data:`TTL_SECONDS` instead of reading them for
every event. Zones are compared by AZ **ID** (``use1-az1``): the names (``us-east-1a``)
are mapped to different physical zones in each account.

The services' own AZ IDs are the authority (Local Zones and Wavelength Zones are not in
an AWS service's list; a subnet on an Outpost carries ``OutpostArn``), so the region's
zones are read only when a service's details give zone names without IDs, or when the
services could not be read at all (then the zone types keep Local and Wavelength Zones
out): one read in a cold environment against EC2, none in a warm one.

The cache is keyed by account, region, endpoint URL and the services asked for, so that
tests (each with a fresh moto account) and the CLI (any region) never see another's
facts; :func:`reset` empties it. A failed read is not cached: the facts are then empty,
and the rules judge as if every regular AZ offered every service (what the tool did
before it read them), and the next event reads again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.model import RegionFacts, ServiceOffer, ZoneInfo

log = logging.getLogger(__name__)

#: How long a warm environment trusts what it read (seconds).
TTL_SECONDS = 900.0

_CACHE: dict[tuple[str, ...], tuple[float, RegionFacts]] = {}


def reset() -> None:
    """Forget every cached fact (tests; a new moto account must be read afresh)."""
    _CACHE.clear()


def parse_zone(item: dict[str, Any]) -> ZoneInfo:
    return ZoneInfo(
        zone_id=str(item.get("ZoneId", "")),
        zone_name=str(item.get("ZoneName", "")),
        zone_type=str(item.get("ZoneType") or "availability-zone"),
    )


def parse_offer(item: dict[str, Any], zones: Sequence[ZoneInfo]) -> ServiceOffer:
    """One service's offer; AZ names are mapped to IDs when EC2 gives no ``AvailabilityZoneIds``."""
    ids = set(item.get("AvailabilityZoneIds") or ())
    if not ids:
        by_name = {z.zone_name: z.zone_id for z in zones}
        ids = {by_name.get(n, n) for n in item.get("AvailabilityZones") or ()}
    types = tuple(str(t).lower() for t in item.get("SupportedIpAddressTypes") or ("ipv4",))
    return ServiceOffer(
        service_name=str(item.get("ServiceName", "")),
        zone_ids=frozenset(str(i) for i in ids),
        ip_address_types=types,
    )


def _endpoint(ec2: Any) -> str:
    meta = getattr(ec2, "meta", None)
    return str(getattr(meta, "endpoint_url", "") or "")


def region_facts(
    ec2: Any,
    *,
    account_id: str,
    region: str,
    services: Iterable[str],
    clock: Callable[[], float] = time.monotonic,
) -> RegionFacts:
    """The region's zones and the given services' offers, from the cache when fresh.

    ``ec2`` must be a read-only client. A service EC2 does not describe is absent from
    the offers (judged by every regular AZ); a failed read returns empty facts, uncached.
    """
    wanted = tuple(sorted(set(services)))
    key = (account_id, region, _endpoint(ec2), *wanted)
    now = clock()
    cached = _CACHE.get(key)
    if cached is not None and now - cached[0] < TTL_SECONDS:
        return cached[1]
    details: list[dict[str, Any]] = []
    failed = False
    try:
        if wanted:
            kwargs: dict[str, Any] = {"ServiceNames": list(wanted)}
            while True:
                page = ec2.describe_vpc_endpoint_services(**kwargs)
                details += [
                    d
                    for d in page.get("ServiceDetails", [])
                    if d.get("ServiceName") in wanted
                    and any(t.get("ServiceType") == "Interface" for t in d.get("ServiceType", []))
                ]
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
    except (ClientError, BotoCoreError) as exc:
        log.warning(
            "could not read the endpoint services; judging by every regular zone",
            extra={"error": str(exc)},
        )
        details, failed = [], True
    zones: tuple[ZoneInfo, ...] = ()
    if failed or not details or any(not d.get("AvailabilityZoneIds") for d in details):
        # Without AZ IDs from the services, map their zone names through the region's zones
        # (and learn the zone types, which keep Local and Wavelength Zones out).
        try:
            zones = tuple(
                parse_zone(z)
                for z in ec2.describe_availability_zones(AllAvailabilityZones=True).get(
                    "AvailabilityZones", []
                )
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not read the region's zones", extra={"error": str(exc)})
            failed = True
    offers = tuple(parse_offer(d, zones) for d in details)
    if failed:
        return RegionFacts(zones=zones, offers=offers)  # not cached: read again next time
    facts = RegionFacts(zones=zones, offers=offers)
    _CACHE[key] = (now, facts)
    return facts
