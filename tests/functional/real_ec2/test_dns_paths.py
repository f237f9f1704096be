"""Issue 21 items 1-4 at the handler level, against the real-EC2/Route 53 model
(``tests/support/strict_ec2.py``, ``tests/support/strict_dns.py``): zone facts that fail,
Route 53 Profiles carrying endpoints, hub zones judged by their records, Resolver rules."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation.aws import hosted_zones
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext, shared_client
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.fixtures import load_event
from tests.support.hub import (
    Hub,
    add_records,
    build_hub,
    endpoint_arn,
    profile_hub,
    records,
    route_to_hub,
    serve,
)
from tests.support.resolver import forward_rule, inbound_endpoint
from tests.support.scenarios import auto_fix, create_vpc_event
from tests.support.topology import BuiltVpc, build_vpc, endpoints

API = f"com.amazonaws.{REGION}.ecr.api"
DKR = f"com.amazonaws.{REGION}.ecr.dkr"
OTHER = "444455556666"


@pytest.fixture(autouse=True)
def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.0)


def run(vpc_id: str, context: LambdaContext) -> dict[str, Any]:
    (vpc,) = lambda_handler(create_vpc_event(vpc_id), context)["vpcs"]
    return dict(vpc)


def sweep(context: LambdaContext) -> dict[str, dict[str, Any]]:
    result = lambda_handler(load_event("scheduled_sweep"), context)
    return {v["vpc_id"]: v for v in result["vpcs"]}


def findings(vpc: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in vpc["findings"] if f["code"] == code]


def interface_services(aws: Aws, vpc_id: str) -> set[str]:
    return {
        e["ServiceName"] for e in endpoints(aws.ec2, vpc_id) if e["VpcEndpointType"] == "Interface"
    }


# --------------------------------------------------------------------------- 1. zone facts


@pytest.mark.parametrize(
    ("old_botocore", "throttled"),
    [(True, False), (False, True), (True, True)],
    ids=["no-zone-ids", "services-throttled", "no-zone-ids-and-throttled"],
)
def test_a_vpc_without_ecr_endpoints_is_never_compliant_whatever_zone_read_fails(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    old_botocore: bool,
    throttled: bool,
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True, azs=3)
    ids = {
        s["AvailabilityZone"]: s["AvailabilityZoneId"]
        for s in aws.ec2.describe_subnets(SubnetIds=built.all_private)["Subnets"]
    }
    # The real region: ecr.dkr is not offered in the first zone.
    aws.strict.service_zones[DKR] = {i for n, i in ids.items() if not n.endswith("a")}
    aws.strict.old_botocore = old_botocore
    if throttled:
        faults.add(
            Fault("ec2", "DescribeVpcEndpointServices", 503, "RequestLimitExceeded", "slow", None)
        )
    auto_fix(handler_env)

    vpc = run(built.vpc_id, lambda_context)

    assert vpc["status"] in ("fixed", "incomplete"), vpc
    assert {f["service"] for f in findings(vpc, "endpoint-missing")} == {"ecr.api", "ecr.dkr"}
    assert API in interface_services(aws, built.vpc_id)
    assert "DescribeAvailabilityZones" not in api_calls.operations("ec2")  # no zone read at all
    if throttled:
        # Nothing known about the zones: judged as if every regular zone offered the service.
        # EC2 refuses the zone that does not: the create is left for a person, and the VPC is
        # reported "incomplete", never compliant.
        (create,) = [a for a in vpc["actions"] if a["service"] == DKR]
        assert create["status"] == "needs-person"
        assert vpc["status"] == "incomplete"
    else:
        assert vpc["status"] == "fixed"
        (dkr,) = [e for e in endpoints(aws.ec2, built.vpc_id) if e["ServiceName"] == DKR]
        # The names alone (botocore < 1.40.7) keep the endpoint out of the first zone.
        assert len(dkr["SubnetIds"]) == 2
        assert built.private_subnets[f"{REGION}a"][0] not in dkr["SubnetIds"]


def test_a_throttled_service_read_reports_the_vpc_non_compliant_in_dry_run(
    aws: Aws, handler_env: pytest.MonkeyPatch, faults: FaultLayer, lambda_context: LambdaContext
) -> None:
    built = build_vpc(aws.ec2, dns_hostnames=True, azs=2)
    aws.strict.old_botocore = True
    faults.add(Fault("ec2", "DescribeVpcEndpointServices", 400, "Throttling", "slow", None))

    vpc = run(built.vpc_id, lambda_context)

    assert vpc["status"] == "non-compliant"
    assert not findings(vpc, "endpoint-waiting-for-private-subnets")
    (create,) = [a for a in vpc["actions"] if a["service"] == DKR]
    for subnets in built.private_subnets.values():
        assert subnets[0] in create["description"]


def test_a_service_detail_parsed_by_an_older_botocore_is_judged_by_zone_names() -> None:
    """Real-response test: EC2's XML answer, parsed by botocore with and without the
    ``AvailabilityZoneIds`` member (botocore 1.35.0's EC2 model lacks it; checked against
    the 1.35.0 wheel), judged the same way."""
    import copy

    import botocore.loaders
    import botocore.parsers
    from botocore.model import ServiceModel

    from remediation.aws.region_facts import parse_offer
    from remediation.model import Subnet, VpcSnapshot
    from remediation.surroundings import RegionFacts
    from remediation.topology.endpoints import offers

    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcEndpointServicesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8d5c1a3e-8c8b-4b0c-9c7e-1f0b0c9e1a2b</requestId>
  <serviceNameSet><item>{DKR}</item></serviceNameSet>
  <serviceDetailSet>
    <item>
      <serviceName>{DKR}</serviceName>
      <serviceId>vpce-svc-0123456789abcdef0</serviceId>
      <serviceType><item><serviceType>Interface</serviceType></item></serviceType>
      <availabilityZoneIdSet><item>use1-az1</item><item>use1-az2</item></availabilityZoneIdSet>
      <availabilityZoneSet><item>{REGION}b</item><item>{REGION}c</item></availabilityZoneSet>
      <owner>amazon</owner>
      <baseEndpointDnsNameSet><item>dkr.ecr.{REGION}.vpce.amazonaws.com</item></baseEndpointDnsNameSet>
      <privateDnsName>*.dkr.ecr.{REGION}.amazonaws.com</privateDnsName>
      <vpcEndpointPolicySupported>true</vpcEndpointPolicySupported>
      <acceptanceRequired>false</acceptanceRequired>
      <managesVpcEndpoints>false</managesVpcEndpoints>
      <supportedIpAddressTypeSet><item>ipv4</item></supportedIpAddressTypeSet>
    </item>
  </serviceDetailSet>
</DescribeVpcEndpointServicesResponse>""".encode()
    raw = botocore.loaders.Loader().load_service_model("ec2", "service-2")
    old = copy.deepcopy(raw)
    del old["shapes"]["ServiceDetail"]["members"]["AvailabilityZoneIds"]
    subnets = (
        Subnet("subnet-a", "vpc-1", f"{REGION}a", "10.0.1.0/24", 9, "use1-az6"),
        Subnet("subnet-b", "vpc-1", f"{REGION}b", "10.0.2.0/24", 9, "use1-az1"),
    )
    verdicts = []
    for model in (raw, old):
        shape = ServiceModel(model).operation_model("DescribeVpcEndpointServices").output_shape
        assert shape is not None
        parsed = botocore.parsers.create_parser("ec2").parse(
            {"body": body, "headers": {}, "status_code": 200}, shape
        )
        (detail,) = parsed["ServiceDetails"]
        offer = parse_offer(detail)
        snap = VpcSnapshot(
            "vpc-1",
            REGION,
            ACCOUNT,
            ("10.0.0.0/16",),
            True,
            True,
            subnets=subnets,
            region_facts=RegionFacts(offers=(offer,)),
        )
        verdicts.append(([offers(snap, DKR, s) for s in subnets], bool(offer.zone_ids)))
    assert verdicts == [([False, True], True), ([False, True], False)]


