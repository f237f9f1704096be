"""API-call budgets, counted through botocore's event hooks as ``bench/run.py`` counts them.

EC2's rate limits are shared by everything in an account and region: the tool must
not read per subnet, per route table or per endpoint. The counts are deterministic,
so these are ordinary tests. Calls the tests make to build the VPCs are not counted
(their clients exist before the recording starts).
"""

from __future__ import annotations

import pytest
from bench.harness import (
    EVALUATION_READS,
    create_vpc_event,
    has_tool_group,
    invoke,
    repair_items,
    sweep_budget,
    sweep_event,
)
from bench.topologies import CENTRALISED, TOPOLOGIES, Topology, build, build_sweep_vpcs, drift

from tests.conftest import REGION, Aws
from tests.invariants import violations
from tests.scenarios import auto_fix


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=lambda t: t.name)
def test_evaluating_one_vpc_takes_at_most_evaluation_reads_whatever_its_size(
    aws: Aws, handler_env: pytest.MonkeyPatch, topology: Topology
) -> None:
    built = build(aws.ec2, topology)

    result, calls = invoke(create_vpc_event(built.vpc_id))

    assert [v["vpc_id"] for v in result["vpcs"]] == [built.vpc_id]
    assert calls.writes == 0, calls.by_operation()
    assert calls.reads <= EVALUATION_READS, calls.by_operation()


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
    assert calls.reads <= EVALUATION_READS, calls.by_operation()
    assert calls.writes == 0


@pytest.mark.parametrize("vpcs", [1, 10, 50])
def test_a_sweep_of_n_vpcs_takes_at_most_2n_plus_10_calls(
    aws: Aws, handler_env: pytest.MonkeyPatch, vpcs: int
) -> None:
    present = len(aws.ec2.describe_vpcs()["Vpcs"])  # moto's default VPC counts as one
    build_sweep_vpcs(aws.ec2, vpcs - present, start=present)

    result, calls = invoke(sweep_event())

    assert len(result["vpcs"]) == vpcs
    assert calls.writes == 0, calls.by_operation()
    assert calls.reads + calls.writes <= sweep_budget(vpcs), calls.by_operation()


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
    assert again.reads <= EVALUATION_READS
    assert second["vpcs"][0]["status"] == "compliant"
