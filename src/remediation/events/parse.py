"""Every supported EventBridge event shape, in one place.

:func:`parse_event` turns an EventBridge envelope into a :class:`Trigger` (what
to evaluate) or a :class:`Refusal` (why nothing is done). It never raises and
never calls AWS: ids that an event carries but that need a read to become VPC
ids (endpoint, subnet, route table, security group ids) are returned for the
inventory to resolve. Every id is validated here before it can reach an API.

Where the ids are is a table (:data:`EXTRACTORS`): one entry per supported
CloudTrail ``eventName``, each a tuple of :class:`IdSource` (the ``Trigger``
field to fill and the path, under ``detail``, of the value to read). Adding an
event means adding one line there and one fixture in ``events/``.

Examples
--------
>>> event = {
...     "version": "0", "id": "e1", "source": "aws.ec2",
...     "detail-type": "AWS API Call via CloudTrail",
...     "account": "123456789012", "region": "us-east-1",
...     "detail": {
...         "eventName": "ModifyVpcAttribute",
...         "requestParameters": {"vpcId": "vpc-0a1b2c3d4e5f67890",
...                               "enableDnsSupport": {"value": False}},
...     },
... }
>>> parse_event(event).vpc_ids
('vpc-0a1b2c3d4e5f67890',)
>>> parse_event({"hello": "world"}).reason[:38]
'not a CloudTrail EC2 API call: source '
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from remediation.events.triggers import (
    EVENT_ID,
    ID_PATTERNS,
    REGION,
    SECURITY_HUB_SOURCE,
    Refusal,
    Trigger,
)
from remediation.vocabulary import ACCOUNT_ID

# The contract's types and id patterns are re-exported, where the faces have always found them.
__all__ = [
    "ACCOUNT_ID",
    "CLOUDTRAIL_DETAIL_TYPE",
    "CLOUDTRAIL_SOURCE",
    "CLOUDTRAIL_SOURCES",
    "EVENT_ID",
    "EXTRACTORS",
    "ID_PATTERNS",
    "MAX_ARN",
    "MAX_IDS",
    "MAX_QUOTE",
    "REGION",
    "SCHEDULE_DETAIL_TYPE",
    "SCHEDULE_SOURCE",
    "SECURITY_HUB_SOURCE",
    "SUPPORTED_EVENT_NAMES",
    "WORKLOAD_SOURCES",
    "IdSource",
    "Refusal",
    "Trigger",
    "parse_event",
    "scheduled_by_a_rule",
]

# --------------------------------------------------------------------------- constants

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
SCHEDULE_SOURCE: Final = "aws.events"
SCHEDULE_DETAIL_TYPE: Final = "Scheduled Event"


def scheduled_by_a_rule(event: object) -> bool:
    """True for a Scheduled Event that an EventBridge rule sent: it names the rule in
    ``resources`` (EventBridge User Guide, "Scheduled events": ``"resources": ["arn:aws:events:
    <region>:<account>:rule/<name>"]``). A sweep a person starts by hand (docs/deploy.md sends
    ``"resources": []``) is not one: it skips the random delay that spreads scheduled sweeps.

    >>> scheduled_by_a_rule({"resources": ["arn:aws:events:eu-west-1:1:rule/x"]})
    True
    >>> scheduled_by_a_rule({"resources": []}), scheduled_by_a_rule(None)
    (False, False)
    """
    return isinstance(event, dict) and bool(event.get("resources"))


#: Most ids one event may carry (all kinds together); more is refused, not truncated.
MAX_IDS: Final = 100
#: Most characters of a value from the event that a reason quotes.
MAX_QUOTE: Final = 80
#: Longest actor ARN kept (IAM allows 2048).
MAX_ARN: Final = 2048

_ID_KIND: Final = {
    "vpc_ids": "VPC",
    "endpoint_ids": "VPC endpoint",
    "subnet_ids": "subnet",
    "route_table_ids": "route table",
    "group_ids": "security group",
}
_MAX_ID_LENGTH: Final = 32  # "subnet-" + 17 digits is 24


# --------------------------------------------------------------------------- extractors


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


# --------------------------------------------------------------------------- parsing


class _Refused(Exception):
    """Internal: carries a refusal reason out of nested helpers (never escapes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_MISSING: Final = object()


def _quote(value: object) -> str:
    """Show a value from an event in a reason: strings clipped, other values by type.

    Examples
    --------
    >>> _quote("vpc-" + "x" * 200)[-4:]
    "...'"
    >>> _quote(42), _quote(None)
    ('an int', 'null')
    """
    if isinstance(value, str):
        if len(value) > MAX_QUOTE:
            return repr(value[:MAX_QUOTE] + "...")
        return repr(value)
    if value is None or value is _MISSING:
        return "null"
    name = {dict: "an object", list: "a list", bool: "a boolean", int: "an int"}.get(type(value))
    return name or f"a {type(value).__name__}"


def _is_empty(value: object) -> bool:
    """True for what EC2 writes for "nothing": null, "", {} and []."""
    return (
        value is None or value is _MISSING or (isinstance(value, str | dict | list) and not value)
    )


def _lookup(detail: Mapping[str, Any], path: tuple[str, ...]) -> object:
    """The value at ``path`` under ``detail``, or ``_MISSING``; a non-object on the way refuses."""
    node: object = detail
    walked = "detail"
    for key in path:
        if _is_empty(node):
            return _MISSING
        if not isinstance(node, dict):
            raise _Refused(f"malformed {walked}: expected an object, got {_quote(node)}")
        node = node.get(key, _MISSING)
        walked += "." + key
    return node


def _flatten(value: object, where: str) -> list[object]:
    """A raw id value as a flat list: one item, a {tag, content} wrapper, or a list of those."""
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_IDS:
        raise _Refused(f"too many ids at {where}: {len(items)} (at most {MAX_IDS})")
    flat: list[object] = []
    for item in items:
        if isinstance(item, dict) and "content" in item:
            flat.append(item["content"])
        else:
            flat.append(item)
    return flat


def _valid_id(raw: object, field: str, where: str) -> str:
    if (
        isinstance(raw, str)
        and len(raw) <= _MAX_ID_LENGTH
        and ID_PATTERNS[field].fullmatch(raw) is not None
    ):
        return raw
    raise _Refused(f"invalid {_ID_KIND[field]} id at {where}: {_quote(raw)}")


def _extract_ids(detail: Mapping[str, Any], sources: tuple[IdSource, ...]) -> dict[str, list[str]]:
    """Every id the sources point at, validated and de-duplicated in order."""
    found: dict[str, list[str]] = {}
    for source in sources:
        for path in source.paths:
            value = _lookup(detail, path)
            if _is_empty(value):
                continue  # absent: try the fallback path
            where = "detail." + ".".join(path)
            ids = found.setdefault(source.field, [])
            ids.extend(_valid_id(raw, source.field, where) for raw in _flatten(value, where))
            break
    found = {field: list(dict.fromkeys(ids)) for field, ids in found.items() if ids}
    total = sum(len(ids) for ids in found.values())
    if total > MAX_IDS:
        raise _Refused(f"too many ids in one event: {total} (at most {MAX_IDS})")
    return found


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _first_present(*values: object) -> object:
    return next((v for v in values if v is not None and v is not _MISSING), None)


def _account_and_region(event: Mapping[str, Any], detail: Mapping[str, Any]) -> tuple[str, str]:
    account = _first_present(event.get("account"), detail.get("recipientAccountId"))
    if not (isinstance(account, str) and ACCOUNT_ID.fullmatch(account)):
        raise _Refused(f"invalid account id {_quote(account)}: expected 12 digits")
    region = _first_present(event.get("region"), detail.get("awsRegion"))
    if not (isinstance(region, str) and len(region) <= 32 and REGION.fullmatch(region)):
        raise _Refused(f"invalid region {_quote(region)}")
    return account, region


def _event_id(*candidates: object) -> str:
    """The first candidate that is a plausible event id (a UUID in practice), else ""."""
    for value in candidates:
        if isinstance(value, str) and EVENT_ID.fullmatch(value):
            return value
    return ""


def _own_call(identity: object, own_role_arns: frozenset[str]) -> str:
    """Why the call was the tool's own (its role's ARN), or "" when it was not. A session
    name is never enough: any principal can choose one."""
    if not isinstance(identity, dict):
        return ""
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
    issuer_arn = issuer.get("arn") if isinstance(issuer, dict) else None
    if isinstance(issuer_arn, str) and issuer_arn in own_role_arns:
        return f"made by this tool's role {_quote(issuer_arn)}"
    return ""


def _parse(event: object, own_role_arns: frozenset[str]) -> Trigger | Refusal:
    if not isinstance(event, dict):
        return Refusal(f"event is not a JSON object: got {_quote(event)}")
    source, detail_type = event.get("source"), event.get("detail-type")
    raw_detail = event.get("detail")
    detail: dict[str, Any] = raw_detail if isinstance(raw_detail, dict) else {}

    if source == SECURITY_HUB_SOURCE:
        from remediation.events.securityhub import (  # noqa: PLC0415 - Security Hub's path only
            parse_securityhub_event,
        )

        return parse_securityhub_event(event)
    if source == SCHEDULE_SOURCE and detail_type == SCHEDULE_DETAIL_TYPE:
        event_id = _event_id(event.get("id"))
        try:
            account, region = _account_and_region(event, detail)
        except _Refused as refused:
            return Refusal(refused.reason, event_id=event_id, event_name=SCHEDULE_DETAIL_TYPE)
        return Trigger(event_id, SCHEDULE_DETAIL_TYPE, account, region, sweep=True)
    if (
        not isinstance(source, str)
        or source not in CLOUDTRAIL_SOURCES
        or detail_type != CLOUDTRAIL_DETAIL_TYPE
    ):
        return Refusal(
            f"not a CloudTrail EC2 API call: source {_quote(source)}, "
            f"detail-type {_quote(detail_type)}",
            event_id=_event_id(event.get("id")),
        )
    event_id = _event_id(event.get("id"), detail.get("eventID"))
    if not isinstance(raw_detail, dict):
        return Refusal(f"detail is not an object: got {_quote(raw_detail)}", event_id=event_id)

    raw_name = detail.get("eventName")
    if not isinstance(raw_name, str) or not raw_name:
        return Refusal(f"no eventName in detail: got {_quote(raw_name)}", event_id=event_id)
    name = raw_name if len(raw_name) <= MAX_QUOTE else raw_name[:MAX_QUOTE] + "..."
    try:
        account, region = _account_and_region(event, detail)
    except _Refused as refused:
        return Refusal(refused.reason, event_id=event_id, event_name=name)

    if "errorCode" in detail:
        return Refusal(
            f"the call returned errorCode {_quote(detail['errorCode'])} (failed or dry run): "
            "nothing changed",
            event_id=event_id,
            event_name=name,
            ignored=True,
        )
    own = _own_call(detail.get("userIdentity"), own_role_arns)
    if own:
        return Refusal(f"own call ignored: {own}", event_id=event_id, event_name=name, ignored=True)

    sources = EXTRACTORS.get(raw_name)
    if source != WORKLOAD_SOURCES.get(raw_name, CLOUDTRAIL_SOURCE):
        sources = None  # an event name of another service (say, a CreateService of aws.ec2)
    if sources is None:
        return Refusal(
            f"unsupported event {_quote(raw_name)}: no extractor for it",
            event_id=event_id,
            event_name=name,
        )
    try:
        ids = _extract_ids(detail, sources)
    except _Refused as refused:
        return Refusal(refused.reason, event_id=event_id, event_name=name)
    if not ids:
        where = "; ".join(source.describe() for source in sources)
        return Refusal(
            f"no VPC id in {raw_name} event: nothing at {where}",
            event_id=event_id,
            event_name=name,
        )

    identity = detail.get("userIdentity")
    actor = _text(identity.get("arn")) if isinstance(identity, dict) else ""
    return Trigger(
        event_id=event_id,
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


def parse_event(
    event: object,
    *,
    own_role_arns: frozenset[str] = frozenset(),
) -> Trigger | Refusal:
    """Turn one EventBridge event into a :class:`Trigger` or a :class:`Refusal`.

    Never raises and never calls AWS, whatever ``event`` holds.

    Parameters
    ----------
    event
        The event as the Lambda handler receives it (decoded JSON): a CloudTrail
        ``AWS API Call via CloudTrail`` event from ``aws.ec2``, a ``Scheduled
        Event`` from ``aws.events`` (the periodic sweep), or a Security Hub event
        (:mod:`remediation.events.securityhub`).
    own_role_arns
        IAM role ARNs of the tool itself (``arn:aws:iam::ACCOUNT:role/NAME``):
        a call whose ``userIdentity.sessionContext.sessionIssuer.arn`` is one of
        them is ignored. This is the reliable test.

    Returns
    -------
    Trigger or Refusal
        A ``Trigger`` carries only validated ids (at most :data:`MAX_IDS`,
        de-duplicated in order). A ``Refusal`` has ``ignored=True`` for a
        failed or dry-run call and for the tool's own call, ``ignored=False``
        for anything malformed or unsupported; its reason quotes at most
        :data:`MAX_QUOTE` characters of any value from the event.

    Examples
    --------
    >>> delete = {
    ...     "id": "4a894db7-e48f-42b9-aa5d-670af9a3638e", "source": "aws.ec2",
    ...     "detail-type": "AWS API Call via CloudTrail",
    ...     "account": "123456789012", "region": "us-east-1",
    ...     "detail": {"eventName": "DeleteVpcEndpoints", "requestParameters": {
    ...         "DeleteVpcEndpointsRequest": {"VpcEndpointId": [
    ...             {"tag": 1, "content": "vpce-0a1b2c3d4e5f60001"},
    ...             {"tag": 2, "content": "vpce-0a1b2c3d4e5f60002"}]}}},
    ... }
    >>> trigger = parse_event(delete)
    >>> trigger.endpoint_ids, trigger.vpc_ids, trigger.needs_resolution
    (('vpce-0a1b2c3d4e5f60001', 'vpce-0a1b2c3d4e5f60002'), (), True)
    >>> delete["detail"]["errorCode"] = "Client.DryRunOperation"
    >>> refusal = parse_event(delete)
    >>> refusal.ignored, refusal.reason[:55]
    (True, "the call returned errorCode 'Client.DryRunOperation' (f")
    """
    try:
        return _parse(event, frozenset(own_role_arns))
    except _Refused as refused:
        return Refusal(refused.reason)
    except Exception as exc:  # the promise is "never raises": a bug must not crash the handler
        return Refusal(f"internal error while parsing the event: {type(exc).__name__}")
