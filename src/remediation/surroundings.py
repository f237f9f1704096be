"""Plain, frozen data: what the tool read around a VPC, beyond its own resources.

The region's facts (what each endpoint service offers, VPC Block Public Access exclusions),
where its names resolve (hub zones, the endpoints that serve it from elsewhere, Resolver
rules), what CloudWatch measured (:class:`Traffic`) and how it is shared out (AWS RAM).
:class:`remediation.model.VpcSnapshot` holds them beside the VPC's own resources; like
:mod:`remediation.model`, nothing here talks to AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from remediation.vocabulary import USABLE_ENDPOINT_STATES


def frozen_map(value: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """A read-only copy of ``value``: the default of the snapshot's map fields."""
    return MappingProxyType(dict(value or {}))


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
    #: Why the tool could not read it (``service_name`` is then ``""``); ``""``: not said.
    unread: str = ""

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
    records: Mapping[str, str] = field(default_factory=frozen_map)
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
    exclusions: Mapping[str, str] = field(default_factory=frozen_map)
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
