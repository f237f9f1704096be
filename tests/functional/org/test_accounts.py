"""Member-account sessions (organisation mode) against moto, which keeps one backend per account
and maps assumed-role credentials to the role's account."""

from __future__ import annotations

import boto3
import pytest

from remediation.org.sessions import MemberAccessError, MemberSessions
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog
from tests.support.aws_faults import Fault, FaultLayer

MEMBER = "111122223333"
ROLE = "ecr-endpoint-guard-member"


def _vpc_ids(session: boto3.session.Session) -> set[str]:
    ec2 = session.client("ec2", region_name=REGION)
    return {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}


def test_a_member_session_acts_in_the_member_account(aws: Aws) -> None:
    sessions = MemberSessions(boto3.client("sts", region_name=REGION), ROLE)
    member = sessions.session(MEMBER, event_id="evt-1")
    ec2 = member.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]

    assert boto3.client("sts", region_name=REGION).get_caller_identity()["Account"] == ACCOUNT
    identity = member.client("sts", region_name=REGION).get_caller_identity()
    assert identity["Account"] == MEMBER
    assert f":assumed-role/{ROLE}/" in identity["Arn"]
    assert vpc_id in _vpc_ids(member)
    assert vpc_id not in {v["VpcId"] for v in aws.ec2.describe_vpcs()["Vpcs"]}


def test_credentials_are_reused_until_shortly_before_they_expire(
    aws: Aws, api_calls: CallLog
) -> None:
    now = [0.0]
    sessions = MemberSessions(boto3.client("sts", region_name=REGION), ROLE, clock=lambda: now[0])
    first = sessions.session(MEMBER, event_id="evt-1")
    expires = sessions._cache[MEMBER].expires
    now[0] = expires - 301  # still more than the refresh margin left
    assert sessions.session(MEMBER, event_id="evt-2") is first
    assert api_calls.operations("sts") == ["AssumeRole"]
    now[0] = expires - 299  # inside the margin: renewed
    assert sessions.session(MEMBER, event_id="evt-3") is not first
    assert api_calls.operations("sts") == ["AssumeRole", "AssumeRole"]
    assert sessions.assumed == 2


def test_the_session_names_the_tool_and_the_event(aws: Aws, api_calls: CallLog) -> None:
    sessions = MemberSessions(boto3.client("sts", region_name=REGION), ROLE, partition="aws")
    sessions.session(MEMBER, event_id="6f1f0a7e-0000-4000-8000-000000000001")
    (params,) = api_calls.params("AssumeRole")
    assert params["RoleArn"] == f"arn:aws:iam::{MEMBER}:role/{ROLE}"
    assert params["RoleSessionName"] == "ecr-endpoint-guard-6f1f0a7e-0000-4000-8000-000000000001"


def test_a_role_that_cannot_be_assumed_is_a_refusal_not_retried(
    aws: Aws, faults: FaultLayer
) -> None:
    faults.add(Fault("sts", "AssumeRole", 403, "AccessDenied", "not authorized to perform"))
    sessions = MemberSessions(boto3.client("sts", region_name=REGION), ROLE)
    with pytest.raises(MemberAccessError) as caught:
        sessions.session(MEMBER, event_id="evt-1")
    assert caught.value.account_id == MEMBER
    assert caught.value.code == "AccessDenied"
    assert f"arn:aws:iam::{MEMBER}:role/{ROLE}" in caught.value.reason
    assert "member.yaml" in caught.value.reason
    assert faults.tried("AssumeRole", service="sts") == 1


def test_throttling_is_retried_by_botocore_then_succeeds(aws: Aws, faults: FaultLayer) -> None:
    faults.add(Fault("sts", "AssumeRole", 400, "Throttling", "Rate exceeded", times=2))
    sessions = MemberSessions(boto3.client("sts", region_name=REGION), ROLE)
    assert (
        sessions.session(MEMBER).client("sts", region_name=REGION).get_caller_identity()["Account"]
        == MEMBER
    )
    assert faults.tried("AssumeRole", service="sts") == 3


@pytest.mark.parametrize("account", ["12345", "1234567890123", "abcdefghijkl", ""])
def test_a_malformed_account_id_is_never_sent_to_sts(
    aws: Aws, api_calls: CallLog, account: str
) -> None:
    sessions = MemberSessions(boto3.client("sts", region_name=REGION), ROLE)
    with pytest.raises(ValueError, match="not an account id"):
        sessions.session(account)
    assert api_calls.operations("sts") == []
