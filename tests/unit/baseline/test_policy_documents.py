"""Policies that pass a perimeter by default (issue 20 item 2) and shared-out VPCs (item 3):
what the tool writes on the endpoints it creates, judged with the policy evaluator. Pure."""

from __future__ import annotations

import json

import pytest

from remediation import actions as A
from remediation.baseline import endpoint_policies as P
from remediation.baseline.policy_documents import (
    ECR_PULL_ACTIONS,
    interface_choice,
    layer_bucket_objects,
    perimeter_gateway,
    perimeter_interface,
)
from remediation.config import Settings, load_settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.iam_policy.evaluation import evaluate
from remediation.iam_policy.terms import Caller, Request, Verdict
from remediation.model import NetworkInterface, VpcSnapshot
from remediation.surroundings import Sharing
from tests.support.policies import SEED_ECR
from tests.support.snapshots import REGION, three_az, with_ecr_policy

DAY = "2026-12-06"
ACCOUNT = "123456789012"
ORG = "o-a1b2c3d4e5"
PARTICIPANT = "111122223333"
EKS = "602401143452"  # the account of EKS's add-on images in most regions
PRIV = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")


def pulls(account: str, registry: str = "", organization: str = ORG) -> list[Request]:
    owner = registry or account
    repositories = f"arn:aws:ecr:{REGION}:{owner}:repository/"
    in_org = organization if owner == account else "o-zzzzzzzzzz"  # AWS's or another's
    return [Request("ecr:GetAuthorizationToken", "*")] + [
        Request(
            a, repositories, any_suffix=True, resource_account=owner, resource_organization=in_org
        )
        for a in ECR_PULL_ACTIONS[1:]
    ]


def verdicts(policy: str, caller: Caller, requests: list[Request]) -> set[Verdict]:
    return {evaluate(policy, r, caller).verdict for r in requests}


def test_the_default_is_account_or_organization_where_it_is_set() -> None:
    assert load_settings({}).endpoint_policy == "account"
    assert Settings().endpoint_policy == "account"
    assert load_settings({"ORGANIZATION_ID": ORG}).endpoint_policy == "organization"
    assert load_settings({"ENDPOINT_POLICY": "full-access"}).endpoint_policy == "full-access"


def test_perimeter_needs_an_organisation() -> None:
    settings = load_settings({"ENDPOINT_POLICY": "perimeter"})
    assert settings.endpoint_policy == "account" and not settings.policy_settings_valid
    assert any("ORGANIZATION_ID" in p for p in settings.problems)
    settings = load_settings({"ENDPOINT_POLICY": "perimeter", "ORGANIZATION_ID": ORG})
    assert (settings.endpoint_policy, settings.s3_gateway_policy) == ("perimeter", "perimeter")


def test_aws_registry_accounts_are_read_and_checked() -> None:
    settings = load_settings({"AWS_REGISTRY_ACCOUNTS": f"{EKS}, nonsense"})
    assert settings.aws_registry_accounts == (EKS,)
    assert any("AWS_REGISTRY_ACCOUNTS" in p for p in settings.problems)


def test_the_perimeter_ecr_policy_admits_the_organisations_pulls_only() -> None:
    policy = perimeter_interface(ORG, (EKS,))
    ours = Caller(account_id=ACCOUNT, organization_id=ORG, vpc_id="vpc-1", endpoint_id="vpce-1")
    assert verdicts(policy, ours, pulls(ACCOUNT)) == {Verdict.ALLOWED}
    # an AWS-owned registry the settings name (EKS add-on images), but no other account's
    assert verdicts(policy, ours, pulls(ACCOUNT, registry=EKS)[1:]) == {Verdict.ALLOWED}
    assert Verdict.NOT_ALLOWED in verdicts(policy, ours, pulls(ACCOUNT, registry="444455556666"))
    stranger = Caller(account_id="444455556666", organization_id="o-zzzzzzzzzz")
    assert verdicts(policy, stranger, pulls("444455556666")) == {Verdict.NOT_ALLOWED}


