"""The demo's organisation: a member account whose VPC the central function fixes through the
member role, then ``ecr-endpoint-guard scan --organization`` over every account.

In the emulator as in AWS (moto keeps one backend per account, and credentials of an assumed
role act in the role's account):

* the central account (the emulator's default account, where the function runs) creates an
  organisation and a member account (Organizations ``CreateAccount``);
* the member stack (``member.yaml``, a service-managed StackSet in AWS) is stood in for by the
  same role made with IAM calls in the member, through ``OrganizationAccountAccessRole`` (the
  role ``CreateAccount`` makes for the management account): the member role, trusting only the
  central function's role from inside the organisation, with the permissions the code declares;
* a team builds a VPC in the member account; its ``CreateVpc`` event reaches the central
  function (through the member's forwarding rule and the central bus in AWS), which assumes
  the member role (``MEMBER_ROLE_NAME``) and fixes the VPC there, nothing in its own account;
* ``scan --organization --role-name`` reports every account of the organisation.

The emulator does not evaluate IAM policies or trust: the demo shows the flow and checks the
state it leaves, not the permissions (``tests/unit/templates/test_member_template.py``
checks those).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import boto3

from remediation import cli
from remediation.actions import READ_PERMISSIONS, write_permissions
from remediation.aws.session import new_session
from remediation.demo.account import DemoVpc, build_team_vpc
from remediation.demo.common import (
    FIXTURE_ACCOUNT,
    FIXTURE_VPC,
    REGION,
    Checks,
    Inbox,
    LambdaContext,
    endpoints_by_service,
    heading,
    hostnames_on,
    invoke,
    load_event,
    managed,
    show_messages,
    show_result,
)
from remediation.demo.emulator import patched_environ
from remediation.org.sessions import member_role_arn

MEMBER_ROLE = "ecr-endpoint-guard-member"
CENTRAL_ROLE = "ecr-endpoint-guard-function"
#: The role Organizations' CreateAccount makes in a new account for the management account.
ADMIN_ROLE = "OrganizationAccountAccessRole"


@dataclass
class Member:
    """The member account as built: its id, the organisation, its VPC, an EC2 client there."""

    account_id: str
    organization_id: str
    role_arn: str
    vpc: DemoVpc
    ec2: Any  # the member's EC2 through the admin role (for the demo's own checks)


def assumed(account_id: str, role_name: str, session_name: str) -> boto3.session.Session:
    """A session in ``account_id`` through ``role_name`` (the emulator's STS, central creds)."""
    credentials = boto3.client("sts").assume_role(
        RoleArn=member_role_arn(account_id, role_name), RoleSessionName=session_name
    )["Credentials"]
    return new_session(
        access_key=credentials["AccessKeyId"],
        secret_key=credentials["SecretAccessKey"],
        token=credentials["SessionToken"],
    )


def member_role_policies(central_role_arn: str, organization_id: str) -> tuple[str, str]:
    """The member role's trust and permissions, as ``member.yaml`` writes them (auto-fix)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": central_role_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            }
        ],
    }
    permissions = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": list(READ_PERMISSIONS), "Resource": "*"},
            {"Effect": "Allow", "Action": list(write_permissions()), "Resource": "*"},
        ],
    }
    return json.dumps(trust), json.dumps(permissions)


def build_member() -> Member:
    """The organisation, its member account, the member role there, and a team's new VPC."""
    organizations = boto3.client("organizations")
    organization_id = str(organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"])
    created = organizations.create_account(AccountName="team-a", Email="team-a@example.com")
    account_id = str(created["CreateAccountStatus"]["AccountId"])
    central_role = boto3.client("iam").create_role(
        RoleName=CENTRAL_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    admin = assumed(account_id, ADMIN_ROLE, "demo-admin")
    trust, permissions = member_role_policies(str(central_role), organization_id)
    iam = admin.client("iam")
    role_arn = str(
        iam.create_role(RoleName=MEMBER_ROLE, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    )
    iam.put_role_policy(
        RoleName=MEMBER_ROLE, PolicyName="read-and-repair", PolicyDocument=permissions
    )
    ec2 = admin.client("ec2")
    return Member(account_id, organization_id, role_arn, build_team_vpc(ec2, REGION), ec2)


def _tool_resources(ec2: Any) -> tuple[set[str], set[str]]:
    """Every VPC endpoint and security group id of an account's region."""
    found = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    groups = ec2.describe_security_groups()["SecurityGroups"]
    return {str(e["VpcEndpointId"]) for e in found}, {str(g["GroupId"]) for g in groups}


@dataclass
class OrganisationStep:
    """Step 5: the member's event through the central function, then a scan of every account."""

    url: str
    handler: Callable[..., Any]
    context: LambdaContext  # the central function's
    inbox: Inbox
    log: TextIO
    checks: Checks

    def run(self) -> None:
        heading("5. An organisation: a member account, fixed through its member role")
        central = self.context.account_id
        member = build_member()
        print(f"  organisation {member.organization_id}: central account {central} (the function)")
        print(f"  member account {member.account_id} (Organizations CreateAccount), in it:")
        print(f"    role {member.role_arn}")
        print(f"      (what member.yaml makes: trusts {CENTRAL_ROLE} inside the organisation)")
        print(f"    VPC {member.vpc.vpc_id} (team-app): DNS hostnames off, no endpoint")
        central_ec2 = boto3.client("ec2")
        before = _tool_resources(central_ec2)
        self.fix_member(member)
        self.checks.expect(
            _tool_resources(central_ec2) == before,
            "nothing was created in the central account",
        )
        self.scan_organisation(member)

    def fix_member(self, member: Member) -> None:
        event = load_event(
            "create_vpc", {FIXTURE_VPC: member.vpc.vpc_id, FIXTURE_ACCOUNT: member.account_id}
        )
        accounts = f"{self.context.account_id},{member.account_id}"
        print()
        print(f"  CreateVpc event of account {member.account_id} -> the central function")
        print(f"  MEMBER_ROLE_NAME={MEMBER_ROLE}, AUTO_FIX_ACCOUNT_IDS={accounts}")
        environ = {
            "MEMBER_ROLE_NAME": MEMBER_ROLE,
            "REMEDIATION_MODE": "auto-fix",
            "AUTO_FIX_ACCOUNT_IDS": accounts,
        }
        with patched_environ(environ):
            result, error = invoke(self.handler, event, self.context, self.log)
        self.checks.expect(not error, f"the member's event was served {error}".strip())
        if result is None:
            return
        show_result(result)
        vpcs = result.get("vpcs", [])
        self.checks.expect(
            [(v["vpc_id"], v["account_id"], v["status"]) for v in vpcs]
            == [(member.vpc.vpc_id, member.account_id, "fixed")],
            "the central function reports the member's VPC fixed, in the member account",
        )
        found = endpoints_by_service(member.ec2, member.vpc.vpc_id)
        made = [e for items in found.values() for e in items if managed(e)]
        self.checks.expect(
            hostnames_on(member.ec2, member.vpc.vpc_id)
            and {k: len(v) for k, v in found.items()} == {"ecr.api": 1, "ecr.dkr": 1, "s3": 1}
            and len(made) == 3,  # ecr.api, ecr.dkr and the S3 gateway: none was there
            "the member's VPC has DNS hostnames and the tool's endpoints, in the member account",
        )
        messages = self.inbox.receive()
        print()
        print(f"  Notification received on the central topic: {len(messages)} message(s)")
        show_messages(messages)
        self.checks.expect(
            len(messages) == 1 and member.vpc.vpc_id in json.dumps(messages[0]),
            "one notification about the member's VPC, on the central topic",
        )

    def scan_organisation(self, member: Member) -> None:
        argv = ["scan", "--organization", "--role-name", MEMBER_ROLE, "--region", REGION]
        argv += ["--endpoint-url", self.url]
        print()
        print(f"  $ {cli.PROG} {' '.join(argv)}")
        print()
        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet):
            json_code = cli.main([*argv, "--format", "json"])
        document = json.loads(quiet.getvalue() or "{}")
        code = cli.main(argv)
        print(f"\n  exit code {code} (0: every VPC of every account compliant, fixed or skipped)")
        accounts = [a.get("account_id") for a in document.get("accounts", [])]
        statuses = {
            (vpc["account_id"], vpc["vpc_id"]): vpc["status"]
            for region in document.get("regions", [])
            for vpc in region.get("vpcs", [])
        }
        self.checks.expect(code == 0 and json_code == 0, "scan --organization exits 0")
        self.checks.expect(
            sorted(accounts) == sorted([self.context.account_id, member.account_id])
            and statuses.get((member.account_id, member.vpc.vpc_id)) == "compliant"
            and set(statuses.values()) <= {"compliant", "skipped"},
            "scan --organization: both accounts, the member's VPC compliant",
        )
