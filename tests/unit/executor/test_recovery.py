"""Recovery after a refused create (:mod:`remediation.executor.recovery`): a fresh read
explains a refusal only when it finds what the action wanted, never merely another endpoint
of the service. Pure: a fake EC2 that refuses the create, and a fake inventory's fresh read."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.actions import Action, CreateGatewayEndpoint, CreateInterfaceEndpoint
from remediation.executor.core import Executor
from remediation.executor.step import RunContext
from remediation.model import Endpoint
from remediation.outcomes import Outcome, OutcomeStatus
from remediation.vocabulary import EndpointType

VPC = "vpc-1"
S3 = "com.amazonaws.us-east-1.s3"
ECR_API = "com.amazonaws.us-east-1.ecr.api"
PERIMETER = '{"Statement": "the perimeter policy"}'


class RefusingEc2:
    """Refuses every ``CreateVpcEndpoint`` with one code, and counts the attempts."""

    def __init__(self, code: str, message: str = "refused") -> None:
        self.code, self.message = code, message
        self.creates = 0

    def create_vpc_endpoint(self, **kwargs: Any) -> dict[str, Any]:
        self.creates += 1
        error = {"Error": {"Code": self.code, "Message": self.message}}
        raise ClientError(error, "CreateVpcEndpoint")  # type: ignore[arg-type]


def gateway(endpoint_id: str, *tables: str, state: str = "available") -> Endpoint:
    return Endpoint(endpoint_id, VPC, S3, EndpointType.GATEWAY, state, route_table_ids=tables)


def interface(endpoint_id: str, service: str = ECR_API) -> Endpoint:
    return Endpoint(
        endpoint_id, VPC, service, EndpointType.INTERFACE, "available", subnet_ids=("subnet-1",)
    )


def create_gateway(*tables: str) -> CreateGatewayEndpoint:
    """The perimeter gateway for inspected route tables (``INSPECTED_EGRESS=repair``)."""
    return CreateGatewayEndpoint(
        vpc_id=VPC,
        reason="gateway-missing",
        service_name=S3,
        route_table_ids=tables,
        client_token="token",
        policy_document=PERIMETER,
    )


def create_interface(service: str = ECR_API) -> CreateInterfaceEndpoint:
    return CreateInterfaceEndpoint(
        vpc_id=VPC,
        reason="endpoint-missing",
        service_name=service,
        subnet_ids=("subnet-1",),
        group_ids=("sg-1",),
        client_token="token",
    )


def apply(action: Action, ec2: RefusingEc2, fresh: list[Endpoint]) -> Outcome:
    """The executor applies one action; its fresh read of the VPC's endpoints is ``fresh``."""

    def endpoints_of(vpc_id: str, service_name: str) -> list[Endpoint]:
        return [e for e in fresh if e.vpc_id == vpc_id and e.service_name == service_name]

    inventory: Any = SimpleNamespace(
        ec2=None, region="us-east-1", route53=None, endpoints_of=endpoints_of
    )
    executor = Executor(ec2, inventory, sleep=lambda _: None)
    (outcome,) = executor.apply((action,), RunContext())
    return outcome


# ---------------------------------------------------------------------------------- gateways


@pytest.mark.parametrize("code", ["VpcEndpointLimitExceeded", "TagPolicyViolation"])
def test_a_permanent_refusal_is_not_hidden_by_another_gateway_on_other_tables(code: str) -> None:
    """The VPC's full-access gateway on rtb-c is not the perimeter gateway the action wanted on
    rtb-a and rtb-b: the refusal reaches a person, and is not retried."""
    ec2 = RefusingEc2(code)
    outcome = apply(create_gateway("rtb-a", "rtb-b"), ec2, [gateway("vpce-full", "rtb-c")])

    assert outcome.status is OutcomeStatus.NEEDS_PERSON, outcome.detail
    assert outcome.error_code == code
    assert outcome.resource_id == ""
    assert ec2.creates == 1


@pytest.mark.parametrize(
    "fresh",
    [
        [gateway("vpce-a", "rtb-a")],
        [gateway("vpce-a", "rtb-a"), gateway("vpce-b", "rtb-b")],  # covered, but not by one
    ],
    ids=["one-of-two-tables", "split-between-two"],
)
def test_a_gateway_on_some_of_the_actions_tables_is_not_done(fresh: list[Endpoint]) -> None:
    ec2 = RefusingEc2("VpcEndpointLimitExceeded")
    outcome = apply(create_gateway("rtb-a", "rtb-b"), ec2, fresh)

    assert outcome.status is OutcomeStatus.NEEDS_PERSON, outcome.detail
    assert outcome.error_code == "VpcEndpointLimitExceeded"


def test_a_route_table_taken_by_another_gateway_is_not_read_as_done() -> None:
    """EC2 refuses the create because a table of the action routes S3 through another gateway:
    for a create that is a conflict, not "already done" as it is for a route added twice. It
    fails (Lambda's retry re-plans from the gateways that are there)."""
    ec2 = RefusingEc2(
        "RouteAlreadyExists", "route table rtb-a already has a route with destination-prefix-list"
    )
    outcome = apply(create_gateway("rtb-a", "rtb-b"), ec2, [gateway("vpce-a", "rtb-a")])

    assert outcome.status is OutcomeStatus.FAILED, outcome.detail
    assert outcome.error_code == "RouteAlreadyExists"
    assert "rtb-a, rtb-b" in outcome.detail


def test_a_gateway_on_every_table_of_the_action_is_already_done() -> None:
    """Someone else (or the token's earlier create) made it: found, whatever its policy, and
    never confused with the VPC's other gateway, nor with an interface endpoint of S3."""
    fresh = [
        interface("vpce-0s3interface", S3),
        gateway("vpce-1other", "rtb-c"),
        gateway("vpce-2theirs", "rtb-a", "rtb-b", "rtb-d"),
        gateway("vpce-3deleted", "rtb-a", "rtb-b", state="deleted"),
    ]
    ec2 = RefusingEc2("IdempotentParameterMismatch")
    outcome = apply(create_gateway("rtb-a", "rtb-b"), ec2, fresh)

    assert outcome.status is OutcomeStatus.ALREADY_DONE, outcome.detail
    assert outcome.resource_id == "vpce-2theirs"
    assert outcome.error_code == "IdempotentParameterMismatch"
    assert outcome.detail.startswith("vpce-2theirs exists on a fresh read")


# ---------------------------------------------------------------------------------- interfaces


def test_an_interface_endpoint_found_anywhere_is_already_done() -> None:
    """Unchanged: the plan creates one only when the VPC has no usable one, and the next run
    repairs the one found in place (its subnets need not be the action's)."""
    fresh = [interface("vpce-theirs"), interface("vpce-other", "com.amazonaws.us-east-1.sts")]
    ec2 = RefusingEc2("InvalidParameter", "private DNS: conflicting DNS domain")
    outcome = apply(create_interface(), ec2, fresh)

    assert outcome.status is OutcomeStatus.ALREADY_DONE, outcome.detail
    assert outcome.resource_id == "vpce-theirs"


def test_an_interface_create_is_not_explained_by_a_gateway_of_the_same_service() -> None:
    """``s3:interface`` in SERVICES: S3's gateway (same service name) is not the interface
    endpoint the plan asked for, so a quota refusal reaches a person."""
    ec2 = RefusingEc2("VpcEndpointLimitExceeded")
    outcome = apply(create_interface(S3), ec2, [gateway("vpce-gateway", "rtb-a")])

    assert outcome.status is OutcomeStatus.NEEDS_PERSON, outcome.detail
    assert ec2.creates == 1
