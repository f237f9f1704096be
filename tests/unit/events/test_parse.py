"""parse_event: every fixture, the shapes each event comes in, and hostile input."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remediation.events.cloudtrail import EXTRACTORS
from remediation.events.fields import MAX_IDS
from remediation.events.parse import parse_event
from remediation.events.triggers import ID_PATTERNS, REGION, Refusal, Trigger
from remediation.vocabulary import ACCOUNT_ID
from tests.support.event_strategies import (
    RTB,
    SG,
    SUBNET_A,
    VPC,
    VPCE_1,
    json_values,
    mutated_events,
)
from tests.support.fixtures import EVENTS_DIR, event_names, load_event

ACCOUNT = "123456789012"
REGION_NAME = "us-east-1"
SECURITY_HUB_PRODUCT = "arn:aws:securityhub:us-east-1::product/aws/securityhub"
EC2_55_FINDING = (
    "arn:aws:securityhub:us-east-1:123456789012:security-control/EC2.55/finding/"
    "3f1c2a9e-7b4d-4e8a-9c21-5d6e7f8a9b0c"
)
VPCE_2 = "vpce-0a1b2c3d4e5f60002"
SG_OTHER = "sg-0fedcba9876543210"

OWN_ROLE = "arn:aws:iam::123456789012:role/ecr-endpoint-guard-FunctionRole-EXAMPLE"
OWN_SESSION = "ecr-endpoint-guard"
OWN = {"own_role_arns": frozenset({OWN_ROLE})}

ADMIN = "arn:aws:sts::123456789012:assumed-role/Admin/admin"
SUBNET_B = "subnet-0cccc3333dddd4444"
BOB = "arn:aws:iam::123456789012:user/bob@example.com"
ALICE = "arn:aws:iam::123456789012:user/alice@example.com"
CAROL = "arn:aws:iam::123456789012:user/carol@example.com"
CAROL_SWITCH = (
    "arn:aws:sts::123456789012:assumed-role/carol@example.com_SwitchRole/carol@example.com"
)


@dataclass(frozen=True)
class Refused:
    """What a fixture's Refusal must look like."""

    ignored: bool
    reason_contains: str
    event_name: str = ""


# --------------------------------------------------------------------------- every fixture

