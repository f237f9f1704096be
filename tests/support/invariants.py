"""The baseline, checked directly against AWS state, independently of the engine's code.

Tests use this to say "compliant by every rule of the baseline" without trusting
the code under test to judge itself.
"""

from __future__ import annotations

import ipaddress
from typing import Any

INTERFACE = ("ecr.api", "ecr.dkr")
GATEWAY = ("s3",)


def _private_subnets(ec2: Any, vpc_id: str) -> dict[str, str]:
    """subnet id -> AZ, for subnets whose effective route table has no IGW default route."""
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
    tables = ec2.describe_route_tables(Filters=flt)["RouteTables"]
    subnets = ec2.describe_subnets(Filters=flt)["Subnets"]
    main = next(t for t in tables if any(a.get("Main") for a in t.get("Associations", [])))
    result = {}
    for subnet in subnets:
        table = next(
            (
                t
                for t in tables
                if any(a.get("SubnetId") == subnet["SubnetId"] for a in t.get("Associations", []))
            ),
            main,
        )
        public = any(
            r.get("GatewayId", "").startswith("igw-")
            and (
                r.get("DestinationCidrBlock") == "0.0.0.0/0"
                or r.get("DestinationIpv6CidrBlock") == "::/0"
            )
            for r in table.get("Routes", [])
        )
        if not public:
            result[subnet["SubnetId"]] = subnet["AvailabilityZone"]
    return result


def _private_tables(ec2: Any, vpc_id: str) -> set[str]:
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
    tables = ec2.describe_route_tables(Filters=flt)["RouteTables"]
    main = next(t for t in tables if any(a.get("Main") for a in t.get("Associations", [])))
    private = _private_subnets(ec2, vpc_id)
    result = set()
    for subnet_id in private:
        table = next(
            (
                t
                for t in tables
                if any(a.get("SubnetId") == subnet_id for a in t.get("Associations", []))
            ),
            main,
        )
        result.add(table["RouteTableId"])
    return result


#: Private address space (RFC 1918, RFC 6598 shared space, IPv6 unique local addresses).
PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _within(net: Network, block: str) -> bool:
    outer = ipaddress.ip_network(block)
    return outer.version == net.version and net.subnet_of(outer)  # type: ignore[arg-type]


def _private(net: Network) -> bool:
    return any(_within(net, str(p)) for p in PRIVATE)


def violations(ec2: Any, vpc_id: str, region: str) -> list[str]:
    """Every way the VPC breaks the baseline (empty list: compliant)."""
    problems: list[str] = []
    for attr, key in (
        ("enableDnsSupport", "EnableDnsSupport"),
        ("enableDnsHostnames", "EnableDnsHostnames"),
    ):
        if not ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"]:
            problems.append(f"{attr} off")
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    cidrs = [
        a["CidrBlock"]
        for a in vpc.get("CidrBlockAssociationSet", [])
        if a["CidrBlockState"]["State"] == "associated"
    ]
    ipv6 = [
        a["Ipv6CidrBlock"]
        for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlockState", {}).get("State", "associated") == "associated"
    ]
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "VpcEndpoints"
    ]
    usable = [e for e in endpoints if e["State"].lower() in ("pending", "available")]
    private = _private_subnets(ec2, vpc_id)
    private_azs = set(private.values())
    subnet_az = {
        s["SubnetId"]: s["AvailabilityZone"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    }
    for short in INTERFACE:
        name = f"com.amazonaws.{region}.{short}"
        mine = [e for e in usable if e["ServiceName"] == name]
        if len(mine) != 1:
            problems.append(f"{short}: {len(mine)} usable endpoints")
            continue
        endpoint = mine[0]
        if not endpoint.get("PrivateDnsEnabled"):
            problems.append(f"{short}: private DNS off")
        azs = [subnet_az[s] for s in endpoint["SubnetIds"]]
        if len(azs) != len(set(azs)):
            problems.append(f"{short}: two subnets in one AZ")
        if set(azs) != private_azs:
            problems.append(f"{short}: AZs {sorted(azs)} != private AZs {sorted(private_azs)}")
        if any(s not in private for s in endpoint["SubnetIds"]):
            problems.append(f"{short}: in a public subnet")
        group_ids = [g["GroupId"] for g in endpoint.get("Groups") or []]
        if not group_ids:  # (EC2 would have given it the default group; moto gives none)
            problems.append(f"{short}: no security group")
            continue
        groups = ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
        admitted = []
        for group in groups:
            for perm in group["IpPermissions"]:
                tight_port = (
                    perm.get("IpProtocol") == "tcp"
                    and perm.get("FromPort") == 443
                    and perm.get("ToPort") == 443
                )
                sources = [r["CidrIp"] for r in perm.get("IpRanges", [])]
                sources += [r["CidrIpv6"] for r in perm.get("Ipv6Ranges", [])]
                for source in sources:
                    net = ipaddress.ip_network(source)
                    inside = any(_within(net, c) for c in cidrs + ipv6)
                    # Issue 11: too wide = a source outside private address space, or a port
                    # other than 443 from outside the VPC (private consumers are legitimate).
                    if not inside and not (tight_port and _private(net)):
                        problems.append(f"{short}: {group['GroupId']} allows {perm}")
                    if tight_port or perm.get("IpProtocol") == "-1":
                        admitted.append(net)
        for cidr in cidrs:
            if not any(_within(ipaddress.ip_network(cidr), str(a)) for a in admitted):
                problems.append(f"{short}: {cidr} not admitted on 443")
    private_tables = _private_tables(ec2, vpc_id)
    for short in GATEWAY:
        name = f"com.amazonaws.{region}.{short}"
        mine = [e for e in usable if e["ServiceName"] == name]
        served = {t for e in mine for t in e.get("RouteTableIds", [])}
        if not mine:
            problems.append(f"{short}: no gateway endpoint")
        elif private_tables - served:
            problems.append(f"{short}: route tables {sorted(private_tables - served)} not served")
    return problems
