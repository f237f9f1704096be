"""Never loosen (issue 20 item 7): on the tool's own endpoints, a policy that still admits the
pulls is kept, and a restore never admits more than the pulls it restores. Every pairing of a
changed policy and a setting is planned, and each planned policy is compared with the one it
replaces, request by request, with the policy evaluator. Pure."""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Any

import pytest

from remediation import actions as A
from remediation.baseline import endpoint_policies as P
from remediation.baseline.policy_documents import ECR_PULL_ACTIONS, layer_bucket_objects
from remediation.config import load_settings
from remediation.engine.vpc import assess
from remediation.iam_policy.evaluation import evaluate
from remediation.iam_policy.terms import Caller, Request, Verdict
from remediation.model import VpcSnapshot
from remediation.surroundings import Sharing
from remediation.vocabulary import MANAGED_TAG
from tests.support.snapshots import REGION, compliant, gateway, interface

DAY = "2026-12-06"
ACCOUNT = "123456789012"
ORG = "o-a1b2c3d4e5"
PARTICIPANT = "111122223333"
STRANGER, STRANGERS_ORG = "444455556666", "o-zzzzzzzzzz"
MEMBER = "777788889999"
PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALL = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
ECR_BEFORE = {
    "account": doc({**ALL, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}),
    "account-no-layers": doc(
        {**ALL, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "ecr:GetDownloadUrlForLayer",
            "Resource": "*",
        },
    ),
    "everyone-no-pulls": doc(
        ALL, {"Effect": "Deny", "Principal": "*", "Action": "ecr:BatchGetImage", "Resource": "*"}
    ),
    "pulls-only": doc(
        {"Effect": "Allow", "Principal": "*", "Action": list(ECR_PULL_ACTIONS), "Resource": "*"}
    ),
    "one-action": doc(
        {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Resource": "*"}
    ),
    "organisation": doc({**ALL, "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}),
}
S3_BEFORE = {
    "one-bucket": doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::my-data/*",
        }
    ),
    "layers": doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": layer_bucket_objects(REGION) + "*",
        }
    ),
    "everything-but-layers": doc(
        ALL,
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": layer_bucket_objects(REGION) + "*",
        },
    ),
}
SETTINGS = {
    "full-access": {"ENDPOINT_POLICY": "full-access"},
    "account": {"ENDPOINT_POLICY": "account"},
    "organization": {"ENDPOINT_POLICY": "organization", "ORGANIZATION_ID": ORG},
    "perimeter": {"ENDPOINT_POLICY": "perimeter", "ORGANIZATION_ID": ORG},
    "layers-only": {"S3_GATEWAY_POLICY": "ecr-layers-only"},
}


def snapshot(ecr: str, s3: str, shared: bool) -> VpcSnapshot:
    tags = {MANAGED_TAG: "true"}
    sharing = Sharing(frozenset(PRIV), accounts=frozenset({PARTICIPANT})) if shared else Sharing()
    return compliant(
        endpoints=(
            dataclasses.replace(interface("ecr.api", *PRIV), policy_document=ecr, tags=tags),
            dataclasses.replace(interface("ecr.dkr", *PRIV), policy_document=ecr, tags=tags),
            dataclasses.replace(
                gateway(*[f"rtb-priv-{z}" for z in "abc"]), policy_document=s3, tags=tags
            ),
        ),
        sharing=sharing,
    )


def callers(org: str) -> list[Caller]:
    found = [Caller(a, org) for a in (ACCOUNT, PARTICIPANT, MEMBER)]
    return [*found, Caller(STRANGER, STRANGERS_ORG)]


def requests(caller: Caller, org: str, s3: bool) -> list[Request]:
    """Requests other than pulls: what a restore must never newly admit."""
    if s3:
        return [
            Request(action, bucket, True, owner, owner_org)
            for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
            for bucket, owner, owner_org in (
                ("arn:aws:s3:::my-data/", ACCOUNT, org),
                ("arn:aws:s3:::their-data/", STRANGER, STRANGERS_ORG),
            )
        ]
    mine = f"arn:aws:ecr:{REGION}:{caller.account_id}:repository/"
    mine_org = org if caller.account_id != STRANGER else STRANGERS_ORG
    return [
        Request(action, mine, True, caller.account_id, mine_org)
        for action in ("ecr:PutImage", "ecr:DeleteRepository", "ecr:CreateRepository")
    ]


def pulls_blocked(policy: str, caller: Caller) -> bool:
    repositories = f"arn:aws:ecr:{REGION}:{caller.account_id}:repository/"
    asks = [Request("ecr:GetAuthorizationToken", "*")] + [
        Request(a, repositories, True, caller.account_id, caller.organization_id)
        for a in ECR_PULL_ACTIONS[1:]
    ]
    return any(
        evaluate(policy, r, caller).verdict in (Verdict.DENIED, Verdict.NOT_ALLOWED) for r in asks
    )


CASES = [
    (kind, before, setting, shared)
    for (kind, befores), setting, shared in itertools.product(
        (("ecr", ECR_BEFORE), ("s3", S3_BEFORE)), SETTINGS, (False, True)
    )
    for before in befores
]


@pytest.mark.parametrize(("kind", "before", "setting", "shared"), CASES)
def test_a_restore_never_admits_more_than_the_pulls_it_restores(
    kind: str, before: str, setting: str, shared: bool
) -> None:
    settings = load_settings(SETTINGS[setting])
    org = settings.organization_id
    policies = (
        (ECR_BEFORE[before], "") if kind == "ecr" else (ECR_BEFORE["account"], S3_BEFORE[before])
    )
    old = policies[0] if kind == "ecr" else policies[1]
    findings, actions = assess(snapshot(*policies, shared=shared), settings, DAY)
    service = "s3" if kind == "s3" else "ecr"
    restores = [
        a
        for a in actions
        if isinstance(a, A.ModifyEndpoint) and a.policy_document and service in a.service_name
    ]
    workloads = {ACCOUNT, PARTICIPANT} if shared else {ACCOUNT}
    for restore in restores:
        for caller in callers(org):
            if kind == "ecr" and caller.account_id in workloads and pulls_blocked(old, caller):
                continue  # the workloads the restore is for get what the setting gives them
            for request in requests(caller, org, s3=kind == "s3"):
                after = evaluate(restore.policy_document, request, caller).verdict
                if after in (Verdict.ALLOWED, Verdict.UNKNOWN):
                    assert evaluate(old, request, caller).verdict is Verdict.ALLOWED, (
                        f"{before} -> {setting}: {request.describe()} by {caller.account_id}"
                    )
    codes = {f.code for f in findings if service in f.service}
    if not restores:
        assert (
            codes
            <= {
                P.POLICY_CHANGED_KEPT,
                P.POLICY_RESTORE_WIDER,
                P.POLICY_NEEDS_REVIEW,
                P.ENDPOINT_POLICY_BLOCKS_PARTICIPANTS,
            }
            or not codes
        ), codes


@pytest.mark.parametrize("before", ["account", "organisation", "pulls-only"])
def test_a_policy_that_admits_the_pulls_is_kept_whatever_the_setting(before: str) -> None:
    for setting in ("full-access", "account", "organization", "perimeter"):
        settings = load_settings(SETTINGS[setting])
        findings, actions = assess(snapshot(ECR_BEFORE[before], "", shared=False), settings, DAY)
        ecr = [f for f in findings if f.service.startswith("ecr")]
        assert not [a for a in actions if isinstance(a, A.ModifyEndpoint) and a.policy_document]
        assert all(f.code in (P.POLICY_CHANGED_KEPT, P.POLICY_NEEDS_REVIEW) for f in ecr), ecr
