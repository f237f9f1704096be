"""What ``release`` counts as the tool's: its tag and the shape only the tool makes.

A tag alone is not ownership (anyone allowed ``ec2:CreateTags`` can write it), so
:func:`remediation.release.find` deletes only what is tagged *and* shaped as the tool's,
and reports the rest as ``blocked``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from remediation.actions import (
    TOOL_GROUP_DESCRIPTION,
    TOOL_GROUP_NAME,
    CreateGatewayEndpoint,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
)
from remediation.config.services import KNOWN_SERVICES, PROFILES, parse_services
from remediation.executor.step import RunContext, RunState, Step, Timing
from remediation.release import find, not_the_tools_endpoint, not_the_tools_group
from remediation.vocabulary import MANAGED_TAG

REGION = "eu-west-1"
VPC = "vpc-1"


def _written(action: Any, resource_type: str, extra: tuple[tuple[str, str], ...] = ()) -> Any:
    """The tags the executor writes when it creates ``action``'s resource."""
    step = Step(
        ec2=None,
        reader=None,  # type: ignore[arg-type]
        context=RunContext(event_id="e-1", extra_tags=extra),
        state=RunState(),
        timing=Timing(),
        action=action,
        calls=frozenset(),
    )
    (spec,) = step.tags(resource_type)
    return spec["Tags"]


def _endpoint(name: str, kind: str = "Interface", tags: Any = None, **more: Any) -> dict[str, Any]:
    service = f"com.amazonaws.{REGION}.{name}"
    action = CreateInterfaceEndpoint(vpc_id=VPC, reason="endpoint-missing", service_name=service)
    return {
        "VpcEndpointId": f"vpce-{name}",
        "VpcEndpointType": kind,
        "ServiceName": service,
        "State": "available",
        "Groups": [],
        "Tags": _written(action, "vpc-endpoint") if tags is None else tags,
        **more,
    }


def _group(name: str = TOOL_GROUP_NAME, tags: Any = None, **more: Any) -> dict[str, Any]:
    action = CreateSecurityGroup(vpc_id=VPC, reason="tool-group-needed")
    return {
        "GroupId": f"sg-{name}",
        "GroupName": name,
        "Description": TOOL_GROUP_DESCRIPTION,
        "Tags": _written(action, "security-group") if tags is None else tags,
        **more,
    }


MANAGED_ONLY = [{"Key": MANAGED_TAG, "Value": "true"}]


@pytest.mark.parametrize(
    "service", sorted({"ecr.api", "ecr.dkr", *(s for p in PROFILES.values() for s in p)})
)
def test_every_endpoint_the_tool_creates_is_the_tools(service: str) -> None:
    """ECR's endpoints, and every profile's companions, as the executor tags them (with the
    account's EXTRA_TAGS too)."""
    endpoint = _endpoint(service)
    assert not_the_tools_endpoint(endpoint, REGION) == ""
    service_name = f"com.amazonaws.{REGION}.{service}"
    extra = (("cost-center", "42"),)
    action = CreateInterfaceEndpoint(vpc_id=VPC, reason="r", service_name=service_name)
    endpoint["Tags"] = _written(action, "vpc-endpoint", extra)
    assert not_the_tools_endpoint(endpoint, REGION) == ""


def test_the_s3_gateway_and_every_configurable_service_are_the_tools() -> None:
    s3 = CreateGatewayEndpoint(vpc_id=VPC, reason="gateway-missing", service_name="x")
    gateway = _endpoint("s3", "Gateway", _written(s3, "vpc-endpoint"))
    assert not_the_tools_endpoint(gateway, REGION) == ""
    for spec in parse_services(",".join(sorted(KNOWN_SERVICES))):
        assert not_the_tools_endpoint(_endpoint(spec.name), REGION) == "", spec.name


def test_the_tools_group_is_the_tools() -> None:
    assert not_the_tools_group(_group()) == ""


