"""Wildcards and a statement's elements: does its principal, action or resource apply?

IAM wildcards (``*`` any run of characters, ``?`` exactly one) are matched as patterns
against patterns, so that a request for "every resource under this prefix" is judged
exactly: TRUE only when the statement covers all of them.

>>> glob_match("ecr:Batch*", "ECR:BatchGetImage", ignore_case=True)
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from remediation.iam_policy.terms import Caller, Request, Tri, any_of
from remediation.vocabulary import ACCOUNT_ID

IAM_ARN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::([0-9]{12}):(.+)$")

_STAR, _ONE = object(), object()


def _tokens(text: str, wild: bool = True) -> list[object]:
    if not wild:
        return list(text)
    return [_STAR if c == "*" else _ONE if c == "?" else c for c in text]


def _intersects(a: list[object], b: list[object]) -> bool:
    """True when some string matches both token patterns (``*``, ``?`` and characters)."""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        x = a[i] if i < len(a) else None
        y = b[j] if j < len(b) else None
        if x is _STAR:
            stack.append((i + 1, j))
            if y is not None and y is not _STAR:
                stack.append((i, j + 1))
        if y is _STAR:
            stack.append((i, j + 1))
            if x is not None and x is not _STAR:
                stack.append((i + 1, j))
        single = x is not None and y is not None and x is not _STAR and y is not _STAR
        if single and (x is _ONE or y is _ONE or x == y):
            stack.append((i + 1, j + 1))
    return False


def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run of characters, ``?`` exactly one."""
    if ignore_case:
        pattern, text = pattern.lower(), text.lower()
    return _intersects(_tokens(pattern), _tokens(text, wild=False))


def _pattern_match(pattern: str, request: Request) -> Tri:
    """TRUE when ``pattern`` covers every resource of the request, FALSE when none."""
    if "${" in pattern:
        return Tri.UNKNOWN  # a policy variable: depends on the caller
    literal = _tokens(request.resource, wild=False)
    if not request.any_suffix:
        return Tri.of(_intersects(_tokens(pattern), literal))
    if not _intersects(_tokens(pattern), [*literal, _STAR]):
        return Tri.FALSE
    # ``p`` covers ``prefix*`` when it ends in ``*`` and its head matches a prefix of ``prefix``.
    head = pattern.rstrip("*")
    covers = pattern.endswith("*") and any(
        _intersects(_tokens(head), literal[:n]) for n in range(len(literal) + 1)
    )
    return Tri.TRUE if covers else Tri.UNKNOWN


# --------------------------------------------------------------------------- elements


def listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def principal_match(spec: Any, caller: Caller, notes: list[str]) -> Tri:
    """Whether a ``Principal`` names the caller."""
    return _principals(spec, caller, notes, exempting=False)


def not_principal_match(spec: Any, caller: Caller, notes: list[str]) -> Tri:
    """Whether a (Deny) statement's ``NotPrincipal`` leaves the caller in: TRUE when nothing
    it lists exempts the caller.

    IAM user guide, "AWS JSON policy elements: NotPrincipal": with ``Deny``, AWS may check the
    account, then the role, then the assumed-role session, so exempting a role session needs
    the session's, the role's and the account's ARNs; naming only the account (its id or its
    ``:root`` ARN) exempts the account's root user, not its roles. The callers the tool judges
    are workloads (roles and their sessions: ECS, EKS, EC2), never the root user: an account
    entry exempts none of them, and a role, session or user of their account may or may not
    be the one a workload uses (``UNKNOWN``: a person checks).
    """
    return _principals(spec, caller, notes, exempting=True).negate()


def _principals(spec: Any, caller: Caller, notes: list[str], *, exempting: bool) -> Tri:
    if spec == "*":
        return Tri.TRUE
    if not isinstance(spec, Mapping):
        notes.append(f"principal {spec!r} is not understood")
        return Tri.UNKNOWN
    results = []
    for kind, values in spec.items():
        for value in listed(values):
            results.append(_one_principal(str(kind), str(value), caller, notes, exempting))
    return any_of(results)


def _one_principal(kind: str, value: str, caller: Caller, notes: list[str], exempting: bool) -> Tri:
    if kind != "AWS":
        return Tri.FALSE  # service, federated and canonical-user principals are not workloads
    if value == "*":
        return Tri.TRUE
    arn = IAM_ARN.match(value)
    account = value if ACCOUNT_ID.fullmatch(value) else (arn.group(2) if arn else "")
    whole = bool(ACCOUNT_ID.fullmatch(value)) or bool(
        arn and arn.group(1) == "iam" and arn.group(3) == "root"
    )
    ours = account == caller.account_id
    if caller.service_identity:
        return Tri.FALSE if ours or not account else Tri.UNKNOWN
    if not ours:
        return Tri.FALSE
    if whole:
        # Principal: the account's principals. NotPrincipal: its root user only (see above).
        return Tri.FALSE if exempting else Tri.TRUE
    what = "exempted" if exempting else "named"
    notes.append(f"only the {what} principal {value} (check that the workloads use it)")
    return Tri.UNKNOWN


def action_match(statement: Mapping[str, Any], action: str) -> Tri:
    if "NotAction" in statement:
        return Tri.of(
            not any(glob_match(str(p), action, True) for p in listed(statement["NotAction"]))
        )
    return Tri.of(any(glob_match(str(p), action, True) for p in listed(statement.get("Action"))))


def resource_match(statement: Mapping[str, Any], request: Request, notes: list[str]) -> Tri:
    if "NotResource" in statement:
        result = any_of(_pattern_match(str(p), request) for p in listed(statement["NotResource"]))
        tri = result.negate()
    else:
        tri = any_of(
            _pattern_match(str(p), request) for p in listed(statement.get("Resource", "*"))
        )
    if tri is Tri.UNKNOWN:
        notes.append(f"only some resources of {request.describe()}")
    return tri
