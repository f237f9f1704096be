"""The Resolver client is made on first use: a run that never reads Resolver never loads its
service model (about 180 ms in a new boto3 session)."""

from __future__ import annotations

from typing import Any

from remediation.aws.clients import LazyClient


def test_a_lazy_client_is_made_once_and_only_when_used() -> None:
    made: list[int] = []

    class Client:
        def list_resolver_rules(self) -> str:
            return "rules"

    def make() -> Any:
        made.append(1)
        return Client()

    lazy = LazyClient(make)
    assert made == []
    assert lazy.list_resolver_rules() == "rules"
    assert lazy.list_resolver_rules() == "rules"
    assert made == [1]
