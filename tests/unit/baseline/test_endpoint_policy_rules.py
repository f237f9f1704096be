"""Endpoint policy rules on built snapshots: blocking policies are warnings never rewritten,
conditions the tool cannot judge are info, the seed article's policies are compliant, the tool's
own endpoints follow the setting."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from remediation import actions as A
from remediation.baseline import endpoint_policies as P
from remediation.config import Settings, load_settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.iam_policy.evaluation import is_full_access
from remediation.vocabulary import MANAGED_TAG
from tests.support.policies import DENY_PULLS, LAYERS, OTHER_BUCKET, SEED_ECR, SEED_S3, policy
from tests.support.snapshots import compliant, gateway, interface

DAY = "2026-11-30"


PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")


TABLES = ("rtb-priv-a", "rtb-priv-b", "rtb-priv-c")


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
    settings = Settings(endpoint_policy="full-access")  # the policy this test assumes
    findings, actions = assess(with_policies(DENY_PULLS, OTHER_BUCKET, owned=True), settings, DAY)
    # The ECR endpoints' policy blocks pulls and full access admits nothing else it did not:
    # put back. The S3 gateway's blocks the layers, but full access would also open every
    # bucket it kept out: never loosened, a person decides (issue 20 item 7).
    assert [f.code for f in findings] == [P.POLICY_DRIFT, P.POLICY_DRIFT, P.POLICY_RESTORE_WIDER]
    assert findings[2].severity is Severity.MANUAL and "someone-elses-bucket" in findings[2].message
    assert len(actions) == 2 and all(isinstance(a, A.ModifyEndpoint) for a in actions)
    assert all(is_full_access(a.policy_document, "ecr") for a in actions)  # type: ignore[attr-defined]
    # The same policies on endpoints the tool did not create: reported, never rewritten.
    _, others = assess(with_policies(DENY_PULLS, OTHER_BUCKET), settings, DAY)
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
    settings = Settings(endpoint_policy="full-access")  # no longer the default: stated
    creates = [a for a in assess(compliant(endpoints=()), settings, DAY)[1] if "endpoint" in a.KIND]
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
    assert settings.endpoint_policy == "account"  # the default without an organisation
    assert settings.s3_gateway_policy == "full-access"
    findings, actions = assess(with_policies(SEED_ECR, SEED_S3, owned=True), settings, DAY)
    assert {f.code for f in findings} == {P.POLICY_DRIFT_KEPT}
    assert actions == ()
