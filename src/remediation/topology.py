"""Derived facts of a snapshot: which subnets and route tables are private, by AZ, which of
them are on an inspected path, and which accounts besides the owner use the VPC.

A subnet is *private* when the route table in effect for it (its explicit
association, else the VPC's main route table) has no default route
(``0.0.0.0/0`` or ``::/0``) to an internet gateway (``igw-``) or to a carrier gateway
(``cagw-``, a Wavelength Zone's way out to the carrier network and the internet). An
egress-only internet gateway (``eigw-``) or a local gateway (``lgw-``, an Outpost's way to
the on-premises network) does not make a subnet public. Neither does an internet gateway
that VPC Block Public Access blocks for the subnet (mode ``block-bidirectional`` and no
exclusion in force: :func:`egress_blocked`): such a subnet is private for the S3 route and
for endpoint placement. A route table counts as private only when no public subnet uses it.

A private route table is *inspected* when its default route leads to inspection (a transit
gateway, a Gateway Load Balancer or firewall endpoint, an appliance, Cloud WAN), or when a
subnet using it holds a transit interface (:func:`inspected_route_tables`): the one place
every rule learns where an S3 route or an endpoint would take traffic off an inspected path.

A private subnet can hold an interface endpoint of a service only when it is not on an
Outpost, in a zone where the service is offered (compared by AZ **ID**, or by name when EC2
gives no IDs; Local and Wavelength Zones are never in an AWS service's list), and not
IPv6-only
(:func:`endpoint_subnets`).

Examples
--------
>>> from remediation.model import Route, RouteTable, Subnet, VpcSnapshot
>>> snap = VpcSnapshot(
...     vpc_id="vpc-1", region="us-east-1", account_id="123456789012",
...     cidr_blocks=("10.0.0.0/16",), dns_support=True, dns_hostnames=True,
...     subnets=(Subnet("subnet-a", "vpc-1", "us-east-1a", "10.0.1.0/24"),
...              Subnet("subnet-b", "vpc-1", "us-east-1a", "10.0.2.0/24")),
...     route_tables=(RouteTable("rtb-main", "vpc-1", is_main=True),
...                   RouteTable("rtb-pub", "vpc-1", subnet_ids=frozenset({"subnet-b"}),
...                              routes=(Route("0.0.0.0/0", "igw-1"),))))
>>> [s.subnet_id for s in private_subnets(snap)]
['subnet-a']
>>> [t.route_table_id for t in private_route_tables(snap)]
['rtb-main']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from remediation.model import (
    Endpoint,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    VpcSnapshot,
)
from remediation.vocabulary import ACCOUNT_ID, EndpointType

DEFAULT_ROUTES = frozenset({"0.0.0.0/0", "::/0"})
#: Targets of a default route that make a subnet public: internet and carrier gateways.
PUBLIC_TARGETS = ("igw-", "cagw-")
BLOCK_BIDIRECTIONAL = "block-bidirectional"
#: Gateways VPC Block Public Access blocks (internet and egress-only internet gateways).
BLOCKABLE_TARGETS = ("igw-", "eigw-")


def is_public_route_table(table: RouteTable) -> bool:
    """True when the table sends a default route to an internet or a carrier gateway."""
    return any(
        r.destination in DEFAULT_ROUTES and r.target.startswith(PUBLIC_TARGETS)
        for r in table.routes
    )


def route_table_for(snapshot: VpcSnapshot, subnet_id: str) -> RouteTable | None:
    """The route table in effect for a subnet: its explicit association, else the main table."""
    main: RouteTable | None = None
    for table in snapshot.route_tables:
        if subnet_id in table.subnet_ids:
            return table
        if table.is_main:
            main = table
    return main


def default_targets(table: RouteTable) -> tuple[str, ...]:
    """Targets of the table's default routes (``0.0.0.0/0``, ``::/0``)."""
    return tuple(r.target for r in table.routes if r.destination in DEFAULT_ROUTES)


