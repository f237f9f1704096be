"""Route 53 Resolver forwarding rules and inbound endpoints, built as a landing zone builds them.

A ``FORWARD`` rule leaves through an outbound endpoint of the VPC and sends the names of its
domain to the target addresses; an inbound endpoint is the address other networks' resolvers
forward to (Route 53 Developer Guide, "Resolving DNS queries between VPCs and your network").
"""

from __future__ import annotations

from typing import Any

from tests.support.aws import shared_client


def forward_rule(ec2: Any, domain: str, targets: list[str], vpc_id: str, name: str) -> str:
    """A ``FORWARD`` rule for ``domain`` to ``targets``, associated with the VPC (its id)."""
    resolver = shared_client("route53resolver")
    group = ec2.create_security_group(
        GroupName=f"resolver-{name}", Description="resolver", VpcId=vpc_id
    )["GroupId"]
    subnets = [
        s["SubnetId"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    ][:2]
    outbound = resolver.create_resolver_endpoint(
        CreatorRequestId=f"out-{name}",
        Name=f"out-{name}",
        SecurityGroupIds=[group],
        Direction="OUTBOUND",
        IpAddresses=[{"SubnetId": s} for s in subnets],
    )["ResolverEndpoint"]["Id"]
    rule = resolver.create_resolver_rule(
        CreatorRequestId=f"rule-{name}",
        Name=name,
        RuleType="FORWARD",
        DomainName=domain,
        TargetIps=[{"Ip": ip, "Port": 53} for ip in targets],
        ResolverEndpointId=outbound,
    )["ResolverRule"]["Id"]
    resolver.associate_resolver_rule(ResolverRuleId=rule, VPCId=vpc_id, Name=name)
    return str(rule)


def inbound_endpoint(ec2: Any, vpc_id: str, subnets: list[str], name: str = "in") -> list[str]:
    """An inbound Resolver endpoint in the VPC's ``subnets``: its addresses."""
    resolver = shared_client("route53resolver")
    group = ec2.create_security_group(
        GroupName=f"inbound-{name}", Description="inbound", VpcId=vpc_id
    )["GroupId"]
    endpoint = resolver.create_resolver_endpoint(
        CreatorRequestId=name,
        Name=name,
        SecurityGroupIds=[group],
        Direction="INBOUND",
        IpAddresses=[{"SubnetId": s} for s in subnets],
    )["ResolverEndpoint"]["Id"]
    answer = resolver.list_resolver_endpoint_ip_addresses(ResolverEndpointId=endpoint)
    return [str(a["Ip"]) for a in answer["IpAddresses"]]
