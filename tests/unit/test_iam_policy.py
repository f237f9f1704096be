"""Table-driven tests of the endpoint policy evaluator (pure, no AWS).

The policies are AWS's own examples (ECR user guide, the data-perimeter-policy-examples
repository), the seed article's, and the shapes IAM's evaluation logic has to get right:
explicit denies, wildcards, NotAction/NotResource/NotPrincipal, conditions the tool can
and cannot judge.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from remediation.iam_policy.evaluation import canonical, evaluate, is_full_access
from remediation.iam_policy.matching import glob_match
from remediation.iam_policy.terms import Caller, Request, Verdict

ACCT = "123456789012"
OTHER = "111122223333"
ORG = "o-a1b2c3d4e5"
VPC = "vpc-0a1b2c3d4e5f67890"
VPCE = "vpce-0123456789abcdef0"
REGION = "us-east-1"
REPOS = f"arn:aws:ecr:{REGION}:{ACCT}:repository/"
LAYERS = f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/"

TOKEN = Request("ecr:GetAuthorizationToken", "*")
PULL = Request("ecr:BatchGetImage", REPOS, any_suffix=True)
LAYER = Request("s3:GetObject", LAYERS, any_suffix=True)

WORKLOAD = Caller(ACCT, ORG, VPC, VPCE)
WORKLOAD_NO_ORG = Caller(ACCT, "", VPC, VPCE)
STRANGER = Caller(OTHER, "", VPC, VPCE)
ECR_SERVICE = Caller(ACCT, ORG, VPC, VPCE, service_identity=True)

A, D, N, U = Verdict.ALLOWED, Verdict.DENIED, Verdict.NOT_ALLOWED, Verdict.UNKNOWN

AWS_DEFAULT = '{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}'  # noqa: E501


def allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", **extra}


def deny(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", **extra}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def cond(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {"Condition": {operator: {key: value}}}


SEED_ECR = doc(allow(**cond("StringEquals", "aws:PrincipalAccount", ACCT)))
SEED_S3 = doc(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"],
        "Resource": [LAYERS.rstrip("/"), LAYERS + "*"],
    }
)
# ECR user guide, "Create an endpoint policy for your Amazon ECR VPC endpoints".
ECR_GUIDE_ROLE = doc(
    {
        "Sid": "AllowPull",
        "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/role_name"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:GetAuthorizationToken"],
        "Effect": "Allow",
        "Resource": "*",
    }
)
ECR_GUIDE_PREVENT_DELETE = doc(
    {"Sid": "AllowAll", **allow()},
    {
        "Sid": "PreventDelete",
        **deny(Action="ecr:DeleteRepository", Resource=f"{REPOS}repository_name"),
    },
)
# ECR user guide, "Minimum Amazon S3 bucket permissions for Amazon ECR" (older and newer form).
ECR_GUIDE_S3 = doc(
    {
        "Sid": "Access-to-specific-bucket-only",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Effect": "Allow",
        "Resource": [f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*"],
    }
)
# aws-samples/data-perimeter-policy-examples, vpc_endpoint_policies/ (org id filled in).
PERIMETER_DEFAULT = doc(
    allow(
        Sid="AllowRequestsByOrgsIdentitiesToOrgsResources",
        **cond("StringEquals", "aws:PrincipalOrgID", ORG),
    )
    | {"Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:ResourceOrgID": ORG}}},
    allow(
        Sid="AllowRequestsByAWSServicePrincipals",
        **cond("Bool", "aws:PrincipalIsAWSService", "true"),
    ),
    allow(
        Sid="AllowRequestsByOrgsIdentitiesToAnyResources",
        Condition={
            "StringEquals": {
                "aws:PrincipalOrgID": ORG,
                "aws:PrincipalTag/dp:exclude:resource": "true",
            }
        },
    ),
)
PERIMETER_ECR_API = doc(
    allow(
        Principal={"AWS": "*"},
        Condition={"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:ResourceOrgID": ORG}},
    ),
    allow(Principal={"AWS": "*"}, **cond("Bool", "aws:PrincipalIsAWSService", "true")),
    allow(
        Principal={"AWS": "*"},
        Condition={
            "StringEquals": {"aws:ResourceAccount": "999988887777", "aws:PrincipalOrgID": ORG}
        },
    ),
)
PERIMETER_S3 = doc(
    allow(
        Principal={"AWS": "*"},
        Condition={"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:ResourceOrgID": ORG}},
    ),
    allow(Principal={"AWS": "*"}, **cond("Bool", "aws:PrincipalIsAWSService", "true")),
    {
        "Sid": "AllowRequestsToAWSOwnedResources",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["s3:GetObject"],
        "Resource": [
            f"arn:aws:s3:::amazonlinux-2-repos-{REGION}/*",
            f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*",
        ],
    },
)
ORG_POLICY = doc(allow(**cond("StringEquals", "aws:PrincipalOrgID", ORG)))

CASES: list[tuple[str, str, Request, Caller, Verdict]] = [
    # AWS defaults and the seed
    ("EC2's default policy", AWS_DEFAULT, PULL, WORKLOAD, A),
    ("no policy reported = default", "", TOKEN, WORKLOAD, A),
    ("seed ECR policy: pull", SEED_ECR, PULL, WORKLOAD, A),
    ("seed ECR policy: token", SEED_ECR, TOKEN, WORKLOAD, A),
    ("seed ECR policy: another account", SEED_ECR, PULL, STRANGER, N),
    ("seed S3 policy: layers", SEED_S3, LAYER, ECR_SERVICE, A),
    # ECR user guide examples
    ("guide: one named role", ECR_GUIDE_ROLE, PULL, WORKLOAD, U),
    ("guide: prevent delete, pull allowed", ECR_GUIDE_PREVENT_DELETE, PULL, WORKLOAD, A),
    ("guide: minimum S3 permissions", ECR_GUIDE_S3, LAYER, ECR_SERVICE, A),
    # data-perimeter samples
    ("perimeter default: resource org unknown", PERIMETER_DEFAULT, PULL, WORKLOAD, U),
    ("perimeter default: no org configured", PERIMETER_DEFAULT, PULL, WORKLOAD_NO_ORG, U),
    ("perimeter ecr.api: token", PERIMETER_ECR_API, TOKEN, WORKLOAD, U),
    ("perimeter s3: AWS-owned layer bucket", PERIMETER_S3, LAYER, ECR_SERVICE, A),
    # organisation and account forms
    ("org policy, org configured", ORG_POLICY, PULL, WORKLOAD, A),
    ("org policy, org not configured", ORG_POLICY, PULL, WORKLOAD_NO_ORG, U),
    (
        "org policy, another org",
        doc(allow(**cond("StringEquals", "aws:PrincipalOrgID", "o-zzzzzzzzzz"))),
        PULL,
        WORKLOAD,
        N,
    ),
    ("principal: the account id", doc(allow(Principal={"AWS": ACCT})), PULL, WORKLOAD, A),
    (
        "principal: the account root",
        doc(allow(Principal={"AWS": f"arn:aws:iam::{ACCT}:root"})),
        TOKEN,
        WORKLOAD,
        A,
    ),
    ("principal: another account", doc(allow(Principal={"AWS": [OTHER]})), PULL, WORKLOAD, N),
    (
        "principal: a service",
        doc(allow(Principal={"Service": "ecs-tasks.amazonaws.com"})),
        PULL,
        WORKLOAD,
        N,
    ),
    ("principal: AWS *", doc(allow(Principal={"AWS": "*"})), PULL, WORKLOAD, A),
    # explicit denies
    ("deny ecr:*", doc(allow(), deny(Action="ecr:*")), PULL, WORKLOAD, D),
    ("deny one pull action", doc(allow(), deny(Action="ecr:BatchGetImage")), PULL, WORKLOAD, D),
    ("deny another account only", doc(allow(), deny(Principal={"AWS": OTHER})), PULL, WORKLOAD, A),
    (
        # IAM user guide, NotPrincipal: the account alone exempts its root user, not the
        # workloads' roles (the verdict was ALLOWED before: the Deny applies to them)
        "deny everyone but the account",
        doc(allow(), deny(Principal=None, NotPrincipal={"AWS": ACCT})),
        PULL,
        WORKLOAD,
        D,
    ),
    (
        "deny outside this VPC",
        doc(allow(), deny(**cond("StringNotEquals", "aws:SourceVpc", VPC))),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "deny outside another VPC",
        doc(allow(), deny(**cond("StringNotEquals", "aws:SourceVpc", "vpc-1"))),
        PULL,
        WORKLOAD,
        D,
    ),
    (
        "deny unless this endpoint",
        doc(allow(), deny(**cond("StringNotEquals", "aws:SourceVpce", VPCE))),
        TOKEN,
        WORKLOAD,
        A,
    ),
    (
        "deny plain HTTP",
        doc(allow(), deny(**cond("Bool", "aws:SecureTransport", "false"))),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "deny outside an IP range (no source IP via an endpoint)",
        doc(allow(), deny(**cond("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"))),
        PULL,
        WORKLOAD,
        D,
    ),
    (
        "S3 identity perimeter denies the ECR service identity",
        doc(allow(), deny(**cond("StringNotEquals", "aws:PrincipalAccount", ACCT))),
        LAYER,
        ECR_SERVICE,
        D,
    ),
    # wildcards and case
    ("ecr:Batch* covers BatchGetImage", doc(allow(Action="ecr:Batch*")), PULL, WORKLOAD, A),
    ("ecr:Batch* does not cover the token", doc(allow(Action="ecr:Batch*")), TOKEN, WORKLOAD, N),
    ("action names ignore case", doc(allow(Action="ECR:batchgetIMAGE")), PULL, WORKLOAD, A),
    ("? matches one character", doc(allow(Action="ecr:BatchGetImag?")), PULL, WORKLOAD, A),
    (
        "region wildcard in the layer bucket",
        doc(allow(Action="s3:GetObject", Resource="arn:aws:s3:::prod-*-starport-layer-bucket/*")),
        LAYER,
        ECR_SERVICE,
        A,
    ),
    (
        "another bucket only",
        doc(allow(Action="s3:*", Resource="arn:aws:s3:::my-bucket/*")),
        LAYER,
        ECR_SERVICE,
        N,
    ),
    (
        "the bucket without its objects",
        doc(allow(Action="s3:*", Resource=LAYERS.rstrip("/"))),
        LAYER,
        ECR_SERVICE,
        N,
    ),
    ("the account's repositories", doc(allow(Resource=f"{REPOS}*")), PULL, WORKLOAD, A),
    ("the token needs Resource *", doc(allow(Resource=f"{REPOS}*")), TOKEN, WORKLOAD, N),
    ("one repository only", doc(allow(Resource=f"{REPOS}app")), PULL, WORKLOAD, U),
    (
        "another account's repositories",
        doc(allow(Resource=f"arn:aws:ecr:{REGION}:{OTHER}:repository/*")),
        PULL,
        WORKLOAD,
        N,
    ),
    # NotAction / NotResource
    (
        "NotAction of deletes allows pulls",
        doc(allow(Action=None, NotAction=["ecr:Delete*"])),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "NotAction of the pull action",
        doc(allow(Action=None, NotAction="ecr:BatchGetImage")),
        PULL,
        WORKLOAD,
        N,
    ),
    (
        "deny everything but the token",
        doc(allow(), deny(Action=None, NotAction="ecr:GetAuthorizationToken")),
        PULL,
        WORKLOAD,
        D,
    ),
    (
        "NotResource of other accounts",
        doc(allow(Resource=None, NotResource=f"arn:aws:ecr:{REGION}:{OTHER}:repository/*")),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "NotResource of one repository",
        doc(allow(Resource=None, NotResource=f"{REPOS}secret")),
        PULL,
        WORKLOAD,
        U,
    ),
    # conditions the tool cannot judge, and conditions it can
    (
        "a principal tag",
        doc(allow(**cond("StringEquals", "aws:PrincipalTag/team", "web"))),
        PULL,
        WORKLOAD,
        U,
    ),
    (
        "a deny on a principal tag",
        doc(allow(), deny(**cond("StringEquals", "aws:PrincipalTag/x", "1"))),
        PULL,
        WORKLOAD,
        U,
    ),
    (
        "a policy variable",
        doc(allow(Resource="arn:aws:ecr:*:*:repository/${aws:username}")),
        PULL,
        WORKLOAD,
        U,
    ),
    (
        "allow only from a source IP",
        doc(allow(**cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))),
        PULL,
        WORKLOAD,
        N,
    ),
    (
        "ForAnyValue:StringLike on the org",
        doc(allow(**cond("ForAnyValue:StringLike", "aws:PrincipalOrgID", "o-*"))),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "StringEqualsIfExists on the account",
        doc(allow(**cond("StringEqualsIfExists", "aws:PrincipalAccount", ACCT))),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "Null: account present",
        doc(allow(**cond("Null", "aws:PrincipalAccount", "false"))),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "condition keys ignore case",
        doc(allow(**cond("StringEquals", "aws:sourcevpce", VPCE))),
        PULL,
        WORKLOAD,
        A,
    ),
    (
        "only AWS service principals",
        doc(allow(**cond("Bool", "aws:PrincipalIsAWSService", "true"))),
        PULL,
        WORKLOAD,
        N,
    ),
    (
        "S3 allow on the account: not ECR's presigned layers",
        doc(allow(Action="s3:GetObject", **cond("StringEquals", "aws:PrincipalAccount", ACCT))),
        LAYER,
        ECR_SERVICE,
        N,
    ),
    (
        "S3 allow on this endpoint",
        doc(allow(Action="s3:GetObject", **cond("StringEquals", "aws:SourceVpce", VPCE))),
        LAYER,
        ECR_SERVICE,
        A,
    ),
    # unreadable documents
    ("not JSON", "{not json", PULL, WORKLOAD, U),
    ("one statement as an object", json.dumps({"Statement": allow()}), PULL, WORKLOAD, A),
    (
        "a statement without an Effect",
        doc({"Principal": "*", "Action": "*", "Resource": "*"}),
        PULL,
        WORKLOAD,
        U,
    ),
]


def _clean(policy: str) -> str:
    """Drop the ``None`` placeholders the builders use to remove an element."""
    if not policy.strip().startswith("{") or "Statement" not in policy:
        return policy
    try:
        parsed = json.loads(policy)
    except ValueError:
        return policy
    statements = parsed["Statement"]
    items = statements if isinstance(statements, list) else [statements]
    for statement in items:
        for key in [k for k, v in statement.items() if v is None]:
            del statement[key]
    return json.dumps(parsed)


def test_there_are_at_least_thirty_policies() -> None:
    assert len({policy for _, policy, *_ in CASES}) >= 30


@pytest.mark.parametrize(
    ("policy", "request_", "caller", "expected"),
    [pytest.param(p, r, c, e, id=label) for label, p, r, c, e in CASES],
)
def test_policy_verdicts(policy: str, request_: Request, caller: Caller, expected: Verdict) -> None:
    decision = evaluate(_clean(policy), request_, caller)
    assert decision.verdict is expected, decision.notes
    if expected is Verdict.UNKNOWN:
        assert decision.notes  # a person is told what to check


def test_a_denial_names_the_denying_statement() -> None:
    decision = evaluate(
        ECR_GUIDE_PREVENT_DELETE,
        Request("ecr:DeleteRepository", f"{REPOS}repository_name"),
        WORKLOAD,
    )
    assert decision.verdict is Verdict.DENIED
    assert decision.notes == ("denied by PreventDelete",)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*", "", True),
        ("a*c", "abbbc", True),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a*", "b", False),
        ("[ab]", "a", False),  # IAM has no character classes
    ],
)
def test_glob(pattern: str, text: str, expected: bool) -> None:
    assert glob_match(pattern, text) is expected


@pytest.mark.parametrize(
    ("policy", "full"),
    [
        (AWS_DEFAULT, True),
        ("", True),
        (doc(allow(Action="s3:*")), True),
        (SEED_S3, False),
        (doc(allow(), deny(Action="s3:DeleteObject")), False),
        (doc(allow(**cond("StringEquals", "aws:PrincipalAccount", ACCT))), False),
        ("{broken", False),
    ],
)
def test_full_access(policy: str, full: bool) -> None:
    assert is_full_access(policy, "s3") is full


def test_canonical_ignores_layout_version_and_one_item_lists() -> None:
    written = doc(allow(Action=["*"]))
    returned = AWS_DEFAULT.replace(" ", "")
    assert canonical(written) == canonical(returned)
    assert canonical(SEED_ECR) != canonical(AWS_DEFAULT)
