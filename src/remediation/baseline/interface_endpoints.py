"""Interface endpoints (``ecr.api``, ``ecr.dkr``, ...): one usable endpoint per service,
private DNS on, one private subnet in every AZ that has one, tight security groups.

An existing endpoint is repaired in place, never moved or replaced: an AZ it
covers through a public subnet, or a second endpoint of the same service, is
reported for a person. A VPC whose private hosted zones already answer for the
service's name (a centralised, hub-and-spoke endpoint) is compliant for it,
unless the settings require local endpoints; so is one that gets those zones, or the hub's
endpoint itself, through a Route 53 Profile, once the hub's records are checked
(:mod:`remediation.baseline.hub_dns`). While the VPC's zones could not be read, no endpoint
is planned (``endpoint-zones-unknown``): creating one could collide with a hub's zone.

This module decides, per service, which of the four rules applies: a missing endpoint and where
it goes (:mod:`remediation.baseline.interface_placement`), and, on the endpoint kept, private
DNS (:mod:`remediation.baseline.interface_private_dns`), its AZs
(:mod:`remediation.baseline.interface_coverage`) and its security groups
(:mod:`remediation.baseline.interface_groups`).
"""

from __future__ import annotations

from remediation.baseline.hub_dns import served
from remediation.baseline.inspected_egress import withheld
from remediation.baseline.interface_coverage import az_coverage
from remediation.baseline.interface_groups import endpoint_groups
from remediation.baseline.interface_keeper import keeper_order
from remediation.baseline.interface_placement import missing_endpoint, unplaceable_subnets
from remediation.baseline.interface_private_dns import private_dns
from remediation.baseline.need import Need, need
from remediation.baseline.policy_documents import UNKNOWN, interface_choice
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot
from remediation.vocabulary import EndpointType

ENDPOINT_DUPLICATE = "endpoint-duplicate"
ZONES_UNKNOWN = "endpoint-zones-unknown"
NOT_NEEDED = "endpoints-not-needed"


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    verdict = need(snapshot, settings.endpoint_need)
    findings: list[Finding] = []
    exempt: list[str] = []
    for spec in settings.interface_services:
        found = _check(snapshot, settings, spec, verdict)
        if found is None:
            exempt.append(spec.name)
        else:
            findings += found
    if exempt:
        findings.append(_not_needed(snapshot, verdict, exempt))
    return findings


def _not_needed(snapshot: VpcSnapshot, verdict: Need, services: list[str]) -> Finding:
    """Why the setting exempts the VPC from the services' endpoints, and what would not."""
    return Finding(
        code=NOT_NEEDED,
        severity=Severity.INFO,
        resource_id=snapshot.vpc_id,
        message=(
            f"no {', '.join(services)} interface endpoint is created: {verdict.why}. "
            f"This changes with {verdict.would_change}"
        ),
    )


def _check(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, verdict: Need
) -> list[Finding] | None:
    """The service's findings; ``None`` when it has no endpoint and the VPC needs none."""
    service = spec.service_name(snapshot.region)
    names = spec.private_dns_zones(snapshot.region)
    zones = [z for z in names if z in snapshot.private_zones]
    by_profile = [z for z in names if z in snapshot.profile_zones]
    zone = (zones or by_profile or [spec.private_dns_zone(snapshot.region)])[0]
    centralised = bool(zones)
    if not settings.require_local_endpoints:
        hub = served(snapshot, spec)
        if hub is not None:
            return hub
    endpoints = [
        e
        for e in snapshot.endpoints
        if e.service_name == service and e.endpoint_type is EndpointType.INTERFACE
    ]
    usable = sorted((e for e in endpoints if e.usable), key=keeper_order)
    if not usable and not verdict.needed:
        return None
    placement = unplaceable_subnets(snapshot, spec, service)
    if not usable and withheld(snapshot, settings):
        return placement  # inspected egress: egress-inspected says why nothing is created
    if not usable and interface_choice(snapshot, settings).kind == UNKNOWN:
        return placement  # sharing unknown: vpc-shares-unknown says why nothing is created
    if not usable:
        if snapshot.zones_unknown and not centralised and not by_profile:
            return [
                Finding(
                    code=ZONES_UNKNOWN,
                    service=spec.name,
                    resource_id=snapshot.vpc_id,
                    message=(
                        f"no {spec.name} endpoint, and whether a hub serves the VPC is unknown "
                        f"({snapshot.zones_unknown}): no endpoint is planned until it is known"
                    ),
                ),
                *placement,
            ]
        if by_profile and not centralised:
            zone, centralised = by_profile[0], True  # required local endpoints: a conflict
        return [
            missing_endpoint(snapshot, settings, spec, endpoints, zone if centralised else ""),
            *placement,
        ]

    keeper, others = usable[0], usable[1:]
    findings: list[Finding] = []
    if others:
        findings.append(
            Finding(
                code=ENDPOINT_DUPLICATE,
                severity=Severity.MANUAL,
                service=spec.name,
                resource_id=",".join(e.endpoint_id for e in others),
                message=(
                    f"{len(usable)} usable {spec.name} endpoints: keeping {keeper.endpoint_id}; "
                    f"review {', '.join(e.endpoint_id for e in others)} (the tool deletes nothing)"
                ),
            )
        )
    findings += private_dns(snapshot, settings, spec, keeper, centralised=centralised, zone=zone)
    findings += az_coverage(snapshot, settings, spec, keeper)
    findings += endpoint_groups(snapshot, spec, keeper)
    return findings + placement
