"""The test account's constants and handles: the moto account (``Aws``), the call recorder
(``CallLog``), a Lambda context, and one long-lived boto3 session for the tests' clients.
The fixtures that make them are in ``tests/conftest.py``."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from tests.support.strict_ec2 import RealEc2

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, and the fixtures' account


@dataclass
class CallLog:
    """Every AWS API call made while the fixture is active: (service, operation, params)."""

    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def operations(self, service: str | None = None) -> list[str]:
        return [op for svc, op, _ in self.calls if service is None or svc == service]

    def writes(self, service: str = "ec2") -> list[str]:
        reads = ("Describe", "List", "Get")
        return [op for op in self.operations(service) if not op.startswith(reads)]

    def params(self, operation: str) -> list[dict[str, Any]]:
        return [p for _, op, p in self.calls if op == operation]

    def clear(self) -> None:
        self.calls.clear()


@dataclass
class Aws:
    ec2: Any
    sns: Any
    sqs: Any
    route53: Any
    strict: RealEc2
    region: str = REGION


_SESSION: dict[str, boto3.session.Session] = {}


_SESSION_LOCK = threading.Lock()


def shared_session() -> boto3.session.Session:
    """One boto3 session for the whole test process (per xdist worker).

    moto resets boto3's default session each time a mock starts, so clients made with
    ``boto3.client`` would come from a new session in every test, and botocore would load
    and parse the four services' models again (about 0.3 s a test here). A session keeps
    them. It holds no state a test could leak: moto's state lives in its backends, which
    every ``mock_aws()`` starts afresh.
    """
    with _SESSION_LOCK:
        if "session" not in _SESSION:
            _SESSION["session"] = boto3.session.Session(region_name=REGION)
        return _SESSION["session"]


_CLIENTS: dict[str, Any] = {}


def shared_client(service: str) -> Any:
    """The test process's client of ``service`` (from :func:`shared_session`).

    Making a client costs about 60 ms even from a warm session; a client holds no state of
    moto's (moto answers through botocore's global handlers, into the backends the current
    ``mock_aws()`` started afresh), so every test may use the same one.
    """
    session = shared_session()
    with _SESSION_LOCK:
        if service not in _CLIENTS:
            _CLIENTS[service] = session.client(service)  # type: ignore[call-overload]
        return _CLIENTS[service]


def client_in(
    account_id: str, service: str, role: str = "ecr-endpoint-guard-member", region: str = REGION
) -> Any:
    """A client acting in another account (and ``region``), for a test's or a benchmark's
    set-up: moto maps an assumed role's credentials to the role's account."""
    # A new STS client, not the shared one: a test against the emulator sets its endpoint in
    # the environment after the shared clients were made.
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName="test-setup"
    )["Credentials"]
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@dataclass
class LambdaContext:
    function_name: str = "ecr-endpoint-guard"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecr-endpoint-guard"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def work_item_record(body: dict[str, Any], message_id: str = "m-1") -> dict[str, Any]:
    """One SQS record of the work queue, as Lambda's event source mapping delivers it."""
    return {
        "messageId": message_id,
        "receiptHandle": "r",
        "body": json.dumps(body),
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:work-items",
        "awsRegion": REGION,
    }
