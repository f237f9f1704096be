"""Gateway endpoints (``s3``): associated with every private route table.

Several gateway endpoints of one service may share the route tables between
them (e.g. with different policies): a route table counts as served when any
usable one lists it. A missing table is added to the endpoint with the most
tables. Adding a gateway endpoint changes routes and can briefly interrupt S3
connections in flight; ``GATEWAY_REPORT_ONLY`` keeps these changes report-only.
"""

from __future__ import annotations

from remediation.actions import (
    S3_INTERRUPTION_NOTE,
    Action,
    CreateGatewayEndpoint,
    ModifyEndpoint,
)
from remediation.config import ServiceSpec, Settings
from remediation.findings import Finding, Severity
from remediation.model import EndpointType, VpcSnapshot
from remediation.topology import private_route_tables

GATEWAY_MISSING = "gateway-missing"
GATEWAY_WAITING = "gateway-waiting-for-private-route-tables"
GATEWAY_ROUTE_TABLE_MISSING = "gateway-route-table-missing"


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    return [f for spec in settings.gateway_services for f in _check(snapshot, settings, spec)]


def _check(snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec) -> list[Finding]:
    service = spec.service_name(snapshot.region)
    usable = sorted(
        (
            e
            for e in snapshot.endpoints
            if e.service_name == service and e.endpoint_type is EndpointType.GATEWAY and e.usable
        ),
        key=lambda e: (-len(e.route_table_ids), e.endpoint_id),
    )
    tables = tuple(t.route_table_id for t in private_route_tables(snapshot))
    served = {t for e in usable for t in e.route_table_ids}
    missing = tuple(t for t in tables if t not in served)
    suffix = " (report-only: GATEWAY_REPORT_ONLY is set)" if settings.gateway_report_only else ""
    repairs: tuple[Action, ...]
    if not usable:
        if not tables:
            return [
                Finding(
                    code=GATEWAY_WAITING,
                    severity=Severity.INFO,
                    service=spec.name,
                    resource_id=snapshot.vpc_id,
                    message=f"no private route table yet: the {spec.name} gateway endpoint waits",
                )
            ]
        repairs = (
            CreateGatewayEndpoint(
                vpc_id=snapshot.vpc_id,
                reason=GATEWAY_MISSING,
                service_name=service,
                route_table_ids=tables,
            ),
        )
        return [
            Finding(
                code=GATEWAY_MISSING,
                service=spec.name,
                resource_id=snapshot.vpc_id,
                message=(
                    f"no {spec.name} gateway endpoint for private route tables "
                    f"{', '.join(tables)}; {S3_INTERRUPTION_NOTE}{suffix}"
                ),
                repairs=() if settings.gateway_report_only else repairs,
            )
        ]
    if not missing:
        return []
    keeper = usable[0]
    repairs = (
        ModifyEndpoint(
            vpc_id=snapshot.vpc_id,
            reason=GATEWAY_ROUTE_TABLE_MISSING,
            endpoint_id=keeper.endpoint_id,
            service_name=service,
            add_route_table_ids=missing,
        ),
    )
    return [
        Finding(
            code=GATEWAY_ROUTE_TABLE_MISSING,
            service=spec.name,
            resource_id=keeper.endpoint_id,
            message=(
                f"private route tables {', '.join(missing)} have no {spec.name} gateway endpoint; "
                f"{S3_INTERRUPTION_NOTE}{suffix}"
            ),
            repairs=() if settings.gateway_report_only else repairs,
        )
    ]
