"""Endpoint policies (issue 10 item 3): a blocking policy is reported and never rewritten,
the seed article's policies are compliant, the tool's own endpoints get the policy of the
settings and are put back when it drifts. Pure rule tests first, then the handler against
moto made strict (moto returns ``PolicyDocument`` as written, and EC2's default
full-access document when none was given)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation import actions as A
from remediation.baseline import endpoint_policies as P
from remediation.config import Settings, load_settings
from remediation.engine import assess
from remediation.findings import Severity
from remediation.iam_policy import canonical, is_full_access
from remediation.model import MANAGED_TAG
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.fixtures import load_event
from tests.support.snapshots import compliant, gateway, interface
from tests.support.topology import BuiltVpc, build_vpc

DAY = "2026-11-30"
PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
TABLES = ("rtb-priv-a", "rtb-priv-b", "rtb-priv-c")
LAYERS = f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SEED_ECR = policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    }
)
SEED_S3 = policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"],
        "Resource": [LAYERS, f"{LAYERS}/*"],
    }
)
DENY_PULLS = policy(
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    {
        "Sid": "NoPulls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "ecr:BatchGetImage",
        "Resource": "*",
    },
)
OTHER_BUCKET = policy(
    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::my-data/*"}
)
UNKNOWN_CONDITION = policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "web"}},
    }
)


def with_policies(ecr: str, s3: str, owned: bool = False) -> Any:
    tags = {MANAGED_TAG: "true"} if owned else {}
    return compliant(
        endpoints=(
            dataclasses.replace(interface("ecr.api", *PRIV), policy_document=ecr, tags=tags),
            dataclasses.replace(interface("ecr.dkr", *PRIV), policy_document=ecr, tags=tags),
            dataclasses.replace(gateway(*TABLES), policy_document=s3, tags=tags),
        )
    )


# --------------------------------------------------------------------------- the rule


def test_the_seed_articles_policies_are_compliant() -> None:
    findings, actions = assess(with_policies(SEED_ECR, SEED_S3), Settings(), DAY)
    assert findings == () and actions == ()


def test_a_blocking_policy_is_a_warning_without_repair_saying_what_to_add() -> None:
    findings, actions = assess(with_policies(DENY_PULLS, OTHER_BUCKET), Settings(), DAY)
    assert [(f.code, f.service, f.severity) for f in findings] == [
        (P.ENDPOINT_POLICY_BLOCKS_PULLS, "ecr.api", Severity.WARNING),
        (P.ENDPOINT_POLICY_BLOCKS_PULLS, "ecr.dkr", Severity.WARNING),
        (P.GATEWAY_POLICY_BLOCKS_LAYERS, "s3", Severity.WARNING),
    ]
    assert actions == ()
    assert all(not f.repairs for f in findings)
    ecr, _, s3 = findings
    assert "ecr:BatchGetImage (denied by NoPulls)" in ecr.message
    assert "Add a statement" in ecr.message and "ecr:GetAuthorizationToken" in ecr.message
    assert f"{LAYERS}/*" in s3.message and "presigned" in s3.message


def test_a_condition_the_tool_cannot_judge_is_info_never_a_warning() -> None:
    findings, actions = assess(with_policies(UNKNOWN_CONDITION, ""), Settings(), DAY)
    assert {(f.code, f.severity) for f in findings} == {(P.POLICY_NEEDS_REVIEW, Severity.INFO)}
    assert "aws:PrincipalTag/team" in findings[0].message
    assert actions == ()


def test_the_organisation_policy_is_judged_with_the_configured_organisation() -> None:
    org = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    )
    unknown = assess(with_policies(org, ""), Settings(), DAY)[0]
    assert {f.code for f in unknown} == {P.POLICY_NEEDS_REVIEW}
    settings = load_settings({"ORGANIZATION_ID": "o-a1b2c3d4e5"})
    assert assess(with_policies(org, ""), settings, DAY)[0] == ()


def test_only_the_tools_own_endpoints_are_put_back_when_their_policy_drifts() -> None:
    findings, actions = assess(with_policies(DENY_PULLS, OTHER_BUCKET, owned=True), Settings(), DAY)
    assert [f.code for f in findings] == [P.POLICY_DRIFT] * 3
    assert all(isinstance(a, A.ModifyEndpoint) for a in actions)
    assert all(is_full_access(a.policy_document, "s3") for a in actions)  # type: ignore[attr-defined]
    # The same policies on endpoints the tool did not create: reported, never rewritten.
    _, others = assess(with_policies(DENY_PULLS, OTHER_BUCKET), Settings(), DAY)
    assert not any(isinstance(a, A.ModifyEndpoint) and a.policy_document for a in others)


def test_the_tools_endpoints_follow_the_account_setting() -> None:
    settings = load_settings({"ENDPOINT_POLICY": "account", "S3_GATEWAY_POLICY": "ecr-layers-only"})
    snap = compliant(endpoints=())
    creates = [
        a for a in assess(snap, settings, DAY)[1] if "create" in a.KIND and "group" not in a.KIND
    ]
    documents = {a.service.rsplit(".", 1)[-1]: json.loads(a.policy_document) for a in creates}  # type: ignore[attr-defined]
    assert documents["api"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:PrincipalAccount": "123456789012"}
    }
    assert documents["s3"]["Statement"][0]["Resource"] == f"{LAYERS}/*"
    # Endpoints created that way are compliant with the same settings (no drift repair).
    owned = with_policies(
        P.interface_policy(snap, settings), P.gateway_policy(snap, settings), owned=True
    )
    assert assess(owned, settings, DAY) == ((), ())


def test_full_access_creates_with_ec2s_default_policy() -> None:
    creates = [
        a for a in assess(compliant(endpoints=()), Settings(), DAY)[1] if "endpoint" in a.KIND
    ]
    assert creates and all(a.policy_document == "" for a in creates)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"ENDPOINT_POLICY": "locked-down"}, "ENDPOINT_POLICY"),
        ({"ENDPOINT_POLICY": "organization"}, "ORGANIZATION_ID"),
        ({"ENDPOINT_POLICY": "organization", "ORGANIZATION_ID": "acme"}, "ORGANIZATION_ID"),
        ({"S3_GATEWAY_POLICY": "layers"}, "S3_GATEWAY_POLICY"),
    ],
)
def test_an_unreadable_policy_setting_falls_back_safely_and_rewrites_nothing(
    env: dict[str, str], problem: str
) -> None:
    settings = load_settings(env)
    assert any(problem in p for p in settings.problems)
    assert settings.endpoint_policy == "full-access"
    assert settings.s3_gateway_policy == "full-access"
    findings, actions = assess(with_policies(SEED_ECR, SEED_S3, owned=True), settings, DAY)
    assert {f.code for f in findings} == {P.POLICY_DRIFT_KEPT}
    assert actions == ()


# --------------------------------------------------------------------------- the handler


def auto_fix(env: pytest.MonkeyPatch) -> None:
    env.setenv("REMEDIATION_MODE", "auto-fix")
    env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)


def run(vpc_id: str, context: LambdaContext) -> dict[str, Any]:
    result: dict[str, Any] = lambda_handler(
        load_event("create_vpc", ids={"vpc-0a1b2c3d4e5f67890": vpc_id}), context
    )
    return result


def user_endpoints(aws: Aws, built: BuiltVpc, ecr_policy: str, s3_policy: str) -> dict[str, str]:
    """The account's own endpoints, complete but for their policies, and a tight group."""
    group = aws.ec2.create_security_group(
        GroupName="endpoints", Description="endpoints", VpcId=built.vpc_id
    )["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            }
        ],
    )
    subnets = [ids[0] for _, ids in sorted(built.private_subnets.items())]
    made = {}
    for short in ("ecr.api", "ecr.dkr"):
        made[short] = aws.ec2.create_vpc_endpoint(
            VpcId=built.vpc_id,
            ServiceName=f"com.amazonaws.{REGION}.{short}",
            VpcEndpointType="Interface",
            SubnetIds=subnets,
            SecurityGroupIds=[group],
            PrivateDnsEnabled=True,
            PolicyDocument=ecr_policy,
        )["VpcEndpoint"]["VpcEndpointId"]
    made["s3"] = aws.ec2.create_vpc_endpoint(
        VpcId=built.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=sorted(built.private_route_tables.values()),
        PolicyDocument=s3_policy,
    )["VpcEndpoint"]["VpcEndpointId"]
    return made


