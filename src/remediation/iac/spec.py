"""From a VPC's plan to the resources its code should hold. Pure.

The same plan as auto-fix (:func:`remediation.engine.assess`) becomes a :class:`VpcCode`:

* a planned create (``CreateInterfaceEndpoint``, ``CreateGatewayEndpoint``,
  ``CreateSecurityGroup``) is a **new** resource, as the executor would create it: the same
  subnets, route tables, group rules and policy;
* a resource the tool created (tag ``ecr-endpoint-guard/managed=true``) is an **adopted**
  resource: the code the way it should be (its current configuration plus the plan's repairs
  of it) and, in ``current``, the way it is now (what an import must describe). The
  adopted code drops the tool's own tags: once the code applies, the resource is the
  code's, and the tool never edits or releases it again;
* a repair of an endpoint the tool did not create is a :class:`Repair`: the change, spelled
  out, for the code that owns that endpoint;
* the DNS attributes to turn on, for the user's own ``aws_vpc`` (the tool cannot know it).

Names are stable and readable: the VPC's ``Name`` tag (else its id) and the service, as
identifiers (``prod_east_ecr_api``). Every sequence is sorted: the same snapshot and plan
always give the same code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from remediation.actions import (
    HTTPS_RULE_DESCRIPTION,
    TOOL_GROUP,
    TOOL_GROUP_DESCRIPTION,
    Action,
    AuthorizeIngress,
    CreateGatewayEndpoint,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
    EnableVpcAttribute,
    ModifyEndpoint,
    RevokeIngress,
)
from remediation.model import (
    TAG_PREFIX,
    Endpoint,
    EndpointType,
    IngressRule,
    SecurityGroup,
    VpcSnapshot,
)
from remediation.topology import tool_group

#: The description of a group the code creates (the user's, not the tool's).
NEW_GROUP_DESCRIPTION = "HTTPS to VPC endpoints from the VPC only"
#: EC2's limits: a tag value of 256 characters, a group name of 255.
TAG_VALUE_LIMIT = 256
GROUP_NAME_LIMIT = 255
#: Tags AWS reserves (``aws:``): no code can set them, so none is written.
_RESERVED_TAG = "aws:"
_NOT_IDENTIFIER = re.compile(r"[^a-z0-9]+")
#: Control characters and what YAML also takes for a line break (NEL, LS, PS).
_UNSAFE_IN_COMMENT = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")

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


def identifier(text: str) -> str:
    """A resource name from any text: lowercase letters, digits and ``_``, starting with a letter.

    >>> identifier("Prod East (10.0.0.0/16)")
    'prod_east_10_0_0_0_16'
    >>> identifier("123-shared")
    'vpc_123_shared'
    """
    name = _NOT_IDENTIFIER.sub("_", text.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"vpc_{name}".rstrip("_")
    return name


def comment_text(text: str) -> str:
    """The VPC's own text (its tags) for a comment of the code: no line break or control
    character, which would end the comment and start code (EC2 allows any character in a tag).

    >>> comment_text("prod\\nresource x {}")
    'prod resource x {}'
    """
    return _UNSAFE_IN_COMMENT.sub(" ", text)


def vpc_label(snapshot: VpcSnapshot) -> str:
    """The stem of every name in the VPC's code: its ``Name`` tag, else its id."""
    return identifier(snapshot.name or snapshot.vpc_id)


def unique_labels(snapshots: Iterable[VpcSnapshot]) -> dict[str, str]:
    """Labels by VPC id; VPCs that share a ``Name`` tag get their id appended, so that the
    files of one output directory never declare the same name twice.

    >>> from remediation.model import VpcSnapshot
    >>> def vpc(i, name):
    ...     return VpcSnapshot(i, "r", "1", (), True, True, tags={"Name": name})
    >>> unique_labels([vpc("vpc-1", "prod"), vpc("vpc-2", "prod"), vpc("vpc-3", "dev")])
    {'vpc-1': 'prod_vpc_1', 'vpc-2': 'prod_vpc_2', 'vpc-3': 'dev'}
    """
    items = list(snapshots)
    stems = [vpc_label(s) for s in items]
    return {
        s.vpc_id: stem if stems.count(stem) == 1 else f"{stem}_{identifier(s.vpc_id)}"
        for s, stem in zip(items, stems, strict=True)
    }