def test_the_perimeter_s3_policy_admits_ecrs_layers_and_the_organisations_buckets() -> None:
    policy = perimeter_gateway(REGION, ORG)
    layers = Request("s3:GetObject", layer_bucket_objects(REGION), any_suffix=True)
    ecr = Caller(account_id=ACCOUNT, organization_id=ORG, service_identity=True)
    assert evaluate(policy, layers, ecr).verdict is Verdict.ALLOWED
    ours = Caller(account_id=ACCOUNT, organization_id=ORG)
    bucket = Request("s3:PutObject", "arn:aws:s3:::ours/", True, ACCOUNT, ORG)
    theirs = Request("s3:PutObject", "arn:aws:s3:::theirs/", True, "444455556666", "o-zzzzzzzzzz")
    assert evaluate(policy, bucket, ours).verdict is Verdict.ALLOWED
    assert evaluate(policy, theirs, ours).verdict is Verdict.NOT_ALLOWED


# --------------------------------------------------------------------------- shared-out VPCs


def shared(
    accounts: frozenset[str] = frozenset(), organization_ids: frozenset[str] = frozenset()
) -> VpcSnapshot:
    sharing = Sharing(frozenset(PRIV), accounts=accounts, organization_ids=organization_ids)
    return three_az(sharing=sharing)


@pytest.mark.parametrize(
    ("snapshot", "settings", "kind"),
    [
        (three_az(), Settings(), "account"),
        (shared(accounts=frozenset({PARTICIPANT})), Settings(), "participants"),
        (shared(organization_ids=frozenset({ORG})), Settings(), "organization"),
        (shared(accounts=frozenset({PARTICIPANT})), Settings(organization_id=ORG), "organization"),
        (
            three_az(
                network_interfaces=(NetworkInterface("eni-1", PRIV[0], owner_id=PARTICIPANT),)
            ),
            Settings(),
            "participants",
        ),
        (shared(), Settings(), "full-access"),
    ],
    ids=["not-shared", "ram-accounts", "ram-organisation", "configured", "interface-owner", "none"],
)
def test_a_shared_out_vpc_never_gets_an_account_policy(
    snapshot: VpcSnapshot, settings: Settings, kind: str
) -> None:
    choice = interface_choice(snapshot, settings)
    assert choice.kind == kind
    if kind == "participants":
        assert admitted(choice.document, PARTICIPANT) and admitted(choice.document, ACCOUNT)
    if kind == "full-access":
        (warning,) = [
            f for f in assess(snapshot, settings, DAY)[0] if f.code == P.SHARED_FULL_ACCESS
        ]
        assert warning.severity is Severity.WARNING and "ORGANIZATION_ID" in warning.message
        creates = [
            a
            for a in assess(snapshot, settings, DAY)[1]
            if isinstance(a, A.CreateInterfaceEndpoint)
        ]
        assert creates and all(a.policy_document == "" for a in creates)


def admitted(policy: str, account: str) -> bool:
    caller = Caller(account_id=account, vpc_id="vpc-1", endpoint_id="vpce-1")
    return verdicts(policy, caller, pulls(account, organization="")) == {Verdict.ALLOWED}


OWNER_ONLY = SEED_ECR  # the seed article's policy: the owner's principals only


def test_an_owner_only_policy_blocks_the_participants_a_warning() -> None:
    snap = with_ecr_policy(
        OWNER_ONLY, sharing=Sharing(subnet_ids=frozenset(PRIV), accounts=frozenset({PARTICIPANT}))
    )
    findings, actions = assess(snap, Settings(), DAY)
    blocked = [f for f in findings if f.code == P.ENDPOINT_POLICY_BLOCKS_PARTICIPANTS]
    assert len(blocked) == 2 and all(PARTICIPANT in f.message for f in blocked)
    assert all(f.severity is Severity.WARNING and not f.repairs for f in blocked)
    assert actions == ()
    # not shared: the same policy is the seed article's, compliant
    assert assess(with_ecr_policy(OWNER_ONLY), Settings(), DAY) == ((), ())


