"""Gateway endpoints (``s3``): associated with every private route table it is safe to touch.

Several gateway endpoints of one service may share the route tables between
them (e.g. with different policies): a route table counts as served when any
usable one lists it. A missing table is added to a full-access endpoint with the most
tables. Adding a gateway endpoint changes routes and can briefly interrupt S3
connections in flight; ``GATEWAY_REPORT_ONLY`` keeps these changes report-only.

The blast radius: a gateway endpoint re-routes *all* same-region S3 traffic of its
route tables, not only ECR's. So the tool

* never adds route tables to an existing endpoint whose policy is not full access (the
  subnets behind them would lose every S3 use the policy does not allow), except its own
  endpoint whose policy is the opted-in ``S3_GATEWAY_POLICY=ecr-layers-only``;
* never adds the S3 route to the route table of a subnet that holds a transit gateway
  attachment, a Gateway Load Balancer (endpoint) or a Network Firewall endpoint: traffic of
  other networks passes there, and an S3 route would pull it off its inspected path;
* never adds it to a route table whose egress is inspected
  (:func:`remediation.topology.inspection.inspected_route_tables`: its default route leads to a
  transit gateway, a firewall, an appliance or Cloud WAN) unless ``INSPECTED_EGRESS=repair``,
  and then only through an endpoint with the perimeter policy, never full access
  (:mod:`remediation.baseline.inspected_egress`);
* says, whenever it creates or extends a gateway, that bucket policies conditioned on
  ``aws:SourceIp`` (a NAT gateway's address, say) stop matching: requests through a VPC
  endpoint carry no public source address (re:Post, "iam-restrict-access-policy").

An interface endpoint of the same service whose private DNS answers the VPC's own clients
(``PrivateDnsOnlyForInboundResolverEndpoint`` false) serves them instead: the service's
regional names resolve to its addresses, so no gateway is needed and none is created
(``info``). With private DNS for inbound Resolver endpoints only, in-VPC requests still use
the gateway, which stays required (S3 User Guide, "AWS PrivateLink for Amazon S3",
"Private DNS").
"""

from __future__ import annotations

from remediation.actions import (
    S3_INTERRUPTION_NOTE,
    Action,
    CreateGatewayEndpoint,
    ModifyEndpoint,
)
from remediation.baseline.inspected_egress import repair_allowed
from remediation.baseline.policy_documents import gateway_policy
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, VpcSnapshot
from remediation.topology.endpoints import serving_interface
from remediation.topology.inspection import inspected_route_tables
from remediation.topology.routes import private_route_tables
from remediation.vocabulary import EndpointType

GATEWAY_MISSING = "gateway-missing"
GATEWAY_WAITING = "gateway-waiting-for-private-route-tables"
GATEWAY_ROUTE_TABLE_MISSING = "gateway-route-table-missing"
GATEWAY_POLICY_NARROW = "gateway-not-extended-narrow-policy"
GATEWAY_TRANSIT_SUBNET = "gateway-route-table-carries-transit-traffic"
GATEWAY_SERVED_BY_INTERFACE = "gateway-served-by-interface-endpoint"
#: The ECS Developer Guide's word on S3 interface endpoints and ECR (Fargate section of
#: "Amazon ECS interface VPC endpoints"), quoted whenever the tool counts on one.
ECR_S3_INTERFACE_CAVEAT = (
    "the ECS Developer Guide says \"The interface endpoints for Amazon S3 can't be used with "
    'Amazon ECR" (Fargate tasks): check that image pulls succeed here; if they fail, add an '
    "S3 gateway endpoint on the private route tables, then set "
    "PrivateDnsOnlyForInboundResolverEndpoint on the interface endpoint (EC2 accepts it only "
    "once the gateway exists)"
)
SOURCE_IP_NOTE = (
    "bucket policies conditioned on aws:SourceIp (for example a NAT gateway's address) stop "
    "matching requests that go through the endpoint: use aws:SourceVpce or aws:SourceVpc there"
)


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    return [f for spec in settings.gateway_services for f in _check(snapshot, settings, spec)]


