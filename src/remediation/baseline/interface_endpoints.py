"""Interface endpoints (``ecr.api``, ``ecr.dkr``, ...): one usable endpoint per service,
private DNS on, one private subnet in every AZ that has one, tight security groups.

An existing endpoint is repaired in place, never moved or replaced: an AZ it
covers through a public subnet, or a second endpoint of the same service, is
reported for a person. A VPC whose private hosted zones already answer for the
service's name (a centralised, hub-and-spoke endpoint) is compliant for it,
unless the settings require local endpoints.
"""

from __future__ import annotations

from remediation.actions import TOOL_GROUP, CreateInterfaceEndpoint, ModifyEndpoint
from remediation.baseline.security_groups import uncovered_cidrs, wide_rules
from remediation.config import ServiceSpec, Settings
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, EndpointType, VpcSnapshot
from remediation.topology import (
    by_az,
    choose_subnet,
    is_private,
    private_subnets,
    target_azs,
    tool_group,
)

ENDPOINT_MISSING = "endpoint-missing"
ENDPOINT_WAITING = "endpoint-waiting-for-private-subnets"
ENDPOINT_CENTRALISED = "endpoint-centralised"
ENDPOINT_ZONE_CONFLICT = "endpoint-private-zone-conflict"
ENDPOINT_DUPLICATE = "endpoint-duplicate"
PRIVATE_DNS_DISABLED = "endpoint-private-dns-disabled"
AZ_UNCOVERED = "endpoint-az-uncovered"
PUBLIC_SUBNET = "endpoint-in-public-subnet"
GROUP_TOO_WIDE = "endpoint-group-too-wide"
GROUP_INSUFFICIENT = "endpoint-group-insufficient"


def keeper_order(endpoint: Endpoint) -> tuple[bool, int, str]:
    """Which of several endpoints to keep and repair: private DNS on, most subnets, lowest id."""
    return (not endpoint.private_dns_enabled, -len(endpoint.subnet_ids), endpoint.endpoint_id)


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    return [f for spec in settings.interface_services for f in _check(snapshot, settings, spec)]


def _check(snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec) -> list[Finding]:
    service = spec.service_name(snapshot.region)
    zones = [z for z in spec.private_dns_zones(snapshot.region) if z in snapshot.private_zones]
    zone = zones[0] if zones else spec.private_dns_zone(snapshot.region)
    centralised = bool(zones)
    if centralised and not settings.require_local_endpoints:
        return [
            Finding(
                code=ENDPOINT_CENTRALISED,
                severity=Severity.INFO,
                service=spec.name,
                resource_id=zone,
                message=(
                    f"{spec.name} is served through a centralised endpoint: the VPC is "
                    f"associated with the private hosted zone {zone}"
                ),
            )
        ]
    endpoints = [
        e
        for e in snapshot.endpoints
        if e.service_name == service and e.endpoint_type is EndpointType.INTERFACE
    ]
    usable = sorted((e for e in endpoints if e.usable), key=keeper_order)
    if not usable:
        return [_missing(snapshot, settings, spec, endpoints, zone if centralised else "")]

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
    findings += _private_dns(snapshot, spec, keeper, centralised, zone)
    findings += _coverage(snapshot, settings, spec, keeper)
    findings += _groups(snapshot, spec, keeper)
    return findings


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
    azs = target_azs(snapshot, settings.max_azs_per_endpoint)
    if not azs:
        # Nothing to place yet (a VPC just created, or one with public subnets only): the
        # endpoint follows once a private subnet appears (CreateSubnet, AssociateRouteTable).
        return Finding(
            code=ENDPOINT_WAITING,
            severity=Severity.INFO,
            service=spec.name,
            resource_id=snapshot.vpc_id,
            message=f"no private subnet yet: the {spec.name} endpoint waits for one",
        )
    zones = by_az(private_subnets(snapshot))
    subnets = tuple(choose_subnet(zones[az]).subnet_id for az in azs)
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
    snapshot: VpcSnapshot, spec: ServiceSpec, keeper: Endpoint, centralised: bool, zone: str
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
    return [
        Finding(
            code=PRIVATE_DNS_DISABLED,
            service=spec.name,
            resource_id=keeper.endpoint_id,
            message=f"private DNS is off on {keeper.endpoint_id}: clients resolve ECR's public IPs",
            repairs=(_modify(snapshot, keeper, PRIVATE_DNS_DISABLED, enable_private_dns=True),),
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
    wanted = [az for az in target_azs(snapshot, limit) if az not in covered]
    if limit is not None:
        wanted = wanted[: max(0, limit - len(covered))]
    if wanted:
        zones = by_az(private_subnets(snapshot))
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
    groups = [g for g in map(snapshot.group, keeper.group_ids) if g is not None]
    owned = tool_group(snapshot)
    attached = owned is not None and owned.group_id in keeper.group_ids
    wide = [(g, wide_rules(g, snapshot)) for g in groups if not g.owned]
    wide = [(g, rules) for g, rules in wide if rules]
    uncovered = (
        ()
        if attached
        else uncovered_cidrs(
            [g for g in groups if g.owned or not wide_rules(g, snapshot)], snapshot
        )
    )
    add = () if attached else ((owned.group_id if owned else TOOL_GROUP),)
    findings: list[Finding] = []
    for group, rules in wide:
        findings.append(
            Finding(
                code=GROUP_TOO_WIDE,
                service=spec.name,
                resource_id=group.group_id,
                message=(
                    f"{keeper.endpoint_id} carries {group.group_id}, which allows "
                    + "; ".join(r.describe() for r in rules)
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
    if uncovered and not wide:
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
