"""A VPC's resources as CloudFormation declares them: logical ids, properties, the adoption.

:mod:`remediation.iac.cloudformation` writes the templates from these: the desired state
(:func:`desired`, with :func:`outputs`), the resources the tool created as they are now for an
``IMPORT`` change set (:func:`as_is`) and their identifiers (:func:`to_import`). Every adopted
resource keeps ``DeletionPolicy``/``UpdateReplacePolicy: Retain``. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from remediation.iac.names import policy_data
from remediation.iac.resources import EndpointCode, GroupCode, Rule, VpcCode

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
#: CloudFormation's limit of a logical id is 255 characters: less room for the digits that keep
#: two of them apart.
_MAX_LOGICAL_ID = 240


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


def desired(code: VpcCode, ids: Mapping[str, str]) -> dict[str, Any]:
    """The resources the VPC's stack declares: the tool's group, then the endpoints."""
    resources: dict[str, Any] = {}
    if code.group is not None:
        resources[ids[code.group.name]] = group_resource(code.group)
    reference = _group_reference(code, ids)
    for endpoint in code.endpoints:
        resources[ids[endpoint.name]] = endpoint_resource(endpoint, reference)
    return resources


def outputs(code: VpcCode, ids: Mapping[str, str]) -> dict[str, Any]:
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


def as_is(code: VpcCode, ids: Mapping[str, str]) -> dict[str, Any]:
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


def to_import(code: VpcCode, ids: Mapping[str, str]) -> str:
    """``--resources-to-import``: each adopted resource's logical id and identifier (JSON)."""
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