def _extendable(endpoint: Endpoint, snapshot: VpcSnapshot, settings: Settings) -> bool:
    from remediation.iam_policy.evaluation import canonical, is_full_access  # noqa: PLC0415 - (cold start)

    if is_full_access(endpoint.policy_document, "s3"):
        return True
    wanted = gateway_policy(snapshot, settings)
    return (
        endpoint.owned and bool(wanted) and canonical(endpoint.policy_document) == canonical(wanted)
    )


def _served(spec: ServiceSpec, endpoint: Endpoint) -> Finding:
    s3 = spec.name == "s3"
    layers = " (ECR's image layer downloads included)" if s3 else ""
    caveat = f"; {ECR_S3_INTERFACE_CAVEAT}" if s3 else ""
    return Finding(
        code=GATEWAY_SERVED_BY_INTERFACE,
        severity=Severity.INFO,
        service=spec.name,
        resource_id=endpoint.endpoint_id,
        message=(
            f"{endpoint.endpoint_id}, an {spec.name} interface endpoint with private DNS for "
            f"the VPC's own clients, answers {spec.name}'s regional names{layers}: no "
            f"{spec.name} gateway endpoint is needed{caveat}"
        ),
    )


def _check(snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec) -> list[Finding]:
    service = spec.service_name(snapshot.region)
    interface = serving_interface(snapshot, service)
    if interface is not None:
        return [_served(spec, interface)]
    usable = sorted(
        (
            e
            for e in snapshot.endpoints
            if e.service_name == service and e.endpoint_type is EndpointType.GATEWAY and e.usable
        ),
        key=lambda e: (-len(e.route_table_ids), e.endpoint_id),
    )
    guarded = inspected_route_tables(snapshot)
    transit = {t: i.why for t, i in guarded.items() if i.transit}
    served = {t for e in usable for t in e.route_table_ids}
    private = tuple(t.route_table_id for t in private_route_tables(snapshot))
    skipped = tuple(t for t in private if t in transit and t not in served)
    inspected = tuple(t for t in private if t in guarded and t not in transit)
    perimeter = gateway_policy(snapshot, settings, inspected=True)
    repair = repair_allowed(snapshot, settings) and bool(perimeter)
    if repair and perimeter == gateway_policy(snapshot, settings):
        tables = tuple(t for t in private if t not in transit)  # one policy serves them all
        inspected = ()
    else:
        tables = tuple(t for t in private if t not in guarded)
    missing = tuple(t for t in tables if t not in served)
    findings: list[Finding] = []
    if skipped:
        findings.append(
            Finding(
                code=GATEWAY_TRANSIT_SUBNET,
                severity=Severity.INFO,
                service=spec.name,
                resource_id=",".join(skipped),
                message=(
                    f"no {spec.name} gateway route is added to "
                    + "; ".join(transit[t] for t in skipped)
                    + ": traffic of other networks passes there. Add it by hand if you are sure"
                ),
            )
        )
    suffix = " (report-only: GATEWAY_REPORT_ONLY is set)" if settings.gateway_report_only else ""
    notes = f"{S3_INTERRUPTION_NOTE}; {SOURCE_IP_NOTE}{suffix}"
    if repair:
        findings += _inspected(
            snapshot,
            settings,
            spec,
            usable=usable,
            served=served,
            inspected=inspected,
            perimeter=perimeter,
        )
    repairs: tuple[Action, ...]
    if not usable:
        if not tables and (skipped or inspected or guarded):
            return findings  # every private route table is transit or inspected
        if not tables:
            findings.append(
                Finding(
                    code=GATEWAY_WAITING,
                    severity=Severity.INFO,
                    service=spec.name,
                    resource_id=snapshot.vpc_id,
                    message=f"no private route table yet: the {spec.name} gateway endpoint waits",
                )
            )
            return findings
        repairs = (
            CreateGatewayEndpoint(
                vpc_id=snapshot.vpc_id,
                reason=GATEWAY_MISSING,
                service_name=service,
                route_table_ids=tables,
                policy_document=gateway_policy(snapshot, settings),
            ),
        )
        findings.append(
            Finding(
                code=GATEWAY_MISSING,
                service=spec.name,
                resource_id=snapshot.vpc_id,
                message=(
                    f"no {spec.name} gateway endpoint for private route tables "
                    f"{', '.join(tables)}; {notes}"
                ),
                repairs=() if settings.gateway_report_only else repairs,
            )
        )
        return findings
    if not missing:
        return findings
    keepers = [e for e in usable if _extendable(e, snapshot, settings)]
    if not keepers:
        findings.append(
            Finding(
                code=GATEWAY_POLICY_NARROW,
                severity=Severity.MANUAL,
                service=spec.name,
                resource_id=usable[0].endpoint_id,
                message=(
                    f"private route tables {', '.join(missing)} have no {spec.name} gateway "
                    f"endpoint, and the policy of {', '.join(e.endpoint_id for e in usable)} is "
                    "not full access: adding them would cut every S3 use the policy does not "
                    "allow from their subnets. Add them by hand once the policy suits them"
                ),
            )
        )
        return findings
    keeper = keepers[0]
    repairs = (
        ModifyEndpoint(
            vpc_id=snapshot.vpc_id,
            reason=GATEWAY_ROUTE_TABLE_MISSING,
            endpoint_id=keeper.endpoint_id,
            service_name=service,
            add_route_table_ids=missing,
        ),
    )
    findings.append(
        Finding(
            code=GATEWAY_ROUTE_TABLE_MISSING,
            service=spec.name,
            resource_id=keeper.endpoint_id,
            message=(
                f"private route tables {', '.join(missing)} have no {spec.name} gateway endpoint; "
                f"{notes}"
            ),
            repairs=() if settings.gateway_report_only else repairs,
        )
    )
    return findings


