"""CloudFormation (YAML) for one VPC's :class:`~remediation.iac.spec.VpcCode`. Pure.

It says what the Terraform says (:mod:`remediation.iac.terraform`), in CloudFormation's terms:
a header (with the commands that deploy it), the DNS attributes for the user's own
``AWS::EC2::VPC`` (a comment: the tool cannot know that resource), the tool's security group
and the endpoints, the repairs of endpoints the tool did not create (comments against their
ids: the user's code owns them) and, last, the hand-over step (the VPC's
``ecr-endpoint-guard/mode`` tag).

Adoption takes two steps, because an import may not create, delete or change anything
("Import operations don't allow new resource creations, resource deletions, or changes to
property configurations", and "Each resource to import must have a DeletionPolicy
attribute": CloudFormation User Guide, "Bringing existing resources into CloudFormation
management"). :attr:`CloudFormationCode.import_template` holds only the resources the tool
created, as they are now, for an ``IMPORT`` change set with
:attr:`CloudFormationCode.resources_to_import`; :attr:`CloudFormationCode.template`, deployed
next, is the whole desired state (new resources, the plan's repairs, the tool's tags gone).
Every adopted resource keeps ``DeletionPolicy``/``UpdateReplacePolicy: Retain``: no stack
operation ever deletes what the tool created.

A template with no resource is not valid CloudFormation: a VPC with none to declare (a shared
VPC, a compliant one, or one whose only changes belong to the user's own resources) gets
``template == ""`` and, in :attr:`CloudFormationCode.note`, the same text as comments.

The YAML is written by :mod:`remediation.iac.yaml_text` (no YAML library: the package's runtime
needs only boto3 and Powertools), with long-form intrinsics (``Fn::GetAtt``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from remediation.iac import comments
from remediation.iac.names import policy_data
from remediation.iac.resources import EndpointCode, GroupCode, Repair, Rule, VpcCode
from remediation.iac.yaml_text import block, scalar
from remediation.modes import MODE_TAG

SECURITY_GROUP = "AWS::EC2::SecurityGroup"
VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"
#: The identifier property of both types (``primaryIdentifier`` of their resource schemas).
IDENTIFIER = "Id"
#: Each checkov check that does not apply to what the template declares, and why (the
#: template says so in the resource's ``Metadata: checkov: skip``).
SKIPS: Mapping[str, Mapping[str, str]] = {
    SECURITY_GROUP: {},
    VPC_ENDPOINT: {},
}
#: A rule of the tool's group without a description: someone added it and the plan keeps it,
#: as it is (describing it would replace the rule, and the import may not change anything).
UNDESCRIBED_RULE = {
    "CKV_AWS_23": "a rule someone added to the group, kept exactly as it is: "
    "describing it would replace the rule",
}
DNS_PROPERTIES = {
    "enableDnsSupport": "EnableDnsSupport",
    "enableDnsHostnames": "EnableDnsHostnames",
}
CHANGE_SET = "adopt-ecr-endpoints"
#: CloudFormation's limits: a stack name of 128 characters; a logical id of 255, less room
#: for the digits that keep two of them apart.
_MAX_STACK_NAME = 128
_MAX_LOGICAL_ID = 240


@dataclass(frozen=True)
class CloudFormationCode:
    """The CloudFormation of one VPC.

    ``template``: the desired state (``""`` when there is no resource to declare: then
    ``note`` says why, as YAML comments). ``import_template`` and ``resources_to_import``
    (JSON for ``--resources-to-import``): the adoption of what the tool created, ``""`` when
    it created nothing here. Every non-empty text ends with a newline.
    """

    label: str
    template: str
    import_template: str = ""
    resources_to_import: str = ""
    note: str = ""

    @property
    def files(self) -> tuple[tuple[str, str], ...]:
        """``(file name, text)`` for ``--output-dir``: only the files that have content."""
        names = file_names(self.label)
        texts = (self.template, self.import_template, self.resources_to_import)
        return tuple((n, t) for n, t in zip(names, texts, strict=True) if t)

    @property
    def text(self) -> str:
        """What stdout shows: the template, else the note."""
        return self.template or self.note


def file_names(label: str) -> tuple[str, str, str]:
    """The template, the import template and the resources to import of one VPC.

    >>> file_names("prod_east")
    ('prod_east.yaml', 'prod_east.import.yaml', 'prod_east.import.json')
    """
    return f"{label}.yaml", f"{label}.import.yaml", f"{label}.import.json"


def stack_name(label: str) -> str:
    """The stack the header's commands deploy: letters, digits and hyphens.

    >>> stack_name("prod_east")
    'prod-east-vpc-endpoints'
    """
    suffix = "-vpc-endpoints"
    return label.replace("_", "-")[: _MAX_STACK_NAME - len(suffix)].rstrip("-") + suffix


def logical_id(name: str) -> str:
    """A logical id (CamelCase alphanumerics) from a name of the spec.

    >>> logical_id("prod_east_ecr_api")
    'ProdEastEcrApi'
    >>> logical_id("vpc_0abc_endpoints")
    'Vpc0abcEndpoints'
    """
    camel = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))
    return camel[:_MAX_LOGICAL_ID]


def _tags(tags: Iterable[tuple[str, str]]) -> dict[str, Any]:
    items = [{"Key": k, "Value": v} for k, v in tags]
    return {"Tags": items} if items else {}


def _rule(rule: Rule) -> dict[str, Any]:
    item: dict[str, Any] = {"Description": rule.description} if rule.description else {}
    item["IpProtocol"] = rule.protocol
    if rule.from_port is not None:
        item["FromPort"] = rule.from_port
    if rule.to_port is not None:
        item["ToPort"] = rule.to_port
    if rule.cidr_ipv4:
        item["CidrIp"] = rule.cidr_ipv4
    if rule.cidr_ipv6:
        item["CidrIpv6"] = rule.cidr_ipv6
    if rule.source_group_id:
        item["SourceSecurityGroupId"] = rule.source_group_id
    if rule.prefix_list_id:
        item["SourcePrefixListId"] = rule.prefix_list_id
    return item


def _resource(
    resource_type: str,
    properties: dict[str, Any],
    adopted: bool,
    skip: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {"Type": resource_type}
    if adopted:
        resource["DeletionPolicy"] = "Retain"
        resource["UpdateReplacePolicy"] = "Retain"
    reasons = {**SKIPS[resource_type], **(skip or {})}
    skips = [{"id": c, "comment": reasons[c]} for c in sorted(reasons)]
    if skips:
        resource["Metadata"] = {"checkov": {"skip": skips}}
    resource["Properties"] = properties
    return resource


def group_resource(group: GroupCode) -> dict[str, Any]:
    """The group as CloudFormation declares it (no egress property: EC2's default egress
    stays, as on the group auto-fix creates; an endpoint only answers connections)."""
    properties: dict[str, Any] = {
        "GroupName": group.group_name,
        "GroupDescription": group.description,
        "VpcId": group.vpc_id,
        "SecurityGroupIngress": [_rule(r) for r in group.rules],
        **_tags(group.tags),
    }
    undescribed = not all(r.description for r in group.rules)
    return _resource(
        SECURITY_GROUP, properties, group.adopted, UNDESCRIBED_RULE if undescribed else None
    )


def endpoint_resource(endpoint: EndpointCode, group: dict[str, Any] | str | None) -> dict[str, Any]:
    """The endpoint as CloudFormation declares it; ``group`` stands for the tool's group (a
    ``Fn::GetAtt`` of its logical id, or its id as a string) when the endpoint uses it."""
    properties: dict[str, Any] = {
        "VpcId": endpoint.vpc_id,
        "ServiceName": endpoint.service_name,
        "VpcEndpointType": endpoint.endpoint_type.value,
    }
    if endpoint.interface:
        groups: list[Any] = list(endpoint.group_ids)
        if endpoint.tool_group and group is not None:
            groups.insert(0, group)
        properties["SubnetIds"] = list(endpoint.subnet_ids)
        properties["SecurityGroupIds"] = groups
        properties["PrivateDnsEnabled"] = endpoint.private_dns
        if endpoint.ip_address_type:
            properties["IpAddressType"] = endpoint.ip_address_type
        if endpoint.dns_record_ip_type:
            properties["DnsOptions"] = {"DnsRecordIpType": endpoint.dns_record_ip_type}
    else:
        properties["RouteTableIds"] = list(endpoint.route_table_ids)
    if endpoint.policy:
        properties["PolicyDocument"] = policy_data(endpoint.policy)
    properties.update(_tags(endpoint.tags))
    return _resource(VPC_ENDPOINT, properties, endpoint.adopted)


def logical_ids(code: VpcCode) -> dict[str, str]:
    """Logical ids by the spec's names: CamelCase, unique (a clash gets ``2``, ``3``...)."""
    names = [code.group.name] if code.group is not None else []
    names += [e.name for e in code.endpoints]
    found: dict[str, str] = {}
    for name in names:
        base = candidate = logical_id(name)
        n = 1
        while candidate in found.values():
            n += 1
            candidate = f"{base}{n}"
        found[name] = candidate
    return found


