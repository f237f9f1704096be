"""Region-level facts, read once per execution environment and kept for a while.

Where each configured endpoint service can be placed (``DescribeVpcEndpointServices``:
``AvailabilityZoneIds``, ``AvailabilityZones``, ``SupportedIpAddressTypes``) changes rarely,
so a warm Lambda environment reuses it for :data:`TTL_SECONDS` instead of reading it for
every event: one read in a cold environment, none in a warm one.

Zones are compared by AZ **ID** (``use1-az1``) when EC2's answer carries them. botocore
before 1.40.7 does not parse ``AvailabilityZoneIds`` (the Lambda runtime's own SDK may be
that old), and then the zone **names** are kept: they are in the caller's own mapping, the
mapping its subnets' ``AvailabilityZone`` is written in (``DescribeSubnets`` returns both the
name and the ID of each subnet's zone), so :func:`remediation.topology.endpoints.offers` compares a
subnet's name with them. No ``DescribeAvailabilityZones`` is needed, so no second read can
fail and leave names that match nothing.

The cache is keyed by account, region, endpoint URL and the services asked for, so that
tests (each with a fresh moto account) and the CLI (any region) never see another's
facts; :func:`reset` empties it. A failed read is not cached: the facts are then empty,
and the rules judge as if every regular AZ offered every service (an endpoint is planned
where there are private subnets: a VPC without endpoints is never compliant because a read
failed), and the next event reads again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.kept import Kept
from remediation.surroundings import RegionFacts, ServiceOffer

log = logging.getLogger(__name__)

#: How long a warm environment trusts what it read (seconds).
TTL_SECONDS = 900.0

_CACHE: Kept[RegionFacts] = Kept()


def reset() -> None:
    """Forget every cached fact (tests; a new moto account must be read afresh)."""
    _CACHE.clear()


def parse_offer(item: dict[str, Any]) -> ServiceOffer:
    """One service's offer: its AZ IDs when EC2 (and botocore) give them, and its AZ names."""
    return ServiceOffer(
        service_name=str(item.get("ServiceName", "")),
        zone_ids=frozenset(str(i) for i in item.get("AvailabilityZoneIds") or ()),
        ip_address_types=tuple(
            str(t).lower() for t in item.get("SupportedIpAddressTypes") or ("ipv4",)
        ),
        zone_names=frozenset(str(n) for n in item.get("AvailabilityZones") or ()),
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
    """The given services' offers, from the cache when fresh.

    ``ec2`` must be a read-only client. A service EC2 does not describe is absent from
    the offers (judged by every regular AZ); a failed read returns empty facts, uncached.
    """
    wanted = tuple(sorted(set(services)))
    key = (account_id, region, _endpoint(ec2), *wanted)
    now = clock()
    cached = _CACHE.fresh(key, now, ttl=TTL_SECONDS)
    if cached is not None:
        return cached
    details: list[dict[str, Any]] = []
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
        return RegionFacts()  # not cached: read again next time
    facts = RegionFacts(offers=tuple(parse_offer(d) for d in details))
    _CACHE.put(key, now, facts)
    return facts
