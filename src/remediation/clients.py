"""AWS clients, made once per run by a face and passed down (never at import time).

Retries are configured here, once: botocore's ``standard`` mode retries
throttling (``RequestLimitExceeded``, ``Throttling``) and 5xx errors with
exponential backoff and jitter, so that the tool gives way to the deployments
sharing the account's EC2 rate limits. Each call is tried at most 8 times in all
(``total_max_attempts``; botocore's ``max_attempts`` would count retries only).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

RETRIES = Config(
    retries={"mode": "standard", "total_max_attempts": 8}, connect_timeout=5, read_timeout=20
)


@dataclass(frozen=True)
class AwsClients:
    ec2: Any
    route53: Any
    sns: Any
    region: str
    #: Route 53 Profiles (which VPCs get hosted zones through a Profile); ``None``: not read
    #: (against an emulator).
    route53profiles: Any | None = None


def make_clients(
    region: str,
    *,
    session: boto3.session.Session | None = None,
    endpoint_url: str | None = None,
    config: Config = RETRIES,
) -> AwsClients:
    """EC2, Route 53, Route 53 Profiles and SNS clients for one region, retries configured.

    ``endpoint_url`` (or ``AWS_ENDPOINT_URL``) points every client at a local emulator (the
    demo, the CLI). No Route 53 Profiles client is made then: moto, the emulator the demo
    runs, does not implement that service, and its failures would make every VPC's hosted
    zones "unknown".
    """
    session = session or boto3.session.Session()
    kwargs: dict[str, Any] = {"region_name": region, "config": config}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    return AwsClients(
        ec2=session.client("ec2", **kwargs),
        route53=session.client("route53", **kwargs),
        sns=session.client("sns", **kwargs),
        region=region,
        route53profiles=(
            None
            if endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
            else session.client("route53profiles", **kwargs)
        ),
    )
