"""Who pulls through a shared-out VPC's endpoints, and what the endpoint's owner's condition
keys do to their pulls: every request through the owner's endpoint carries the owner's account
and organisation (``aws:VpceAccount``, ``aws:VpceOrgID``), the participants' too. Pure."""

from __future__ import annotations

import dataclasses
import json

from remediation.baseline import endpoint_policies as P
from remediation.config import Settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.model import VpcSnapshot
from remediation.surroundings import Sharing
from tests.support.snapshots import with_ecr_policy

DAY = "2026-12-06"
OWNER = "123456789012"  # the account of tests.support.snapshots, which owns the VPC
PARTICIPANT = "111122223333"
ORG = "o-a1b2c3d4e5"
PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
SHARED = Sharing(subnet_ids=frozenset(PRIV), accounts=frozenset({PARTICIPANT}))


def allow_when(key: str, value: str) -> str:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    return json.dumps({"Statement": [{**statement, "Condition": {"StringEquals": {key: value}}}]})


def codes(snapshot: VpcSnapshot, settings: Settings) -> set[str]:
    return {f.code for f in assess(snapshot, settings, DAY)[0]}


def test_a_policy_on_the_owners_endpoint_account_admits_the_participants() -> None:
    snap = with_ecr_policy(allow_when("aws:VpceAccount", OWNER), sharing=SHARED)
    assert snap.account_id == OWNER
    assert assess(snap, Settings(), DAY) == ((), ())


def test_the_tools_endpoint_with_that_policy_is_kept_not_replaced() -> None:
    snap = with_ecr_policy(allow_when("aws:VpceAccount", OWNER), owned=True, sharing=SHARED)
    findings, actions = assess(snap, Settings(), DAY)
    assert actions == ()
    assert {f.code for f in findings} == {P.POLICY_CHANGED_KEPT}
    assert all(f.severity is Severity.INFO for f in findings)


def test_a_policy_on_a_participants_account_blocks_everyone_through_the_owners_endpoint() -> None:
    snap = with_ecr_policy(allow_when("aws:VpceAccount", PARTICIPANT), sharing=SHARED)
    findings = assess(snap, Settings(), DAY)[0]
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {P.ENDPOINT_POLICY_BLOCKS_PULLS, P.ENDPOINT_POLICY_BLOCKS_PARTICIPANTS}
    # the participant is not the endpoint's owner: its own pulls are blocked too
    assert PARTICIPANT in by_code[P.ENDPOINT_POLICY_BLOCKS_PARTICIPANTS].message


def test_an_outside_participant_passes_a_policy_on_the_owners_organisation() -> None:
    outside = dataclasses.replace(SHARED, external=frozenset({PARTICIPANT}))
    snap = with_ecr_policy(allow_when("aws:VpceOrgID", ORG), sharing=outside)
    assert assess(snap, Settings(organization_id=ORG), DAY) == ((), ())


def test_the_owners_organisation_is_the_one_the_tool_knows_else_unknown() -> None:
    policy = allow_when("aws:VpceOrgID", ORG)
    # Not configured, but the subnets are shared with the organisation through RAM: known.
    with_org = dataclasses.replace(SHARED, organization_ids=frozenset({ORG}))
    assert assess(with_ecr_policy(policy, sharing=with_org), Settings(), DAY) == ((), ())
    # Nothing names it: a person checks, never a guess either way.
    assert codes(with_ecr_policy(policy, sharing=SHARED), Settings()) == {P.POLICY_NEEDS_REVIEW}


# --------------------------------------------------------------------------- NotPrincipal


def deny_all_but(*principals: str) -> str:
    """Allow everything, then deny everyone but ``principals`` (a Deny with NotPrincipal)."""
    allow = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    deny = {"Sid": "DenyAllButRoot", "Effect": "Deny", "NotPrincipal": {"AWS": list(principals)}}
    return json.dumps({"Statement": [allow, {**deny, "Action": "*", "Resource": "*"}]})


def test_a_deny_sparing_only_the_account_root_blocks_the_workloads_pulls() -> None:
    root = f"arn:aws:iam::{OWNER}:root"
    findings = assess(with_ecr_policy(deny_all_but(root)), Settings(), DAY)[0]
    assert [(f.code, f.severity) for f in findings] == [
        (P.ENDPOINT_POLICY_BLOCKS_PULLS, Severity.WARNING)
    ] * 2
    assert all("denied by DenyAllButRoot" in f.message for f in findings)
    # sparing a role of the account too: whether the workloads use it is for a person
    role = f"arn:aws:iam::{OWNER}:role/ecs-task"
    review = assess(with_ecr_policy(deny_all_but(root, role)), Settings(), DAY)[0]
    assert {(f.code, f.severity) for f in review} == {(P.POLICY_NEEDS_REVIEW, Severity.INFO)}
    assert all(role in f.message for f in review)