def _inspected(
    snapshot: VpcSnapshot,
    settings: Settings,
    spec: ServiceSpec,
    *,
    usable: list[Endpoint],
    served: set[str],
    inspected: tuple[str, ...],
    perimeter: str,
) -> list[Finding]:
    """``INSPECTED_EGRESS=repair``: the inspected route tables get their S3 route only through
    an endpoint with the perimeter policy (an existing one, else a new one), never full access."""
    from remediation.iam_policy.evaluation import canonical  # noqa: PLC0415 - (cold start)

    missing = tuple(t for t in inspected if t not in served)
    if not missing:
        return []
    service = spec.service_name(snapshot.region)
    keeper = next((e for e in usable if canonical(e.policy_document) == canonical(perimeter)), None)
    notes = f"{S3_INTERRUPTION_NOTE}; {SOURCE_IP_NOTE}"
    tables = ", ".join(missing)
    repair: Action
    if keeper is None:
        code, resource = GATEWAY_MISSING, snapshot.vpc_id
        repair = CreateGatewayEndpoint(
            vpc_id=snapshot.vpc_id,
            reason=GATEWAY_MISSING,
            service_name=service,
            route_table_ids=missing,
            policy_document=perimeter,
        )
        message = (
            f"no {spec.name} gateway endpoint for the inspected route tables {tables}: "
            f"INSPECTED_EGRESS=repair creates one with the perimeter policy; {notes}"
        )
    else:
        code, resource = GATEWAY_ROUTE_TABLE_MISSING, keeper.endpoint_id
        repair = ModifyEndpoint(
            vpc_id=snapshot.vpc_id,
            reason=GATEWAY_ROUTE_TABLE_MISSING,
            endpoint_id=keeper.endpoint_id,
            service_name=service,
            add_route_table_ids=missing,
        )
        message = (
            f"the inspected route tables {tables} have no {spec.name} gateway endpoint: "
            f"INSPECTED_EGRESS=repair adds them to {keeper.endpoint_id}, whose policy is the "
            f"perimeter policy; {notes}"
        )
    return [
        Finding(
            code=code,
            service=spec.name,
            resource_id=resource,
            message=message,
            repairs=() if settings.gateway_report_only else (repair,),
        )
    ]
