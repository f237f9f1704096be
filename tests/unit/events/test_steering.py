"""A Security Hub finding never steers a repair into another account (issue 20 item 5): the one
rule (:func:`steering_refusal`) on findings shaped as Security Hub delivers them."""

from __future__ import annotations

from typing import Any

import pytest

from remediation.events.securityhub import parse_securityhub_event
from remediation.events.steering import SECURITY_HUB, producer, steering_refusal
from remediation.events.triggers import STEERING_REFUSED, Refusal, Trigger
from tests.support.fixtures import load_event

MEMBER = "111122223333"
OTHER = "444455556666"
VPC = "vpc-0a1b2c3d4e5f67890"


def own_product(account: str) -> str:
    return f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default"


def event(name: str, *, finding_account: str, vpc_account: str, product: str) -> dict[str, Any]:
    """The fixture with its one finding re-pointed: whose it is, whose VPC, who produced it."""
    loaded = load_event(name)
    (finding,) = loaded["detail"]["findings"]
    finding["AwsAccountId"] = finding_account
    finding["ProductArn"] = product
    finding["Resources"][0]["Id"] = f"arn:aws:ec2:us-east-1:{vpc_account}:vpc/{VPC}"
    if name == "securityhub_custom_action_fix" and product != SECURITY_HUB_PRODUCT:
        finding["GeneratorId"] = "ecr-endpoint-guard/ecr-api-endpoint"
    return loaded


SECURITY_HUB_PRODUCT = "arn:aws:securityhub:us-east-1::product/aws/securityhub"
ACTIONS = ("securityhub_custom_action_fix", "securityhub_findings_imported_ec2_55")


@pytest.mark.parametrize("name", ACTIONS)
def test_a_control_finding_of_the_vpc_s_own_account_is_accepted(name: str) -> None:
    parsed = parse_securityhub_event(
        event(name, finding_account=MEMBER, vpc_account=MEMBER, product=SECURITY_HUB_PRODUCT)
    )
    assert isinstance(parsed, Trigger)
    assert (parsed.account_id, parsed.vpc_ids) == (MEMBER, (VPC,))


@pytest.mark.parametrize("name", ACTIONS)
def test_a_finding_naming_another_account_s_vpc_is_refused(name: str) -> None:
    parsed = parse_securityhub_event(
        event(name, finding_account=MEMBER, vpc_account=OTHER, product=SECURITY_HUB_PRODUCT)
    )
    assert isinstance(parsed, Refusal)
    assert parsed.code == STEERING_REFUSED and not parsed.ignored
    assert f"belongs to account {MEMBER} but names a VPC of account {OTHER}" in parsed.reason


def test_a_member_s_own_import_may_approve_only_its_own_vpcs() -> None:
    name = "securityhub_custom_action_fix"
    mine = event(name, finding_account=MEMBER, vpc_account=MEMBER, product=own_product(MEMBER))
    assert isinstance(parse_securityhub_event(mine), Trigger)
    # The member imports a finding that claims to be another account's, naming its VPC.
    forged = event(name, finding_account=OTHER, vpc_account=OTHER, product=own_product(MEMBER))
    refused = parse_securityhub_event(forged)
    assert isinstance(refused, Refusal) and refused.code == STEERING_REFUSED
    assert "produced neither by AWS Security Hub nor by account" in refused.reason


def test_one_steering_finding_refuses_the_whole_event() -> None:
    loaded = event(
        "securityhub_custom_action_fix",
        finding_account=MEMBER,
        vpc_account=MEMBER,
        product=SECURITY_HUB_PRODUCT,
    )
    (good,) = loaded["detail"]["findings"]
    bad = {**good, "Id": "forged", "AwsAccountId": OTHER}
    loaded["detail"]["findings"] = [good, bad]
    refused = parse_securityhub_event(loaded)
    assert isinstance(refused, Refusal) and "'forged'" in refused.reason


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        (SECURITY_HUB_PRODUCT, SECURITY_HUB),
        ("arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub", SECURITY_HUB),
        (own_product(MEMBER), MEMBER),
        (f"arn:aws:securityhub:us-east-1:{MEMBER}:product/{OTHER}/default", ""),
        ("arn:aws:securityhub:us-east-1::product/aws/guardduty", ""),
        ("arn:aws:securityhub:us-east-1:111122223333:product/aws/securityhub", ""),
        (None, ""),
        ("not an arn", ""),
    ],
)
def test_the_producer_of_a_finding(product: object, expected: str) -> None:
    assert producer(product) == expected


@pytest.mark.parametrize("account", [None, "", "12345", 111122223333, "x" * 12])
def test_a_finding_without_a_valid_account_steers_nothing(account: object) -> None:
    assert steering_refusal(MEMBER, account, SECURITY_HUB)
