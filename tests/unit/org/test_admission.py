"""Which events organisation mode admits when MEMBER_ACCOUNT_IDS cannot be read: the
function's own account's, and no member's (an unreadable list is never "every account")."""

from __future__ import annotations

import pytest

from remediation.config import load_settings
from remediation.events.triggers import Refusal, Trigger
from remediation.org.admission import admit

OWN, MEMBER, OTHER = "999999999999", "111122223333", "444455556666"


def trigger(account: str) -> Trigger:
    return Trigger("e-1", "CreateVpc", account, "us-east-1", vpc_ids=("vpc-0a1b2c3d",))


@pytest.mark.parametrize("members", ["11112222333", "11112222333,44445555666"])
def test_an_unreadable_member_list_admits_no_member_account(members: str) -> None:
    env = {"MEMBER_ROLE_NAME": "member", "MEMBER_ACCOUNT_IDS": members}
    settings = load_settings(env, account_id=OWN)

    refused = admit(trigger(OTHER), OWN, settings)

    assert isinstance(refused, Refusal)
    assert refused.reason == f"event from account {OTHER}, which is not in MEMBER_ACCOUNT_IDS"
    assert admit(trigger(OWN), OWN, settings) == trigger(OWN)  # its own account still served


def test_a_list_with_one_bad_entry_admits_its_good_ones_only() -> None:
    env = {"MEMBER_ROLE_NAME": "member", "MEMBER_ACCOUNT_IDS": f"{MEMBER},11112222333"}
    settings = load_settings(env, account_id=OWN)
    assert admit(trigger(MEMBER), OWN, settings) == trigger(MEMBER)
    assert isinstance(admit(trigger(OTHER), OWN, settings), Refusal)


def test_without_a_list_every_member_is_admitted_as_before() -> None:
    settings = load_settings({"MEMBER_ROLE_NAME": "member"}, account_id=OWN)
    assert admit(trigger(OTHER), OWN, settings) == trigger(OTHER)
