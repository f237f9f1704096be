"""Interface endpoints: a missing endpoint, created in one private subnet of every AZ that offers
the service, and the private subnets no endpoint can be placed in.

Only zones that offer the service count (``DescribeVpcEndpointServices``, by AZ ID): a private
subnet elsewhere, or in a Local Zone, a Wavelength Zone or on an Outpost, is an ``info`` finding
and never a planned subnet. An endpoint is created dual-stack when every chosen subnet has an
IPv6 block and the service supports IPv6, else IPv4 (EC2's default); an IPv6-only subnet is
never chosen. Part of :mod:`remediation.baseline.interface_endpoints`. Pure.
"""

from __future__ import annotations

from remediation.actions import TOOL_GROUP, CreateInterfaceEndpoint
from remediation.baseline.interface_private_dns import ENDPOINT_ZONE_CONFLICT
from remediation.baseline.policy_documents import interface_policy
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
from remediation.topology.routes import private_subnets

ENDPOINT_MISSING = "endpoint-missing"
ENDPOINT_WAITING = "endpoint-waiting-for-private-subnets"
ZONE_NOT_OFFERED = "endpoint-zone-not-offered"
ZONE_NOT_ELIGIBLE = "endpoint-zone-not-eligible"


def unplaceable_subnets(snapshot: VpcSnapshot, spec: ServiceSpec, service: str) -> list[Finding]:
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


def missing_endpoint(
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
