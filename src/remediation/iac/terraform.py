"""Terraform (HCL) for one VPC's :class:`~remediation.iac.spec.VpcCode`. Pure.

What the file holds, in order: a header; the DNS attributes for the user's own ``aws_vpc`` (a
comment: the tool cannot know that resource); the security group; the endpoints, each
adopted one followed by its ``import`` block (Terraform 1.5 or later); the repairs of
endpoints the tool did not create (comments against their ids: the user's code owns them);
and, last, the hand-over step (the VPC's ``ecr-endpoint-guard/mode`` tag).

No ``terraform`` or ``provider`` block: the files of several VPCs go into one module, whose
own blocks say which provider (``hashicorp/aws`` 5.0 or later) and region.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from remediation.actions import TOOL_GROUP_NAME
from remediation.iac import comments
from remediation.iac.names import policy_data
from remediation.iac.resources import EndpointCode, GroupCode, Repair, Rule, VpcCode
from remediation.modes import MODE_TAG
from remediation.text import unseen

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
#: checkov's check that every rule is described, and why it does not apply to a rule someone
#: added to the tool's group and the plan keeps as it is (``#checkov:skip``).
UNDESCRIBED_RULE = (
    "CKV_AWS_23",
    "a rule someone added to the group, kept exactly as it is: describing it would replace it",
)
#: checkov's check that a group is attached to something, and why it does not apply to a group
#: only the user's own endpoints (named in the comments) will use (``#checkov:skip``).
UNATTACHED_GROUP = (
    "CKV2_AWS_5",
    "attached by your own code to the endpoints named in the comments below",
)
DNS_ARGUMENTS = {
    "enableDnsSupport": "enable_dns_support",
    "enableDnsHostnames": "enable_dns_hostnames",
}


def string(text: str) -> str:
    """An HCL string literal, the value kept exactly: every control, format or line-separating
    character as a ``\\u``/``\\U`` escape (nothing raw reaches a terminal or ends the line);
    template sequences ``${`` and ``%{`` with a Unicode escape of their first character (never a
    template: HCL finds those in the raw text, then decodes the escapes; doubling them, ``$${``,
    is ambiguous after a user's own ``%%``); a lone surrogate (which UTF-8 cannot hold) as U+FFFD.

    >>> print(string('a "b" ${c} %%{d}'))
    "a \\"b\\" \\u0024{c} %\\u0025{d}"
    >>> print(string("x\\x85\\u202e\\U000e0001"))
    "x\\u0085\\u202e\\U000e0001"
    >>> print(string("\\b\\f\\n"))  # HCL has no \\b or \\f escape (json.dumps writes them)
    "\\u0008\\u000c\\n"
    """
    body = "".join(_SHORT.get(c) or (_escape(c) if unseen(c) else c) for c in _whole(text))
    return '"' + body.replace("${", "\\u0024{").replace("%{", "\\u0025{") + '"'


def _whole(text: str) -> str:
    """``text`` with every lone surrogate replaced (U+FFFD): what UTF-8 can write."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


#: HCL's own short escapes (no ``\\b`` or ``\\f``: those are ``\\u`` escapes in HCL).
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


#: Keywords of HCL's native syntax (its specification: ``for``/``in``/``if`` in for
#: expressions, ``true``/``false``/``null`` the literal values). ``{ for = …`` opens a for
#: expression, so Terraform refuses a map whose first key is a bare ``for`` ("Invalid 'for'
#: expression"); a tag key may be any of them, so they are always quoted.
_KEYWORDS = frozenset({"for", "in", "if", "true", "false", "null"})


def key(text: str) -> str:
    """An object key: bare when it is an identifier and no keyword, else quoted.

    >>> key("Team"), key("for"), key("cost centre")
    ('Team', '"for"', '"cost centre"')
    """
    bare = _IDENTIFIER.fullmatch(text) and text not in _KEYWORDS
    return text if bare else string(text)


def value(data: Any, indent: int = 0) -> str:
    """An HCL expression for JSON-like data (what ``jsonencode`` turns back into the policy)."""
    pad = "  " * (indent + 1)
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | float):
        return json.dumps(data)
    if data is None:
        return "null"
    if isinstance(data, str):
        return string(data)
    if isinstance(data, list):
        if not data:
            return "[]"
        if all(isinstance(d, str | int | float | bool) for d in data):
            return "[" + ", ".join(value(d) for d in data) + "]"
        items = "".join(f"{pad}{value(d, indent + 1)},\n" for d in data)
        return "[\n" + items + "  " * indent + "]"
    if isinstance(data, dict):
        if not data:
            return "{}"
        rendered = [(key(k), value(v, indent + 1)) for k, v in data.items()]
        return (
            "{\n"
            + "".join(f"{line}\n" for line in _aligned(rendered, indent + 1))
            + ("  " * indent + "}")
        )
    raise TypeError(f"no HCL for {type(data).__name__}")


def _aligned(pairs: list[tuple[str, str]], indent: int) -> list[str]:
    """``name = value`` lines, the ``=`` aligned within each run of one-line values, as
    ``terraform fmt`` aligns them: a value on several lines is in no run.

    >>> print("\\n".join(_aligned([("a", "1"), ("bbb", "{\\n}"), ("cc", "2"), ("d", "3")], 0)))
    a = 1
    bbb = {
    }
    cc = 2
    d  = 3
    """
    lines: list[str] = []
    run: list[tuple[str, str]] = []
    pad = "  " * indent

    def flush() -> None:
        width = max((len(k) for k, _ in run), default=0)
        lines.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in run)
        run.clear()

    for name, text in pairs:
        if "\n" in text:  # a value on several lines ends the run and is not aligned
            flush()
            lines.append(f"{pad}{name} = {text}")
        else:
            run.append((name, text))
    flush()
    return lines


def _strings(values: Iterable[str], indent: int = 1) -> str:
    """A list of strings: on one line, or one item a line when that line would be long."""
    items = [string(v) for v in values]
    one_line = "[" + ", ".join(items) + "]"
    if len(one_line) <= 72:
        return one_line
    pad = "  " * (indent + 1)
    return "[\n" + "".join(f"{pad}{i},\n" for i in items) + "  " * indent + "]"


def _tags(tags: Iterable[tuple[str, str]]) -> list[str]:
    items = list(tags)
    if not items:
        return []
    return ["", "  tags = " + value(dict(items), 1)]


def _rule(rule: Rule) -> list[str]:
    pairs = [("description", string(rule.description))] if rule.description else []
    pairs += [
        ("protocol", string(rule.protocol)),
        ("from_port", str(0 if rule.from_port is None else rule.from_port)),
        ("to_port", str(0 if rule.to_port is None else rule.to_port)),
    ]
    if rule.cidr_ipv4:
        pairs.append(("cidr_blocks", _strings([rule.cidr_ipv4])))
    if rule.cidr_ipv6:
        pairs.append(("ipv6_cidr_blocks", _strings([rule.cidr_ipv6])))
    if rule.source_group_id:
        pairs.append(("security_groups", _strings([rule.source_group_id])))
    if rule.prefix_list_id:
        pairs.append(("prefix_list_ids", _strings([rule.prefix_list_id])))
    return ["", "  ingress {", *_aligned(pairs, 2), "  }"]


def group_block(group: GroupCode, *, attached: bool = True) -> list[str]:
    """The group; ``attached`` False when no endpoint of this file uses it (only the user's)."""
    lines = []
    if not group.adopted:  # the plan above it says the tool's name: say why this one differs
        lines += [
            f"# The plan's \"create security group {TOOL_GROUP_NAME}\", as your code's own group:",
            "# named after the VPC (the tool's name marks the groups the tool itself creates).",
        ]
    lines.append(f'resource "aws_security_group" "{group.name}" {{')
    if not attached:
        lines.append("  #checkov:skip={}:{}".format(*UNATTACHED_GROUP))
    if not all(r.description for r in group.rules):
        lines.append("  #checkov:skip={}:{}".format(*UNDESCRIBED_RULE))
    lines += _aligned(
        [
            ("name", string(group.group_name)),
            ("description", string(group.description)),
            ("vpc_id", string(group.vpc_id)),
        ],
        1,
    )
    for rule in group.rules:
        lines += _rule(rule)
    if group.adopted:
        lines += ["", "  # Egress is not managed here: the group's egress rules stay as they are."]
    else:
        lines += ["", "  # No egress rule: an endpoint only answers connections (stateful group)."]
    lines += [*_tags(group.tags), "}"]
    if group.adopted:
        lines += _import("aws_security_group", group.name, group.group_id)
    return lines


def _import(resource_type: str, name: str, resource_id: str) -> list[str]:
    return ["", "import {", f"  to = {resource_type}.{name}", f"  id = {string(resource_id)}", "}"]


def _group_reference(code: VpcCode) -> str:
    return f"aws_security_group.{code.group.name}.id" if code.group else ""


def endpoint_block(endpoint: EndpointCode, code: VpcCode) -> list[str]:
    lines = [f'resource "aws_vpc_endpoint" "{endpoint.name}" {{']
    pairs = [
        ("vpc_id", string(endpoint.vpc_id)),
        ("service_name", string(endpoint.service_name)),
        ("vpc_endpoint_type", string(endpoint.endpoint_type.value)),
    ]
    if endpoint.interface:
        groups = [string(g) for g in endpoint.group_ids]
        if endpoint.tool_group and code.group is not None:
            groups.insert(0, _group_reference(code))
        pairs += [
            ("subnet_ids", _strings(endpoint.subnet_ids)),
            ("security_group_ids", "[" + ", ".join(groups) + "]"),
            ("private_dns_enabled", "true" if endpoint.private_dns else "false"),
        ]
        if endpoint.ip_address_type:
            pairs.append(("ip_address_type", string(endpoint.ip_address_type)))
    else:
        pairs.append(("route_table_ids", _strings(endpoint.route_table_ids)))
    lines += _aligned(pairs, 1)
    if endpoint.dns_record_ip_type:
        lines += [
            "",
            "  dns_options {",
            f"    dns_record_ip_type = {string(endpoint.dns_record_ip_type)}",
            "  }",
        ]
    if endpoint.policy:
        policy = policy_data(endpoint.policy)
        written = string(policy) if isinstance(policy, str) else f"jsonencode({value(policy, 1)})"
        lines += ["", f"  policy = {written}"]
    lines += [*_tags(endpoint.tags), "}"]
    if endpoint.adopted:
        lines += _import("aws_vpc_endpoint", endpoint.name, endpoint.endpoint_id)
    return lines


def repair_comment(repair: Repair, code: VpcCode) -> list[str]:
    lines = comments.repair_heading(repair, code)
    if repair.enable_private_dns:
        lines.append("#   private_dns_enabled = true")
    if repair.add_subnet_ids:
        lines.append(f"#   subnet_ids: add {', '.join(string(s) for s in repair.add_subnet_ids)}")
    groups = [string(g) for g in repair.add_group_ids]
    if repair.add_tool_group and code.group is not None:
        groups.insert(0, f"{_group_reference(code)} (the group above)")
    if groups:
        lines.append(f"#   security_group_ids: add {', '.join(groups)}")
    if repair.remove_group_ids:
        removed = ", ".join(string(g) for g in repair.remove_group_ids)
        lines.append(f"#   security_group_ids: remove {removed} (admits more than the VPC)")
    if repair.add_route_table_ids:
        tables = ", ".join(string(t) for t in repair.add_route_table_ids)
        lines.append(f"#   route_table_ids: add {tables}")
    return lines


def _header(code: VpcCode) -> list[str]:
    return [
        *comments.header(code, "Terraform"),
        "# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)",
        "# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.",
    ]


def _dns(code: VpcCode) -> list[str]:
    pairs = [(DNS_ARGUMENTS[a], "true") for a in code.dns_attributes]
    width = max((len(k) for k, _ in pairs), default=0)
    return comments.dns(code, "aws_vpc", [f"{k.ljust(width)} = {v}" for k, v in pairs])


def dns_check(code: VpcCode) -> list[str]:
    """A ``data "aws_vpc"`` whose postcondition stops ``terraform plan`` while the VPC's DNS
    support or DNS hostnames are off: the interface endpoints' private DNS needs both, and
    real AWS refuses it at apply time (none when no endpoint of the file uses private DNS).
    """
    if not (
        any(e.private_dns for e in code.endpoints)
        or any(r.enable_private_dns for r in code.repairs)
    ):
        return []
    message = (
        f"{code.vpc_id} has DNS support or DNS hostnames off: private DNS of its interface "
        "endpoints needs both. Set enable_dns_support and enable_dns_hostnames to true in "
        "your aws_vpc resource and apply that first."
    )
    return [
        "",
        "# Stops `terraform plan` while the VPC's DNS attributes are off (see above).",
        f'data "aws_vpc" "{code.label}" {{',
        f"  id = {string(code.vpc_id)}",
        "",
        "  lifecycle {",
        "    postcondition {",
        "      condition     = self.enable_dns_support && self.enable_dns_hostnames",
        f"      error_message = {string(message)}",
        "    }",
        "  }",
        "}",
    ]


def hand_over(code: VpcCode) -> list[str]:
    """The last step: tag the VPC so that the function stops managing it."""
    return comments.hand_over(
        code,
        applied="`terraform apply` has run",
        in_code=f'aws_vpc resource: tags = {{ "{MODE_TAG}" = "dry-run" }}',
    )


def render(code: VpcCode) -> str:
    """The ``.tf`` text of one VPC (ends with a newline; same input, same bytes)."""
    lines = _header(code)
    if code.skipped:
        lines += ["", comments.skipped(code)]
        return "\n".join(lines) + "\n"
    if code.empty:
        lines += [
            "",
            f"# Nothing to write: {code.vpc_id} is compliant and holds nothing the tool created.",
        ]
        return "\n".join(lines) + "\n"
    lines += _dns(code)
    lines += dns_check(code)
    if code.group is not None:
        attached = any(e.tool_group for e in code.endpoints)
        lines += ["", *group_block(code.group, attached=attached)]
    for endpoint in code.endpoints:
        lines += ["", *endpoint_block(endpoint, code)]
    for repair in code.repairs:
        lines += ["", *repair_comment(repair, code)]
    lines += hand_over(code)
    return "\n".join(lines) + "\n"