def short_service(service_name: str, region: str) -> str:
    """``ecr.api`` for ``com.amazonaws.<region>.ecr.api``; the whole name for other services."""
    prefix = f"com.amazonaws.{region}."
    return service_name[len(prefix) :] if service_name.startswith(prefix) else service_name


def endpoint_name(label: str, service: str, endpoint_type: EndpointType) -> str:
    """``<label>_<service>``, and ``_gateway`` for a gateway endpoint (``prod_s3_gateway``)."""
    suffix = "_gateway" if endpoint_type is EndpointType.GATEWAY else ""
    return f"{label}_{identifier(service)}{suffix}"


def canonical_policy(text: str) -> str:
    """A policy as compact JSON with sorted keys (``""`` stays ``""``; unreadable text as is)."""
    if not text.strip():
        return ""
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return text


def user_tags(tags: Iterable[tuple[str, str]]) -> Tags:
    """Tags the code keeps: not AWS's own, not the tool's (``ecr-endpoint-guard/...``)."""
    return tuple(
        sorted(
            (k, v)
            for k, v in tags
            if not k.startswith(_RESERVED_TAG) and not k.startswith(f"{TAG_PREFIX}/")
        )
    )


def _name(display: str, what: str) -> Tags:
    """The ``Name`` tag ``<VPC name> <what>``, within EC2's limit (the VPC's name shortened).

    >>> len(_name("x" * 300, "ecr.api")[0][1])
    256
    """
    room = TAG_VALUE_LIMIT - len(what) - 1
    return (("Name", f"{display[:room].rstrip()} {what}"),)


def _group_name(label: str) -> str:
    """The name of a group the code creates: ``<label>-vpc-endpoints``, within EC2's limit."""
    suffix = "-vpc-endpoints"
    return label.replace("_", "-")[: GROUP_NAME_LIMIT - len(suffix)].rstrip("-") + suffix


def _current_tags(tags: Iterable[tuple[str, str]]) -> Tags:
    return tuple(sorted((k, v) for k, v in tags if not k.startswith(_RESERVED_TAG)))


def _rule(rule: IngressRule) -> Rule:
    return Rule(
        protocol=rule.protocol,
        from_port=rule.from_port,
        to_port=rule.to_port,
        description=rule.description,
        cidr_ipv4=rule.cidr_ipv4 or "",
        cidr_ipv6=rule.cidr_ipv6 or "",
        source_group_id=rule.source_group_id or "",
        prefix_list_id=rule.prefix_list_id or "",
    )


def https_rule(cidr: str) -> Rule:
    """TCP 443 from one block of the VPC, described as the executor describes it."""
    v6 = ":" in cidr
    return Rule(
        protocol="tcp",
        from_port=443,
        to_port=443,
        description=HTTPS_RULE_DESCRIPTION,
        cidr_ipv4="" if v6 else cidr,
        cidr_ipv6=cidr if v6 else "",
    )


