"""Planning: from findings to the smallest ordered list of repairs. Pure.

Order: DNS support, then DNS hostnames (EC2 refuses hostnames while support
is off), then the tool's security group (created before anything uses it),
then repairs of existing endpoints, then new endpoints.

One refusal blocks nothing else
-------------------------------
Repairs of one endpoint are merged into one ``ModifyVpcEndpoint``, except AZ
additions: EC2 refuses a whole call when one subnet is refused (a zone the
service does not offer, a subnet without free addresses), so new subnets go in
a call of their own and a refused zone never blocks a private-DNS or security
group repair. Each missing or wrong item still costs at most one write.

Creates carry an idempotency token; the scheme lives in :mod:`remediation.tokens`.
"""

from __future__ import annotations

import dataclasses

from remediation.actions import (
    TOOL_GROUP_NAME,
    Action,
    AuthorizeIngress,
    CreateGatewayEndpoint,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
    EnableVpcAttribute,
    ModifyEndpoint,
    RevokeIngress,
    uses_tool_group,
)
from remediation.findings import Finding
from remediation.model import VpcSnapshot
from remediation.tokens import client_token as _token
from remediation.topology.consumers import vpc_blocks
from remediation.topology.endpoints import tool_group

TOOL_GROUP_REASON = "tool-group-needed"


def client_token(snapshot: VpcSnapshot, service_name: str, day: str) -> str:
    """The idempotency token for creating ``service_name``'s endpoint in this VPC (64 chars max)."""
    seen = [e.endpoint_id for e in snapshot.endpoints if e.service_name == service_name]
    return _token(snapshot.vpc_id, service_name, seen, day)


def _split(action: ModifyEndpoint) -> tuple[ModifyEndpoint, ...]:
    """AZ additions apart from every other repair of the endpoint (see the module's text)."""
    if not action.add_subnet_ids:
        return (action,)
    rest = dataclasses.replace(action, add_subnet_ids=())
    subnets = ModifyEndpoint(
        vpc_id=action.vpc_id,
        reason=action.reason,
        endpoint_id=action.endpoint_id,
        service_name=action.service_name,
        add_subnet_ids=action.add_subnet_ids,
    )
    others = (
        rest.enable_private_dns
        or rest.add_group_ids
        or rest.remove_group_ids
        or rest.add_route_table_ids
        or rest.policy_document
    )
    return (rest, subnets) if others else (subnets,)


def _rank(action: Action) -> int:
    if isinstance(action, EnableVpcAttribute):
        return 0 if action.attribute == "enableDnsSupport" else 1
    order: tuple[type[Action], ...] = (
        CreateSecurityGroup,
        AuthorizeIngress,
        RevokeIngress,
        ModifyEndpoint,
        CreateInterfaceEndpoint,
        CreateGatewayEndpoint,
    )
    return 2 + order.index(type(action))


def _token_service(action: Action, earlier: list[Action]) -> str:
    """What a create's token is made of: the service, and for a second gateway endpoint of the
    same service in one plan (inspected route tables get their own, with the perimeter policy)
    its route tables, so that the two creates do not share a token."""
    service = str(getattr(action, "service_name", ""))
    twin = any(isinstance(a, CreateGatewayEndpoint) and a.service_name == service for a in earlier)
    tables = getattr(action, "route_table_ids", ())
    return f"{service}|{','.join(tables)}" if twin and tables else service


def plan(snapshot: VpcSnapshot, findings: tuple[Finding, ...], *, day: str) -> tuple[Action, ...]:
    """The repairs the findings ask for, merged per endpoint, de-duplicated and ordered.

    ``day`` (``YYYY-MM-DD``, UTC) goes into the idempotency tokens; it is an
    argument so that planning stays a pure function.
    """
    merged: dict[tuple[str, bool], ModifyEndpoint] = {}
    others: list[Action] = []
    for action in (r for f in findings for r in f.repairs):
        if isinstance(action, ModifyEndpoint):
            for part in _split(action):
                key = (part.endpoint_id, bool(part.add_subnet_ids))
                prior = merged.get(key)
                merged[key] = prior.merged(part) if prior else part
        elif isinstance(action, CreateInterfaceEndpoint | CreateGatewayEndpoint):
            token = client_token(snapshot, _token_service(action, others), day)
            others.append(dataclasses.replace(action, client_token=token))
        elif action not in others:
            others.append(action)
    actions: list[Action] = [*others, *merged.values()]
    if tool_group(snapshot) is None and any(uses_tool_group(a) for a in actions):
        actions.append(
            CreateSecurityGroup(
                vpc_id=snapshot.vpc_id,
                reason=TOOL_GROUP_REASON,
                group_name=TOOL_GROUP_NAME,
                cidr_blocks=vpc_blocks(snapshot),
            )
        )
    return tuple(sorted(actions, key=_rank))
