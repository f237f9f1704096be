"""The kinds of repair the tool can make, as plain data.

Each kind declares the EC2 operation it calls and the IAM permissions that call
needs (``API`` and ``PERMISSIONS``), so that tests can prove the SAM template
grants exactly what the code can call, and a dry-run report can list what
auto-fix would need. No kind deletes anything: the only removal the tool makes
is revoking a rule from the security group it created itself.

Planning builds these values; only :mod:`remediation.executor` turns them into
API calls.

Examples
--------
>>> a = EnableVpcAttribute(vpc_id="vpc-1", reason="dns-hostnames-disabled",
...                        attribute="enableDnsHostnames")
>>> a.describe()
'enable enableDnsHostnames on vpc-1'
>>> a.PERMISSIONS
('ec2:ModifyVpcAttribute',)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from remediation.model import IngressRule

#: Placeholder for the tool's own security group in a VPC, resolved by the
#: executor once the group exists (it may be created by an earlier action of
#: the same plan).
TOOL_GROUP = "<tool-security-group>"

#: The name the tool gives the security group it creates for its endpoints.
TOOL_GROUP_NAME = "ecr-endpoint-guard-endpoints"
#: The description of that group, and of each of its TCP 443 rules.
TOOL_GROUP_DESCRIPTION = "ecr-endpoint-guard: HTTPS to VPC endpoints from the VPC only"
HTTPS_RULE_DESCRIPTION = "HTTPS to VPC endpoints from the VPC"

#: Why a change to a gateway endpoint's route tables is announced (the rule that asks for
#: it and the message that reports it both say so).
S3_INTERRUPTION_NOTE = (
    "changing a gateway endpoint's route tables can briefly interrupt S3 connections in flight"
)

#: The permissions the read path needs (inventory and the executor's re-reads).
READ_PERMISSIONS: tuple[str, ...] = (
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeVpcEndpointServices",
    "ec2:DescribeVpcBlockPublicAccessExclusions",
    "cloudwatch:GetMetricData",
    "route53:ListHostedZones",
    "route53:GetHostedZone",
    "route53:ListHostedZonesByVPC",
    "route53profiles:ListProfileAssociations",
    "route53profiles:ListProfileResourceAssociations",
    "route53:ListResourceRecordSets",
    "route53resolver:ListResolverRuleAssociations",
    "route53resolver:ListResolverRules",
    "route53resolver:ListResolverEndpoints",
    "route53resolver:ListResolverEndpointIpAddresses",
    "ram:ListResources",
    "ram:ListPrincipals",
)


@dataclass(frozen=True)
class Action:
    """Base of every repair. ``reason`` is the code of the finding that asks for it."""

    KIND: ClassVar[str] = ""
    API: ClassVar[str] = ""
    PERMISSIONS: ClassVar[tuple[str, ...]] = ()

    vpc_id: str
    reason: str

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def service(self) -> str:
        """The endpoint service the action is about, or ``""``."""
        return str(getattr(self, "service_name", ""))

    def describe(self) -> str:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.KIND,
            "api": self.API,
            "vpc_id": self.vpc_id,
            "reason": self.reason,
            "service": self.service,
            "description": self.describe(),
        }


@dataclass(frozen=True)
class EnableVpcAttribute(Action):
    """Turn on ``enableDnsSupport`` or ``enableDnsHostnames`` (one per call, support first)."""

    KIND: ClassVar[str] = "enable-vpc-attribute"
    API: ClassVar[str] = "ModifyVpcAttribute"
    PERMISSIONS: ClassVar[tuple[str, ...]] = ("ec2:ModifyVpcAttribute",)

    attribute: str = "enableDnsSupport"

    def describe(self) -> str:
        return f"enable {self.attribute} on {self.vpc_id}"


@dataclass(frozen=True)
class CreateSecurityGroup(Action):
    """Create the tool's own endpoint group: TCP 443 from each VPC CIDR, tagged at creation."""

    KIND: ClassVar[str] = "create-security-group"
    API: ClassVar[str] = "CreateSecurityGroup"
    PERMISSIONS: ClassVar[tuple[str, ...]] = (
        "ec2:CreateSecurityGroup",
        "ec2:CreateTags",
        "ec2:AuthorizeSecurityGroupIngress",
    )

    group_name: str = ""
    cidr_blocks: tuple[str, ...] = ()

    def describe(self) -> str:
        return (
            f"create security group {self.group_name} in {self.vpc_id} "
            f"allowing TCP 443 from {', '.join(self.cidr_blocks)}"
        )


@dataclass(frozen=True)
class AuthorizeIngress(Action):
    """Allow TCP 443 from more VPC CIDRs on the tool's own group (a CIDR added to the VPC)."""

    KIND: ClassVar[str] = "authorize-ingress"
    API: ClassVar[str] = "AuthorizeSecurityGroupIngress"
    PERMISSIONS: ClassVar[tuple[str, ...]] = ("ec2:AuthorizeSecurityGroupIngress",)

    group_id: str = TOOL_GROUP
    cidr_blocks: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"allow TCP 443 from {', '.join(self.cidr_blocks)} on {self.group_id}"


@dataclass(frozen=True)
class RevokeIngress(Action):
    """Remove rules someone added to the tool's own group (never any other group)."""

    KIND: ClassVar[str] = "revoke-ingress"
    API: ClassVar[str] = "RevokeSecurityGroupIngress"
    PERMISSIONS: ClassVar[tuple[str, ...]] = ("ec2:RevokeSecurityGroupIngress",)

    group_id: str = ""
    rules: tuple[IngressRule, ...] = ()

    def describe(self) -> str:
        return f"revoke {'; '.join(r.describe() for r in self.rules)} from {self.group_id}"


