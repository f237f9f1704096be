"""Releasing a VPC: remove exactly what this tool created in it, so that its owner
(Terraform, CloudFormation, CDK) can delete the VPC.

This is the only module in the project that deletes anything, and it deletes
only what is the tool's: a resource that carries the tool's
``ecr-endpoint-guard/managed=true`` tag *and* has the shape only the tool makes
(:func:`not_the_tools_endpoint`, :func:`not_the_tools_group`), both re-checked on
a fresh read right before each deletion. A tag alone proves nothing: anyone
allowed ``ec2:CreateTags`` can write it on another team's resource. What is
tagged as the tool's but is not of its shape is left in place and reported
(``blocked``), so that a person sees it. It is reached only
through the CLI's ``release`` command, run by a person with their own
credentials: the Lambda function's role has no delete permission at all.

Release is not undone: before deleting anything, it tags the VPC
``ecr-endpoint-guard/mode=off``, so that the function, seeing the
``DeleteVpcEndpoints`` event that follows, leaves the VPC alone. If the tag
cannot be set, release deletes nothing and says why.

Order matters: a security group cannot be deleted while an endpoint's network
interfaces still use it, so the tool's endpoints go first, then (once they are
gone) its group. A group that the tool attached to an endpoint it did not
create is left in place and reported: detaching it would change a resource
the tool does not own.

Examples
--------
>>> plan = ReleasePlan(vpc_id="vpc-1", endpoint_ids=("vpce-1",), group_ids=("sg-1",))
>>> plan.empty
False
>>> plan.describe()
['delete VPC endpoint vpce-1', 'delete security group sg-1']
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.actions import TOOL_GROUP_DESCRIPTION, TOOL_GROUP_NAME
from remediation.aws.errors import error_code, error_text
from remediation.config.services import KNOWN_SERVICES
from remediation.modes import MODE_TAG, RELEASED_TAG
from remediation.text import plain
from remediation.vocabulary import GONE_ENDPOINT_STATES, MANAGED_TAG, TAG_PREFIX

#: IAM permissions the person running ``release`` needs (never granted to the function).
RELEASE_PERMISSIONS = (
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeSecurityGroups",
    "ec2:DeleteVpcEndpoints",
    "ec2:DeleteSecurityGroup",
    "ec2:CreateTags",
)


def release_tags(day: str) -> dict[str, str]:
    """The tags release writes on the VPC before it deletes anything.

    >>> release_tags("2026-12-06")
    {'ecr-endpoint-guard/mode': 'off', 'ecr-endpoint-guard/released': '2026-12-06'}
    """
    return {MODE_TAG: "off", RELEASED_TAG: day}


def tag_notice(vpc_id: str, day: str, *, done: bool) -> str:
    """What release tells the person about the tags it writes first (and why)."""
    tags = " and ".join(f"{k}={v}" for k, v in release_tags(day).items())
    verb = "tagged" if done else "tag"
    return (
        f"{verb} {vpc_id} {tags} first, so that the function does not re-create what release "
        f"deletes (scan then shows it as released; remove {MODE_TAG} to let the tool manage "
        "the VPC again)"
    )


@dataclass(frozen=True)
class ReleasePlan:
    """What ``release`` would delete in one VPC, and what it must leave and why."""

    vpc_id: str
    endpoint_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()  # the tool's resources it cannot remove, with the reason

    @property
    def empty(self) -> bool:
        return not (self.endpoint_ids or self.group_ids)

    def describe(self) -> list[str]:
        return [f"delete VPC endpoint {e}" for e in self.endpoint_ids] + [
            f"delete security group {g}" for g in self.group_ids
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "vpc_id": self.vpc_id,
            "endpoint_ids": list(self.endpoint_ids),
            "group_ids": list(self.group_ids),
            "blocked": list(self.blocked),
        }


@dataclass(frozen=True)
class ReleaseResult:
    vpc_id: str
    deleted: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()  # "id: reason"
    blocked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what release did besides deleting (the mode=off tag)

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "vpc_id": self.vpc_id,
            "deleted": list(self.deleted),
            "failed": list(self.failed),
            "blocked": list(self.blocked),
            "notes": list(self.notes),
        }


#: Besides the managed tag, the tags the tool has written on everything it creates since its
#: first version (``Step.tags`` in :mod:`remediation.executor.step`): a person's resource,
#: tagged ``managed=true`` by hand, lacks them.
TOOL_TAGS = (f"{TAG_PREFIX}/version", f"{TAG_PREFIX}/reason", f"{TAG_PREFIX}/event-id")
#: The endpoint types the tool creates.
TOOL_ENDPOINT_TYPES = ("Interface", "Gateway")


def _tags(resource: Mapping[str, Any]) -> dict[str, str]:
    return {str(t.get("Key", "")): str(t.get("Value", "")) for t in resource.get("Tags") or ()}


def _tagged(resource: Mapping[str, Any]) -> bool:
    return _tags(resource).get(MANAGED_TAG) == "true"


def _missing_tool_tags(resource: Mapping[str, Any]) -> str:
    missing = [key for key in TOOL_TAGS if key not in _tags(resource)]
    if not missing:
        return ""
    return f"without the tags the tool writes on all it creates ({', '.join(missing)})"


def not_the_tools_endpoint(endpoint: Mapping[str, Any], region: str) -> str:
    """Why an endpoint is not one the tool could have made ("" when it could).

    The tool makes interface and gateway endpoints of ``com.amazonaws.<region>.<name>``, the
    name one of the services it can be configured to create (``KNOWN_SERVICES``), and tags
    each with :data:`TOOL_TAGS`.

    >>> tags = [{"Key": k, "Value": "x"} for k in TOOL_TAGS]
    >>> ecr = {"VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.eu-west-1.ecr.api"}
    >>> not_the_tools_endpoint({**ecr, "Tags": tags}, "eu-west-1")
    ''
    >>> not_the_tools_endpoint({**ecr, "Tags": tags}, "us-east-1")[-54:]
    'ecr.api, a service the tool never creates in us-east-1'
    >>> not_the_tools_endpoint(ecr, "eu-west-1")[:68]
    'an interface endpoint of com.amazonaws.eu-west-1.ecr.api without the'
    """
    kind = str(endpoint.get("VpcEndpointType", ""))
    service = str(endpoint.get("ServiceName", ""))
    prefix = f"com.amazonaws.{region}."
    what = f"{plain(kind, 40).lower() or 'typeless'} endpoint of {plain(service, 120)}"
    what = f"{'an' if what[0] in 'aeiou' else 'a'} {what}"
    if kind not in TOOL_ENDPOINT_TYPES:
        return f"{what}, a kind of endpoint the tool never creates"
    if not service.startswith(prefix) or service.removeprefix(prefix) not in KNOWN_SERVICES:
        return f"{what}, a service the tool never creates in {region}"
    missing = _missing_tool_tags(endpoint)
    return f"{what} {missing}" if missing else ""


def not_the_tools_group(group: Mapping[str, Any]) -> str:
    """Why a security group is not the one the tool makes ("" when it is): the tool's group
    has its name and description (both the same since the first version) and its tags.

    >>> tags = [{"Key": k, "Value": "x"} for k in TOOL_TAGS]
    >>> not_the_tools_group({"GroupName": "payments-db", "Tags": tags})
    "a security group named 'payments-db', not the tool's ecr-endpoint-guard-endpoints"
    >>> not_the_tools_group(
    ...     {"GroupName": TOOL_GROUP_NAME, "Description": TOOL_GROUP_DESCRIPTION, "Tags": tags}
    ... )
    ''
    """
    name = str(group.get("GroupName", ""))
    if name != TOOL_GROUP_NAME:
        return f"a security group named {plain(name, 120)!r}, not the tool's {TOOL_GROUP_NAME}"
    if group.get("Description") != TOOL_GROUP_DESCRIPTION:
        description = plain(str(group.get("Description", "")), 120)
        return f"a group with the tool's name but not its description ({description!r})"
    return _missing_tool_tags(group)


def _refusal(resource_id: str, why: str) -> str:
    return (
        f"{resource_id} is tagged {MANAGED_TAG}=true, but is {why}: not deleted (a tag alone is "
        f"not ownership: anyone allowed ec2:CreateTags can write it). Remove the tag if the "
        "resource is not the tool's; if it is, delete it yourself"
    )


def find(ec2: Any, vpc_id: str) -> ReleasePlan:
    """Read what the tool created in ``vpc_id`` (two reads; changes nothing): tagged as the
    tool's and of its shape. What is tagged but not of its shape is ``blocked``, with why."""
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "VpcEndpoints"
    ]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "SecurityGroups"
    ]
    live = [e for e in endpoints if str(e.get("State", "")).lower() not in GONE_ENDPOINT_STATES]
    region = str(ec2.meta.region_name)
    blocked = []
    mine, my_groups = [], []
    for endpoint in sorted((e for e in live if _tagged(e)), key=lambda e: e["VpcEndpointId"]):
        if why := not_the_tools_endpoint(endpoint, region):
            blocked.append(_refusal(endpoint["VpcEndpointId"], why))
        else:
            mine.append(endpoint["VpcEndpointId"])
    for group in sorted((g for g in groups if _tagged(g)), key=lambda g: g["GroupId"]):
        if why := not_the_tools_group(group):
            blocked.append(_refusal(group["GroupId"], why))
        else:
            my_groups.append(group["GroupId"])
    removable_groups = []
    for group_id in my_groups:
        users = sorted(
            e["VpcEndpointId"]
            for e in live
            if e["VpcEndpointId"] not in mine
            and group_id in {g["GroupId"] for g in e.get("Groups", [])}
        )
        if users:
            blocked.append(
                f"{group_id} is attached to {', '.join(users)}, which this tool did not create: "
                "detach it there first (release changes nothing it does not own)"
            )
        else:
            removable_groups.append(group_id)
    return ReleasePlan(vpc_id, tuple(mine), tuple(removable_groups), tuple(blocked))


