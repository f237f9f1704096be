"""Which VPCs an event concerns: the ids it carries resolved to VPC ids, with few reads.

An event names VPCs, or ids that lead to them (endpoints, subnets, route tables, security
groups): one filtered read per kind turns those into VPC ids. When nothing resolves (or the
read failed), every VPC of the region is evaluated: better a sweep than nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_code, error_text
from remediation.aws.paging import pages
from remediation.events.triggers import Trigger


@dataclass(frozen=True)
class Resolution:
    """The VPCs an event concerns, and anything that could not be resolved."""

    vpc_ids: tuple[str, ...]
    sweep: bool = False
    note: str = ""


def resolve(ec2: Any, trigger: Trigger) -> Resolution:
    """Turn the ids an event carries into VPC ids, with as few calls as possible.

    Endpoint ids EC2 has forgotten are asked for one by one, so that the others
    resolve; when none resolves (or the read failed), every VPC of the region is
    evaluated: better a sweep than nothing.
    """
    if trigger.sweep:
        return Resolution((), sweep=True)
    found: list[str] = list(trigger.vpc_ids)
    notes: list[str] = []
    if trigger.endpoint_ids:
        try:
            items = list(
                pages(
                    ec2,
                    "describe_vpc_endpoints",
                    "VpcEndpoints",
                    VpcEndpointIds=list(trigger.endpoint_ids),
                )
            )
        except (ClientError, BotoCoreError) as exc:
            # EC2 refuses the whole call when it has forgotten one id: ask per id, so that
            # the ids it still knows resolve (a read failure still falls back to a sweep).
            if error_code(exc) != "InvalidVpcEndpointId.NotFound":
                return Resolution((), sweep=True, note=f"{error_text(exc)}; sweeping the region")
            items, forgotten = _endpoints_one_by_one(ec2, trigger.endpoint_ids)
            if not items:
                return Resolution((), sweep=True, note=f"{error_text(exc)}; sweeping the region")
            notes.append(f"EC2 no longer knows {', '.join(forgotten)}")
        found += sorted({str(i["VpcId"]) for i in items if i.get("VpcId")})
    # A route table names its VPC, so a subnet id beside it adds nothing.
    lookups = (
        ("describe_route_tables", "RouteTables", "route-table-id", trigger.route_table_ids),
        (
            "describe_subnets",
            "Subnets",
            "subnet-id",
            () if trigger.route_table_ids else trigger.subnet_ids,
        ),
        ("describe_security_groups", "SecurityGroups", "group-id", trigger.group_ids),
    )
    for operation, key, name, ids in lookups:
        if not ids:
            continue
        filters = [{"Name": name, "Values": list(ids)}]
        try:
            items = list(pages(ec2, operation, key, Filters=filters))
        except (ClientError, BotoCoreError) as exc:
            notes.append(f"{operation} failed: {error_text(exc)}")
            continue
        found += sorted({str(i["VpcId"]) for i in items if i.get("VpcId")})
        if not items:
            notes.append(f"could not resolve {', '.join(ids)} to a VPC (deleted since?)")
    unique = tuple(dict.fromkeys(found))
    return Resolution(unique, note="; ".join(notes))


def _endpoints_one_by_one(
    ec2: Any, endpoint_ids: Sequence[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each endpoint on its own: (those EC2 knows, the ids it has forgotten)."""
    items: list[dict[str, Any]] = []
    forgotten: list[str] = []
    for endpoint_id in endpoint_ids:
        try:
            response = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])
        except ClientError as exc:
            if error_code(exc) != "InvalidVpcEndpointId.NotFound":
                raise
            forgotten.append(endpoint_id)
            continue
        items += response.get("VpcEndpoints", [])
    return items, forgotten
