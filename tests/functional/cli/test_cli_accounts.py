"""The scan CLI across accounts (``--account``/``--organization`` through ``--role-name``),
in-process against moto, which keeps one backend per account and maps assumed-role
credentials to the role's account: two member accounts plus the caller's, one member whose
role cannot be assumed, ``--fix`` through the member roles, the table and the JSON."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from remediation import cli
from remediation.cli import passes
from remediation.demo.emulator import running_emulator
from remediation.modes import MODE_TAG
from remediation.org.sessions import member_role_arn
from tests.support.aws import ACCOUNT, REGION, Aws, CallLog, client_in
from tests.support.aws_faults import Fault, FaultLayer
from tests.support.cli import (
    MEMBER_A,
    MEMBER_B,
    ROLE,
    Tty,
    accounts_argv,
    cli_env,
    delete_default_vpc,
    one_error_line,
    run_cli,
)
from tests.support.invariants import violations
from tests.support.topology import BuiltVpc, build_vpc, endpoints

__all__ = ["cli_env"]  # the fixture, imported for these tests

REFUSED = "777788889999"


@dataclass
class Member:
    account_id: str
    ec2: Any
    vpc: BuiltVpc


def member_ec2(account_id: str) -> Any:
    """An EC2 client acting in ``account_id`` (moto: the assumed role's account). Set-up only."""
    return client_in(account_id, "ec2", ROLE)


def member(account_id: str, cidr: str) -> Member:
    ec2 = member_ec2(account_id)
    delete_default_vpc(ec2)
    return Member(account_id, ec2, build_vpc(ec2, cidr=cidr, azs=2, tags={"Name": account_id}))


@pytest.fixture
def org(aws: Aws, cli_env: pytest.MonkeyPatch, faults: FaultLayer) -> dict[str, Member]:
    """The caller's account and two members, each with one non-compliant VPC.

    ``faults`` serialises moto's processing (accounts are scanned in parallel threads).
    """
    delete_default_vpc(aws.ec2)
    found = {
        ACCOUNT: Member(ACCOUNT, aws.ec2, build_vpc(aws.ec2, cidr="10.0.0.0/16", azs=2)),
        MEMBER_A: member(MEMBER_A, "10.1.0.0/16"),
        MEMBER_B: member(MEMBER_B, "10.2.0.0/16"),
    }
    faults.clear()
    return found


def refuse_role_of(faults: FaultLayer, account_id: str) -> Fault:
    """AssumeRole refused for one account's member role only (no member stack there)."""
    arn = member_role_arn(account_id, ROLE)
    fault = Fault(
        "sts",
        "AssumeRole",
        403,
        "AccessDenied",
        f"User is not authorized to perform: sts:AssumeRole on resource: {arn}",
        times=None,
        when=lambda params: params.get("RoleArn") == [arn],
    )
    faults.add(fault)
    return fault


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    import json

    code, out, err = run_cli(capsys, *argv, "--format", "json")
    document: dict[str, Any] = json.loads(out)
    assert document["exit_code"] == code
    return code, document, err


def table_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["ACCOUNT"])
    rows: list[list[str]] = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def assumed_roles(api_calls: CallLog) -> list[str]:
    return [str(p["RoleArn"]) for p in api_calls.params("AssumeRole")]


