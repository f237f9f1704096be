"""The CloudFormation of a VPC's plan (``remediation.iac.cloudformation``): pure, table-driven
over the IaC scenarios (``tests/support/iac_scenarios.py``).

Each template is read back with cfn-lint's decoder (as
``tests/unit/templates/test_template.py`` reads
``template.yaml``) and checked against the plan it came from: every planned subnet and route
table on the right endpoint, no resource for an endpoint of the user's, what the tool created
adopted (``DeletionPolicy: Retain``, in the resources to import with its id, in the import
template exactly as it is now, its tool tags gone from the desired template).

Golden files: ``tests/golden/cloudformation/<scenario>.yaml`` (the template), plus
``<scenario>.import.yaml`` and ``<scenario>.import.json`` when the tool created something there,
or ``<scenario>.note.txt`` when there is no template; compared byte for byte. After a deliberate
change of the output, regenerate them with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/iac/test_cloudformation.py`` and read
the diff (``git diff tests/golden``) as a reviewer before committing it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str
from hypothesis import example, given
from hypothesis import strategies as st

from remediation.actions import (
    TOOL_GROUP,
    CreateGatewayEndpoint,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
    ModifyEndpoint,
)
from remediation.iac import cloudformation, cloudformation_resources, terraform
from remediation.iac.cloudformation import CloudFormationCode, render
from remediation.iac.cloudformation_resources import SECURITY_GROUP, VPC_ENDPOINT, logical_id
from remediation.iac.resources import EndpointCode, Repair, VpcCode
from remediation.iac.yaml_text import block
from remediation.vocabulary import MANAGED_TAG, TAG_PREFIX, EndpointType
from tests.support.iac_lint import undescribed
from tests.support.iac_scenarios import SCENARIOS, Scenario

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "cloudformation"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NAMES = sorted(SCENARIOS)
#: The scenarios where the tool created something (adopted), and where no template is written.
ADOPTING = {"tool_created", "tool_group_drift"}
NO_TEMPLATE = {"shared_vpc"}


def _plain(node: Any) -> Any:
    return json.loads(json.dumps(node))


def parse(text: str) -> dict[str, Any]:
    template, errors = decode_str(text)
    assert not errors, errors
    parsed: dict[str, Any] = _plain(template)
    return parsed


class Rendered:
    """A scenario, its plan, and its CloudFormation read back."""

    def __init__(self, name: str) -> None:
        self.scenario: Scenario = SCENARIOS[name]()
        self.code: VpcCode = self.scenario.code()
        #: A shared VPC's plan is its owner's code, not this one (no template: checked apart).
        self.plan = () if self.code.skipped else self.scenario.plan()
        self.out: CloudFormationCode = render(self.code)
        self.template = parse(self.out.template) if self.out.template else {}
        self.imported = parse(self.out.import_template) if self.out.import_template else {}
        self.to_import: list[dict[str, Any]] = (
            json.loads(self.out.resources_to_import) if self.out.resources_to_import else []
        )

    def resources(self, kind: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
        source = self.template if template is None else template
        return {k: r for k, r in source.get("Resources", {}).items() if r["Type"] == kind}

    def endpoint(self, service: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
        found: list[dict[str, Any]] = [
            r["Properties"]
            for r in self.resources(VPC_ENDPOINT, template).values()
            if r["Properties"]["ServiceName"] == service
        ]
        assert len(found) == 1, (service, found)
        return found[0]

    @property
    def group_id(self) -> str:
        (name,) = self.resources(SECURITY_GROUP)
        return str(name)


@pytest.fixture(params=NAMES, scope="module")
def rendered(request: pytest.FixtureRequest) -> Iterator[Rendered]:
    """Rendered once per scenario for the module: the tests only read it (a test that changed
    what it read back would fail the module's teardown)."""
    found = Rendered(request.param)
    before = _read_back(found)
    yield found
    assert _read_back(found) == before, f"a test changed {request.param}'s templates"


def _read_back(rendered: Rendered) -> str:
    return json.dumps([rendered.template, rendered.imported, rendered.to_import], sort_keys=True)


def test_every_scenario_is_covered() -> None:
    assert set(NAMES) >= ADOPTING | NO_TEMPLATE


def test_a_template_is_cloudformation_with_only_the_two_types(rendered: Rendered) -> None:
    if rendered.scenario.name in NO_TEMPLATE:
        assert rendered.out.template == ""
        return
    template = rendered.template
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert rendered.code.vpc_id in template["Description"]
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert kinds <= {SECURITY_GROUP, VPC_ENDPOINT}
    assert all(re.fullmatch(r"[A-Za-z0-9]+", name) for name in template["Resources"])
    assert rendered.out.template.endswith("\n") and not rendered.out.template.endswith("\n\n")


def test_every_planned_endpoint_is_declared_as_planned(rendered: Rendered) -> None:
    """Same subnets, route tables, group, DNS and policy as the create auto-fix would send."""
    for action in rendered.plan:
        if isinstance(action, CreateInterfaceEndpoint):
            props = rendered.endpoint(action.service_name)
            assert props["VpcEndpointType"] == "Interface"
            assert props["SubnetIds"] == sorted(action.subnet_ids)
            assert props["PrivateDnsEnabled"] is True
            assert props["VpcId"] == rendered.code.vpc_id
            if TOOL_GROUP in action.group_ids:
                assert {"Fn::GetAtt": [rendered.group_id, "GroupId"]} in props["SecurityGroupIds"]
            policy = json.loads(action.policy_document) if action.policy_document else None
            assert props.get("PolicyDocument") == policy
            assert props.get("IpAddressType", "") == action.ip_address_type
            assert props.get("DnsOptions", {}).get("DnsRecordIpType", "") == (
                action.dns_record_ip_type
            )
        if isinstance(action, CreateGatewayEndpoint):
            props = rendered.endpoint(action.service_name)
            assert props["VpcEndpointType"] == "Gateway"
            assert props["RouteTableIds"] == sorted(action.route_table_ids)
            assert "SubnetIds" not in props and "PrivateDnsEnabled" not in props


def test_the_planned_group_admits_https_from_each_block_with_a_description(
    rendered: Rendered,
) -> None:
    for action in rendered.plan:
        if isinstance(action, CreateSecurityGroup):
            group = rendered.template["Resources"][rendered.group_id]
            rules = group["Properties"]["SecurityGroupIngress"]
            sources = sorted(r.get("CidrIp") or r["CidrIpv6"] for r in rules)
            assert sources == sorted(action.cidr_blocks)
            for rule in rules:
                assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 443, 443)
                assert rule["Description"]
                assert ("CidrIpv6" in rule) == (":" in (rule.get("CidrIp") or rule["CidrIpv6"]))
            assert "SecurityGroupEgress" not in group["Properties"]


