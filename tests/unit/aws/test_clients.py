"""The clients' retries: standard mode, eight attempts."""

from __future__ import annotations

from remediation.aws.clients import make_clients
from tests.support.aws import REGION


def test_clients_retry_in_standard_mode_with_eight_attempts() -> None:
    clients = make_clients(REGION)
    for client in (clients.ec2, clients.route53, clients.sns):
        assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 8}  # type: ignore[attr-defined]
