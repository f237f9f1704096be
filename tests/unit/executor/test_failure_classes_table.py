"""The failure table of docs/failures.md: each row classifies as documented, and the plan never
mixes an AZ addition with other repairs."""

from __future__ import annotations

from typing import Any

import pytest

from remediation.executor.errors import ErrorKind, classify
from tests.support.aws import REGION
from tests.support.failure_rows import ROWS


def test_the_doc_has_the_table() -> None:
    classes = {row[2] for row in ROWS}
    assert classes == {"transient", "permanent", "unknown"}
    assert len(ROWS) >= 15


@pytest.mark.parametrize("row", ROWS, ids=[r[0] + (" (zone)" if r[1] else "") for r in ROWS])
def test_each_row_classifies_as_documented(row: tuple[str, str, str, str]) -> None:
    code, words, kind, _ = row
    assert classify(code, words or "refused").kind is ErrorKind(kind)


def test_plan_never_mixes_an_az_addition_with_other_repairs() -> None:
    from remediation.actions import ModifyEndpoint
    from remediation.findings import Finding, Severity
    from remediation.model import VpcSnapshot
    from remediation.plan import plan

    def finding(code: str, **repair: Any) -> Finding:
        action = ModifyEndpoint(vpc_id="vpc-1", reason=code, endpoint_id="vpce-1", **repair)
        return Finding(code, "m", Severity.WARNING, repairs=(action,))

    snapshot = VpcSnapshot(
        vpc_id="vpc-1",
        region=REGION,
        account_id="1",
        cidr_blocks=("10.0.0.0/16",),
        dns_support=True,
        dns_hostnames=True,
    )
    findings = (
        finding("private-dns-disabled", enable_private_dns=True),
        finding("az-uncovered", add_subnet_ids=("subnet-1",)),
        finding("group-insufficient", add_group_ids=("sg-1",)),
    )
    actions = plan(snapshot, findings, day="2026-01-01")
    modifies = [a for a in actions if isinstance(a, ModifyEndpoint)]
    assert len(modifies) == 2
    (subnets,) = [a for a in modifies if a.add_subnet_ids]
    (rest,) = [a for a in modifies if not a.add_subnet_ids]
    assert not (subnets.enable_private_dns or subnets.add_group_ids)
    assert rest.enable_private_dns and rest.add_group_ids == ("sg-1",)
    assert modifies.index(rest) < modifies.index(subnets)  # security fixes first
