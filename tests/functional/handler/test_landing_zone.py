"""Do no harm in a landing zone (issue 20 items 1, 2, 3, 7), through the Lambda handler
against moto made strict: inspected egress keeps its inspection, perimeter policies on what
the tool creates there, a shared-out VPC's endpoints admit its participants, and an endpoint
a person tightened is not loosened."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation.baseline import endpoint_policies as P
from remediation.baseline.inspected_egress import EGRESS_INSPECTED
from remediation.iam_policy.evaluation import evaluate, is_full_access
from remediation.iam_policy.terms import Caller, Request, Verdict
from remediation.vocabulary import MANAGED_TAG
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext, shared_client
from tests.support.policies import SEED_ECR
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.sns import published, topic_with_queue
from tests.support.topology import BuiltVpc, build_vpc, endpoints

ORG = "o-a1b2c3d4e5"
PARTICIPANT = "111122223333"
PULLS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")


def run(built: BuiltVpc, context: LambdaContext) -> dict[str, Any]:
    (vpc,) = lambda_handler(create_vpc_event(built.vpc_id), context)["vpcs"]
    return dict(vpc)


def codes(vpc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["code"]: f for f in vpc["findings"]}


def admits_pulls(policy: str, account: str) -> bool:
    caller = Caller(account_id=account, organization_id="", vpc_id="vpc", endpoint_id="vpce")
    repos = f"arn:aws:ecr:{REGION}:{account}:repository/"
    requests = [Request("ecr:GetAuthorizationToken", "*")]
    requests += [Request(a, repos, any_suffix=True, resource_account=account) for a in PULLS]
    return all(evaluate(policy, r, caller).verdict is Verdict.ALLOWED for r in requests)


def transit_routed(aws: Aws, zones: int = 2) -> tuple[BuiltVpc, list[str]]:
    """A VPC whose first ``zones`` private route tables send 0.0.0.0/0 to a transit gateway."""
    built = build_vpc(aws.ec2, dns_hostnames=True)
    tgw = aws.ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    inspected = [built.private_route_tables[z] for z in sorted(built.private_route_tables)[:zones]]
    for table in inspected:
        aws.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=tgw
        )
    return built, inspected


def firewall_routed(aws: Aws) -> tuple[BuiltVpc, list[str]]:
    """A VPC whose private route tables send 0.0.0.0/0 to a Gateway Load Balancer endpoint
    (a Network Firewall endpoint is one) in the public subnets."""
    built = build_vpc(aws.ec2, dns_hostnames=True)
    firewall = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.vpce.{REGION}.vpce-svc-0123456789abcdef0",
        VpcEndpointType="GatewayLoadBalancer",
        SubnetIds=[sorted(built.public_subnets.values())[0]],
    )["VpcEndpoint"]["VpcEndpointId"]
    inspected = sorted(built.private_route_tables.values())
    for table in inspected:
        aws.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", VpcEndpointId=firewall
        )
    return built, inspected


def appliance_gone(aws: Aws) -> tuple[BuiltVpc, list[str]]:
    """A VPC whose private route tables send 0.0.0.0/0 to an appliance's network interface
    that has since been deleted (being replaced): EC2 describes the routes ``blackhole``."""
    built = build_vpc(aws.ec2, dns_hostnames=True)
    appliance = aws.ec2.create_network_interface(SubnetId=sorted(built.public_subnets.values())[0])[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    inspected = sorted(built.private_route_tables.values())
    for table in inspected:
        aws.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=appliance
        )
    aws.ec2.delete_network_interface(NetworkInterfaceId=appliance)
    return built, inspected


# --------------------------------------------------------------------------- item 1


@pytest.mark.parametrize(
    "routing",
    [transit_routed, firewall_routed, appliance_gone],
    ids=["tgw", "firewall", "appliance-blackhole"],
)
def test_an_inspected_vpc_in_auto_fix_keeps_its_inspection(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    routing: Any,
) -> None:
    auto_fix(handler_env)
    built, inspected = routing(aws)
    api_calls.clear()

    vpc = run(built, lambda_context)

    made = api_calls.params("CreateVpcEndpoint")
    assert all(p["VpcEndpointType"] == "Gateway" for p in made), made  # no interface endpoint
    uninspected = sorted(set(built.private_route_tables.values()) - set(inspected))
    assert [sorted(p["RouteTableIds"]) for p in made] == ([uninspected] if uninspected else [])
    warning = codes(vpc)[EGRESS_INSPECTED]
    assert warning["severity"] == "warning"
    assert all(t in warning["message"] for t in inspected)
    assert vpc["status"] != "compliant"
    for endpoint in endpoints(aws.ec2, built.vpc_id):
        if endpoint["VpcEndpointType"] == "Gateway":
            assert not set(endpoint["RouteTableIds"]) & set(inspected)


@pytest.mark.parametrize("routing", [transit_routed, firewall_routed], ids=["tgw", "firewall"])
def test_repair_gives_what_it_creates_on_an_inspected_vpc_the_perimeter_policy(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    routing: Any,
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("INSPECTED_EGRESS", "repair")
    handler_env.setenv("ORGANIZATION_ID", ORG)
    built, inspected = routing(aws)
    api_calls.clear()

    vpc = run(built, lambda_context)

    made = api_calls.params("CreateVpcEndpoint")
    kinds = {p["ServiceName"].rsplit(".", 1)[-1] for p in made}
    assert {"api", "dkr", "s3"} <= kinds
    routed_tables = {t for p in made for t in p.get("RouteTableIds", [])}
    assert set(inspected) <= routed_tables  # the inspected tables got their S3 route...
    for params in made:
        service = params["ServiceName"].rsplit(".", 2)[-2]
        if params["VpcEndpointType"] == "Interface" or set(params["RouteTableIds"]) & set(
            inspected
        ):
            policy = params["PolicyDocument"]
            assert "aws:PrincipalOrgID" in policy and "aws:ResourceOrgID" in policy, params
            assert not is_full_access(policy, service)  # ...never through full access
    assert codes(vpc)[EGRESS_INSPECTED]["severity"] == "info"

    api_calls.clear()  # and the next run leaves them as they are
    again = run(built, lambda_context)
    assert api_calls.writes("ec2") == [], again["findings"]


# --------------------------------------------------------------------------- item 3


def share(aws: Aws, built: BuiltVpc, *principals: str) -> str:
    ram = shared_client("ram")
    arns = [f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{s}" for s in built.all_private]
    return str(
        ram.create_resource_share(name="workloads", resourceArns=arns, principals=list(principals))[
            "resourceShare"
        ]["resourceShareArn"]
    )


def participant_interface(aws: Aws, built: BuiltVpc, account: str = PARTICIPANT) -> str:
    eni = aws.ec2.create_network_interface(SubnetId=built.all_private[0], Description="task")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    aws.strict.interface_owners[eni] = account
    return str(eni)


def test_a_shared_out_vpcs_endpoints_admit_the_participant(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)  # ENDPOINT_POLICY unset: account, which a shared VPC never gets
    built = build_vpc(aws.ec2, dns_hostnames=True)
    share(aws, built, PARTICIPANT)
    api_calls.clear()

    vpc = run(built, lambda_context)

    interfaces = [
        p for p in api_calls.params("CreateVpcEndpoint") if p["VpcEndpointType"] == "Interface"
    ]
    assert len(interfaces) == 2
    for params in interfaces:
        assert admits_pulls(params["PolicyDocument"], PARTICIPANT)
        assert admits_pulls(params["PolicyDocument"], ACCOUNT)
        assert not admits_pulls(params["PolicyDocument"], "444455556666")
    assert api_calls.operations("ram").count("ListResources") == 1
    assert vpc["status"] == "fixed", vpc["findings"]


def test_a_shared_out_vpc_with_an_organisation_gets_the_organisation_policy(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("ENDPOINT_POLICY", "account")
    handler_env.setenv("ORGANIZATION_ID", ORG)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    share(aws, built, PARTICIPANT)
    participant_interface(aws, built)
    api_calls.clear()

    run(built, lambda_context)

    for params in (
        p for p in api_calls.params("CreateVpcEndpoint") if p["VpcEndpointType"] == "Interface"
    ):
        statement = json.loads(params["PolicyDocument"])["Statement"][0]
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
        # RAM says the participant is outside the organisation (external): named beside it
        assert admits_pulls(params["PolicyDocument"], PARTICIPANT)
        assert not admits_pulls(params["PolicyDocument"], "444455556666")
    assert api_calls.operations("ram") == ["ListResources", "ListPrincipals"]  # once each


def test_an_existing_owner_only_policy_is_reported_for_the_participants(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True)
    participant_interface(aws, built)  # no RAM share read: the interface's owner tells
    for short in ("ecr.api", "ecr.dkr"):
        aws.ec2.create_vpc_endpoint(
            VpcId=built.vpc_id,
            ServiceName=f"com.amazonaws.{REGION}.{short}",
            VpcEndpointType="Interface",
            SubnetIds=[ids[0] for _, ids in sorted(built.private_subnets.items())],
            PrivateDnsEnabled=True,
            PolicyDocument=SEED_ECR,  # the owner's principals only
        )

    vpc = run(built, lambda_context)

    blocked = [f for f in vpc["findings"] if f["code"] == P.ENDPOINT_POLICY_BLOCKS_PARTICIPANTS]
    assert len(blocked) == 2 and all(PARTICIPANT in f["message"] for f in blocked)
    assert all(f["severity"] == "warning" for f in blocked)


@pytest.mark.parametrize(
    ("error", "code", "severity", "interfaces"),
    [
        ("AccessDeniedException", "vpc-shares-unreadable", "info", 2),  # judged not shared
        ("ServiceUnavailableException", "vpc-shares-unknown", "warning", 0),  # unknown: none
    ],
    ids=["refused", "failed"],
)
def test_a_ram_read_that_fails_fails_nothing(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    error: str,
    code: str,
    severity: str,
    interfaces: int,
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.ram_failures.append(error)
    api_calls.clear()

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)  # does not raise

    (vpc,) = result["vpcs"]
    assert codes(vpc)[code]["severity"] == severity
    made = [p["VpcEndpointType"] for p in api_calls.params("CreateVpcEndpoint")]
    assert made.count("Interface") == interfaces and made.count("Gateway") == 1
    assert api_calls.operations("ram") == ["ListResources"]  # once, never again in the run


# --------------------------------------------------------------------------- item 7


def test_a_tightened_tool_endpoint_is_not_loosened(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("ENDPOINT_POLICY", "full-access")  # the policy this test assumes
    built = build_vpc(aws.ec2, dns_hostnames=True)
    run(built, lambda_context)
    mine = [
        e
        for e in endpoints(aws.ec2, built.vpc_id)
        if e["ServiceName"].endswith("ecr.api")
        and {"Key": MANAGED_TAG, "Value": "true"} in e.get("Tags", [])
    ]
    (endpoint,) = mine
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], PolicyDocument=SEED_ECR)
    api_calls.clear()

    vpc = run(built, lambda_context)

    assert "ModifyVpcEndpoint" not in api_calls.writes("ec2")
    kept = codes(vpc)[P.POLICY_CHANGED_KEPT]
    assert kept["severity"] == "info" and "changed by a person; kept" in kept["message"]
    assert vpc["status"] == "compliant"
    (after,) = [
        e["PolicyDocument"]
        for e in endpoints(aws.ec2, built.vpc_id)
        if e["VpcEndpointId"] == endpoint["VpcEndpointId"]
    ]
    assert after == SEED_ECR


def test_a_tool_endpoint_that_blocks_pulls_is_restored_with_the_reason_in_the_message(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("ENDPOINT_POLICY", "account")
    topic, queue = topic_with_queue(aws)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    run(built, lambda_context)
    (endpoint,) = [
        e for e in endpoints(aws.ec2, built.vpc_id) if e["ServiceName"].endswith("ecr.dkr")
    ]
    no_pulls = json.loads(endpoint["PolicyDocument"])
    no_pulls["Statement"].append(
        {
            "Sid": "NoLayers",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "ecr:GetDownloadUrlForLayer",
            "Resource": "*",
        }
    )
    aws.ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], PolicyDocument=json.dumps(no_pulls)
    )
    handler_env.setenv("NOTIFICATION_TOPIC_ARN", topic)
    api_calls.clear()

    vpc = run(built, lambda_context)

    (modify,) = api_calls.params("ModifyVpcEndpoint")
    assert modify["VpcEndpointId"] == endpoint["VpcEndpointId"]
    assert "NoLayers" not in modify["PolicyDocument"]
    assert codes(vpc)[P.POLICY_DRIFT]["severity"] == "warning"
    (message,) = published(aws, queue)
    assert "blocks image pulls" in message["Message"] and "NoLayers" in message["Message"]
