"""The demo's AWS account: four VPCs that show every answer the tool gives.

``app``
    An application VPC as teams build them: public subnets behind an internet
    gateway and private subnets behind a NAT gateway in three AZs, DNS
    hostnames off, and a hand-made ``ecr.api`` endpoint whose security group
    is open to the world on 443. No ``ecr.dkr`` endpoint, no S3 gateway.
``payments``
    Already compliant: both ECR endpoints with private DNS in every private
    AZ behind a tight group, the S3 gateway on every private route table.
``legacy``
    Non-compliant, but tagged ``ecr-endpoint-guard/mode=off``: left alone.
``spoke``
    Served by centralised endpoints: the Route 53 private hosted zones
    ``api.ecr.<region>.amazonaws.com`` and ``dkr.ecr.<region>.amazonaws.com``
    of a hub are associated with it, their records aliases to the ``payments`` VPC's
    endpoints (the hub here), reached through a transit gateway; it has only its own S3
    gateway.

``default``
    The emulator's default VPC (every region has one), tagged ``mode=off`` so that the
    story stays with the four above.

:func:`build_demo_account` works against any boto3 clients (the demo's
emulator, or moto in tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from remediation.modes import MODE_TAG

#: Three AZs per VPC, as a production VPC has.
AZ_LETTERS = "abc"


@dataclass
class DemoVpc:
    """One built VPC and what it is meant to show."""

    role: str  # app, payments, legacy, spoke (also the Name tag)
    expected: str  # what a read-only scan says before any fix
    after_fix: str  # and after the app VPC is fixed
    vpc_id: str = ""
    private_subnets: list[str] = field(default_factory=list)
    private_route_tables: list[str] = field(default_factory=list)


@dataclass
class DemoAccount:
    region: str
    vpcs: dict[str, DemoVpc] = field(default_factory=dict)  # by role
    open_group_id: str = ""  # the app VPC's world-open group
    zone_ids: list[str] = field(default_factory=list)

    def vpc(self, role: str) -> DemoVpc:
        return self.vpcs[role]


def _tags(resource_type: str, **tags: str) -> list[dict[str, Any]]:
    return [
        {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    ]


def opt_out_default_vpc(ec2: Any) -> str:
    """Tag the region's default VPC ``ecr-endpoint-guard/mode=off``; return its id (or "").

    The emulator, like AWS, gives every region a default VPC (moto's has no internet
    gateway, so its subnets count as private). The demo keeps it out of the story with
    the tag rather than deleting it: the project's code deletes nothing.
    """
    found = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    for vpc in found:
        ec2.create_tags(
            Resources=[vpc["VpcId"]],
            Tags=[{"Key": "Name", "Value": "default"}, {"Key": MODE_TAG, "Value": "off"}],
        )
    return str(found[0]["VpcId"]) if found else ""


def _vpc(
    ec2: Any,
    region: str,
    built: DemoVpc,
    *,
    cidr: str,
    public: bool,
    nat: bool = False,
    dns_hostnames: bool = True,
    extra_tags: dict[str, str] | None = None,
) -> DemoVpc:
    """A VPC with (optionally) public subnets and one private subnet and route table per AZ."""
    tags = {"Name": built.role, **(extra_tags or {})}
    vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", **tags))["Vpc"]["VpcId"]
    built.vpc_id = vpc_id
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": dns_hostnames})
    prefix = ".".join(cidr.split(".")[:2])
    public_subnets: list[str] = []
    if public:
        igw = ec2.create_internet_gateway(
            TagSpecifications=_tags("internet-gateway", Name=f"{built.role}-igw")
        )["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        public_table = ec2.create_route_table(
            VpcId=vpc_id, TagSpecifications=_tags("route-table", Name=f"{built.role}-public")
        )["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        for index, letter in enumerate(AZ_LETTERS):
            subnet = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=f"{prefix}.{index}.0/24",
                AvailabilityZone=f"{region}{letter}",
                TagSpecifications=_tags("subnet", Name=f"{built.role}-public-{letter}"),
            )["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=public_table, SubnetId=subnet)
            public_subnets.append(subnet)
    nat_id = ""
    if nat and public_subnets:
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat_id = ec2.create_nat_gateway(SubnetId=public_subnets[0], AllocationId=allocation)[
            "NatGateway"
        ]["NatGatewayId"]
    for index, letter in enumerate(AZ_LETTERS):
        table = ec2.create_route_table(
            VpcId=vpc_id,
            TagSpecifications=_tags("route-table", Name=f"{built.role}-private-{letter}"),
        )["RouteTable"]["RouteTableId"]
        if nat_id:  # a NAT route does not make a subnet public
            ec2.create_route(
                RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id
            )
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"{prefix}.{100 + index}.0/24",
            AvailabilityZone=f"{region}{letter}",
            TagSpecifications=_tags("subnet", Name=f"{built.role}-private-{letter}"),
        )["Subnet"]["SubnetId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        built.private_subnets.append(subnet)
        built.private_route_tables.append(table)
    return built


def _group(ec2: Any, vpc_id: str, name: str, cidr: str) -> str:
    group_id = str(
        ec2.create_security_group(
            GroupName=name, Description=f"{name}: HTTPS to VPC endpoints", VpcId=vpc_id
        )["GroupId"]
    )
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}
        ],
    )
    return group_id


def _interface_endpoint(ec2: Any, region: str, vpc: DemoVpc, service: str, group_id: str) -> str:
    # VpcEndpointType is required here: moto's server cannot delete an endpoint created without.
    return str(
        ec2.create_vpc_endpoint(
            VpcEndpointType="Interface",
            VpcId=vpc.vpc_id,
            ServiceName=f"com.amazonaws.{region}.{service}",
            SubnetIds=vpc.private_subnets,
            SecurityGroupIds=[group_id],
            PrivateDnsEnabled=True,
            TagSpecifications=_tags("vpc-endpoint", Name=f"{vpc.role}-{service}"),
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def _s3_gateway(ec2: Any, region: str, vpc: DemoVpc) -> str:
    return str(
        ec2.create_vpc_endpoint(
            VpcEndpointType="Gateway",
            VpcId=vpc.vpc_id,
            ServiceName=f"com.amazonaws.{region}.s3",
            RouteTableIds=vpc.private_route_tables,
            TagSpecifications=_tags("vpc-endpoint", Name=f"{vpc.role}-s3"),
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def _hub_records(ec2: Any, route53: Any, zone_id: str, zone: str, endpoint_id: str) -> None:
    """A hub zone's records: its apex (and for the registries, the wildcard) aliases to the
    hub's endpoint, as the centralised-endpoints pattern writes them."""
    (endpoint,) = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"]
    entries = [e["DnsName"] for e in endpoint.get("DnsEntries", []) if endpoint_id in e["DnsName"]]
    target = entries[0] if entries else f"{endpoint_id}-demo.{zone}"
    names = (zone, f"*.{zone}") if zone.startswith("dkr.") else (zone,)
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": "Z7HUBDEMO",
                            "DNSName": target,
                            "EvaluateTargetHealth": False,
                        },
                    },
                }
                for name in names
            ]
        },
    )


