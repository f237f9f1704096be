"""The condition keys of the endpoint's owner: ``aws:VpceAccount`` and ``aws:VpceOrgID`` are
the account and organisation that own the VPC endpoint the request goes through (IAM user
guide, "AWS global condition context keys"), never the caller's. Pure."""

from __future__ import annotations

import json

import pytest

from remediation.iam_policy.evaluation import evaluate
from remediation.iam_policy.terms import Caller, Request, Verdict

OWNER = "123456789012"
PARTICIPANT = "111122223333"
ORG = "o-a1b2c3d4e5"
ELSEWHERE = "o-zzzzzzzzzz"
PULL = Request("ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{PARTICIPANT}:repository/", True)


def allow_when(operator: str, key: str, value: str) -> str:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    return json.dumps({"Statement": [{**statement, "Condition": {operator: {key: value}}}]})


def through_owners_endpoint(account: str, organization: str = ORG) -> Caller:
    """A workload of ``account`` pulling through an endpoint ``OWNER`` owns, in ``ORG``."""
    return Caller(
        account,
        organization,
        "vpc-1",
        "vpce-1",
        endpoint_account=OWNER,
        endpoint_organization=ORG,
    )


def test_a_participant_through_the_owners_endpoint_carries_the_owners_account() -> None:
    policy = allow_when("StringEquals", "aws:VpceAccount", OWNER)
    for account in (OWNER, PARTICIPANT):
        assert evaluate(policy, PULL, through_owners_endpoint(account)).verdict is Verdict.ALLOWED
    # the owner's organisation paths are not known (the tool reads no OU)
    paths = allow_when("ForAnyValue:StringLike", "aws:VpceOrgPaths", f"{ORG}/*")
    assert evaluate(paths, PULL, through_owners_endpoint(PARTICIPANT)).verdict is Verdict.UNKNOWN


def test_a_policy_on_a_participants_account_admits_nobody_through_the_owners_endpoint() -> None:
    policy = allow_when("StringEquals", "aws:VpceAccount", PARTICIPANT)
    for account in (OWNER, PARTICIPANT):
        caller = through_owners_endpoint(account)
        assert evaluate(policy, PULL, caller).verdict is Verdict.NOT_ALLOWED


def test_an_outsider_through_the_owners_endpoint_carries_the_owners_organisation() -> None:
    outsider = through_owners_endpoint(PARTICIPANT, organization=ELSEWHERE)
    ours = allow_when("StringEquals", "aws:VpceOrgID", ORG)
    theirs = allow_when("StringEquals", "aws:VpceOrgID", ELSEWHERE)
    assert evaluate(ours, PULL, outsider).verdict is Verdict.ALLOWED
    assert evaluate(theirs, PULL, outsider).verdict is Verdict.NOT_ALLOWED


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("aws:VpceAccount", PARTICIPANT),  # not the caller's account, whatever it is
        ("aws:VpceOrgID", ORG),  # not the caller's organisation either
    ],
)
def test_without_the_endpoints_owner_the_keys_are_unknown_never_the_callers(
    key: str, value: str
) -> None:
    caller = Caller(PARTICIPANT, ORG, "vpc-1", "vpce-1")
    decision = evaluate(allow_when("StringEquals", key, value), PULL, caller)
    assert decision.verdict is Verdict.UNKNOWN
    assert any(key in note for note in decision.notes)
