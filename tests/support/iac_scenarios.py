"""The VPCs the infrastructure-as-code tests render (Terraform and CloudFormation alike).

Each scenario is a snapshot and the settings it is judged by; :func:`code_of` plans it with
the engine's own :func:`~remediation.engine.vpc.assess` (the plan auto-fix would apply) and
describes its code. Golden files under ``tests/golden/`` are named after the scenarios.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from remediation.actions import (
    HTTPS_RULE_DESCRIPTION,
    TOOL_GROUP_DESCRIPTION,
    TOOL_GROUP_NAME,
    Action,
)
from remediation.config import Settings, load_settings
from remediation.engine.vpc import assess
from remediation.iac.resources import VpcCode
from remediation.iac.spec import describe
from remediation.model import Endpoint, IngressRule, SecurityGroup, VpcSnapshot
from remediation.surroundings import RegionFacts, ServiceOffer
from remediation.vocabulary import MANAGED_TAG, EndpointType
from tests.support.snapshots import REGION, VPC, gateway, https, interface, svc, three_az

DAY = "2026-11-30"
ACCOUNT = "123456789012"
OWNED = {MANAGED_TAG: "true", "ecr-endpoint-guard/version": "0.1.0"}


@dataclass(frozen=True)
class Scenario:
    name: str
    snapshot: VpcSnapshot
    settings: Settings
    what: str

    def plan(self) -> tuple[Action, ...]:
        return assess(self.snapshot, self.settings, DAY)[1]

    def code(self) -> VpcCode:
        return describe(self.snapshot, self.plan())


def _settings(**env: str) -> Settings:
    """Dry-run settings; the interface endpoints' policy is stated: these scenarios (and their
    golden files) assume EC2's full-access default unless they name another."""
    base = {"REMEDIATION_MODE": "dry-run", "ENDPOINT_POLICY": "full-access"}
    return load_settings({**base, **env}, account_id=ACCOUNT)


def _owned(endpoint_id: str, short: str, *subnets: str, groups: tuple[str, ...]) -> Endpoint:
    e = interface(short, *subnets, endpoint_id=endpoint_id, groups=groups)
    return dataclasses.replace(e, tags={**OWNED, "Name": f"ecr-endpoint-guard {short}"})


def fresh() -> Scenario:
    snap = three_az(dns_hostnames=False, tags={"Name": "prod east"})
    return Scenario("fresh", snap, _settings(), "a fresh VPC: everything to create")


def half_done() -> Scenario:
    """ecr.api exists (the user's, DNS off, two AZs), ecr.dkr missing, S3 on one table."""
    user_api = interface(
        "ecr.api",
        "subnet-priv-a",
        "subnet-priv-b",
        endpoint_id="vpce-userapi",
        dns=False,
        groups=("sg-user",),
    )
    user_group = SecurityGroup("sg-user", VPC, "team-endpoints", ingress=(https("10.0.0.0/16"),))
    snap = three_az(
        tags={"Name": "payments"},
        endpoints=(user_api, gateway("rtb-priv-a", endpoint_id="vpce-users3")),
        security_groups=(user_group,),
    )
    return Scenario("half_done", snap, _settings(), "half done: user endpoints to repair")


def _tool_group(*more: IngressRule) -> SecurityGroup:
    """The group the tool created (``sg-0tool``): TCP 443 from the VPC, and ``more`` rules."""
    return SecurityGroup(
        "sg-0tool",
        VPC,
        TOOL_GROUP_NAME,
        tags={**OWNED},
        ingress=(
            dataclasses.replace(https("10.0.0.0/16"), description=HTTPS_RULE_DESCRIPTION),
            *more,
        ),
        description=TOOL_GROUP_DESCRIPTION,
    )


def tool_created() -> Scenario:
    """The tool created everything; ecr.dkr misses zone c; the group lost nothing."""
    subnets = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
    group = _tool_group()
    api = _owned("vpce-0api", "ecr.api", *subnets, groups=("sg-0tool",))
    dkr = _owned("vpce-0dkr", "ecr.dkr", *subnets[:2], groups=("sg-0tool",))
    s3 = dataclasses.replace(
        gateway(*(f"rtb-priv-{z}" for z in "abc"), endpoint_id="vpce-0s3"),
        tags={**OWNED, "Name": "ecr-endpoint-guard s3"},
    )
    snap = three_az(
        tags={"Name": "sandbox"},
        endpoints=(api, dkr, s3),
        security_groups=(group,),
    )
    return Scenario("tool_created", snap, _settings(), "the tool's endpoints: adopt them")