#: Fixture name -> the Trigger fields it must produce (event_id, account and region come
#: from the file) or the Refusal it must produce. Every file in events/ must be here.
EXPECTED: dict[str, dict[str, Any] | Refused] = {
    "associate_route_table": {
        "event_name": "AssociateRouteTable",
        "actor_arn": CAROL,
        "route_table_ids": (RTB,),
        "subnet_ids": (SUBNET_A,),
    },
    "authorize_security_group_ingress": {
        "event_name": "AuthorizeSecurityGroupIngress",
        "actor_arn": "arn:aws:iam::123456789012:user/dave",
        "group_ids": (SG,),
    },
    "authorize_security_group_ingress_flat_params": {
        "event_name": "AuthorizeSecurityGroupIngress",
        "actor_arn": "arn:aws:iam::123456789012:user/erin",
        "group_ids": (SG,),
    },
    # Workloads (ENDPOINT_NEED=workloads): the subnets they run in, resolved to the VPC.
    "ecs_create_service": {
        "event_name": "CreateService",
        "actor_arn": ADMIN,
        "subnet_ids": (SUBNET_A, SUBNET_B),
    },
    "ecs_update_service": {
        "event_name": "UpdateService",
        "actor_arn": ADMIN,
        "subnet_ids": (SUBNET_B,),
    },
    "eks_create_nodegroup": {
        "event_name": "CreateNodegroup",
        "actor_arn": ADMIN,
        "subnet_ids": (SUBNET_A, SUBNET_B),
    },
    "eks_create_fargate_profile": {
        "event_name": "CreateFargateProfile",
        "actor_arn": ADMIN,
        "subnet_ids": (SUBNET_A,),
    },
    "batch_create_compute_environment": {
        "event_name": "CreateComputeEnvironment",
        "actor_arn": ADMIN,
        "subnet_ids": (SUBNET_B,),
    },
    "create_subnet": {
        "event_name": "CreateSubnet",
        "actor_arn": "arn:aws:sts::123456789012:assumed-role/EC2Role/i-0a1b2c3d4e5f60002",
        "vpc_ids": (VPC,),
    },
    "create_vpc": {"event_name": "CreateVpc", "actor_arn": BOB, "vpc_ids": (VPC,)},
    "create_vpc_2018_capture": {
        "event_name": "CreateVpc",
        "actor_arn": "arn:aws:iam::123456789012:root",
        "vpc_ids": (VPC,),
    },
    "create_vpc_endpoint_ecr_api": {
        "event_name": "CreateVpcEndpoint",
        "actor_arn": ALICE,
        "vpc_ids": (VPC,),
    },
    "create_vpc_endpoint_gateway_s3": {
        "event_name": "CreateVpcEndpoint",
        "actor_arn": ALICE,
        "vpc_ids": (VPC,),
    },
    "delete_vpc_endpoints_multi": {
        "event_name": "DeleteVpcEndpoints",
        "actor_arn": ALICE,
        "endpoint_ids": (VPCE_1, VPCE_2),
    },
    "delete_vpc_endpoints_single": {
        "event_name": "DeleteVpcEndpoints",
        "actor_arn": ALICE,
        "endpoint_ids": (VPCE_1,),
    },
    "dry_run_call_modify_vpc_attribute": Refused(
        True, "'Client.DryRunOperation'", "ModifyVpcAttribute"
    ),
    "failed_call_create_vpc": Refused(True, "'Client.UnauthorizedOperation'", "CreateVpc"),
    "malformed_create_vpc_missing_response": Refused(
        False,
        "no VPC id in CreateVpc event: nothing at detail.responseElements.vpc.vpcId",
        "CreateVpc",
    ),
    "modify_security_group_rules": {
        "event_name": "ModifySecurityGroupRules",
        "actor_arn": CAROL_SWITCH,
        "group_ids": (SG_OTHER,),
    },
    "modify_vpc_attribute_dns_hostnames_false": {
        "event_name": "ModifyVpcAttribute",
        "actor_arn": CAROL,
        "vpc_ids": (VPC,),
    },
    "modify_vpc_attribute_dns_support_false": {
        "event_name": "ModifyVpcAttribute",
        "actor_arn": CAROL,
        "vpc_ids": (VPC,),
    },
    "modify_vpc_endpoint": {
        "event_name": "ModifyVpcEndpoint",
        "actor_arn": "arn:aws:sts::123456789012:assumed-role/carol@example.com/i-0a1b2c3d4e5f60001",
        "endpoint_ids": (VPCE_1,),
    },
    "not_an_event": Refused(False, "not a CloudTrail EC2 API call: source null"),
    "own_call_modify_vpc_endpoint": Refused(True, "own call ignored", "ModifyVpcEndpoint"),
    "replace_route_table_association": {
        "event_name": "ReplaceRouteTableAssociation",
        "actor_arn": CAROL,
        "route_table_ids": (RTB,),
    },
    "revoke_security_group_ingress": {
        "event_name": "RevokeSecurityGroupIngress",
        "actor_arn": CAROL_SWITCH,
        "group_ids": (SG_OTHER,),
    },
    "scheduled_sweep": {"event_name": "Scheduled Event", "sweep": True},
    "securityhub_findings_imported_ec2_55": {
        "event_name": "Security Hub Findings - Imported",
        "vpc_ids": (VPC,),
        "finding_refs": ((EC2_55_FINDING, SECURITY_HUB_PRODUCT),),
    },
    "securityhub_custom_action_fix": {
        "event_name": "Security Hub Findings - Custom Action",
        "vpc_ids": (VPC,),
        "approval": True,
        "finding_refs": ((EC2_55_FINDING, SECURITY_HUB_PRODUCT),),
    },
    "securityhub_findings_imported_v2_ec2_55": {
        "event_name": "Findings Imported V2",
        "vpc_ids": (VPC,),
    },
    "securityhub_findings_imported_own": Refused(
        True, "the tool's own finding: never a trigger", "Security Hub Findings - Imported"
    ),
    "unsupported_event_run_instances": Refused(
        False, "unsupported event 'RunInstances'", "RunInstances"
    ),
}


