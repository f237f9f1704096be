"""The tool removes nothing, read statically: no source file but release.py calls a removal API,
in any spelling."""

from __future__ import annotations

import ast
import re

from tests.support.safety_recorder import ALLOWED_REMOVERS, SRC, ProjectCall

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


def test_forbidden_is_about_removals_only() -> None:
    def call(operation: str, caller: str = "src/remediation/executor.py:1") -> ProjectCall:
        return ProjectCall("ec2", operation, caller, "t")

    assert call("DeleteVpcEndpoints").forbidden
    assert call("DisassociateRouteTable").forbidden
    assert call("TerminateInstances").forbidden
    assert not call("CreateVpcEndpoint").forbidden
    assert not call("RevokeSecurityGroupIngress").forbidden  # on its own group only
    assert not call("DeleteVpcEndpoints", "src/remediation/release.py:153").forbidden
