"""Issue 10 at the handler level, against the real-EC2 model (``tests/support/strict_ec2.py``):
zones per service, Local Zones and Outposts, shared VPCs, IPv6, DHCP DNS servers, hub zones
told apart from service-owned zones, Route 53 Profiles, and unknown zones (plus issue 11
item 8: no orphan group for a served VPC)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handlers.remediate import lambda_handler
from remediation.aws import hosted_zones
from remediation.aws.hosted_zones import HostedZones
from tests.support.aws import REGION, Aws, CallLog, LambdaContext, client_in
from tests.support.fixtures import load_event
from tests.support.real_ec2 import DKR
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.topology import build_vpc, endpoints

API = f"com.amazonaws.{REGION}.ecr.api"
OWNER = "111122223333"
HUB = "444455556666"


@pytest.fixture(autouse=True)
def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route 53 lookups are paced at 5 a second; the tests count them instead of waiting."""
    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.0)


def run(vpc_id: str, context: LambdaContext) -> dict[str, Any]:
    (vpc,) = lambda_handler(create_vpc_event(vpc_id), context)["vpcs"]
    return dict(vpc)


def sweep(context: LambdaContext) -> dict[str, dict[str, Any]]:
    result = lambda_handler(load_event("scheduled_sweep"), context)
    return {v["vpc_id"]: v for v in result["vpcs"]}


def codes(vpc: dict[str, Any]) -> list[str]:
    return [f["code"] for f in vpc["findings"]]


