"""Every row of docs/failures.md, through the Lambda handler against moto (made strict), plus
the eventual-consistency cases the executor retries in the run.

The fault is injected at the HTTP layer (``tests/support/aws_faults.py``) on the S3 gateway's
create,
so botocore's real retry handler sees it; the ECR endpoints must be created whatever happens
to the gateway (one refusal blocks nothing else)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from handlers.remediate import RemediationFailed, lambda_handler
from remediation.executor.errors import QUOTAS
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer, refuse
from tests.support.failure_rows import ROWS
from tests.support.invariants import violations
from tests.support.scenarios import (
    FakeTime,
    Runs,
    auto_fix,
    census,
    create_vpc_event,
    use_fake_time,
)
from tests.support.topology import build_vpc


def for_service(name: str) -> Any:
    return lambda params: params.get("ServiceName", [""])[0].endswith(f".{name}")


@pytest.mark.parametrize("row", ROWS, ids=[r[0] + (" (zone)" if r[1] else "") for r in ROWS])
def test_each_row_through_the_handler(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    lambda_context: LambdaContext,
    row: tuple[str, str, str, str],
) -> None:
    code, words, kind, _ = row
    vpc = build_vpc(aws.ec2)
    auto_fix(handler_env)
    message = f"The VPC endpoint service {words}: subnet-1" if words else "refused"
    fault = refuse("CreateVpcEndpoint", code, message, when=for_service("s3"))
    faults.add(fault)
    event = create_vpc_event(vpc.vpc_id)

    if kind == "permanent":
        result = lambda_handler(event, lambda_context)  # no error: a retry would not help
        assert not result["failed"]
        assert result["counts"]["actions_needing_person"] == 1
    else:
        with pytest.raises(RemediationFailed):
            lambda_handler(event, lambda_context)
    outcome = runs.outcome("create-gateway-endpoint")
    expected = {"permanent": "needs-person", "transient": "failed", "unknown": "failed"}[kind]
    assert (outcome["status"], outcome["error_code"]) == (expected, code)
    # Transient: botocore's 8 attempts, no more; anything else: one attempt, never retried.
    assert fault.hits == (8 if kind == "transient" else 1)
    if kind == "transient":
        assert outcome["detail"].startswith("transient")
    if code in QUOTAS:
        assert "Service Quotas" in outcome["detail"]
    # One refusal blocks nothing else: the ECR endpoints are there.
    found = census(aws.ec2, vpc.vpc_id)
    assert (found.usable["ecr.api"], found.usable["ecr.dkr"], found.usable["s3"]) == (1, 1, 0)


def test_a_full_gateway_quota_leaves_the_ecr_endpoints_and_names_the_quota(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = aws.sns.create_topic(Name="guard")["TopicArn"]
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    auto_fix(handler_env)
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "remediation.report.notify.SnsNotifier.publish", lambda self, s, b: sent.append((s, b))
    )
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    quota = Fault(
        "ec2",
        "CreateVpcEndpoint",
        400,
        "VpcEndpointLimitExceeded",
        "The maximum number of VPC endpoints has been reached.",
        None,
        for_service("s3"),
    )
    faults.add(quota)

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert not result["failed"]
    (report,) = result["vpcs"]
    assert report["status"] == "incomplete"
    found = census(aws.ec2, vpc.vpc_id)
    assert (found.usable["ecr.api"], found.usable["ecr.dkr"], found.usable["s3"]) == (1, 1, 0)
    assert quota.hits == 1
    ((_subject, body),) = sent
    assert "needs-person" in body
    assert "Gateway VPC endpoints per Region" in body
    assert "Service Quotas" in body


# --------------------------------------------------------------------------- eventual consistency


def test_a_fresh_vpc_whose_new_group_is_invisible_for_one_call_converges_in_one_invocation(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    auto_fix(handler_env)
    fake = FakeTime(limit=60)
    use_fake_time(monkeypatch, fake)
    unseen = "The security group 'sg-x' does not exist"
    invisible = [
        Fault("ec2", "AuthorizeSecurityGroupIngress", 400, "InvalidGroup.NotFound", unseen),
        Fault(
            "ec2",
            "CreateVpcEndpoint",
            400,
            "InvalidGroup.NotFound",
            unseen,
            1,
            for_service("ecr.api"),
        ),
    ]
    faults.add(*invisible)

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert [f.hits for f in invisible] == [1, 1]
    assert not result["failed"], result["vpcs"][0]["actions"]
    assert result["vpcs"][0]["status"] == "fixed"
    assert violations(aws.ec2, vpc.vpc_id, REGION) == []
    assert census(aws.ec2, vpc.vpc_id).one_of_each
    assert "DescribeSecurityGroups" in api_calls.operations("ec2")  # waited until visible
    assert 0 < sum(fake.slept) <= 30  # bounded


def test_a_group_not_created_by_the_run_is_not_waited_for(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """InvalidGroup.NotFound about a group the run did not just create is not transient."""
    vpc = build_vpc(aws.ec2)
    auto_fix(handler_env)
    lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)  # the tool's group exists
    aws.ec2.delete_vpc_endpoints(
        VpcEndpointIds=[
            e["VpcEndpointId"]
            for e in aws.ec2.describe_vpc_endpoints(
                Filters=[{"Name": "vpc-id", "Values": [vpc.vpc_id]}]
            )["VpcEndpoints"]
            if e["ServiceName"].endswith("ecr.api")
        ]
    )
    gone = Fault("ec2", "CreateVpcEndpoint", 400, "InvalidGroup.NotFound", "gone", None)
    faults.add(gone)
    fake = FakeTime(limit=60)
    use_fake_time(monkeypatch, fake)

    with pytest.raises(RemediationFailed):
        lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert gone.hits == 1
    assert fake.slept == []
    assert runs.outcome("create-interface-endpoint")["status"] == "failed"


DNS_OFF = (
    "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes "
    "set to true for vpc-1"
)


@pytest.mark.parametrize("enabled_by_the_run", [True, False], ids=["just-enabled", "was-on"])
def test_private_dns_refused_right_after_enabling_the_attributes_is_retried(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    enabled_by_the_run: bool,
) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=not enabled_by_the_run)
    auto_fix(handler_env)
    fake = FakeTime(limit=60)
    use_fake_time(monkeypatch, fake)
    refusal = Fault(
        "ec2", "CreateVpcEndpoint", 400, "InvalidParameter", DNS_OFF, 1, for_service("ecr.api")
    )
    faults.add(refusal)

    if enabled_by_the_run:
        result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)
        assert result["vpcs"][0]["status"] == "fixed"
        assert runs.outcome("create-interface-endpoint", "ecr.api")["status"] == "applied"
        assert 0 < sum(fake.slept) <= 30
    else:
        with pytest.raises(RemediationFailed):
            lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)
        outcome = runs.outcome("create-interface-endpoint", "ecr.api")
        assert (outcome["status"], outcome["error_code"]) == ("failed", "InvalidParameter")
        assert fake.slept == []
    assert refusal.hits == 1
    assert re.search(r"enableDnsHostnames", DNS_OFF)


# --------------------------------------------------------------------------- one refusal


def test_a_refused_zone_does_not_block_the_private_dns_repair(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    runs: Runs,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    """The AZ addition is its own ModifyVpcEndpoint: EC2 refusing the zone leaves the
    private-DNS repair of the same endpoint done, and the run successful."""
    from moto.ec2.models import ec2_backends

    from tests.support.scenarios import endpoint_of

    vpc = build_vpc(aws.ec2)
    auto_fix(handler_env)
    lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)
    endpoint = endpoint_of(aws.ec2, vpc.vpc_id, "ecr.api")
    dropped = endpoint["SubnetIds"][0]
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], RemoveSubnetIds=[dropped])
    backend = ec2_backends["123456789012"][REGION]
    backend.vpc_end_points[endpoint["VpcEndpointId"]].private_dns_enabled = False
    zone = Fault(
        "ec2",
        "ModifyVpcEndpoint",
        400,
        "InvalidParameter",
        f"The VPC endpoint service does not support the availability zone of the subnet: {dropped}",
        None,
        lambda params: "AddSubnetId.1" in params,
    )
    faults.add(zone)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)

    assert not result["failed"]
    modifies = [o for o in runs.outcomes() if o["action"] == "modify-endpoint"]
    assert sorted(o["status"] for o in modifies) == ["applied", "needs-person"]
    assert len(api_calls.params("ModifyVpcEndpoint")) == 2  # one write per wrong item
    assert backend.vpc_end_points[endpoint["VpcEndpointId"]].private_dns_enabled
    assert zone.hits == 1
