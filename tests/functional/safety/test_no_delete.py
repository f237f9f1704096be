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

import contextlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.aws.inventory import Inventory
from tests.support.aws import ACCOUNT, REGION, Aws
from tests.support.aws_faults import FaultLayer
from tests.support.safety_recorder import RECORDER, SRC
from tests.support.topology import build_vpc


def test_recorder_sees_the_project_calls_and_where_they_come_from(aws: Aws) -> None:
    assert RECORDER.installed
    vpc = build_vpc(aws.ec2, azs=1)
    with RECORDER.isolated() as calls:
        Inventory(aws.ec2, region=REGION, account_id=ACCOUNT).snapshots([vpc.vpc_id], _settings())
        aws.ec2.describe_vpcs()  # the test's own call: not the project's
    operations = [c.operation for c in calls]
    assert "DescribeVpcs" in operations
    assert operations.count("DescribeVpcs") == 1  # the inventory's, not the test's
    # the evaluation's readers
    readers = ("inventory.py", "paging.py", "region_facts.py", "hosted_zones.py")
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
