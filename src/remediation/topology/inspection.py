"""Inspected paths: which private route tables send their default route to inspection, or
serve subnets that hold a transit interface, where an S3 route or an endpoint would take
traffic off the inspected path. The one place every rule learns it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from remediation.model import NetworkInterface, Route, VpcSnapshot
from remediation.topology.routes import DEFAULT_ROUTES, private_route_tables, route_table_for
from remediation.vocabulary import EndpointType

#: ``InterfaceType`` values (EC2 API, ``NetworkInterfaceType``) of interfaces that carry other
#: networks' traffic. Network Firewall endpoints are Gateway Load Balancer endpoints.
TRANSIT_INTERFACE_TYPES = {
    "transit_gateway": "a transit gateway attachment",
    "gateway_load_balancer_endpoint": "a Gateway Load Balancer or Network Firewall endpoint",
    "gateway_load_balancer": "a Gateway Load Balancer",
}
#: Said of an inspection found on a blackhole route (EC2 API reference, ``Route``, ``state``).
BLACKHOLE = ", a blackhole route: its target is unavailable now, the path the network intends"


@dataclass(frozen=True)
class Inspection:
    """Why a private route table is on an inspected path, where the S3 route would skip it.

    ``transit``: a subnet using the table holds a transit gateway attachment, a Gateway Load
    Balancer or a firewall endpoint, so other networks' traffic passes there (never touched).
    Otherwise the table's default route leads to inspection (``INSPECTED_EGRESS`` decides).
    """

    route_table_id: str
    why: str
    transit: bool = False


def transit_kind(interface: NetworkInterface) -> str:
    """What transit role an interface plays, or ``""`` for an ordinary one."""
    kind = TRANSIT_INTERFACE_TYPES.get(interface.interface_type.lower(), "")
    if not kind and "network firewall" in interface.description.lower():
        kind = "a Network Firewall endpoint"
    return kind


def inspection_target(snapshot: VpcSnapshot, target: str) -> str:
    """What inspects traffic sent to a default route's ``target``, or ``""``: no inspection.

    A transit gateway (``tgw-``), a Gateway Load Balancer endpoint (a ``vpce-`` gateway: EC2
    accepts an endpoint as a CIDR route's target for Gateway Load Balancer endpoints only, and
    Network Firewall's endpoints are such endpoints), an appliance's network interface or
    instance (``eni-``, ``i-``) or a Cloud WAN core network (its ARN).
    """
    if target.startswith("tgw-"):
        return f"transit gateway {target}"
    if target.startswith("vpce-"):
        endpoint = next((e for e in snapshot.endpoints if e.endpoint_id == target), None)
        if endpoint is not None and endpoint.endpoint_type is EndpointType.GATEWAY_LOAD_BALANCER:
            return f"Gateway Load Balancer endpoint {target} (a firewall or an appliance)"
        return f"endpoint {target} (only Gateway Load Balancer endpoints take a default route)"
    if target.startswith("eni-"):
        return f"network interface {target} (an appliance)"
    if target.startswith("i-"):
        return f"instance {target} (an appliance)"
    if ":core-network/" in target:
        return f"Cloud WAN core network {target}"
    return ""


def inspected_route_tables(snapshot: VpcSnapshot) -> dict[str, Inspection]:
    """Private route tables on an inspected path, by id: one concept for every rule.

    A table is inspected when its default route (``0.0.0.0/0`` or ``::/0``) leads to an
    :func:`inspection_target`, an active route first, else a blackhole one (the appliance,
    endpoint or gateway is unavailable now: the route is still the path the network intends,
    and an endpoint or an S3 route made meanwhile would bypass inspection once it is back),
    or when a subnet using it holds a transit interface
    (:func:`transit_kind`, ``transit=True``: the latter wins, it is never touched). A gateway
    endpoint's route is more specific than ``0.0.0.0/0`` (longest prefix match), so an S3
    route there would take every same-region S3 request off the inspected path.
    """
    found: dict[str, Inspection] = {}
    private = {t.route_table_id: t for t in private_route_tables(snapshot)}
    for interface in snapshot.network_interfaces:
        kind = transit_kind(interface)
        table = route_table_for(snapshot, interface.subnet_id) if kind else None
        if (
            table is not None
            and table.route_table_id in private
            and table.route_table_id not in found
        ):
            found[table.route_table_id] = Inspection(
                table.route_table_id,
                f"{table.route_table_id} (subnet {interface.subnet_id} holds {kind}, "
                f"{interface.interface_id})",
                transit=True,
            )
    for table_id, table in private.items():
        if table_id in found:
            continue
        why = _default_route_to_inspection(snapshot, table.routes)
        if not why:
            why = _default_route_to_inspection(snapshot, table.blackholes)
            why += BLACKHOLE if why else ""
        if why:
            found[table_id] = Inspection(table_id, f"{table_id} ({why})")
    return found


def _default_route_to_inspection(snapshot: VpcSnapshot, routes: Iterable[Route]) -> str:
    """``0.0.0.0/0 to transit gateway tgw-1`` for the first default route of ``routes`` that
    leads to an :func:`inspection_target`, or ``""``."""
    for route in routes:
        if route.destination in DEFAULT_ROUTES:
            what = inspection_target(snapshot, route.target)
            if what:
                return f"{route.destination} to {what}"
    return ""


def inspected_egress(snapshot: VpcSnapshot) -> tuple[Inspection, ...]:
    """The private route tables whose egress is inspected (not transit subnets), by id."""
    return tuple(i for _, i in sorted(inspected_route_tables(snapshot).items()) if not i.transit)