def tool_endpoints(ec2: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
        if any(t["Key"] == "ecr-endpoint-guard/managed" for t in e.get("Tags", []))
    ]


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["scan", "--account", MEMBER_A], "--account and --organization need --role-name"),
        (["scan", "--organization"], "--account and --organization need --role-name"),
        (["scan", "--role-name", ROLE], "--role-name goes with --account or --organization"),
        (["scan", "--max-parallel", "2"], "--max-parallel goes with --account or --organization"),
        (
            [*accounts_argv(MEMBER_A), "--organization"],
            "argument --organization: not allowed with argument --account",
        ),
        (["scan", "--account", "1234", "--role-name", ROLE], "'1234' is not an AWS account id"),
        # A path is allowed (path/to/name: issue 22); an ARN or a blank is not a name.
        (
            ["scan", "--account", MEMBER_A, "--role-name", "arn:aws:iam::1:role/x"],
            "'arn:aws:iam::1:role/x' is not an IAM role name",
        ),
        (["scan", "--account", MEMBER_A, "--role-name", "a b"], "'a b' is not an IAM role name"),
        ([*accounts_argv(MEMBER_A), "--max-parallel", "0"], "'0' is not a whole number from 1"),
        ([*accounts_argv(MEMBER_A), "--max-parallel", "x"], "'x' is not a whole number from 1"),
        (
            [*accounts_argv(MEMBER_A, MEMBER_B), "--vpc-id", "vpc-12345678"],
            "--vpc-id needs a single account",
        ),
        (
            ["scan", "--organization", "--role-name", ROLE, "--vpc-id", "vpc-12345678"],
            "--vpc-id needs a single account",
        ),
    ],
)
def test_usage_errors_across_accounts_exit_2_before_any_call(
    cli_env: pytest.MonkeyPatch,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == cli.EXIT_ERROR
    assert out == ""
    assert expected in one_error_line(err)
    assert api_calls.operations() == []


# --------------------------------------------------------------------------- the scan


def test_one_table_with_an_account_column_and_the_caller_not_assumed(
    org: dict[str, Member], api_calls: CallLog, capsys: pytest.CaptureFixture[str]
) -> None:
    api_calls.clear()
    code, out, err = run_cli(capsys, *accounts_argv(MEMBER_A, ACCOUNT, MEMBER_B))
    assert code == cli.EXIT_NON_COMPLIANT
    assert err == ""  # no progress without a terminal, no error
    assert "3 account(s) (you: 123456789012), us-east-1: read-only scan" in out
    rows = table_rows(out)
    assert rows[0][:3] == ["ACCOUNT", "VPC", "NAME"]
    by_vpc = {row[1]: row for row in rows[1:]}
    assert {vpc: row[0] for vpc, row in by_vpc.items()} == {
        m.vpc.vpc_id: account for account, m in org.items()
    }
    assert all(row[4] == "non-compliant" for row in by_vpc.values())
    assert [row[0] for row in rows[1:]] == [MEMBER_A, ACCOUNT, MEMBER_B]  # in the order asked
    assert "Accounts: 3 scanned, 0 not" in out
    assert f"{MEMBER_A} {org[MEMBER_A].vpc.vpc_id} ({MEMBER_A}): non-compliant" in out
    # The members through their role, the caller with its own credentials; nothing written.
    assert sorted(assumed_roles(api_calls)) == [
        member_role_arn(MEMBER_A, ROLE),
        member_role_arn(MEMBER_B, ROLE),
    ]
    session_names = {p["RoleSessionName"] for p in api_calls.params("AssumeRole")}
    assert len(session_names) == 1 and session_names.pop().startswith("ecr-endpoint-guard-cli-")
    assert api_calls.writes("ec2") == []


def test_json_names_the_account_of_every_vpc(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str]
) -> None:
    code, document, _ = scan_json(capsys, *accounts_argv(MEMBER_A, MEMBER_B, ACCOUNT))
    assert code == cli.EXIT_NON_COMPLIANT
    assert document["schema_version"] == 1
    assert document["account_id"] == ACCOUNT  # the caller
    assert document["accounts"] == [
        {
            "account_id": MEMBER_A,
            "role_arn": f"arn:aws:iam::{MEMBER_A}:role/{ROLE}",
            "regions": [REGION],
            "error": "",
        },
        {
            "account_id": MEMBER_B,
            "role_arn": f"arn:aws:iam::{MEMBER_B}:role/{ROLE}",
            "regions": [REGION],
            "error": "",
        },
        {"account_id": ACCOUNT, "role_arn": None, "regions": [REGION], "error": ""},
    ]
    summaries = document["regions"]
    assert [s["event"]["account_id"] for s in summaries] == [MEMBER_A, MEMBER_B, ACCOUNT]
    vpc_accounts = {v["vpc_id"]: v["account_id"] for s in summaries for v in s["vpcs"]}
    assert vpc_accounts == {m.vpc.vpc_id: account for account, m in org.items()}
    assert document["totals"]["vpcs"] == 3
    assert document["totals"]["by_status"]["non-compliant"] == 3
    assert document["errors"] == []


