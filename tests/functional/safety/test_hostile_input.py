"""Hostile and malformed events, through the Lambda handler, with moto and a recorder of
every API call.

``tests/unit/events/test_parse.py`` proves the parser alone never raises and keeps only valid ids.
These tests take the next step: the whole handler, in auto-fix (the mode that could do
harm), in an account whose VPC is compliant and whose ids the events are rewritten to, so
that a mutated event that still parses reaches real resources. For every event:

* the handler returns; it never raises (nothing is broken, so nothing may fail);
* no AWS write happens;
* a refused event is refused with a reason, before any AWS call at all;
* an accepted one only ever sends ids that passed validation to AWS.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.remediate import lambda_handler
from remediation.events.triggers import ID_PATTERNS
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.event_strategies import json_values, mutated_events
from tests.support.fixtures import event_names, load_event
from tests.support.scenarios import ROLE_ARN, auto_fix, create_vpc_event, endpoint_of
from tests.support.topology import build_vpc

HANDLER_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

#: Every id of the fixtures' story, to be pointed at a real resource in moto.
STORY = {
    "vpc": "vpc-0a1b2c3d4e5f67890",
    "api": "vpce-0a1b2c3d4e5f60001",
    "dkr": "vpce-0a1b2c3d4e5f60002",
    "s3": "vpce-0a1b2c3d4e5f60003",
    "subnet_a": "subnet-0aaaa1111bbbb2222",
    "subnet_b": "subnet-0cccc3333dddd4444",
    "subnet_c": "subnet-0eeee5555ffff6666",
    "group": "sg-0123456789abcdef0",
    "other_group": "sg-0fedcba9876543210",
    "table": "rtb-0a1b2c3d4e5f60001",
}

NOT_IDS = [
    "vpc-../../etc/passwd",
    "vpc-0A1B2C3D",  # upper case
    "vpc-0a1b2c3d; rm -rf /",
    "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b2c3d",
    "vpc\u20100a1b2c3d",  # a Unicode hyphen
    "vpc-\uff10\uff41\uff11\uff42\uff12\uff43\uff13\uff44",  # full-width digits and letters
    "vpc-0a1b2c3d\n",
    " vpc-0a1b2c3d",
    "vpc-0a1b2c3de",  # 9 digits
    "vpc-*",
    "*",
    "%",
    "vpce-0a1b2c3d4e5f600010",  # 18 digits
    "sg-0123456789abcdef0' OR '1'='1",
    "subnet-" + "0" * 17 + "\x00",
]
UNKNOWN_NAMES = [
    "DeleteVpc",
    "RunInstances",
    "createvpc",
    "CreateVpc ",
    "CreateVPC",
    "\x00",
    "CreateVpc\n",
    "DeleteVpcEndpoints" * 200,
]


@pytest.fixture
def world(aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext) -> Any:
    """A compliant VPC (and a default VPC that needs nothing), the story's ids mapped to it."""
    auto_fix(handler_env)
    handler_env.setenv("TOOL_ROLE_ARN", ROLE_ARN)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    lambda_handler(create_vpc_event(built.vpc_id), lambda_context)
    lambda_handler(load_event("scheduled_sweep"), lambda_context)  # whatever else, settled
    groups = aws.ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [built.vpc_id]}]
    )["SecurityGroups"]
    private = [ids[0] for ids in built.private_subnets.values()]
    real = {
        "vpc": built.vpc_id,
        "api": endpoint_of(aws.ec2, built.vpc_id, "ecr.api")["VpcEndpointId"],
        "dkr": endpoint_of(aws.ec2, built.vpc_id, "ecr.dkr")["VpcEndpointId"],
        "s3": endpoint_of(aws.ec2, built.vpc_id, "s3")["VpcEndpointId"],
        "subnet_a": private[0],
        "subnet_b": private[1],
        "subnet_c": private[2],
        "group": next(g["GroupId"] for g in groups if g["GroupName"] != "default"),
        "other_group": next(g["GroupId"] for g in groups if g["GroupName"] == "default"),
        "table": built.private_route_tables[f"{REGION}a"],
    }
    return {STORY[key]: value for key, value in real.items()}


def pointed_at(event: Any, ids: dict[str, str]) -> Any:
    """The event with the story's ids replaced by real ones (wherever they occur)."""
    text = json.dumps(event)
    for old, new in ids.items():
        text = text.replace(old, new)
    return json.loads(text)


def ids_sent(calls: CallLog) -> list[str]:
    """Every resource id the handler put in an EC2 request."""
    found: list[str] = []
    for service, _, params in calls.calls:
        if service != "ec2":
            continue
        for key in ("VpcIds", "VpcEndpointIds", "SubnetIds", "GroupIds", "RouteTableIds"):
            found += params.get(key, [])
        for key in ("VpcId", "VpcEndpointId", "GroupId"):
            if key in params:
                found.append(params[key])
        for flt in params.get("Filters", []):
            if flt["Name"] in ("vpc-id", "subnet-id", "route-table-id", "group-id"):
                found += flt["Values"]
    return found


