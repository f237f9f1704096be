"""What a command-line value must look like: the ``type=`` of each shared option.

Each takes the text argparse gives it and returns the value, blanks around it ignored, or
raises :class:`argparse.ArgumentTypeError` with a message that says what was expected (a
usage error: one line, exit 2).
"""

from __future__ import annotations

import argparse
import re
import urllib.parse

from remediation.events.triggers import ID_PATTERNS
from remediation.vocabulary import ACCOUNT_ID

#: An IAM role name: 1-64 characters of ``[\w+=,.@-]`` (IAM CreateRole reference), after an
#: optional path (``division/team/``: IAM paths are 1-512 characters, ``/`` separated).
ROLE_NAME_PATTERN = re.compile(r"^(?:[\w+=,.@-]+/){0,32}[\w+=,.@-]{1,64}$")
#: A role's ARN: partition, account, then the role's path and name.
ROLE_ARN_PATTERN = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}):role/(.+)$")
#: STS AssumeRole's ExternalId: 2-1224 characters of ``[\w+=,.@:/-]``.
EXTERNAL_ID_PATTERN = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
#: The most accounts (``--max-parallel``) or regions (``--parallel-regions``) at once.
MAX_PARALLEL = 32


def vpc_id(text: str) -> str:
    """A VPC id (``vpc-`` and 8 or 17 lowercase hex digits), blanks around it ignored."""
    value = text.strip()
    if not ID_PATTERNS["vpc_ids"].fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a VPC id (vpc- and 8 or 17 lowercase hex digits)"
        )
    return value


def endpoint_url(text: str) -> str:
    """An ``http://`` or ``https://`` URL with a host (and a valid port, if any)."""
    value = text.strip()
    problem = f"{text!r} is not an http:// or https:// URL"
    try:
        parts = urllib.parse.urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{problem} ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise argparse.ArgumentTypeError(problem)
    if any(c.isspace() for c in value):
        raise argparse.ArgumentTypeError(f"{problem} (it contains blanks)")
    return value


def account_id(text: str) -> str:
    """A 12-digit AWS account id, blanks around it ignored.

    >>> account_id(" 111122223333 ")
    '111122223333'
    """
    value = text.strip()
    if not ACCOUNT_ID.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS account id (12 digits)")
    return value


def role_name(text: str) -> str:
    """An IAM role name, after its path if it has one: the member role, the same in every
    account (an ARN is ``--role-arn``).

    >>> role_name("ecr-endpoint-guard-member"), role_name("/security/guard-member")
    ('ecr-endpoint-guard-member', 'security/guard-member')
    """
    value = text.strip().strip("/")
    if len(value) > 512 + 64 or not ROLE_NAME_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IAM role name (1-64 of letters, digits and +=,.@_-, after an "
            "optional path: path/to/name)"
        )
    return value


def role_arn(text: str) -> tuple[str, str]:
    """An IAM role's ARN: ``(account, path/name)``.

    >>> role_arn("arn:aws:iam::111122223333:role/security/guard")
    ('111122223333', 'security/guard')
    """
    match = ROLE_ARN_PATTERN.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<path/name>)"
        )
    return match.group(2), role_name(match.group(3))


def external_id(text: str) -> str:
    """An STS external id (2-1224 characters of letters, digits and ``+=,.@:/-``)."""
    value = text.strip()
    if not EXTERNAL_ID_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            "the external id is 2-1224 characters of letters, digits and +=,.@:/-"
        )
    return value


def parallelism(text: str) -> int:
    """A whole number from 1 to :data:`MAX_PARALLEL`."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PARALLEL:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {MAX_PARALLEL}")
    return value


def tag_filter(text: str) -> tuple[str, str | None]:
    """``KEY=VALUE`` (a VPC tagged so) or ``KEY`` (a VPC with that tag, any value).

    >>> tag_filter("team=payments"), tag_filter("owner")
    (('team', 'payments'), ('owner', None))
    """
    key, sep, value = text.partition("=")
    if not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE or KEY")
    return key.strip(), (value if sep else None)


def seconds(text: str) -> float:
    """A number of seconds from 1 to 300."""
    try:
        value = float(text.strip())
    except ValueError:
        value = 0.0
    if not 1 <= value <= 300:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 1 to 300")
    return value
