"""Every supported EventBridge event shape, in one place.

:func:`parse_event` turns an EventBridge envelope into a :class:`Trigger` (what
to evaluate) or a :class:`Refusal` (why nothing is done). It never raises and
never calls AWS: ids that an event carries but that need a read to become VPC
ids (endpoint, subnet, route table, security group ids) are returned for the
inventory to resolve. Every id is validated here before it can reach an API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Trigger:
    """An event understood: which VPCs (or ids leading to them) to evaluate."""

    event_id: str
    event_name: str  # the CloudTrail eventName, or "Scheduled Event" for the sweep
    account_id: str
    region: str
    actor_arn: str = ""  # detail.userIdentity.arn, "" for the sweep
    vpc_ids: tuple[str, ...] = ()
    endpoint_ids: tuple[str, ...] = ()  # to resolve (DeleteVpcEndpoints, ModifyVpcEndpoint)
    subnet_ids: tuple[str, ...] = ()  # to resolve (AssociateRouteTable)
    route_table_ids: tuple[str, ...] = ()  # to resolve (Associate/ReplaceRouteTableAssociation)
    group_ids: tuple[str, ...] = ()  # to resolve (security group rule changes)
    sweep: bool = False  # evaluate every VPC of the region

    @property
    def needs_resolution(self) -> bool:
        return bool(self.endpoint_ids or self.subnet_ids or self.route_table_ids or self.group_ids)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event_id": self.event_id,
            "event_name": self.event_name,
            "account_id": self.account_id,
            "region": self.region,
        }
        for key in ("vpc_ids", "endpoint_ids", "subnet_ids", "route_table_ids", "group_ids"):
            if getattr(self, key):
                data[key] = list(getattr(self, key))
        if self.sweep:
            data["sweep"] = True
        return data


@dataclass(frozen=True)
class Refusal:
    """An event not acted on, and why.

    ``ignored`` is True for events understood but deliberately left alone (a
    failed call, the tool's own call); False for events that are malformed or
    not supported.
    """

    reason: str
    event_id: str = ""
    event_name: str = ""
    ignored: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "refused": True,
            "ignored": self.ignored,
            "reason": self.reason,
            "event_id": self.event_id,
            "event_name": self.event_name,
        }
