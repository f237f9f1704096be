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

The resources are declared by :mod:`remediation.iac.cloudformation_resources`; the YAML is
written by :mod:`remediation.iac.yaml_text` (no YAML library: the package's runtime
needs only boto3 and Powertools), with long-form intrinsics (``Fn::GetAtt``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from remediation.iac import comments
from remediation.iac.cloudformation_resources import (
    as_is,
    desired,
    logical_ids,
    outputs,
    to_import,
)
from remediation.iac.resources import Repair, VpcCode
from remediation.iac.yaml_text import block, scalar
from remediation.modes import MODE_TAG

DNS_PROPERTIES = {
    "enableDnsSupport": "EnableDnsSupport",
    "enableDnsHostnames": "EnableDnsHostnames",
}
CHANGE_SET = "adopt-ecr-endpoints"
#: CloudFormation's limit of a stack name.
_MAX_STACK_NAME = 128


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
        *_document(code, as_is(code, ids)),
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
    document = _document(code, desired(code, ids), outputs(code, ids))
    lines = [*header, *_deploy(code), *_dns(code), "", *document]
    lines += _comments(code, ids)
    return CloudFormationCode(
        label=code.label,
        template="\n".join(lines) + "\n",
        import_template=_import_template(code, ids) if code.adopted else "",
        resources_to_import=to_import(code, ids),
    )
