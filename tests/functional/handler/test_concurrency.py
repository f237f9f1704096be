"""Races: two invocations of the handler on one VPC at once, and the idempotency tokens
that keep them from making anything twice.

moto's mock is process-wide, so two threads share one AWS. The race is made real: both
invocations read and plan before either writes (a barrier at the start of the executor's
work), and then every create of one waits for the same create of the other, so the two
requests reach EC2 together. EC2 applies each request atomically (the fault layer
serialises moto's processing, as EC2 does).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handlers.remediate import lambda_handler
from remediation.executor import Executor
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import FaultLayer
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.scenarios import (
    FIXTURE_VPC,
    Runs,
    auto_fix,
    census,
    create_vpc_event,
    endpoint_of,
)
from tests.support.topology import BuiltVpc, build_vpc

CREATES = ("CreateSecurityGroup", "CreateVpcEndpoint")


@pytest.fixture
def app(aws: Aws) -> BuiltVpc:
    return build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})


def race(
    monkeypatch: pytest.MonkeyPatch,
    faults: FaultLayer,
    events: tuple[dict[str, Any], dict[str, Any]],
    context: LambdaContext,
) -> list[Any]:
    """Run the handler on both events at once; return each result (or exception)."""
    started = threading.Barrier(2, timeout=30)
    collide = threading.Barrier(2, timeout=30)
    original = Executor.apply

    def apply(self: Executor, actions: tuple[Any, ...], ctx: Any) -> Any:
        started.wait()  # both have read and planned; neither has written
        return original(self, actions, ctx)

    def in_step(service: str, operation: str) -> None:
        if threading.current_thread().name.startswith("invocation-") and operation in CREATES:
            collide.wait()  # this create and the other invocation's reach EC2 together

    monkeypatch.setattr(Executor, "apply", apply)
    faults.before = in_step
    results: list[Any] = [None, None]

    def invoke(index: int) -> None:
        try:
            results[index] = lambda_handler(events[index], context)
        except Exception as exc:  # reported below, with the other thread's result
            results[index] = exc
            started.abort()
            collide.abort()

    threads = [threading.Thread(target=invoke, args=(i,), name=f"invocation-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an invocation hung"
    faults.before = None
    return results


# Both threads share Powertools' Metrics, whose store is process-wide (Lambda runs one invocation
# per execution environment at a time): the invocation that ends first flushes what both
# recorded, and the other may then find nothing to publish. Powertools warns of that, as the
# threads' timing has it (one run in several); the test judges EC2's resources, not metrics.
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
@pytest.mark.parametrize("events", ["same event twice", "two events"])
def test_two_invocations_at_once_make_one_endpoint_per_service_and_one_group(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    events: str,
) -> None:
    auto_fix(handler_env)
    first = create_vpc_event(app.vpc_id)
    second = (
        create_vpc_event(app.vpc_id)
        if events == "same event twice"
        else load_event("create_subnet", ids={FIXTURE_VPC: app.vpc_id})
    )

    results = race(monkeypatch, faults, (first, second), lambda_context)

    for result in results:
        assert isinstance(result, dict), result
        assert result["failed"] is False, result["vpcs"][0]["actions"]
        assert result["vpcs"][0]["status"] == "fixed"
    # Both tried every create (a real race), and sent one token per service between them.
    sent: dict[str, set[str]] = defaultdict(set)
    for params in api_calls.params("CreateVpcEndpoint"):
        sent[params["ServiceName"]].add(params["ClientToken"])
    assert len(api_calls.params("CreateVpcEndpoint")) == 6
    assert len(api_calls.params("CreateSecurityGroup")) == 2
    assert {service: len(tokens) for service, tokens in sent.items()} == {
        f"com.amazonaws.{REGION}.{s}": 1 for s in ("ecr.api", "ecr.dkr", "s3")
    }
    # One of each, on AWS; and the loser of each race said so.
    found = census(aws.ec2, app.vpc_id)
    assert found.one_of_each, found
    assert violations(aws.ec2, app.vpc_id, REGION) == []
    statuses = sorted(
        o.status.value for summary in runs.summaries for v in summary.vpcs for o in v.outcomes
    )
    assert statuses.count("already-done") >= 1  # the group, at least, was found, not made
    if events == "two events":  # other tags, same token: EC2's mismatch, then a fresh read
        assert statuses.count("already-done") == 4, statuses


def test_strict_ec2_refuses_a_repeated_token_with_other_parameters(aws: Aws, app: BuiltVpc) -> None:
    def create(name: str) -> Any:
        return aws.ec2.create_vpc_endpoint(
            VpcEndpointType="Gateway",
            VpcId=app.vpc_id,
            ServiceName=f"com.amazonaws.{REGION}.s3",
            RouteTableIds=[app.private_route_tables[f"{REGION}a"]],
            ClientToken="same-token",
            TagSpecifications=[
                {"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": name}]}
            ],
        )["VpcEndpoint"]["VpcEndpointId"]

    made = create("one")
    assert create("one") == made
    with pytest.raises(ClientError, match="IdempotentParameterMismatch"):
        create("two")


def test_ec2_refuses_a_second_group_of_the_same_name_in_a_vpc(aws: Aws, app: BuiltVpc) -> None:
    """The tool's group is found, not duplicated, because EC2 (and moto) refuse the name."""
    aws.ec2.create_security_group(GroupName="twice", Description="d", VpcId=app.vpc_id)
    with pytest.raises(ClientError, match=r"InvalidGroup\.Duplicate"):
        aws.ec2.create_security_group(GroupName="twice", Description="d", VpcId=app.vpc_id)