def test_every_fixture_has_an_expectation_and_a_readme_row() -> None:
    assert sorted(EXPECTED) == event_names()
    readme = (EVENTS_DIR / "README.md").read_text(encoding="utf-8")
    missing = [name for name in EXPECTED if f"`{name}.json`" not in readme]
    assert not missing, f"events/README.md does not list {missing}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_expected_result(name: str) -> None:
    event = load_event(name)
    expected = EXPECTED[name]
    result = parse_event(event, **OWN)
    if isinstance(expected, Refused):
        assert isinstance(result, Refusal), result
        assert result.ignored is expected.ignored
        assert expected.reason_contains in result.reason
        assert result.event_name == expected.event_name
        assert result.event_id == event.get("id", "")
    else:
        assert result == Trigger(
            event_id=event["id"], account_id=ACCOUNT, region=REGION_NAME, **expected
        )


@pytest.mark.parametrize("name", event_names())
def test_fixture_is_us_east_1_in_the_story_account(name: str) -> None:
    text = (EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8")
    event = json.loads(text)
    assert "ap-northeast" not in text
    assert "us-northeast" not in text
    if name != "not_an_event":
        assert event["region"] == REGION_NAME
        assert event["account"] == ACCOUNT
        assert set(event) >= {"version", "id", "detail-type", "source", "time", "detail"}


def test_parse_event_does_not_mutate_its_input() -> None:
    for name in event_names():
        event = load_event(name)
        before = copy.deepcopy(event)
        parse_event(event, **OWN)
        assert event == before


# --------------------------------------------------------------------------- inline cases


def _set(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set a dotted path under the event (``detail.requestParameters.vpcId``)."""
    *parents, last = path.split(".")
    node = event
    for key in parents:
        node = node[key]
    node[last] = value
    return event


def _delete(event: dict[str, Any], path: str) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = event
    for key in parents:
        node = node[key]
    del node[last]
    return event


def _trigger(result: Trigger | Refusal) -> Trigger:
    assert isinstance(result, Trigger), result
    return result


def _refusal(result: Trigger | Refusal, *, ignored: bool = False) -> Refusal:
    assert isinstance(result, Refusal), result
    assert result.ignored is ignored
    assert result.reason
    assert len(result.reason) < 400
    return result


DELETE_IDS = "detail.requestParameters.DeleteVpcEndpointsRequest.VpcEndpointId"
MODIFY_ENDPOINT_ID = "detail.requestParameters.ModifyVpcEndpointRequest.VpcEndpointId"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"tag": 1, "content": VPCE_1}, (VPCE_1,), id="one-wrapped"),
        pytest.param(
            [{"tag": 1, "content": VPCE_1}, {"tag": 2, "content": VPCE_2}],
            (VPCE_1, VPCE_2),
            id="list-wrapped",
        ),
        pytest.param(VPCE_2, (VPCE_2,), id="plain-string"),
        pytest.param([VPCE_2, VPCE_1], (VPCE_2, VPCE_1), id="list-of-strings"),
        pytest.param([VPCE_1, {"tag": 2, "content": VPCE_2}], (VPCE_1, VPCE_2), id="mixed"),
        pytest.param(
            [{"tag": 1, "content": VPCE_2}, {"tag": 2, "content": VPCE_1}, VPCE_2],
            (VPCE_2, VPCE_1),
            id="duplicates-removed-in-order",
        ),
        pytest.param(["vpce-0123abcd"], ("vpce-0123abcd",), id="short-8-digit-id"),
    ],
)
def test_delete_vpc_endpoints_id_forms(value: Any, expected: tuple[str, ...]) -> None:
    event = _set(load_event("delete_vpc_endpoints_single"), DELETE_IDS, value)
    trigger = _trigger(parse_event(event))
    assert trigger.endpoint_ids == expected
    assert trigger.vpc_ids == ()
    assert trigger.needs_resolution


@pytest.mark.parametrize(
    ("name", "path", "wrapped", "field"),
    [
        ("modify_vpc_endpoint", MODIFY_ENDPOINT_ID, VPCE_1, "endpoint_ids"),
        (
            "modify_vpc_attribute_dns_support_false",
            "detail.requestParameters.vpcId",
            VPC,
            "vpc_ids",
        ),
        ("create_subnet", "detail.requestParameters.vpcId", VPC, "vpc_ids"),
        ("associate_route_table", "detail.requestParameters.routeTableId", RTB, "route_table_ids"),
        ("authorize_security_group_ingress", "detail.requestParameters.groupId", SG, "group_ids"),
    ],
)
def test_plain_string_fields_also_accept_tag_content(
    name: str, path: str, wrapped: str, field: str
) -> None:
    event = _set(load_event(name), path, {"tag": 1, "content": wrapped})
    assert getattr(_trigger(parse_event(event)), field) == (wrapped,)


def test_create_vpc_endpoint_falls_back_to_response_vpc_id() -> None:
    event = _delete(
        load_event("create_vpc_endpoint_ecr_api"),
        "detail.requestParameters.CreateVpcEndpointRequest.VpcId",
    )
    assert _trigger(parse_event(event)).vpc_ids == (VPC,)


def test_create_vpc_endpoint_never_falls_back_over_an_invalid_request_id() -> None:
    event = _set(
        load_event("create_vpc_endpoint_ecr_api"),
        "detail.requestParameters.CreateVpcEndpointRequest.VpcId",
        "vpc-nothex",
    )
    refusal = _refusal(parse_event(event))
    assert "detail.requestParameters.CreateVpcEndpointRequest.VpcId" in refusal.reason


def test_associate_route_table_with_a_gateway_instead_of_a_subnet() -> None:
    event = load_event("associate_route_table")
    params = event["detail"]["requestParameters"]
    del params["subnetId"]
    params["gatewayId"] = "igw-0a1b2c3d4e5f60001"
    trigger = _trigger(parse_event(event))
    assert (trigger.route_table_ids, trigger.subnet_ids) == ((RTB,), ())


def test_modify_security_group_rules_with_several_rules() -> None:
    event = load_event("modify_security_group_rules")
    request = event["detail"]["requestParameters"]["ModifySecurityGroupRulesRequest"]
    rule = request["SecurityGroupRule"]
    request["SecurityGroupRule"] = [rule, {**rule, "tag": 2, "SecurityGroupRuleId": "sgr-0b"}]
    assert _trigger(parse_event(event)).group_ids == (SG_OTHER,)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("revoke_security_group_ingress", "detail.requestParameters.groupId"),
        ("authorize_security_group_ingress_flat_params", "detail.requestParameters.groupId"),
        (
            "modify_security_group_rules",
            "detail.requestParameters.ModifySecurityGroupRulesRequest.GroupId",
        ),
    ],
)
def test_security_group_named_by_name_is_refused(name: str, path: str) -> None:
    # EC2 also accepts a group *name* (default VPC): there is no id to act on then.
    event = _delete(load_event(name), path)
    event["detail"]["requestParameters"]["groupName"] = "default"
    assert (
        f"no VPC id in {event['detail']['eventName']} event" in _refusal(parse_event(event)).reason
    )


# errorCode


@pytest.mark.parametrize(
    "code",
    ["Client.DryRunOperation", "Client.UnauthorizedOperation", "Server.Internal", "", None, 7],
)
def test_any_error_code_is_ignored(code: Any) -> None:
    event = _set(load_event("create_vpc"), "detail.errorCode", code)
    refusal = _refusal(parse_event(event), ignored=True)
    assert "errorCode" in refusal.reason
    assert refusal.event_name == "CreateVpc"


def test_error_code_is_named_but_clipped() -> None:
    event = _set(load_event("create_vpc"), "detail.errorCode", "Client." + "A" * 10_000)
    refusal = _refusal(parse_event(event), ignored=True)
    assert "'Client.AAA" in refusal.reason


# the tool's own calls


def test_own_call_by_role_arn() -> None:
    event = load_event("own_call_modify_vpc_endpoint")
    refusal = _refusal(parse_event(event, own_role_arns=frozenset({OWN_ROLE})), ignored=True)
    assert OWN_ROLE in refusal.reason


def test_own_call_fixture_is_a_trigger_for_someone_else() -> None:
    event = load_event("own_call_modify_vpc_endpoint")
    other = {"own_role_arns": frozenset({OWN_ROLE + "2"})}
    assert _trigger(parse_event(event, **other)).endpoint_ids == (VPCE_1,)
    assert _trigger(parse_event(event)).endpoint_ids == (VPCE_1,)


def test_a_session_name_never_makes_a_call_the_tools_own() -> None:
    """Any principal can choose a session name: only the tool's role ARN hides a call."""
    event = load_event("modify_vpc_endpoint")
    _set(
        event,
        "detail.userIdentity.arn",
        f"arn:aws:sts::123456789012:assumed-role/carol@example.com/{OWN_SESSION}",
    )
    assert _trigger(parse_event(event, **OWN)).endpoint_ids
    user = load_event("modify_vpc_attribute_dns_support_false")  # an IAMUser
    _set(user, "detail.userIdentity.arn", f"arn:aws:iam::123456789012:user/{OWN_SESSION}")
    assert _trigger(parse_event(user, **OWN)).vpc_ids == (VPC,)


def test_own_call_is_checked_on_every_supported_event() -> None:
    own_identity = load_event("own_call_modify_vpc_endpoint")["detail"]["userIdentity"]
    for name, expected in EXPECTED.items():
        event = load_event(name)
        if isinstance(expected, Refused) or expected.get("sweep"):
            continue
        if event["source"] != "aws.ec2":  # Security Hub's events carry no caller identity
            continue
        event["detail"]["userIdentity"] = copy.deepcopy(own_identity)
        _refusal(parse_event(event, **OWN), ignored=True)


# ids that are not ids


BAD_IDS = [
    pytest.param("vpc-../../etc", id="path-traversal"),
    pytest.param("vpc-ZZZ", id="not-hex"),
    pytest.param("vpc-0A1B2C3D4E5F67890", id="upper-case"),
    pytest.param("vpc-0a1b2c3d4e5f6789", id="16-digits"),
    pytest.param("vpc-0a1b2c3d4e5f678901", id="18-digits"),
    pytest.param("vpc-0a1b2c3", id="7-digits"),
    pytest.param(VPC + "\n", id="trailing-newline"),
    pytest.param(" " + VPC, id="leading-blank"),
    pytest.param("vpc-" + "".join(chr(0xFF10 + d) for d in range(8)), id="fullwidth-digits"),
    pytest.param(SUBNET_A, id="wrong-kind"),
    pytest.param("vpc-" + "a" * 10_240, id="10KB-hex"),
    pytest.param("x" * 10_240, id="10KB-junk"),
    pytest.param("", id="empty"),  # "" is EC2's empty value: no id
    pytest.param(42, id="int"),
    pytest.param(True, id="bool"),
    pytest.param([["vpc-0a1b2c3d"]], id="list-in-list"),
    pytest.param({"tag": 1}, id="wrapper-without-content"),
    pytest.param({"tag": 1, "content": None}, id="wrapper-content-null"),
    pytest.param({"tag": 1, "content": {"content": VPC}}, id="wrapper-in-wrapper"),
    pytest.param({"value": VPC}, id="other-object"),
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_invalid_vpc_ids_are_refused(bad: Any) -> None:
    event = _set(load_event("create_subnet"), "detail.requestParameters.vpcId", bad)
    refusal = _refusal(parse_event(event))
    assert refusal.event_name == "CreateSubnet"
    if bad == "":
        assert "no VPC id in CreateSubnet" in refusal.reason
    else:
        assert "detail.requestParameters.vpcId" in refusal.reason
    assert len(refusal.reason) < 200


@pytest.mark.parametrize("bad", BAD_IDS)
def test_invalid_endpoint_ids_in_a_list_are_refused(bad: Any) -> None:
    value = [{"tag": 1, "content": VPCE_1}, {"tag": 2, "content": bad}]
    event = _set(load_event("delete_vpc_endpoints_multi"), DELETE_IDS, value)
    _refusal(parse_event(event))


@pytest.mark.parametrize(
    ("count", "accepted"), [(MAX_IDS, True), (MAX_IDS + 1, False), (10_000, False)]
)
def test_number_of_ids_is_capped(count: int, accepted: bool) -> None:
    ids = [f"vpce-{n:017x}" for n in range(count)]
    value = [{"tag": n + 1, "content": endpoint} for n, endpoint in enumerate(ids)]
    event = _set(load_event("delete_vpc_endpoints_multi"), DELETE_IDS, value)
    result = parse_event(event)
    if accepted:
        assert _trigger(result).endpoint_ids == tuple(ids)
    else:
        assert "too many ids" in _refusal(result).reason


def test_hostile_event_name_is_clipped() -> None:
    event = _set(load_event("create_vpc"), "detail.eventName", "Create" + "V" * 10_000)
    refusal = _refusal(parse_event(event))
    assert refusal.reason.startswith("unsupported event 'CreateVVV")
    assert len(refusal.event_name) <= 83


@pytest.mark.parametrize("name", [None, 3, ["CreateVpc"], ""])
def test_event_name_must_be_a_string(name: Any) -> None:
    event = _set(load_event("create_vpc"), "detail.eventName", name)
    assert "eventName" in _refusal(parse_event(event)).reason


def test_unsupported_write_call_is_refused_not_ignored() -> None:
    event = _set(load_event("create_subnet"), "detail.eventName", "CreateRouteTable")
    refusal = _refusal(parse_event(event))
    assert refusal.reason.startswith("unsupported event 'CreateRouteTable'")


# non-events, envelopes and details


@pytest.mark.parametrize(
    "event", [None, [], "x", 3, 2.5, True, b"{}", ["detail"], {}, {"source": "aws.ec2"}]
)
def test_non_events_are_refused(event: Any) -> None:
    _refusal(parse_event(event))


@pytest.mark.parametrize("detail", ["x", [], None, 3, ["eventName"]])
def test_detail_not_an_object(detail: Any) -> None:
    event = _set(load_event("create_vpc"), "detail", detail)
    assert "detail is not an object" in _refusal(parse_event(event)).reason


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("source", "aws.s3"),
        ("source", None),
        ("detail-type", "EC2 Instance State-change Notification"),
        ("detail-type", "AWS Console Sign In via CloudTrail"),
    ],
)
def test_other_envelopes_are_refused(key: str, value: Any) -> None:
    event = _set(load_event("create_vpc"), key, value)
    assert "not a CloudTrail EC2 API call" in _refusal(parse_event(event)).reason


@pytest.mark.parametrize(
    "path", ["detail.requestParameters", "detail.requestParameters.CreateVpcEndpointRequest"]
)
def test_a_non_object_on_the_path_is_malformed(path: str) -> None:
    event = _set(load_event("create_vpc_endpoint_ecr_api"), path, "junk")
    assert "malformed detail.requestParameters" in _refusal(parse_event(event)).reason


def test_failed_call_without_response_has_null_response_elements() -> None:
    event = load_event("failed_call_create_vpc")
    del event["detail"]["errorCode"]
    assert "no VPC id in CreateVpc" in _refusal(parse_event(event)).reason


# account, region, event id


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("account", "12345678901"),
        ("account", "1234567890123"),
        ("account", "\u0661" * 12),  # 12 Arabic-Indic digits: \d would accept them
        ("account", 123456789012),
        ("account", "123456789012\n"),
        ("region", "us-east-1\n"),
        ("region", "US-EAST-1"),
        ("region", "us-northeast-1r"),
        ("region", "../../etc"),
        ("region", "us-east-" + "1" * 10_000),
        ("region", 5),
    ],
)
def test_bad_account_or_region_is_refused(key: str, value: Any) -> None:
    for name in ("create_vpc", "scheduled_sweep"):
        event = _set(load_event(name), key, value)
        refusal = _refusal(parse_event(event))
        assert f"invalid {'account id' if key == 'account' else 'region'}" in refusal.reason


