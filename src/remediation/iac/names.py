"""Names and text for the code: identifiers, labels, ``Name`` tags and comments. Pure.

A VPC's own text (its tags) reaches the code only through these functions: identifiers are
letters, digits and ``_``; comments carry no line break or control character; tag values and
group names stay within EC2's limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from remediation.iac.resources import Tags
from remediation.model import VpcSnapshot
from remediation.text import file_stem, plain
from remediation.vocabulary import TAG_PREFIX, EndpointType

#: EC2's limits: a tag value of 256 characters, a group name of 255.
TAG_VALUE_LIMIT = 256
GROUP_NAME_LIMIT = 255
#: Tags AWS reserves (``aws:``): no code can set them, so none is written.
_RESERVED_TAG = "aws:"
_NOT_IDENTIFIER = re.compile(r"[^a-z0-9]+")
#: The longest label (the stem of file and resource names) a VPC's name gives; a longer one is
#: cut and keeps a hash of the whole name (:func:`remediation.text.file_stem`).
LABEL_LIMIT = 64
#: The longest text of the VPC's own (a tag) one comment line quotes.
COMMENT_LIMIT = 300


def identifier(text: str) -> str:
    """A resource name from any text: lowercase letters, digits and ``_``, starting with a letter.

    >>> identifier("Prod East (10.0.0.0/16)")
    'prod_east_10_0_0_0_16'
    >>> identifier("123-shared")
    'vpc_123_shared'
    """
    name = _NOT_IDENTIFIER.sub("_", text.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"vpc_{name}".rstrip("_")
    return name


def comment_text(text: str) -> str:
    """The VPC's own text (its tags) for a comment of the code: one line (a line break, NEL or
    a line separator would end the comment and start code), no control or format character,
    bounded (:func:`remediation.text.plain`).

    >>> comment_text("prod\\nresource x {}\\x85y: 1")
    'prod resource x {} y: 1'
    """
    return plain(text, COMMENT_LIMIT)


def vpc_label(snapshot: VpcSnapshot) -> str:
    """The stem of every name in the VPC's code: its ``Name`` tag, else (no tag, or one without
    a letter or digit of ``a-z0-9``) its id; at most :data:`LABEL_LIMIT` characters (a long name
    is cut and keeps a hash of the whole).

    >>> label = vpc_label(VpcSnapshot("vpc-1", "r", "1", (), True, True, tags={"Name": "x" * 256}))
    >>> len(label), label[:3], label[-9] == "_"
    (64, 'xxx', True)
    """
    return identifier(file_stem(snapshot.name, LABEL_LIMIT) or snapshot.vpc_id)


def unique_labels(snapshots: Iterable[VpcSnapshot]) -> dict[str, str]:
    """Labels by VPC id; VPCs that share a ``Name`` tag get their id appended, so that the
    files of one output directory never declare the same name twice.

    >>> from remediation.model import VpcSnapshot
    >>> def vpc(i, name):
    ...     return VpcSnapshot(i, "r", "1", (), True, True, tags={"Name": name})
    >>> unique_labels([vpc("vpc-1", "prod"), vpc("vpc-2", "prod"), vpc("vpc-3", "dev")])
    {'vpc-1': 'prod_vpc_1', 'vpc-2': 'prod_vpc_2', 'vpc-3': 'dev'}
    """
    items = list(snapshots)
    stems = [vpc_label(s) for s in items]
    return {
        s.vpc_id: stem if stems.count(stem) == 1 else f"{stem}_{identifier(s.vpc_id)}"
        for s, stem in zip(items, stems, strict=True)
    }


def short_service(service_name: str, region: str) -> str:
    """``ecr.api`` for ``com.amazonaws.<region>.ecr.api``; the whole name for other services."""
    prefix = f"com.amazonaws.{region}."
    return service_name[len(prefix) :] if service_name.startswith(prefix) else service_name


def endpoint_name(label: str, service: str, endpoint_type: EndpointType) -> str:
    """``<label>_<service>``, and ``_gateway`` for a gateway endpoint (``prod_s3_gateway``)."""
    suffix = "_gateway" if endpoint_type is EndpointType.GATEWAY else ""
    return f"{label}_{identifier(service)}{suffix}"


def canonical_policy(text: str) -> str:
    """A policy as compact JSON with sorted keys (``""`` stays ``""``; unreadable text as is)."""
    if not text.strip():
        return ""
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return text


def policy_data(text: str) -> Any:
    """A policy as data to write: the mapping JSON reads, or, where JSON cannot read it, the
    text itself (both writers' policy properties take a string as well as a mapping)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def user_tags(tags: Iterable[tuple[str, str]]) -> Tags:
    """Tags the code keeps: not AWS's own, not the tool's (``ecr-endpoint-guard/...``)."""
    return tuple(
        sorted(
            (k, v)
            for k, v in tags
            if not k.startswith(_RESERVED_TAG) and not k.startswith(f"{TAG_PREFIX}/")
        )
    )


def name_tag(display: str, what: str) -> Tags:
    """The ``Name`` tag ``<VPC name> <what>``, within EC2's limit (the VPC's name shortened).

    >>> len(name_tag("x" * 300, "ecr.api")[0][1])
    256
    """
    room = TAG_VALUE_LIMIT - len(what) - 1
    return (("Name", f"{display[:room].rstrip()} {what}"),)


def group_name(label: str) -> str:
    """The name of a group the code creates: ``<label>-vpc-endpoints``, within EC2's limit."""
    suffix = "-vpc-endpoints"
    return label.replace("_", "-")[: GROUP_NAME_LIMIT - len(suffix)].rstrip("-") + suffix


def current_tags(tags: Iterable[tuple[str, str]]) -> Tags:
    return tuple(sorted((k, v) for k, v in tags if not k.startswith(_RESERVED_TAG)))
