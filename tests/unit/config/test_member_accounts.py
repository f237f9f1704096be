"""MEMBER_ACCOUNT_IDS as read: an unreadable value never widens organisation mode to every
account of the organisation (unset means that): a bad entry is not served, and a list of which
nothing can be read serves no member account."""

from __future__ import annotations

import pytest

from remediation.config import load_settings

OWN, MEMBER, OTHER = "999999999999", "111122223333", "444455556666"


@pytest.mark.parametrize("members", ["11112222333", "1111-2222-3333", "x,y", " 11112222333 , "])
def test_a_list_of_which_nothing_can_be_read_serves_no_member_account(members: str) -> None:
    s = load_settings({"MEMBER_ROLE_NAME": "m", "MEMBER_ACCOUNT_IDS": members}, account_id=OWN)
    assert s.member_account_ids == frozenset() and s.member_accounts_listed
    assert not s.lists_organisation
    assert not s.serves_member(MEMBER) and not s.serves_member(OTHER)
    assert any("no member account is served or swept" in p for p in s.problems), s.problems


def test_a_list_with_one_bad_entry_keeps_only_the_good_ones() -> None:
    env = {"MEMBER_ROLE_NAME": "m", "MEMBER_ACCOUNT_IDS": f"{MEMBER},44445555666"}
    s = load_settings(env, account_id=OWN)
    assert s.member_account_ids == {MEMBER} and not s.lists_organisation
    assert s.serves_member(MEMBER) and not s.serves_member(OTHER)
    assert s.problems == (
        "MEMBER_ACCOUNT_IDS: '44445555666' is not a 12-digit account id; ignored",
    )


@pytest.mark.parametrize("members", [None, "", " ", ","])
def test_unset_or_blank_is_the_organisation_s_accounts_as_before(members: str | None) -> None:
    env = {"MEMBER_ROLE_NAME": "m"}
    if members is not None:
        env["MEMBER_ACCOUNT_IDS"] = members
    s = load_settings(env, account_id=OWN)
    assert s.lists_organisation and s.serves_member(OTHER)
    assert s.problems == ()


def test_outside_organisation_mode_no_member_is_served() -> None:
    s = load_settings({"MEMBER_ACCOUNT_IDS": MEMBER}, account_id=OWN)
    assert not s.serves_member(MEMBER)