def _route_to(ec2: Any, vpc: DemoVpc, cidr: str) -> None:
    """The VPC's private route tables reach ``cidr`` (the hub) through a transit gateway."""
    tgw = ec2.create_transit_gateway(Description="demo hub")["TransitGateway"]["TransitGatewayId"]
    for table in vpc.private_route_tables:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, TransitGatewayId=tgw)


def build_demo_account(ec2: Any, route53: Any, region: str) -> DemoAccount:
    """Build the demo's four VPCs (see the module docstring) and return their ids.

    Parameters
    ----------
    ec2, route53
        boto3 clients for the account (an emulator's: this creates resources).
    region
        The clients' region.

    Examples
    --------
    >>> import boto3, moto  # doctest: +SKIP
    >>> with moto.mock_aws():  # doctest: +SKIP
    ...     account = build_demo_account(boto3.client("ec2", region_name="us-east-1"),
    ...                                  boto3.client("route53", region_name="us-east-1"),
    ...                                  "us-east-1")
    ...     sorted(account.vpcs)
    ['app', 'legacy', 'payments', 'spoke']
    """
    account = DemoAccount(region=region)
    default = opt_out_default_vpc(ec2)
    if default:
        account.vpcs["default"] = DemoVpc(
            "default", expected="skipped", after_fix="skipped", vpc_id=default
        )

    # app: DNS hostnames off (turned off after its endpoint was made), an endpoint open to all.
    app = _vpc(
        ec2,
        region,
        DemoVpc("app", expected="non-compliant", after_fix="compliant"),
        cidr="10.0.0.0/16",
        public=True,
        nat=True,
    )
    account.open_group_id = str(
        ec2.create_security_group(
            GroupName="app-endpoints", Description="endpoints (open to all)", VpcId=app.vpc_id
        )["GroupId"]
    )
    ec2.authorize_security_group_ingress(
        GroupId=account.open_group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    _interface_endpoint(ec2, region, app, "ecr.api", account.open_group_id)
    ec2.modify_vpc_attribute(VpcId=app.vpc_id, EnableDnsHostnames={"Value": False})
    account.vpcs["app"] = app

    # payments: compliant as built.
    payments = _vpc(
        ec2,
        region,
        DemoVpc("payments", expected="compliant", after_fix="compliant"),
        cidr="10.1.0.0/16",
        public=True,
        nat=True,
    )
    group = _group(ec2, payments.vpc_id, "payments-endpoints", "10.1.0.0/16")
    hub = {s: _interface_endpoint(ec2, region, payments, s, group) for s in ("ecr.api", "ecr.dkr")}
    _s3_gateway(ec2, region, payments)
    account.vpcs["payments"] = payments

    # legacy: nothing in place, and opted out by its tag.
    account.vpcs["legacy"] = _vpc(
        ec2,
        region,
        DemoVpc("legacy", expected="skipped", after_fix="skipped"),
        cidr="10.2.0.0/16",
        public=False,
        dns_hostnames=False,
        extra_tags={MODE_TAG: "off"},
    )

    # spoke: ECR through a hub's endpoints (shared private hosted zones), its own S3 gateway.
    spoke = _vpc(
        ec2,
        region,
        DemoVpc("spoke", expected="compliant", after_fix="compliant"),
        cidr="10.3.0.0/16",
        public=False,
    )
    _s3_gateway(ec2, region, spoke)
    for service, endpoint_id in hub.items():
        zone = ".".join(reversed(service.split("."))) + f".{region}.amazonaws.com"
        created = route53.create_hosted_zone(
            Name=zone,
            CallerReference=f"demo-{zone}",
            HostedZoneConfig={
                "Comment": "hub endpoints shared with the spokes",
                "PrivateZone": True,
            },
            VPC={"VPCRegion": region, "VPCId": spoke.vpc_id},
        )
        account.zone_ids.append(str(created["HostedZone"]["Id"]))
        _hub_records(ec2, route53, created["HostedZone"]["Id"], zone, endpoint_id)
    _route_to(ec2, spoke, "10.1.0.0/16")
    account.vpcs["spoke"] = spoke
    return account


def build_team_vpc(ec2: Any, region: str, role: str = "team-app") -> DemoVpc:
    """A member account's new VPC, as a team builds it: public and private subnets in three
    AZs, DNS hostnames off, no endpoint (the organisation's step fixes it). The account's
    default VPC is opted out with the tag, as in the central account."""
    opt_out_default_vpc(ec2)
    return _vpc(
        ec2,
        region,
        DemoVpc(role, expected="non-compliant", after_fix="compliant"),
        cidr="10.20.0.0/16",
        public=True,
        dns_hostnames=False,
    )
