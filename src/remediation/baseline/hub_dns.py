"""Centralised endpoints judged by what really answers: a hub zone's records, a Profile's endpoint.

A hub (shared-services) VPC serves spokes in two ways, and both are checked here for one
service at a time (:func:`served`, called by the interface-endpoint rule):

* **A hub zone** named like the service's DNS reaches the VPC (associated, or through a
  Route 53 Profile). It serves only when it holds the records that make the service resolve:
  the zone apex of the service's name (``dkr.ecr.<region>.amazonaws.com``) and, for
  ``ecr.dkr``, the wildcard under it (registries are ``<account>.dkr.ecr…``), each an alias
  (or CNAME) to an endpoint of **that** service that is usable and reachable from the VPC
  (the same VPC, or one the VPC routes to through a transit gateway, a peering connection or
  a Cloud WAN core network). An empty or stale zone breaks every such name in the VPC: a
  warning (``hub-zone-broken``) naming the missing record; no endpoint is planned (EC2 would
  refuse its private DNS while the zone is associated). A zone the tool cannot read (another
  account's) is ``info`` "served, unverified"; a zone of this account an event did not read
  (the sweep reads the records, see :mod:`remediation.aws.dns_paths`) is judged by its name.
* **An interface endpoint a Route 53 Profile carries** serves like a hub zone when it is of
  the service, usable and has private DNS on; one the tool cannot read (another account's) is
  "served, unverified".
"""

from __future__ import annotations

from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import VpcSnapshot
from remediation.surroundings import HubZone, RemoteEndpoint
from remediation.topology.endpoints import hub_answers
from remediation.topology.routes import private_route_tables

ENDPOINT_CENTRALISED = "endpoint-centralised"
CENTRALISED_UNVERIFIED = "endpoint-centralised-unverified"
HUB_ZONE_BROKEN = "hub-zone-broken"
#: Route targets that reach another VPC (where a hub's endpoint lives).
TO_OTHER_VPCS = ("tgw-", "pcx-", "arn:aws:networkmanager")


def required_records(spec: ServiceSpec, region: str) -> tuple[str, ...]:
    """The names a hub zone must answer for the service: its apex, and for ``ecr.dkr`` the
    registries' wildcard.

    >>> from remediation.model import EndpointType
    >>> required_records(ServiceSpec("ecr.dkr", EndpointType.INTERFACE), "eu-west-1")
    ('dkr.ecr.eu-west-1.amazonaws.com', '*.dkr.ecr.eu-west-1.amazonaws.com')
    """
    name = spec.private_dns_zone(region)
    return (name, f"*.{name}") if spec.name == "ecr.dkr" else (name,)


def reachable(snapshot: VpcSnapshot, endpoint: RemoteEndpoint) -> bool:
    """True when the endpoint is in the VPC, or the VPC's private subnets route to other VPCs."""
    if endpoint.vpc_id == snapshot.vpc_id:
        return True
    return any(
        route.target.startswith(TO_OTHER_VPCS)
        for table in private_route_tables(snapshot)
        for route in table.routes
    )


def served(snapshot: VpcSnapshot, spec: ServiceSpec) -> list[Finding] | None:
    """How a hub serves the VPC for one service, or ``None`` when no hub does."""
    if not hub_answers(snapshot, spec):
        return None
    service = spec.service_name(snapshot.region)
    carried = [e for e in snapshot.remote_endpoints if e.profile_id]
    own = [e for e in carried if e.service_name == service]
    good = [e for e in own if e.usable and e.private_dns_enabled and reachable(snapshot, e)]
    if good:
        return [_centralised(spec, good[0].endpoint_id, _through_endpoint(good[0]))]
    names = spec.private_dns_zones(snapshot.region)
    zones = [z for z in names if z in snapshot.private_zones or z in snapshot.profile_zones]
    if zones:
        return _zone(snapshot, spec, zones[0])
    if own:
        return [_broken(spec, own[0].endpoint_id, _endpoint_problem(snapshot, own[0], spec))]
    endpoint = next(e for e in carried if not e.service_name)  # what hub_answers found
    return [
        _unverified(
            spec,
            endpoint.endpoint_id,
            f"its Route 53 Profile {endpoint.profile_id} carries {endpoint.endpoint_id} of "
            f"account {endpoint.owner_id or 'unknown'}, which the tool cannot read"
            + (f": {endpoint.unread}" if endpoint.unread else ""),
        )
    ]


