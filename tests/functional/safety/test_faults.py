"""Faults, through the Lambda handler against moto: each injected at the HTTP layer (so
botocore's real retry handler sees it) or as a change of the world between evaluation and
action. Each test also re-runs the handler on the same event, as Lambda's retry would, and
asserts on AWS state that the VPC converges with exactly one endpoint per service and one
tool group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handlers.remediate import RemediationFailed, lambda_handler
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer, throttle
from tests.support.fixtures import load_event
from tests.support.invariants import violations
from tests.support.scenarios import (
    FakeTime,
    Runs,
    auto_fix,
    before_apply,
    census,
    create_vpc_event,
    endpoint_of,
    set_endpoint_state,
    tear_down_vpc,
    use_fake_time,
)
from tests.support.topology import BuiltVpc, build_vpc

ECR_API = f"com.amazonaws.{REGION}.ecr.api"


def for_service(name: str) -> Callable[[dict[str, list[str]]], bool]:
    """Match an EC2 request by its ServiceName parameter (``"ecr.dkr"``)."""
    return lambda params: params.get("ServiceName", [""])[0].endswith(f".{name}")


@pytest.fixture
def app(aws: Aws) -> BuiltVpc:
    """Public and private subnets in three AZs, DNS hostnames off: five repairs to make."""
    return build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})


def rerun_converges(
    aws: Aws, faults: FaultLayer, event: dict[str, Any], context: LambdaContext, vpc_id: str
) -> None:
    """Lambda's retry of the same event, the fault gone: compliant, nothing twice."""
    faults.faults.clear()
    result = lambda_handler(event, context)
    assert not result["failed"], result
    assert violations(aws.ec2, vpc_id, REGION) == []
    found = census(aws.ec2, vpc_id)
    assert found.one_of_each, found


def fixed(aws: Aws, vpc_id: str, handler_env: pytest.MonkeyPatch, ctx: LambdaContext) -> None:
    auto_fix(handler_env)
    lambda_handler(create_vpc_event(vpc_id), ctx)
    assert violations(aws.ec2, vpc_id, REGION) == []


# --------------------------------------------------------------------------- retries


def test_throttling_is_retried_by_botocore_then_succeeds(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    lambda_context: LambdaContext,
) -> None:
    # Six throttles in a row: more than botocore's default legacy mode retries (4), fewer
    # than the standard mode with 8 attempts in all that clients.py configures (7).
    topic = aws.sns.create_topic(Name="guard")["TopicArn"]
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    injected = [
        throttle("ec2", "DescribeVpcs", 6),
        throttle("ec2", "CreateVpcEndpoint", 6, when=for_service("ecr.api")),
        throttle("route53", "ListHostedZonesByVPC", 6),
        throttle("sns", "Publish", 6),
    ]
    faults.add(*injected)

    result = lambda_handler(create_vpc_event(app.vpc_id), lambda_context)

    assert [f.hits for f in injected] == [6, 6, 6, 6]
    assert len(faults.sleeps) >= 24  # botocore backed off before each retry (not waited here)
    (vpc,) = result["vpcs"]
    assert vpc["status"] == "fixed", vpc
    assert vpc["notification"] == "sent"
    assert violations(aws.ec2, app.vpc_id, REGION) == []
    assert census(aws.ec2, app.vpc_id).one_of_each


def test_server_error_in_the_middle_of_a_plan_fails_one_action_only(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    lambda_context: LambdaContext,
) -> None:
    auto_fix(handler_env)
    broken = Fault(
        "ec2", "CreateVpcEndpoint", 500, "InternalError", times=None, when=for_service("ecr.dkr")
    )
    faults.add(broken)
    event = create_vpc_event(app.vpc_id)

    with pytest.raises(RemediationFailed):
        lambda_handler(event, lambda_context)

    assert broken.hits == 8  # botocore's retries, then the error
    failed = runs.outcome("create-interface-endpoint", "ecr.dkr")
    assert (failed["status"], failed["error_code"]) == ("failed", "InternalError")
    others = [o for o in runs.outcomes() if o != failed]
    assert len(others) == 4
    assert {o["status"] for o in others} == {"applied"}  # the plan went on past the failure
    assert runs.last["vpcs"][0]["status"] == "failed"
    assert runs.last["failed"] is True
    found = census(aws.ec2, app.vpc_id)
    assert (found.usable["ecr.api"], found.usable["ecr.dkr"], found.usable["s3"]) == (1, 0, 1)

    rerun_converges(aws, faults, event, lambda_context, app.vpc_id)