def check(event: Any, calls: CallLog, context: LambdaContext) -> str:
    calls.clear()
    before = json.dumps(event)
    result = lambda_handler(event, context)  # never raises: nothing is broken here
    assert isinstance(result, dict)
    assert calls.writes("ec2") == [] and calls.writes("route53") == [], calls.writes("ec2")
    assert json.dumps(event) == before  # the handler does not change its input
    if result["refused"]:
        assert isinstance(result["event"]["reason"], str) and result["event"]["reason"]
        assert calls.operations() == []  # refused before any AWS call
        return "refused"
    valid = tuple(ID_PATTERNS.values())
    for sent in ids_sent(calls):
        assert isinstance(sent, str) and any(p.fullmatch(sent) for p in valid), sent
    assert not result["failed"], result
    assert all(v["status"] in ("compliant", "skipped") for v in result["vpcs"]), result["vpcs"]
    return "evaluated"


def test_mutated_real_events_through_the_handler(
    world: dict[str, str], api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    seen: Counter[str] = Counter()

    @HANDLER_SETTINGS
    @given(event=mutated_events())
    def through_the_handler(event: Any) -> None:
        seen[check(pointed_at(event, world), api_calls, lambda_context)] += 1

    through_the_handler()
    assert seen["refused"] and seen["evaluated"], seen  # both paths were exercised


def _set_at(event: Any, path: tuple[str, ...], value: Any) -> Any:
    node = event
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node
    if isinstance(node, dict):
        node[path[-1]] = value
    return event


#: Where each fixture keeps the id its event is about (the field an attacker would aim at).
ID_PATHS = {
    "create_vpc": ("detail", "responseElements", "vpc", "vpcId"),
    "modify_vpc_attribute_dns_support_false": ("detail", "requestParameters", "vpcId"),
    "create_subnet": ("detail", "requestParameters", "vpcId"),
    "modify_vpc_endpoint": (
        "detail",
        "requestParameters",
        "ModifyVpcEndpointRequest",
        "VpcEndpointId",
    ),
    "delete_vpc_endpoints_single": (
        "detail",
        "requestParameters",
        "DeleteVpcEndpointsRequest",
        "VpcEndpointId",
    ),
    "authorize_security_group_ingress": ("detail", "requestParameters", "groupId"),
    "associate_route_table": ("detail", "requestParameters", "routeTableId"),
}


@st.composite
def hostile_events(draw: st.DrawFn) -> Any:
    """A real event with one hostile change: a non-id, an oversized or deeply nested value,
    an unknown event name, a retyped or missing field."""
    name = draw(st.sampled_from(sorted(ID_PATHS)))
    event = load_event(name)
    path = ID_PATHS[name]
    how = draw(
        st.sampled_from(["not-an-id", "oversize", "many-ids", "deep", "name", "retype", "drop"])
    )
    if how == "not-an-id":
        bad = draw(st.sampled_from(NOT_IDS) | st.text(max_size=40))
        return _set_at(event, path, draw(st.sampled_from([bad, {"tag": 1, "content": bad}])))
    if how == "oversize":
        return _set_at(event, path, "vpc-" + "0" * draw(st.integers(20, 200_000)))
    if how == "many-ids":
        count = draw(st.integers(101, 5000))
        return _set_at(event, path, [{"tag": n, "content": STORY["api"]} for n in range(count)])
    if how == "deep":
        value: Any = STORY["vpc"]
        for _ in range(draw(st.integers(50, 400))):
            value = draw(st.sampled_from([[value], {"content": value}, {"items": [value]}]))
        return _set_at(event, path, value)
    if how == "name":
        unknown = draw(st.sampled_from(UNKNOWN_NAMES) | st.text(max_size=30))
        return _set_at(event, ("detail", "eventName"), unknown)
    if how == "retype":
        return _set_at(event, path, draw(json_values))
    cut = path[: draw(st.integers(1, len(path)))]  # drop the id, or an object holding it
    parent = event
    for key in cut[:-1]:
        parent = parent[key]
    del parent[cut[-1]]
    return event


def test_hostile_events_through_the_handler(
    world: dict[str, str], api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    seen: Counter[str] = Counter()

    @HANDLER_SETTINGS
    @given(event=hostile_events())
    def through_the_handler(event: Any) -> None:
        seen[check(pointed_at(event, world), api_calls, lambda_context)] += 1

    through_the_handler()
    assert seen["refused"] >= 30, seen  # (a retyped id can be another valid one, rarely)


def test_every_fixture_through_the_handler_writes_nothing_when_compliant(
    world: dict[str, str], api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    """The unmutated fixtures too: the baseline the properties above start from."""
    seen = Counter(
        check(pointed_at(load_event(name), world), api_calls, lambda_context)
        for name in event_names()
    )
    assert seen == {"refused": 7, "evaluated": len(event_names()) - 7}, seen


def test_invalid_id_is_refused_with_the_path_in_the_reason(
    world: dict[str, str], api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    event = _set_at(load_event("create_vpc"), ID_PATHS["create_vpc"], "vpc-../../etc/passwd")
    api_calls.clear()
    result = lambda_handler(event, lambda_context)
    assert result["refused"] is True
    assert "detail.responseElements.vpc.vpcId" in result["event"]["reason"]
    assert api_calls.operations() == []