# --------------------------------------------------------------------------- 2. Profiles


def test_a_profile_carrying_hub_endpoints_serves_the_spoke_and_no_local_endpoint_is_bought(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    hub = profile_hub(aws.ec2)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    route_to_hub(aws.ec2, hub, spoke)
    aws.strict.profile_associations[spoke.vpc_id] = "rp-hub"
    aws.strict.profile_zones["rp-hub"] = [
        "arn:aws:route53resolver:us-east-1:123456789012:firewall-rule-group/rslvr-frg-1",
        *(endpoint_arn(e) for e in hub.endpoints.values()),
    ]
    auto_fix(handler_env)

    vpc = run(spoke.vpc_id, lambda_context)

    served = findings(vpc, "endpoint-centralised")
    assert {f["service"] for f in served} == {"ecr.api", "ecr.dkr"}
    assert all("rp-hub" in f["message"] for f in served)
    assert interface_services(aws, spoke.vpc_id) == set()
    # Every type of resource is listed (no ResourceType filter: its strings are undocumented).
    assert all("ResourceType" not in p for p in api_calls.params("ListProfileResourceAssociations"))


def lingering_tool_group(aws: Aws) -> tuple[BuiltVpc, str]:
    """A spoke its Route 53 Profile serves through a hub's endpoints, holding no endpoint, where
    the tool's group was left, opened to every address on port 22."""
    from remediation.vocabulary import MANAGED_TAG

    hub = profile_hub(aws.ec2)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    route_to_hub(aws.ec2, hub, spoke)
    aws.strict.profile_associations[spoke.vpc_id] = "rp-hub"
    aws.strict.profile_zones["rp-hub"] = [endpoint_arn(e) for e in hub.endpoints.values()]
    group = aws.ec2.create_security_group(
        GroupName="ecr-endpoint-guard-endpoints",
        Description="left by the tool",
        VpcId=spoke.vpc_id,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": MANAGED_TAG, "Value": "true"}]}
        ],
    )["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0"
    )
    return spoke, str(group)