LOST = {
    "gateway endpoint": ("CreateVpcEndpoint", for_service("s3")),
    "interface endpoint": ("CreateVpcEndpoint", for_service("ecr.api")),
    "security group": ("CreateSecurityGroup", None),
    "group rule": ("AuthorizeSecurityGroupIngress", None),
    "vpc attribute": ("ModifyVpcAttribute", None),
}


@pytest.mark.parametrize("case", sorted(LOST))
def test_a_lost_response_is_retried_without_a_duplicate(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    lambda_context: LambdaContext,
    case: str,
) -> None:
    """EC2 applied the call but the answer was a 500: botocore retries the same request."""
    operation, when = LOST[case]
    auto_fix(handler_env)
    lost = Fault("ec2", operation, 500, "InternalError", when=when, lost_response=True)
    faults.add(lost)

    result = lambda_handler(create_vpc_event(app.vpc_id), lambda_context)

    assert lost.hits == 1
    assert faults.tried(operation) >= 2
    assert result["vpcs"][0]["status"] == "fixed", result["vpcs"][0]["actions"]
    assert violations(aws.ec2, app.vpc_id, REGION) == []
    found = census(aws.ec2, app.vpc_id)
    assert found.one_of_each, found


DENIED = {
    "vpc attribute": ("ModifyVpcAttribute", None, "enable-vpc-attribute", ""),
    "endpoint": (
        "CreateVpcEndpoint",
        for_service("ecr.api"),
        "create-interface-endpoint",
        "ecr.api",
    ),
    "security group": ("CreateSecurityGroup", None, "create-security-group", ""),
}


@pytest.mark.parametrize("case", sorted(DENIED))
def test_access_denied_names_the_missing_permission(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    lambda_context: LambdaContext,
    case: str,
) -> None:
    from remediation.actions import ACTION_KINDS

    operation, when, kind, service = DENIED[case]
    auto_fix(handler_env)
    denied = Fault(
        "ec2",
        operation,
        403,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation. Encoded authorization failure "
        "message: AbCdEf",
        times=None,
        when=when,
    )
    faults.add(denied)
    event = create_vpc_event(app.vpc_id)

    result = lambda_handler(event, lambda_context)  # a refusal no retry fixes: no error

    assert denied.hits == 1  # not a transient error: not retried, by botocore nor the run
    outcome = runs.outcome(kind, service)
    assert (outcome["status"], outcome["error_code"]) == ("needs-person", "UnauthorizedOperation")
    (action_kind,) = [k for k in ACTION_KINDS if kind == k.KIND]
    for permission in action_kind.PERMISSIONS:
        assert permission in outcome["detail"], outcome["detail"]
    assert "aws sts decode-authorization-message" in outcome["detail"]
    assert not result["failed"]
    assert result["vpcs"][0]["status"] == "incomplete"
    assert result["counts"]["actions_needing_person"] >= 1
    # What does not depend on the denied call still happened.
    assert runs.outcome("create-gateway-endpoint")["status"] == "applied"
    if kind == "create-security-group":
        dependents = [o for o in runs.outcomes() if o["action"] == "create-interface-endpoint"]
        assert {(o["status"], o["error_code"]) for o in dependents} == {
            ("needs-person", "DependencyFailed")
        }

    rerun_converges(aws, faults, event, lambda_context, app.vpc_id)


# --------------------------------------------------------------------------- the world moves


def _vpc_with_dns_only(aws: Aws, handler_env: pytest.MonkeyPatch, ctx: LambdaContext) -> str:
    """DNS on, nothing else: the first write is CreateSecurityGroup."""
    return build_vpc(aws.ec2, dns_hostnames=True).vpc_id


def _vpc_with_new_cidr(aws: Aws, handler_env: pytest.MonkeyPatch, ctx: LambdaContext) -> str:
    """Compliant, then a CIDR block added: the first write authorizes it on the tool's group."""
    vpc_id = build_vpc(aws.ec2).vpc_id
    fixed(aws, vpc_id, handler_env, ctx)
    aws.ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.20.0.0/16")
    return vpc_id


def _vpc_with_private_dns_off(aws: Aws, handler_env: pytest.MonkeyPatch, ctx: LambdaContext) -> str:
    """Compliant, then private DNS off on ecr.api: the first write modifies the endpoint."""
    from moto.ec2.models import ec2_backends

    vpc_id = build_vpc(aws.ec2).vpc_id
    fixed(aws, vpc_id, handler_env, ctx)
    endpoint = endpoint_of(aws.ec2, vpc_id, "ecr.api")["VpcEndpointId"]
    ec2_backends[ACCOUNT][REGION].vpc_end_points[endpoint].private_dns_enabled = False
    return vpc_id


