"""Conditions: the keys the tool can know about a request through an endpoint, and the
operators it can judge; anything else is ``UNKNOWN``, never a guess."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remediation.iam_policy.matching import glob_match, listed
from remediation.iam_policy.terms import Caller, Request, Tri, all_of

#: Marker: the key is known to be absent from the request.
ABSENT = ("<absent>",)


def context(
    caller: Caller, request: Request | None = None
) -> dict[str, tuple[str, ...] | frozenset[str]]:
    """Condition keys the tool can know, lower-cased: a tuple of values, ``ABSENT``, or a
    frozenset of values the key is known *not* to have. Keys not listed are unknown."""
    known: dict[str, tuple[str, ...] | frozenset[str]] = {
        "aws:securetransport": ("true",),
        # IAM: "aws:SourceIp ... is always included, except for requests that use a VPC endpoint"
        "aws:sourceip": ABSENT,
    }
    # The endpoint's owner, never the caller's account (IAM user guide, "AWS global
    # condition context keys": aws:VpceAccount, aws:VpceOrgID). aws:VpceOrgPaths: unknown.
    if caller.endpoint_account:
        known["aws:vpceaccount"] = (caller.endpoint_account,)
    if caller.endpoint_organization:
        known["aws:vpceorgid"] = (caller.endpoint_organization,)
    if caller.vpc_id:
        known["aws:sourcevpc"] = (caller.vpc_id,)
    if caller.endpoint_id:
        known["aws:sourcevpce"] = (caller.endpoint_id,)
    if caller.service_identity:
        known["aws:principalaccount"] = frozenset({caller.account_id})
        if caller.organization_id:
            known["aws:principalorgid"] = frozenset({caller.organization_id})
    else:
        known["aws:principalaccount"] = (caller.account_id,)
        known["aws:principalisawsservice"] = ("false",)
        if caller.organization_id:
            known["aws:principalorgid"] = (caller.organization_id,)
    if request is not None and request.resource_account:
        known["aws:resourceaccount"] = (request.resource_account,)
    if request is not None and request.resource_organization:
        known["aws:resourceorgid"] = (request.resource_organization,)
    return known


_NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals",
            "ArnNotLike", "NotIpAddress")  # fmt: skip
_POSITIVE = ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike",
             "Bool", "IpAddress")  # fmt: skip


def _value_match(operator: str, pattern: str, value: str) -> bool:
    if operator.endswith("IgnoreCase") or operator == "Bool":
        return pattern.lower() == value.lower()
    if "Like" in operator or operator.startswith("Arn"):
        return glob_match(pattern, value)
    return pattern == value


def _condition(
    operator_text: str, key: str, patterns: list[str], caller: Caller, request: Request
) -> Tri:
    operator = operator_text.split(":", 1)[-1]
    set_op = operator_text.split(":", 1)[0] if ":" in operator_text else ""
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    value = context(caller, request).get(key.lower())
    if value is None or any("${" in p for p in patterns):
        return Tri.UNKNOWN
    if operator == "Null":
        absent = value == ABSENT
        return Tri.of(any(p.lower() == ("true" if absent else "false") for p in patterns))
    if operator not in _NEGATED and operator not in _POSITIVE:
        return Tri.UNKNOWN
    negated = operator in _NEGATED
    if value == ABSENT:
        if if_exists or negated or set_op == "ForAllValues":
            return Tri.TRUE
        return Tri.FALSE
    base = operator.replace("Not", "", 1) if negated else operator
    if isinstance(value, frozenset):  # known only not to be one of these values
        impossible = all(p in value and "*" not in p and "?" not in p for p in patterns)
        positive = Tri.FALSE if impossible else Tri.UNKNOWN
    elif base in ("IpAddress",):
        return Tri.UNKNOWN
    else:
        positive = Tri.of(any(_value_match(base, p, v) for p in patterns for v in value))
    return positive.negate() if negated else positive


def conditions_match(block: Any, caller: Caller, request: Request, notes: list[str]) -> Tri:
    if block is None:
        return Tri.TRUE
    if not isinstance(block, Mapping):
        notes.append("a Condition that is not an object")
        return Tri.UNKNOWN
    results = []
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            notes.append(f"condition {operator} is not understood")
            results.append(Tri.UNKNOWN)
            continue
        for key, values in keys.items():
            patterns = [str(v) for v in listed(values)]
            tri = _condition(str(operator), str(key), patterns, caller, request)
            if tri is Tri.UNKNOWN:
                notes.append(f"condition {operator} {key}")
            results.append(tri)
    return all_of(results)
