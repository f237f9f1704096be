"""Plain, frozen data: the snapshot of what the tool read about a VPC.

Nothing here talks to AWS or knows about Lambda. Every other module builds or
consumes these values, so they stay small and free of behaviour beyond derived
properties. What surrounds the VPC (region facts, DNS paths, traffic, sharing) is in
:mod:`remediation.surroundings`. Verdicts live in :mod:`remediation.findings`, results in
:mod:`remediation.outcomes`; both depend on :mod:`remediation.actions`, which
depends on this module, so imports run one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from remediation.surroundings import (
    BlockPublicAccess,
    DnsRule,
    HubZone,
    RegionFacts,
    RemoteEndpoint,
    Sharing,
    Traffic,
    frozen_map,
)
from remediation.vocabulary import MANAGED_TAG, USABLE_ENDPOINT_STATES, EndpointType

# --------------------------------------------------------------------------- snapshot


@dataclass(frozen=True)
class Subnet:
    """A subnet of the VPC: its zone (name and ID), block, free addresses and where it sits."""

    subnet_id: str
    vpc_id: str
    availability_zone: str
    cidr_block: str
    available_ips: int = 0
    #: The AZ's ID (``use1-az1``): the same physical zone in every account, unlike its name.
    availability_zone_id: str = ""
    #: Set when the subnet lives on an Outpost: interface endpoints are never placed there.
    outpost_arn: str = ""
    ipv6_cidr_blocks: tuple[str, ...] = ()
    #: An IPv6-only subnet (no IPv4 block): never chosen for an IPv4 endpoint.
    ipv6_native: bool = False
    #: ``BlockPublicAccessStates.InternetGatewayBlockMode`` as EC2 reports it for the subnet
    #: (``off``, ``block-bidirectional``, ``block-ingress``); ``""`` when not reported.
    block_public_access: str = ""
    #: ``EnableDns64``: the Resolver synthesises IPv6 answers for IPv4-only names (NAT64).
    dns64: bool = False


@dataclass(frozen=True)
class Route:
    """One route of a route table: where it sends traffic for a destination."""

    destination: str  # an IPv4 or IPv6 CIDR, or a prefix list id
    target: str  # gateway, NAT, peering, ... id; "" when unknown


@dataclass(frozen=True)
class RouteTable:
    """A route table, the subnets explicitly associated with it, and its routes.

    ``routes`` are the routes EC2 reports ``active``: what carries traffic now, and all that
    public or private, NAT or isolated are judged by. ``blackholes`` are the routes it reports
    in any other state (``blackhole``: the target is unavailable now, such as a stopped
    appliance, a replaced endpoint or a detached gateway; EC2 API reference, ``Route``,
    ``state``). They are the path the network intends once the target is back, so what must
    never be bypassed or cut off (inspection, consumers outside the VPC) reads them too.
    """

    route_table_id: str
    vpc_id: str
    is_main: bool = False
    subnet_ids: frozenset[str] = frozenset()
    routes: tuple[Route, ...] = ()
    blackholes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class IngressRule:
    """One ingress permission of a security group, one source per rule."""

    protocol: str  # "tcp", "udp", "icmp", "-1" (all)
    from_port: int | None
    to_port: int | None
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    source_group_id: str | None = None
    prefix_list_id: str | None = None
    #: The rule's description as EC2 reports it (not part of the rule's identity).
    description: str = field(default="", compare=False)

    @property
    def source(self) -> str:
        return (
            self.cidr_ipv4
            or self.cidr_ipv6
            or self.source_group_id
            or self.prefix_list_id
            or "unknown source"
        )

    def describe(self) -> str:
        ports = "all ports" if self.protocol == "-1" else f"{self.protocol} {self.from_port}"
        if self.protocol != "-1" and self.to_port != self.from_port:
            ports += f"-{self.to_port}"
        return f"{ports} from {self.source}"


@dataclass(frozen=True)
class SecurityGroup:
    """A security group of the VPC, with its ingress rules (one source per rule)."""

    group_id: str
    vpc_id: str
    group_name: str = ""
    tags: Mapping[str, str] = field(default_factory=frozen_map)
    ingress: tuple[IngressRule, ...] = ()
    #: The group's description (fixed at creation: code that adopts the group repeats it).
    description: str = ""

    @property
    def owned(self) -> bool:
        """True when the tool created this group (the only groups it ever edits)."""
        return self.tags.get(MANAGED_TAG) == "true"


@dataclass(frozen=True)
class Endpoint:
    """A VPC endpoint as EC2 describes it (interface or gateway)."""

    endpoint_id: str
    vpc_id: str
    service_name: str
    endpoint_type: EndpointType
    state: str
    private_dns_enabled: bool = False
    subnet_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    route_table_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=frozen_map)
    #: The endpoint policy as EC2 returns it (a JSON document); ``""`` when EC2 gave none.
    policy_document: str = ""
    #: ``ipv4``, ``dualstack`` or ``ipv6`` (interface endpoints); ``""`` when not reported.
    ip_address_type: str = ""
    #: ``DnsOptions.DnsRecordIpType`` (``ipv4``, ``dualstack``, ``ipv6``, ``service-defined``).
    dns_record_ip_type: str = ""
    #: ``DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint``: private DNS answers only
    #: queries from a Resolver inbound endpoint; the VPC's own clients use the gateway.
    private_dns_inbound_only: bool = False
    #: ``CreationTimestamp`` in ISO 8601 (UTC); ``""`` when EC2 gave none.
    created: str = ""
    #: A service created and manages the endpoint (``RequesterManaged``): never modified.
    requester_managed: bool = False

    @property
    def usable(self) -> bool:
        return self.state.lower() in USABLE_ENDPOINT_STATES

    @property
    def deleting(self) -> bool:
        return self.state.lower() == "deleting"

    @property
    def owned(self) -> bool:
        return self.tags.get(MANAGED_TAG) == "true"

    @property
    def answers_vpc_names(self) -> bool:
        """A usable interface endpoint whose private DNS answers the VPC's own clients.

        False with ``PrivateDnsOnlyForInboundResolverEndpoint`` (S3, DynamoDB): then only
        queries arriving through a Resolver inbound endpoint get its addresses.
        """
        return (
            self.endpoint_type is EndpointType.INTERFACE
            and self.usable
            and self.private_dns_enabled
            and not self.private_dns_inbound_only
        )


@dataclass(frozen=True)
class NetworkInterface:
    """A network interface of the VPC, as far as evaluation cares (what kind, in which subnet).

    ``interface_type`` is EC2's ``InterfaceType`` (``interface``, ``transit_gateway``,
    ``gateway_load_balancer_endpoint``, ``vpc_endpoint``, ...).
    """

    interface_id: str
    subnet_id: str
    interface_type: str = ""
    description: str = ""
    requester_id: str = ""
    tags: Mapping[str, str] = field(default_factory=frozen_map)
    #: The account that owns the interface (``OwnerId``): a participant's, in a VPC the
    #: account shares out through AWS RAM.
    owner_id: str = ""


@dataclass(frozen=True)
class VpcSnapshot:
    """Everything evaluation needs to know about one VPC, read in one pass."""

    vpc_id: str
    region: str
    account_id: str
    cidr_blocks: tuple[str, ...]
    dns_support: bool
    dns_hostnames: bool
    ipv6_cidr_blocks: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=frozen_map)
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    #: ``False``: an event did not read the VPC's groups (it holds no interface endpoint, and a
    #: hub serves its every service): the tool's group, if one is left there, is judged by the
    #: sweep, and the run reports nothing on groups (``security_groups`` is then empty).
    security_groups_read: bool = True
    #: Names (without trailing dot) of the Route 53 private hosted zones associated with the VPC.
    private_zones: tuple[str, ...] = ()
    #: The VPC's network interfaces other than plain instance interfaces (see inventory).
    network_interfaces: tuple[NetworkInterface, ...] = ()
    #: The account that owns the VPC (``OwnerId``); differs from ``account_id`` for a VPC
    #: shared with this account through AWS RAM.
    owner_id: str = ""
    #: The region's facts the rules judge the VPC by (zones, what each service offers).
    region_facts: RegionFacts | None = None
    #: ``domain-name-servers`` of the VPC's DHCP options; ``()`` when unknown or not set.
    dns_servers: tuple[str, ...] = ()
    #: Private zones named like a service's DNS that reach the VPC through a Route 53 Profile.
    profile_zones: tuple[str, ...] = ()
    #: Why the VPC's hosted zones could not be read (``""``: they were, or were not needed).
    #: While unknown, no endpoint is planned for a service the VPC has no local endpoint of.
    zones_unknown: str = ""
    #: The VPC's primary IPv4 block (``CidrBlock``): the Amazon DNS server is its base + 2.
    primary_cidr_block: str = ""
    #: VPC Block Public Access exclusions; ``None`` when no subnet needed them.
    block_public_access: BlockPublicAccess | None = None
    #: The hub zones of ``private_zones`` and ``profile_zones``, with their records.
    hub_zones: tuple[HubZone, ...] = ()
    #: Endpoints that serve the VPC from elsewhere (hub zones' targets, the Profile's).
    remote_endpoints: tuple[RemoteEndpoint, ...] = ()
    #: Why the VPC's Route 53 Profile could not be read (judged as "no Profile"); ``""``.
    profiles_unread: str = ""
    #: Resolver rules associated with the VPC; ``None`` when they were not read.
    dns_rules: tuple[DnsRule, ...] | None = None
    #: Why the Resolver rules could not be read (``""``: they were, or were not asked for).
    dns_rules_unread: str = ""
    #: What CloudWatch measured (sweeps and scans); ``None``: not read (an event).
    traffic: Traffic | None = None
    #: How the account shares the VPC's subnets out (AWS RAM); empty when it does not.
    sharing: Sharing = field(default_factory=Sharing)

    @property
    def shared(self) -> bool:
        """True when another account owns the VPC (shared through AWS RAM)."""
        return bool(self.owner_id) and bool(self.account_id) and self.owner_id != self.account_id

    @property
    def name(self) -> str:
        return self.tags.get("Name", "")

    def group(self, group_id: str) -> SecurityGroup | None:
        return next((g for g in self.security_groups if g.group_id == group_id), None)