@pytest.mark.parametrize("thorough", [False, True], ids=["event", "scan"])
def test_a_lingering_tool_group_in_a_hub_served_vpc_is_judged_by_a_scan_not_an_event(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, thorough: bool
) -> None:
    """An event spares a hub-served VPC's groups and the services' offers (its read budget); a
    scan (the CLI: ``thorough``) reads them, so the tool's group left there, holding no
    endpoint, with a rule that is too wide, is reported by the scan."""
    from remediation.aws.inventory import Inventory
    from remediation.baseline import evaluate
    from remediation.baseline.security_groups import TOOL_GROUP_EXTRA_RULE
    from remediation.config import load_settings

    spoke, _ = lingering_tool_group(aws)
    inventory = Inventory(
        shared_client("ec2"),
        region=REGION,
        account_id=ACCOUNT,
        route53=shared_client("route53"),
        route53profiles=shared_client("route53profiles"),
        thorough=thorough,
    )
    api_calls.clear()

    (snapshot,) = inventory.snapshots([spoke.vpc_id], load_settings({}))

    read = api_calls.operations("ec2")
    assert ("DescribeSecurityGroups" in read) is thorough, read
    assert ("DescribeVpcEndpointServices" in read) is thorough, read
    codes = {f.code for f in evaluate(snapshot, load_settings({}))}
    assert "endpoint-centralised" in codes
    assert (TOOL_GROUP_EXTRA_RULE in codes) is thorough, codes


