"""AWS clients, made once per run by a face and passed down (never at import time).

Retries are configured here, once: botocore's ``standard`` mode retries
throttling (``RequestLimitExceeded``, ``Throttling``) and 5xx errors with
exponential backoff and jitter, so that the tool gives way to the deployments
sharing the account's EC2 rate limits. Each call is tried at most 8 times in all
(``total_max_attempts``; botocore's ``max_attempts`` would count retries only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:  # the stubs are a development dependency: see remediation.aws_types
    from remediation.aws_types import Ec2Client, Route53Client, SnsClient

RETRIES = Config(
    retries={"mode": "standard", "total_max_attempts": 8}, connect_timeout=5, read_timeout=20
)


@dataclass(frozen=True)
class AwsClients:
    """One region's clients, typed by the ``mypy-boto3`` stubs for mypy (objects at run time)."""

    ec2: Ec2Client
    route53: Route53Client
    sns: SnsClient
    region: str


def make_clients(
    region: str,
    *,
    session: boto3.session.Session | None = None,
    endpoint_url: str | None = None,
    config: Config = RETRIES,
) -> AwsClients:
    """EC2, Route 53 and SNS clients for one region, retries configured.

    ``endpoint_url`` points every client at a local emulator (the demo, the CLI).
    """
    session = session or boto3.session.Session()
    url = endpoint_url or None  # None: the service's own endpoint
    return AwsClients(
        ec2=session.client("ec2", region_name=region, endpoint_url=url, config=config),
        route53=session.client("route53", region_name=region, endpoint_url=url, config=config),
        sns=session.client("sns", region_name=region, endpoint_url=url, config=config),
        region=region,
    )
