"""The clients' retries: standard mode, eight attempts."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from remediation.aws.clients import make_clients
from tests.support.aws import REGION


def test_clients_retry_in_standard_mode_with_eight_attempts() -> None:
    clients = make_clients(REGION)
    for client in (clients.ec2, clients.route53, clients.sns):
        assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 8}  # type: ignore[attr-defined]


def test_clients_given_an_endpoint_url_know_they_are_emulated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--endpoint-url`` (or ``AWS_ENDPOINT_URL``, when botocore uses it) means a local
    emulator: the inventory then does not pace Route 53 (AWS's five requests a second do not
    apply there), and Route 53 Profiles and RAM, which moto lacks, are not read."""
    assert make_clients(REGION, endpoint_url="http://127.0.0.1:5000").emulated
    assert not make_clients(REGION).emulated
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    emulated = make_clients(REGION)
    assert emulated.emulated and emulated.ram is None and emulated.route53profiles is None
    # botocore ignores the configured endpoint here: the clients reach AWS, paced, all read.
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    real = make_clients(REGION)
    assert "amazonaws.com" in real.ec2.meta.endpoint_url
    assert not real.emulated and real.ram is not None and real.route53profiles is not None


def test_the_sns_client_is_made_only_when_a_run_publishes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a run with a notification topic publishes (never the CLI): the others do not pay
    for SNS's client (and, in a new session, its model)."""
    session = boto3.session.Session(region_name=REGION)
    made: list[str] = []
    original = session.client

    def client(service: str, **kwargs: Any) -> Any:
        made.append(service)
        return original(service, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(session, "client", client)
    clients = make_clients(REGION, session=session)
    assert "sns" not in made and "ec2" in made

    assert clients.sns.meta.service_model.service_name == "sns"  # first use
    assert clients.sns.meta.region_name == REGION
    assert made.count("sns") == 1
