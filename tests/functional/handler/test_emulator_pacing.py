"""Against an emulator (``AWS_ENDPOINT_URL``, as the demo runs) the function does not pace
Route 53: AWS's five requests a second per account do not apply there. Against AWS it does."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from handlers import account_run, runtime
from handlers.remediate import lambda_handler
from remediation.aws import hosted_zones
from remediation.aws.inventory import Inventory
from tests.support.aws import Aws, LambdaContext
from tests.support.scenarios import create_vpc_event
from tests.support.topology import build_vpc


@pytest.mark.parametrize("emulated", [True, False])
def test_route53_is_paced_against_aws_only(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    emulated: bool,
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True)
    made = runtime.clients

    def clients(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(made(*args, **kwargs), emulated=emulated)

    paces: list[float] = []
    inventory = Inventory

    class Recording(inventory):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            paces.append(self.hosted_zones.pacer.interval)

    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.2)  # as deployed (tests: 0)
    monkeypatch.setattr(runtime, "clients", clients)
    monkeypatch.setattr(account_run, "Inventory", Recording)

    lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    assert paces == [0.0 if emulated else 0.2]