def test_a_members_hub_in_an_account_not_scanned_is_read_through_that_accounts_role(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str], api_calls: CallLog
) -> None:
    """Issue 21 item 3: the spoke's hub zones live in a network account (``MEMBER_B``), which is
    not scanned; their records are read there, read-only, through its member role."""
    from tests.support.hub import build_hub, serve

    network_route53 = client_in(MEMBER_B, "route53", ROLE)
    spoke = org[MEMBER_A]
    hub = build_hub(org[MEMBER_B].ec2)
    # The network account's transit gateway, shared through RAM, is a route target in the
    # spoke; moto keeps a gateway to its own account, so the spoke's own stands in.
    hub.tgw = spoke.ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    for name in ("ecr.api", "ecr.dkr"):
        serve(network_route53, spoke.ec2, hub, spoke.vpc, name)
    api_calls.clear()

    _, document, _ = scan_json(capsys, *accounts_argv(MEMBER_A))

    (vpc,) = [v for s in document["regions"] for v in s["vpcs"] if v["vpc_id"] == spoke.vpc.vpc_id]
    served = [f for f in vpc["findings"] if f["code"] == "endpoint-centralised"]
    assert {f["service"] for f in served} == {"ecr.api", "ecr.dkr"}, vpc["findings"]
    assert all("records checked" in f["message"] for f in served)
    assert member_role_arn(MEMBER_B, ROLE) in assumed_roles(api_calls)
    assert [a["account_id"] for a in document["accounts"]] == [MEMBER_A]  # B only read
    assert api_calls.writes("route53") == []


def test_an_account_whose_role_cannot_be_assumed_is_reported_and_not_fatal(
    org: dict[str, Member], faults: FaultLayer, capsys: pytest.CaptureFixture[str]
) -> None:
    refuse_role_of(faults, REFUSED)
    code, document, err = scan_json(capsys, *accounts_argv(MEMBER_A, REFUSED, MEMBER_B))
    assert code == cli.EXIT_ERROR
    refused = document["accounts"][1]
    assert refused["account_id"] == REFUSED and refused["regions"] == []
    assert f"cannot assume arn:aws:iam::{REFUSED}:role/{ROLE} (AccessDenied" in refused["error"]
    assert "member.yaml" in refused["error"]
    (error,) = document["errors"]
    assert error.startswith(f"{REFUSED}: cannot assume")
    assert "a scan needs" not in error  # not an EC2 permission
    assert f"ecr-endpoint-guard: error: {REFUSED}: cannot assume" in one_error_line(err)
    scanned = {v["vpc_id"] for s in document["regions"] for v in s["vpcs"]}
    assert scanned == {org[MEMBER_A].vpc.vpc_id, org[MEMBER_B].vpc.vpc_id}
    assert faults.tried("AssumeRole", service="sts") == 3  # the refusal was not retried

    code, out, err = run_cli(capsys, *accounts_argv(MEMBER_A, REFUSED))
    assert code == cli.EXIT_ERROR
    rows = table_rows(out)
    # ACCOUNT VPC NAME MODE STATUS, then FINDINGS ACTIONS TRAFFIC NET COST: nothing
    assert [REFUSED, "-", "-", "-", "error", "-", "-", "-", "-", "-"] in rows
    assert "Accounts: 1 scanned, 1 not" in out
    assert f"account {REFUSED}: not scanned: cannot assume" in out
    assert f"{REFUSED}: cannot assume" in one_error_line(err)


