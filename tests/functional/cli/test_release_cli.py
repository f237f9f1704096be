"""``ecr-endpoint-guard release``: shows, asks, and deletes only the tool's own resources."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from handlers.remediate import lambda_handler
from remediation import cli, release
from remediation.modes import MODE_TAG, RELEASED_TAG
from remediation.release import RELEASE_PERMISSIONS
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.fixtures import load_event
from tests.support.topology import build_vpc, endpoints


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fixed(
    aws: Aws, handler_env: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> tuple[str, str]:
    """A VPC the tool fixed, plus an endpoint a user made there (which must survive)."""
    handler_env.setenv("REMEDIATION_MODE", "auto-fix")
    handler_env.setenv("AUTO_FIX_ACCOUNT_IDS", ACCOUNT)
    vpc = build_vpc(aws.ec2)
    lambda_handler(
        load_event("create_vpc", ids={"vpc-0a1b2c3d4e5f67890": vpc.vpc_id}), lambda_context
    )
    user = aws.ec2.create_vpc_endpoint(
        VpcId=vpc.vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.logs",
        VpcEndpointType="Interface",
        SubnetIds=[vpc.all_private[0]],
    )["VpcEndpoint"]["VpcEndpointId"]
    handler_env.setattr("sys.stdin", io.StringIO(""))
    handler_env.setattr("remediation.release.time.sleep", lambda _: None)
    return vpc.vpc_id, user


def test_release_with_yes_deletes_the_tools_resources_only(
    aws: Aws, fixed: tuple[str, str], api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    vpc_id, user = fixed
    api_calls.clear()
    code = cli.main(
        ["release", "--vpc-id", vpc_id, "--region", REGION, "--yes", "--format", "json"]
    )
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    document = json.loads(out)
    assert len(document["result"]["deleted"]) == 4  # three endpoints and the group
    assert [e["VpcEndpointId"] for e in endpoints(aws.ec2, vpc_id)] == [user]
    deleted = {i for p in api_calls.params("DeleteVpcEndpoints") for i in p["VpcEndpointIds"]}
    assert user not in deleted
    assert len(deleted) == 3


def test_release_asks_and_a_no_deletes_nothing(
    aws: Aws,
    fixed: tuple[str, str],
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vpc_id, _ = fixed
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    api_calls.clear()
    code = cli.main(["release", "--vpc-id", vpc_id, "--region", REGION])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_NON_COMPLIANT
    assert "delete VPC endpoint" in out
    assert "Delete these 4 resource(s)?" in err
    assert not [op for op in api_calls.operations() if op.startswith("Delete")]
    assert len(endpoints(aws.ec2, vpc_id)) == 4


def test_release_without_a_terminal_and_without_yes_is_refused_before_any_call(
    fixed: tuple[str, str], api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    vpc_id, _ = fixed
    api_calls.clear()
    code = cli.main(["release", "--vpc-id", vpc_id, "--region", REGION])
    _, err = capsys.readouterr()
    assert code == cli.EXIT_ERROR
    assert "refusing release without --yes" in err
    assert api_calls.operations() == []


def test_release_of_an_unknown_vpc_is_a_one_line_error(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["release", "--vpc-id", "vpc-0123456789abcdef0", "--region", REGION, "--yes"])
    _, err = capsys.readouterr()
    assert code == cli.EXIT_ERROR
    assert err.count("\n") == 1
    assert "does not exist" in err


def test_release_is_not_undone_by_the_function(
    aws: Aws,
    fixed: tuple[str, str],
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    lambda_context: LambdaContext,
) -> None:
    """release tags the VPC mode=off first, says so, and the DeleteVpcEndpoints event that
    follows (the function's trigger) re-creates nothing."""
    vpc_id, user = fixed
    (released,) = aws.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    code = cli.main(["release", "--vpc-id", vpc_id, "--region", REGION, "--yes"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    assert "ecr-endpoint-guard/mode=off" in out
    (vpc,) = aws.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert {"Key": "ecr-endpoint-guard/mode", "Value": "off"} in vpc["Tags"]
    deleted = [i for p in api_calls.params("DeleteVpcEndpoints") for i in p["VpcEndpointIds"]]
    assert len(deleted) == 3
    event = load_event(
        "delete_vpc_endpoints_multi",
        ids={"vpce-0a1b2c3d4e5f60001": deleted[0], "vpce-0a1b2c3d4e5f60002": deleted[1]},
    )
    api_calls.clear()

    result = lambda_handler(event, lambda_context)

    assert not result["failed"]
    assert [v["status"] for v in result["vpcs"] if v["vpc_id"] == vpc_id] == ["skipped"]
    writes = [op for op in api_calls.writes() if not op.startswith(("Describe", "List", "Get"))]
    assert "CreateVpcEndpoint" not in writes
    assert "CreateSecurityGroup" not in writes
    assert [e["VpcEndpointId"] for e in endpoints(aws.ec2, vpc_id)] == [user]
    assert released["VpcId"] == vpc_id


def test_release_that_cannot_tag_the_vpc_deletes_nothing(
    aws: Aws,
    fixed: tuple[str, str],
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    faults: FaultLayer,
) -> None:
    vpc_id, _ = fixed
    faults.add(Fault("ec2", "CreateTags", 403, "UnauthorizedOperation", "not allowed", None))
    api_calls.clear()
    code = cli.main(["release", "--vpc-id", vpc_id, "--region", REGION, "--yes"])
    _, err = capsys.readouterr()
    assert code != cli.EXIT_OK
    assert "could not tag it ecr-endpoint-guard/mode=off" in err
    assert "nothing was deleted" in err
    assert not [op for op in api_calls.operations() if op.startswith("Delete")]
    assert len(endpoints(aws.ec2, vpc_id)) == 4


def test_release_says_which_tags_it_writes_and_why_and_scan_shows_the_vpc_released(
    aws: Aws,
    fixed: tuple[str, str],
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vpc_id, _ = fixed
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    api_calls.clear()
    code = cli.main(["release", "--vpc-id", vpc_id, "--region", REGION])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    day = dt.datetime.now(dt.UTC).date().isoformat()
    shown = out.splitlines()[1]  # the first line under the heading, before the question
    assert f"tag {vpc_id} {MODE_TAG}=off and {RELEASED_TAG}={day} first" in shown
    assert "so that the function does not re-create what release deletes" in shown
    (written,) = api_calls.params("CreateTags")
    assert written["Tags"] == [
        {"Key": MODE_TAG, "Value": "off"},
        {"Key": RELEASED_TAG, "Value": day},
    ]

    code = cli.main(["scan", "--region", REGION, "--vpc-id", vpc_id])
    out, _ = capsys.readouterr()
    assert code == cli.EXIT_OK
    row = next(line for line in out.splitlines() if line.startswith(vpc_id))
    assert "released" in row.split()
    assert f"released (mode=off set by release on {day})" in out


def test_release_json_names_the_tags_it_writes(
    fixed: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    vpc_id, _ = fixed
    code = cli.main(
        ["release", "--vpc-id", vpc_id, "--region", REGION, "--yes", "--format", "json"]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == cli.EXIT_OK
    assert document["plan"]["tags"][MODE_TAG] == "off"
    assert RELEASED_TAG in document["plan"]["tags"]


def test_the_release_permissions_in_the_docs_are_the_codes(
    fixed: tuple[str, str], api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/cli.md lists exactly RELEASE_PERMISSIONS, and release calls nothing else."""
    vpc_id, _ = fixed
    api_calls.clear()
    assert cli.main(["release", "--vpc-id", vpc_id, "--region", REGION, "--yes"]) == cli.EXIT_OK
    capsys.readouterr()
    used = {f"ec2:{op}" for op in api_calls.operations()}
    assert used == set(RELEASE_PERMISSIONS)
    page = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = page.split("## Releasing a VPC", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(ec2:\w+)`", section))
    assert documented == set(RELEASE_PERMISSIONS)


def _tagged(resource_type: str, tags: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    ]


#: The tag anyone with ec2:CreateTags can write; and every tag the tool writes, forged.
MANAGED_ONLY = {"ecr-endpoint-guard/managed": "true"}
FORGED = {
    **MANAGED_ONLY,
    "ecr-endpoint-guard/version": "1.0.0",
    "ecr-endpoint-guard/reason": "forged",
    "ecr-endpoint-guard/event-id": "manual",
}


def _spoofed(
    aws: Aws, vpc_id: str, subnet: str, tags: dict[str, str], service: str = "kms"
) -> tuple[str, str]:
    """Another team's endpoint (KMS unless said) and group payments-db, tagged as the tool's."""
    group = aws.ec2.create_security_group(
        GroupName="payments-db",
        Description="payments database",
        VpcId=vpc_id,
        TagSpecifications=_tagged("security-group", tags),
    )["GroupId"]
    kms = aws.ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.{service}",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[group],
        TagSpecifications=_tagged("vpc-endpoint", tags),
    )["VpcEndpoint"]["VpcEndpointId"]
    return kms, group


def _groups(aws: Aws, vpc_id: str) -> set[str]:
    found = aws.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    return {g["GroupId"] for g in found["SecurityGroups"]}


@pytest.mark.parametrize(
    ("service", "tags"),
    [("kms", MANAGED_ONLY), ("cassandra", FORGED)],
    ids=["kms-with-the-managed-tag", "unlisted-service-with-every-tool-tag"],
)
def test_release_deletes_nothing_that_is_only_tagged_as_the_tools(
    aws: Aws,
    fixed: tuple[str, str],
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    service: str,
    tags: dict[str, str],
) -> None:
    """Tags are not ownership: anyone with ec2:CreateTags can write them. Another team's
    endpoint and its group payments-db, tagged as the tool's, survive and are reported; the
    tool's own endpoints and group are released as before. With only the managed tag, a KMS
    endpoint lacks the tags the tool writes on all it creates; with every one of them
    forged, a service outside the tool's catalogue and a group not named as the tool's are
    still not the tool's."""
    vpc_id, user = fixed
    subnet = endpoints(aws.ec2, vpc_id)[0]["SubnetIds"][0]
    kms, group = _spoofed(aws, vpc_id, subnet, tags, service)
    api_calls.clear()
    code = cli.main(
        ["release", "--vpc-id", vpc_id, "--region", REGION, "--yes", "--format", "json"]
    )
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert code == cli.EXIT_NON_COMPLIANT, err  # something tagged as the tool's is left
    remaining = {e["VpcEndpointId"] for e in endpoints(aws.ec2, vpc_id)}
    assert remaining == {user, kms}
    assert group in _groups(aws, vpc_id)
    deleted = document["result"]["deleted"]
    assert len(deleted) == 4 and kms not in deleted and group not in deleted
    assert kms not in document["plan"]["endpoint_ids"]
    assert group not in document["plan"]["group_ids"]
    for blocked in (document["plan"]["blocked"], document["result"]["blocked"]):
        (said_kms,) = [b for b in blocked if b.startswith(kms)]
        (said_group,) = [b for b in blocked if b.startswith(group)]
        assert "not deleted" in said_kms and "not deleted" in said_group
        assert "payments-db" in said_group
    calls = {i for p in api_calls.params("DeleteVpcEndpoints") for i in p["VpcEndpointIds"]}
    assert kms not in calls
    assert group not in {p["GroupId"] for p in api_calls.params("DeleteSecurityGroup")}


def test_release_table_warns_about_what_is_only_tagged_as_the_tools(
    aws: Aws, fixed: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    vpc_id, _ = fixed
    subnet = endpoints(aws.ec2, vpc_id)[0]["SubnetIds"][0]
    kms, group = _spoofed(aws, vpc_id, subnet, MANAGED_ONLY)
    code = cli.main(["release", "--vpc-id", vpc_id, "--region", REGION, "--yes"])
    _, err = capsys.readouterr()
    assert code == cli.EXIT_NON_COMPLIANT
    warned = [line for line in err.splitlines() if line.count("left in place")]
    assert any(kms in line and "kms" in line for line in warned), err
    assert any(group in line and "payments-db" in line for line in warned), err


def test_release_rechecks_the_shape_on_its_fresh_read(
    aws: Aws, fixed: tuple[str, str], api_calls: CallLog
) -> None:
    """A plan that names another team's resources (built by hand, or shown before the check)
    still deletes none of them: the fresh read before deleting checks the shape too."""
    vpc_id, _ = fixed
    subnet = endpoints(aws.ec2, vpc_id)[0]["SubnetIds"][0]
    kms, group = _spoofed(aws, vpc_id, subnet, FORGED, "cassandra")
    plan = release.ReleasePlan(vpc_id, endpoint_ids=(kms,), group_ids=(group,))
    api_calls.clear()
    result = release.execute(aws.ec2, plan, sleep=lambda _: None)
    assert result.deleted == ()
    assert kms in {e["VpcEndpointId"] for e in endpoints(aws.ec2, vpc_id)}
    assert group in _groups(aws, vpc_id)
    assert not [op for op in api_calls.operations() if op.startswith("Delete")]
    assert any(f.startswith(kms) for f in result.failed)
    assert any(f.startswith(group) for f in result.failed)