def egress_blocked(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    """Whether VPC Block Public Access blocks the subnet's internet and egress-only gateways.

    The subnet reports ``block-bidirectional`` and the exclusions were read with none in
    force for it or its VPC (``allow-bidirectional`` and ``allow-egress`` both let egress
    out; ``block-ingress`` leaves egress). Exclusions not read, or unreadable: judged as off.
    """
    bpa = snapshot.block_public_access
    return (
        subnet.block_public_access == BLOCK_BIDIRECTIONAL
        and bpa is not None
        and not bpa.unknown
        and not bpa.excluded(snapshot.vpc_id, subnet.subnet_id)
    )


def needs_block_public_access(snapshot: VpcSnapshot) -> bool:
    """A subnet with an internet or egress-only gateway route reports bidirectional BPA."""
    return any(
        s.block_public_access == BLOCK_BIDIRECTIONAL
        and (table := route_table_for(snapshot, s.subnet_id)) is not None
        and any(t.startswith(BLOCKABLE_TARGETS) for t in default_targets(table))
        for s in snapshot.subnets
    )


def is_private(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    table = route_table_for(snapshot, subnet.subnet_id)
    if table is None or not is_public_route_table(table):
        return True
    # Public by its routes; private all the same when BPA blocks its internet gateway and no
    # carrier gateway leads out.
    return egress_blocked(snapshot, subnet) and not any(
        t.startswith("cagw-") for t in default_targets(table)
    )


def private_subnets(snapshot: VpcSnapshot) -> tuple[Subnet, ...]:
    return tuple(s for s in snapshot.subnets if is_private(snapshot, s))


def private_route_tables(snapshot: VpcSnapshot) -> tuple[RouteTable, ...]:
    """Route tables in effect for at least one private subnet and no public one.

    A table shared by a subnet BPA blocks and one an exclusion lets out stays public: an S3
    route there would move the excluded subnet's S3 traffic too.
    """
    wanted: dict[str, RouteTable] = {}
    public: set[str] = set()
    for subnet in snapshot.subnets:
        table = route_table_for(snapshot, subnet.subnet_id)
        if table is None:
            continue
        if is_private(snapshot, subnet):
            wanted[table.route_table_id] = table
        else:
            public.add(table.route_table_id)
    return tuple(
        sorted((t for i, t in wanted.items() if i not in public), key=lambda t: t.route_table_id)
    )


def zone_id(snapshot: VpcSnapshot, subnet: Subnet) -> str:
    """The subnet's AZ ID (``DescribeSubnets`` gives it beside the name); else its name."""
    return subnet.availability_zone_id or subnet.availability_zone


def in_regular_zone(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    """False for a subnet on an Outpost (``OutpostArn``): no interface endpoint goes there.

    Local and Wavelength Zones are left out by the services' own zone lists (they are not in
    an AWS service's offer): see :func:`offers`.
    """
    return not subnet.outpost_arn


def offers(snapshot: VpcSnapshot, service_name: str, subnet: Subnet) -> bool:
    """Whether the service can place an endpoint in the subnet's zone.

    By AZ ID when the offer has IDs; else by the zone name, which EC2 writes in the caller's
    own mapping in both answers. Unknown offers (facts not read, the service not described,
    or no zone named) count as offered: an unread fact never hides a missing endpoint.
    """
    facts = snapshot.region_facts
    offer = facts.offer(service_name) if facts else None
    if offer is None or not offer.known:
        return True
    if offer.zone_ids and subnet.availability_zone_id:
        return subnet.availability_zone_id in offer.zone_ids
    if offer.zone_names:
        return subnet.availability_zone in offer.zone_names
    return zone_id(snapshot, subnet) in offer.zone_ids


def endpoint_subnets(snapshot: VpcSnapshot, service_name: str = "") -> tuple[Subnet, ...]:
    """Private subnets that can hold an interface endpoint of the service.

    In a regular AZ, offered by the service (when ``service_name`` is given), with an
    IPv4 block (the tool's endpoints are IPv4 or dual-stack).
    """
    return tuple(
        s
        for s in private_subnets(snapshot)
        if in_regular_zone(snapshot, s)
        and not s.ipv6_native
        and (not service_name or offers(snapshot, service_name, s))
    )


def unoffered_subnets(snapshot: VpcSnapshot, service_name: str) -> tuple[Subnet, ...]:
    """Private subnets in a regular AZ where the service is not offered."""
    return tuple(
        s
        for s in private_subnets(snapshot)
        if in_regular_zone(snapshot, s) and not offers(snapshot, service_name, s)
    )


def by_az(subnets: Iterable[Subnet]) -> Mapping[str, tuple[Subnet, ...]]:
    """Subnets grouped by Availability Zone, zones and subnets in a stable order."""
    groups: dict[str, list[Subnet]] = defaultdict(list)
    for subnet in subnets:
        groups[subnet.availability_zone].append(subnet)
    return {az: tuple(sorted(groups[az], key=lambda s: s.subnet_id)) for az in sorted(groups)}


def choose_subnet(candidates: Iterable[Subnet]) -> Subnet:
    """The subnet an endpoint should use in one AZ: most free addresses, then lowest id."""
    return min(candidates, key=lambda s: (-s.available_ips, s.subnet_id))


def target_azs(
    snapshot: VpcSnapshot, limit: int | None = None, service_name: str = ""
) -> tuple[str, ...]:
    """The AZs an interface endpoint should cover.

    Every AZ with a private subnet that can hold the service's endpoint
    (:func:`endpoint_subnets`); with ``limit``, the ``limit`` AZs with the most such
    subnets (ties broken by zone name) so that a cost cap keeps the endpoints where
    most workloads are.
    """
    zones = by_az(endpoint_subnets(snapshot, service_name))
    ranked = sorted(zones, key=lambda az: (-len(zones[az]), az))
    chosen = ranked if limit is None else ranked[:limit]
    return tuple(sorted(chosen))


#: Route targets behind which hosts outside the VPC may use its endpoints: VPC peering
#: connections, transit gateways, virtual private gateways (VPN, Direct Connect), local gateways
#: (an Outpost's on-premises network) and Cloud WAN core networks (an ARN naming
#: ``core-network/``). VPC UG, "Route table concepts" (route targets).
CONSUMER_TARGETS = ("pcx-", "tgw-", "vgw-", "lgw-")
CORE_NETWORK = ":core-network/"


def leads_outside(route: Route) -> bool:
    """True for a route to a network outside the VPC whose hosts may be the endpoints' consumers."""
    return route.target.startswith(CONSUMER_TARGETS) or CORE_NETWORK in route.target


def consumer_routes(snapshot: VpcSnapshot) -> tuple[Route, ...]:
    """Routes of any of the VPC's route tables to networks outside it (:func:`leads_outside`).

    Their destinations are CIDR blocks or prefix lists (``pl-``): hosts there reach the
    VPC's endpoints over the route back.

    >>> from remediation.model import Route, RouteTable, VpcSnapshot
    >>> table = RouteTable("rtb-1", "vpc-1", routes=(Route("10.0.0.0/16", "local"),
    ...     Route("2600:1f18:1::/56", "pcx-1"), Route("0.0.0.0/0", "nat-1")))
    >>> snap = VpcSnapshot("vpc-1", "us-east-1", "1", ("10.0.0.0/16",), True, True,
    ...     route_tables=(table,))
    >>> [r.destination for r in consumer_routes(snap)]
    ['2600:1f18:1::/56']
    """
    return tuple(r for t in snapshot.route_tables for r in t.routes if leads_outside(r))


def vpc_blocks(snapshot: VpcSnapshot) -> tuple[str, ...]:
    """The VPC's IPv4 and IPv6 blocks: what the tool's group admits."""
    return snapshot.cidr_blocks + snapshot.ipv6_cidr_blocks


def tool_group(snapshot: VpcSnapshot) -> SecurityGroup | None:
    """The group the tool created in this VPC (lowest id if, against all odds, several)."""
    owned = sorted(
        (g for g in snapshot.security_groups if g.owned and g.vpc_id == snapshot.vpc_id),
        key=lambda g: g.group_id,
    )
    return owned[0] if owned else None


def serving_interface(snapshot: VpcSnapshot, service: str) -> Endpoint | None:
    """An interface endpoint of ``service`` whose private DNS answers the VPC's own clients.

    For a gateway service (S3) it takes the gateway's place: the regional names resolve to
    its addresses (``Endpoint.answers_vpc_names``).
    """
    return next(
        (
            e
            for e in sorted(snapshot.endpoints, key=lambda e: e.endpoint_id)
            if e.service_name == service and e.answers_vpc_names
        ),
        None,
    )


# --------------------------------------------------------------------------- inspected paths

#: ``InterfaceType`` values (EC2 API, ``NetworkInterfaceType``) of interfaces that carry other
#: networks' traffic. Network Firewall endpoints are Gateway Load Balancer endpoints.
TRANSIT_INTERFACE_TYPES = {
    "transit_gateway": "a transit gateway attachment",
    "gateway_load_balancer_endpoint": "a Gateway Load Balancer or Network Firewall endpoint",
    "gateway_load_balancer": "a Gateway Load Balancer",
}


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
    :func:`inspection_target`, or when a subnet using it holds a transit interface
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
        for route in table.routes:
            what = (
                inspection_target(snapshot, route.target)
                if route.destination in DEFAULT_ROUTES
                else ""
            )
            if what:
                found[table_id] = Inspection(
                    table_id, f"{table_id} ({route.destination} to {what})"
                )
                break
    return found


def inspected_egress(snapshot: VpcSnapshot) -> tuple[Inspection, ...]:
    """The private route tables whose egress is inspected (not transit subnets), by id."""
    return tuple(i for _, i in sorted(inspected_route_tables(snapshot).items()) if not i.transit)


def participants(snapshot: VpcSnapshot) -> frozenset[str]:
    """Accounts other than the owner whose workloads use the VPC (a VPC shared out through AWS
    RAM): the accounts the shares name, and the owners of the VPC's network interfaces (a
    participant's interfaces carry its own ``OwnerId``: VPC user guide, vpc-sharing.html)."""
    seen = {i.owner_id for i in snapshot.network_interfaces if ACCOUNT_ID.fullmatch(i.owner_id)}
    return frozenset((seen | snapshot.sharing.accounts) - {snapshot.account_id})