def zone_id(aws: Aws, subnet_id: str) -> str:
    return str(aws.ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailabilityZoneId"])


def all_zone_ids(aws: Aws) -> set[str]:
    return {z["ZoneId"] for z in aws.ec2.describe_availability_zones()["AvailabilityZones"]}


def subnets_of(aws: Aws, vpc_id: str, service: str) -> set[str]:
    (endpoint,) = [e for e in endpoints(aws.ec2, vpc_id) if e["ServiceName"] == service]
    return set(endpoint["SubnetIds"])


def hub_zone(vpc_id: str, name: str, account: str = HUB) -> str:
    """A private zone owned by another account (the hub), associated with the VPC."""
    route53 = client_in(account, "route53", "hub")
    zone = route53.create_hosted_zone(
        Name=name,
        CallerReference=f"{name}-{vpc_id}",
        VPC={"VPCRegion": REGION, "VPCId": vpc_id},
        HostedZoneConfig={"PrivateZone": True},
    )
    return str(zone["HostedZone"]["Id"]).rsplit("/", 1)[-1]


# --------------------------------------------------------------------------- zones per service


def test_a_zone_without_ecr_dkr_ends_compliant_with_the_endpoint_in_every_other_az(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)  # private subnets in a, b, c
    lonely = built.private_subnets[f"{REGION}c"][0]
    aws.strict.service_zones[DKR] = all_zone_ids(aws) - {zone_id(aws, lonely)}

    first = run(built.vpc_id, lambda_context)

    assert first["status"] == "fixed", first
    others = {built.private_subnets[f"{REGION}{az}"][0] for az in "ab"}
    assert subnets_of(aws, built.vpc_id, DKR) == others
    assert subnets_of(aws, built.vpc_id, API) == others | {lonely}
    (info,) = [f for f in first["findings"] if f["code"] == "endpoint-zone-not-offered"]
    assert info["severity"] == "info" and lonely in info["message"]
    api_calls.clear()

    second = run(built.vpc_id, lambda_context)

    assert second["status"] == "compliant", second
    assert api_calls.writes("ec2") == []
    assert "endpoint-zone-not-offered" in codes(second)


def test_an_existing_endpoint_is_never_extended_into_a_zone_without_the_service(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    zones = aws.ec2.describe_availability_zones()["AvailabilityZones"]
    (d,) = [z["ZoneId"] for z in zones if z["ZoneName"] == f"{REGION}d"]
    aws.strict.service_zones[DKR] = all_zone_ids(aws) - {d}
    run(built.vpc_id, lambda_context)  # endpoints in a, b, c
    new = aws.ec2.create_subnet(
        VpcId=built.vpc_id, CidrBlock="10.0.77.0/24", AvailabilityZone=f"{REGION}d"
    )["Subnet"]["SubnetId"]
    rtb = aws.ec2.create_route_table(VpcId=built.vpc_id)["RouteTable"]["RouteTableId"]
    aws.ec2.associate_route_table(RouteTableId=rtb, SubnetId=new)
    api_calls.clear()

    result = run(built.vpc_id, lambda_context)

    modifies = api_calls.params("ModifyVpcEndpoint")
    dkr = next(e for e in endpoints(aws.ec2, built.vpc_id) if e["ServiceName"] == DKR)
    assert all(
        new not in m.get("AddSubnetIds", [])
        for m in modifies
        if m["VpcEndpointId"] == dkr["VpcEndpointId"]
    )
    assert new in subnets_of(aws, built.vpc_id, API)  # ecr.api is offered there
    assert result["status"] in ("fixed", "compliant"), result


def test_local_zone_and_outpost_subnets_are_never_chosen(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True, azs=2)
    aws.strict.add_local_zone(REGION, f"{REGION}-bos-1a", "use1-bos1-az1", "local-zone")
    local = aws.ec2.create_subnet(
        VpcId=built.vpc_id, CidrBlock="10.0.200.0/24", AvailabilityZone=f"{REGION}-bos-1a"
    )["Subnet"]["SubnetId"]
    outpost = aws.ec2.create_subnet(
        VpcId=built.vpc_id, CidrBlock="10.0.201.0/24", AvailabilityZone=f"{REGION}f"
    )["Subnet"]["SubnetId"]
    aws.strict.outposts[outpost] = f"arn:aws:outposts:{REGION}:123456789012:outpost/op-1"

    vpc = run(built.vpc_id, lambda_context)

    assert vpc["status"] == "fixed", vpc
    for service in (API, DKR):
        chosen = subnets_of(aws, built.vpc_id, service)
        assert local not in chosen and outpost not in chosen
    findings = {f["code"]: f for f in vpc["findings"] if f["service"] == "ecr.dkr"}
    # The service's own AZ IDs leave the Local Zone out; the subnet's OutpostArn, the Outpost.
    assert local in findings["endpoint-zone-not-offered"]["message"]
    assert findings["endpoint-zone-not-offered"]["severity"] == "info"
    assert "on an Outpost" in findings["endpoint-zone-not-eligible"]["message"]
    assert findings["endpoint-zone-not-eligible"]["severity"] == "info"


# --------------------------------------------------------------------------- shared VPCs


def test_a_shared_vpc_gets_no_write_and_no_non_compliant_report(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    """moto keeps one backend per account and has no RAM sharing of VPCs into another
    account's view; the real-EC2 model reports the owner's ``OwnerId`` and refuses the
    participant's writes, as EC2 does for a participant."""
    auto_fix(handler_env)
    built = build_vpc(aws.ec2)  # DNS hostnames off, no endpoints: everything to repair
    aws.strict.vpc_owners[built.vpc_id] = OWNER
    api_calls.clear()

    result = lambda_handler(create_vpc_event(built.vpc_id), lambda_context)

    (vpc,) = result["vpcs"]
    assert vpc["status"] == "skipped"
    assert vpc["mode_note"] == f"owned by {OWNER}: its owner's deployment manages it"
    assert vpc["findings"] == [] and vpc["actions"] == []
    assert api_calls.writes("ec2") == []
    assert "ListHostedZonesByVPC" not in api_calls.operations("route53")
    assert result["counts"]["non_compliant_vpcs"] == 0
    assert result["counts"]["vpcs_skipped"] == 1
    assert not result["failed"]


# --------------------------------------------------------------------------- IPv6


def test_dual_stack_subnets_and_service_give_a_dual_stack_endpoint(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"][
        "VpcId"
    ]
    aws.ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    (block,) = aws.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"]
    network = ipaddress.ip_network(block["Ipv6CidrBlock"])
    for index, (az, sub) in enumerate(zip("ab", network.subnets(new_prefix=64), strict=False)):
        aws.ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"10.9.{index}.0/24",
            Ipv6CidrBlock=str(sub),
            AvailabilityZone=f"{REGION}{az}",
        )
    aws.strict.service_ip_types[DKR] = ["ipv4", "ipv6"]

    vpc = run(vpc_id, lambda_context)

    creates = {p["ServiceName"]: p for p in api_calls.params("CreateVpcEndpoint")}
    assert creates[DKR]["IpAddressType"] == "dualstack", vpc
    assert creates[DKR]["DnsOptions"] == {"DnsRecordIpType": "dualstack"}
    assert "IpAddressType" not in creates[API]  # IPv4 only: EC2's default, nothing mixed


# --------------------------------------------------------------------------- DHCP DNS servers


def test_custom_dns_servers_are_an_info_finding_and_read_once_per_options_set(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    options = aws.ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": ["10.50.0.10", "AmazonProvidedDNS"]}
        ]
    )["DhcpOptions"]["DhcpOptionsId"]
    aws.ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=built.vpc_id)

    first = run(built.vpc_id, lambda_context)  # nothing serves the VPC yet: not read
    second = run(built.vpc_id, lambda_context)  # its endpoints serve it: read
    api_calls.clear()
    third = run(built.vpc_id, lambda_context)

    (info,) = [f for f in second["findings"] if f["code"] == "dhcp-custom-dns-servers"]
    assert info["severity"] == "info" and "10.50.0.10" in info["message"]
    assert "AmazonProvidedDNS" not in info["message"].split(":")[0]
    assert "dhcp-custom-dns-servers" not in codes(first)
    assert first["status"] == "fixed" and second["status"] == third["status"] == "compliant"
    assert info in third["findings"]
    assert "DescribeDhcpOptions" not in api_calls.operations("ec2")  # immutable: cached


