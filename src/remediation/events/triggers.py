"""What an event asks for: a :class:`Trigger` (what to evaluate) or a :class:`Refusal` (why not).

The contract between the event parsers (:mod:`remediation.events.parse` for CloudTrail and the
schedule, :mod:`remediation.events.securityhub` for Security Hub) and the engine, with the
patterns every id is validated against before it can reach an API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final


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
    #: A person approved repairs of these VPCs (Security Hub custom action): see securityhub_events.
    approval: bool = False
    #: Security Hub findings the event came from, as (Id, ProductArn), for their workflow status.
    finding_refs: tuple[tuple[str, str], ...] = ()

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
        if self.approval:
            data["approval"] = True
        if self.finding_refs:
            data["finding_ids"] = [finding_id for finding_id, _ in self.finding_refs]
        return data


#: :attr:`Refusal.code` of a Security Hub event whose finding names a VPC of another account.
STEERING_REFUSED: Final = "finding-account-mismatch"


@dataclass(frozen=True)
class Refusal:
    """An event not acted on, and why.

    ``ignored`` is True for events understood but deliberately left alone (a
    failed call, the tool's own call); False for events that are malformed or
    not supported. ``code`` names a refusal the faces count on their own (a finding that
    tried to steer a repair into another account: :data:`STEERING_REFUSED`).
    """

    reason: str
    event_id: str = ""
    event_name: str = ""
    ignored: bool = False
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "refused": True,
            "ignored": self.ignored,
            "reason": self.reason,
            "event_id": self.event_id,
            "event_name": self.event_name,
            **({"code": self.code} if self.code else {}),
        }


#: The source of Security Hub's events (read by ``remediation.events.securityhub``).
SECURITY_HUB_SOURCE: Final = "aws.securityhub"
REGION: Final = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")
EVENT_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")

#: Id pattern for each Trigger field: a prefix and 8 or 17 lowercase hex digits.
ID_PATTERNS: Final[Mapping[str, re.Pattern[str]]] = {
    field: re.compile(rf"{prefix}-(?:[0-9a-f]{{8}}|[0-9a-f]{{17}})")
    for field, prefix in (
        ("vpc_ids", "vpc"),
        ("endpoint_ids", "vpce"),
        ("subnet_ids", "subnet"),
        ("route_table_ids", "rtb"),
        ("group_ids", "sg"),
    )
}