def test_no_resource_for_an_endpoint_of_the_user(rendered: Rendered) -> None:
    """Only planned creates and what the tool created are resources; the user's endpoints
    (compliant or to repair) are the user's code's."""
    snapshot = rendered.scenario.snapshot
    creates = [
        a for a in rendered.plan if isinstance(a, CreateInterfaceEndpoint | CreateGatewayEndpoint)
    ]
    owned = [e for e in snapshot.endpoints if e.owned] if not snapshot.shared else []
    assert len(rendered.resources(VPC_ENDPOINT)) == len(creates) + len(owned)
    user_ids = {e.endpoint_id for e in snapshot.endpoints if not e.owned}
    declared = {json.dumps(r) for r in rendered.template.get("Resources", {}).values()}
    assert not any(i in d for i in user_ids for d in declared)
    assert not user_ids & {r["ResourceIdentifier"]["Id"] for r in rendered.to_import}


def test_each_repair_of_a_user_endpoint_is_a_comment_against_its_id(rendered: Rendered) -> None:
    comments = [line for line in rendered.out.text.splitlines() if line.startswith("#")]
    owned = {e.endpoint_id for e in rendered.scenario.snapshot.endpoints if e.owned}
    for action in rendered.plan:
        if isinstance(action, ModifyEndpoint) and action.endpoint_id not in owned:
            start = next(
                n for n, c in enumerate(comments) if c.startswith(f"# {action.endpoint_id}")
            )
            said = "\n".join(comments[start : start + 8])
            for added in (*action.add_subnet_ids, *action.add_route_table_ids):
                assert f'"{added}"' in said
            if action.enable_private_dns:
                assert "PrivateDnsEnabled: true" in said


def test_a_repair_of_an_adopted_endpoint_is_in_its_desired_form(rendered: Rendered) -> None:
    owned = {e.endpoint_id: e for e in rendered.scenario.snapshot.endpoints if e.owned}
    for action in rendered.plan:
        if isinstance(action, ModifyEndpoint) and action.endpoint_id in owned:
            props = rendered.endpoint(owned[action.endpoint_id].service_name)
            assert set(action.add_subnet_ids) <= set(props.get("SubnetIds", []))
            assert set(action.add_route_table_ids) <= set(props.get("RouteTableIds", []))