@pytest.mark.parametrize(
    ("endpoint", "said"),
    [
        (_endpoint("kms", tags=MANAGED_ONLY), "without the tags the tool writes"),
        (_endpoint("ecr.api", tags=MANAGED_ONLY), "ecr-endpoint-guard/version"),
        (_endpoint("cassandra"), "a service the tool never creates in eu-west-1"),
        (
            _endpoint("ecr.api", ServiceName="com.amazonaws.us-east-1.ecr.api"),
            "a service the tool never creates in eu-west-1",
        ),
        (
            _endpoint("ecr.api", ServiceName="com.amazonaws.vpce.eu-west-1.vpce-svc-0123"),
            "a service the tool never creates",
        ),
        (_endpoint("ecr.api", "GatewayLoadBalancer"), "a kind of endpoint the tool never"),
        (_endpoint("ecr.api", "Resource"), "a kind of endpoint the tool never creates"),
        (_endpoint("ecr.api", ""), "a typeless endpoint of"),
    ],
    ids=[
        "kms-managed-tag-only",
        "ecr-managed-tag-only",
        "unlisted-service",
        "another-region",
        "a-partners-service",
        "gateway-load-balancer",
        "resource-endpoint",
        "no-type",
    ],
)
def test_an_endpoint_not_shaped_as_the_tools_is_not_the_tools(
    endpoint: dict[str, Any], said: str
) -> None:
    assert said in not_the_tools_endpoint(endpoint, REGION)


@pytest.mark.parametrize(
    ("group", "said"),
    [
        (_group("payments-db"), "a security group named 'payments-db', not the tool's"),
        (_group(tags=MANAGED_ONLY), "without the tags the tool writes"),
        (_group(Description="payments"), "not its description ('payments')"),
        (_group("pay\x1b[31mments"), "named 'pay[31mments'"),
    ],
    ids=["another-name", "managed-tag-only", "another-description", "a-name-with-escapes"],
)
def test_a_group_not_shaped_as_the_tools_is_not_the_tools(group: dict[str, Any], said: str) -> None:
    assert said in not_the_tools_group(group)


class Ec2:
    """Just the two reads ``find`` makes, answering from lists."""

    def __init__(self, endpoints: list[dict[str, Any]], groups: list[dict[str, Any]]) -> None:
        self.meta = SimpleNamespace(region_name=REGION)
        self._endpoints, self._groups = endpoints, groups

    def describe_vpc_endpoints(self, **_: Any) -> dict[str, Any]:
        return {"VpcEndpoints": self._endpoints}

    def describe_security_groups(self, **_: Any) -> dict[str, Any]:
        return {"SecurityGroups": self._groups}


def test_find_keeps_what_is_only_tagged_as_the_tools_and_says_why() -> None:
    mine, spoofed = _endpoint("ecr.api"), _endpoint("kms", tags=MANAGED_ONLY)
    tool_group, payments = _group(), _group("payments-db")
    untagged = _endpoint("logs", tags=[])
    plan = find(Ec2([mine, spoofed, untagged], [tool_group, payments]), VPC)
    assert plan.endpoint_ids == ("vpce-ecr.api",)
    assert plan.group_ids == ("sg-ecr-endpoint-guard-endpoints",)
    kms, group = plan.blocked
    assert kms.startswith("vpce-kms is tagged ecr-endpoint-guard/managed=true, but is an ")
    assert "interface endpoint of com.amazonaws.eu-west-1.kms without the tags" in kms
    assert group.startswith("sg-payments-db is tagged ecr-endpoint-guard/managed=true, but is ")
    for said in (kms, group):
        assert "not deleted" in said and "Remove the tag" in said


def test_find_keeps_the_tools_group_where_a_spoofed_endpoint_uses_it() -> None:
    """An endpoint tagged as the tool's but not of its shape is not the tool's: the tool's
    group attached to it stays, as it does on any endpoint the tool did not create."""
    spoofed = _endpoint(
        "kms", tags=MANAGED_ONLY, Groups=[{"GroupId": "sg-ecr-endpoint-guard-endpoints"}]
    )
    plan = find(Ec2([spoofed], [_group()]), VPC)
    assert plan.empty
    assert len(plan.blocked) == 2
    assert "is attached to vpce-kms, which this tool did not create" in plan.blocked[1]
