"""API-call budgets, counted through botocore's event hooks as ``bench/run.py`` counts them.

EC2's rate limits are shared by everything in an account and region: the tool must
not read per subnet, per route table or per endpoint. The counts are deterministic,
so these are ordinary tests. Calls the tests make to build the VPCs are not counted
(their clients exist before the recording starts).

*Cold* is an execution environment's first invocation (the ``aws`` fixture empties the
caches): the region-level read (the endpoint services' zones) and, for a VPC something
serves, its DHCP options set are read. *Warm* is the next invocation in the same environment:
they come from the caches.
"""

from __future__ import annotations

import pytest
from bench.harness import (
    EVALUATION_READS,
    EVALUATION_READS_COLD,
    EVALUATION_READS_WARM,
    SHARE_READS,
    create_vpc_event,
    has_tool_group,
    invoke,
    repair_items,
    sweep_budget,
    sweep_event,
)
from bench.topologies import CENTRALISED, TOPOLOGIES, Topology, build, build_sweep_vpcs, drift

from remediation import coverage
from remediation.aws import dns_paths, hosted_zones, inventory
from tests.support.aws import REGION, Aws, shared_client
from tests.support.hub import endpoint_arn, profile_hub, route_to_hub
from tests.support.invariants import violations
from tests.support.resolver import forward_rule, inbound_endpoint
from tests.support.scenarios import auto_fix
from tests.support.topology import build_vpc


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=lambda t: t.name)
def test_evaluating_one_vpc_takes_at_most_12_reads_cold_and_10_warm_whatever_its_size(
    aws: Aws, handler_env: pytest.MonkeyPatch, topology: Topology
) -> None:
    built = build(aws.ec2, topology)
    # A real VPC names a DHCP options set (moto's say "default", which needs no read).
    options = aws.ec2.create_dhcp_options(
        DhcpConfigurations=[{"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}]
    )["DhcpOptions"]["DhcpOptionsId"]
    aws.ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=built.vpc_id)

    result, cold = invoke(create_vpc_event(built.vpc_id))
    _, warm = invoke(create_vpc_event(built.vpc_id))

    assert [v["vpc_id"] for v in result["vpcs"]] == [built.vpc_id]
    assert cold.writes == warm.writes == 0, cold.by_operation()
    # One RAM read per run on top (the subnets the account shares out), counted apart.
    assert cold.operations(service="ram") == warm.operations(service="ram") == ["ListResources"]
    assert cold.reads - SHARE_READS <= EVALUATION_READS_COLD == 12, cold.by_operation()
    assert warm.reads - SHARE_READS <= EVALUATION_READS_WARM == 10, warm.by_operation()
    # Region-level reads are made cold only. The services' AZ IDs settle the zones, so
    # DescribeAvailabilityZones is not needed against EC2 (nor the model of it).
    once = {"DescribeVpcEndpointServices"}
    assert once <= set(cold.operations()), cold.by_operation()
    assert not once & set(warm.operations()), warm.by_operation()
    assert "DescribeAvailabilityZones" not in cold.operations(), cold.by_operation()
    # The DHCP options set (immutable) is read cold only, and only when the VPC's endpoints
    # serve it: the DNS servers of a VPC nothing serves change no verdict.
    served = {"ecr.api", "ecr.dkr"} <= {e.split(":")[0] for e in topology.endpoints}
    assert ("DescribeDhcpOptions" in cold.operations()) is served, cold.by_operation()
    assert "DescribeDhcpOptions" not in warm.operations(), warm.by_operation()


def test_a_served_vpcs_dhcp_options_are_read_once_and_an_unserved_vpcs_not_at_all(
    aws: Aws, handler_env: pytest.MonkeyPatch
) -> None:
    """A DHCP options set is immutable: read once per execution environment, and only for a
    VPC something serves (its DNS servers decide whether ECR's names reach the endpoints),
    as the Resolver rules are. A sweep reads every VPC's."""
    built = build(aws.ec2, TOPOLOGIES[1])
    options = aws.ec2.create_dhcp_options(
        DhcpConfigurations=[{"Key": "domain-name-servers", "Values": ["10.50.0.10"]}]
    )["DhcpOptions"]["DhcpOptionsId"]
    aws.ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=built.vpc_id)
    read = "DescribeDhcpOptions"

    unserved, calls = invoke(create_vpc_event(built.vpc_id))

    assert read not in calls.operations(), calls.by_operation()
    assert "dhcp-custom-dns-servers" not in {f["code"] for f in unserved["vpcs"][0]["findings"]}

    swept, calls = invoke(sweep_event())

    assert calls.operations().count(read) == 1, calls.by_operation()
    (vpc,) = [v for v in swept["vpcs"] if v["vpc_id"] == built.vpc_id]
    assert "dhcp-custom-dns-servers" in {f["code"] for f in vpc["findings"]}

    auto_fix(handler_env)
    invoke(create_vpc_event(built.vpc_id))  # the endpoints: now the VPC is served
    handler_env.setenv("REMEDIATION_MODE", "dry-run")
    inventory.reset_caches()  # a cold environment

    served, cold = invoke(create_vpc_event(built.vpc_id))
    _, warm = invoke(create_vpc_event(built.vpc_id))

    assert served["vpcs"][0]["status"] == "compliant", served["vpcs"][0]
    assert "dhcp-custom-dns-servers" in {f["code"] for f in served["vpcs"][0]["findings"]}
    assert cold.operations().count(read) == 1, cold.by_operation()
    assert read not in warm.operations(), warm.by_operation()
    assert cold.reads - SHARE_READS <= EVALUATION_READS_COLD, cold.by_operation()
    assert warm.reads - SHARE_READS <= EVALUATION_READS_WARM, warm.by_operation()


