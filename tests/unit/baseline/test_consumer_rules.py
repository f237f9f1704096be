"""Private consumers on built snapshots: the tool's group admits the VPC's IPv4 and IPv6 blocks,
keeps private rules an operator added and revokes only wide ones."""

from __future__ import annotations

import dataclasses

from remediation import actions as A
from remediation.baseline import security_groups as G
from remediation.config import Settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.model import IngressRule, SecurityGroup
from tests.support.snapshots import VPC, compliant, https, interface, tool_group

DAY = "2026-11-30"


V6 = "2600:1f18:abcd:1200::/56"


def v6(cidr: str) -> IngressRule:
    return IngressRule("tcp", 443, 443, cidr_ipv6=cidr)


def test_the_tools_group_keeps_private_rules_an_operator_added_and_revokes_wide_ones() -> None:
    operator = (https("192.168.0.0/16"), IngressRule("tcp", 8443, 8443, cidr_ipv4="10.0.0.0/16"))
    wide = (IngressRule("tcp", 22, 22, cidr_ipv4="0.0.0.0/0"),)
    # 172.16.0.0/11 reaches beyond RFC 1918's 172.16.0.0/12: a person's call since issue 20
    # item 4 (a consumer there may rely on it), never revoked.
    unverified = (https("172.16.0.0/11"),)
    snap = compliant(
        security_groups=(tool_group(https("10.0.0.0/16"), *operator, *wide, *unverified),)
    )
    findings, actions = assess(snap, Settings(), DAY)
    assert [(f.code, f.severity) for f in findings] == [
        (G.TOOL_GROUP_EXTRA_RULE, Severity.WARNING),
        (G.TOOL_GROUP_UNVERIFIED, Severity.MANUAL),
        (G.TOOL_GROUP_OPERATOR_RULE, Severity.INFO),
    ]
    (revoke,) = actions
    assert isinstance(revoke, A.RevokeIngress)
    assert revoke.rules == wide


def test_the_tools_group_admits_the_vpcs_ipv6_blocks() -> None:
    snap = dataclasses.replace(compliant(), ipv6_cidr_blocks=(V6,))
    findings, actions = assess(snap, Settings(), DAY)
    assert [f.code for f in findings] == [G.TOOL_GROUP_CIDR_MISSING]
    (authorize,) = actions
    assert isinstance(authorize, A.AuthorizeIngress) and authorize.cidr_blocks == (V6,)
    done = dataclasses.replace(snap, security_groups=(tool_group(https("10.0.0.0/16"), v6(V6)),))
    assert assess(done, Settings(), DAY) == ((), ())


def test_a_new_tool_group_carries_ipv4_and_ipv6_blocks() -> None:
    snap = dataclasses.replace(compliant(security_groups=()), ipv6_cidr_blocks=(V6,))
    create = next(
        a for a in assess(snap, Settings(), DAY)[1] if isinstance(a, A.CreateSecurityGroup)
    )
    assert create.cidr_blocks == ("10.0.0.0/16", V6)


def test_a_dual_stack_endpoint_needs_its_groups_to_admit_ipv6_too() -> None:
    user = SecurityGroup("sg-user", VPC, "user", ingress=(https("10.0.0.0/16"),))
    endpoint = dataclasses.replace(
        interface(
            "ecr.api", "subnet-priv-a", "subnet-priv-b", "subnet-priv-c", groups=("sg-user",)
        ),
        ip_address_type="dualstack",
    )
    base = compliant(ipv6_cidr_blocks=(V6,))
    snap = dataclasses.replace(
        base,
        endpoints=(endpoint, *base.endpoints[1:]),
        security_groups=(tool_group(https("10.0.0.0/16"), v6(V6)), user),
    )
    findings, _ = assess(snap, Settings(), DAY)
    (insufficient,) = [f for f in findings if f.code == "endpoint-group-insufficient"]
    assert V6 in insufficient.message