@pytest.mark.parametrize("region", ["eu-west-1", "us-gov-west-1", "ap-southeast-2", "cn-north-1"])
def test_regions_are_accepted(region: str) -> None:
    trigger = _trigger(parse_event(load_event("create_vpc", region=region)))
    assert trigger.region == region


def test_account_and_region_fall_back_to_detail() -> None:
    event = load_event("create_vpc")
    del event["account"], event["region"]
    trigger = _trigger(parse_event(event))
    assert (trigger.account_id, trigger.region) == (ACCOUNT, REGION_NAME)


def test_account_comes_from_the_envelope_when_detail_has_none() -> None:
    event = load_event("create_vpc_2018_capture", account="111122223333")
    assert "recipientAccountId" not in event["detail"]
    assert _trigger(parse_event(event)).account_id == "111122223333"


def test_missing_account_everywhere_is_refused() -> None:
    event = load_event("create_vpc_2018_capture")
    del event["account"]
    assert "invalid account id null" in _refusal(parse_event(event)).reason


def test_event_id_falls_back_to_detail_event_id() -> None:
    event = load_event("create_vpc")
    del event["id"]
    assert _trigger(parse_event(event)).event_id == event["detail"]["eventID"]


@pytest.mark.parametrize("bad", ["x" * 100, "a b", 12, None, "id\n"])
def test_implausible_event_ids_are_dropped(bad: Any) -> None:
    event = _set(load_event("create_vpc"), "id", bad)
    _set(event, "detail.eventID", bad)
    assert _trigger(parse_event(event)).event_id == ""


