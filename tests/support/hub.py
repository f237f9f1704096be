"""A shared-services (hub) VPC serving spokes, built the way the AWS pattern builds it.

The hub has the interface endpoints, private DNS off; a private hosted zone per service name
holds an alias at its apex (and, for ``ecr.dkr``, the registries' wildcard) to the endpoint's
regional DNS name; the zone is associated with each spoke, and the spokes route to the hub
through a transit gateway ("Centralized access to VPC private endpoints", AWS whitepaper
*Building a Scalable and Secure Multi-VPC AWS Network Infrastructure*).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.aws import ACCOUNT
from tests.support.topology import BuiltVpc, build_vpc, main_route_table

REGION = "us-east-1"


@dataclass
class Hub:
    vpc: BuiltVpc
    endpoints: dict[str, str] = field(default_factory=dict)  # short name -> endpoint id
    dns_names: dict[str, str] = field(default_factory=dict)  # short name -> regional DNS name
    tgw: str = ""


def build_hub(ec2: Any, services: tuple[str, ...] = ("ecr.api", "ecr.dkr")) -> Hub:
    hub = Hub(build_vpc(ec2, cidr="10.200.0.0/16", azs=1, dns_hostnames=True))
    subnet = hub.vpc.all_private[0]
    for name in services:
        endpoint = ec2.create_vpc_endpoint(
            VpcId=hub.vpc.vpc_id,
            ServiceName=f"com.amazonaws.{REGION}.{name}",
            VpcEndpointType="Interface",
            SubnetIds=[subnet],
            PrivateDnsEnabled=False,
        )["VpcEndpoint"]
        hub.endpoints[name] = endpoint["VpcEndpointId"]
        hub.dns_names[name] = next(
            (e["DnsName"] for e in endpoint.get("DnsEntries", []) if "vpce" in e["DnsName"]),
            f"{endpoint['VpcEndpointId']}-abcd1234.{name}.{REGION}.vpce.amazonaws.com",
        )
    hub.tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    return hub


def endpoint_arn(endpoint_id: str, account: str = ACCOUNT) -> str:
    """An interface endpoint's ARN, as a Route 53 Profile's resource association names it."""
    return f"arn:aws:ec2:{REGION}:{account}:vpc-endpoint/{endpoint_id}"


def profile_hub(ec2: Any) -> Hub:
    """A hub whose endpoints have private DNS on: a Route 53 Profile carries them to spokes."""
    hub = build_hub(ec2)
    for endpoint_id in hub.endpoints.values():
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    return hub


def records(name: str) -> tuple[str, ...]:
    zone = ".".join(reversed(name.split("."))) + f".{REGION}.amazonaws.com"
    return (zone, f"*.{zone}") if name == "ecr.dkr" else (zone,)


def add_records(route53: Any, zone_id: str, hub: Hub, name: str) -> None:
    """The apex (and wildcard) aliases of one service to the hub's endpoint."""
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": record,
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": "Z7HUB3EXAMPLE",
                            "DNSName": hub.dns_names[name],
                            "EvaluateTargetHealth": False,
                        },
                    },
                }
                for record in records(name)
            ]
        },
    )


def route_to_hub(ec2: Any, hub: Hub, spoke: BuiltVpc) -> None:
    """The spoke's route tables send the hub's block to the transit gateway."""
    for table in {*spoke.private_route_tables.values(), main_route_table(ec2, spoke.vpc_id)}:
        routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        if not any(r.get("DestinationCidrBlock") == "10.200.0.0/16" for r in routes):
            ec2.create_route(
                RouteTableId=table, DestinationCidrBlock="10.200.0.0/16", TransitGatewayId=hub.tgw
            )


def serve(
    route53: Any, ec2: Any, hub: Hub, spoke: BuiltVpc, name: str, *, empty: bool = False
) -> str:
    """The hub's zone for one service (created once, with the hub VPC associated too),
    associated with ``spoke``; returns its id. ``empty``: the zone holds no records."""
    zone_name = records(name)[0]
    found = [
        z
        for z in route53.list_hosted_zones()["HostedZones"]
        if z["Name"].rstrip(".") == zone_name and z["Config"].get("PrivateZone")
    ]
    if found:
        zone_id = str(found[0]["Id"])
    else:
        zone_id = str(
            route53.create_hosted_zone(
                Name=zone_name,
                CallerReference=f"hub-{zone_name}",
                VPC={"VPCRegion": REGION, "VPCId": hub.vpc.vpc_id},
                HostedZoneConfig={"PrivateZone": True},
            )["HostedZone"]["Id"]
        )
        if not empty:
            add_records(route53, zone_id, hub, name)
    route53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": spoke.vpc_id}
    )
    route_to_hub(ec2, hub, spoke)
    return zone_id
