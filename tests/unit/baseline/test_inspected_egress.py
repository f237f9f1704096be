"""Inspected egress is never bypassed (issue 20 item 1): which private route tables are on an
inspected path, and what the rules add there. Pure: snapshots built by hand."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from remediation import actions as A
from remediation.baseline import gateway_endpoints as G
from remediation.baseline.inspected_egress import EGRESS_INSPECTED
from remediation.config import Settings, load_settings
from remediation.engine.vpc import assess
from remediation.findings import Severity
from remediation.iac import terraform_for
from remediation.iam_policy.evaluation import is_full_access
from remediation.model import NetworkInterface, Route, VpcSnapshot
from remediation.topology.inspection import inspected_egress, inspected_route_tables
from tests.support.snapshots import GWLB, gateway, interface, three_az

DAY = "2026-12-06"
ORG = "o-a1b2c3d4e5"
CORE = "arn:aws:networkmanager::123456789012:core-network/core-network-0abc"


def routed(target: str, *zones: str, destination: str = "0.0.0.0/0", **changes: Any) -> VpcSnapshot:
    """three_az() with the private tables of ``zones`` sending the default route to ``target``."""
    base = three_az(**changes)
    tables = tuple(
        dataclasses.replace(t, routes=(Route(destination, target),))
        if t.route_table_id in {f"rtb-priv-{z}" for z in zones}
        else t
        for t in base.route_tables
    )
    return dataclasses.replace(base, route_tables=tables)


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("tgw-0123456789abcdef0", "transit gateway"),
        ("vpce-0fw1", "Gateway Load Balancer endpoint"),
        ("vpce-0unknown", "only Gateway Load Balancer endpoints"),
        ("eni-0appliance", "network interface"),
        ("i-0appliance", "instance"),
        (CORE, "Cloud WAN core network"),
    ],
)
def test_a_default_route_to_an_inspection_target_makes_the_table_inspected(
    target: str, words: str
) -> None:
    for destination in ("0.0.0.0/0", "::/0"):
        snap = routed(target, "a", "b", destination=destination, endpoints=(GWLB,))
        found = inspected_egress(snap)
        assert [i.route_table_id for i in found] == ["rtb-priv-a", "rtb-priv-b"]
        assert all(words in i.why and not i.transit for i in found)


@pytest.mark.parametrize("target", ["nat-1", "igw-1", "pcx-1", "vgw-1", "eigw-1", "lgw-1"])
def test_other_default_routes_are_not_inspection(target: str) -> None:
    assert inspected_egress(routed(target, "a", "b", "c")) == ()


def test_a_more_specific_route_to_a_transit_gateway_is_not_the_default_route() -> None:
    assert inspected_egress(routed("tgw-1", "a", destination="10.1.0.0/16")) == ()


def test_a_transit_subnet_is_one_concept_with_inspected_egress() -> None:
    eni = NetworkInterface("eni-1", "subnet-priv-b", "transit_gateway")
    snap = routed("tgw-1", "a", "b", network_interfaces=(eni,))
    guarded = inspected_route_tables(snap)
    assert guarded["rtb-priv-b"].transit and not guarded["rtb-priv-a"].transit
    assert [i.route_table_id for i in inspected_egress(snap)] == ["rtb-priv-a"]


def test_report_adds_no_s3_route_and_no_interface_endpoint_on_an_inspected_vpc() -> None:
    snap = routed("tgw-1", "a", "b", endpoints=(GWLB,))
    findings, actions = assess(snap, Settings(), DAY)
    (warning,) = [f for f in findings if f.code == EGRESS_INSPECTED]
    assert warning.severity is Severity.WARNING and not warning.repairs
    assert "rtb-priv-a" in warning.message and "firewall" in warning.message
    assert "INSPECTED_EGRESS=repair" in warning.message
    assert not any(isinstance(a, A.CreateInterfaceEndpoint) for a in actions)
    (create,) = [a for a in actions if isinstance(a, A.CreateGatewayEndpoint)]
    assert create.route_table_ids == ("rtb-priv-c",)  # the uninspected table only


def test_report_withholds_private_dns_on_an_existing_endpoint_of_an_inspected_vpc() -> None:
    ecr = dataclasses.replace(
        interface("ecr.api", "subnet-priv-a", "subnet-priv-b", "subnet-priv-c"),
        private_dns_enabled=False,
    )
    snap = routed("tgw-1", "a", "b", "c", endpoints=(ecr,))
    findings, actions = assess(snap, Settings(), DAY)
    assert not any(isinstance(a, A.ModifyEndpoint) and a.enable_private_dns for a in actions)
    assert any(f.code == "endpoint-private-dns-disabled" and not f.repairs for f in findings)


def test_repair_creates_with_the_perimeter_policy_never_full_access() -> None:
    settings = load_settings({"INSPECTED_EGRESS": "repair", "ORGANIZATION_ID": ORG})
    snap = routed("tgw-1", "a", "b")
    findings, actions = assess(snap, settings, DAY)
    (note,) = [f for f in findings if f.code == EGRESS_INSPECTED]
    assert note.severity is Severity.INFO
    creates = [a for a in actions if isinstance(a, A.CreateInterfaceEndpoint)]
    assert {a.service_name.rsplit(".", 2)[-2] for a in creates} == {"ecr"}
    for create in creates:
        assert '"aws:ResourceOrgID"' in create.policy_document
        assert not is_full_access(create.policy_document, "ecr")
    gateways = {
        a.route_table_ids: a.policy_document
        for a in actions
        if isinstance(a, A.CreateGatewayEndpoint)
    }
    assert set(gateways) == {("rtb-priv-c",), ("rtb-priv-a", "rtb-priv-b")}
    assert gateways[("rtb-priv-c",)] == ""  # S3_GATEWAY_POLICY=full-access where not inspected
    perimeter = gateways[("rtb-priv-a", "rtb-priv-b")]
    assert "starport-layer-bucket" in perimeter and not is_full_access(perimeter, "s3")
    tokens = [a.client_token for a in actions if isinstance(a, A.CreateGatewayEndpoint)]
    assert len(set(tokens)) == 2  # two creates of one service in one run: two tokens


def test_repair_needs_an_organisation_else_it_reports() -> None:
    settings = load_settings({"INSPECTED_EGRESS": "repair"})
    assert settings.inspected_egress == "report"
    assert any("ORGANIZATION_ID" in p for p in settings.problems)
    findings, _ = assess(routed("tgw-1", "a"), settings, DAY)
    assert {f.code: f.severity for f in findings}[EGRESS_INSPECTED] is Severity.WARNING


def test_repair_extends_only_a_perimeter_gateway_to_inspected_tables() -> None:
    full = gateway("rtb-priv-c")
    ecr = (interface("ecr.api", "subnet-priv-a"), interface("ecr.dkr", "subnet-priv-a"))
    snap = routed("tgw-1", "a", "b", endpoints=(*ecr, full))
    settings = load_settings({"INSPECTED_EGRESS": "repair", "ORGANIZATION_ID": ORG})
    _, actions = assess(snap, settings, DAY)
    assert not any(isinstance(a, A.ModifyEndpoint) and a.add_route_table_ids for a in actions)
    (create,) = [a for a in actions if isinstance(a, A.CreateGatewayEndpoint)]
    assert create.route_table_ids == ("rtb-priv-a", "rtb-priv-b")
    assert create.reason == G.GATEWAY_MISSING


def test_repairs_code_names_the_two_gateways_of_one_service_apart() -> None:
    """The dry-run message's Terraform: the perimeter gateway of the inspected tables and the
    ordinary one are two resources, never one name twice."""
    settings = load_settings({"INSPECTED_EGRESS": "repair", "ORGANIZATION_ID": ORG})
    snap = routed("tgw-1", "a", "b")
    code = terraform_for(snap, list(assess(snap, settings, DAY)[1]))
    names = re.findall(r'resource "aws_vpc_endpoint" "([^"]+)"', code)
    assert len(names) == len(set(names)) == 4


def test_an_s3_route_a_person_already_added_to_an_inspected_table_is_named() -> None:
    snap = routed("tgw-1", "a", "b", endpoints=(gateway("rtb-priv-a", endpoint_id="vpce-s3-old"),))
    (warning,) = [f for f in assess(snap, Settings(), DAY)[0] if f.code == EGRESS_INSPECTED]
    assert "rtb-priv-a through vpce-s3-old" in warning.message
    assert "skips the inspection now" in warning.message