def test_amazon_provided_dns_gives_no_dhcp_finding(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True)
    options = aws.ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS", "10.0.0.2"]}
        ]
    )["DhcpOptions"]["DhcpOptionsId"]
    aws.ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=built.vpc_id)
    assert "dhcp-custom-dns-servers" not in codes(run(built.vpc_id, lambda_context))


# --------------------------------------------------------------------------- hub zones


def test_a_service_owned_zone_is_not_a_hub(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.service_owned_zones[built.vpc_id] = [
        f"api.ecr.{REGION}.amazonaws.com",
        f"dkr.ecr.{REGION}.amazonaws.com",
    ]
    vpc = run(built.vpc_id, lambda_context)
    assert "endpoint-centralised" not in codes(vpc)
    assert codes(vpc).count("endpoint-missing") == 2


def test_a_sweep_reaches_the_events_verdict_for_a_spoke_of_another_accounts_hub(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    """Issue 11 item 8 too: in auto-fix the served spoke gets no create, so no orphan group."""
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    local = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.2.0.0/16", azs=1)
    for name in ("api", "dkr"):
        hub_zone(spoke.vpc_id, f"{name}.ecr.{REGION}.amazonaws.com")
    event_verdict = codes(run(spoke.vpc_id, lambda_context))
    auto_fix(handler_env)
    api_calls.clear()

    vpcs = sweep(lambda_context)

    assert codes(vpcs[spoke.vpc_id]) == event_verdict
    # Another account's hub zones: its records cannot be read from here (issue 21 item 3).
    assert event_verdict.count("endpoint-centralised-unverified") == 2
    for operation in ("CreateSecurityGroup", "CreateVpcEndpoint"):
        assert all(
            p.get("VpcId") != spoke.vpc_id or p.get("VpcEndpointType") == "Gateway"
            for p in api_calls.params(operation)
        ), operation
    assert not [e for e in endpoints(aws.ec2, spoke.vpc_id) if e["VpcEndpointType"] == "Interface"]
    assert {e["ServiceName"] for e in endpoints(aws.ec2, local.vpc_id)} >= {API, DKR}
    lookups = [p["VPCId"] for p in api_calls.params("ListHostedZonesByVPC")]
    assert sorted(lookups) == sorted(set(lookups))  # one lookup per VPC at most


def test_a_failed_zone_read_makes_that_vpc_unknown_and_plans_no_endpoint_there(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    monkeypatch: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    auto_fix(handler_env)
    broken = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16", azs=1)
    fine = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.2.0.0/16", azs=1)
    original = HostedZones.zones_of

    def zones_of(self: HostedZones, vpc_id: str) -> set[str]:
        if vpc_id == broken.vpc_id:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "List")
        return original(self, vpc_id)

    monkeypatch.setattr(HostedZones, "zones_of", zones_of)

    vpcs = sweep(lambda_context)

    unknown = [f for f in vpcs[broken.vpc_id]["findings"] if f["code"] == "endpoint-zones-unknown"]
    assert {f["service"] for f in unknown} == {"ecr.api", "ecr.dkr"}
    assert "Rate exceeded" in unknown[0]["message"]
    assert not [e for e in endpoints(aws.ec2, broken.vpc_id) if e["VpcEndpointType"] == "Interface"]
    assert not [p for p in api_calls.params("CreateSecurityGroup") if p["VpcId"] == broken.vpc_id]
    assert {e["ServiceName"] for e in endpoints(aws.ec2, fine.vpc_id)} >= {API, DKR}
    assert vpcs[broken.vpc_id]["status"] != "compliant"


# --------------------------------------------------------------------------- Route 53 Profiles


def test_a_vpc_served_through_a_route53_profile_is_centralised(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    """moto does not implement Route 53 Profiles: the real-EC2 model answers them."""
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    other = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.5.0.0/16", azs=1)
    zone = aws.route53.create_hosted_zone(  # the account's own zone, on another VPC
        Name=f"dkr.ecr.{REGION}.amazonaws.com",
        CallerReference="profile-zone",
        VPC={"VPCRegion": REGION, "VPCId": other.vpc_id},
        HostedZoneConfig={"PrivateZone": True},
    )["HostedZone"]["Id"]
    aws.strict.profile_associations[built.vpc_id] = "rp-1"
    aws.strict.profile_zones["rp-1"] = [f"arn:aws:route53:::hostedzone/{zone.rsplit('/', 1)[-1]}"]

    vpc = run(built.vpc_id, lambda_context)

    by_service = {f["service"]: f["code"] for f in vpc["findings"] if f["service"]}
    assert by_service["ecr.dkr"] == "endpoint-centralised"
    assert {e["ServiceName"] for e in endpoints(aws.ec2, built.vpc_id)} >= {API}
    assert DKR not in {e["ServiceName"] for e in endpoints(aws.ec2, built.vpc_id)}
    assert "ListProfileAssociations" in api_calls.operations("route53profiles")


def test_a_profile_with_another_accounts_zones_is_unknown_a_refused_read_is_not(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    auto_fix(handler_env)
    built = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.profile_associations[built.vpc_id] = "rp-9"
    aws.strict.profile_zones["rp-9"] = ["arn:aws:route53:::hostedzone/ZHUBZONE"]

    vpc = run(built.vpc_id, lambda_context)

    assert codes(vpc).count("endpoint-zones-unknown") == 2
    assert "rp-9" in vpc["findings"][0]["message"] or "rp-9" in str(vpc["findings"])
    assert api_calls.params("CreateVpcEndpoint") == [
        p for p in api_calls.params("CreateVpcEndpoint") if p.get("VpcEndpointType") == "Gateway"
    ]
    # Issue 21 item 2: a refused Profiles read is info and judged as "no Profile" (it used to
    # make the VPC unknown): the endpoints are created.
    aws.strict.profile_associations.clear()
    aws.strict.profile_failures.append("AccessDeniedException")
    again = run(built.vpc_id, lambda_context)
    assert "endpoint-zones-unknown" not in codes(again)
    assert "route53profiles:ListProfileAssociations" in str(again["findings"])
    assert {e["ServiceName"] for e in endpoints(aws.ec2, built.vpc_id)} >= {API, DKR}


# --------------------------------------------------------------------------- pacing and cache


def test_region_facts_are_cached_until_their_ttl(aws: Aws) -> None:
    from remediation.aws import region_facts as facts_module
    from remediation.aws.read_only import ReadOnlyClient

    calls: list[str] = []

    class Counting:
        def __init__(self, client: Any) -> None:
            self.client = client
            self.meta = client.meta

        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(self.client, name)

    client = ReadOnlyClient(Counting(aws.ec2))
    now = [0.0]

    def read() -> Any:
        return facts_module.region_facts(
            client, account_id="123456789012", region=REGION, services=[DKR], clock=lambda: now[0]
        )

    first = read()
    now[0] += facts_module.TTL_SECONDS - 1
    assert read() is first
    assert calls == ["describe_vpc_endpoint_services"]  # AZ IDs given: no zone read
    now[0] += 2
    read()
    assert calls == ["describe_vpc_endpoint_services"] * 2
    offer = first.offer(DKR)
    assert offer is not None and offer.zone_ids == all_zone_ids(aws)