def tool_group_drift() -> Scenario:
    """The tool's group was edited: a rule open to the world (revoked), a private consumer's
    rule without a description (kept as it is); the VPC gained a block (its rule added)."""
    group = _tool_group(
        IngressRule("tcp", 443, 443, cidr_ipv4="0.0.0.0/0", description="temporary"),
        IngressRule("tcp", 443, 443, cidr_ipv4="100.64.0.0/16"),
    )
    subnets = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
    snap = three_az(
        tags={"Name": "edited"},
        cidr_blocks=("10.0.0.0/16", "10.1.0.0/16"),
        endpoints=(
            _owned("vpce-0api", "ecr.api", *subnets, groups=("sg-0tool",)),
            _owned("vpce-0dkr", "ecr.dkr", *subnets, groups=("sg-0tool",)),
            dataclasses.replace(
                gateway(*(f"rtb-priv-{z}" for z in "abc"), endpoint_id="vpce-0s3"),
                tags={**OWNED},
            ),
        ),
        security_groups=(group,),
    )
    return Scenario("tool_group_drift", snap, _settings(), "the tool's group edited by hand")


def user_owned_repairs() -> Scenario:
    """Every endpoint the user's; a group open to the world; S3 missing a table."""
    subnets = ("subnet-priv-a", "subnet-priv-b", "subnet-priv-c")
    wide = SecurityGroup(
        "sg-wide", VPC, "wide", ingress=(IngressRule("tcp", 443, 443, cidr_ipv4="0.0.0.0/0"),)
    )
    snap = three_az(
        endpoints=(
            interface("ecr.api", *subnets, endpoint_id="vpce-1api", groups=("sg-wide",)),
            interface("ecr.dkr", *subnets[:1], endpoint_id="vpce-1dkr", groups=("sg-wide",)),
            gateway("rtb-priv-a", "rtb-priv-b", endpoint_id="vpce-1s3"),
        ),
        security_groups=(wide,),
    )
    return Scenario("user_owned_repairs", snap, _settings(), "the user's endpoints: comments")


def centralised_spoke() -> Scenario:
    """A spoke served by a hub's ECR zones: only the S3 gateway is its own."""
    snap = three_az(
        tags={"Name": "spoke-1"},
        private_zones=(f"api.ecr.{REGION}.amazonaws.com", f"dkr.ecr.{REGION}.amazonaws.com"),
    )
    return Scenario("centralised_spoke", snap, _settings(), "a spoke: S3 gateway only")


def shared_vpc() -> Scenario:
    snap = three_az(owner_id="210987654321", tags={"Name": "shared"})
    return Scenario("shared_vpc", snap, _settings(), "shared with this account: no code")


def dual_stack() -> Scenario:
    """IPv6 blocks everywhere, services offering IPv6: dual-stack endpoints, IPv6 rules."""
    base = three_az()
    subnets = tuple(
        dataclasses.replace(s, ipv6_cidr_blocks=(f"2600:1f18:0:{n}::/64",))
        for n, s in enumerate(base.subnets)
    )
    facts = RegionFacts(
        offers=tuple(
            ServiceOffer(svc(s), frozenset(f"{REGION}{z}" for z in "abc"), ("ipv4", "ipv6"))
            for s in ("ecr.api", "ecr.dkr")
        )
    )
    snap = dataclasses.replace(
        base,
        tags={"Name": "dual"},
        ipv6_cidr_blocks=("2600:1f18::/56",),
        subnets=subnets,
        region_facts=facts,
    )
    return Scenario("dual_stack", snap, _settings(), "dual-stack: IPv6 endpoints and rules")


def account_policy() -> Scenario:
    snap = three_az(tags={"Name": "locked"})
    settings = _settings(ENDPOINT_POLICY="account", S3_GATEWAY_POLICY="ecr-layers-only")
    return Scenario("account_policy", snap, settings, "endpoint policies from the settings")


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "fresh": fresh,
    "half_done": half_done,
    "tool_created": tool_created,
    "tool_group_drift": tool_group_drift,
    "user_owned_repairs": user_owned_repairs,
    "centralised_spoke": centralised_spoke,
    "shared_vpc": shared_vpc,
    "dual_stack": dual_stack,
    "account_policy": account_policy,
}

__all__ = ["ACCOUNT", "DAY", "SCENARIOS", "EndpointType", "Scenario"]
