"""Interface endpoints: private DNS on the endpoint kept, so that clients resolve its addresses.

Turned on unless the VPC's egress is inspected; a private hosted zone of the VPC that answers
for the service's name makes it a conflict for a person (EC2 refuses private DNS then).
Part of :mod:`remediation.baseline.interface_endpoints`. Pure.
"""

from __future__ import annotations

from remediation.baseline.inspected_egress import withheld
from remediation.baseline.interface_keeper import keeper_repair
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, VpcSnapshot

ENDPOINT_ZONE_CONFLICT = "endpoint-private-zone-conflict"
PRIVATE_DNS_DISABLED = "endpoint-private-dns-disabled"


def private_dns(
    snapshot: VpcSnapshot,
    settings: Settings,
    spec: ServiceSpec,
    keeper: Endpoint,
    *,
    centralised: bool,
    zone: str,
) -> list[Finding]:
    """Private DNS on the endpoint kept: turned on, unless a zone of the VPC answers for the
    name (a conflict for a person) or the VPC's egress is inspected."""
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
            else (keeper_repair(snapshot, keeper, PRIVATE_DNS_DISABLED, enable_private_dns=True),),
        )
    ]
