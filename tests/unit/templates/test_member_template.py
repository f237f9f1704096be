"""The member stack (``member.yaml``, organisation mode): plain CloudFormation a service-managed
StackSet can deploy, whose role grants exactly what the code declares, trusted by the central
function only, and whose rule forwards exactly the events the central rules act on.

It is read and evaluated with the same tools as ``template.yaml`` (see
``tests/unit/templates/test_template.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from cfnlint.decode import decode_str
from cfnlint.helpers import REGIONS

from remediation.report.securityhub import UPDATE_PERMISSIONS
from tests.support.template import (
    ACCOUNT,
    EXPECTED_RULE,
    OTHER_ACCOUNTS,
    READ,
    REPO,
    WRITE,
    Deployment,
    _as_list,
    _fixture,
    _plain,
    _source,
    cfn_lint,
    matches,
    policy_documents,
)

MEMBER = REPO / "member.yaml"
CENTRAL_ACCOUNT = "999988887777"
CENTRAL_ROLE = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/ecr-endpoint-guard-FunctionRole-ABC"
CENTRAL_BUS = f"arn:aws:events:us-east-1:{CENTRAL_ACCOUNT}:event-bus/ecr-endpoint-guard"
ORG = "o-a1b2c3d4e5"
REQUIRED = {
    "CentralRoleArn": CENTRAL_ROLE,
    "CentralEventBusArn": CENTRAL_BUS,
    "OrganizationId": ORG,
}
#: Fixtures of the security-group rule, forwarded only with WatchSecurityGroupChanges=true.
SECURITY_GROUP_RULE = "SecurityGroupDrift"


@cache
def _member() -> dict[str, Any]:
    template, errors = decode_str(MEMBER.read_text())
    assert not errors, f"member.yaml does not parse: {errors}"
    return dict(_plain(template))


@pytest.fixture(scope="module")
def member() -> dict[str, Any]:
    return _member()


def deployment(account: str = ACCOUNT, **parameters: str) -> Deployment:
    return Deployment(_member(), account=account, **{**REQUIRED, **parameters})


def role_policies(dep: Deployment, role: str) -> dict[str, list[dict[str, Any]]]:
    """A role's inline policies by name, each as its list of statements."""
    props = dep.resources()[role]["Properties"]
    return {p["PolicyName"]: _as_list(p["PolicyDocument"]["Statement"]) for p in props["Policies"]}


def granted(dep: Deployment) -> set[str]:
    statements = [s for p in role_policies(dep, "MemberRole").values() for s in p]
    assert all(s["Effect"] == "Allow" for s in statements)
    return {a for s in statements for a in _as_list(s["Action"])}


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


# ------------------------------------------------------------------------------------------------
# StackSet-ready: plain CloudFormation
# ------------------------------------------------------------------------------------------------


def test_plain_cloudformation_no_transform_nested_stack_or_macro(member: dict[str, Any]) -> None:
    # Service-managed StackSets' default execution role cannot provision transforms or macros.
    assert "Transform" not in member
    types = {r["Type"] for r in member["Resources"].values()}
    assert not any(t.startswith("AWS::Serverless::") for t in types)
    assert not types & {"AWS::CloudFormation::Stack", "AWS::CloudFormation::Macro"}
    assert not any(isinstance(n, dict) and "Fn::Transform" in n for n in _walk(member))


def test_nothing_but_the_role_and_the_forwarding(member: dict[str, Any]) -> None:
    """No function, key, topic or queue per account: those live in the central stack only."""
    kinds = sorted(r["Type"] for r in member["Resources"].values())
    assert kinds == ["AWS::Events::Rule", "AWS::Events::Rule", "AWS::IAM::Role", "AWS::IAM::Role"]


def test_cfn_lint_finds_nothing_in_any_region() -> None:
    assert cfn_lint(MEMBER.read_text(), REGIONS) == []


def test_every_parameter_is_described(member: dict[str, Any]) -> None:
    for name, spec in member["Parameters"].items():
        assert len(spec.get("Description", "")) > 30, name
        assert "AllowedValues" in spec or "AllowedPattern" in spec, name


# ------------------------------------------------------------------------------------------------
# The member role: exactly the code's permissions, the central function's trust only
# ------------------------------------------------------------------------------------------------


def test_no_wildcard_action(member: dict[str, Any]) -> None:
    actions = [
        a
        for _, document in policy_documents(member)
        for statement in _as_list(document["Statement"])
        for a in _as_list(statement.get("Action", []))
    ]
    assert actions
    assert [a for a in actions if not isinstance(a, str) or "*" in a or ":" not in a] == []