def _group_reference(code: VpcCode, ids: Mapping[str, str]) -> dict[str, Any] | None:
    if code.group is None:
        return None
    return {"Fn::GetAtt": [ids[code.group.name], "GroupId"]}


def _desired(code: VpcCode, ids: Mapping[str, str]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    if code.group is not None:
        resources[ids[code.group.name]] = group_resource(code.group)
    reference = _group_reference(code, ids)
    for endpoint in code.endpoints:
        resources[ids[endpoint.name]] = endpoint_resource(endpoint, reference)
    return resources


def _outputs(code: VpcCode, ids: Mapping[str, str]) -> dict[str, Any]:
    """The group's id, exported, when the user's own endpoints are to use it: their code is
    most likely another stack's (``Fn::ImportValue``). Not in the import template: an import
    may not add outputs."""
    if code.group is None or not any(r.add_tool_group for r in code.repairs):
        return {}
    group = ids[code.group.name]
    return {
        f"{group}Id": {
            "Description": "The security group your own endpoints of ECR are to use",
            "Value": {"Fn::GetAtt": [group, "GroupId"]},
            "Export": {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{group}Id"}},
        }
    }


def _as_is(code: VpcCode, ids: Mapping[str, str]) -> dict[str, Any]:
    """The adopted resources as they are now: literal ids, no reference (nothing may change)."""
    resources: dict[str, Any] = {}
    group_id = code.group.group_id if code.group is not None else ""
    if code.group is not None and code.group.current is not None:
        resources[ids[code.group.name]] = group_resource(code.group.current)
    for endpoint in code.endpoints:
        if endpoint.current is not None:
            current = endpoint_resource(endpoint.current, group_id or None)
            resources[ids[endpoint.name]] = current
    return resources


def _to_import(code: VpcCode, ids: Mapping[str, str]) -> str:
    items = [
        {
            "ResourceType": SECURITY_GROUP if isinstance(r, GroupCode) else VPC_ENDPOINT,
            "LogicalResourceId": ids[r.name],
            "ResourceIdentifier": {
                IDENTIFIER: r.group_id if isinstance(r, GroupCode) else r.endpoint_id
            },
        }
        for r in code.adopted
    ]
    return json.dumps(items, indent=2) + "\n" if items else ""


def _document(
    code: VpcCode, resources: dict[str, Any], outputs: dict[str, Any] | None = None
) -> list[str]:
    name = f" ({code.vpc_name})" if code.vpc_name else ""
    return block(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"ecr-endpoint-guard: VPC endpoints for ECR in {code.vpc_id}{name}",
            "Resources": resources,
            **({"Outputs": outputs} if outputs else {}),
        }
    )


def _header(code: VpcCode) -> list[str]:
    return comments.header(code, "CloudFormation")


def _deploy(code: VpcCode) -> list[str]:
    """How to deploy it: one command, or, when the tool created some of it, import first."""
    template, import_template, to_import = file_names(code.label)
    region = f"--region {code.region}"
    stack = f"--stack-name {stack_name(code.label)}"
    change_set = f"{stack} --change-set-name {CHANGE_SET}"
    deploy = [
        f"aws cloudformation deploy {region} {stack} \\",
        f"  --template-file {template}",
    ]
    intro = (
        "# Built from the same plan as auto-fix. Review it, then deploy it as a stack of its own"
    )
    if not code.adopted:
        return [f"{intro}:", *(f"#   {line}" for line in deploy)]
    steps = [
        f"aws cloudformation create-change-set {region} \\",
        f"  {change_set} \\",
        f"  --change-set-type IMPORT --template-body file://{import_template} \\",
        f"  --resources-to-import file://{to_import}",
        f"aws cloudformation wait change-set-create-complete {region} \\",
        f"  {change_set}",
        f"aws cloudformation execute-change-set {region} \\",
        f"  {change_set}",
        f"aws cloudformation wait stack-import-complete {region} \\",
        f"  {stack}",
    ]
    return [
        f"{intro}.",
        f"# The tool created {len(code.adopted)} of these resources: the stack adopts them in two",
        "# steps (an import may neither create nor change anything):",
        f"#   1. import them as they are now ({import_template}, {to_import}):",
        *(f"#      {line}" for line in steps),
        "#   2. then deploy this template (the plan's repairs; the tool's tags dropped):",
        *(f"#      {line}" for line in deploy),
        *_rules_change(code),
    ]


def _rules_change(code: VpcCode) -> list[str]:
    """A warning when step 2 changes the adopted group's rules: the resource schema of
    ``AWS::EC2::SecurityGroup`` (as cfn-lint bundles it) says of ``SecurityGroupIngress``:
    "There is a short interruption during which you cannot connect to the security group"."""
    group = code.group
    if group is None or group.current is None or group.rules == group.current.rules:
        return []
    name = logical_ids(code)[group.name]
    return [
        f"#      It changes the rules of the group {name}: CloudFormation's",
        "#      schema for them warns of a short interruption of connections through the group.",
        "#      Deploy it when a short break of image pulls is acceptable.",
    ]


def _dns(code: VpcCode) -> list[str]:
    return comments.dns(
        code, "AWS::EC2::VPC", [f"{DNS_PROPERTIES[a]}: true" for a in code.dns_attributes]
    )


def repair_comment(repair: Repair, code: VpcCode, ids: Mapping[str, str]) -> list[str]:
    lines = comments.repair_heading(repair, code)
    if repair.enable_private_dns:
        lines.append("#   PrivateDnsEnabled: true")
    if repair.add_subnet_ids:
        lines.append(f"#   SubnetIds: add {', '.join(scalar(s) for s in repair.add_subnet_ids)}")
    groups = [scalar(g) for g in repair.add_group_ids]
    if repair.add_tool_group and code.group is not None:
        group = ids[code.group.name]
        export = f"{stack_name(code.label)}-{group}Id"
        groups.insert(0, f"the group {group} above")
        lines.append(f"#   SecurityGroupIds: add {', '.join(groups)}")
        lines.append(f'#     (from another stack: Fn::ImportValue: "{export}", an output above)')
    elif groups:
        lines.append(f"#   SecurityGroupIds: add {', '.join(groups)}")
    if repair.remove_group_ids:
        removed = ", ".join(scalar(g) for g in repair.remove_group_ids)
        lines.append(f"#   SecurityGroupIds: remove {removed} (admits more than the VPC)")
    if repair.add_route_table_ids:
        tables = ", ".join(scalar(t) for t in repair.add_route_table_ids)
        lines.append(f"#   RouteTableIds: add {tables}")
    return lines


def hand_over(code: VpcCode) -> list[str]:
    """The last step: tag the VPC so that the function stops managing it."""
    return comments.hand_over(
        code,
        applied="the stack is deployed",
        in_code=f'AWS::EC2::VPC resource: Tags: [{{Key: "{MODE_TAG}", Value: "dry-run"}}]',
    )


def _comments(code: VpcCode, ids: Mapping[str, str]) -> list[str]:
    """What follows the resources: the repairs of the user's endpoints, then the hand-over."""
    lines: list[str] = []
    for repair in code.repairs:
        lines += ["", *repair_comment(repair, code, ids)]
    return lines + hand_over(code)


def _import_template(code: VpcCode, ids: Mapping[str, str]) -> str:
    template, _, to_import = file_names(code.label)
    lines = [
        *_header(code),
        "# Step 1 of the adoption: the resources the tool created, exactly as they are now, for",
        f"# an IMPORT change set with {to_import}. Then deploy {template} (step 2).",
        "",
        *_document(code, _as_is(code, ids)),
    ]
    return "\n".join(lines) + "\n"


def render(code: VpcCode) -> CloudFormationCode:
    """The CloudFormation of one VPC (same input, same bytes)."""
    header = _header(code)
    if code.skipped:
        note = [*header, "", comments.skipped(code)]
        return CloudFormationCode(code.label, "", note="\n".join(note) + "\n")
    if code.empty:
        note = [
            *header,
            "",
            f"# Nothing to write: {code.vpc_id} is compliant and holds nothing the tool created.",
        ]
        return CloudFormationCode(code.label, "", note="\n".join(note) + "\n")
    ids = logical_ids(code)
    if not ids:
        note = [
            *header,
            "",
            "# No resource to declare: every change belongs to resources of your own code.",
            *_dns(code),
            *_comments(code, ids),
        ]
        return CloudFormationCode(code.label, "", note="\n".join(note) + "\n")
    document = _document(code, _desired(code, ids), _outputs(code, ids))
    lines = [*header, *_deploy(code), *_dns(code), "", *document]
    lines += _comments(code, ids)
    return CloudFormationCode(
        label=code.label,
        template="\n".join(lines) + "\n",
        import_template=_import_template(code, ids) if code.adopted else "",
        resources_to_import=_to_import(code, ids),
    )