def _zone(snapshot: VpcSnapshot, spec: ServiceSpec, name: str) -> list[Finding]:
    detail = next((z for z in snapshot.hub_zones if z.name == name), None)
    through = "" if name in snapshot.private_zones else ", through a Route 53 Profile,"
    how = f"associated{through} with the private hosted zone {name}"
    if detail is None or not (detail.checked or detail.unverified):
        return [_centralised(spec, name, f"{how} (its records are checked by the sweep)")]
    if detail.unverified:
        return [_unverified(spec, name, f"{how}, {detail.unverified}")]
    problems = _record_problems(snapshot, spec, detail)
    if problems:
        return [_broken(spec, name, f"the hub zone {name} {problems[0]}")]
    return [_centralised(spec, name, f"{how} (its records checked)")]


def _record_problems(snapshot: VpcSnapshot, spec: ServiceSpec, zone: HubZone) -> list[str]:
    """What is wrong with the zone's records for the service (``[]``: they serve it)."""
    endpoints = {e.endpoint_id: e for e in snapshot.remote_endpoints}
    problems: list[str] = []
    for record in required_records(spec, snapshot.region):
        if record not in zone.records:
            problems.append(f"has no record {record}")
            continue
        target = zone.records[record]
        endpoint = endpoints.get(target)
        if not target:
            problems.append(f"answers {record} with a record that is not an endpoint's name")
        elif endpoint is None:
            problems.append(f"points {record} to {target}, which no longer exists")
        elif issue := _endpoint_problem(snapshot, endpoint, spec):
            problems.append(f"points {record} to {target}, {issue}")
    return problems


def _endpoint_problem(snapshot: VpcSnapshot, endpoint: RemoteEndpoint, spec: ServiceSpec) -> str:
    service = spec.service_name(snapshot.region)
    if endpoint.service_name != service:
        return f"an endpoint of {endpoint.service_name or 'another service'}, not {service}"
    if not endpoint.usable:
        return f"which is {endpoint.state or 'not usable'}"
    if endpoint.profile_id and not endpoint.private_dns_enabled:
        return "whose private DNS is off"
    if not reachable(snapshot, endpoint):
        return (
            f"in {endpoint.vpc_id}, which the VPC's private subnets have no route to (no transit "
            "gateway, peering or Cloud WAN route)"
        )
    return ""


def _through_endpoint(endpoint: RemoteEndpoint) -> str:
    return (
        f"served by {endpoint.endpoint_id} (in {endpoint.vpc_id}) through its Route 53 Profile "
        f"{endpoint.profile_id}"
    )


def _centralised(spec: ServiceSpec, resource: str, how: str) -> Finding:
    return Finding(
        code=ENDPOINT_CENTRALISED,
        severity=Severity.INFO,
        service=spec.name,
        resource_id=resource,
        message=f"{spec.name} is served through a centralised endpoint: the VPC is {how}",
    )


def _unverified(spec: ServiceSpec, resource: str, how: str) -> Finding:
    return Finding(
        code=CENTRALISED_UNVERIFIED,
        severity=Severity.INFO,
        service=spec.name,
        resource_id=resource,
        message=f"{spec.name} is served, unverified: the VPC is {how}; no endpoint is planned",
    )


def _broken(spec: ServiceSpec, resource: str, problem: str) -> Finding:
    return Finding(
        code=HUB_ZONE_BROKEN,
        service=spec.name,
        resource_id=resource,
        message=(
            f"{spec.name} names do not resolve to a usable endpoint: {problem}. Repair the hub "
            "(the tool plans no local endpoint while the hub's DNS reaches the VPC)"
        ),
    )