@pytest.mark.parametrize(
    ("parameters", "writes"),
    [
        ({}, False),
        ({"Mode": "dry-run", "AutoFixAccountIds": ACCOUNT}, False),
        ({"Mode": "auto-fix"}, False),
        ({"Mode": "auto-fix", "AutoFixAccountIds": ",".join(OTHER_ACCOUNTS)}, False),
        ({"Mode": "auto-fix", "AutoFixAccountIds": ACCOUNT}, True),
        ({"Mode": "auto-fix", "AutoFixAccountIds": ",".join([*OTHER_ACCOUNTS[:9], ACCOUNT])}, True),
        ({"Mode": "dry-run", "FixOnApproval": "true"}, True),
    ],
)
def test_member_role_grants_exactly_the_code_s_permissions(
    parameters: dict[str, str], writes: bool
) -> None:
    dep = deployment(**parameters)
    approvals = frozenset(UPDATE_PERMISSIONS) if "FixOnApproval" in parameters else frozenset()
    assert granted(dep) == READ | (WRITE if writes else frozenset()) | approvals
    outputs = dep.resolve(_member()["Outputs"])
    assert outputs["WritesGranted"]["Value"] == ("true" if writes else "false")


@pytest.mark.parametrize(
    ("parameters", "policies"),
    [
        ({"Mode": "dry-run"}, {"read"}),
        ({"Mode": "auto-fix"}, {"read", "repair"}),
        ({"Mode": "dry-run", "SecurityHubFindings": "true"}, {"read", "securityhub"}),
        ({"Mode": "dry-run", "FixOnApproval": "true"}, {"read", "repair", "securityhub"}),
    ],
)
def test_member_role_states_the_central_role_s_statements(
    parameters: dict[str, str], policies: set[str]
) -> None:
    """Same declarations as the central function role: its read, repair and Security Hub
    policies, statement by statement (Sid, actions, resources, conditions)."""
    parameters = {**parameters, "AutoFixAccountIds": ACCOUNT}
    central = role_policies(Deployment(_source(), **parameters), "FunctionRole")
    mine = role_policies(deployment(**parameters), "MemberRole")
    assert set(mine) == policies
    for name, statements in mine.items():
        assert statements == central[name], name


def test_only_the_central_role_inside_the_organisation_may_assume_it() -> None:
    """Issue 20 item 6: the central account is trusted with two conditions, the central role's
    ARN (aws:PrincipalArn) and the organisation (aws:PrincipalOrgID). A role ARN as Principal
    would be stored as the role's unique id, and a redeployed central role refused."""
    role = deployment().resources()["MemberRole"]["Properties"]
    assert role["RoleName"] == "ecr-endpoint-guard-member"
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{CENTRAL_ACCOUNT}:root"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": CENTRAL_ROLE},
        "StringEquals": {"aws:PrincipalOrgID": ORG},
    }


def test_the_trusted_account_is_the_central_role_s() -> None:
    other = "arn:aws:iam::210987654321:role/path/guard-eu-west-1"
    role = deployment(CentralRoleArn=other).resources()["MemberRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    assert trust["Condition"]["ArnEquals"] == {"aws:PrincipalArn": other}


def test_the_member_role_creates_endpoints_of_the_central_stack_s_services_only() -> None:
    """The same Services as the central stack: the ec2:VpceServiceName condition of both roles
    is one list (tests/unit/templates/test_template.py proves what it admits)."""
    services = "ecr.api:interface,ecr.dkr:interface,s3:gateway,logs:interface"
    central = role_policies(
        Deployment(_source(), Mode="auto-fix", AutoFixAccountIds=ACCOUNT, Services=services),
        "FunctionRole",
    )
    mine = role_policies(
        deployment(Mode="auto-fix", AutoFixAccountIds=ACCOUNT, Services=services), "MemberRole"
    )
    assert mine["repair"] == central["repair"]
    (create,) = [s for s in mine["repair"] if s["Sid"] == "CreateEndpointsOfTheServices"]
    assert create["Condition"]["StringLike"]["ec2:VpceServiceName"][-1] == "com.amazonaws.*.logs"


# ------------------------------------------------------------------------------------------------
# Forwarding to the central bus
# ------------------------------------------------------------------------------------------------


FORWARDING_RULES = ("ForwardEc2Events", "ForwardWorkloadEvents")


def _forwards(dep: Deployment, event: Any) -> bool:
    resources = dep.resources()
    return any(
        matches(resources[name]["Properties"]["EventPattern"], event) for name in FORWARDING_RULES
    )


@pytest.mark.parametrize("name", sorted(EXPECTED_RULE))
def test_forwards_what_a_central_rule_acts_on_and_nothing_else(name: str) -> None:
    event = _fixture(name)
    expected = EXPECTED_RULE[name]
    if event.get("source") == "aws.securityhub":
        # Security Hub's events reach the central account through Security Hub itself (its
        # cross-account aggregation), not through the member's forwarding rule.
        assert not _forwards(deployment(WatchSecurityGroupChanges="true"), event), name
        return
    watching = deployment(WatchSecurityGroupChanges="true")
    assert _forwards(watching, event) is (expected is not None), name
    default = deployment()
    assert _forwards(default, event) is (expected not in (None, SECURITY_GROUP_RULE)), name


def test_forwarding_role_may_only_put_events_on_the_central_bus() -> None:
    dep = deployment()
    resources = dep.resources()
    for name in FORWARDING_RULES:
        (target,) = resources[name]["Properties"]["Targets"]
        assert target["Arn"] == CENTRAL_BUS
        assert target["RoleArn"] == "<GetAtt ForwardingRole.Arn>"
    role = resources["ForwardingRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    (statement,) = role_policies(dep, "ForwardingRole")["put-events-on-central-bus"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == CENTRAL_BUS
