"""Planning: from findings to the smallest ordered list of repairs. Pure.

Order: DNS support, then DNS hostnames (EC2 refuses hostnames while support
is off), then the tool's security group (created before anything uses it),
then repairs of existing endpoints, then new endpoints.

Idempotency tokens
------------------
``CreateVpcEndpoint`` takes a ``ClientToken``: the same token returns the same
endpoint instead of making a second one. The token is derived from what the
run saw, not from the run itself::

    sha256(vpc id | service name | sorted ids of every endpoint of that service
           in the VPC, in any state | UTC day)

So two runs that see the same VPC (two events for one VPC, a Lambda retry, a
CLI run racing the Lambda) send the same token and EC2 makes one endpoint;
while a legitimate re-creation after a deletion sends a new one, because the
deleted endpoint is still listed (state ``deleted``) or, once EC2 has
forgotten it, the day has changed.

Two cases need the executor's help:

* Two runs for *different* events send the same token with different tags (the
  event id is a tag): EC2 answers ``IdempotentParameterMismatch`` to the second,
  whose fresh read then finds the first one's endpoint (``already-done``).
* EC2 forgets a deleted endpoint on the day it was created, and the tool must
  create it again that day: the token repeats and EC2 returns the old, deleted
  endpoint. The executor then creates once more with a token derived from that
  endpoint's id (``eeg-2-...``, so still the same for two racing runs). If
  the repeat comes back as ``IdempotentParameterMismatch`` instead, nothing usable
  is found and the action fails, reported, until the next UTC day's token.

``tests/test_concurrency.py`` proves two concurrent runs send one token and make
one endpoint per service.
"""

from __future__ import annotations

import dataclasses
import hashlib

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
from remediation.topology import tool_group

TOOL_GROUP_REASON = "tool-group-needed"


def client_token(snapshot: VpcSnapshot, service_name: str, day: str) -> str:
    """The idempotency token for creating ``service_name``'s endpoint in this VPC (64 chars max)."""
    seen = sorted(e.endpoint_id for e in snapshot.endpoints if e.service_name == service_name)
    material = "|".join([snapshot.vpc_id, service_name, ",".join(seen), day])
    return "eeg-" + hashlib.sha256(material.encode()).hexdigest()[:40]


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


def plan(snapshot: VpcSnapshot, findings: tuple[Finding, ...], *, day: str) -> tuple[Action, ...]:
    """The repairs the findings ask for, merged per endpoint, de-duplicated and ordered.

    ``day`` (``YYYY-MM-DD``, UTC) goes into the idempotency tokens; it is an
    argument so that planning stays a pure function.
    """
    merged: dict[str, ModifyEndpoint] = {}
    others: list[Action] = []
    for action in (r for f in findings for r in f.repairs):
        if isinstance(action, ModifyEndpoint):
            prior = merged.get(action.endpoint_id)
            merged[action.endpoint_id] = prior.merged(action) if prior else action
        elif isinstance(action, CreateInterfaceEndpoint | CreateGatewayEndpoint):
            token = client_token(snapshot, action.service_name, day)
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
                cidr_blocks=snapshot.cidr_blocks,
            )
        )
    return tuple(sorted(actions, key=_rank))