def test_adopted_resources_are_retained_and_listed_for_import(rendered: Rendered) -> None:
    adopted = {
        (SECURITY_GROUP if hasattr(r, "group_id") else VPC_ENDPOINT, logical_id(r.name)): (
            getattr(r, "group_id", "") or getattr(r, "endpoint_id", "")
        )
        for r in rendered.code.adopted
    }
    listed = {
        (r["ResourceType"], r["LogicalResourceId"]): r["ResourceIdentifier"]
        for r in rendered.to_import
    }
    assert listed == {k: {"Id": v} for k, v in adopted.items()}
    assert (rendered.scenario.name in ADOPTING) == bool(adopted)
    for name, resource in rendered.template.get("Resources", {}).items():
        retained = resource.get("DeletionPolicy") == resource.get("UpdateReplacePolicy") == "Retain"
        assert retained == ((resource["Type"], name) in adopted), name
    if not adopted:
        assert rendered.out.import_template == rendered.out.resources_to_import == ""


def test_the_import_template_holds_exactly_the_adopted_resources_as_they_are(
    rendered: Rendered,
) -> None:
    if not rendered.code.adopted:
        return
    snapshot = rendered.scenario.snapshot
    resources = rendered.imported["Resources"]
    assert set(resources) == {r["LogicalResourceId"] for r in rendered.to_import}
    for resource in resources.values():
        assert resource["DeletionPolicy"] == "Retain"
    for endpoint in (e for e in snapshot.endpoints if e.owned):
        props = rendered.endpoint(endpoint.service_name, rendered.imported)
        assert props["VpcId"] == endpoint.vpc_id
        assert props.get("SubnetIds", []) == sorted(endpoint.subnet_ids)
        assert props.get("SecurityGroupIds", []) == sorted(endpoint.group_ids)
        assert props.get("RouteTableIds", []) == sorted(endpoint.route_table_ids)
        if endpoint.endpoint_type is EndpointType.INTERFACE:
            assert props["PrivateDnsEnabled"] is endpoint.private_dns_enabled
        tags = {t["Key"]: t["Value"] for t in props["Tags"]}
        assert tags == dict(endpoint.tags)
    for group in (g for g in snapshot.security_groups if g.owned):
        (found,) = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == SECURITY_GROUP and r["Properties"]["GroupName"] == group.group_name
        ]
        cidrs = sorted(r.get("CidrIp") or r["CidrIpv6"] for r in found["SecurityGroupIngress"])
        assert cidrs == sorted(r.cidr_ipv4 or r.cidr_ipv6 or "" for r in group.ingress)
        assert found["GroupDescription"] == group.description
        assert {t["Key"]: t["Value"] for t in found["Tags"]} == dict(group.tags)


def test_the_tools_tags_are_gone_from_the_desired_template_only(rendered: Rendered) -> None:
    def tag_keys(template: dict[str, Any]) -> set[str]:
        return {
            t["Key"]
            for r in template.get("Resources", {}).values()
            for t in r["Properties"].get("Tags", [])
        }

    assert not any(k.startswith(f"{TAG_PREFIX}/") for k in tag_keys(rendered.template))
    if rendered.code.adopted:
        for resource in rendered.imported["Resources"].values():
            keys = {t["Key"] for t in resource["Properties"]["Tags"]}
            assert MANAGED_TAG in keys


def test_logical_ids_agree_across_the_three_texts(rendered: Rendered) -> None:
    desired = set(rendered.template.get("Resources", {}))
    assert set(rendered.imported.get("Resources", {})) <= desired
    assert {r["LogicalResourceId"] for r in rendered.to_import} <= desired


def test_the_header_says_how_to_deploy_and_the_end_how_to_hand_over(rendered: Rendered) -> None:
    text = rendered.out.text
    assert text.startswith(f"# ecr-endpoint-guard: CloudFormation for {rendered.code.vpc_id}")
    if rendered.scenario.name in NO_TEMPLATE:
        assert rendered.scenario.snapshot.owner_id in rendered.out.note
        return
    assert f"--template-file {rendered.code.label}.yaml" in text
    assert ("--change-set-type IMPORT" in text) == bool(rendered.code.adopted)
    tail = text.splitlines()[-6:]
    assert any("Key=ecr-endpoint-guard/mode,Value=dry-run" in line for line in tail)
    for attribute in rendered.code.dns_attributes:
        assert f"#   {cloudformation.DNS_PROPERTIES[attribute]}: true" in text


