"""Inspected egress in a VPC shared outside the organisation: ``INSPECTED_EGRESS=repair`` gives
what it creates the perimeter policy (the organisation's principals and resources only), which
would cut off a participant RAM marks ``external``. There the tool adds nothing, as with
``report``, and says why. Pure: snapshots built by hand."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from remediation import actions as A
from remediation.baseline.endpoint_policies import POLICY_RESTORE_WIDER
from remediation.baseline.inspected_egress import EGRESS_INSPECTED, repair_allowed, withheld
from remediation.baseline.policy_documents import perimeter_interface
from remediation.config import load_settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.model import NetworkInterface, Route, VpcSnapshot
from remediation.surroundings import Sharing
from remediation.vocabulary import MANAGED_TAG
from tests.support.snapshots import interface, three_az

DAY = "2026-12-06"
ORG = "o-a1b2c3d4e5"
PARTNER = "999988887777"  # outside the organisation
MEMBER = "444455556666"  # in the organisation
SHARED = frozenset({"subnet-priv-a", "subnet-priv-b", "subnet-priv-c"})
REPAIR = {"INSPECTED_EGRESS": "repair", "ORGANIZATION_ID": ORG}


def shared(*accounts: str, external: frozenset[str] = frozenset(), **changes: Any) -> VpcSnapshot:
    """three_az(), shared out to ``accounts``, the private tables of zones a and b sending
    their default route to a transit gateway (inspected egress)."""
    base = three_az(
        sharing=Sharing(subnet_ids=SHARED, accounts=frozenset(accounts), external=external),
        network_interfaces=tuple(
            NetworkInterface(f"eni-{a}", "subnet-priv-a", "interface", "", owner_id=a)
            for a in accounts
        ),
        **changes,
    )
    tables = tuple(
        dataclasses.replace(t, routes=(Route("0.0.0.0/0", "tgw-1"),))
        if t.route_table_id in {"rtb-priv-a", "rtb-priv-b"}
        else t
        for t in base.route_tables
    )
    return dataclasses.replace(base, route_tables=tables)


def test_repair_adds_nothing_where_a_participant_is_outside_the_organisation() -> None:
    snap = shared(PARTNER, external=frozenset({PARTNER}))
    settings = load_settings(REPAIR)
    assert withheld(snap, settings) and not repair_allowed(snap, settings)
    findings, actions = assess(snap, settings, DAY)
    (warning,) = [f for f in findings if f.code == EGRESS_INSPECTED]
    assert warning.severity is Severity.WARNING and not warning.repairs
    assert PARTNER in warning.message and "outside the organisation" in warning.message
    assert "rtb-priv-a" in warning.message
    assert not any(isinstance(a, A.CreateInterfaceEndpoint) for a in actions)
    gateways = [a for a in actions if isinstance(a, A.CreateGatewayEndpoint)]
    assert [a.route_table_ids for a in gateways] == [("rtb-priv-c",)]  # the uninspected one
    assert all('"aws:ResourceOrgID"' not in a.policy_document for a in gateways)


def test_repair_withholds_private_dns_where_a_participant_is_outside_the_organisation() -> None:
    ecr = dataclasses.replace(interface("ecr.api", *sorted(SHARED)), private_dns_enabled=False)
    snap = shared(PARTNER, external=frozenset({PARTNER}), endpoints=(ecr,))
    _, actions = assess(snap, load_settings(REPAIR), DAY)
    assert not any(isinstance(a, A.ModifyEndpoint) and a.enable_private_dns for a in actions)


@pytest.mark.parametrize("accounts", [(), (MEMBER,)], ids=["not-shared", "member-participant"])
def test_repair_still_creates_with_the_perimeter_policy_inside_the_organisation(
    accounts: tuple[str, ...],
) -> None:
    snap = shared(*accounts)
    findings, actions = assess(snap, load_settings(REPAIR), DAY)
    assert {f.code: f.severity for f in findings}[EGRESS_INSPECTED] is Severity.INFO
    creates = [a for a in actions if isinstance(a, A.CreateInterfaceEndpoint)]
    assert creates and all('"aws:ResourceOrgID"' in a.policy_document for a in creates)
    gateways = {a.route_table_ids for a in actions if isinstance(a, A.CreateGatewayEndpoint)}
    assert ("rtb-priv-a", "rtb-priv-b") in gateways


def test_report_is_unchanged_by_participants() -> None:
    snap = shared(PARTNER, external=frozenset({PARTNER}))
    findings, actions = assess(snap, load_settings({"ORGANIZATION_ID": ORG}), DAY)
    (warning,) = [f for f in findings if f.code == EGRESS_INSPECTED]
    assert "outside the organisation" not in warning.message
    assert not any(isinstance(a, A.CreateInterfaceEndpoint) for a in actions)


def test_the_perimeter_policy_of_the_tools_endpoints_is_not_widened_for_an_outsider() -> None:
    """Endpoints the tool made under repair, before the VPC was shared outside the
    organisation: their perimeter policy blocks the new participant, and the settings' policy
    would admit it but drop the perimeter on an inspected path. Not rewritten: for a person."""
    policy = perimeter_interface(ORG, ())
    ours = tuple(
        dataclasses.replace(
            interface(name, *sorted(SHARED)), policy_document=policy, tags={MANAGED_TAG: "true"}
        )
        for name in ("ecr.api", "ecr.dkr")
    )
    snap = shared(PARTNER, external=frozenset({PARTNER}), endpoints=ours)
    findings, actions = assess(snap, load_settings(REPAIR), DAY)
    assert not any(isinstance(a, A.ModifyEndpoint) and a.policy_document for a in actions)
    held = [f for f in findings if f.code == POLICY_RESTORE_WIDER]
    assert {f.resource_id for f in held} == {e.endpoint_id for e in ours}
    assert all(f.severity is Severity.MANUAL and PARTNER in f.message for f in held)
    assert not any(f.code == "endpoint-policy-drift" for f in findings)
