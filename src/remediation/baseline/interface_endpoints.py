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

Only zones that offer the service count (``DescribeVpcEndpointServices``, by AZ ID): a
private subnet elsewhere, or in a Local Zone, a Wavelength Zone or on an Outpost, is an
``info`` finding and never a planned subnet. An endpoint is created dual-stack when every
chosen subnet has an IPv6 block and the service supports IPv6, else IPv4 (EC2's default);
an IPv6-only subnet is never chosen.
"""

from __future__ import annotations

from remediation.actions import TOOL_GROUP, CreateInterfaceEndpoint, ModifyEndpoint
from remediation.baseline.hub_dns import served
from remediation.baseline.inspected_egress import withheld
from remediation.baseline.need import Need, need
from remediation.baseline.policy_documents import UNKNOWN, interface_choice, interface_policy
from remediation.baseline.security_groups import (
    described,
    outside_rules,
    person_rules,
    uncovered_cidrs,
    wide_rules,
)
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, Subnet, VpcSnapshot
from remediation.topology.endpoints import (
    by_az,
    choose_subnet,
    endpoint_subnets,
    in_regular_zone,
    target_azs,
    tool_group,
    unoffered_subnets,
    zone_id,
)
from remediation.topology.routes import is_private, private_subnets
from remediation.vocabulary import EndpointType

ENDPOINT_MISSING = "endpoint-missing"
ENDPOINT_WAITING = "endpoint-waiting-for-private-subnets"
ENDPOINT_ZONE_CONFLICT = "endpoint-private-zone-conflict"
ENDPOINT_DUPLICATE = "endpoint-duplicate"
PRIVATE_DNS_DISABLED = "endpoint-private-dns-disabled"
AZ_UNCOVERED = "endpoint-az-uncovered"
PUBLIC_SUBNET = "endpoint-in-public-subnet"
GROUP_TOO_WIDE = "endpoint-group-too-wide"
GROUP_INSUFFICIENT = "endpoint-group-insufficient"
GROUP_PRIVATE_CONSUMERS = "endpoint-group-admits-outside-consumers"
GROUP_TOO_WIDE_KEPT = "endpoint-group-too-wide-kept"
GROUP_UNVERIFIED = "endpoint-group-unverified-outside-sources"
ZONES_UNKNOWN = "endpoint-zones-unknown"
ZONE_NOT_OFFERED = "endpoint-zone-not-offered"
ZONE_NOT_ELIGIBLE = "endpoint-zone-not-eligible"
NOT_NEEDED = "endpoints-not-needed"


def keeper_order(endpoint: Endpoint) -> tuple[bool, int, str]:
    """Which of several endpoints to keep and repair: private DNS on, most subnets, lowest id."""
    return (not endpoint.private_dns_enabled, -len(endpoint.subnet_ids), endpoint.endpoint_id)


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
    placement = _placement(snapshot, spec, service)
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
            _missing(snapshot, settings, spec, endpoints, zone if centralised else ""),
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
    findings += _private_dns(snapshot, settings, spec, keeper, centralised=centralised, zone=zone)
    findings += _coverage(snapshot, settings, spec, keeper)
    findings += _groups(snapshot, spec, keeper)
    return findings + placement


def _placement(snapshot: VpcSnapshot, spec: ServiceSpec, service: str) -> list[Finding]:
    """``info`` findings for private subnets no endpoint of the service can be placed in."""
    findings: list[Finding] = []
    missed = unoffered_subnets(snapshot, service)
    if missed:
        where = sorted({f"{zone_id(snapshot, s)} ({s.availability_zone})" for s in missed})
        findings.append(
            Finding(
                code=ZONE_NOT_OFFERED,
                severity=Severity.INFO,
                service=spec.name,
                resource_id=",".join(sorted(s.subnet_id for s in missed)),
                message=(
                    f"{spec.name} is not offered in {', '.join(where)}: private subnets there "
                    f"({', '.join(sorted(s.subnet_id for s in missed))}) reach the endpoint "
                    "in another AZ (its private DNS name answers with those addresses; "
                    "cross-AZ data charges apply, and an outage of those AZs cuts them off)"
                ),
            )
        )
    special = [
        s
        for s in private_subnets(snapshot)
        if not in_regular_zone(snapshot, s) or (s.ipv6_native and in_regular_zone(snapshot, s))
    ]
    if special:
        findings.append(
            Finding(
                code=ZONE_NOT_ELIGIBLE,
                severity=Severity.INFO,
                service=spec.name,
                resource_id=",".join(sorted(s.subnet_id for s in special)),
                message=(
                    "no interface endpoint is placed in "
                    + ", ".join(f"{s.subnet_id} ({_why_not(s)})" for s in special)
                    + ": workloads there use the endpoint in the region's regular AZs"
                ),
            )
        )
    return findings


def _why_not(subnet: Subnet) -> str:
    return "on an Outpost" if subnet.outpost_arn else "IPv6-only subnet"


def _ip_address_type(snapshot: VpcSnapshot, service: str, subnets: list[Subnet]) -> str:
    """``dualstack`` when every chosen subnet has an IPv6 block and the service supports IPv6.

    ``""`` otherwise: EC2's default, IPv4. Families are never mixed in one call.
    """
    facts = snapshot.region_facts
    offer = facts.offer(service) if facts else None
    if offer is None or "ipv6" not in offer.ip_address_types or not subnets:
        return ""
    return "dualstack" if all(s.ipv6_cidr_blocks and s.cidr_block for s in subnets) else ""


def _missing(
    snapshot: VpcSnapshot,
    settings: Settings,
    spec: ServiceSpec,
    endpoints: list[Endpoint],
    zone: str,
) -> Finding:
    """The finding for a service with no usable endpoint; ``zone`` is a conflicting zone."""
    if zone:
        return Finding(
            code=ENDPOINT_ZONE_CONFLICT,
            severity=Severity.MANUAL,
            service=spec.name,
            resource_id=zone,
            message=(
                f"no {spec.name} endpoint, and local endpoints are required, but the VPC is "
                f"associated with the private hosted zone {zone}: EC2 would refuse private DNS. "
                "Disassociate the zone first"
            ),
        )
    service = spec.service_name(snapshot.region)
    azs = target_azs(snapshot, settings.max_azs_per_endpoint, service)
    if not azs:
        # Nothing to place yet (a VPC just created, or one with public subnets only): the
        # endpoint follows once a private subnet appears (CreateSubnet, AssociateRouteTable).
        return Finding(
            code=ENDPOINT_WAITING,
            severity=Severity.INFO,
            service=spec.name,
            resource_id=snapshot.vpc_id,
            message=(
                f"no private subnet in a zone that offers {spec.name} yet: "
                "the endpoint waits for one"
            ),
        )
    zones = by_az(endpoint_subnets(snapshot, service))
    chosen = [choose_subnet(zones[az]) for az in azs]
    subnets = tuple(s.subnet_id for s in chosen)
    ip_type = _ip_address_type(snapshot, service, chosen)
    owned = tool_group(snapshot)
    deleting = tuple(e.endpoint_id for e in endpoints if e.deleting)
    note = f" (after {', '.join(deleting)} finishes deleting)" if deleting else ""
    return Finding(
        code=ENDPOINT_MISSING,
        service=spec.name,
        resource_id=snapshot.vpc_id,
        message=f"no usable {spec.name} interface endpoint{note}",
        repairs=(
            CreateInterfaceEndpoint(
                vpc_id=snapshot.vpc_id,
                reason=ENDPOINT_MISSING,
                service_name=spec.service_name(snapshot.region),
                subnet_ids=subnets,
                group_ids=(owned.group_id if owned else TOOL_GROUP,),
                wait_for_deletion=deleting,
                policy_document=interface_policy(snapshot, settings),
                ip_address_type=ip_type,
                dns_record_ip_type=ip_type,
            ),
        ),
    )


def _modify(
    snapshot: VpcSnapshot, keeper: Endpoint, reason: str, **changes: object
) -> ModifyEndpoint:
    return ModifyEndpoint(
        vpc_id=snapshot.vpc_id,
        reason=reason,
        endpoint_id=keeper.endpoint_id,
        service_name=keeper.service_name,
        **changes,  # type: ignore[arg-type]
    )


def _private_dns(
    snapshot: VpcSnapshot,
    settings: Settings,
    spec: ServiceSpec,
    keeper: Endpoint,
    *,
    centralised: bool,
    zone: str,
) -> list[Finding]:
    if keeper.private_dns_enabled:
        return []
    if centralised:
        return [
            Finding(
                code=ENDPOINT_ZONE_CONFLICT,
                severity=Severity.MANUAL,
                service=spec.name,
                resource_id=keeper.endpoint_id,
                message=(
                    f"private DNS is off on {keeper.endpoint_id} and cannot be turned on while the "
                    f"VPC is associated with the private hosted zone {zone}"
                ),
            )
        ]
    held = withheld(snapshot, settings)
    return [
        Finding(
            code=PRIVATE_DNS_DISABLED,
            service=spec.name,
            resource_id=keeper.endpoint_id,
            message=f"private DNS is off on {keeper.endpoint_id}: clients resolve ECR's public IPs"
            + ("; not turned on: the VPC's egress is inspected (egress-inspected)" if held else ""),
            repairs=()
            if held
            else (_modify(snapshot, keeper, PRIVATE_DNS_DISABLED, enable_private_dns=True),),
        )
    ]


def _coverage(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, keeper: Endpoint
) -> list[Finding]:
    findings: list[Finding] = []
    subnets = {s.subnet_id: s for s in snapshot.subnets}
    mine = [subnets[i] for i in keeper.subnet_ids if i in subnets]
    covered = {s.availability_zone for s in mine}
    public = [s for s in mine if not is_private(snapshot, s)]
    if public:
        findings.append(
            Finding(
                code=PUBLIC_SUBNET,
                severity=Severity.MANUAL,
                service=spec.name,
                resource_id=keeper.endpoint_id,
                message=(
                    f"{keeper.endpoint_id} covers "
                    + ", ".join(
                        f"{s.availability_zone} through public subnet {s.subnet_id}" for s in public
                    )
                    + "; the tool does not move endpoints, move it by hand"
                ),
            )
        )
    limit = settings.max_azs_per_endpoint
    service = keeper.service_name
    eligible = [
        s
        for s in endpoint_subnets(snapshot, service)
        if keeper.ip_address_type.lower() != "dualstack" or s.ipv6_cidr_blocks
    ]
    zones = by_az(eligible)
    ranked = [az for az in target_azs(snapshot, limit, service) if az in zones]
    wanted = [az for az in ranked if az not in covered]
    if limit is not None:
        wanted = wanted[: max(0, limit - len(covered))]
    if wanted:
        add = tuple(choose_subnet(zones[az]).subnet_id for az in wanted)
        findings.append(
            Finding(
                code=AZ_UNCOVERED,
                service=spec.name,
                resource_id=keeper.endpoint_id,
                message=f"{keeper.endpoint_id} has no subnet in {', '.join(wanted)}",
                repairs=(_modify(snapshot, keeper, AZ_UNCOVERED, add_subnet_ids=add),),
            )
        )
    return findings


def _groups(snapshot: VpcSnapshot, spec: ServiceSpec, keeper: Endpoint) -> list[Finding]:
    """Swap off a group that is too wide; never one that admits consumers outside the VPC."""
    groups = [g for g in map(snapshot.group, keeper.group_ids) if g is not None]
    owned = tool_group(snapshot)
    attached = owned is not None and owned.group_id in keeper.group_ids
    add = () if attached else ((owned.group_id if owned else TOOL_GROUP),)
    findings: list[Finding] = []
    detached: list[str] = []
    for group in (g for g in groups if not g.owned):
        wide, outside = wide_rules(group, snapshot), outside_rules(group, snapshot)
        person = person_rules(group, snapshot)
        if person:
            findings.append(
                Finding(
                    code=GROUP_UNVERIFIED,
                    severity=Severity.MANUAL,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{keeper.endpoint_id} carries {group.group_id}, which admits "
                        f"{described(person, snapshot)}: a consumer outside the VPC may rely on "
                        "it, which the tool cannot tell; a person decides (the group is never "
                        "detached for it)"
                    ),
                )
            )
        if outside:
            findings.append(
                Finding(
                    code=GROUP_PRIVATE_CONSUMERS,
                    severity=Severity.INFO,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{keeper.endpoint_id} carries {group.group_id}, which admits "
                        + "; ".join(r.describe() for r in outside)
                        + ": consumers outside the VPC (private networks, or sources the tool "
                        "cannot resolve); the group is never detached"
                    ),
                )
            )
        if wide and (outside or person):
            findings.append(
                Finding(
                    code=GROUP_TOO_WIDE_KEPT,
                    severity=Severity.MANUAL,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{group.group_id} on {keeper.endpoint_id} allows "
                        + "; ".join(r.describe() for r in wide)
                        + ", but detaching it would cut off its consumers outside the VPC: "
                        "remove those rules by hand"
                    ),
                )
            )
        elif wide:
            detached.append(group.group_id)
            findings.append(
                Finding(
                    code=GROUP_TOO_WIDE,
                    service=spec.name,
                    resource_id=group.group_id,
                    message=(
                        f"{keeper.endpoint_id} carries {group.group_id}, which allows "
                        + "; ".join(r.describe() for r in wide)
                        + ": swap it for the tool's group (the group itself is left unchanged)"
                    ),
                    repairs=(
                        _modify(
                            snapshot,
                            keeper,
                            GROUP_TOO_WIDE,
                            add_group_ids=add,
                            remove_group_ids=(group.group_id,),
                        ),
                    ),
                )
            )
    ipv6 = keeper.ip_address_type.lower() in ("dualstack", "ipv6")
    kept = [g for g in groups if g.group_id not in detached]
    uncovered = () if attached else uncovered_cidrs(kept, snapshot, ipv6=ipv6)
    if uncovered and not detached:
        findings.append(
            Finding(
                code=GROUP_INSUFFICIENT,
                service=spec.name,
                resource_id=keeper.endpoint_id,
                message=(
                    f"the groups of {keeper.endpoint_id} do not admit TCP 443 from "
                    f"{', '.join(uncovered)}"
                ),
                repairs=(_modify(snapshot, keeper, GROUP_INSUFFICIENT, add_group_ids=add),),
            )
        )
    return findings