def test_shared_ecr_zones_are_read_within_the_budget(
    aws: Aws, handler_env: pytest.MonkeyPatch
) -> None:
    """An event's VPC: its private zones (a hub's, of any account) in one
    ``ListHostedZonesByVPC``, one of the budgeted reads; no ``GetHostedZone`` per zone."""
    built = build(aws.ec2, CENTRALISED, route53=aws.route53)

    result, calls = invoke(create_vpc_event(built.vpc_id))

    (vpc,) = result["vpcs"]
    assert {f["code"] for f in vpc["findings"]} >= {"endpoint-centralised"}  # zones were read
    assert calls.operations(service="route53") == ["ListHostedZonesByVPC"]
    assert calls.operations(service="route53profiles") == []  # the zones settled it
    assert calls.reads <= EVALUATION_READS_COLD, calls.by_operation()
    assert calls.writes == 0


@pytest.mark.parametrize("vpcs", [1, 10, 50])
def test_a_sweep_of_n_vpcs_takes_at_most_2n_plus_15_calls_plus_one_per_vpc_without_endpoints(
    aws: Aws, handler_env: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch, vpcs: int
) -> None:
    from remediation.aws import hosted_zones

    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.0)  # counted here, not timed
    present = len(aws.ec2.describe_vpcs()["Vpcs"])  # moto's default VPC counts as one
    build_sweep_vpcs(aws.ec2, vpcs - present, start=present)

    result, calls = invoke(sweep_event())

    assert len(result["vpcs"]) == vpcs
    assert calls.writes == 0, calls.by_operation()
    lookups = calls.operations(service="route53").count("ListHostedZonesByVPC")
    assert lookups == vpcs  # none of these VPCs has a local endpoint: each is looked up once
    assert calls.reads + calls.writes <= sweep_budget(vpcs, zone_lookups=vpcs), calls.by_operation()
    assert calls.reads - lookups <= 2 * vpcs + 15, calls.by_operation()


def test_a_sweep_looks_up_no_zones_for_vpcs_with_local_endpoints(
    aws: Aws, handler_env: pytest.MonkeyPatch
) -> None:
    """Warm sweep of VPCs that all have their endpoints: 2·N + constant, no zone lookup."""
    auto_fix(handler_env)
    build_sweep_vpcs(aws.ec2, 3, start=1)
    invoke(sweep_event())  # repairs every VPC (moto's default VPC has public subnets only)
    handler_env.setenv("REMEDIATION_MODE", "dry-run")

    result, calls = invoke(sweep_event())

    served = [v for v in result["vpcs"] if v["status"] == "compliant"]
    assert len(served) >= 3, result["vpcs"]
    lookups = calls.operations(service="route53").count("ListHostedZonesByVPC")
    assert lookups == len(result["vpcs"]) - len(served)
    assert calls.reads <= sweep_budget(len(result["vpcs"]), zone_lookups=lookups)