def policies(aws: Aws, ids: dict[str, str]) -> dict[str, str]:
    found = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=list(ids.values()))["VpcEndpoints"]
    return {e["VpcEndpointId"]: e["PolicyDocument"] for e in found}


def test_handler_reports_a_blocking_policy_and_never_rewrites_it(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    ids = user_endpoints(aws, built, DENY_PULLS, OTHER_BUCKET)
    before = policies(aws, ids)
    assert before[ids["ecr.api"]] == DENY_PULLS  # moto returns the document as written
    api_calls.clear()

    for _ in range(2):  # and again: still reported, still untouched
        (vpc,) = run(built.vpc_id, lambda_context)["vpcs"]
        codes = {(f["code"], f["resource_id"], f["severity"]) for f in vpc["findings"]}
        assert (P.ENDPOINT_POLICY_BLOCKS_PULLS, ids["ecr.api"], "warning") in codes
        assert (P.ENDPOINT_POLICY_BLOCKS_PULLS, ids["ecr.dkr"], "warning") in codes
        assert (P.GATEWAY_POLICY_BLOCKS_LAYERS, ids["s3"], "warning") in codes
        assert vpc["status"] != "compliant"

    for params in api_calls.params("ModifyVpcEndpoint"):
        assert "PolicyDocument" not in params and "ResetPolicy" not in params
    assert policies(aws, ids) == before


def test_handler_finds_the_seed_articles_policies_compliant(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    user_endpoints(aws, built, SEED_ECR, SEED_S3)
    api_calls.clear()
    (vpc,) = run(built.vpc_id, lambda_context)["vpcs"]
    assert vpc["status"] == "compliant", vpc["findings"]
    assert api_calls.writes("ec2") == []


def test_handler_restores_the_policy_of_its_own_endpoint_only(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("ENDPOINT_POLICY", "account")
    built = build_vpc(aws.ec2, dns_hostnames=True)
    run(built.vpc_id, lambda_context)
    created = [p for p in api_calls.params("CreateVpcEndpoint") if "ecr" in p["ServiceName"]]
    assert len(created) == 2
    assert all("aws:PrincipalAccount" in p["PolicyDocument"] for p in created)
    mine = aws.ec2.describe_vpc_endpoints(
        Filters=[
            {"Name": "vpc-id", "Values": [built.vpc_id]},
            {"Name": "service-name", "Values": [f"com.amazonaws.{REGION}.ecr.api"]},
        ]
    )["VpcEndpoints"][0]
    wanted = mine["PolicyDocument"]

    api_calls.clear()
    assert run(built.vpc_id, lambda_context)["vpcs"][0]["status"] == "compliant"
    assert api_calls.writes("ec2") == []  # what EC2 returns equals the setting's document

    aws.ec2.modify_vpc_endpoint(VpcEndpointId=mine["VpcEndpointId"], PolicyDocument=DENY_PULLS)
    api_calls.clear()
    run(built.vpc_id, lambda_context)
    (modify,) = api_calls.params("ModifyVpcEndpoint")
    assert modify["VpcEndpointId"] == mine["VpcEndpointId"]
    assert canonical(modify["PolicyDocument"]) == canonical(wanted)
    after = policies(aws, {"x": mine["VpcEndpointId"]})[mine["VpcEndpointId"]]
    assert canonical(after) == canonical(wanted)
