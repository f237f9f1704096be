"""EC2's answers made into snapshot values: one parser per resource type.

Pure functions over the dictionaries boto3 returns, kept apart from
:mod:`remediation.aws.inventory` (which decides what to read and when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from remediation.model import (
    Endpoint,
    IngressRule,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
)
from remediation.vocabulary import USABLE_ENDPOINT_STATES, EndpointType

#: ``VpcEndpointType`` values (EC2 API: ``Interface``, ``Gateway``, ``GatewayLoadBalancer``,
#: and others the tool treats as interface endpoints it does not own, such as
#: ``ServiceNetwork`` and ``Resource``), compared case-insensitively.
ENDPOINT_TYPES = {t.value.lower(): t for t in EndpointType}
#: States of a subnet's IPv6 block association that leave the subnet without it.
GONE_CIDR_STATES = frozenset({"disassociating", "disassociated", "failing", "failed"})


def parse_tags(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(t.get("Key", "")): str(t.get("Value", "")) for t in items or ()}


def parse_rule(perm: Mapping[str, Any]) -> list[IngressRule]:
    """Split one EC2 ``IpPermission`` into one rule per source."""
    protocol = str(perm.get("IpProtocol", "-1"))
    low, high = perm.get("FromPort"), perm.get("ToPort")
    ports: dict[str, Any] = {
        "protocol": protocol,
        "from_port": None if low is None else int(low),
        "to_port": None if high is None else int(high),
    }

    def described(item: Mapping[str, Any]) -> dict[str, Any]:
        return {**ports, "description": str(item.get("Description", ""))}

    rules = [IngressRule(**described(r), cidr_ipv4=r["CidrIp"]) for r in perm.get("IpRanges", [])]
    rules += [
        IngressRule(**described(r), cidr_ipv6=r["CidrIpv6"]) for r in perm.get("Ipv6Ranges", [])
    ]
    rules += [
        IngressRule(**described(p), source_group_id=p["GroupId"])
        for p in perm.get("UserIdGroupPairs", [])
    ]
    rules += [
        IngressRule(**described(p), prefix_list_id=p["PrefixListId"])
        for p in perm.get("PrefixListIds", [])
    ]
    return rules


def parse_endpoint(item: Mapping[str, Any]) -> Endpoint:
    kind = str(item.get("VpcEndpointType", "Interface"))
    return Endpoint(
        endpoint_id=item["VpcEndpointId"],
        vpc_id=item.get("VpcId", ""),
        service_name=item.get("ServiceName", ""),
        endpoint_type=ENDPOINT_TYPES.get(kind.lower(), EndpointType.INTERFACE),
        state=str(item.get("State", "")),
        # moto reports private DNS on gateway endpoints; EC2 has no such thing there.
        private_dns_enabled=bool(item.get("PrivateDnsEnabled")) and kind != "Gateway",
        subnet_ids=tuple(item.get("SubnetIds", ())),
        group_ids=tuple(g["GroupId"] for g in item.get("Groups", ())),
        route_table_ids=tuple(item.get("RouteTableIds", ())),
        tags=parse_tags(item.get("Tags")),
        policy_document=str(item.get("PolicyDocument") or ""),
        ip_address_type=str(item.get("IpAddressType") or ""),
        dns_record_ip_type=str((item.get("DnsOptions") or {}).get("DnsRecordIpType") or ""),
        private_dns_inbound_only=bool(
            (item.get("DnsOptions") or {}).get("PrivateDnsOnlyForInboundResolverEndpoint")
        ),
        created=_timestamp(item.get("CreationTimestamp")),
        requester_managed=item.get("RequesterManaged") is True,
    )


def _timestamp(value: Any) -> str:
    """A timestamp boto3 parsed (or a string) as ISO 8601 in UTC; ``""`` for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC).isoformat()
    return str(value)


def parse_network_interface(item: Mapping[str, Any]) -> NetworkInterface:
    return NetworkInterface(
        interface_id=str(item.get("NetworkInterfaceId", "")),
        subnet_id=str(item.get("SubnetId", "")),
        interface_type=str(item.get("InterfaceType", "")),
        description=str(item.get("Description", "")),
        requester_id=str(item.get("RequesterId", "")),
        tags=parse_tags(item.get("TagSet") or item.get("Tags")),
        owner_id=str(item.get("OwnerId", "")),
    )