@pytest.mark.parametrize("half_done", [False, True], ids=["fresh", "half-done"])
def test_a_full_repair_makes_at_most_one_write_per_item_and_a_second_run_none(
    aws: Aws, handler_env: pytest.MonkeyPatch, half_done: bool
) -> None:
    auto_fix(handler_env)
    built = build(aws.ec2, TOPOLOGIES[1], dns_hostnames=False)
    if half_done:
        drift(aws.ec2, built, region=REGION)
    (vpc_data,) = aws.ec2.describe_vpcs(VpcIds=[built.vpc_id])["Vpcs"]
    cidrs = len(vpc_data["CidrBlockAssociationSet"])
    tool_group = has_tool_group(aws.ec2, built.vpc_id)

    result, calls = invoke(create_vpc_event(built.vpc_id))

    (vpc,) = result["vpcs"]
    assert vpc["status"] == "fixed", vpc
    assert violations(aws.ec2, built.vpc_id, REGION) == []
    items = repair_items(vpc["findings"], tool_group_exists=tool_group, cidr_blocks=cidrs)
    assert 0 < calls.writes <= items, (calls.by_operation(), vpc["findings"])
    assert calls.reads <= EVALUATION_READS, calls.by_operation()

    second, again = invoke(create_vpc_event(built.vpc_id))

    assert again.writes == 0, again.by_operation()
    assert again.reads <= EVALUATION_READS_WARM, again.by_operation()
    assert second["vpcs"][0]["status"] == "compliant"


