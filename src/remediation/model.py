"""Plain, frozen data: the snapshot of what the tool read about a VPC.

Nothing here talks to AWS or knows about Lambda. Every other module builds or
consumes these values, so they stay small and free of behaviour beyond derived
properties. Verdicts live in :mod:`remediation.findings`, results in
:mod:`remediation.outcomes`; both depend on :mod:`remediation.actions`, which
depends on this module, so imports run one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from remediation.vocabulary import MANAGED_TAG, EndpointType

USABLE_ENDPOINT_STATES = frozenset({"pending", "pendingacceptance", "available"})
GONE_ENDPOINT_STATES = frozenset({"deleted", "rejected", "failed", "expired"})


def _frozen_map(value: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


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
    """One active route of a route table."""

    destination: str  # an IPv4 or IPv6 CIDR, or a prefix list id
    target: str  # gateway, NAT, peering, ... id; "" when unknown


@dataclass(frozen=True)
class RouteTable:
    """A route table, the subnets explicitly associated with it, and its active routes."""

    route_table_id: str
    vpc_id: str
    is_main: bool = False
    subnet_ids: frozenset[str] = frozenset()
    routes: tuple[Route, ...] = ()


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
    tags: Mapping[str, str] = field(default_factory=_frozen_map)
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
    tags: Mapping[str, str] = field(default_factory=_frozen_map)
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
    tags: Mapping[str, str] = field(default_factory=_frozen_map)
    #: The account that owns the interface (``OwnerId``): a participant's, in a VPC the
    #: account shares out through AWS RAM.
    owner_id: str = ""


@dataclass(frozen=True)
class RemoteEndpoint:
    """An interface endpoint that serves the VPC from elsewhere: the target of a hub zone's
    record, or an endpoint a Route 53 Profile carries. ``service_name`` is ``""`` when the
    tool could not read it (another account's)."""

    endpoint_id: str
    service_name: str = ""
    state: str = ""
    vpc_id: str = ""
    owner_id: str = ""
    private_dns_enabled: bool = False
    #: The Route 53 Profile that carries it (``rp-...``); ``""`` for a hub zone's target.
    profile_id: str = ""

    @property
    def usable(self) -> bool:
        return self.state.lower() in USABLE_ENDPOINT_STATES


@dataclass(frozen=True)
class HubZone:
    """A hub's private hosted zone that reaches the VPC, with what its records say.

    ``records`` maps each A/AAAA/CNAME record name (lower case, no trailing dot; ``\\052``
    read as ``*``) to the endpoint id its alias or CNAME points to (``""``: not an endpoint).
    ``checked``: the records were read. Else ``unverified`` says why they cannot be (another
    account's zone, a refused read); both unset: not read in this run (an event).
    """

    name: str
    zone_id: str = ""
    records: Mapping[str, str] = field(default_factory=_frozen_map)
    checked: bool = False
    unverified: str = ""


@dataclass(frozen=True)
class DnsRule:
    """A Route 53 Resolver rule associated with the VPC (or carried by its Profile).

    ``domain`` is lower case without the trailing dot (``""``: the root). For a ``FORWARD``
    rule, ``inbound_vpc`` is the VPC of the Resolver inbound endpoint its targets are (``""``:
    the targets are elsewhere, or unknown) and ``inbound_served`` whether that VPC has the
    services' endpoints (the centralised DNS pattern).
    """

    rule_id: str
    domain: str
    rule_type: str
    name: str = ""
    target_ips: tuple[str, ...] = ()
    inbound_vpc: str = ""
    inbound_served: bool = False


@dataclass(frozen=True)
class ServiceOffer:
    """What an endpoint service offers in the region (``DescribeVpcEndpointServices``).

    EC2 names the zones twice: ``AvailabilityZoneIds`` (botocore 1.40.7 and later parse it)
    and ``AvailabilityZones`` (names, in the caller's own mapping, as its subnets are named).
    An offer naming no zone at all is no offer: every regular AZ counts then.
    """

    service_name: str
    #: AZ IDs where an endpoint of the service can be placed (``()`` when EC2 gave none).
    zone_ids: frozenset[str] = frozenset()
    #: ``SupportedIpAddressTypes``: ``ipv4`` and/or ``ipv6``.
    ip_address_types: tuple[str, ...] = ("ipv4",)
    #: AZ names where it can be placed: compared with the subnets' own zone names when EC2
    #: (or an older botocore) gives no IDs.
    zone_names: frozenset[str] = frozenset()

    @property
    def known(self) -> bool:
        """False when EC2 named no zone: the offer says nothing about placement."""
        return bool(self.zone_ids or self.zone_names)


@dataclass(frozen=True)
class RegionFacts:
    """Region-level reads, cached per execution environment: the services' offers.

    A service absent from ``offers`` (the read failed, or EC2 did not describe it) is
    judged as if every regular AZ offered it.
    """

    offers: tuple[ServiceOffer, ...] = ()

    def offer(self, service_name: str) -> ServiceOffer | None:
        return next((o for o in self.offers if o.service_name == service_name), None)


#: Exclusion states under which a VPC Block Public Access exclusion is in force
#: (``VpcBlockPublicAccessExclusion.State``; a failed update keeps the exclusion).
ACTIVE_EXCLUSION_STATES = frozenset(
    {"create-complete", "update-in-progress", "update-complete", "update-failed"}
)


@dataclass(frozen=True)
class BlockPublicAccess:
    """The region's VPC Block Public Access exclusions, as far as the tool needed them.

    The mode comes from the subnets themselves (``Subnet.block_public_access``); the
    exclusions (``DescribeVpcBlockPublicAccessExclusions``) are read only when a subnet with
    an internet gateway route reports ``block-bidirectional``.
    """

    #: Resource id (``vpc-...`` or ``subnet-...``) -> exclusion mode, for exclusions in force.
    exclusions: Mapping[str, str] = field(default_factory=_frozen_map)
    #: Why the exclusions could not be read (``""``: read, or not needed). Judged as "off".
    unknown: str = ""

    def excluded(self, vpc_id: str, subnet_id: str) -> bool:
        """Whether an exclusion (``allow-bidirectional`` or ``allow-egress``) lets egress out."""
        return vpc_id in self.exclusions or subnet_id in self.exclusions


#: No bytes measured (the default of :class:`Traffic`'s maps: shared, read-only).
NO_BYTES: Mapping[str, float] = MappingProxyType({})


class Traffic(NamedTuple):
    """Bytes CloudWatch measured for a VPC (:mod:`remediation.aws.metrics`), by resource.

    ``start``..``end`` is the traffic window (:attr:`days` whole UTC days); the unused-endpoint
    check looks back to ``long_start`` (:attr:`long_days`). ``error`` says why nothing could be
    read (then every figure is empty). A named tuple: every module imports this one, and a
    frozen dataclass costs the handler's cold start more.
    """

    start: str = ""
    end: str = ""
    long_start: str = ""
    #: Interface endpoint id -> ``BytesProcessed`` over the window.
    endpoint_bytes: Mapping[str, float] = NO_BYTES
    #: Interface endpoint id -> ``BytesProcessed`` since ``long_start``.
    endpoint_bytes_long: Mapping[str, float] = NO_BYTES
    #: NAT gateway id (on a private route table) -> bytes processed over the window.
    nat_bytes: Mapping[str, float] = NO_BYTES
    error: str = ""
    days: int = 14
    long_days: int = 30

    @property
    def endpoints_total(self) -> float:
        return float(sum(self.endpoint_bytes.values()))

    @property
    def nat_total(self) -> float:
        return float(sum(self.nat_bytes.values()))

    def as_dict(self) -> dict[str, object]:
        return {
            "days": self.days,
            "start": self.start,
            "end": self.end,
            "endpoint_bytes": self.endpoints_total,
            "nat_bytes": self.nat_total,
            "endpoints": dict(self.endpoint_bytes),
            "nat_gateways": dict(self.nat_bytes),
            **({"error": self.error} if self.error else {}),
        }


@dataclass(frozen=True)
class Sharing:
    """How the VPC's subnets are shared out through AWS RAM, as its owner reads it.

    Empty when they are not shared (or the shares could not be read: ``unknown`` says why).
    """

    #: The VPC's subnets in a resource share of the account.
    subnet_ids: frozenset[str] = frozenset()
    #: Participant accounts the shares name (an IAM principal counts for its account).
    accounts: frozenset[str] = frozenset()
    #: Organisations the subnets are shared with (an organisation's or an OU's ARN).
    organization_ids: frozenset[str] = frozenset()
    #: Participant accounts RAM marks ``external``: outside the owner's organisation.
    external: frozenset[str] = frozenset()
    #: Principals the tool cannot turn into an account or an organisation.
    unnamed: tuple[str, ...] = ()
    #: Why RAM refused to list the shares or their principals (``""``: it did not). A refused
    #: read is judged "not shared" (or "with nobody named").
    unknown: str = ""
    #: Why the shares or their principals could not be read for another reason: whether (or
    #: with whom) the VPC is shared is not known, and no policy that depends on it is written.
    unread: str = ""

    @property
    def shared(self) -> bool:
        return bool(self.subnet_ids)


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
    tags: Mapping[str, str] = field(default_factory=_frozen_map)
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
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
