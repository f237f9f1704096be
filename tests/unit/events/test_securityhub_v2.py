"""The new Security Hub's "Findings Imported V2" events (OCSF) as triggers: what is accepted,
and every refusal with its reason (remediation.events.securityhub_v2)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from remediation.events.securityhub import parse_securityhub_event
from remediation.events.securityhub_v2 import IMPORTED_V2
from remediation.events.triggers import STEERING_REFUSED, Refusal, Trigger

FIXTURE = (
    Path(__file__).resolve().parents[3] / "events" / "securityhub_findings_imported_v2_ec2_55.json"
)
VPC = "vpc-0a1b2c3d4e5f67890"
ACCOUNT = "123456789012"
OTHER = "444455556666"


def event(**change: Any) -> dict[str, Any]:
    """The fixture with ``a__b=value`` set in its finding (``None`` deletes the key)."""
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    finding = data["detail"]["findings"][0]
    for path, value in change.items():
        node = finding
        *parents, last = path.split("__")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return data


def refusal(data: Any) -> Refusal:
    parsed = parse_securityhub_event(data)
    assert isinstance(parsed, Refusal), parsed
    assert parsed.reason  # every refusal says why
    return parsed


def test_the_fixture_is_a_trigger_for_its_vpc_in_the_finding_s_account() -> None:
    parsed = parse_securityhub_event(event())
    assert isinstance(parsed, Trigger)
    assert (parsed.event_name, parsed.account_id, parsed.region) == (
        IMPORTED_V2,
        ACCOUNT,
        "us-east-1",
    )
    assert parsed.vpc_ids == (VPC,)
    assert not parsed.approval  # a finding is not a person's approval


@pytest.mark.parametrize("status", ["Fail", "FAIL", "fail", " Fail "])
def test_status_is_read_in_any_case(status: str) -> None:
    assert isinstance(parse_securityhub_event(event(compliance__status=status)), Trigger)


@pytest.mark.parametrize(
    ("uid", "uid_alt"),
    [
        (VPC, None),  # the id alone: the account is the resource owner's, else the finding's
        ("not-an-id", f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{VPC}"),  # the ARN alone
    ],
)
def test_the_vpc_comes_from_uid_or_uid_alt(uid: str, uid_alt: str | None) -> None:
    parsed = parse_securityhub_event(event(resources__0__uid=uid, resources__0__uid_alt=uid_alt))
    assert isinstance(parsed, Trigger)
    assert parsed.vpc_ids == (VPC,)


@pytest.mark.parametrize(
    ("change", "reason", "ignored"),
    [
        ({"compliance__status": "Pass"}, "no failed, open EC2.55/EC2.56", True),
        ({"compliance__control": "EC2.1"}, "no failed, open EC2.55/EC2.56", True),
        ({"class_uid": 2004}, "no failed, open EC2.55/EC2.56", True),
        ({"status_id": 4}, "no failed, open EC2.55/EC2.56", True),  # resolved
        ({"status_id": 3}, "no failed, open EC2.55/EC2.56", True),  # suppressed by a person
        # Malformed (found by the fuzz): not an integer, not a string: data, never a crash.
        ({"status_id": [1]}, "no failed, open EC2.55/EC2.56", True),
        ({"status_id": "1"}, "no failed, open EC2.55/EC2.56", True),
        ({"compliance__control": ["EC2.55"]}, "no failed, open EC2.55/EC2.56", True),
        ({"activity_id": 3}, "no failed, open EC2.55/EC2.56", True),  # closed
        (
            {"metadata__product__uid": "arn:aws:securityhub:us-east-1::productv2/acme/scanner"},
            "is not Security Hub",
            False,
        ),
        ({"metadata__product__uid": None}, "is not Security Hub", False),
        ({"cloud__account__uid": "12"}, "names no valid account", False),
        # The VPC's account (its ARN) is not the finding's: never act where a finding merely
        # names a resource.
        (
            {"resources__0__uid_alt": f"arn:aws:ec2:us-east-1:{OTHER}:vpc/{VPC}"},
            f"names a VPC of account {OTHER}: a finding never steers a repair into another account",
            False,
        ),
        (
            {"resources__0__uid_alt": None, "resources__0__owner__account__uid": OTHER},
            f"names a VPC of account {OTHER}: a finding never steers a repair into another account",
            False,
        ),
        ({"resources__0__type": "AWS::EC2::Subnet"}, "no VPC among", False),
        (
            {"resources__0__uid": "vpc-../../x", "resources__0__uid_alt": None},
            "no VPC among",
            False,
        ),
    ],
)
def test_refusals_say_why(change: dict[str, Any], reason: str, ignored: bool) -> None:
    refused = refusal(event(**change))
    assert reason in refused.reason
    assert refused.ignored is ignored
    assert refused.event_name == IMPORTED_V2


def test_a_foreign_product_among_several_findings_refuses_the_event() -> None:
    data = event()
    other = copy.deepcopy(data["detail"]["findings"][0])
    other["metadata"]["product"]["uid"] = "arn:aws:securityhub:us-east-1::productv2/acme/x"
    data["detail"]["findings"].append(other)
    assert "is not Security Hub" in refusal(data).reason


@pytest.mark.parametrize("findings", [[], None, "x", [1, "a", None]])
def test_no_finding(findings: Any) -> None:
    data = event()
    data["detail"]["findings"] = findings
    refusal(data)


def test_a_v2_finding_naming_another_accounts_vpc_is_refused_by_the_one_rule() -> None:
    """The same rule as every finding (steering_refusal), counted as a steering refusal."""
    data = event()
    finding = data["detail"]["findings"][0]
    arn = f"arn:aws:ec2:us-east-1:{OTHER}:vpc/vpc-0a1b2c3d4e5f60718"
    finding["resources"][0]["uid_alt"] = arn
    result = parse_securityhub_event(data)
    assert isinstance(result, Refusal), result
    assert result.code == STEERING_REFUSED
    assert "never steers a repair into another account" in result.reason


def test_a_standard_specific_control_finding_is_a_trigger_by_its_control_id() -> None:
    """Accounts that enabled Security Hub before February 2023 outside an organisation get
    findings per standard: the generator names the standard, the control id is the same."""
    v1 = json.loads((FIXTURE.parent / "securityhub_findings_imported_ec2_55.json").read_text())
    finding = v1["detail"]["findings"][0]
    finding["GeneratorId"] = "aws-foundational-security-best-practices/v/1.0.0/EC2.55"
    parsed = parse_securityhub_event(v1)
    assert isinstance(parsed, Trigger)
    assert parsed.vpc_ids == (VPC,)
    finding["Compliance"]["SecurityControlId"] = "EC2.1"
    assert isinstance(parse_securityhub_event(v1), Refusal)
