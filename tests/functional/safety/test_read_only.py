"""Dry-run is read-only by construction, not by a flag checked before each write.

* The Inventory wraps every client it is given: a write is not there to call.
* The handler builds no Executor in dry-run, and hands the engine none.
* The engine without an executor writes nothing, whatever the settings say.
* Through the handler, on VPCs that need every kind of repair, the HTTP layer fails the
  test on any mutating EC2 or Route 53 call.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.session import get_session

from handlers.remediate import lambda_handler
from remediation.actions import ACTION_KINDS, TOOL_GROUP_NAME
from remediation.aws.inventory import Inventory
from remediation.aws.read_only import ReadOnlyClient, WriteRefused
from remediation.config import Settings
from remediation.engine.runs import run
from remediation.events.parse import parse_event
from remediation.modes import Mode
from remediation.vocabulary import MANAGED_TAG
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import FaultLayer
from tests.support.fixtures import load_event
from tests.support.topology import build_vpc

READS = ("Describe", "List", "Get")


def operations(service: str) -> list[str]:
    return list(get_session().get_service_model(service).operation_names)


@pytest.mark.parametrize("service", ["ec2", "route53"])
def test_read_only_client_refuses_every_write_operation(aws: Aws, service: str) -> None:
    from botocore import xform_name

    client = ReadOnlyClient(getattr(aws, service))
    writes = [op for op in operations(service) if not op.startswith(READS)]
    assert len(writes) > (400 if service == "ec2" else 20)
    for operation in writes:
        with pytest.raises(WriteRefused):
            getattr(client, xform_name(operation))
        with pytest.raises(WriteRefused):
            client.get_paginator(xform_name(operation))
    for operation in operations(service):
        if operation.startswith(READS):
            assert callable(getattr(client, xform_name(operation)))


def test_inventory_holds_only_read_only_clients(aws: Aws) -> None:
    inventory = Inventory(aws.ec2, region=REGION, account_id=ACCOUNT, route53=aws.route53)
    held = {name: value for name, value in vars(inventory).items() if hasattr(value, "meta")}
    assert set(held) == {"ec2", "route53"}
    assert all(isinstance(value, ReadOnlyClient) for value in held.values())
    with pytest.raises(WriteRefused):
        inventory.ec2.create_vpc_endpoint(VpcId="vpc-0123456789abcdef0", ServiceName="x")


def _needs_every_kind_of_repair(aws: Aws) -> None:
    """Two VPCs whose repairs, together, use every kind of action there is."""
    a = build_vpc(aws.ec2, dns_support=False, dns_hostnames=False)
    wide = aws.ec2.create_security_group(GroupName="wide", Description="d", VpcId=a.vpc_id)
    aws.ec2.authorize_security_group_ingress(
        GroupId=wide["GroupId"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    aws.ec2.create_vpc_endpoint(  # private DNS off, one AZ, a wide group
        VpcEndpointType="Interface",
        VpcId=a.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        SubnetIds=[a.private_subnets[f"{REGION}a"][0]],
        SecurityGroupIds=[wide["GroupId"]],
        PrivateDnsEnabled=False,
    )
    b = build_vpc(aws.ec2, cidr="10.1.0.0/16", dns_hostnames=True)
    owned = aws.ec2.create_security_group(
        GroupName=TOOL_GROUP_NAME,
        Description="d",
        VpcId=b.vpc_id,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": MANAGED_TAG, "Value": "true"}]}
        ],
    )
    aws.ec2.authorize_security_group_ingress(  # its own rule, and one someone added
        GroupId=owned["GroupId"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": c}]}
            for c in ("10.1.0.0/16", "0.0.0.0/0")
        ],
    )
    aws.ec2.associate_vpc_cidr_block(VpcId=b.vpc_id, CidrBlock="10.2.0.0/16")


def test_dry_run_through_the_handler_has_no_means_to_write(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import remediation.executor
    from handlers import account_run

    _needs_every_kind_of_repair(aws)
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)  # one key of two: still dry-run
    mutating: list[str] = []

    def no_writes(service: str, operation: str) -> None:
        if service in ("ec2", "route53") and not operation.startswith(READS):
            mutating.append(f"{service}:{operation}")
            raise AssertionError(f"dry-run sent {service}:{operation}")

    def no_executor(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("dry-run built an Executor")

    monkeypatch.setattr(remediation.executor.Executor, "__init__", no_executor)
    given: list[dict[str, Any]] = []
    original_run = account_run.run

    def engine_run(*args: Any, **kwargs: Any) -> Any:
        given.append({"inventory": args[2], **kwargs})
        return original_run(*args, **kwargs)

    monkeypatch.setattr(account_run, "run", engine_run)
    faults.before = no_writes
    api_calls.clear()

    result = lambda_handler(load_event("scheduled_sweep"), lambda_context)

    assert mutating == []
    assert api_calls.writes("ec2") == [] and api_calls.writes("route53") == []
    (call,) = given
    assert call["executor"] is None
    assert isinstance(call["inventory"].ec2, ReadOnlyClient)
    assert isinstance(call["inventory"].route53, ReadOnlyClient)
    planned = {a["action"] for v in result["vpcs"] for a in v["actions"]}
    assert planned == {kind.KIND for kind in ACTION_KINDS}  # every kind was on the table
    assert {a["status"] for v in result["vpcs"] for a in v["actions"]} == {"planned"}


def test_the_engine_without_an_executor_writes_nothing_even_in_auto_fix(
    aws: Aws, api_calls: CallLog
) -> None:
    _needs_every_kind_of_repair(aws)
    trigger = parse_event(load_event("scheduled_sweep"))
    inventory = Inventory(aws.ec2, region=REGION, account_id=ACCOUNT, route53=aws.route53)
    api_calls.clear()

    summary = run(trigger, Settings(mode=Mode.AUTO_FIX), inventory, executor=None)

    assert api_calls.writes("ec2") == []
    assert {v.mode for v in summary.vpcs} == {Mode.DRY_RUN}
    assert any(v.outcomes for v in summary.vpcs)