def test_a_member_whose_vpcs_cannot_be_read_is_an_error_of_that_account_only(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DescribeVpcs denied in one member (its role lacks the permission): the region's error
    names the account, the other member is reported, and --fix changes only that one."""
    scanning = threading.local()
    scan_region, list_vpc_ids = passes.scan_region, passes.list_vpc_ids

    def remember_account(ctx: passes.Context, *args: Any, **kwargs: Any) -> Any:
        scanning.account = ctx.account_id  # accounts run in threads of their own
        return scan_region(ctx, *args, **kwargs)

    def denied_in_b(ec2: Any, *more: Any) -> list[str]:
        if scanning.account == MEMBER_B:
            raise ClientError(
                {"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "DescribeVpcs"
            )
        return list_vpc_ids(ec2, *more)

    monkeypatch.setattr(passes, "scan_region", remember_account)
    monkeypatch.setattr(passes, "list_vpc_ids", denied_in_b)
    code, document, _ = scan_json(capsys, *accounts_argv(MEMBER_A, MEMBER_B), "--fix", "--yes")
    assert code == cli.EXIT_ERROR
    (error,) = document["errors"]
    assert error.startswith(f"{MEMBER_B}: {REGION}: could not list the VPCs: access denied")
    statuses = {v["vpc_id"]: v["status"] for s in document["regions"] for v in s["vpcs"]}
    assert statuses == {org[MEMBER_A].vpc.vpc_id: "fixed"}
    assert tool_endpoints(org[MEMBER_B].ec2) == []


def test_organization_scans_every_active_account(
    aws: Aws, cli_env: pytest.MonkeyPatch, faults: FaultLayer, capsys: pytest.CaptureFixture[str]
) -> None:
    organizations = boto3.client("organizations", region_name=REGION)
    organizations.create_organization(FeatureSet="ALL")
    made = [
        organizations.create_account(AccountName=f"member-{n}", Email=f"m{n}@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        for n in range(2)
    ]
    delete_default_vpc(aws.ec2)
    vpcs = {a: member(a, f"10.{n + 1}.0.0/16").vpc.vpc_id for n, a in enumerate(made)}
    code, document, err = scan_json(capsys, "scan", "--organization", "--role-name", ROLE)
    assert err == ""
    listed = [a["account_id"] for a in document["accounts"]]
    assert listed == sorted([ACCOUNT, *made])  # the management account is in the list
    assert {a["account_id"]: a["role_arn"] for a in document["accounts"]}[ACCOUNT] is None
    found = {v["vpc_id"]: v["account_id"] for s in document["regions"] for v in s["vpcs"]}
    assert found == {vpc: account for account, vpc in vpcs.items()}
    assert code == cli.EXIT_NON_COMPLIANT


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            Fault(
                "organizations",
                "ListAccounts",
                400,
                "AccessDeniedException",
                "You don't have permissions to access this resource.",
            ),
            "--organization: Organizations refused to list the accounts (AccessDeniedException",
        ),
        (
            # What Organizations answers outside an organisation (API reference); moto answers
            # an empty list instead, hence the injected answer.
            Fault(
                "organizations",
                "ListAccounts",
                400,
                "AWSOrganizationsNotInUseException",
                "Your account is not a member of an organization.",
            ),
            "refused to list the accounts (AWSOrganizationsNotInUseException",
        ),
        (None, "--organization: the organisation has no active account"),
    ],
)
def test_organization_refused_is_one_clear_line(
    aws: Aws,
    cli_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    fault: Fault | None,
    expected: str,
) -> None:
    if fault is not None:
        faults.add(fault)
    api_calls.clear()
    code, out, err = run_cli(capsys, "scan", "--organization", "--role-name", ROLE)
    assert code == cli.EXIT_ERROR and out == ""
    line = one_error_line(err)
    assert expected in line
    if fault is not None:
        assert "management account or a delegated administrator" in line
    assert api_calls.operations("sts") == ["GetCallerIdentity"]  # nothing assumed
    assert api_calls.operations("ec2") == []


# --------------------------------------------------------------------------- --fix


def test_fix_with_yes_fixes_member_vpcs_through_their_role_and_nothing_in_the_caller(
    org: dict[str, Member],
    faults: FaultLayer,
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refuse_role_of(faults, REFUSED)
    caller_vpcs = org[ACCOUNT].ec2.describe_vpcs()["Vpcs"]
    caller_groups = org[ACCOUNT].ec2.describe_security_groups()["SecurityGroups"]
    api_calls.clear()

    code, document, err = scan_json(
        capsys, *accounts_argv(MEMBER_A, REFUSED, MEMBER_B), "--fix", "--yes"
    )

    for account in (MEMBER_A, MEMBER_B):
        m = org[account]
        assert violations(m.ec2, m.vpc.vpc_id, REGION) == [], account
        made = tool_endpoints(m.ec2)
        assert {e["VpcId"] for e in made} == {m.vpc.vpc_id}
        event_ids = {
            t["Value"] for e in made for t in e["Tags"] if t["Key"] == "ecr-endpoint-guard/event-id"
        }
        assert event_ids == {document["plan"][0]["event"]["event_id"]}
    # Nothing created in the caller's account: it was not in the list.
    assert tool_endpoints(org[ACCOUNT].ec2) == []
    assert endpoints(org[ACCOUNT].ec2, org[ACCOUNT].vpc.vpc_id) == []
    assert org[ACCOUNT].ec2.describe_vpcs()["Vpcs"] == caller_vpcs
    assert org[ACCOUNT].ec2.describe_security_groups()["SecurityGroups"] == caller_groups
    # The refused account is reported; the others were fixed all the same.
    assert code == cli.EXIT_ERROR
    assert document["fix"] == {"requested": True, "applied": True}
    statuses = {v["vpc_id"]: v["status"] for s in document["regions"] for v in s["vpcs"]}
    assert statuses == {org[MEMBER_A].vpc.vpc_id: "fixed", org[MEMBER_B].vpc.vpc_id: "fixed"}
    assert [a["error"] != "" for a in document["accounts"]] == [False, True, False]
    assert f"{REFUSED}: cannot assume" in one_error_line(err)
    # One AssumeRole per member for both passes (credentials reused), none for the caller;
    # the refused account is not tried again for the auto-fix pass.
    assert sorted(assumed_roles(api_calls)) == sorted(
        member_role_arn(a, ROLE) for a in (MEMBER_A, MEMBER_B, REFUSED)
    )


def test_fix_asks_once_listing_the_accounts_and_their_vpcs(
    org: dict[str, Member],
    api_calls: CallLog,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    api_calls.clear()
    code, out, err = run_cli(capsys, *accounts_argv(MEMBER_A, ACCOUNT), "--fix")
    assert err.count("Apply? [y/N]") == 1
    assert "--fix will make 10 change(s) to 2 VPC(s) in 2 account(s)" in err
    assert (
        f"{MEMBER_A} (arn:aws:iam::{MEMBER_A}:role/{ROLE}): us-east-1 {org[MEMBER_A].vpc.vpc_id}"
        in err
    )
    assert f"{ACCOUNT} (your own credentials): us-east-1 {org[ACCOUNT].vpc.vpc_id}" in err
    assert "not confirmed; nothing was changed" in err
    assert "plan (read-only pass)" in out
    plan_rows = {row[1]: row for row in table_rows(out)[1:]}
    assert plan_rows[org[MEMBER_A].vpc.vpc_id][:5] == [
        MEMBER_A,
        org[MEMBER_A].vpc.vpc_id,
        MEMBER_A,  # its Name tag
        "auto-fix",
        "non-compliant",
    ]
    assert api_calls.writes("ec2") == []
    assert code == cli.EXIT_NON_COMPLIANT

    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    code, out, _ = run_cli(capsys, *accounts_argv(MEMBER_A, ACCOUNT), "--fix")
    assert code == cli.EXIT_OK
    after = {row[1]: row for row in table_rows(out.partition("after --fix")[2])[1:]}
    assert after[org[MEMBER_A].vpc.vpc_id][0] == MEMBER_A
    assert after[org[MEMBER_A].vpc.vpc_id][4] == "fixed"
    assert after[org[ACCOUNT].vpc.vpc_id][4] == "fixed"
    assert violations(org[ACCOUNT].ec2, org[ACCOUNT].vpc.vpc_id, REGION) == []


def test_the_allow_list_binds_per_account_under_fix(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """AUTO_FIX_ACCOUNT_IDS lists one member: the other is only reported, never changed."""
    monkeypatch.setenv("AUTO_FIX_ACCOUNT_IDS", MEMBER_A)
    code, document, err = scan_json(capsys, *accounts_argv(MEMBER_A, MEMBER_B), "--fix", "--yes")
    assert f"account {MEMBER_B} is not in AUTO_FIX_ACCOUNT_IDS; running dry-run" in err
    statuses = {v["vpc_id"]: v["status"] for s in document["regions"] for v in s["vpcs"]}
    assert statuses == {
        org[MEMBER_A].vpc.vpc_id: "fixed",
        org[MEMBER_B].vpc.vpc_id: "non-compliant",
    }
    assert tool_endpoints(org[MEMBER_B].ec2) == []
    assert code == cli.EXIT_NON_COMPLIANT

    monkeypatch.setenv("AUTO_FIX_ACCOUNT_IDS", "999999999999")
    code, out, err = run_cli(capsys, *accounts_argv(MEMBER_A, MEMBER_B), "--fix", "--yes")
    assert code == cli.EXIT_ERROR and out == ""
    assert "--fix refused: auto-fix requested but account" in err.splitlines()[-1]


def test_the_mode_tag_still_binds_in_a_member(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str]
) -> None:
    m = org[MEMBER_A]
    m.ec2.create_tags(Resources=[m.vpc.vpc_id], Tags=[{"Key": MODE_TAG, "Value": "off"}])
    code, document, _ = scan_json(capsys, *accounts_argv(MEMBER_A), "--fix", "--yes")
    assert [v["status"] for s in document["regions"] for v in s["vpcs"]] == ["skipped"]
    assert tool_endpoints(m.ec2) == []
    assert code == cli.EXIT_OK


# --------------------------------------------------------------------------- parallelism


def test_accounts_run_in_parallel_at_most_max_parallel_each_with_its_own_session(
    aws: Aws,
    cli_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    members = [f"1000000000{n:02d}" for n in range(4)]
    running, peak = [0], [0]
    lock = threading.Lock()
    sessions: dict[str, tuple[int, str]] = {}
    original = passes.scan_region

    def slow_region(ctx: passes.Context, *args: Any, **kwargs: Any) -> Any:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            sessions[ctx.account_id] = (id(ctx.session), threading.current_thread().name)
        time.sleep(0.15)
        try:
            return original(ctx, *args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(passes, "scan_region", slow_region)
    code, document, _ = scan_json(capsys, *accounts_argv(*members), "--max-parallel", "2")
    assert [a["account_id"] for a in document["accounts"]] == members  # the order asked
    assert all(a["error"] == "" for a in document["accounts"])
    assert peak[0] == 2
    assert len({session for session, _ in sessions.values()}) == len(members)
    assert code in (cli.EXIT_OK, cli.EXIT_NON_COMPLIANT)

    peak[0] = 0
    scan_json(capsys, *accounts_argv(*members[:2]), "--max-parallel", "1")
    assert peak[0] == 1


def test_progress_across_accounts_shows_on_a_terminal(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    code, _, _ = scan_json(capsys, *accounts_argv(MEMBER_A, MEMBER_B, ACCOUNT))
    assert code == cli.EXIT_NON_COMPLIANT
    progress = tty.getvalue()
    for done in ("1/3", "2/3", "3/3"):
        assert f"ecr-endpoint-guard: accounts {done} scanned: " in progress
    assert "1 VPC(s)" in progress
    assert progress.endswith("\r")  # cleared before the result


# --------------------------------------------------------------------------- the emulator


@pytest.mark.slow
def test_account_and_fix_against_the_emulator(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto's server, as the demo runs it: ``--account`` through the member role, ``--fix``
    changes the member's VPC and nothing in the caller's account."""
    with running_emulator(REGION) as url:
        caller_ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url)
        caller_before = caller_ec2.describe_vpc_endpoints()["VpcEndpoints"]
        ec2 = member_ec2(MEMBER_A)  # AWS_ENDPOINT_URL points it at the emulator
        delete_default_vpc(ec2)
        vpc = build_vpc(ec2, cidr="10.4.0.0/16", azs=2)
        argv = [*accounts_argv(MEMBER_A), "--region", REGION, "--endpoint-url", url]
        code, document, _ = scan_json(capsys, *argv)
        assert code == cli.EXIT_NON_COMPLIANT
        assert [(v["account_id"], v["status"]) for v in document["regions"][0]["vpcs"]] == [
            (MEMBER_A, "non-compliant")
        ]
        code, document, _ = scan_json(capsys, *argv, "--fix", "--yes")
        assert code == cli.EXIT_OK
        assert violations(ec2, vpc.vpc_id, REGION) == []
        assert caller_ec2.describe_vpc_endpoints()["VpcEndpoints"] == caller_before


