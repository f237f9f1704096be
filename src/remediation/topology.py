"""Derived facts of a snapshot: which subnets and route tables are private, by AZ.

A subnet is *private* when the route table in effect for it (its explicit
association, else the VPC's main route table) has no default route
(``0.0.0.0/0`` or ``::/0``) to an internet gateway (``igw-``). An egress-only
internet gateway (``eigw-``) does not make a subnet public.

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

from remediation.model import RouteTable, SecurityGroup, Subnet, VpcSnapshot

DEFAULT_ROUTES = frozenset({"0.0.0.0/0", "::/0"})


def is_public_route_table(table: RouteTable) -> bool:
    """True when the table sends a default route to an internet gateway."""
    return any(
        r.destination in DEFAULT_ROUTES and r.target.startswith("igw-") for r in table.routes
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


def is_private(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    table = route_table_for(snapshot, subnet.subnet_id)
    return table is None or not is_public_route_table(table)


def private_subnets(snapshot: VpcSnapshot) -> tuple[Subnet, ...]:
    return tuple(s for s in snapshot.subnets if is_private(snapshot, s))


def private_route_tables(snapshot: VpcSnapshot) -> tuple[RouteTable, ...]:
    """Route tables in effect for at least one private subnet, main table included."""
    wanted: dict[str, RouteTable] = {}
    for subnet in private_subnets(snapshot):
        table = route_table_for(snapshot, subnet.subnet_id)
        if table is not None:
            wanted[table.route_table_id] = table
    return tuple(sorted(wanted.values(), key=lambda t: t.route_table_id))


def by_az(subnets: Iterable[Subnet]) -> Mapping[str, tuple[Subnet, ...]]:
    """Subnets grouped by Availability Zone, zones and subnets in a stable order."""
    groups: dict[str, list[Subnet]] = defaultdict(list)
    for subnet in subnets:
        groups[subnet.availability_zone].append(subnet)
    return {az: tuple(sorted(groups[az], key=lambda s: s.subnet_id)) for az in sorted(groups)}


def choose_subnet(candidates: Iterable[Subnet]) -> Subnet:
    """The subnet an endpoint should use in one AZ: most free addresses, then lowest id."""
    return min(candidates, key=lambda s: (-s.available_ips, s.subnet_id))


def target_azs(snapshot: VpcSnapshot, limit: int | None = None) -> tuple[str, ...]:
    """The AZs an interface endpoint should cover.

    Every AZ with a private subnet; with ``limit``, the ``limit`` AZs with the
    most private subnets (ties broken by zone name) so that a cost cap keeps
    the endpoints where most workloads are.
    """
    zones = by_az(private_subnets(snapshot))
    ranked = sorted(zones, key=lambda az: (-len(zones[az]), az))
    chosen = ranked if limit is None else ranked[:limit]
    return tuple(sorted(chosen))


def tool_group(snapshot: VpcSnapshot) -> SecurityGroup | None:
    """The group the tool created in this VPC (lowest id if, against all odds, several)."""
    owned = sorted(
        (g for g in snapshot.security_groups if g.owned and g.vpc_id == snapshot.vpc_id),
        key=lambda g: g.group_id,
    )
    return owned[0] if owned else None