@pytest.mark.parametrize(
    ("group_id", "code"),
    [("<tool-security-group>", "InvalidGroupId.Malformed"), ("sg-0123456789abcdef0", "NotFound")],
)
def test_strict_ec2_refuses_an_unknown_group_on_an_endpoint(
    aws: Aws, app: BuiltVpc, group_id: str, code: str
) -> None:
    with pytest.raises(ClientError, match=code):
        aws.ec2.create_vpc_endpoint(
            VpcEndpointType="Interface",
            VpcId=app.vpc_id,
            ServiceName=f"com.amazonaws.{REGION}.ecr.api",
            SubnetIds=[app.private_subnets[f"{REGION}a"][0]],
            SecurityGroupIds=[group_id],
            PrivateDnsEnabled=False,  # the app VPC's DNS hostnames are off: not this test's point
        )


@pytest.mark.parametrize("same_event", [True, False], ids=["same-event", "other-event"])
def test_endpoint_forgotten_on_the_day_it_was_made_is_not_silently_lost(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    runs: Runs,
    lambda_context: LambdaContext,
    same_event: bool,
) -> None:
    """The token repeats (EC2 forgot the deleted endpoint the same UTC day).

    Same parameters: EC2 returns the old, deleted endpoint; the executor creates once more
    with the next token. Other parameters (another event's tags): IdempotentParameterMismatch,
    nothing usable on a fresh read: reported as failed, never as applied.
    """
    from moto.ec2.models import ec2_backends

    auto_fix(handler_env)
    event = create_vpc_event(app.vpc_id)
    lambda_handler(event, lambda_context)
    old = endpoint_of(aws.ec2, app.vpc_id, "ecr.api")["VpcEndpointId"]
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[old])
    ec2_backends[ACCOUNT][REGION].vpc_end_points.pop(old)  # ...and EC2 has forgotten it
    again = event if same_event else load_event("create_subnet", ids={FIXTURE_VPC: app.vpc_id})

    if same_event:
        result = lambda_handler(again, lambda_context)
        assert result["vpcs"][0]["status"] == "fixed"
        outcome = runs.outcome("create-interface-endpoint", "ecr.api")
        assert outcome["status"] == "applied"
        assert outcome["resource_id"] != old
        assert census(aws.ec2, app.vpc_id).one_of_each
        assert violations(aws.ec2, app.vpc_id, REGION) == []
    else:
        with pytest.raises(Exception, match="some repairs failed"):
            lambda_handler(again, lambda_context)
        outcome = runs.outcome("create-interface-endpoint", "ecr.api")
        assert (outcome["status"], outcome["error_code"]) == (
            "failed",
            "IdempotentParameterMismatch",
        )
        assert census(aws.ec2, app.vpc_id).usable["ecr.api"] == 0
