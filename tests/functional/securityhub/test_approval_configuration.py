"""An approval in Security Hub ("Fix ECR endpoints", FIX_ON_APPROVAL=true) never lifts a dry-run a
configuration problem forced: with a pair of EXTRA_TAGS that EC2 refuses, the selected VPC would
be repaired with resources missing a required tag. Nothing is written and the result says why;
with a readable configuration the approval repairs as before, even in a dry-run deployment."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.remediate import lambda_handler
from tests.functional.securityhub.test_securityhub_handler import approval_event
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.invariants import violations
from tests.support.topology import build_vpc

BAD_TAGS = "CostCenter=1234,aws:bad=x"  # EC2 refuses the aws: prefix: the pair is dropped


@pytest.mark.parametrize("deployment", ["dry-run", "auto-fix"])
@pytest.mark.parametrize(
    ("variable", "value"),
    [("EXTRA_TAGS", BAD_TAGS), ("SERVICES", "ecr.api,ecr.dck,s3:gateway")],
)
def test_an_approval_does_not_lift_a_dry_run_the_configuration_forced(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
    workflow: list[dict[str, Any]],
    deployment: str,
    variable: str,
    value: str,
) -> None:
    handler_env.setenv("FIX_ON_APPROVAL", "true")
    handler_env.setenv("REMEDIATION_MODE", deployment)
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    handler_env.setenv(variable, value)
    vpc = build_vpc(aws.ec2, dns_hostnames=False)
    api_calls.clear()

    result = lambda_handler(approval_event(vpc.vpc_id), lambda_context)

    assert api_calls.writes("ec2") == []
    assert api_calls.params("CreateVpcEndpoint") == []
    assert (result["mode"], result["vpcs"][0]["mode"]) == ("dry-run", "dry-run")
    assert result["vpcs"][0]["status"] == "non-compliant"
    assert any(p.startswith(variable) for p in result["problems"]), result["problems"]
    (note,) = [n for n in result["notes"] if n.startswith("approval not acted on")]
    assert "a configuration problem holds this deployment in dry-run" in note
    assert variable in note and "nothing was changed" in note
    assert workflow == []  # the findings are not moved to NOTIFIED for a repair that is not made


def test_with_good_extra_tags_an_approval_still_repairs_a_dry_run_deployment_s_vpc(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
    api_calls: CallLog,
    workflow: list[dict[str, Any]],
) -> None:
    handler_env.setenv("FIX_ON_APPROVAL", "true")  # REMEDIATION_MODE stays dry-run
    handler_env.setenv("EXTRA_TAGS", "CostCenter=1234")
    vpc = build_vpc(aws.ec2, dns_hostnames=False)

    result = lambda_handler(approval_event(vpc.vpc_id), lambda_context)

    assert result["problems"] == []
    assert result["vpcs"][0]["status"] == "fixed"
    assert violations(aws.ec2, vpc.vpc_id, REGION) == []
    for params in api_calls.params("CreateVpcEndpoint"):
        (spec,) = params["TagSpecifications"]
        assert {"Key": "CostCenter", "Value": "1234"} in spec["Tags"]
    assert [c["Workflow"]["Status"] for c in workflow] == ["NOTIFIED", "RESOLVED"]