def test_every_checkov_suppression_gives_its_reason(rendered: Rendered) -> None:
    for template in (rendered.template, rendered.imported):
        for resource in template.get("Resources", {}).values():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert skip["id"] and len(skip["comment"]) > 20, skip


def test_same_input_same_bytes(rendered: Rendered) -> None:
    again = render(SCENARIOS[rendered.scenario.name]().code())
    assert again == rendered.out


@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str) -> None:
    out = render(SCENARIOS[name]().code())
    files = dict(out.files)
    if out.note:
        files[f"{out.label}.note.txt"] = out.note
    expected = {f"{name}{n[len(out.label) :]}": text for n, text in files.items()}
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for stale in GOLDEN.glob(f"{name}.*"):
            stale.unlink()
        for file, text in expected.items():
            (GOLDEN / file).write_text(text)
    present = {p.name: p.read_text() for p in GOLDEN.glob(f"{name}.*")}
    assert sorted(present) == sorted(expected)
    for file, text in expected.items():
        assert text == present[file], f"{file} differs from its golden file (see the docstring)"


# ------------------------------------------------------------------------------------------------
# Edges the scenarios do not reach
# ------------------------------------------------------------------------------------------------


def _code(**fields: Any) -> VpcCode:
    base = VpcCode(vpc_id="vpc-1", region="us-east-1", account_id="1", vpc_name="", label="l")
    return replace(base, **fields)


def test_changes_only_to_the_users_resources_give_no_template_but_a_note() -> None:
    code = _code(
        dns_attributes=("enableDnsSupport",),
        repairs=(Repair("vpce-1", "com.amazonaws.us-east-1.ecr.api", enable_private_dns=True),),
    )
    out = render(code)
    assert out.template == out.import_template == out.resources_to_import == ""
    assert out.files == ()
    assert "EnableDnsSupport: true" in out.note
    assert "# vpce-1 (ecr.api)" in out.note
    assert "PrivateDnsEnabled: true" in out.note
    assert out.text == out.note


def test_a_compliant_vpc_gives_a_note() -> None:
    out = render(_code())
    assert out.template == "" and "compliant" in out.note


def test_logical_ids_are_unique_when_names_collide() -> None:
    def gateway(name: str) -> EndpointCode:
        return EndpointCode(name, "", "vpc-1", "s", EndpointType.GATEWAY, route_table_ids=("r",))

    code = _code(endpoints=(gateway("x_1"), gateway("x1"), gateway("x_12")))
    assert list(parse(render(code).template)["Resources"]) == ["X1", "X12", "X122"]


def test_policy_keys_and_tag_values_are_quoted() -> None:
    endpoint = EndpointCode(
        "e",
        "",
        "vpc-1",
        "s",
        EndpointType.GATEWAY,
        route_table_ids=("r",),
        policy='{"Statement":[{"Condition":{"Null":{"aws:x":"yes"}}}]}',
        tags=(("Name", "no # : - null"),),
    )
    props = parse(render(_code(endpoints=(endpoint,))).template)["Resources"]["E"]["Properties"]
    assert props["PolicyDocument"] == {"Statement": [{"Condition": {"Null": {"aws:x": "yes"}}}]}
    assert props["Tags"] == [{"Key": "Name", "Value": "no # : - null"}]


def test_an_adopted_endpoint_keeps_its_current_form_apart() -> None:
    current = EndpointCode(
        "e",
        "vpce-9",
        "vpc-1",
        "s",
        EndpointType.GATEWAY,
        route_table_ids=("r1",),
        tags=((MANAGED_TAG, "true"),),
    )
    desired = replace(current, route_table_ids=("r1", "r2"), tags=(), current=current)
    out = render(_code(endpoints=(desired,)))
    assert parse(out.template)["Resources"]["E"]["Properties"]["RouteTableIds"] == ["r1", "r2"]
    assert parse(out.import_template)["Resources"]["E"]["Properties"]["RouteTableIds"] == ["r1"]
    assert json.loads(out.resources_to_import)[0]["ResourceIdentifier"] == {"Id": "vpce-9"}


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(_TEXT.filter(bool), _JSON, min_size=1, max_size=4))
@example({"A\n": None})  # a key ending in a line break was written bare ($ matched before it)
def test_any_data_reads_back_as_written(data: dict[str, Any]) -> None:
    """Every string is quoted safely: YAML reads back exactly the data (no ``yes`` as a
    boolean, no ``#`` as a comment, no line break folded)."""
    text = "\n".join(block({"Data": data})) + "\n"
    assert parse(text)["Data"] == data


