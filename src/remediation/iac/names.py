"""Names and text for the code: identifiers, labels, ``Name`` tags and comments. Pure.

A VPC's own text (its tags) reaches the code only through these functions: identifiers are
letters, digits and ``_``; comments carry no line break or control character; tag values and
group names stay within EC2's limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from remediation.iac.resources import Tags
from remediation.model import VpcSnapshot
from remediation.vocabulary import TAG_PREFIX, EndpointType

#: EC2's limits: a tag value of 256 characters, a group name of 255.
TAG_VALUE_LIMIT = 256
GROUP_NAME_LIMIT = 255
#: Tags AWS reserves (``aws:``): no code can set them, so none is written.
_RESERVED_TAG = "aws:"
_NOT_IDENTIFIER = re.compile(r"[^a-z0-9]+")
#: Line breaks, control characters (C0, DEL, C1), lone surrogates and non-characters: what
#: could end a comment, or what YAML refuses in a document (YAML 1.2, "c-printable").
_UNSAFE_IN_COMMENT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


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
    """The VPC's own text (its tags) for a comment of the code: no line break or control
    character, which would end the comment and start code (EC2 allows any character in a tag).

    >>> comment_text("prod\\nresource x {}")
    'prod resource x {}'
    """
    return _UNSAFE_IN_COMMENT.sub(" ", text)


def vpc_label(snapshot: VpcSnapshot) -> str:
    """The stem of every name in the VPC's code: its ``Name`` tag, else its id."""
    return identifier(snapshot.name or snapshot.vpc_id)


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