@pytest.mark.parametrize("mode", ["off", "block-ingress", "block-bidirectional"])
def test_block_public_access_costs_no_read_unless_bidirectional_then_one_per_environment(
    aws: Aws, handler_env: pytest.MonkeyPatch, mode: str
) -> None:
    """The subnets carry BPA's mode (``DescribeSubnets``): only ``block-bidirectional`` on an
    internet-routed subnet needs the exclusions, read once per execution environment (TTL).
    Within the budget, cold and warm, with a DHCP options set of the VPC's own (issue 21)."""
    built = build(aws.ec2, TOPOLOGIES[1])  # public subnets routed to an internet gateway
    options = aws.ec2.create_dhcp_options(
        DhcpConfigurations=[{"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}]
    )["DhcpOptions"]["DhcpOptionsId"]
    aws.ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=built.vpc_id)
    aws.strict.paths.bpa_mode = mode

    _, cold = invoke(create_vpc_event(built.vpc_id))
    _, warm = invoke(create_vpc_event(built.vpc_id))

    read = "DescribeVpcBlockPublicAccessExclusions"
    expected = 1 if mode == "block-bidirectional" else 0
    assert cold.operations().count(read) == expected, cold.by_operation()
    assert read not in warm.operations(), warm.by_operation()
    assert "DescribeVpcBlockPublicAccessOptions" not in cold.operations()
    assert cold.reads - SHARE_READS <= EVALUATION_READS_COLD, cold.by_operation()
    assert warm.reads - SHARE_READS <= EVALUATION_READS_WARM, warm.by_operation()


@pytest.mark.parametrize("shared", [False, True], ids=["none-shared", "all-shared"])
def test_the_shared_out_subnets_are_read_once_per_run_whatever_the_number_of_vpcs(
    aws: Aws, handler_env: pytest.MonkeyPatch, shared: bool
) -> None:
    """One ``ram:ListResources`` per region and run; ``ram:ListPrincipals`` once more only
    when VPCs are shared out."""
    build_sweep_vpcs(aws.ec2, 4, start=1)
    if shared:
        subnets = aws.ec2.describe_subnets()["Subnets"]
        shared_client("ram").create_resource_share(
            name="workloads",
            resourceArns=[s["SubnetArn"] for s in subnets],
            principals=["111122223333"],
        )

    result, calls = invoke(sweep_event())

    assert len(result["vpcs"]) == 5
    expected = ["ListPrincipals", "ListResources"] if shared else ["ListResources"]
    assert sorted(calls.operations(service="ram")) == expected
    assert len(calls.operations(service="ram")) <= SHARE_READS + (1 if shared else 0)


def test_a_profile_served_vpc_reads_the_profiles_resources_once_a_quarter_hour(
    aws: Aws, handler_env: pytest.MonkeyPatch
) -> None:
    """A spoke served through its Route 53 Profile by a hub's endpoints: the first event reads
    the Profile's resources and the hub's endpoints; the next event within 15 minutes reuses
    both (``PROFILE_TTL_SECONDS``, ``dns_paths.TTL_SECONDS``), a sweep reads them again, and
    an event after that time reads them again too.

    Within the budget, cold and warm: with no interface endpoint of its own and every service
    answered by the hub, the spoke's security groups and the services' offers are not read
    (``topology.endpoints.local_endpoints_matter``); that pays for its Profile's and Resolver
    rules' reads."""
    hub = profile_hub(aws.ec2)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    route_to_hub(aws.ec2, hub, spoke)
    aws.strict.profile_associations[spoke.vpc_id] = "rp-hub"
    aws.strict.profile_zones["rp-hub"] = [endpoint_arn(e) for e in hub.endpoints.values()]
    resources, endpoints = "ListProfileResourceAssociations", "DescribeVpcEndpoints"

    first, cold = invoke(create_vpc_event(spoke.vpc_id))
    second, warm = invoke(create_vpc_event(spoke.vpc_id))

    served = {"ecr.api", "ecr.dkr"}
    for result in (first, second):
        codes = {(f["code"], f["service"]) for f in result["vpcs"][0]["findings"]}
        assert {("endpoint-centralised", s) for s in served} <= codes
    assert cold.operations().count(resources) == 1
    assert cold.operations().count(endpoints) == 2, cold.by_operation()  # the VPC's, the hub's
    assert resources not in warm.operations()
    assert warm.operations().count(endpoints) == 1, warm.by_operation()  # the VPC's only
    assert cold.reads - SHARE_READS <= EVALUATION_READS_COLD, cold.by_operation()
    assert warm.reads - SHARE_READS <= EVALUATION_READS_WARM, warm.by_operation()
    spared = {"DescribeSecurityGroups", "DescribeVpcEndpointServices"}
    assert not spared & set(cold.operations()), cold.by_operation()

    _, swept = invoke(sweep_event())
    assert swept.operations().count(resources) == 1

    # Gone from the Profile: the sweep's reading is what the next event sees.
    aws.strict.profile_zones["rp-hub"] = []
    invoke(sweep_event())
    after, _ = invoke(create_vpc_event(spoke.vpc_id))
    now = {f["code"] for f in after["vpcs"][0]["findings"]}
    assert "endpoint-centralised" not in now and "endpoint-missing" in now

    handler_env.setattr(hosted_zones, "PROFILE_TTL_SECONDS", 0.0)
    handler_env.setattr(dns_paths, "TTL_SECONDS", 0.0)
    _, expired = invoke(create_vpc_event(spoke.vpc_id))
    assert expired.operations().count(resources) == 1


def test_a_sweep_lists_the_regions_resolver_associations_once_whatever_its_slices(
    aws: Aws, handler_env: pytest.MonkeyPatch
) -> None:
    """A sweep reads its VPCs slice by slice (``coverage.FIRST_SLICE``, then up to ``SLICE``);
    the region's Resolver rule associations are listed once a run, not once a slice."""
    handler_env.setattr(coverage, "FIRST_SLICE", 2)
    handler_env.setattr(coverage, "SLICE", 2)
    build_sweep_vpcs(aws.ec2, 6, start=1)

    result, calls = invoke(sweep_event())

    assert len(result["vpcs"]) == 7  # the six and the region's default VPC
    assert calls.operations(service="route53resolver").count("ListResolverRuleAssociations") == 1


@pytest.mark.parametrize("case", ["corp-domain", "aws-names", "aws-names-to-inbound"])
def test_a_vpcs_own_resolver_rule_costs_its_definitions_once_a_quarter_hour(
    aws: Aws, handler_env: pytest.MonkeyPatch, case: str
) -> None:
    """A served VPC with a Resolver rule association of its own: the rules' definitions
    (``ListResolverRules``) are read once per execution environment and kept 15 minutes,
    within the cold budget. Only a ``FORWARD`` rule that can cover AWS names needs to know
    whether its targets are Resolver inbound endpoints (``ListResolverEndpoints``, one
    ``ListResolverEndpointIpAddresses`` per inbound endpoint): those region-level reads are
    the one case beyond the cold budget (docs/real-ec2.md); warm, every case is within it."""
    built = build_vpc(aws.ec2, dns_hostnames=True, azs=2)
    auto_fix(handler_env)
    invoke(create_vpc_event(built.vpc_id))  # its endpoints: the VPC is served
    handler_env.setenv("REMEDIATION_MODE", "dry-run")
    options = aws.ec2.create_dhcp_options(
        DhcpConfigurations=[{"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}]
    )["DhcpOptions"]["DhcpOptionsId"]
    aws.ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=built.vpc_id)
    targets = ["192.168.0.2"]
    if case == "aws-names-to-inbound":
        targets = inbound_endpoint(aws.ec2, built.vpc_id, built.all_private[:2])
    domain = "corp.example.com" if case == "corp-domain" else "amazonaws.com"
    forward_rule(aws.ec2, domain, targets, built.vpc_id, "rule")
    inventory.reset_caches()  # a cold environment

    result, cold = invoke(create_vpc_event(built.vpc_id))
    _, warm = invoke(create_vpc_event(built.vpc_id))

    codes = {f["code"] for f in result["vpcs"][0]["findings"]}
    assert ("dns-forwarded" in codes) is (case != "corp-domain"), result["vpcs"][0]
    targets_read = ["ListResolverEndpoints", "ListResolverEndpointIpAddresses"]
    extra = sum(cold.operations().count(op) for op in targets_read)
    assert extra == {"corp-domain": 0, "aws-names": 1, "aws-names-to-inbound": 2}[case]
    assert cold.operations().count("ListResolverRules") == 1, cold.by_operation()
    assert cold.reads - SHARE_READS - extra <= EVALUATION_READS_COLD, cold.by_operation()
    assert warm.reads - SHARE_READS <= EVALUATION_READS_WARM, warm.by_operation()
    assert "ListResolverRules" not in warm.operations(), warm.by_operation()
    assert not set(targets_read) & set(warm.operations()), warm.by_operation()


def test_a_profile_carrying_many_zones_names_them_in_one_listing(
    aws: Aws, handler_env: pytest.MonkeyPatch
) -> None:
    """A landing zone's Route 53 Profile carries many private zones (the account's own and
    another account's): an event names them with one ``ListHostedZones``, never one
    ``GetHostedZone`` per zone (Route 53 allows five requests a second per account), and
    stays within the budget, cold and warm."""
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    other = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.5.0.0/16", azs=1)
    arns = ["arn:aws:route53:::hostedzone/ZANOTHERACCOUNT"]
    for name in [f"{s}.ecr.{REGION}.amazonaws.com" for s in ("api", "dkr")] + [
        f"team{n}.corp.example.com" for n in range(12)
    ]:
        zone = aws.route53.create_hosted_zone(
            Name=name,
            CallerReference=name,
            VPC={"VPCRegion": REGION, "VPCId": other.vpc_id},
            HostedZoneConfig={"PrivateZone": True},
        )["HostedZone"]["Id"]
        arns.append(f"arn:aws:route53:::hostedzone/{zone.rsplit('/', 1)[-1]}")
    aws.strict.profile_associations[spoke.vpc_id] = "rp-lz"
    aws.strict.profile_zones["rp-lz"] = arns

    result, cold = invoke(create_vpc_event(spoke.vpc_id))
    _, warm = invoke(create_vpc_event(spoke.vpc_id))

    codes = {(f["code"], f["service"]) for f in result["vpcs"][0]["findings"]}
    assert {("endpoint-centralised", "ecr.api"), ("endpoint-centralised", "ecr.dkr")} <= codes
    assert "GetHostedZone" not in cold.operations(), cold.by_operation()
    assert cold.operations().count("ListHostedZones") == 1, cold.by_operation()
    assert "ListHostedZones" not in warm.operations(), warm.by_operation()
    assert cold.reads - SHARE_READS <= EVALUATION_READS_COLD, cold.by_operation()
    assert warm.reads - SHARE_READS <= EVALUATION_READS_WARM, warm.by_operation()


def test_a_sweep_lists_the_accounts_zones_once_for_its_own_zones_and_a_profiles(
    aws: Aws, handler_env: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spoke account without private zones of its own, its VPC served through a Profile that
    carries another account's zones: the sweep's one ``ListHostedZones`` serves both its own
    zones and the Profile's names (an empty listing is a listing)."""
    monkeypatch.setattr(hosted_zones, "ROUTE53_INTERVAL", 0.0)
    spoke = build_vpc(aws.ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    aws.strict.profile_associations[spoke.vpc_id] = "rp-lz"
    aws.strict.profile_zones["rp-lz"] = ["arn:aws:route53:::hostedzone/ZANOTHERACCOUNT"]

    _, calls = invoke(sweep_event())

    assert calls.operations(service="route53").count("ListHostedZones") == 1, calls.by_operation()
    assert "GetHostedZone" not in calls.operations(service="route53")