def test_the_group_is_exported_when_the_users_endpoints_are_to_use_it(rendered: Rendered) -> None:
    """The user's endpoints are most likely another stack's: they import the group's id."""
    wanted = any(r.add_tool_group for r in rendered.code.repairs)
    outputs = rendered.template.get("Outputs", {})
    assert bool(outputs) == wanted
    if wanted:
        (output,) = outputs.values()
        assert output["Value"] == {"Fn::GetAtt": [rendered.group_id, "GroupId"]}
        export = f"{cloudformation.stack_name(rendered.code.label)}-{rendered.group_id}Id"
        assert f'Fn::ImportValue: "{export}"' in rendered.out.template
        assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{rendered.group_id}Id"}
    assert "Outputs" not in rendered.imported


def test_an_undescribed_rule_is_kept_as_is_with_the_reason_checkov_may_skip_it() -> None:
    """A rule someone left undescribed stays so in both templates (describing it would
    replace it); checkov's description check is skipped there, with the reason."""
    out = render(undescribed().code())
    reason = cloudformation_resources.UNDESCRIBED_RULE["CKV_AWS_23"]
    skip = [{"id": "CKV_AWS_23", "comment": reason}]
    for text in (out.import_template, out.template):
        group = parse(text)["Resources"]["SandboxEndpoints"]
        assert group["Metadata"]["checkov"]["skip"] == skip
        assert all("Description" not in r for r in group["Properties"]["SecurityGroupIngress"])
    assert "short interruption" not in out.template  # the rules stay as they are


def test_a_change_to_the_adopted_groups_rules_is_announced() -> None:
    out = render(SCENARIOS["tool_group_drift"]().code())
    assert "short interruption" in out.template


def test_no_interruption_warning_when_the_adopted_rules_stay() -> None:
    out = render(SCENARIOS["tool_created"]().code())
    assert "interruption" not in out.template


def test_the_hand_over_says_when_the_vpc_is_tagged_already() -> None:
    endpoint = EndpointCode("e", "", "vpc-1", "s", EndpointType.GATEWAY, route_table_ids=("r",))
    out = render(_code(endpoints=(endpoint,), mode_tag="auto-fix"))
    assert out.template.endswith("# The VPC is tagged ecr-endpoint-guard/mode=auto-fix already.\n")


def test_it_says_what_the_terraform_says(rendered: Rendered) -> None:
    """The same resources (by name), the same adoptions (by id), the same repairs (by id)."""
    hcl = terraform.render(rendered.code)
    resources = re.findall(r'^resource "(\w+)" "(\w+)" \{$', hcl, flags=re.MULTILINE)
    kinds = {"aws_security_group": SECURITY_GROUP, "aws_vpc_endpoint": VPC_ENDPOINT}
    declared = {n: r["Type"] for n, r in rendered.template.get("Resources", {}).items()}
    assert declared == {logical_id(name): kinds[kind] for kind, name in resources}
    imports = re.findall(r'^  to = \w+\.(\w+)\n  id = "([^"]+)"$', hcl, flags=re.MULTILINE)
    listed = {(r["LogicalResourceId"], r["ResourceIdentifier"]["Id"]) for r in rendered.to_import}
    assert listed == {(logical_id(name), i) for name, i in imports}
    assert bool(imports) == (rendered.scenario.name in ADOPTING)
    repaired = re.compile(r"^# (vpce-\S+) \(", flags=re.MULTILINE)
    assert repaired.findall(rendered.out.text) == repaired.findall(hcl)


@pytest.mark.parametrize("brk", ["\n", "\r", "\x85", "\u2028", "\u2029"])
def test_a_tag_cannot_end_a_comment_and_write_yaml(brk: str) -> None:
    """The VPC's Name and mode tags reach comments: no line break of theirs survives there."""
    endpoint = EndpointCode("e", "", "vpc-1", "s", EndpointType.GATEWAY, route_table_ids=("r",))
    code = _code(endpoints=(endpoint,), vpc_name=f"x{brk}Outputs: 1", mode_tag=f"off{brk}Rogue: 2")
    template = parse(render(code).template)
    assert set(template) == {"AWSTemplateFormatVersion", "Description", "Resources"}
    assert template["Description"].endswith(f"(x{brk}Outputs: 1)")
