"""Which subnets and route tables are private: the route table in effect for a subnet, its
default routes, and VPC Block Public Access where it blocks an internet gateway.

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

from remediation.model import RouteTable, Subnet, VpcSnapshot

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
