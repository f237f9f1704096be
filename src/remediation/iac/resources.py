"""What a VPC's code holds: the resources, as plain values both writers read. Pure.

:func:`remediation.iac.spec.describe` makes them from a plan; :mod:`remediation.iac.terraform`
and :mod:`remediation.iac.cloudformation` write them.
"""

from __future__ import annotations

from dataclasses import dataclass

from remediation.vocabulary import EndpointType

Tags = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Rule:
    """One ingress rule of a group in code: TCP 443 (or what a kept rule allows) from a source."""

    protocol: str
    from_port: int | None
    to_port: int | None
    description: str
    cidr_ipv4: str = ""
    cidr_ipv6: str = ""
    source_group_id: str = ""
    prefix_list_id: str = ""

    @property
    def order(self) -> tuple[str, int, str, int, int]:
        """IPv4 blocks, then IPv6 blocks, groups and prefix lists; then by source and ports."""
        sources = (self.cidr_ipv4, self.cidr_ipv6, self.source_group_id, self.prefix_list_id)
        kind = next((n for n, s in enumerate(sources) if s), len(sources))
        return (
            self.protocol,
            kind,
            "".join(sources),
            -1 if self.from_port is None else self.from_port,
            -1 if self.to_port is None else self.to_port,
        )


@dataclass(frozen=True)
class GroupCode:
    """The tool's security group: new (``group_id == ""``) or adopted."""

    name: str
    group_id: str
    group_name: str
    description: str
    vpc_id: str
    rules: tuple[Rule, ...]
    tags: Tags
    #: Adopted: the group as it is now (what an import describes); ``None`` when new.
    current: GroupCode | None = None

    @property
    def adopted(self) -> bool:
        return bool(self.group_id)


@dataclass(frozen=True)
class EndpointCode:
    """An endpoint in code: new (``endpoint_id == ""``) or adopted (the tool created it)."""

    name: str
    endpoint_id: str
    vpc_id: str
    service_name: str
    endpoint_type: EndpointType
    subnet_ids: tuple[str, ...] = ()
    #: Security groups by id; the tool's own group is referred to by ``tool_group`` instead.
    group_ids: tuple[str, ...] = ()
    #: True when the endpoint uses the tool's group (the :class:`GroupCode` of the VPC).
    tool_group: bool = False
    route_table_ids: tuple[str, ...] = ()
    private_dns: bool = False
    #: The endpoint policy (compact JSON, keys sorted); ``""``: EC2's default (full access).
    policy: str = ""
    ip_address_type: str = ""
    dns_record_ip_type: str = ""
    tags: Tags = ()
    #: Adopted: the endpoint as it is now (what an import describes); ``None`` when new.
    current: EndpointCode | None = None

    @property
    def adopted(self) -> bool:
        return bool(self.endpoint_id)

    @property
    def interface(self) -> bool:
        return self.endpoint_type is EndpointType.INTERFACE


@dataclass(frozen=True)
class Repair:
    """A planned repair of an endpoint the tool did not create: the code that owns it changes."""

    endpoint_id: str
    service_name: str
    enable_private_dns: bool = False
    add_subnet_ids: tuple[str, ...] = ()
    add_group_ids: tuple[str, ...] = ()
    #: True when the tool's group (new or adopted, in this code) is to be attached.
    add_tool_group: bool = False
    remove_group_ids: tuple[str, ...] = ()
    add_route_table_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class VpcCode:
    """Everything the code of one VPC holds. ``skipped`` says why there is none."""

    vpc_id: str
    region: str
    account_id: str
    vpc_name: str
    label: str
    #: VPC attributes to turn on (``enableDnsSupport``, ``enableDnsHostnames``), in order.
    dns_attributes: tuple[str, ...] = ()
    group: GroupCode | None = None
    endpoints: tuple[EndpointCode, ...] = ()
    repairs: tuple[Repair, ...] = ()
    #: Why no code is written for this VPC (a shared VPC: its owner's code holds it).
    skipped: str = ""
    #: The VPC's ``ecr-endpoint-guard/mode`` tag, when it has one.
    mode_tag: str = ""

    @property
    def adopted(self) -> tuple[EndpointCode | GroupCode, ...]:
        found: list[EndpointCode | GroupCode] = [e for e in self.endpoints if e.adopted]
        if self.group is not None and self.group.adopted:
            found.insert(0, self.group)
        return tuple(found)

    @property
    def empty(self) -> bool:
        """Nothing to create, adopt or change: the VPC is compliant without the tool's help."""
        return not (self.dns_attributes or self.group or self.endpoints or self.repairs)
