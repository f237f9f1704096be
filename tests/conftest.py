"""Shared fixtures: a moto account made strict where EC2 is strict, a call recorder,
a Lambda context, and the handler's environment. Nothing here reaches AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.client
import pytest
from moto import mock_aws

from tests.strict_ec2 import strict_ec2

# The suite-wide recorder of the project's AWS calls, and the safety tests' fixtures.
pytest_plugins = ("tests.safety_recorder", "tests.aws_faults", "tests.scenarios")

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, and the fixtures' account

# No test may ever reach AWS: fake credentials, and moto intercepts every call.
for key, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "POWERTOOLS_METRICS_NAMESPACE": "EcrEndpointGuard",
    "POWERTOOLS_SERVICE_NAME": "ecr-endpoint-guard",
}.items():
    os.environ[key] = value
os.environ.pop("AWS_PROFILE", None)


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


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> CallLog:
    """Record every botocore call (by any client, made anywhere) during the test."""
    log = CallLog()
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        log.calls.append((service, operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return log


@dataclass
class Aws:
    ec2: Any
    sns: Any
    sqs: Any
    route53: Any
    strict: dict[str, Any]
    region: str = REGION


@pytest.fixture
def aws() -> Iterator[Aws]:
    """A fresh moto account in us-east-1, with EC2's strictness patched in."""
    with mock_aws(), strict_ec2() as strict:
        yield Aws(
            ec2=boto3.client("ec2", region_name=REGION),
            sns=boto3.client("sns", region_name=REGION),
            sqs=boto3.client("sqs", region_name=REGION),
            route53=boto3.client("route53", region_name=REGION),
            strict=strict,
        )


@dataclass
class LambdaContext:
    function_name: str = "ecr-endpoint-guard"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecr-endpoint-guard"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def handler_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment the template gives the function (dry-run by default)."""
    for key in (
        "REMEDIATION_MODE",
        "AUTO_FIX_ACCOUNT_IDS",
        "SERVICES",
        "NOTIFICATION_TOPIC_ARN",
        "NOTIFICATION_FORMAT",
        "MAX_AZS_PER_ENDPOINT",
        "GATEWAY_REPORT_ONLY",
        "REQUIRE_LOCAL_ENDPOINTS",
        "TOOL_ROLE_ARN",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DELETION_WAIT_SECONDS", "0")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ecr-endpoint-guard")
    return monkeypatch
