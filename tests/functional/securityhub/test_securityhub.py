"""Security Hub findings (ASFF): built from the engine's results, imported into moto's Security
Hub (which replaces findings by ``Id``), batched and paced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest

from remediation.report.asff import CHECK_KEYS, archived_findings, build_findings, finding_id
from remediation.report.results import VpcStatus
from remediation.report.securityhub import FindingsImporter
from tests.support.aws import ACCOUNT, REGION, Aws
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.securityhub import NOW, evaluate
from tests.support.topology import build_vpc

REQUIRED = {
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
}


def by_check(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["Id"].rsplit("/", 1)[1]: f for f in findings}


def stored(vpc_id: str) -> dict[str, dict[str, Any]]:
    hub = boto3.client("securityhub", region_name=REGION)
    found = [f for f in hub.get_findings()["Findings"] if f"/{vpc_id}/" in f["Id"]]
    return by_check(found)


def test_a_non_compliant_vpc_has_failed_findings_with_the_default_product(aws: Aws) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=False, tags={"Name": "app"})
    result = evaluate(aws, vpc.vpc_id)
    findings = build_findings(result, partition="aws", now=NOW)

    assert sorted(by_check(findings)) == sorted(CHECK_KEYS)
    for finding in findings:
        assert set(finding) >= REQUIRED
        assert finding["ProductArn"] == (
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
        )
        assert finding["AwsAccountId"] == ACCOUNT
        (resource,) = finding["Resources"]
        assert resource == {
            "Type": "AwsEc2Vpc",
            "Id": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc.vpc_id}",
            "Partition": "aws",
            "Region": REGION,
        }
        assert finding["GeneratorId"].startswith("ecr-endpoint-guard/")
        assert len(finding["Title"]) <= 256 and len(finding["Description"]) <= 1024
        assert finding["Remediation"]["Recommendation"]["Url"].startswith("https://")
    checks = by_check(findings)
    assert checks["ecr-api-endpoint"]["Compliance"] == {
        "Status": "FAILED",
        "RelatedRequirements": ["EC2.55"],
    }
    assert checks["ecr-dkr-endpoint"]["Compliance"]["RelatedRequirements"] == ["EC2.56"]
    assert checks["dns-attributes"]["Compliance"]["Status"] == "FAILED"
    assert checks["s3-gateway"]["Compliance"]["Status"] == "FAILED"
    assert checks["endpoint-policies"]["Compliance"]["Status"] == "PASSED"
    assert "scan --fix" in checks["ecr-api-endpoint"]["Remediation"]["Recommendation"]["Text"]
    assert checks["ecr-api-endpoint"]["ProductFields"]["ecr-endpoint-guard/monthly-cost-usd"]

    outcome = FindingsImporter(boto3.client("securityhub", region_name=REGION)).import_findings(
        findings
    )
    assert (outcome.imported, outcome.failed, outcome.not_enabled) == (6, (), False)
    assert stored(vpc.vpc_id)["ecr-api-endpoint"]["Compliance"]["Status"] == "FAILED"


def test_after_auto_fix_the_findings_pass_and_replace_the_failed_ones(aws: Aws) -> None:
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    hub = FindingsImporter(boto3.client("securityhub", region_name=REGION))
    hub.import_findings(build_findings(evaluate(aws, vpc.vpc_id), partition="aws", now=NOW))

    fixed = evaluate(aws, vpc.vpc_id, fix=True)
    assert fixed.status is VpcStatus.FIXED
    later = NOW + dt.timedelta(minutes=5)
    hub.import_findings(build_findings(fixed, partition="aws", now=later))

    after = stored(vpc.vpc_id)
    assert len(after) == 6  # replaced by Id, not added
    assert {f["Compliance"]["Status"] for f in after.values()} == {"PASSED"}
    assert {f["UpdatedAt"] for f in after.values()} == {"2026-11-30T12:05:00.000Z"}
    assert "applied" in after["ecr-api-endpoint"]["ProductFields"]["ecr-endpoint-guard/actions"]


def test_a_vpc_that_no_longer_exists_is_archived(aws: Aws) -> None:
    findings = archived_findings(
        "vpc-0123456789abcdef0", account=ACCOUNT, region=REGION, partition="aws", now=NOW
    )
    assert {f["RecordState"] for f in findings} == {"ARCHIVED"}
    assert {f["Id"] for f in findings} == {
        finding_id(REGION, ACCOUNT, "vpc-0123456789abcdef0", key) for key in CHECK_KEYS
    }


def test_imports_are_paced_under_ten_requests_a_second(aws: Aws) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    importer = FindingsImporter(
        boto3.client("securityhub", region_name=REGION), sleep=sleep, clock=lambda: now[0]
    )
    vpc = build_vpc(aws.ec2)
    findings = build_findings(evaluate(aws, vpc.vpc_id), partition="aws", now=NOW)
    many = [dict(f, Id=f"{f['Id']}-{n}") for n in range(50) for f in findings]  # 300: 3 calls
    assert importer.import_findings(many).imported == 300
    assert slept == [pytest.approx(0.1), pytest.approx(0.1)]


def test_security_hub_not_enabled_is_reported_not_raised(aws: Aws, faults: FaultLayer) -> None:
    faults.add(
        Fault(
            "securityhub",
            "BatchImportFindings",
            401,
            "InvalidAccessException",
            "Account is not subscribed to AWS Security Hub",
        )
    )
    vpc = build_vpc(aws.ec2)
    findings = build_findings(evaluate(aws, vpc.vpc_id), partition="aws", now=NOW)
    importer = FindingsImporter(boto3.client("securityhub", region_name=REGION))
    result = importer.import_findings(findings)
    assert result.not_enabled, result
    assert result.imported == 0