def _vpc_with_hostnames_off(aws: Aws, handler_env: pytest.MonkeyPatch, ctx: LambdaContext) -> str:
    return build_vpc(aws.ec2, dns_hostnames=False).vpc_id


FIRST_WRITE = {
    "ModifyVpcAttribute": _vpc_with_hostnames_off,
    "CreateSecurityGroup": _vpc_with_dns_only,
    "AuthorizeSecurityGroupIngress": _vpc_with_new_cidr,
    "ModifyVpcEndpoint": _vpc_with_private_dns_off,
}


@pytest.mark.parametrize("first_write", sorted(FIRST_WRITE))
def test_vpc_deleted_between_evaluation_and_action_is_skipped_not_failed(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    runs: Runs,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    first_write: str,
) -> None:
    from moto.ec2.models import ec2_backends

    vpc_id = FIRST_WRITE[first_write](aws, handler_env, lambda_context)
    auto_fix(handler_env)

    def delete_the_vpc(executor: Any, actions: tuple[Any, ...], context: Any) -> None:
        endpoints = aws.ec2.describe_vpc_endpoints(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]
        )["VpcEndpoints"]
        tear_down_vpc(aws.ec2, vpc_id)
        for endpoint in endpoints:  # and EC2 has forgotten the deleted endpoints by now
            ec2_backends[ACCOUNT][REGION].vpc_end_points.pop(endpoint["VpcEndpointId"], None)

    before_apply(monkeypatch, delete_the_vpc)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(vpc_id), lambda_context)  # does not raise

    removals = ("Delete", "Detach", "Disassociate")  # the test's own teardown
    first = next(op for op in api_calls.writes() if not op.startswith(removals))
    assert first == first_write
    (vpc,) = result["vpcs"]
    assert vpc["status"] == "skipped", vpc["actions"]
    assert {a["status"] for a in vpc["actions"]} == {"skipped"}
    assert not result["failed"]
    with pytest.raises(ClientError, match=r"InvalidVpcID\.NotFound"):
        aws.ec2.describe_vpcs(VpcIds=[vpc_id])
    leftovers = aws.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    assert leftovers["SecurityGroups"] == []


def test_strict_ec2_refuses_a_security_group_in_a_missing_vpc(aws: Aws) -> None:
    with pytest.raises(ClientError, match=r"InvalidVpcID\.NotFound"):
        aws.ec2.create_security_group(GroupName="g", Description="d", VpcId="vpc-0123456789abcdef0")


@pytest.mark.parametrize("their_state", ["available", "pending"])
def test_endpoint_made_meanwhile_by_someone_else_is_used_not_duplicated(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    their_state: str,
) -> None:
    """EC2 refuses the tool's create on the DNS conflict; a fresh read finds theirs."""
    auto_fix(handler_env)
    theirs: list[str] = []

    def someone_creates_it(executor: Any, actions: tuple[Any, ...], context: Any) -> None:
        # Private DNS needs both DNS attributes on (EC2 refuses it otherwise): they turn
        # hostnames on first, as the tool's plan would.
        aws.ec2.modify_vpc_attribute(VpcId=app.vpc_id, EnableDnsHostnames={"Value": True})
        endpoint = aws.ec2.create_vpc_endpoint(
            VpcEndpointType="Interface",
            VpcId=app.vpc_id,
            ServiceName=ECR_API,
            SubnetIds=[app.private_subnets[f"{REGION}a"][0]],
            PrivateDnsEnabled=True,
        )["VpcEndpoint"]["VpcEndpointId"]
        set_endpoint_state(endpoint, their_state)
        theirs.append(endpoint)

    before_apply(monkeypatch, someone_creates_it)
    event = create_vpc_event(app.vpc_id)

    result = lambda_handler(event, lambda_context)

    outcome = runs.outcome("create-interface-endpoint", "ecr.api")
    assert outcome["status"] == "already-done", outcome
    assert outcome["resource_id"] == theirs[0]
    assert result["vpcs"][0]["status"] == "fixed"
    assert census(aws.ec2, app.vpc_id).usable["ecr.api"] == 1

    rerun_converges(aws, faults, event, lambda_context, app.vpc_id)  # theirs repaired in place
    assert endpoint_of(aws.ec2, app.vpc_id, "ecr.api")["VpcEndpointId"] == theirs[0]


