"""Interface endpoints: the endpoint kept covers one private subnet in every AZ, none public.

A missing AZ is added (up to ``MAX_AZS_PER_ENDPOINT``); an AZ covered through a public subnet is
reported for a person: the tool never moves an endpoint. Part of
:mod:`remediation.baseline.interface_endpoints`. Pure.
"""

from __future__ import annotations

from remediation.baseline.interface_keeper import keeper_repair
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, VpcSnapshot
from remediation.topology.endpoints import by_az, choose_subnet, endpoint_subnets, target_azs
from remediation.topology.routes import is_private

AZ_UNCOVERED = "endpoint-az-uncovered"
PUBLIC_SUBNET = "endpoint-in-public-subnet"


def az_coverage(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, keeper: Endpoint
) -> list[Finding]:
    """The endpoint kept covers a private subnet of every AZ (up to the limit), and no public
    one (a person moves it: the tool never moves an endpoint)."""
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
                repairs=(keeper_repair(snapshot, keeper, AZ_UNCOVERED, add_subnet_ids=add),),
            )
        )
    return findings
