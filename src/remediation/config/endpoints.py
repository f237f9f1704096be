"""What the tool writes on the endpoints it creates, and how it creates them: their policies
(ENDPOINT_POLICY, ORGANIZATION_ID, S3_GATEWAY_POLICY, AWS_REGISTRY_ACCOUNTS), where egress is
inspected (INSPECTED_EGRESS), the tags they carry (EXTRA_TAGS), the wait for a deleting one
(DELETION_WAIT_SECONDS) and the zones' cap (MAX_AZS_PER_ENDPOINT).

An unreadable policy setting leaves the policies of the tool's endpoints as they are; an
unreadable tag makes the run dry-run (creating untagged resources where tags are required is
a harm).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from remediation.config.readers import read_account_ids
from remediation.modes import Mode, ModeReason

ENDPOINT_POLICIES = ("full-access", "account", "organization", "perimeter")
GATEWAY_POLICIES = ("full-access", "ecr-layers-only", "perimeter")
INSPECTED_EGRESS_CHOICES = ("report", "repair")
ORGANIZATION = re.compile(r"^o-[a-z0-9]{10,32}$")
#: EC2's tag rules (EC2 User Guide, "Tag restrictions"): keys of 1-128 and values of 0-256
#: characters, letters, digits, spaces and ``+ - = . _ : / @`` (what every service accepts),
#: no ``aws:`` prefix, at most 50 tags a resource (the tool writes 5 of its own).
TAG_TEXT = re.compile(r"^[\w .:/=+@-]*$")
MAX_EXTRA_TAGS = 45
#: Keys the tool writes itself (its own tags, and a Name): never overridden.
OWN_TAG_KEYS = ("Name",)
OWN_TAG_PREFIX = "ecr-endpoint-guard/"


@dataclass(frozen=True)
class PolicySettings:
    """ENDPOINT_POLICY and its companions, as :func:`read_policies` reads them."""

    endpoint_policy: str
    organization_id: str
    s3_gateway_policy: str
    valid: bool
    inspected_egress: str
    registries: tuple[str, ...]


def read_policies(env: Mapping[str, str], problems: list[str]) -> PolicySettings:
    """ENDPOINT_POLICY, ORGANIZATION_ID, S3_GATEWAY_POLICY, INSPECTED_EGRESS and
    AWS_REGISTRY_ACCOUNTS.

    The default policy is ``account``, or ``organization`` where ORGANIZATION_ID is set. An
    unreadable policy falls back to that default (never to a wider policy) and marks the
    settings invalid, so that no existing policy is rewritten on a guess; an unreadable
    INSPECTED_EGRESS, or ``repair`` without ORGANIZATION_ID (the perimeter policy needs it),
    is ``report``: nothing is added on an inspected path.
    """
    valid = True
    organization = env.get("ORGANIZATION_ID", "").strip()
    if organization and not ORGANIZATION.match(organization):
        problems.append(f"ORGANIZATION_ID={organization!r} is not an organization id (o-...)")
        organization, valid = "", False
    default = "organization" if organization else "account"
    policy = env.get("ENDPOINT_POLICY", "").strip().lower() or default
    if policy not in ENDPOINT_POLICIES:
        problems.append(
            f"ENDPOINT_POLICY={env['ENDPOINT_POLICY']!r} is not one of "
            f"{', '.join(ENDPOINT_POLICIES)}; using {default}, endpoint policies left as they are"
        )
        policy, valid = default, False
    elif policy in ("organization", "perimeter") and not organization:
        problems.append(
            f"ENDPOINT_POLICY={policy} needs ORGANIZATION_ID; using account, "
            "endpoint policies left as they are"
        )
        policy, valid = "account", False
    gateway_default = "perimeter" if policy == "perimeter" else "full-access"
    gateway = env.get("S3_GATEWAY_POLICY", "").strip().lower() or gateway_default
    if gateway not in GATEWAY_POLICIES or (gateway == "perimeter" and not organization):
        problems.append(
            f"S3_GATEWAY_POLICY={env.get('S3_GATEWAY_POLICY', gateway)!r} is not one of "
            f"{', '.join(GATEWAY_POLICIES)} (perimeter needs ORGANIZATION_ID); using "
            "full-access, endpoint policies left as they are"
        )
        gateway, valid = "full-access", False
    inspected = env.get("INSPECTED_EGRESS", "").strip().lower() or "report"
    if inspected not in INSPECTED_EGRESS_CHOICES:
        problems.append(
            f"INSPECTED_EGRESS={env['INSPECTED_EGRESS']!r} is not report or repair; using report"
        )
        inspected = "report"
    elif inspected == "repair" and not organization:
        problems.append(
            "INSPECTED_EGRESS=repair needs ORGANIZATION_ID (the perimeter policy); using report"
        )
        inspected = "report"
    registries = tuple(sorted(read_account_ids(env, "AWS_REGISTRY_ACCOUNTS", problems)))
    return PolicySettings(policy, organization, gateway, valid, inspected, registries)


def read_deletion_wait(env: Mapping[str, str], problems: list[str]) -> float:
    """DELETION_WAIT_SECONDS: 0 to 600 (default 60); anything else is reported and 60."""
    wait = 60.0
    if env.get("DELETION_WAIT_SECONDS", "").strip():
        try:
            wait = float(env["DELETION_WAIT_SECONDS"])
            if not 0 <= wait <= 600:
                raise ValueError
        except ValueError:
            problems.append("DELETION_WAIT_SECONDS must be a number from 0 to 600; using 60")
            wait = 60.0
    return wait


def read_max_azs(env: Mapping[str, str], problems: list[str]) -> int | None:
    """MAX_AZS_PER_ENDPOINT: a whole number of at least 1; unset or unreadable: no limit."""
    max_azs: int | None = None
    if env.get("MAX_AZS_PER_ENDPOINT", "").strip():
        try:
            max_azs = int(env["MAX_AZS_PER_ENDPOINT"])
            if max_azs < 1:
                raise ValueError
        except ValueError:
            problems.append("MAX_AZS_PER_ENDPOINT must be a whole number of at least 1; no limit")
            max_azs = None
    return max_azs


def parse_extra_tags(text: str) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """``key=value,...`` as tags, and what breaks EC2's tag rules (each pair on its own).

    >>> parse_extra_tags("cost-center=42, owner = platform@example.com")
    ((('cost-center', '42'), ('owner', 'platform@example.com')), [])
    >>> parse_extra_tags("aws:x=1,Name=y,ok")[1][0]
    "EXTRA_TAGS: key 'aws:x' starts with aws: (reserved for AWS)"
    """
    tags: list[tuple[str, str]] = []
    problems: list[str] = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        key, equals, value = (part.strip() for part in raw.partition("="))
        why = ""
        if not equals or not key:
            why = f"{raw.strip()[:40]!r} is not key=value"
        elif len(key) > 128 or len(value) > 256:
            why = f"key {key[:40]!r}: keys take at most 128 characters, values 256"
        elif not TAG_TEXT.match(key) or not TAG_TEXT.match(value):
            why = f"key {key[:40]!r}: only letters, digits, spaces and + - = . _ : / @"
        elif key.lower().startswith("aws:"):
            why = f"key {key[:40]!r} starts with aws: (reserved for AWS)"
        elif key in OWN_TAG_KEYS or key.startswith(OWN_TAG_PREFIX):
            why = f"key {key[:40]!r} is one the tool writes itself"
        elif any(k == key for k, _ in tags):
            why = f"key {key[:40]!r} is given twice"
        if why:
            problems.append(f"EXTRA_TAGS: {why}")
        else:
            tags.append((key, value))
    if len(tags) > MAX_EXTRA_TAGS:
        problems.append(f"EXTRA_TAGS: at most {MAX_EXTRA_TAGS} tags (EC2 allows 50 a resource)")
    return tuple(tags), problems


def read_extra_tags(
    env: Mapping[str, str],
    mode: Mode,
    reason: ModeReason,
    problems: list[str],
    *,
    held: list[str],
) -> tuple[tuple[tuple[str, str], ...], Mode, ModeReason]:
    """EXTRA_TAGS, and the mode: a tag that breaks EC2's rules makes the run dry-run (its
    problem is added to ``held`` too: whatever the deployment's mode, an approval included)."""
    tags, found = parse_extra_tags(env.get("EXTRA_TAGS", ""))
    if not found:
        return tags, mode, reason
    held += [f"{p}; running dry-run" for p in found]
    problems += [f"{p}; running dry-run" for p in found]
    return tags, Mode.DRY_RUN, ModeReason.CONFIGURATION if mode is Mode.AUTO_FIX else reason
