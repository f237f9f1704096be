"""Another account's hub, read through its member role (issue 21 items 2 and 3): in organisation
mode a spoke's hub zones and the endpoints its Route 53 Profile carries are verified in the
network account that owns them, read-only; a network account whose role cannot be assumed
leaves the spoke "served, unverified", with the reason, and nothing is created for it."""

from __future__ import annotations

import os
from typing import Any

import pytest
from bench import organisation as organisation_bench

from handlers.account_run import run_trigger
from remediation.events.triggers import Trigger
from remediation.org.sessions import MemberAccessError, MemberSessions
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext, client_in
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.hub import Hub, build_hub, endpoint_arn, profile_hub, route_to_hub, serve
from tests.support.topology import BuiltVpc, build_vpc

SPOKE = "111122223333"
NETWORK = "444455556666"
ROLE = "ecr-endpoint-guard-member"
ECR = ("ecr.api", "ecr.dkr")


def client(service: str, account: str) -> Any:
    return client_in(account, service, ROLE)


def shared_transit_gateway(hub: Hub, spoke_ec2: Any) -> Hub:
    """The network account's transit gateway, shared with the spoke through RAM, is a route
    target there; moto keeps a gateway to its own account, so the spoke's own stands in."""
    hub.tgw = spoke_ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    return hub