@dataclass(frozen=True)
class CreateInterfaceEndpoint(Action):
    """Create an interface endpoint with private DNS, one subnet per AZ and the tool's group."""

    KIND: ClassVar[str] = "create-interface-endpoint"
    API: ClassVar[str] = "CreateVpcEndpoint"
    PERMISSIONS: ClassVar[tuple[str, ...]] = (
        "ec2:CreateVpcEndpoint",
        "ec2:CreateTags",
        "route53:AssociateVPCWithHostedZone",
    )

    service_name: str = ""
    subnet_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = (TOOL_GROUP,)
    client_token: str = ""
    #: The endpoint policy to create it with (JSON); ``""`` leaves EC2's default (full access).
    policy_document: str = ""
    #: ``IpAddressType`` (``ipv4``, ``dualstack``, ``ipv6``); ``""`` leaves EC2's default.
    ip_address_type: str = ""
    #: ``DnsOptions.DnsRecordIpType``; ``""`` leaves EC2's default.
    dns_record_ip_type: str = ""
    #: Endpoints of the same service still ``deleting``: EC2 refuses a new
    #: private-DNS endpoint until they are gone, so the executor waits first.
    wait_for_deletion: tuple[str, ...] = ()

    def describe(self) -> str:
        return (
            f"create interface endpoint {self.service_name} with private DNS in "
            f"{', '.join(self.subnet_ids)}"
        )


@dataclass(frozen=True)
class CreateGatewayEndpoint(Action):
    """Create a gateway endpoint associated with every private route table."""

    KIND: ClassVar[str] = "create-gateway-endpoint"
    API: ClassVar[str] = "CreateVpcEndpoint"
    PERMISSIONS: ClassVar[tuple[str, ...]] = ("ec2:CreateVpcEndpoint", "ec2:CreateTags")

    service_name: str = ""
    route_table_ids: tuple[str, ...] = ()
    client_token: str = ""
    #: The endpoint policy to create it with (JSON); ``""`` leaves EC2's default (full access).
    policy_document: str = ""

    def describe(self) -> str:
        return (
            f"create gateway endpoint {self.service_name} on route tables "
            f"{', '.join(self.route_table_ids)}"
        )


@dataclass(frozen=True)
class ModifyEndpoint(Action):
    """Repair an existing endpoint in place: never replace it, never remove a subnet."""

    KIND: ClassVar[str] = "modify-endpoint"
    API: ClassVar[str] = "ModifyVpcEndpoint"
    PERMISSIONS: ClassVar[tuple[str, ...]] = (
        "ec2:ModifyVpcEndpoint",
        "route53:AssociateVPCWithHostedZone",
    )

    endpoint_id: str = ""
    service_name: str = ""
    enable_private_dns: bool = False
    add_subnet_ids: tuple[str, ...] = ()
    add_group_ids: tuple[str, ...] = ()
    remove_group_ids: tuple[str, ...] = ()
    add_route_table_ids: tuple[str, ...] = ()
    #: A new policy (JSON) for an endpoint the tool created whose policy drifted; ``""``: none.
    policy_document: str = ""

    def describe(self) -> str:
        parts = []
        if self.enable_private_dns:
            parts.append("turn private DNS on")
        if self.add_subnet_ids:
            parts.append(f"add subnets {', '.join(self.add_subnet_ids)}")
        if self.add_group_ids:
            parts.append(f"attach groups {', '.join(self.add_group_ids)}")
        if self.remove_group_ids:
            parts.append(f"detach groups {', '.join(self.remove_group_ids)}")
        if self.add_route_table_ids:
            parts.append(f"add route tables {', '.join(self.add_route_table_ids)}")
        if self.policy_document:
            parts.append("restore the endpoint policy")
        return f"{self.endpoint_id} ({self.service_name}): {'; '.join(parts)}"

    def merged(self, other: ModifyEndpoint) -> ModifyEndpoint:
        """One call instead of two for the same endpoint (EC2 takes them together)."""

        def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(a + b))

        return ModifyEndpoint(
            vpc_id=self.vpc_id,
            reason=self.reason if self.reason == other.reason else f"{self.reason},{other.reason}",
            endpoint_id=self.endpoint_id,
            service_name=self.service_name,
            enable_private_dns=self.enable_private_dns or other.enable_private_dns,
            add_subnet_ids=union(self.add_subnet_ids, other.add_subnet_ids),
            add_group_ids=union(self.add_group_ids, other.add_group_ids),
            remove_group_ids=union(self.remove_group_ids, other.remove_group_ids),
            add_route_table_ids=union(self.add_route_table_ids, other.add_route_table_ids),
            policy_document=self.policy_document or other.policy_document,
        )


ACTION_KINDS: tuple[type[Action], ...] = (
    EnableVpcAttribute,
    CreateSecurityGroup,
    AuthorizeIngress,
    RevokeIngress,
    CreateInterfaceEndpoint,
    CreateGatewayEndpoint,
    ModifyEndpoint,
)


def write_permissions() -> tuple[str, ...]:
    """Every IAM action that auto-fix may need, sorted and without repeats."""
    return tuple(sorted({p for kind in ACTION_KINDS for p in kind.PERMISSIONS}))


def wants_private_dns(action: Action) -> bool:
    """True when EC2 takes the action only while the VPC's DNS attributes are both on."""
    if isinstance(action, CreateInterfaceEndpoint):
        return True
    return isinstance(action, ModifyEndpoint) and action.enable_private_dns


def uses_tool_group(action: Action) -> bool:
    """True when the action refers to the tool's group by :data:`TOOL_GROUP`, not by id."""
    if isinstance(action, CreateInterfaceEndpoint):
        return TOOL_GROUP in action.group_ids
    if isinstance(action, ModifyEndpoint):
        return TOOL_GROUP in action.add_group_ids
    return False
