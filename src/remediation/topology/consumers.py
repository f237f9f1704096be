"""Who else uses the VPC's endpoints: networks outside it that its routes lead to, the
VPC's own blocks, and the participants of a VPC shared out through AWS RAM."""

from __future__ import annotations

from remediation.model import Route, VpcSnapshot
from remediation.vocabulary import ACCOUNT_ID

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
    """Routes of any of the VPC's route tables to networks outside it (:func:`leads_outside`),
    blackhole ones included: their target (a peering connection, a gateway) is unavailable
    now, and the consumers behind it are back when it is (EC2 API reference, ``Route``,
    ``state``), so nothing they need is judged too wide meanwhile.

    Their destinations are CIDR blocks or prefix lists (``pl-``): hosts there reach the
    VPC's endpoints over the route back.

    >>> from remediation.model import Route, RouteTable, VpcSnapshot
    >>> table = RouteTable("rtb-1", "vpc-1", routes=(Route("10.0.0.0/16", "local"),
    ...     Route("2600:1f18:1::/56", "pcx-1"), Route("0.0.0.0/0", "nat-1")),
    ...     blackholes=(Route("192.168.0.0/16", "tgw-1"),))
    >>> snap = VpcSnapshot("vpc-1", "us-east-1", "1", ("10.0.0.0/16",), True, True,
    ...     route_tables=(table,))
    >>> [r.destination for r in consumer_routes(snap)]
    ['2600:1f18:1::/56', '192.168.0.0/16']
    """
    return tuple(
        r for t in snapshot.route_tables for r in (*t.routes, *t.blackholes) if leads_outside(r)
    )


def vpc_blocks(snapshot: VpcSnapshot) -> tuple[str, ...]:
    """The VPC's IPv4 and IPv6 blocks: what the tool's group admits."""
    return snapshot.cidr_blocks + snapshot.ipv6_cidr_blocks


def participants(snapshot: VpcSnapshot) -> frozenset[str]:
    """Accounts other than the owner whose workloads use the VPC (a VPC shared out through AWS
    RAM): the accounts the shares name, and the owners of the VPC's network interfaces (a
    participant's interfaces carry its own ``OwnerId``: VPC user guide, vpc-sharing.html)."""
    seen = {i.owner_id for i in snapshot.network_interfaces if ACCOUNT_ID.fullmatch(i.owner_id)}
    return frozenset((seen | snapshot.sharing.accounts) - {snapshot.account_id})
