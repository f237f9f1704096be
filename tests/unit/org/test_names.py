"""Account names (:mod:`remediation.org.names`): asked once per account, a name is one plain
line, and a refusal that holds for every account ends the asking."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from remediation.org.names import NAME_LIMIT, AccountNames


class Organizations:
    """DescribeAccount answering ``names``, or refusing with ``code``."""

    def __init__(self, names: dict[str, str] | None = None, code: str = "") -> None:
        self.names = names or {}
        self.code = code
        self.asked: list[str] = []

    def describe_account(self, AccountId: str) -> dict[str, Any]:
        self.asked.append(AccountId)
        if self.code:
            raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "DescribeAccount")
        return {"Account": {"Id": AccountId, "Name": self.names[AccountId]}}


def test_a_hostile_name_is_one_plain_line_within_the_limit() -> None:
    org = Organizations({"111122223333": "pay\nStatus: ok\x1b[31m\u202e" + "x" * 80})
    name = AccountNames().name("111122223333", lambda: org)
    assert "\n" not in name and "\x1b" not in name and "\u202e" not in name
    assert name.startswith("pay Status: ok[31m") and len(name) <= NAME_LIMIT


def test_a_refusal_for_every_account_ends_the_asking() -> None:
    org = Organizations(code="AccessDeniedException")
    names = AccountNames()
    assert [names.name(a, lambda: org) for a in ("111122223333", "444455556666")] == ["", ""]
    assert org.asked == ["111122223333"]


def test_an_account_not_found_is_that_account_only() -> None:
    org = Organizations(code="AccountNotFoundException")
    names = AccountNames()
    names.name("111122223333", lambda: org)
    names.name("444455556666", lambda: org)
    names.name("444455556666", lambda: org)
    assert org.asked == ["111122223333", "444455556666"]
