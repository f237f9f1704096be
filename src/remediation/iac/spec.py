"""From a VPC's plan to the resources its code should hold. Pure.

The same plan as auto-fix (:func:`remediation.engine.vpc.assess`) becomes a :class:`VpcCode`:

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

from collections.abc import Iterable, Sequence
from dataclasses import replace

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
from remediation.iac.names import (
    canonical_policy,
    current_tags,
    endpoint_name,
    group_name,
    identifier,
    name_tag,
    short_service,
    user_tags,
    vpc_label,
)
from remediation.iac.resources import EndpointCode, GroupCode, Repair, Rule, VpcCode
from remediation.model import Endpoint, IngressRule, SecurityGroup, VpcSnapshot
from remediation.topology.endpoints import tool_group
from remediation.vocabulary import TAG_PREFIX, EndpointType

#: The description of a group the code creates (the user's, not the tool's).
NEW_GROUP_DESCRIPTION = "HTTPS to VPC endpoints from the VPC only"


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
                group_name=group_name(label),
                description=NEW_GROUP_DESCRIPTION,
                vpc_id=snapshot.vpc_id,
                rules=_sorted_rules(https_rule(c) for c in create.cidr_blocks),
                tags=name_tag(display, "VPC endpoints"),
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
        tags=current_tags(owned.tags.items()),
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
        tags=current_tags(endpoint.tags.items()),
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
            tags=name_tag(display, f"{service} gateway"),
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
        tags=name_tag(display, service),
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
            code = _new_endpoint(action, label, display, snapshot.region)
            if code.name in names:  # a second gateway of one service (inspected route tables)
                first = code.route_table_ids[0] if code.route_table_ids else str(len(names))
                code = replace(code, name=f"{code.name}_{identifier(first)}")
            names.add(code.name)
            endpoints.append(code)
    return replace(
        base,
        dns_attributes=tuple(a.attribute for a in actions if isinstance(a, EnableVpcAttribute)),
        group=group,
        endpoints=tuple(sorted(endpoints, key=lambda e: (e.adopted is False, e.name))),
        repairs=tuple(repairs),
    )
