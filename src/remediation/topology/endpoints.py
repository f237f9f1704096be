"""Where an interface endpoint can go and what it covers: private subnets in a regular zone
where the service is offered (by AZ ID, or by name when EC2 gives no IDs), the AZs to cover
under a cost cap, the tool's own security group, and the interface endpoint that already
serves a gateway service."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.model import Endpoint, SecurityGroup, Subnet, VpcSnapshot
from remediation.topology.routes import private_subnets
from remediation.vocabulary import EndpointType


def zone_id(snapshot: VpcSnapshot, subnet: Subnet) -> str:
    """The subnet's AZ ID (``DescribeSubnets`` gives it beside the name); else its name."""
    return subnet.availability_zone_id or subnet.availability_zone


def in_regular_zone(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    """False for a subnet on an Outpost (``OutpostArn``): no interface endpoint goes there.

    Local and Wavelength Zones are left out by the services' own zone lists (they are not in
    an AWS service's offer): see :func:`offers`.
    """
    return not subnet.outpost_arn


def offers(snapshot: VpcSnapshot, service_name: str, subnet: Subnet) -> bool:
    """Whether the service can place an endpoint in the subnet's zone.

    By AZ ID when the offer has IDs; else by the zone name, which EC2 writes in the caller's
    own mapping in both answers. Unknown offers (facts not read, the service not described,
    or no zone named) count as offered: an unread fact never hides a missing endpoint.
    """
    facts = snapshot.region_facts
    offer = facts.offer(service_name) if facts else None
    if offer is None or not offer.known:
        return True
    if offer.zone_ids and subnet.availability_zone_id:
        return subnet.availability_zone_id in offer.zone_ids
    if offer.zone_names:
        return subnet.availability_zone in offer.zone_names
    return zone_id(snapshot, subnet) in offer.zone_ids


def endpoint_subnets(snapshot: VpcSnapshot, service_name: str = "") -> tuple[Subnet, ...]:
    """Private subnets that can hold an interface endpoint of the service.

    In a regular AZ, offered by the service (when ``service_name`` is given), with an
    IPv4 block (the tool's endpoints are IPv4 or dual-stack).
    """
    return tuple(
        s
        for s in private_subnets(snapshot)
        if in_regular_zone(snapshot, s)
        and not s.ipv6_native
        and (not service_name or offers(snapshot, service_name, s))
    )


def unoffered_subnets(snapshot: VpcSnapshot, service_name: str) -> tuple[Subnet, ...]:
    """Private subnets in a regular AZ where the service is not offered."""
    return tuple(
        s
        for s in private_subnets(snapshot)
        if in_regular_zone(snapshot, s) and not offers(snapshot, service_name, s)
    )


def by_az(subnets: Iterable[Subnet]) -> Mapping[str, tuple[Subnet, ...]]:
    """Subnets grouped by Availability Zone, zones and subnets in a stable order."""
    groups: dict[str, list[Subnet]] = defaultdict(list)
    for subnet in subnets:
        groups[subnet.availability_zone].append(subnet)
    return {az: tuple(sorted(groups[az], key=lambda s: s.subnet_id)) for az in sorted(groups)}


def choose_subnet(candidates: Iterable[Subnet]) -> Subnet:
    """The subnet an endpoint should use in one AZ: most free addresses, then lowest id."""
    return min(candidates, key=lambda s: (-s.available_ips, s.subnet_id))


def target_azs(
    snapshot: VpcSnapshot, limit: int | None = None, service_name: str = ""
) -> tuple[str, ...]:
    """The AZs an interface endpoint should cover.

    Every AZ with a private subnet that can hold the service's endpoint
    (:func:`endpoint_subnets`); with ``limit``, the ``limit`` AZs with the most such
    subnets (ties broken by zone name) so that a cost cap keeps the endpoints where
    most workloads are.
    """
    zones = by_az(endpoint_subnets(snapshot, service_name))
    ranked = sorted(zones, key=lambda az: (-len(zones[az]), az))
    chosen = ranked if limit is None else ranked[:limit]
    return tuple(sorted(chosen))


def hub_answers(snapshot: VpcSnapshot, spec: ServiceSpec) -> bool:
    """Whether something outside the VPC answers the service's names for it, so that a hub is
    judged instead of local endpoints (:func:`remediation.baseline.hub_dns.served`): an
    endpoint its Route 53 Profile carries (of the service, or one not read), or a private zone
    named like the service's DNS, associated or through a Profile."""
    service = spec.service_name(snapshot.region)
    if any(e.service_name in (service, "") for e in snapshot.remote_endpoints if e.profile_id):
        return True
    names = spec.private_dns_zones(snapshot.region)
    return any(z in snapshot.private_zones or z in snapshot.profile_zones for z in names)


def local_endpoints_matter(snapshot: VpcSnapshot, settings: Settings) -> bool:
    """Whether judging the VPC needs its security groups and where the services are offered.

    Not for a VPC without any interface endpoint of its own whose every interface service a
    hub answers (and local endpoints are not required): no endpoint is placed there, and no
    group of an endpoint is judged. An event spares those two reads for such a VPC; the tool's
    own group, if one lingers there holding no endpoint, is judged by the sweep.
    """
    if settings.require_local_endpoints or any(
        e.endpoint_type is EndpointType.INTERFACE for e in snapshot.endpoints
    ):
        return True
    return not all(hub_answers(snapshot, spec) for spec in settings.interface_services)


def tool_group(snapshot: VpcSnapshot) -> SecurityGroup | None:
    """The group the tool created in this VPC (lowest id if, against all odds, several)."""
    owned = sorted(
        (g for g in snapshot.security_groups if g.owned and g.vpc_id == snapshot.vpc_id),
        key=lambda g: g.group_id,
    )
    return owned[0] if owned else None


def serving_interface(snapshot: VpcSnapshot, service: str) -> Endpoint | None:
    """An interface endpoint of ``service`` whose private DNS answers the VPC's own clients.

    For a gateway service (S3) it takes the gateway's place: the regional names resolve to
    its addresses (``Endpoint.answers_vpc_names``).
    """
    return next(
        (
            e
            for e in sorted(snapshot.endpoints, key=lambda e: e.endpoint_id)
            if e.service_name == service and e.answers_vpc_names
        ),
        None,
    )