def execute(
    ec2: Any,
    plan: ReleasePlan,
    *,
    day: str = "",
    wait_seconds: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ReleaseResult:
    """Tag the VPC ``mode=off`` and ``released=<day>`` (UTC; default today), then delete what
    ``plan`` lists, after re-checking each resource's tag and shape on a fresh read. Without
    the VPC's tags, nothing is deleted."""
    deleted: list[str] = []
    failed: list[str] = []
    day = day or dt.datetime.now(dt.UTC).date().isoformat()
    tags = [{"Key": k, "Value": v} for k, v in release_tags(day).items()]
    try:
        ec2.create_tags(Resources=[plan.vpc_id], Tags=tags)
    except (ClientError, BotoCoreError) as exc:
        reason = (
            f"{plan.vpc_id}: could not tag it {MODE_TAG}=off ({error_text(exc)}); nothing was "
            "deleted, because the function would re-create it. Grant ec2:CreateTags on the VPC, "
            "or tag it yourself, and run release again"
        )
        return ReleaseResult(plan.vpc_id, failed=(reason,), blocked=plan.blocked)
    notes = (tag_notice(plan.vpc_id, day, done=True),)
    fresh = find(ec2, plan.vpc_id)  # never trust a plan shown minutes ago
    endpoints = [e for e in plan.endpoint_ids if e in fresh.endpoint_ids]
    failed += [
        f"{e}: no longer a live endpoint of this tool"
        for e in plan.endpoint_ids
        if e not in fresh.endpoint_ids
    ]
    if endpoints:
        try:
            response = ec2.delete_vpc_endpoints(VpcEndpointIds=endpoints)
            refused = {
                str(u.get("ResourceId")): str(u.get("Error", {}).get("Message", "refused"))
                for u in response.get("Unsuccessful", [])
            }
            failed += [f"{e}: {refused[e]}" for e in endpoints if e in refused]
            deleted += [e for e in endpoints if e not in refused]
        except (ClientError, BotoCoreError) as exc:
            failed += [f"{e}: {error_text(exc)}" for e in endpoints]
    groups = [g for g in plan.group_ids if g in fresh.group_ids]
    failed += [
        f"{g}: no longer a security group of this tool that it can delete"
        for g in plan.group_ids
        if g not in fresh.group_ids
    ]
    if groups and deleted:
        _wait_until_gone(ec2, deleted, wait_seconds, sleep, clock)
    deadline = clock() + wait_seconds
    for group_id in groups:
        while True:
            try:
                ec2.delete_security_group(GroupId=group_id)
                deleted.append(group_id)
                break
            except ClientError as exc:
                code = error_code(exc)
                # Endpoint network interfaces are released a little after the endpoint.
                if code == "DependencyViolation" and clock() < deadline:
                    sleep(5.0)
                    continue
                failed.append(f"{group_id}: {error_text(exc)}")
                break
            except BotoCoreError as exc:
                failed.append(f"{group_id}: {error_text(exc)}")
                break
    return ReleaseResult(plan.vpc_id, tuple(deleted), tuple(failed), fresh.blocked, notes)


def _wait_until_gone(
    ec2: Any,
    endpoint_ids: list[str],
    wait_seconds: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> None:
    deadline = clock() + wait_seconds
    while clock() < deadline:
        try:
            items = ec2.describe_vpc_endpoints(VpcEndpointIds=endpoint_ids)["VpcEndpoints"]
        except ClientError:
            return  # EC2 no longer knows them: gone
        if all(str(i.get("State", "")).lower() in GONE_ENDPOINT_STATES for i in items):
            return
        sleep(5.0)
