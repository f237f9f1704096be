"""Helpers shared by the safety tests: events, modes, and a census of what exists in a VPC.

The census counts on AWS state (moto), never on what the tool reports about itself, so
"no duplicate endpoint or group" is asserted independently of the code under test.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from remediation.actions import TOOL_GROUP_NAME
from tests.support.aws import ACCOUNT, REGION
from tests.support.fixtures import load_event

FIXTURE_VPC = "vpc-0a1b2c3d4e5f67890"
ROLE_ARN = "arn:aws:iam::123456789012:role/ecr-endpoint-guard-FunctionRole-EXAMPLE"
SERVICES = tuple(f"com.amazonaws.{REGION}.{s}" for s in ("ecr.api", "ecr.dkr", "s3"))
MANAGED = "ecr-endpoint-guard/managed"


def auto_fix(env: pytest.MonkeyPatch) -> None:
    env.setenv("REMEDIATION_MODE", "auto-fix")
    env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)


def create_vpc_event(vpc_id: str) -> dict[str, Any]:
    return load_event("create_vpc", ids={FIXTURE_VPC: vpc_id})


def short(service_name: str) -> str:
    return service_name.removeprefix(f"com.amazonaws.{REGION}.")


@dataclass(frozen=True)
class Census:
    """What a VPC holds, read straight from AWS."""

    usable: Counter[str]  # short service name -> endpoints pending/available
    present: Counter[str]  # short service name -> endpoints in any state but deleted
    tool_groups: tuple[str, ...]  # ids of groups named like the tool's, tagged or not

    @property
    def one_of_each(self) -> bool:
        return (
            all(self.usable[short(s)] == 1 for s in SERVICES)
            and all(self.present[short(s)] == 1 for s in SERVICES)
            and len(self.tool_groups) == 1
        )


def census(ec2: Any, vpc_id: str) -> Census:
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
    endpoints = ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]
    usable = Counter(
        short(e["ServiceName"])
        for e in endpoints
        if e["State"].lower() in ("pending", "available", "pendingacceptance")
    )
    present = Counter(short(e["ServiceName"]) for e in endpoints if e["State"].lower() != "deleted")
    groups = ec2.describe_security_groups(
        Filters=[*flt, {"Name": "group-name", "Values": [TOOL_GROUP_NAME]}]
    )["SecurityGroups"]
    return Census(usable, present, tuple(sorted(g["GroupId"] for g in groups)))


def endpoint_of(ec2: Any, vpc_id: str, service: str) -> dict[str, Any]:
    """The one usable endpoint of a short service name in the VPC."""
    endpoint: dict[str, Any]
    (endpoint,) = [
        e
        for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
            "VpcEndpoints"
        ]
        if short(e["ServiceName"]) == service and e["State"].lower() in ("pending", "available")
    ]
    return endpoint


def tear_down_vpc(ec2: Any, vpc_id: str) -> None:
    """Delete a VPC the way a person would (dependencies first). Test code, not the tool's."""
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
    ids = [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]]
    if ids:
        ec2.delete_vpc_endpoints(VpcEndpointIds=ids)
    tables = ec2.describe_route_tables(Filters=flt)["RouteTables"]
    for table in tables:
        for association in table.get("Associations", []):
            if not association.get("Main"):
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    for subnet in ec2.describe_subnets(Filters=flt)["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for table in tables:
        if not any(a.get("Main") for a in table.get("Associations", [])):
            ec2.delete_route_table(RouteTableId=table["RouteTableId"])
    for igw in ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
    for group in ec2.describe_security_groups(Filters=flt)["SecurityGroups"]:
        if group["GroupName"] != "default":
            ec2.delete_security_group(GroupId=group["GroupId"])
    ec2.delete_vpc(VpcId=vpc_id)


def before_apply(
    monkeypatch: pytest.MonkeyPatch, hook: Callable[[Any, tuple[Any, ...], Any], None]
) -> None:
    """Run ``hook(executor, actions, context)`` after planning, before the first write,
    in the next auto-fix run only (a re-run afterwards is Lambda's retry, undisturbed).

    This is the window in which the world can change under the tool: another actor, a
    second invocation, a person deleting the VPC.
    """
    from remediation.executor import Executor

    original = Executor.apply
    pending = [hook]

    def apply(self: Executor, actions: tuple[Any, ...], context: Any) -> Any:
        if pending:
            pending.pop()(self, actions, context)
        return original(self, actions, context)

    monkeypatch.setattr(Executor, "apply", apply)


def set_endpoint_state(endpoint_id: str, state: str) -> None:
    """Put an endpoint in a state moto never keeps it in (moto deletes and creates at once)."""
    from moto.ec2.models import ec2_backends

    ec2_backends[ACCOUNT][REGION].vpc_end_points[endpoint_id].state = state


class Runs:
    """The handler's summaries, kept even when the handler raises (it discards its result)."""

    def __init__(self) -> None:
        self.summaries: list[Any] = []

    @property
    def last(self) -> dict[str, Any]:
        result: dict[str, Any] = self.summaries[-1].as_dict()
        return result

    def outcomes(self) -> list[dict[str, Any]]:
        return [a for vpc in self.last["vpcs"] for a in vpc["actions"]]

    def outcome(self, kind: str, service: str = "") -> dict[str, Any]:
        (found,) = [
            a
            for a in self.outcomes()
            if a["action"] == kind and (not service or short(a["service"]) == service)
        ]
        return found


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Runs:
    """Capture every summary the handler's engine returns during the test."""
    from handlers import account_run

    kept = Runs()
    original = account_run.run

    def run(*args: Any, **kwargs: Any) -> Any:
        summary = original(*args, **kwargs)
        kept.summaries.append(summary)
        return summary

    monkeypatch.setattr(account_run, "run", run)
    return kept


@dataclass
class FakeTime:
    """A clock and a sleep for the executor: waits are counted, never spent.

    ``on_sleep(n)`` runs after the n-th sleep (the world moves on while the tool waits).
    A wait past ``limit`` seconds, or more than ``max_sleeps`` sleeps (zero-length ones
    included), fails the test: an unbounded wait would otherwise hang it.
    """

    now: float = 0.0
    limit: float = 3600.0
    on_sleep: Callable[[int], None] | None = None
    max_sleeps: int = 1000

    def __post_init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.now > self.limit or len(self.slept) > self.max_sleeps:
            raise AssertionError(f"waited {self.now:.0f}s in {len(self.slept)} sleeps: unbounded")
        if self.on_sleep is not None:
            self.on_sleep(len(self.slept))

    def clock(self) -> float:
        return self.now


def use_fake_time(monkeypatch: pytest.MonkeyPatch, fake: FakeTime) -> None:
    """Make every Executor the handler builds use ``fake``'s sleep and clock."""
    import remediation.executor as executor_module

    base = executor_module.Executor

    class FakeTimeExecutor(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.update(sleep=fake.sleep, clock=fake.clock)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(executor_module, "Executor", FakeTimeExecutor)


_SHARED: dict[str, Any] = {}
_SHARED_LOCK = threading.Lock()