def network_hub_zones(*, endpoints_in: str = NETWORK, empty: bool = False) -> BuiltVpc:
    """A spoke (in ``SPOKE``) served by the network account's hub zones, whose records point to
    a hub's endpoints in ``endpoints_in``; ``empty``: zones without records."""
    spoke_ec2 = organisation_bench.member_ec2(SPOKE, ROLE)
    hub = shared_transit_gateway(build_hub(client("ec2", endpoints_in)), spoke_ec2)
    spoke = build_vpc(spoke_ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    network_route53 = client("route53", NETWORK)
    for name in ECR:
        serve(network_route53, spoke_ec2, hub, spoke, name, empty=empty)
    return spoke


def evaluate(
    lambda_context: LambdaContext, *, sweep: bool, vpc_id: str = ""
) -> dict[str, dict[str, Any]]:
    trigger = Trigger(
        event_id="e-hubs",
        event_name="Scheduled Event" if sweep else "CreateVpc",
        account_id=SPOKE,
        region=REGION,
        vpc_ids=() if sweep else (vpc_id,),
        sweep=sweep,
    )
    summary = run_trigger(trigger, dict(os.environ), lambda_context, own=ACCOUNT, time_left=None)
    return {v["vpc_id"]: v for v in summary.as_dict()["vpcs"]}


def findings(result: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["code"] == code]


@pytest.mark.parametrize("empty", [False, True], ids=["records", "empty-zones"])
def test_a_sweep_verifies_the_network_accounts_hub_zones_through_its_member_role(
    aws: Aws,
    org_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
    empty: bool,
) -> None:
    spoke = network_hub_zones(empty=empty)
    api_calls.clear()

    result = evaluate(lambda_context, sweep=True)[spoke.vpc_id]

    roles = {p["RoleArn"] for p in api_calls.params("AssumeRole")}
    assert f"arn:aws:iam::{NETWORK}:role/{ROLE}" in roles  # the hub read where it lives
    assert findings(result, "endpoint-centralised-unverified") == []
    if empty:
        broken = findings(result, "hub-zone-broken")
        assert {f["service"] for f in broken} == set(ECR), result["findings"]
        assert all("record" in f["message"] for f in broken)
    else:
        served = findings(result, "endpoint-centralised")
        assert {f["service"] for f in served} == set(ECR), result["findings"]
        assert all("records checked" in f["message"] for f in served)
    # Dry-run, and read-only in the network account: no write anywhere.
    assert api_calls.writes("ec2") == [] and api_calls.writes("route53") == []


def test_a_profile_carrying_the_network_accounts_endpoints_serves_the_spoke_verified(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    """An event: the endpoints the spoke's Route 53 Profile carries are read in their owner's
    account (one ``DescribeVpcEndpoints`` there), so the spoke is served, verified."""
    spoke_ec2 = organisation_bench.member_ec2(SPOKE, ROLE)
    hub = shared_transit_gateway(profile_hub(client("ec2", NETWORK)), spoke_ec2)
    spoke = build_vpc(spoke_ec2, dns_hostnames=True, cidr="10.1.0.0/16")
    route_to_hub(spoke_ec2, hub, spoke)
    aws.strict.profile_associations[spoke.vpc_id] = "rp-hub"
    aws.strict.profile_zones["rp-hub"] = [endpoint_arn(e, NETWORK) for e in hub.endpoints.values()]

    result = evaluate(lambda_context, sweep=False, vpc_id=spoke.vpc_id)[spoke.vpc_id]

    served = findings(result, "endpoint-centralised")
    assert {f["service"] for f in served} == set(ECR), result["findings"]
    assert all(hub.vpc.vpc_id in f["message"] for f in served)
    assert findings(result, "endpoint-missing") == []


def test_a_network_account_whose_role_cannot_be_assumed_leaves_the_spoke_served_unverified(
    aws: Aws,
    org_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    api_calls: CallLog,
) -> None:
    org_env.setenv("REMEDIATION_MODE", "auto-fix")
    org_env.setenv("AUTO_FIX_ACCOUNT_IDS", SPOKE)
    spoke = network_hub_zones()
    session = MemberSessions.session

    def refusing(self: MemberSessions, account_id: str, **kwargs: Any) -> Any:
        if account_id == NETWORK:
            raise MemberAccessError(account_id, self.role_arn(account_id), "AccessDenied", "no")
        return session(self, account_id, **kwargs)

    monkeypatch.setattr(MemberSessions, "session", refusing)
    api_calls.clear()

    result = evaluate(lambda_context, sweep=True)[spoke.vpc_id]

    unverified = findings(result, "endpoint-centralised-unverified")
    assert {f["service"] for f in unverified} == set(ECR), result["findings"]
    assert all(f"arn:aws:iam::{NETWORK}:role/{ROLE}" in f["message"] for f in unverified)
    assert not [
        p
        for p in api_calls.params("CreateVpcEndpoint")
        if p.get("VpcId") == spoke.vpc_id and p.get("VpcEndpointType") != "Gateway"
    ]


def test_a_network_account_outside_member_account_ids_is_not_read(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    """An operator who limits the deployment to some accounts (``MEMBER_ACCOUNT_IDS``) limits
    its reads too: no role outside them is assumed; the hub there is unverified, saying why."""
    org_env.setenv("MEMBER_ACCOUNT_IDS", SPOKE)
    spoke = network_hub_zones()
    api_calls.clear()

    result = evaluate(lambda_context, sweep=True)[spoke.vpc_id]

    unverified = findings(result, "endpoint-centralised-unverified")
    assert {f["service"] for f in unverified} == set(ECR), result["findings"]
    assert all("MEMBER_ACCOUNT_IDS" in f["message"] for f in unverified)
    roles = {p["RoleArn"] for p in api_calls.params("AssumeRole")}
    assert f"arn:aws:iam::{NETWORK}:role/{ROLE}" not in roles


def test_an_event_judges_another_accounts_hub_zone_by_a_sweeps_reading_without_its_role(
    aws: Aws, org_env: pytest.MonkeyPatch, lambda_context: LambdaContext, api_calls: CallLog
) -> None:
    """An event reads no hub zone's records (its read budget): it reuses a sweep's reading, or
    judges the zone by its name, and assumes no role in the zone's account for that."""
    spoke = network_hub_zones()
    api_calls.clear()

    result = evaluate(lambda_context, sweep=False, vpc_id=spoke.vpc_id)[spoke.vpc_id]

    served = findings(result, "endpoint-centralised")
    assert {f["service"] for f in served} == set(ECR), result["findings"]
    assert all("checked by the sweep" in f["message"] for f in served)
    roles = {p["RoleArn"] for p in api_calls.params("AssumeRole")}
    assert f"arn:aws:iam::{NETWORK}:role/{ROLE}" not in roles

    evaluate(lambda_context, sweep=True)  # reads the records there, and keeps them
    again = evaluate(lambda_context, sweep=False, vpc_id=spoke.vpc_id)[spoke.vpc_id]
    assert all("records checked" in f["message"] for f in findings(again, "endpoint-centralised"))


@pytest.mark.parametrize("why", ["endpoints-unreadable", "third-account-target"])
def test_a_hub_zone_whose_targets_cannot_be_seen_there_is_unverified_not_broken(
    aws: Aws,
    org_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    faults: FaultLayer,
    why: str,
) -> None:
    """The network account's EC2 cannot answer for the records' endpoints (throttled), or does
    not show them (they are a third account's): the tool cannot tell a stale record from one it
    cannot see, so the zone is "served, unverified", not ``hub-zone-broken``."""
    third = why == "third-account-target"
    spoke = network_hub_zones(endpoints_in="777788889999" if third else NETWORK)
    if why == "endpoints-unreadable":
        faults.add(
            Fault(
                "ec2",
                "DescribeVpcEndpoints",
                503,
                "ServiceUnavailable",
                times=None,
                when=lambda params: any(k.startswith("VpcEndpointId") for k in params),
            )
        )

    result = evaluate(lambda_context, sweep=True)[spoke.vpc_id]

    assert findings(result, "hub-zone-broken") == [], result["findings"]
    unverified = findings(result, "endpoint-centralised-unverified")
    assert {f["service"] for f in unverified} == set(ECR), result["findings"]
    expected = "DescribeVpcEndpoints" if why == "endpoints-unreadable" else "does not show"
    assert all(expected in f["message"] for f in unverified), unverified
