"""The tool removes nothing: no code path calls a Delete (Disassociate, Detach, Terminate,
Release) API, except the CLI's ``release`` command (``src/remediation/release.py``, issue 7),
which a person runs to remove exactly what the tool created.

Two proofs: a static one over the source, and a dynamic one over every AWS call the
project's code makes in the whole test session (``tests/support/safety_recorder.py``, which fails
the session on a forbidden call). The tests here also prove the recorder itself works:
that it sees project calls, attributes a test's own deletes to the test, and would catch a
removal made from ``src/``.
"""

from __future__ import annotations

import ast
import contextlib
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.aws.inventory import Inventory
from tests.support.aws import ACCOUNT, REGION, Aws
from tests.support.aws_faults import FaultLayer
from tests.support.safety_recorder import ALLOWED_REMOVERS, RECORDER, SRC, ProjectCall
from tests.support.topology import build_vpc

REMOVAL_METHOD = re.compile(r"(delete|disassociate|detach|terminate|release)_[a-z0-9_]+")
REMOVAL_OPERATION = re.compile(r"(Delete|Disassociate|Detach|Terminate|Release)[A-Z]\w+")


def removal_calls(tree: ast.AST) -> list[str]:
    """Client methods that remove things, however the source names them."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and REMOVAL_METHOD.fullmatch(node.attr):
            found.append(f"{node.attr} (line {node.lineno})")
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            first = node.args[0] if name != "getattr" or len(node.args) < 2 else node.args[1]
            if (
                name in ("getattr", "get_paginator", "get_waiter", "_make_api_call")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and (
                    REMOVAL_METHOD.fullmatch(first.value)
                    or REMOVAL_OPERATION.fullmatch(first.value)
                )
            ):
                found.append(f"{name}({first.value!r}) (line {node.lineno})")
    return found


def test_no_source_file_calls_a_removal_api_except_release() -> None:
    offenders = {}
    checked = 0
    for path in sorted(SRC.rglob("*.py")):
        relative = str(path.relative_to(SRC.parent))
        calls = removal_calls(ast.parse(path.read_text(encoding="utf-8")))
        checked += 1
        if calls and relative not in ALLOWED_REMOVERS:
            offenders[relative] = calls
    assert checked >= 20  # the walk found the source
    assert offenders == {}


def test_the_static_check_sees_every_spelling() -> None:
    source = """
ec2.delete_vpc_endpoints(VpcEndpointIds=ids)
getattr(ec2, "disassociate_route_table")(AssociationId=a)
ec2.get_paginator("release_hosts")
client._make_api_call("DeleteSecurityGroup", {})
fn = ec2.detach_internet_gateway
ec2.describe_vpcs()
"""
    assert len(removal_calls(ast.parse(source))) == 5


def test_allow_list_is_exactly_the_release_module() -> None:
    assert ALLOWED_REMOVERS == ("src/remediation/release.py",)


def test_recorder_sees_the_project_calls_and_where_they_come_from(aws: Aws) -> None:
    assert RECORDER.installed
    vpc = build_vpc(aws.ec2, azs=1)
    with RECORDER.isolated() as calls:
        Inventory(aws.ec2, region=REGION, account_id=ACCOUNT).snapshots([vpc.vpc_id], _settings())
        aws.ec2.describe_vpcs()  # the test's own call: not the project's
    operations = [c.operation for c in calls]
    assert "DescribeVpcs" in operations
    assert operations.count("DescribeVpcs") == 1  # the inventory's, not the test's
    readers = ("inventory.py", "region_facts.py", "hosted_zones.py")  # the evaluation's readers
    prefixes = tuple(f"src/remediation/aws/{r}:" for r in readers)
    assert all(c.caller.startswith(prefixes) for c in calls)


def test_a_test_deleting_inside_a_project_call_is_not_blamed_on_the_project(
    aws: Aws, faults: FaultLayer
) -> None:
    """Tests delete things to build scenarios, sometimes from a hook inside a project call."""
    vpc = build_vpc(aws.ec2, azs=1)
    extra = aws.ec2.create_security_group(GroupName="x", Description="d", VpcId=vpc.vpc_id)
    deleted: list[str] = []

    def meanwhile(service: str, operation: str) -> None:
        if operation == "DescribeSubnets" and not deleted:
            deleted.append(extra["GroupId"])
            aws.ec2.delete_security_group(GroupId=extra["GroupId"])

    faults.before = meanwhile
    with RECORDER.isolated() as calls:
        Inventory(aws.ec2, region=REGION, account_id=ACCOUNT).snapshots([vpc.vpc_id], _settings())
    assert deleted
    assert "DeleteSecurityGroup" not in [c.operation for c in calls]
    assert "DescribeSubnets" in [c.operation for c in calls]


def test_a_removal_from_project_code_would_be_caught(aws: Aws) -> None:
    """Code whose file is under src/ (compiled here, so no such file is needed)."""
    vpc = build_vpc(aws.ec2, azs=1)
    group = aws.ec2.create_security_group(GroupName="y", Description="d", VpcId=vpc.vpc_id)
    source = "def remove(ec2, group_id):\n    ec2.delete_security_group(GroupId=group_id)\n"
    namespace: dict[str, Any] = {}
    for module in ("remediation/not_a_real_module.py", "remediation/release.py"):
        exec(compile(source, str(SRC / module), "exec"), namespace)  # noqa: S102
        # The group is gone the second time: the call is what counts.
        with RECORDER.isolated() as calls, contextlib.suppress(ClientError):
            namespace["remove"](aws.ec2, group["GroupId"])
        (call,) = calls
        assert call.operation == "DeleteSecurityGroup"
        assert call.forbidden is (module != "remediation/release.py"), call


def test_forbidden_is_about_removals_only() -> None:
    def call(operation: str, caller: str = "src/remediation/executor.py:1") -> ProjectCall:
        return ProjectCall("ec2", operation, caller, "t")

    assert call("DeleteVpcEndpoints").forbidden
    assert call("DisassociateRouteTable").forbidden
    assert call("TerminateInstances").forbidden
    assert not call("CreateVpcEndpoint").forbidden
    assert not call("RevokeSecurityGroupIngress").forbidden  # on its own group only
    assert not call("DeleteVpcEndpoints", "src/remediation/release.py:153").forbidden


def test_no_removal_so_far_in_this_session() -> None:
    """The session-wide check, as a test too (the session hook covers what runs after it)."""
    assert RECORDER.forbidden() == []


def _settings() -> Any:
    from remediation.config import Settings

    return Settings()


@pytest.fixture(autouse=True)
def _no_leak() -> Any:
    """The recorder's scratch lists never leak into the session's record."""
    before = len(RECORDER.calls)
    yield
    assert all(not c.forbidden for c in RECORDER.calls[before:])