def test_a_rule_changed_on_a_lingering_tool_group_is_judged_by_the_event_it_raises(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    """An event about security groups reads the groups of its VPCs whatever serves them: the
    tool's group left in a hub-served VPC, opened to every address, is reported at once."""
    from remediation.baseline.security_groups import TOOL_GROUP_EXTRA_RULE

    spoke, group = lingering_tool_group(aws)
    event = load_event("authorize_security_group_ingress", ids={"sg-0123456789abcdef0": group})

    (vpc,) = lambda_handler(event, lambda_context)["vpcs"]

    assert vpc["vpc_id"] == spoke.vpc_id
    assert TOOL_GROUP_EXTRA_RULE in {f["code"] for f in vpc["findings"]}, vpc["findings"]


def test_a_forwarding_rule_a_profile_carries_counts_as_the_vpcs_own(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    hub = profile_hub(aws.ec2)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16", azs=1)
    route_to_hub(aws.ec2, hub, spoke)
    resolver = shared_client("route53resolver")
    rule = resolver.create_resolver_rule(
        CreatorRequestId="profile-rule",
        Name="central-forward",
        RuleType="FORWARD",
        DomainName="amazonaws.com",
        TargetIps=[{"Ip": "192.168.0.2", "Port": 53}],
    )["ResolverRule"]
    aws.strict.profile_associations[spoke.vpc_id] = "rp-hub"
    aws.strict.profile_zones["rp-hub"] = [
        rule["Arn"],
        *(endpoint_arn(e) for e in hub.endpoints.values()),
    ]

    vpc = run(spoke.vpc_id, lambda_context)

    (forwarded,) = findings(vpc, "dns-forwarded")
    assert forwarded["resource_id"] == rule["Id"] and forwarded["severity"] == "warning"
    assert vpc["status"] != "compliant"


def test_a_profile_endpoint_of_another_account_is_served_unverified(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    spoke = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.profile_associations[spoke.vpc_id] = "rp-shared"
    aws.strict.profile_zones["rp-shared"] = [endpoint_arn("vpce-0aaaabbbbccccdddd", OTHER)]
    auto_fix(handler_env)

    vpc = run(spoke.vpc_id, lambda_context)

    unverified = findings(vpc, "endpoint-centralised-unverified")
    assert {f["service"] for f in unverified} == {"ecr.api", "ecr.dkr"}
    assert all(f["severity"] == "info" and OTHER in f["message"] for f in unverified)
    assert interface_services(aws, spoke.vpc_id) == set()


def test_a_profile_endpoint_that_is_gone_or_of_another_service_does_not_serve(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    hub = profile_hub(aws.ec2)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    route_to_hub(aws.ec2, hub, spoke)
    aws.strict.profile_associations[spoke.vpc_id] = "rp-hub"
    aws.strict.profile_zones["rp-hub"] = [endpoint_arn(hub.endpoints["ecr.api"])]

    vpc = run(spoke.vpc_id, lambda_context)

    by_service = {f["service"]: f["code"] for f in vpc["findings"] if f["service"]}
    assert by_service["ecr.api"] == "endpoint-centralised"
    assert by_service["ecr.dkr"] == "endpoint-missing"  # the Profile carries no dkr endpoint


def test_a_profiles_zones_named_by_a_refused_listing_are_judged_as_no_profile(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    api_calls: CallLog,
    lambda_context: LambdaContext,
) -> None:
    """An event names a Profile's zones from the account's one ``ListHostedZones``; refused,
    the Profile is judged as "no Profile" (the endpoints are planned) and the note names the
    permission; the failed reading is not kept: the next event reads the Profile again."""
    spoke = build_vpc(aws.ec2, dns_hostnames=True)
    aws.strict.profile_associations[spoke.vpc_id] = "rp-lz"
    aws.strict.profile_zones["rp-lz"] = ["arn:aws:route53:::hostedzone/ZSOMEZONE"]
    faults.add(Fault("route53", "ListHostedZones", 403, "AccessDenied", "no", 1))

    vpc = run(spoke.vpc_id, lambda_context)

    planned = {a["service"] for a in vpc["actions"] if a["action"] == "create-interface-endpoint"}
    assert planned == {API, DKR}, vpc["actions"]
    (note,) = findings(vpc, "route53-profiles-unread")
    assert note["severity"] == "info" and "route53:ListHostedZones" in note["message"]
    api_calls.clear()
    run(spoke.vpc_id, lambda_context)
    assert "ListProfileResourceAssociations" in api_calls.operations("route53profiles")


@pytest.mark.parametrize("setting", ["refused", "off"])
def test_a_refused_or_disabled_profiles_read_still_lets_auto_fix_create_endpoints(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    lambda_context: LambdaContext,
    setting: str,
) -> None:
    spoke = build_vpc(aws.ec2, dns_hostnames=True)
    if setting == "refused":
        aws.strict.profile_failures.append("AccessDeniedException")
    else:
        handler_env.setenv("ROUTE53_PROFILES", "off")
    auto_fix(handler_env)

    vpc = run(spoke.vpc_id, lambda_context)

    assert vpc["status"] == "fixed", vpc
    assert interface_services(aws, spoke.vpc_id) == {API, DKR}
    assert not findings(vpc, "endpoint-zones-unknown")
    unread = findings(vpc, "route53-profiles-unread")
    if setting == "refused":
        (note,) = unread
        assert note["severity"] == "info"
        assert "route53profiles:ListProfileAssociations" in note["message"]
    else:
        assert unread == []
        assert api_calls.operations("route53profiles") == []


def test_an_unreadable_profiles_setting_reads_them() -> None:
    from remediation.config import load_settings

    settings = load_settings({"ROUTE53_PROFILES": "sometimes"})
    assert settings.route53_profiles is True
    assert any("ROUTE53_PROFILES" in p for p in settings.problems)
    assert load_settings({"ROUTE53_PROFILES": " OFF "}).route53_profiles is False


# --------------------------------------------------------------------------- 3. hub records


def _hub_spoke(aws: Aws, *, empty: bool = False) -> tuple[Hub, BuiltVpc]:
    hub = build_hub(aws.ec2)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16", azs=2)
    for name in ("ecr.api", "ecr.dkr"):
        serve(aws.route53, aws.ec2, hub, spoke, name, empty=empty and name == "ecr.dkr")
    return hub, spoke


def test_a_hub_zone_with_its_records_serves_the_spoke_in_a_sweep_and_the_next_event(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    _, spoke = _hub_spoke(aws)
    auto_fix(handler_env)

    swept = sweep(lambda_context)[spoke.vpc_id]
    api_calls.clear()
    event = run(spoke.vpc_id, lambda_context)

    for vpc in (swept, event):
        served = findings(vpc, "endpoint-centralised")
        assert {f["service"] for f in served} == {"ecr.api", "ecr.dkr"}
        assert all("records checked" in f["message"] for f in served), served
    assert interface_services(aws, spoke.vpc_id) == set()
    # The event reused the sweep's reading: no record read, within its budget.
    assert "ListResourceRecordSets" not in api_calls.operations("route53")


def test_an_empty_hub_zone_is_not_compliant_and_names_the_missing_record(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    _, spoke = _hub_spoke(aws, empty=True)
    auto_fix(handler_env)

    vpc = sweep(lambda_context)[spoke.vpc_id]
    again = run(spoke.vpc_id, lambda_context)

    for result in (vpc, again):
        assert result["status"] != "compliant", result
        (broken,) = findings(result, "hub-zone-broken")
        assert broken["service"] == "ecr.dkr" and broken["severity"] == "warning"
        assert f"no record {records('ecr.dkr')[0]}" in broken["message"]
    assert interface_services(aws, spoke.vpc_id) == set()  # the hub is repaired by a person


def test_two_hub_zones_of_one_name_are_judged_each_by_its_own_records(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    hub = build_hub(aws.ec2, ("ecr.api",))
    spokes = [build_vpc(aws.ec2, cidr=f"10.{n}.0.0/16", azs=1, dns_hostnames=True) for n in (1, 2)]
    for n, spoke in enumerate(spokes):
        zone = aws.route53.create_hosted_zone(
            Name=records("ecr.api")[0],
            CallerReference=f"zone-{n}",
            VPC={"VPCRegion": REGION, "VPCId": spoke.vpc_id},
            HostedZoneConfig={"PrivateZone": True},
        )["HostedZone"]["Id"]
        if n == 0:
            add_records(aws.route53, zone, hub, "ecr.api")
        route_to_hub(aws.ec2, hub, spoke)
    handler_env.setenv("SERVICES", "ecr.api:interface")
    handler_env.setenv("SERVICES_OMIT", "ecr.dkr,s3")  # only ecr.api's zones, on purpose

    vpcs = sweep(lambda_context)

    assert [f["code"] for f in vpcs[spokes[0].vpc_id]["findings"]] == ["endpoint-centralised"]
    assert [f["code"] for f in vpcs[spokes[1].vpc_id]["findings"]] == ["hub-zone-broken"]


@pytest.mark.parametrize("fault", ["deleted", "no-route", "wrong-service"])
def test_a_stale_hub_zone_is_broken(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext, fault: str
) -> None:
    hub = build_hub(aws.ec2)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16", azs=1)
    if fault == "wrong-service":
        hub.dns_names["ecr.api"] = hub.dns_names["ecr.dkr"]
    for name in ("ecr.api", "ecr.dkr"):
        serve(aws.route53, aws.ec2, hub, spoke, name)
    if fault == "deleted":
        aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[hub.endpoints["ecr.api"]])
    if fault == "no-route":
        for table in aws.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [spoke.vpc_id]}]
        )["RouteTables"]:
            if any(r.get("TransitGatewayId") for r in table["Routes"]):
                aws.ec2.delete_route(
                    RouteTableId=table["RouteTableId"], DestinationCidrBlock="10.200.0.0/16"
                )

    vpc = sweep(lambda_context)[spoke.vpc_id]

    broken = {f["service"]: f["message"] for f in findings(vpc, "hub-zone-broken")}
    assert "ecr.api" in broken, vpc["findings"]
    expected = {
        "deleted": "no longer exists",
        "no-route": "no route",
        "wrong-service": "ecr.dkr, not",
    }[fault]
    assert expected in broken["ecr.api"] or "deleted" in broken["ecr.api"]


# --------------------------------------------------------------------------- 4. Resolver rules


def _served_vpc(aws: Aws, handler_env: pytest.MonkeyPatch, context: LambdaContext) -> BuiltVpc:
    built = build_vpc(aws.ec2, dns_hostnames=True, azs=2)
    auto_fix(handler_env)
    assert run(built.vpc_id, context)["status"] == "fixed"
    handler_env.setenv("REMEDIATION_MODE", "dry-run")
    return built


def test_a_forwarding_rule_for_amazonaws_com_is_reported(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    built = _served_vpc(aws, handler_env, lambda_context)
    rule = forward_rule(aws.ec2, "amazonaws.com", ["192.168.0.2"], built.vpc_id, "to-onprem")
    api_calls.clear()

    vpc = run(built.vpc_id, lambda_context)

    (forwarded,) = findings(vpc, "dns-forwarded")
    assert forwarded["severity"] == "warning" and forwarded["resource_id"] == rule
    assert "to-onprem" in forwarded["message"] and "192.168.0.2" in forwarded["message"]
    assert f"dkr.ecr.{REGION}.amazonaws.com" in forwarded["message"]
    assert vpc["status"] != "compliant"
    assert api_calls.operations("route53resolver") == [
        "ListResolverRuleAssociations",
        "ListResolverRules",
        "ListResolverEndpoints",  # is 192.168.0.2 a Resolver inbound endpoint? (none is)
    ]
    api_calls.clear()
    again = run(built.vpc_id, lambda_context)  # warm: only the associations are read again
    assert findings(again, "dns-forwarded") == [forwarded]
    assert api_calls.operations("route53resolver") == ["ListResolverRuleAssociations"]


def test_a_more_specific_system_rule_or_an_unrelated_domain_is_no_finding(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    built = _served_vpc(aws, handler_env, lambda_context)
    forward_rule(aws.ec2, "corp.example.com", ["192.168.0.2"], built.vpc_id, "corp")
    forward_rule(aws.ec2, ".", ["192.168.0.2"], built.vpc_id, "everything")
    resolver = shared_client("route53resolver")
    system = resolver.create_resolver_rule(
        CreatorRequestId="system-aws",
        Name="aws-names",
        RuleType="SYSTEM",
        DomainName=f"{REGION}.amazonaws.com",
    )["ResolverRule"]["Id"]
    resolver.associate_resolver_rule(ResolverRuleId=system, VPCId=built.vpc_id, Name="aws")

    vpc = run(built.vpc_id, lambda_context)

    assert findings(vpc, "dns-forwarded") == []
    assert vpc["status"] == "compliant", vpc["findings"]


def test_forwarding_to_an_inbound_endpoint_in_a_served_vpc_is_info(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    dns_hub = _served_vpc(aws, handler_env, lambda_context)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16", azs=1)
    auto_fix(handler_env)
    run(spoke.vpc_id, lambda_context)
    ips = inbound_endpoint(aws.ec2, dns_hub.vpc_id, dns_hub.all_private[:2])
    forward_rule(aws.ec2, "amazonaws.com", ips, spoke.vpc_id, "central-dns")

    vpc = run(spoke.vpc_id, lambda_context)

    (forwarded,) = findings(vpc, "dns-forwarded")
    assert forwarded["severity"] == "info"
    assert dns_hub.vpc_id in forwarded["message"]


def test_a_refused_resolver_read_is_info_and_a_sweep_reads_the_rules_once(
    aws: Aws, handler_env: pytest.MonkeyPatch, api_calls: CallLog, lambda_context: LambdaContext
) -> None:
    built = _served_vpc(aws, handler_env, lambda_context)
    build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16", azs=1)
    api_calls.clear()

    vpcs = sweep(lambda_context)

    assert api_calls.operations("route53resolver").count("ListResolverRuleAssociations") == 1
    aws.strict.resolver_failures.append("AccessDeniedException")
    vpc = run(built.vpc_id, lambda_context)
    (note,) = findings(vpc, "dns-rules-unread")
    assert note["severity"] == "info"
    assert "route53resolver:ListResolverRuleAssociations" in note["message"]
    assert vpc["status"] == "compliant"
    assert len(vpcs) >= 2