def test_actor_is_empty_when_user_identity_has_no_arn() -> None:
    event = load_event("create_vpc")
    event["detail"]["userIdentity"] = {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    assert _trigger(parse_event(event)).actor_arn == ""


# scheduled sweep


def test_scheduled_event_is_a_sweep() -> None:
    event = load_event("scheduled_sweep", region="eu-west-1")
    assert parse_event(event) == Trigger(
        event_id=event["id"],
        event_name="Scheduled Event",
        account_id=ACCOUNT,
        region="eu-west-1",
        sweep=True,
    )
    assert parse_event(event, **OWN) == parse_event(event)


def test_scheduled_event_with_junk_detail_is_still_a_sweep() -> None:
    event = _set(load_event("scheduled_sweep"), "detail", ["junk"])
    assert _trigger(parse_event(event)).sweep


def test_every_supported_event_name_has_a_fixture() -> None:
    fixtures = {load_event(name).get("detail", {}).get("eventName") for name in event_names()}
    assert set(EXTRACTORS) <= fixtures


# --------------------------------------------------------------------------- fixtures helper


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return [node] if isinstance(node, str) else []


def test_load_event_rewrites_ids_region_and_account_everywhere() -> None:
    new_vpce = "vpce-0fffffffffffffff1"
    event = load_event(
        "create_vpc_endpoint_ecr_api",
        ids={VPC: "vpc-12345678", VPCE_1: new_vpce},
        region="eu-west-1",
        account="111122223333",
    )
    for old in (VPC, VPCE_1, "us-east-1", "123456789012"):
        assert not [text for text in _strings(event) if old in text], old
    vpce = event["detail"]["responseElements"]["CreateVpcEndpointResponse"]["vpcEndpoint"]
    assert vpce["serviceName"] == "com.amazonaws.eu-west-1.ecr.api"
    assert vpce["dnsEntrySet"]["item"][1]["dnsName"].startswith(f"{new_vpce}-abcd1234-eu-west-1c.")
    assert vpce["ownerId"] == 123456789012  # a number, not a string: left alone
    assert _trigger(parse_event(event)) == Trigger(
        event_id=event["id"],
        event_name="CreateVpcEndpoint",
        account_id="111122223333",
        region="eu-west-1",
        actor_arn="arn:aws:iam::111122223333:user/alice@example.com",
        vpc_ids=("vpc-12345678",),
    )


def test_load_event_replaces_in_one_pass_and_returns_fresh_copies() -> None:
    swapped = load_event("delete_vpc_endpoints_multi", ids={VPCE_1: VPCE_2, VPCE_2: VPCE_1})
    assert _trigger(parse_event(swapped)).endpoint_ids == (VPCE_2, VPCE_1)
    first = load_event("create_vpc")
    first["detail"]["eventName"] = "changed"
    assert load_event("create_vpc")["detail"]["eventName"] == "CreateVpc"


# --------------------------------------------------------------------------- property tests


def _check(result: Trigger | Refusal) -> None:
    if isinstance(result, Trigger):
        assert ACCOUNT_ID.fullmatch(result.account_id)
        assert REGION.fullmatch(result.region)
        total = 0
        for field, pattern in ID_PATTERNS.items():
            ids = getattr(result, field)
            assert isinstance(ids, tuple)
            assert all(isinstance(i, str) and pattern.fullmatch(i) for i in ids), ids
            assert len(set(ids)) == len(ids)
            total += len(ids)
        assert result.sweep or 0 < total <= MAX_IDS
        assert isinstance(result.actor_arn, str)
        assert isinstance(result.event_id, str)
        assert len(result.event_id) <= 64
    else:
        assert isinstance(result, Refusal)
        assert isinstance(result.reason, str)
        assert result.reason
        assert "internal error" not in result.reason
        assert len(result.reason) < 600
        assert len(result.event_name) <= 83


#: 400 examples each in the full suite; `make unit` loads the "fast" profile (tests/conftest.py),
#: a quarter of that, for feedback in seconds.
PROPERTY_SETTINGS = settings(
    max_examples=4 * settings().max_examples,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(mutated_events())
def test_mutated_fixtures_never_raise(event: Any) -> None:
    before = copy.deepcopy(event)
    _check(parse_event(event, **OWN))
    assert event == before


@PROPERTY_SETTINGS
@given(json_values)
def test_arbitrary_json_never_raises(event: Any) -> None:
    _check(parse_event(event))


#: The CloudTrail fixtures that parse to a Trigger (Security Hub's have no request/response).
CLOUDTRAIL_TRIGGERS = [
    n
    for n, e in EXPECTED.items()
    if isinstance(e, dict) and not e.get("sweep") and not n.startswith("securityhub_")
]


@PROPERTY_SETTINGS
@given(
    st.sampled_from(CLOUDTRAIL_TRIGGERS),
    st.sampled_from(["detail.requestParameters", "detail.responseElements", "detail"]),
    json_values,
)
def test_junk_under_request_or_response_never_raises(name: str, where: str, junk: Any) -> None:
    event = load_event(name)
    node = event
    for key in where.split("."):
        node = node[key]
    if isinstance(node, dict) and isinstance(junk, dict):
        node.update(junk)
    _check(parse_event(event, **OWN))


@PROPERTY_SETTINGS
@given(
    st.sampled_from([n for n in EXPECTED if n.startswith("securityhub_")]),
    st.sampled_from(["finding", "resource", "compliance", "detail"]),
    json_values,
)
def test_junk_in_security_hub_findings_never_raises(name: str, where: str, junk: Any) -> None:
    event = load_event(name)
    finding = event["detail"]["findings"][0]
    ocsf = "class_uid" in finding  # the new Security Hub's findings: OCSF's lower-case keys
    node = {
        "finding": finding,
        "resource": finding["resources" if ocsf else "Resources"][0],
        "compliance": finding["compliance" if ocsf else "Compliance"],
        "detail": event["detail"],
    }[where]
    if isinstance(junk, dict):
        node.update(junk)
    else:
        node[("uid" if ocsf else "Id") if where != "detail" else "findings"] = junk
    _check(parse_event(event, **OWN))


@pytest.mark.parametrize("source", ["aws.ec2", "aws.eks", "aws.rds"])
def test_a_workload_event_name_from_another_source_is_refused(source: str) -> None:
    event = load_event("ecs_create_service")
    event["source"] = source
    result = parse_event(event)
    assert isinstance(result, Refusal)
    assert not result.ignored
