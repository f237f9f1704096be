"""A pure evaluator of IAM-style endpoint policies: would this request pass the endpoint?

VPC endpoint policies are IAM resource policies (PrivateLink guide, "Control access to
VPC endpoints using endpoint policies"). The tool reads them to tell whether ECR image
pulls get through; it never writes one it did not create. Evaluation follows IAM's
logic (IAM user guide, "Policy evaluation logic"): an explicit ``Deny`` wins, then an
``Allow``, else the request is implicitly denied. Wildcards ``*`` and ``?`` work in
actions (case-insensitively) and resources (case-sensitively); ``NotAction``,
``NotResource`` and ``NotPrincipal`` invert their element.

Everything is three-valued (:class:`Tri`): a condition key the tool cannot know (a
principal tag, the resource's organisation, ...) makes a statement ``UNKNOWN``, and a
verdict built on an unknown is :attr:`Verdict.UNKNOWN` (a person checks it), never a
guess either way.

Examples
--------
>>> seed = ('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", '
...         '"Resource": "*", "Condition": {"StringEquals": '
...         '{"aws:PrincipalAccount": "123456789012"}}}]}')
>>> caller = Caller(account_id="123456789012", vpc_id="vpc-1", endpoint_id="vpce-1")
>>> evaluate(seed, Request("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:"
...                        "repository/", any_suffix=True), caller).verdict.value
'allowed'
>>> evaluate(seed, Request("ecr:BatchGetImage", "*"),
...          Caller(account_id="111122223333")).verdict.value
'not-allowed'
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from remediation.vocabulary import ACCOUNT_ID

IAM_ARN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::([0-9]{12}):(.+)$")


class Tri(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    @staticmethod
    def of(value: bool) -> Tri:
        return Tri.TRUE if value else Tri.FALSE

    def negate(self) -> Tri:
        return {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE}.get(self, Tri.UNKNOWN)


def all_of(values: Iterable[Tri]) -> Tri:
    seen = set(values)
    if Tri.FALSE in seen:
        return Tri.FALSE
    return Tri.UNKNOWN if Tri.UNKNOWN in seen else Tri.TRUE


def any_of(values: Iterable[Tri]) -> Tri:
    seen = set(values)
    if Tri.TRUE in seen:
        return Tri.TRUE
    return Tri.UNKNOWN if Tri.UNKNOWN in seen else Tri.FALSE


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"  # an explicit Deny applies
    NOT_ALLOWED = "not-allowed"  # no Allow applies (implicit deny)
    UNKNOWN = "unknown"  # depends on something the tool cannot know


@dataclass(frozen=True)
class Caller:
    """Who sends the request through the endpoint, as far as policies can tell.

    ``account_id`` is the account whose IAM principals make the request. With
    ``service_identity`` the request is made by an identity AWS owns instead (ECR's
    layer downloads are S3 URLs presigned by an ECR service account): it is then
    known *not* to be of ``account_id`` or its organisation, and nothing more.
    ``organization_id`` is ``""`` when unknown.
    """

    account_id: str
    organization_id: str = ""
    vpc_id: str = ""
    endpoint_id: str = ""
    service_identity: bool = False


@dataclass(frozen=True)
class Request:
    """An action on a resource: ``resource`` exactly, or with ``any_suffix`` every
    resource whose ARN starts with it (every repository, every object of a bucket)."""

    action: str
    resource: str
    any_suffix: bool = False
    #: The account and organisation owning the resource (``aws:ResourceAccount``,
    #: ``aws:ResourceOrgID``); ``""``: unknown.
    resource_account: str = ""
    resource_organization: str = ""

    def describe(self) -> str:
        return f"{self.action} on {self.resource}{'*' if self.any_suffix else ''}"


@dataclass(frozen=True)
class Decision:
    """How a policy answers one request, and why."""

    verdict: Verdict
    #: Why: denying statements, or what the tool could not judge.
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- glob patterns

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


def _resource_match(pattern: str, request: Request) -> Tri:
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


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _principal_match(spec: Any, caller: Caller, notes: list[str]) -> Tri:
    if spec == "*":
        return Tri.TRUE
    if not isinstance(spec, Mapping):
        notes.append(f"principal {spec!r} is not understood")
        return Tri.UNKNOWN
    results = []
    for kind, values in spec.items():
        for value in _listed(values):
            results.append(_one_principal(str(kind), str(value), caller, notes))
    return any_of(results)


def _one_principal(kind: str, value: str, caller: Caller, notes: list[str]) -> Tri:
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
        return Tri.TRUE
    notes.append(f"only the named principal {value} (check that the workloads use it)")
    return Tri.UNKNOWN


def _action_match(statement: Mapping[str, Any], action: str) -> Tri:
    if "NotAction" in statement:
        return Tri.of(
            not any(glob_match(str(p), action, True) for p in _listed(statement["NotAction"]))
        )
    return Tri.of(any(glob_match(str(p), action, True) for p in _listed(statement.get("Action"))))


def _resource(statement: Mapping[str, Any], request: Request, notes: list[str]) -> Tri:
    if "NotResource" in statement:
        result = any_of(_resource_match(str(p), request) for p in _listed(statement["NotResource"]))
        tri = result.negate()
    else:
        tri = any_of(
            _resource_match(str(p), request) for p in _listed(statement.get("Resource", "*"))
        )
    if tri is Tri.UNKNOWN:
        notes.append(f"only some resources of {request.describe()}")
    return tri


# --------------------------------------------------------------------------- conditions

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
        "aws:vpceaccount": (caller.account_id,),
    }
    if caller.vpc_id:
        known["aws:sourcevpc"] = (caller.vpc_id,)
    if caller.endpoint_id:
        known["aws:sourcevpce"] = (caller.endpoint_id,)
    if caller.organization_id:
        known["aws:vpceorgid"] = (caller.organization_id,)
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


def _conditions(block: Any, caller: Caller, request: Request, notes: list[str]) -> Tri:
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
            patterns = [str(v) for v in _listed(values)]
            tri = _condition(str(operator), str(key), patterns, caller, request)
            if tri is Tri.UNKNOWN:
                notes.append(f"condition {operator} {key}")
            results.append(tri)
    return all_of(results)


# --------------------------------------------------------------------------- evaluation


def statements(document: str) -> list[Mapping[str, Any]] | None:
    """The statements of a policy document, or ``None`` when it cannot be read.

    An empty document means EC2 reported none: the default policy, full access.
    """
    if not document.strip():
        return [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
    try:
        parsed = json.loads(document)
    except ValueError:
        return None
    if not isinstance(parsed, Mapping):
        return None
    found = _listed(parsed.get("Statement"))
    return found if all(isinstance(s, Mapping) for s in found) else None


def evaluate(document: str, request: Request, caller: Caller) -> Decision:
    """Whether ``caller`` may make ``request`` through an endpoint with this policy."""
    found = statements(document)
    if found is None:
        return Decision(Verdict.UNKNOWN, ("the policy document cannot be read as JSON",))
    allows: list[Tri] = []
    denies: list[tuple[Tri, str]] = []
    notes: list[str] = []
    for index, statement in enumerate(found):
        effect = statement.get("Effect")
        label = str(statement.get("Sid") or f"statement {index + 1}")
        if effect not in ("Allow", "Deny"):
            notes.append(f"{label} has no Effect Allow or Deny")
            allows.append(Tri.UNKNOWN)
            continue
        local: list[str] = []
        if "NotPrincipal" in statement:
            who = _principal_match(statement["NotPrincipal"], caller, local).negate()
        else:
            who = _principal_match(statement.get("Principal", "*"), caller, local)
        applies = all_of(
            [
                _action_match(statement, request.action),
                who,
                _resource(statement, request, local),
                _conditions(statement.get("Condition"), caller, request, local),
            ]
        )
        if applies is Tri.UNKNOWN:
            notes += [f"{label}: {n}" for n in local]
        if effect == "Deny":
            denies.append((applies, label))
        else:
            allows.append(applies)
    denied = [label for tri, label in denies if tri is Tri.TRUE]
    if denied:
        return Decision(Verdict.DENIED, tuple(f"denied by {label}" for label in denied))
    allowed = any_of(allows)
    maybe_denied = any(tri is Tri.UNKNOWN for tri, _ in denies)
    if allowed is Tri.FALSE:
        return Decision(Verdict.NOT_ALLOWED)
    if allowed is Tri.TRUE and not maybe_denied:
        return Decision(Verdict.ALLOWED)
    return Decision(Verdict.UNKNOWN, tuple(dict.fromkeys(notes)))


def is_full_access(document: str, service_prefix: str) -> bool:
    """True when the policy allows everything of the service to everyone, unconditionally
    (EC2's default policy, or an equivalent); a readable policy that is narrower is not."""
    found = statements(document)
    if found is None:
        return False
    if any(s.get("Effect") != "Allow" for s in found):
        return False
    wanted = {"*", f"{service_prefix}:*"}
    return any(
        s.get("Principal", "*") in ("*", {"AWS": "*"})
        and "NotPrincipal" not in s
        and "Condition" not in s
        and any(str(a).lower() in wanted for a in _listed(s.get("Action")))
        and "*" in _listed(s.get("Resource"))
        for s in found
    )


def canonical(document: str) -> str:
    """A comparable form of a policy (key order, spacing and one-item lists do not matter)."""

    def norm(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {k: norm(v) for k, v in node.items() if k not in ("Version", "Id", "Sid")}
        if isinstance(node, list):
            items = [norm(v) for v in node]
            return items[0] if len(items) == 1 else sorted(items, key=json.dumps)
        return node

    found = statements(document)
    if found is None:
        return document
    return json.dumps(norm(list(found)), sort_keys=True)