@pytest.mark.parametrize("service", ["ecr.api", "s3"])
@pytest.mark.parametrize("other_event", [False, True], ids=["same-event", "other-event"])
def test_a_repeated_client_token_never_makes_a_second_endpoint(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    other_event: bool,
) -> None:
    """Another invocation of the tool sent the same create first.

    Same event (a Lambda retry racing itself): EC2 returns the same endpoint. Another event
    (a CreateSubnet event beside the DeleteVpcEndpoints one): the same token with other tags,
    EC2's IdempotentParameterMismatch, and a fresh read finds the endpoint.
    """
    from remediation.actions import CreateGatewayEndpoint, CreateInterfaceEndpoint
    from remediation.executor import RunContext

    vpc_id = build_vpc(aws.ec2).vpc_id
    fixed(aws, vpc_id, handler_env, lambda_context)
    gone = endpoint_of(aws.ec2, vpc_id, service)["VpcEndpointId"]
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[gone])
    event = load_event("delete_vpc_endpoints_single", ids={"vpce-0a1b2c3d4e5f60001": gone})
    first: list[Any] = []

    def other_invocation(executor: Any, actions: tuple[Any, ...], context: Any) -> None:
        (create,) = [
            a for a in actions if isinstance(a, CreateInterfaceEndpoint | CreateGatewayEndpoint)
        ]
        theirs = RunContext(event_id="another-event") if other_event else context
        first.append(executor._apply_one(create, theirs))

    before_apply(monkeypatch, other_invocation)

    result = lambda_handler(event, lambda_context)

    assert first[0].status.value == "applied"
    kind = "create-gateway-endpoint" if service == "s3" else "create-interface-endpoint"
    outcome = runs.outcome(kind)
    assert outcome["resource_id"] == first[0].resource_id
    assert outcome["status"] == ("already-done" if other_event else "applied"), outcome
    if other_event:
        assert outcome["error_code"] == "IdempotentParameterMismatch"
    assert result["vpcs"][0]["status"] == "fixed"
    found = census(aws.ec2, vpc_id)
    assert found.one_of_each, found
    assert violations(aws.ec2, vpc_id, REGION) == []


# --------------------------------------------------------------------------- endpoint states


def test_pending_endpoint_counts_as_present(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    fixed(aws, app.vpc_id, handler_env, lambda_context)
    for service in ("ecr.api", "ecr.dkr", "s3"):
        set_endpoint_state(endpoint_of(aws.ec2, app.vpc_id, service)["VpcEndpointId"], "pending")
    api_calls.clear()

    result = lambda_handler(create_vpc_event(app.vpc_id), lambda_context)

    assert api_calls.writes() == []
    assert result["vpcs"][0]["status"] == "compliant", result["vpcs"][0]["findings"]


@pytest.mark.parametrize("finishes_after_polls", [2, None], ids=["finishes", "outlasts-wait"])
def test_same_service_endpoint_still_deleting_is_waited_for(
    aws: Aws,
    app: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    finishes_after_polls: int | None,
) -> None:
    """EC2 refuses a second private-DNS endpoint while the old one is ``deleting``.

    The executor polls (bounded by DELETION_WAIT_SECONDS) and creates once the old one is
    gone, or defers to Lambda's retry, which then converges.
    """
    fixed(aws, app.vpc_id, handler_env, lambda_context)
    handler_env.setenv("DELETION_WAIT_SECONDS", "60")
    old = endpoint_of(aws.ec2, app.vpc_id, "ecr.api")["VpcEndpointId"]
    set_endpoint_state(old, "deleting")

    def ec2_works(polls: int) -> None:
        if polls == finishes_after_polls:
            set_endpoint_state(old, "deleted")

    fake = FakeTime(limit=600, on_sleep=ec2_works)
    use_fake_time(monkeypatch, fake)
    event = load_event("delete_vpc_endpoints_single", ids={"vpce-0a1b2c3d4e5f60001": old})
    api_calls.clear()

    if finishes_after_polls is not None:
        result = lambda_handler(event, lambda_context)
        assert result["vpcs"][0]["status"] == "fixed"
        assert runs.outcome("create-interface-endpoint")["status"] == "applied"
        assert sum(fake.slept) == 10  # two polls of 5 s, then the create
        assert violations(aws.ec2, app.vpc_id, REGION) == []
    else:
        with pytest.raises(RemediationFailed):
            lambda_handler(event, lambda_context)
        outcome = runs.outcome("create-interface-endpoint")
        assert outcome["status"] == "deferred", outcome
        assert runs.last["vpcs"][0]["status"] == "deferred"
        assert 55 <= sum(fake.slept) <= 60  # waited, and no longer than allowed
        assert "CreateVpcEndpoint" not in api_calls.writes()
        set_endpoint_state(old, "deleted")  # EC2 finishes; Lambda retries the event
        rerun_converges(aws, faults, event, lambda_context, app.vpc_id)
    found = census(aws.ec2, app.vpc_id)
    assert found.one_of_each, found