def test_terraform_across_accounts_writes_each_members_vpc_with_its_account(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The code formats across accounts: one file per VPC, read through the member role,
    each naming its account; VPCs named alike in two accounts get distinct labels."""
    from tests.support.hcl import parse, resources

    out_dir = tmp_path / "tf"
    argv = [*accounts_argv(MEMBER_A, MEMBER_B), "--format", "terraform"]
    code, out, err = run_cli(capsys, *argv, "--output-dir", str(out_dir))
    assert code == cli.EXIT_OK, err  # the code was written
    assert out == ""
    written = sorted(p.name for p in out_dir.glob("*.tf"))
    assert written == [f"vpc_{MEMBER_A}.tf", f"vpc_{MEMBER_B}.tf"]
    for account in (MEMBER_A, MEMBER_B):
        text = (out_dir / f"vpc_{account}.tf").read_text()
        assert f"# account {account}, region {REGION}." in text
        vpc = org[account].vpc.vpc_id
        endpoints = resources(parse(text), "aws_vpc_endpoint").values()
        assert endpoints and {e["vpc_id"] for e in endpoints} == {vpc}


def test_one_role_by_its_arn_with_an_external_id_and_an_iam_path(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str], api_calls: CallLog
) -> None:
    """``--role-arn`` scans that role's account through it (a path in the role's name is
    kept), with the ``--external-id`` its trust policy asks for."""
    arn = f"arn:aws:iam::{MEMBER_A}:role/security/{ROLE}"
    code, document, err = scan_json(
        capsys, "scan", "--role-arn", arn, "--external-id", "guard-2026"
    )
    assert code == cli.EXIT_NON_COMPLIANT, err
    assert [a["account_id"] for a in document["accounts"]] == [MEMBER_A]
    assert document["accounts"][0]["role_arn"] == arn
    (assumed,) = api_calls.params("AssumeRole")
    assert assumed["RoleArn"] == arn and assumed["ExternalId"] == "guard-2026"

    code, _, err = run_cli(capsys, "scan", "--role-arn", arn, "--role-name", ROLE)
    assert code == cli.EXIT_ERROR and "--role-arn names the role already" in err
    code, _, err = run_cli(capsys, "scan", "--external-id", "guard-2026")
    assert code == cli.EXIT_ERROR and "--external-id goes with" in err
    code, _, err = run_cli(capsys, "scan", "--role-arn", "arn:aws:iam::1:user/x")
    assert code == cli.EXIT_ERROR and "is not an IAM role ARN" in err


def test_a_member_role_with_an_iam_path(
    org: dict[str, Member], capsys: pytest.CaptureFixture[str], api_calls: CallLog
) -> None:
    code, _, err = scan_json(capsys, "scan", "--role-name", f"/ops/{ROLE}", "--account", MEMBER_B)
    assert code == cli.EXIT_NON_COMPLIANT, err
    (assumed,) = api_calls.params("AssumeRole")
    assert assumed["RoleArn"] == f"arn:aws:iam::{MEMBER_B}:role/ops/{ROLE}"
    assert "ExternalId" not in assumed
