"""ENDPOINT_NEED at the handler: where interface endpoints go (always, workloads, isolated),
workload events resolved to their VPC, the S3 gateway rule the same in every mode."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from tests.support.aws import ACCOUNT, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.strict_workloads import workload_eni
from tests.support.topology import BuiltVpc, add_nat_gateway, build_vpc, endpoints

FIXTURE_VPC = "vpc-0a1b2c3d4e5f67890"
FIXTURE_SUBNETS = ("subnet-0aaaa1111bbbb2222", "subnet-0cccc3333dddd4444")


def auto_fix(env: pytest.MonkeyPatch, need: str) -> None:
    env.setenv("REMEDIATION_MODE", "auto-fix")
    env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    env.setenv("ENDPOINT_NEED", need)


def create_vpc_event(vpc_id: str) -> dict[str, Any]:
    return load_event("create_vpc", ids={FIXTURE_VPC: vpc_id})


def services(aws: Aws, vpc_id: str, kind: str) -> set[str]:
    return {
        e["ServiceName"].rsplit(".", 2)[-2] + "." + e["ServiceName"].rsplit(".", 1)[-1]
        if e["ServiceName"].endswith((".api", ".dkr"))
        else e["ServiceName"].rsplit(".", 1)[-1]
        for e in endpoints(aws.ec2, vpc_id)
        if e["VpcEndpointType"] == kind
    }


@pytest.fixture
def sandbox(aws: Aws) -> BuiltVpc:
    """An empty VPC whose private subnets go out through a NAT gateway: nobody runs anything."""
    vpc = build_vpc(aws.ec2, dns_hostnames=True, tags={"Name": "sandbox"})
    add_nat_gateway(aws.ec2, vpc)
    return vpc


@pytest.fixture
def isolated(aws: Aws) -> BuiltVpc:
    """A VPC whose private subnets have no route out at all."""
    return build_vpc(
        aws.ec2,
        dns_hostnames=True,
        public=False,
        tags={"Name": "isolated"},
        cidr="10.1.0.0/16",
    )


@pytest.mark.parametrize("need", ["always", "workloads", "isolated"])
def test_the_s3_gateway_is_added_in_every_mode(
    aws: Aws,
    sandbox: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    need: str,
) -> None:
    auto_fix(handler_env, need)
    result = lambda_handler(create_vpc_event(sandbox.vpc_id), lambda_context)
    assert services(aws, sandbox.vpc_id, "Gateway") == {"s3"}, result
    interface = services(aws, sandbox.vpc_id, "Interface")
    assert interface == ({"ecr.api", "ecr.dkr"} if need == "always" else set())


def test_an_empty_sandbox_gets_no_interface_endpoints_under_workloads(
    aws: Aws,
    sandbox: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    auto_fix(handler_env, "workloads")
    result = lambda_handler(create_vpc_event(sandbox.vpc_id), lambda_context)
    (vpc,) = result["vpcs"]
    assert services(aws, sandbox.vpc_id, "Interface") == set()
    (info,) = [f for f in vpc["findings"] if f["code"] == "endpoints-not-needed"]
    assert info["severity"] == "info"
    assert "ENDPOINT_NEED=workloads" in info["message"]
    assert "nat-" in info["message"]  # the route out it relies on
    assert "ENDPOINT_NEED=always" in info["message"]  # what would change the verdict
    assert vpc["status"] == "fixed"  # the S3 gateway endpoint was added; nothing else is owed


def test_an_isolated_vpc_with_an_ecs_task_gets_its_endpoints_under_workloads(
    aws: Aws,
    isolated: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    workload_eni(aws.ec2, isolated.all_private[0], "ecs-task")
    auto_fix(handler_env, "workloads")
    result = lambda_handler(create_vpc_event(isolated.vpc_id), lambda_context)
    assert services(aws, isolated.vpc_id, "Interface") == {"ecr.api", "ecr.dkr"}, result
    assert not [f for f in result["vpcs"][0]["findings"] if f["code"] == "endpoints-not-needed"]


def test_a_nat_vpc_with_an_ecs_task_gets_endpoints_under_workloads_not_under_isolated(
    aws: Aws,
    sandbox: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    workload_eni(aws.ec2, sandbox.all_private[0], "ecs-task")
    auto_fix(handler_env, "isolated")
    lambda_handler(create_vpc_event(sandbox.vpc_id), lambda_context)
    assert services(aws, sandbox.vpc_id, "Interface") == set()
    auto_fix(handler_env, "workloads")
    lambda_handler(create_vpc_event(sandbox.vpc_id), lambda_context)
    assert services(aws, sandbox.vpc_id, "Interface") == {"ecr.api", "ecr.dkr"}


def test_lambda_and_nat_interfaces_are_not_workloads(
    aws: Aws,
    sandbox: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    workload_eni(aws.ec2, sandbox.all_private[0], "lambda")
    workload_eni(aws.ec2, sandbox.all_private[0], "nat")
    auto_fix(handler_env, "workloads")
    lambda_handler(create_vpc_event(sandbox.vpc_id), lambda_context)
    assert services(aws, sandbox.vpc_id, "Interface") == set()


def test_an_isolated_vpc_gets_its_endpoints_under_isolated(
    aws: Aws,
    isolated: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    auto_fix(handler_env, "isolated")
    lambda_handler(create_vpc_event(isolated.vpc_id), lambda_context)
    assert services(aws, isolated.vpc_id, "Interface") == {"ecr.api", "ecr.dkr"}


def test_an_ecs_create_service_event_evaluates_the_vpc_of_its_subnets(
    aws: Aws,
    isolated: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
) -> None:
    subnet = isolated.all_private[0]
    workload_eni(aws.ec2, subnet, "ecs-task")
    auto_fix(handler_env, "workloads")
    event = load_event(
        "ecs_create_service",
        ids={FIXTURE_SUBNETS[0]: subnet, FIXTURE_SUBNETS[1]: isolated.all_private[1]},
    )
    api_calls.clear()
    result = lambda_handler(event, lambda_context)
    assert result["event"]["event_name"] == "CreateService"
    assert [v["vpc_id"] for v in result["vpcs"]] == [isolated.vpc_id]
    assert "DescribeSubnets" in api_calls.operations("ec2")
    assert services(aws, isolated.vpc_id, "Interface") == {"ecr.api", "ecr.dkr"}


@pytest.mark.parametrize(
    "name",
    [
        "ecs_update_service",
        "eks_create_nodegroup",
        "eks_create_fargate_profile",
        "batch_create_compute_environment",
    ],
)
def test_every_workload_event_resolves_to_the_vpc_of_its_subnets(
    aws: Aws,
    isolated: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    name: str,
) -> None:
    handler_env.setenv("ENDPOINT_NEED", "workloads")
    event = load_event(
        name,
        ids={
            FIXTURE_SUBNETS[0]: isolated.all_private[0],
            FIXTURE_SUBNETS[1]: isolated.all_private[1],
        },
    )
    result = lambda_handler(event, lambda_context)
    assert [v["vpc_id"] for v in result["vpcs"]] == [isolated.vpc_id], result


@pytest.mark.parametrize("repair", [False, True])
def test_a_profile_s_companions_are_reported_and_created_only_with_profile_repair(
    aws: Aws,
    sandbox: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    repair: bool,
) -> None:
    auto_fix(handler_env, "always")
    handler_env.setenv("ENDPOINT_PROFILE", "ecs-fargate")
    handler_env.setenv("PROFILE_REPAIR", "true" if repair else "false")
    result = lambda_handler(create_vpc_event(sandbox.vpc_id), lambda_context)
    companions = {"logs", "secretsmanager", "ssm"}
    created = services(aws, sandbox.vpc_id, "Interface")
    assert created == {"ecr.api", "ecr.dkr", *(companions if repair else ())}, result
    reported = {
        f["service"] for f in result["vpcs"][0]["findings"] if f["code"] == "endpoint-missing"
    }
    assert reported == {"ecr.api", "ecr.dkr", *companions}  # the findings before the repairs
    planned = {a["service"].rsplit(".", 1)[-1] for a in result["vpcs"][0]["actions"]}
    assert (companions <= planned) is repair


def test_a_workload_event_stays_within_the_event_budget(
    aws: Aws,
    isolated: BuiltVpc,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
) -> None:
    """docs/performance.md: at most 12 reads cold for one VPC, plus one to find the VPC of an
    event that names none (here DescribeSubnets); no CloudWatch read for an event."""
    handler_env.setenv("ENDPOINT_NEED", "workloads")
    workload_eni(aws.ec2, isolated.all_private[0], "ecs-task")
    event = load_event("ecs_create_service", ids={FIXTURE_SUBNETS[0]: isolated.all_private[0]})
    event["detail"]["requestParameters"]["networkConfiguration"]["awsvpcConfiguration"][
        "subnets"
    ] = [isolated.all_private[0]]
    api_calls.clear()
    lambda_handler(event, lambda_context)
    reads = [op for op in api_calls.operations() if op.startswith(("Describe", "List", "Get"))]
    assert len(reads) <= 12 + 1, reads
    assert api_calls.operations("cloudwatch") == []