def _sorted_rules(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    unique = {r.order: r for r in rules}
    return tuple(unique[k] for k in sorted(unique))


def _group(
    snapshot: VpcSnapshot, label: str, actions: Sequence[Action]
) -> tuple[GroupCode | None, str]:
    """The tool's group in code, and its id (``""`` when new or absent)."""
    name = f"{label}_endpoints"
    display = snapshot.name or snapshot.vpc_id
    owned = tool_group(snapshot)
    create = next((a for a in actions if isinstance(a, CreateSecurityGroup)), None)
    if owned is None:
        if create is None:
            return None, ""
        return (
            GroupCode(
                name=name,
                group_id="",
                group_name=_group_name(label),
                description=NEW_GROUP_DESCRIPTION,
                vpc_id=snapshot.vpc_id,
                rules=_sorted_rules(https_rule(c) for c in create.cidr_blocks),
                tags=_name(display, "VPC endpoints"),
            ),
            "",
        )
    return _adopted_group(owned, name, actions), owned.group_id


def _adopted_group(owned: SecurityGroup, name: str, actions: Sequence[Action]) -> GroupCode:
    current_rules = tuple(_rule(r) for r in owned.ingress)
    revoked = {
        _rule(r).order
        for a in actions
        if isinstance(a, RevokeIngress) and a.group_id == owned.group_id
        for r in a.rules
    }
    added = [
        https_rule(c)
        for a in actions
        if isinstance(a, AuthorizeIngress) and a.group_id in (owned.group_id, TOOL_GROUP)
        for c in a.cidr_blocks
    ]
    # Rules someone added and the plan keeps stay exactly as they are, description included
    # (a changed description would replace the rule: a connection through it could drop).
    kept = [r for r in current_rules if r.order not in revoked]
    current = GroupCode(
        name=name,
        group_id=owned.group_id,
        group_name=owned.group_name,
        description=owned.description or TOOL_GROUP_DESCRIPTION,
        vpc_id=owned.vpc_id,
        rules=_sorted_rules(current_rules),
        tags=_current_tags(owned.tags.items()),
    )
    return replace(
        current,
        rules=_sorted_rules([*kept, *added]),
        tags=user_tags(owned.tags.items()),
        current=current,
    )


def _endpoint_as_is(endpoint: Endpoint, name: str, tool_group_id: str) -> EndpointCode:
    interface = endpoint.endpoint_type is EndpointType.INTERFACE
    return EndpointCode(
        name=name,
        endpoint_id=endpoint.endpoint_id,
        vpc_id=endpoint.vpc_id,
        service_name=endpoint.service_name,
        endpoint_type=endpoint.endpoint_type,
        subnet_ids=tuple(sorted(endpoint.subnet_ids)),
        group_ids=tuple(sorted(g for g in endpoint.group_ids if g != tool_group_id)),
        tool_group=bool(tool_group_id) and tool_group_id in endpoint.group_ids,
        route_table_ids=tuple(sorted(endpoint.route_table_ids)),
        private_dns=endpoint.private_dns_enabled if interface else False,
        policy=canonical_policy(endpoint.policy_document),
        ip_address_type=endpoint.ip_address_type if interface else "",
        tags=_current_tags(endpoint.tags.items()),
    )


def _adopted_endpoint(
    endpoint: Endpoint, name: str, tool_group_id: str, repairs: Sequence[ModifyEndpoint]
) -> EndpointCode:
    current = _endpoint_as_is(endpoint, name, tool_group_id)
    subnets = set(current.subnet_ids)
    groups = set(current.group_ids)
    tables = set(current.route_table_ids)
    uses_tool_group = current.tool_group
    private_dns = current.private_dns
    policy = current.policy
    for repair in repairs:
        subnets |= set(repair.add_subnet_ids)
        added = set(repair.add_group_ids) - {TOOL_GROUP, tool_group_id}
        uses_tool_group = uses_tool_group or bool(
            {TOOL_GROUP, tool_group_id} & set(repair.add_group_ids)
        )
        groups = (groups | added) - set(repair.remove_group_ids)
        if tool_group_id in repair.remove_group_ids:
            uses_tool_group = False
        tables |= set(repair.add_route_table_ids)
        private_dns = private_dns or repair.enable_private_dns
        policy = canonical_policy(repair.policy_document) or policy
    return replace(
        current,
        subnet_ids=tuple(sorted(subnets)),
        group_ids=tuple(sorted(groups)),
        tool_group=uses_tool_group,
        route_table_ids=tuple(sorted(tables)),
        private_dns=private_dns,
        policy=policy,
        tags=user_tags(endpoint.tags.items()),
        current=current,
    )


def _new_endpoint(
    action: CreateInterfaceEndpoint | CreateGatewayEndpoint, label: str, display: str, region: str
) -> EndpointCode:
    service = short_service(action.service_name, region)
    if isinstance(action, CreateGatewayEndpoint):
        return EndpointCode(
            name=endpoint_name(label, service, EndpointType.GATEWAY),
            endpoint_id="",
            vpc_id=action.vpc_id,
            service_name=action.service_name,
            endpoint_type=EndpointType.GATEWAY,
            route_table_ids=tuple(sorted(action.route_table_ids)),
            policy=canonical_policy(action.policy_document),
            tags=_name(display, f"{service} gateway"),
        )
    return EndpointCode(
        name=endpoint_name(label, service, EndpointType.INTERFACE),
        endpoint_id="",
        vpc_id=action.vpc_id,
        service_name=action.service_name,
        endpoint_type=EndpointType.INTERFACE,
        subnet_ids=tuple(sorted(action.subnet_ids)),
        group_ids=tuple(sorted(g for g in action.group_ids if g != TOOL_GROUP)),
        tool_group=TOOL_GROUP in action.group_ids,
        private_dns=True,
        policy=canonical_policy(action.policy_document),
        ip_address_type=action.ip_address_type,
        dns_record_ip_type=action.dns_record_ip_type,
        tags=_name(display, service),
    )


def _repair(endpoint_id: str, service: str, parts: Sequence[ModifyEndpoint], group: str) -> Repair:
    def union(values: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(set(values)))

    added = [g for p in parts for g in p.add_group_ids]
    return Repair(
        endpoint_id=endpoint_id,
        service_name=service,
        enable_private_dns=any(p.enable_private_dns for p in parts),
        add_subnet_ids=union(s for p in parts for s in p.add_subnet_ids),
        add_group_ids=union(g for g in added if g not in (TOOL_GROUP, group)),
        add_tool_group=any(g in (TOOL_GROUP, group) for g in added),
        remove_group_ids=union(g for p in parts for g in p.remove_group_ids),
        add_route_table_ids=union(r for p in parts for r in p.add_route_table_ids),
    )


def describe(snapshot: VpcSnapshot, actions: Sequence[Action], *, label: str = "") -> VpcCode:
    """The code of one VPC from its snapshot and its plan (``engine.assess``'s actions).

    ``label`` overrides the names' stem (see :func:`unique_labels`).
    """
    label = label or vpc_label(snapshot)
    display = snapshot.name or snapshot.vpc_id
    base = VpcCode(
        vpc_id=snapshot.vpc_id,
        region=snapshot.region,
        account_id=snapshot.account_id,
        vpc_name=snapshot.name,
        label=label,
        mode_tag=snapshot.tags.get(f"{TAG_PREFIX}/mode", ""),
    )
    if snapshot.shared:
        return replace(
            base,
            skipped=f"owned by account {snapshot.owner_id} (shared through AWS RAM): "
            "its endpoints belong in the owner's code",
        )
    group, group_id = _group(snapshot, label, actions)
    modifies: dict[str, list[ModifyEndpoint]] = {}
    for action in actions:
        if isinstance(action, ModifyEndpoint):
            modifies.setdefault(action.endpoint_id, []).append(action)
    endpoints: list[EndpointCode] = []
    repairs: list[Repair] = []
    names: set[str] = set()
    for endpoint in sorted(snapshot.endpoints, key=lambda e: (e.service_name, e.endpoint_id)):
        if not (endpoint.owned and endpoint.usable and endpoint.vpc_id == snapshot.vpc_id):
            continue
        service = short_service(endpoint.service_name, snapshot.region)
        name = endpoint_name(label, service, endpoint.endpoint_type)
        if name in names:  # a second endpoint of one service: named by its id too
            name = f"{name}_{identifier(endpoint.endpoint_id)}"
        names.add(name)
        endpoints.append(
            _adopted_endpoint(endpoint, name, group_id, modifies.pop(endpoint.endpoint_id, []))
        )
    for endpoint_id in sorted(modifies):
        parts = modifies[endpoint_id]
        repairs.append(_repair(endpoint_id, parts[0].service_name, parts, group_id))
    for action in actions:
        if isinstance(action, CreateInterfaceEndpoint | CreateGatewayEndpoint):
            endpoints.append(_new_endpoint(action, label, display, snapshot.region))
    return replace(
        base,
        dns_attributes=tuple(a.attribute for a in actions if isinstance(a, EnableVpcAttribute)),
        group=group,
        endpoints=tuple(sorted(endpoints, key=lambda e: (e.adopted is False, e.name))),
        repairs=tuple(repairs),
    )
