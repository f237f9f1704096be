"""AWS clients, made once per run by a face and passed down (never at import time).

Retries are configured here, once: botocore's ``standard`` mode retries
throttling (``RequestLimitExceeded``, ``Throttling``) and 5xx errors with
exponential backoff and jitter, so that the tool gives way to the deployments
sharing the account's EC2 rate limits. Each call is tried at most 8 times in all
(``total_max_attempts``; botocore's ``max_attempts`` would count retries only).

One throttled call must not eat the function's timeout: botocore has no limit on the
*time* a call's retries take, so :func:`cap_retry_time` stops retrying a call once
it has spent ``RETRY_SECONDS`` (the last error is then raised as botocore would).
With connect and read timeouts of 3 and 10 seconds, a call's worst case is about
``RETRY_SECONDS`` plus one attempt and one backoff (at most 20 s in standard mode).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from remediation.aws.errors import check_answer
from remediation.aws.session import new_session
from remediation.config.deployment import sdk_endpoint_url

if TYPE_CHECKING:  # the stubs are a development dependency: see remediation.aws.types
    from remediation.aws.types import Ec2Client, Route53Client, SnsClient

RETRIES = Config(
    retries={"mode": "standard", "total_max_attempts": 8}, connect_timeout=3, read_timeout=10
)
#: The most time botocore's retries of one call may take before the error is raised.
RETRY_SECONDS = 45.0
_STARTED = "ecr_endpoint_guard_started"


def cap_retry_time(
    client: Any, seconds: float = RETRY_SECONDS, clock: Callable[[], float] = time.monotonic
) -> Any:
    """Stop botocore's retries of a call once it has taken ``seconds``; returns the client.

    Two handlers on the client's events: ``before-call`` notes when the call started, and
    ``needs-retry`` (registered first, so it runs before botocore's retry handler) raises
    the attempt's error instead of letting it be retried when the time is spent.
    """
    service = client.meta.service_model.service_id.hyphenize()

    def started(context: dict[str, Any], **_: Any) -> None:
        context[_STARTED] = clock()

    def enough(
        request_dict: dict[str, Any],
        response: Any = None,
        caught_exception: BaseException | None = None,
        operation: Any = None,
        **_: Any,
    ) -> None:
        begun = request_dict.get("context", {}).get(_STARTED)
        if begun is None or clock() - begun < seconds:
            return
        if caught_exception is not None:
            raise caught_exception
        if response is not None:
            http, parsed = response
            if http.status_code >= 300:
                code = parsed.get("Error", {}).get("Code", "")
                error = client.exceptions.from_code(code) if code else ClientError
                raise error(parsed, operation.name if operation else "")

    client.meta.events.register(f"before-call.{service}", started)
    client.meta.events.register_first(f"needs-retry.{service}", enough)
    client.meta.events.register(
        f"before-parse.{service}", check_answer(str(client.meta.endpoint_url))
    )
    return client


class LazyClient:
    """A client made on first use: its service model (about 180 ms to load in a new session)
    is loaded only by a run that calls it (the Resolver client: an event whose VPC is served
    by nothing never does; SNS: only a run with a notification topic publishes)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)


@dataclass(frozen=True)
class AwsClients:
    """One region's clients, typed by the ``mypy-boto3`` stubs for mypy (objects at run time)."""

    ec2: Ec2Client
    route53: Route53Client
    sns: SnsClient
    region: str
    #: Route 53 Profiles (which VPCs get hosted zones through a Profile); ``None``: not read
    #: (against an emulator).
    route53profiles: Any | None = None
    #: Route 53 Resolver (the rules that forward the VPCs' names), made on first use; ``None``:
    #: not read.
    route53resolver: Any | None = None
    #: CloudWatch, for the traffic of sweeps and scans; ``None``: not made (an event reads none).
    cloudwatch: Any | None = None
    #: AWS RAM (which subnets the account shares out); ``None``: not read (against an
    #: emulator: moto does not implement ``ListResources``).
    ram: Any | None = None
    #: The clients point at an emulator (``endpoint_url`` or ``AWS_ENDPOINT_URL``): the
    #: inventory does not pace Route 53 then (AWS's five requests a second per account do not
    #: apply; the demo would only wait).
    emulated: bool = False


def _emulated(endpoint_url: str | None, used: str) -> bool:
    """Whether the clients point at an emulator: ``endpoint_url`` given, or the SDK's own
    ``AWS_ENDPOINT_URL`` set *and in use* (botocore ignores it under
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``, and then the clients reach AWS).

    >>> _emulated(None, "https://ec2.us-east-1.amazonaws.com")
    False
    >>> _emulated("http://127.0.0.1:5000", "http://127.0.0.1:5000")
    True
    """
    if endpoint_url:
        return True
    configured = sdk_endpoint_url(os.environ)
    return bool(configured) and used.rstrip("/") == configured.rstrip("/")


def make_clients(
    region: str,
    *,
    session: boto3.session.Session | None = None,
    endpoint_url: str | None = None,
    config: Config = RETRIES,
    metrics: bool = False,
) -> AwsClients:
    """EC2, Route 53, Route 53 Profiles, Resolver, RAM and SNS clients for one region, retries set
    (Resolver's and SNS's made on first use).

    ``endpoint_url`` (or ``AWS_ENDPOINT_URL``) points every client at a local emulator (the
    demo, the CLI). No Route 53 Profiles or RAM client is made then: moto, the emulator the
    demo runs, implements neither Route 53 Profiles nor RAM's ``ListResources``, and their
    failures would note an unread Profile, or an unknown sharing, on every VPC. ``metrics``
    adds a CloudWatch client (sweeps and scans read traffic).
    """
    session = session or new_session()
    url = endpoint_url or None  # None: the service's own endpoint

    def capped(service: str) -> Any:
        """The service's client for the region, at ``url``, its retries capped in time."""
        made = session.client(service, region_name=region, endpoint_url=url, config=config)  # type: ignore[call-overload]
        return cap_retry_time(made)

    ec2 = capped("ec2")
    emulated = _emulated(endpoint_url, str(ec2.meta.endpoint_url))
    return AwsClients(
        ec2=ec2,
        route53=capped("route53"),
        # Made on first use: only a run with a notification topic publishes (never the CLI).
        sns=cast("SnsClient", LazyClient(lambda: capped("sns"))),
        region=region,
        route53profiles=(
            None
            if emulated
            else session.client("route53profiles", region_name=region, config=config)
        ),
        route53resolver=LazyClient(lambda: capped("route53resolver")),
        cloudwatch=capped("cloudwatch") if metrics else None,
        ram=(
            None
            if emulated
            else cap_retry_time(session.client("ram", region_name=region, config=config))
        ),
        emulated=emulated,
    )
