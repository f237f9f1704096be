"""CloudTrail's API-call events: where each supported call's ids are, and the call as a trigger.

Where the ids are is a table (:data:`EXTRACTORS`): one entry per supported CloudTrail
``eventName``, each a tuple of :class:`IdSource` (the ``Trigger`` field to fill and the path,
under ``detail``, of the value to read). Adding an event means adding one line there and one
fixture in ``events/``. Ids that are not VPC ids (endpoint, subnet, route table, security group
ids) are returned for the inventory to resolve; every id is validated here before it can reach
an API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from remediation.events.fields import (
    MAX_IDS,
    MAX_QUOTE,
    Refused,
    account_and_region,
    event_id,
    flatten,
    is_empty,
    lookup,
    quote,
    valid_id,
)
from remediation.events.triggers import Refusal, Trigger

CLOUDTRAIL_SOURCE: Final = "aws.ec2"
#: Events of other services that bring container workloads (ENDPOINT_NEED=workloads), with the
#: EventBridge source each comes from; every other event must come from ``aws.ec2``.
WORKLOAD_SOURCES: Final[Mapping[str, str]] = {
    "CreateService": "aws.ecs",
    "UpdateService": "aws.ecs",
    "CreateNodegroup": "aws.eks",
    "CreateFargateProfile": "aws.eks",
    "CreateComputeEnvironment": "aws.batch",
}
CLOUDTRAIL_SOURCES: Final = frozenset({CLOUDTRAIL_SOURCE, *WORKLOAD_SOURCES.values()})
CLOUDTRAIL_DETAIL_TYPE: Final = "AWS API Call via CloudTrail"

#: Longest actor ARN kept (IAM allows 2048).
MAX_ARN: Final = 2048


@dataclass(frozen=True)
class IdSource:
    """Where one kind of id sits in a CloudTrail record.

    Parameters
    ----------
    field
        The :class:`Trigger` field the ids go to (``"vpc_ids"``, ``"endpoint_ids"``...).
    path
        Key path under ``detail``.
    fallback
        Key path tried when nothing is at ``path`` (absent, null or empty);
        never used to replace an *invalid* value.

    Examples
    --------
    >>> IdSource("vpc_ids", ("requestParameters", "vpcId")).describe()
    'detail.requestParameters.vpcId'
    """

    field: str
    path: tuple[str, ...]
    fallback: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        return (self.path, self.fallback) if self.fallback else (self.path,)

    def describe(self) -> str:
        return " or ".join("detail." + ".".join(path) for path in self.paths)


_REQ = "requestParameters"
_RESP = "responseElements"

#: One extractor per supported eventName (shapes: the fixtures in ``events/`` and its README).
EXTRACTORS: Final[Mapping[str, tuple[IdSource, ...]]] = {
    "CreateVpc": (IdSource("vpc_ids", (_RESP, "vpc", "vpcId")),),
    "DeleteVpcEndpoints": (
        IdSource("endpoint_ids", (_REQ, "DeleteVpcEndpointsRequest", "VpcEndpointId")),
    ),
    "ModifyVpcAttribute": (IdSource("vpc_ids", (_REQ, "vpcId")),),
    "CreateVpcEndpoint": (
        IdSource(
            "vpc_ids",
            path=(_REQ, "CreateVpcEndpointRequest", "VpcId"),
            fallback=(_RESP, "CreateVpcEndpointResponse", "vpcEndpoint", "vpcId"),
        ),
    ),
    "ModifyVpcEndpoint": (
        IdSource("endpoint_ids", (_REQ, "ModifyVpcEndpointRequest", "VpcEndpointId")),
    ),
    "CreateSubnet": (IdSource("vpc_ids", (_REQ, "vpcId")),),
    "AssociateRouteTable": (
        IdSource("route_table_ids", (_REQ, "routeTableId")),
        IdSource("subnet_ids", (_REQ, "subnetId")),
    ),
    "ReplaceRouteTableAssociation": (IdSource("route_table_ids", (_REQ, "routeTableId")),),
    "AuthorizeSecurityGroupIngress": (IdSource("group_ids", (_REQ, "groupId")),),
    "RevokeSecurityGroupIngress": (IdSource("group_ids", (_REQ, "groupId")),),
    "ModifySecurityGroupRules": (
        IdSource("group_ids", (_REQ, "ModifySecurityGroupRulesRequest", "GroupId")),
    ),
    # Workloads (aws.ecs, aws.eks, aws.batch): the subnets they run in, resolved to the VPC.
    "CreateService": (
        IdSource("subnet_ids", (_REQ, "networkConfiguration", "awsvpcConfiguration", "subnets")),
    ),
    "UpdateService": (
        IdSource("subnet_ids", (_REQ, "networkConfiguration", "awsvpcConfiguration", "subnets")),
    ),
    "CreateNodegroup": (IdSource("subnet_ids", (_REQ, "subnets")),),
    "CreateFargateProfile": (IdSource("subnet_ids", (_REQ, "subnets")),),
    "CreateComputeEnvironment": (IdSource("subnet_ids", (_REQ, "computeResources", "subnets")),),
}

#: The eventNames parse_event understands (for the EventBridge rule and the docs).
SUPPORTED_EVENT_NAMES: Final = frozenset(EXTRACTORS)


def _extract_ids(detail: Mapping[str, Any], sources: tuple[IdSource, ...]) -> dict[str, list[str]]:
    """Every id the sources point at, validated and de-duplicated in order."""
    found: dict[str, list[str]] = {}
    for source in sources:
        for path in source.paths:
            value = lookup(detail, path)
            if is_empty(value):
                continue  # absent: try the fallback path
            where = "detail." + ".".join(path)
            ids = found.setdefault(source.field, [])
            ids.extend(valid_id(raw, source.field, where) for raw in flatten(value, where))
            break
    found = {field: list(dict.fromkeys(ids)) for field, ids in found.items() if ids}
    total = sum(len(ids) for ids in found.values())
    if total > MAX_IDS:
        raise Refused(f"too many ids in one event: {total} (at most {MAX_IDS})")
    return found


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _own_call(identity: object, own_role_arns: frozenset[str]) -> str:
    """Why the call was the tool's own (its role's ARN), or "" when it was not. A session
    name is never enough: any principal can choose one."""
    if not isinstance(identity, dict):
        return ""
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
    issuer_arn = issuer.get("arn") if isinstance(issuer, dict) else None
    if isinstance(issuer_arn, str) and issuer_arn in own_role_arns:
        return f"made by this tool's role {quote(issuer_arn)}"
    return ""


def parse_cloudtrail_event(
    event: Mapping[str, Any], own_role_arns: frozenset[str]
) -> Trigger | Refusal:
    """An ``AWS API Call via CloudTrail`` event as a :class:`Trigger` or a :class:`Refusal`
    (any other event is refused as not one); see :func:`remediation.events.parse.parse_event`.
    """
    source, detail_type = event.get("source"), event.get("detail-type")
    raw_detail = event.get("detail")
    detail: dict[str, Any] = raw_detail if isinstance(raw_detail, dict) else {}
    if (
        not isinstance(source, str)
        or source not in CLOUDTRAIL_SOURCES
        or detail_type != CLOUDTRAIL_DETAIL_TYPE
    ):
        return Refusal(
            f"not a CloudTrail EC2 API call: source {quote(source)}, "
            f"detail-type {quote(detail_type)}",
            event_id=event_id(event.get("id")),
        )
    found_id = event_id(event.get("id"), detail.get("eventID"))
    if not isinstance(raw_detail, dict):
        return Refusal(f"detail is not an object: got {quote(raw_detail)}", event_id=found_id)

    raw_name = detail.get("eventName")
    if not isinstance(raw_name, str) or not raw_name:
        return Refusal(f"no eventName in detail: got {quote(raw_name)}", event_id=found_id)
    name = raw_name if len(raw_name) <= MAX_QUOTE else raw_name[:MAX_QUOTE] + "..."
    try:
        account, region = account_and_region(event, detail)
    except Refused as refused:
        return Refusal(refused.reason, event_id=found_id, event_name=name)

    if "errorCode" in detail:
        return Refusal(
            f"the call returned errorCode {quote(detail['errorCode'])} (failed or dry run): "
            "nothing changed",
            event_id=found_id,
            event_name=name,
            ignored=True,
        )
    own = _own_call(detail.get("userIdentity"), own_role_arns)
    if own:
        return Refusal(f"own call ignored: {own}", event_id=found_id, event_name=name, ignored=True)

    sources = EXTRACTORS.get(raw_name)
    if source != WORKLOAD_SOURCES.get(raw_name, CLOUDTRAIL_SOURCE):
        sources = None  # an event name of another service (say, a CreateService of aws.ec2)
    if sources is None:
        return Refusal(
            f"unsupported event {quote(raw_name)}: no extractor for it",
            event_id=found_id,
            event_name=name,
        )
    try:
        ids = _extract_ids(detail, sources)
    except Refused as refused:
        return Refusal(refused.reason, event_id=found_id, event_name=name)
    if not ids:
        where = "; ".join(source.describe() for source in sources)
        return Refusal(
            f"no VPC id in {raw_name} event: nothing at {where}",
            event_id=found_id,
            event_name=name,
        )

    identity = detail.get("userIdentity")
    actor = _text(identity.get("arn")) if isinstance(identity, dict) else ""
    return Trigger(
        event_id=found_id,
        event_name=raw_name,
        account_id=account,
        region=region,
        actor_arn=actor[:MAX_ARN],
        vpc_ids=tuple(ids.get("vpc_ids", ())),
        endpoint_ids=tuple(ids.get("endpoint_ids", ())),
        subnet_ids=tuple(ids.get("subnet_ids", ())),
        route_table_ids=tuple(ids.get("route_table_ids", ())),
        group_ids=tuple(ids.get("group_ids", ())),
    )