def test_the_tools_owner_only_endpoint_in_a_shared_vpc_is_restored_for_the_participants() -> None:
    sharing = Sharing(subnet_ids=frozenset(PRIV), accounts=frozenset({PARTICIPANT}))
    snap = with_ecr_policy(OWNER_ONLY, owned=True, sharing=sharing)
    findings, actions = assess(snap, Settings(), DAY)
    assert [f.code for f in findings] == [P.POLICY_DRIFT, P.POLICY_DRIFT]
    assert all(PARTICIPANT in f.message for f in findings)
    for action in actions:
        assert isinstance(action, A.ModifyEndpoint)
        assert admitted(action.policy_document, PARTICIPANT)
        assert not admitted(action.policy_document, "444455556666")


def test_a_tightened_tool_endpoint_that_still_admits_the_pulls_is_kept() -> None:
    snap = with_ecr_policy(OWNER_ONLY, owned=True)
    findings, actions = assess(snap, Settings(endpoint_policy="full-access"), DAY)
    assert {(f.code, f.severity) for f in findings} == {(P.POLICY_CHANGED_KEPT, Severity.INFO)}
    assert "changed by a person; kept" in findings[0].message
    assert actions == ()


def test_while_the_sharing_is_unknown_no_interface_endpoint_is_created() -> None:
    """RAM could not be read (not a refusal): an account-only policy could block a participant,
    so nothing that depends on it is written; with an organisation it no longer depends."""
    unknown = three_az(sharing=Sharing(unread="ram:ListResources failed (503)"))
    findings, actions = assess(unknown, Settings(), DAY)
    (warning,) = [f for f in findings if f.code == P.SHARES_UNKNOWN]
    assert warning.severity is Severity.WARNING and "503" in warning.message
    assert not [a for a in actions if isinstance(a, A.CreateInterfaceEndpoint)]
    assert [a for a in actions if isinstance(a, A.CreateGatewayEndpoint)]  # S3 does not depend
    owned = with_ecr_policy(OWNER_ONLY, owned=True, sharing=unknown.sharing)
    assert not [f for f in assess(owned, Settings(), DAY)[0] if f.service.startswith("ecr")]
    creates = assess(unknown, Settings(organization_id=ORG), DAY)[1]
    assert [a for a in creates if isinstance(a, A.CreateInterfaceEndpoint)]


@pytest.mark.parametrize("setting", ["account", "organization"])
def test_participants_outside_the_organisation_keep_their_pulls(setting: str) -> None:
    """RAM marks a participant outside the owner's organisation ``external``: an organisation
    policy alone would block it, so it is named beside the organisation."""
    sharing = Sharing(
        frozenset(PRIV), accounts=frozenset({PARTICIPANT}), external=frozenset({PARTICIPANT})
    )
    settings = Settings(endpoint_policy=setting, organization_id=ORG)
    choice = interface_choice(three_az(sharing=sharing), settings)
    assert choice.kind == "organization"
    outsider = Caller(account_id=PARTICIPANT, organization_id="o-zzzzzzzzzz")
    member = Caller(account_id="777788889999", organization_id=ORG)
    stranger = Caller(account_id="444455556666", organization_id="o-zzzzzzzzzz")
    assert verdicts(choice.document, outsider, pulls(PARTICIPANT)) == {Verdict.ALLOWED}
    assert verdicts(choice.document, member, pulls("777788889999")) == {Verdict.ALLOWED}
    assert verdicts(choice.document, stranger, pulls("444455556666")) == {Verdict.NOT_ALLOWED}
    # an existing organisation-only policy is judged for that participant: it blocks it
    org_only = json.dumps({"Statement": [{**json.loads(choice.document)["Statement"][0]}]})
    snap = with_ecr_policy(org_only, sharing=sharing)
    findings = assess(snap, settings, DAY)[0]
    assert {f.code for f in findings} >= {P.ENDPOINT_POLICY_BLOCKS_PARTICIPANTS}