def parse_subnet(item: Mapping[str, Any], vpc_id: str) -> Subnet:
    return Subnet(
        subnet_id=item["SubnetId"],
        vpc_id=vpc_id,
        availability_zone=str(item.get("AvailabilityZone", "")),
        cidr_block=str(item.get("CidrBlock") or ""),
        available_ips=int(item.get("AvailableIpAddressCount", 0)),
        availability_zone_id=str(item.get("AvailabilityZoneId") or ""),
        outpost_arn=str(item.get("OutpostArn") or ""),
        ipv6_cidr_blocks=tuple(
            str(a["Ipv6CidrBlock"])
            for a in item.get("Ipv6CidrBlockAssociationSet", [])
            if str(a.get("Ipv6CidrBlockState", {}).get("State", "")) not in GONE_CIDR_STATES
            and a.get("Ipv6CidrBlock")
        ),
        ipv6_native=bool(item.get("Ipv6Native")),
        block_public_access=str(
            (item.get("BlockPublicAccessStates") or {}).get("InternetGatewayBlockMode") or ""
        ),
        dns64=bool(item.get("EnableDns64")),
    )


def parse_route(item: Mapping[str, Any]) -> Route:
    """One entry of a route table's ``Routes``: its destination and its target's id."""
    return Route(
        destination=str(
            item.get("DestinationCidrBlock")
            or item.get("DestinationIpv6CidrBlock")
            or item.get("DestinationPrefixListId")
            or ""
        ),
        target=str(
            item.get("GatewayId")
            or item.get("NatGatewayId")
            or item.get("EgressOnlyInternetGatewayId")
            or item.get("TransitGatewayId")
            or item.get("VpcPeeringConnectionId")
            or item.get("NetworkInterfaceId")
            or item.get("InstanceId")
            or item.get("CoreNetworkArn")
            or item.get("CarrierGatewayId")
            or item.get("LocalGatewayId")
            or ""
        ),
    )


def parse_route_table(item: Mapping[str, Any]) -> RouteTable:
    """A route table; its routes split by ``State`` (``active | blackhole``, EC2 API
    reference, ``Route``): active ones in ``routes``, every other state in ``blackholes``
    (the target is unavailable now, the route still the path the network intends)."""
    associations = item.get("Associations", [])
    routes = [
        (r.get("State", "active") == "active", parse_route(r)) for r in item.get("Routes", [])
    ]
    return RouteTable(
        route_table_id=item["RouteTableId"],
        vpc_id=item.get("VpcId", ""),
        is_main=any(a.get("Main") for a in associations),
        subnet_ids=frozenset(a["SubnetId"] for a in associations if a.get("SubnetId")),
        routes=tuple(r for active, r in routes if active),
        blackholes=tuple(r for active, r in routes if not active),
    )


def parse_groups(vpc_id: str, items: Iterable[Mapping[str, Any]]) -> tuple[SecurityGroup, ...]:
    """A VPC's security groups (``DescribeSecurityGroups``), their ingress one rule per source."""
    return tuple(
        SecurityGroup(
            group_id=g["GroupId"],
            vpc_id=vpc_id,
            group_name=g.get("GroupName", ""),
            description=g.get("Description", ""),
            tags=parse_tags(g.get("Tags")),
            ingress=tuple(r for p in g.get("IpPermissions", []) for r in parse_rule(p)),
        )
        for g in items
    )


def served_locally(endpoints: Iterable[Mapping[str, Any]], services: Iterable[str]) -> bool:
    """True when every service has a usable interface endpoint with private DNS on."""
    have = {
        str(e.get("ServiceName", ""))
        for e in endpoints
        if str(e.get("VpcEndpointType", "Interface")) == "Interface"
        and bool(e.get("PrivateDnsEnabled"))
        and str(e.get("State", "")).lower() in USABLE_ENDPOINT_STATES
    }
    return all(s in have for s in services)
