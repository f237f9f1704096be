"""EC2's answers parsed (``remediation.aws.parsing``) on items shaped as boto3 returns them:
a route table's routes kept apart by ``State`` (EC2 API reference, ``Route``, ``state``:
``active | blackhole``, blackhole when the route's target is unavailable). Pure."""

from __future__ import annotations

from typing import Any

from remediation.aws.parsing import parse_route_table
from remediation.model import Route
from remediation.topology.routes import is_public_route_table

VPC = "vpc-0a1b2c3d4e5f60718"
OWNER = "123456789012"

#: One ``DescribeRouteTables`` item as boto3 parses it: a private table whose default route goes
#: to a firewall instance that has been stopped (its interface and instance still named, the
#: route ``blackhole``), an S3 gateway endpoint's prefix list and a transit gateway route.
FIREWALLED: dict[str, Any] = {
    "Associations": [
        {
            "Main": False,
            "RouteTableAssociationId": "rtbassoc-0a1b2c3d4e5f60718",
            "RouteTableId": "rtb-0a1b2c3d4e5f60718",
            "SubnetId": "subnet-0a1b2c3d4e5f60718",
            "AssociationState": {"State": "associated"},
        }
    ],
    "PropagatingVgws": [],
    "RouteTableId": "rtb-0a1b2c3d4e5f60718",
    "Routes": [
        {
            "DestinationCidrBlock": "10.0.0.0/16",
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        },
        {
            "DestinationCidrBlock": "0.0.0.0/0",
            "InstanceId": "i-0f1e2d3c4b5a69788",
            "InstanceOwnerId": OWNER,
            "NetworkInterfaceId": "eni-0f1e2d3c4b5a69788",
            "Origin": "CreateRoute",
            "State": "blackhole",
        },
        {
            "DestinationIpv6CidrBlock": "::/0",
            "InstanceId": "i-0f1e2d3c4b5a69788",
            "InstanceOwnerId": OWNER,
            "NetworkInterfaceId": "eni-0f1e2d3c4b5a69788",
            "Origin": "CreateRoute",
            "State": "blackhole",
        },
        {
            "DestinationPrefixListId": "pl-63a5400a",
            "GatewayId": "vpce-0123456789abcdef0",
            "Origin": "CreateRoute",
            "State": "active",
        },
        {
            "DestinationCidrBlock": "192.168.0.0/16",
            "TransitGatewayId": "tgw-0123456789abcdef0",
            "Origin": "CreateRoute",
            "State": "blackhole",
        },
    ],
    "Tags": [{"Key": "Name", "Value": "private-a"}],
    "VpcId": VPC,
    "OwnerId": OWNER,
}


def test_blackhole_routes_are_kept_apart_from_the_active_ones() -> None:
    table = parse_route_table(FIREWALLED)
    assert table.routes == (
        Route("10.0.0.0/16", "local"),
        Route("pl-63a5400a", "vpce-0123456789abcdef0"),
    )
    assert table.blackholes == (
        Route("0.0.0.0/0", "eni-0f1e2d3c4b5a69788"),
        Route("::/0", "eni-0f1e2d3c4b5a69788"),
        Route("192.168.0.0/16", "tgw-0123456789abcdef0"),
    )
    assert table.subnet_ids == {"subnet-0a1b2c3d4e5f60718"} and not table.is_main


def test_a_state_other_than_active_is_not_taken_for_active_and_none_is_active() -> None:
    """A state EC2 may add later is not a route that carries traffic now; a route without
    ``State`` (as moto reports some) is active, as before."""
    item = {
        "RouteTableId": "rtb-1",
        "Routes": [
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "pending"},
            {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": "pcx-1"},
        ],
    }
    table = parse_route_table(item)
    assert table.routes == (Route("10.1.0.0/16", "pcx-1"),)
    assert table.blackholes == (Route("0.0.0.0/0", "igw-1"),)
    assert not is_public_route_table(table)  # a way out that leads nowhere now: still private
