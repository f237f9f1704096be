"""A Deny's ``NotPrincipal`` against the workloads (roles and their sessions, never the root
user). IAM user guide, "AWS JSON policy elements: NotPrincipal": with ``Deny`` AWS may check the
account, then the role, then the session; naming only the account exempts its root user, so the
account's roles are still denied. Pure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from remediation.iam_policy.evaluation import evaluate
from remediation.iam_policy.terms import Caller, Request, Verdict

ACCT = "123456789012"
OTHER = "111122223333"
ROOT = f"arn:aws:iam::{ACCT}:root"
ROLE = f"arn:aws:iam::{ACCT}:role/ecs-task"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/ecs-task/1234"
PULL = Request("ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{ACCT}:repository/", True)
WORKLOAD = Caller(ACCT, "", "vpc-1", "vpce-1")


def allow_all_but(not_principal: Any) -> str:
    return json.dumps(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
                {
                    "Sid": "DenyAllButThese",
                    "Effect": "Deny",
                    "NotPrincipal": not_principal,
                    "Action": "*",
                    "Resource": "*",
                },
            ]
        }
    )


@pytest.mark.parametrize("account", [ROOT, ACCT, [ROOT, f"arn:aws:iam::{OTHER}:root"]])
def test_naming_only_the_account_still_denies_its_workloads(account: Any) -> None:
    decision = evaluate(allow_all_but({"AWS": account}), PULL, WORKLOAD)
    assert decision.verdict is Verdict.DENIED
    assert decision.notes == ("denied by DenyAllButThese",)


def test_naming_a_role_of_the_account_is_for_a_person_to_check() -> None:
    for listed in ([ROOT, ROLE], [ROOT, ROLE, SESSION], [ROOT, SESSION]):
        decision = evaluate(allow_all_but({"AWS": listed}), PULL, WORKLOAD)
        assert decision.verdict is Verdict.UNKNOWN
        assert any(listed[-1] in note for note in decision.notes)


def test_beside_the_account_the_other_entries_and_the_principal_keep_their_meaning() -> None:
    # a service, or another account's role, exempts no workload of the account either
    service = {"AWS": ROOT, "Service": "ecs-tasks.amazonaws.com"}
    assert evaluate(allow_all_but(service), PULL, WORKLOAD).verdict is Verdict.DENIED
    stranger = {"AWS": [ROOT, f"arn:aws:iam::{OTHER}:role/ecs-task"]}
    assert evaluate(allow_all_but(stranger), PULL, WORKLOAD).verdict is Verdict.DENIED
    # everyone exempted: the Deny applies to nobody
    assert evaluate(allow_all_but({"AWS": [ROOT, "*"]}), PULL, WORKLOAD).verdict is Verdict.ALLOWED
    assert evaluate(allow_all_but("*"), PULL, WORKLOAD).verdict is Verdict.ALLOWED
    # a Principal naming the account still admits its principals
    allow_account = json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "*"}]}
    )
    assert evaluate(allow_account, PULL, WORKLOAD).verdict is Verdict.ALLOWED
