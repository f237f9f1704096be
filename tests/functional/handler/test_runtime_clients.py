"""The function's clients are kept per execution environment, like its session: a warm
invocation makes none (making an EC2 client builds a method per operation, about 20 ms)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from handlers import runtime
from handlers.remediate import lambda_handler
from tests.support.aws import REGION, Aws, LambdaContext
from tests.support.scenarios import create_vpc_event
from tests.support.topology import build_vpc


def test_a_warm_invocation_makes_no_client(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    made: list[str] = []
    original: Any = boto3.session.Session.client

    def counting(self: Any, service: str, *args: Any, **kwargs: Any) -> Any:
        made.append(service)
        return original(self, service, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", counting)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    runtime.forget_session()  # a new execution environment

    first = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)
    cold = list(made)
    made.clear()
    second = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    assert "ec2" in cold, cold
    assert made == [], made
    assert first["vpcs"] == second["vpcs"]


def test_clients_are_kept_per_session_region_and_kind_and_forgotten_with_the_session() -> None:
    runtime.forget_session()
    own = runtime.clients(REGION)
    assert runtime.clients(REGION) is own
    assert runtime.clients(REGION, metrics=True) is not own  # a sweep's: with CloudWatch
    assert runtime.clients("eu-west-1") is not own
    member = boto3.session.Session(region_name=REGION)
    assert runtime.clients(REGION, member) is not own
    assert runtime.clients(REGION, member) is runtime.clients(REGION, member)
    assert runtime.clients(REGION) is own
    runtime.forget_members()  # a member's clients go with its session, the function's stay
    assert runtime.clients(REGION) is own
    assert all(session is runtime.base_session() for session, _, _ in runtime._CLIENTS)

    runtime.forget_session()

    assert runtime.clients(REGION) is not own


def test_an_environment_keeps_a_bounded_number_of_client_sets() -> None:
    runtime.forget_session()
    first = runtime.clients(REGION, boto3.session.Session(region_name=REGION))
    sessions = [boto3.session.Session(region_name=REGION) for _ in range(runtime.KEPT_CLIENT_SETS)]
    for session in sessions:
        runtime.clients(REGION, session)

    assert len(runtime._CLIENTS) == runtime.KEPT_CLIENT_SETS
    assert all(kept is not first for kept in runtime._CLIENTS.values())
    assert runtime.clients(REGION, sessions[-1]) is runtime.clients(REGION, sessions[-1])
