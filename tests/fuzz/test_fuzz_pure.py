"""The long fuzz of the pure entry points: the CLI's argument parsing, the endpoint-policy
evaluator, EC2's and Route 53's answer parsers, and the IaC writers.

Each runs :data:`tests.support.fuzz.FUZZ` examples (``make fuzz``: 10,000). The properties:

* no unhandled exception: the CLI's parser either parses or refuses with a usage error (exit
  code 2, a message); the evaluator always decides (allowed, denied or unknown, with notes);
  the parsers read every answer shaped as botocore's model says EC2 and Route 53 return it
  (keys that AWS always sends are always there, every other key may be missing, every value
  has its modelled type); the writers write code for any snapshot;
* the writers' output parses: Terraform (python-hcl2) and every CloudFormation text (cfn-lint's
  decoder for the templates, JSON for the resources to import);
* hostile text (tags, names, descriptions, policies) stays data: it never adds a block or a
  resource.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode_str
from hypothesis import example, given
from hypothesis import strategies as st

from remediation.aws import parsing
from remediation.aws.hosted_zones import HostedZones
from remediation.aws.paging import Pacer
from remediation.cli.app import build_parser
from remediation.cli.errors import UsageError
from remediation.engine.vpc import assess
from remediation.iac import cloudformation, spec, terraform
from remediation.iam_policy.evaluation import evaluate
from remediation.iam_policy.terms import Caller, Decision, Request, Verdict
from tests.support import hcl
from tests.support.event_strategies import json_values
from tests.support.fuzz import FUZZ
from tests.support.iac_scenarios import DAY, SCENARIOS

# ------------------------------------------------------------------ the CLI's argument parsing

OPTIONS = [
    "scan",
    "release",
    "--region",
    "--vpc-id",
    "--fix",
    "--format",
    "--profile",
    "--endpoint-url",
    "--account",
    "--accounts",
    "--role-name",
    "--parallel",
    "--output-dir",
    "--yes",
    "--verbose",
    "json",
    "text",
    "terraform",
    "cloudformation",
    "asff",
    "table",
    "us-east-1",
    "vpc-0123456789abcdef0",
    "123456789012",
    "--",
    "-",
    "=",
]
argv_items = (
    st.sampled_from(OPTIONS) | st.text(max_size=20) | st.from_regex(r"--[a-z-]{1,15}(=.*)?")
)


@FUZZ
@given(argv=st.lists(argv_items, max_size=8))
def test_the_cli_parses_or_refuses_with_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Parsed, or refused with a message: the CLI's UsageError, or argparse's exit (2 for a
    usage error, 0 for --help/--version). Any other exception fails the test."""
    code: object = None
    refusal: UsageError | None = None
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        code = exc.code
    except UsageError as exc:
        refusal = exc
    assert code in (None, 0, 2), code
    if code == 2:
        assert capsys.readouterr().err.strip()  # the refusal says why
    if refusal is not None:
        assert str(refusal).strip()


# ------------------------------------------------------------------ the endpoint-policy evaluator

ACTIONS = ["ecr:BatchGetImage", "ecr:GetAuthorizationToken", "s3:GetObject", "*", "ecr:*"]
strings = st.sampled_from(
    [
        "*",
        "ecr:*",
        "ecr:Get*",
        "s3:GetObject",
        "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
        "arn:aws:ecr:us-east-1:123456789012:repository/*",
        "123456789012",
        "o-a1b2c3d4e5",
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:SourceVpc",
        "vpc-0123456789abcdef0",
        "StringEquals",
        "StringLike",
        "ForAnyValue:StringLike",
        "ArnLike",
        "Bool",
        "Null",
        "Allow",
        "Deny",
    ]
) | st.text(max_size=12)
policy_values = st.recursive(
    strings | json_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3),
    max_leaves=10,
)


@st.composite
def policy_documents(draw: st.DrawFn) -> str:
    statement = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "Effect": st.sampled_from(["Allow", "Deny"]) | policy_values,
                "Principal": st.sampled_from(["*", {"AWS": "*"}, {"AWS": "123456789012"}])
                | policy_values,
                "NotPrincipal": policy_values,
                "Action": st.lists(st.sampled_from(ACTIONS), max_size=3) | policy_values,
                "NotAction": policy_values,
                "Resource": st.just("*") | policy_values,
                "NotResource": policy_values,
                "Condition": st.dictionaries(strings, st.dictionaries(strings, policy_values))
                | policy_values,
                "Sid": policy_values,
            },
        )
    )
    shape = draw(st.sampled_from(["one", "list", "raw", "text"]))
    if shape == "text":
        return draw(st.text(max_size=60))
    if shape == "raw":
        return json.dumps(draw(policy_values))
    body: Any = statement if shape == "one" else [statement, draw(policy_values)]
    return json.dumps({"Version": "2012-10-17", "Statement": body})


@FUZZ
@given(
    document=policy_documents(),
    action=st.sampled_from(ACTIONS) | st.text(max_size=20),
    resource=strings,
    any_suffix=st.booleans(),
    caller=st.builds(
        Caller,
        account_id=st.sampled_from(["123456789012", "210987654321", ""]),
        organization_id=st.sampled_from(["o-a1b2c3d4e5", ""]),
        vpc_id=st.sampled_from(["vpc-0123456789abcdef0", ""]),
        endpoint_id=st.sampled_from(["vpce-0123456789abcdef0", ""]),
        service_identity=st.booleans(),
    ),
)
def test_the_policy_evaluator_always_decides(
    document: str, action: str, resource: str, any_suffix: bool, caller: Caller
) -> None:
    decision = evaluate(document, Request(action, resource, any_suffix), caller)
    assert isinstance(decision, Decision)
    assert isinstance(decision.verdict, Verdict)
    assert all(isinstance(n, str) for n in decision.notes)


# ------------------------------------------------------------------ EC2's and Route 53's answers


def _model(service: str) -> Any:
    """botocore's service model of ``service`` (the shapes AWS answers with)."""
    make: Any = boto3.client
    return make(service, region_name="us-east-1").meta.service_model


EC2 = _model("ec2")
ROUTE53 = _model("route53")
#: Keys AWS always sends in these structures (the identifiers of what it lists): never dropped.
ALWAYS = frozenset(
    {
        "VpcEndpointId",
        "SubnetId",
        "RouteTableId",
        "GroupId",
        "CidrIp",
        "CidrIpv6",
        "PrefixListId",
        "Id",
        "Name",
        "VPCId",
        "VPCRegion",
        "CallerReference",
    }
)
#: Resource ids as EC2 writes them: ``(vpc|vpce|subnet|rtb|sg|eni|igw|nat|tgw|pl)-[0-9a-f]{8,17}``,
#: built from their two parts (the same strings as ``st.from_regex`` of that pattern, whose
#: drawing took 45 % of ``test_ec2_answers_parse``).
ids = st.builds(
    "{}-{}".format,
    st.sampled_from(["vpc", "vpce", "subnet", "rtb", "sg", "eni", "igw", "nat", "tgw", "pl"]),
    st.text(alphabet="0123456789abcdef", min_size=8, max_size=17),
)


def from_shape(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of a botocore shape: what the real service could answer, typed as modelled."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 4:
            return st.just({})
        members: dict[str, st.SearchStrategy[Any]] = {
            name: from_shape(member, depth + 1) for name, member in shape.members.items()
        }
        required = {k: v for k, v in members.items() if k in ALWAYS}
        optional = {k: v for k, v in members.items() if k not in ALWAYS}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        return st.lists(from_shape(shape.member, depth + 1), max_size=3 if depth < 3 else 1)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), from_shape(shape.value, depth + 1), max_size=2)
    if kind == "string":
        if shape.enum:
            return st.sampled_from(shape.enum)
        return ids | st.text(max_size=24) | st.sampled_from(["", "0.0.0.0/0", "10.0.0.0/16"])
    if kind in ("integer", "long"):
        return st.integers(-1, 70_000)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(timezones=st.just(dt.UTC))
    if kind in ("double", "float"):
        return st.floats(allow_nan=False)
    if kind == "blob":
        return st.binary(max_size=8)
    raise AssertionError(f"a shape kind the strategy lacks: {kind}")


def _member(operation: str, *path: str, model: Any = EC2) -> Any:
    shape = model.operation_model(operation).output_shape
    for name in path:
        shape = shape.members[name] if shape.type_name == "structure" else shape.member
    return shape.member if shape.type_name == "list" else shape


@FUZZ
@given(
    endpoint=from_shape(_member("DescribeVpcEndpoints", "VpcEndpoints")),
    subnet=from_shape(_member("DescribeSubnets", "Subnets")),
    table=from_shape(_member("DescribeRouteTables", "RouteTables")),
    interface=from_shape(_member("DescribeNetworkInterfaces", "NetworkInterfaces")),
    permission=from_shape(_member("DescribeSecurityGroups", "SecurityGroups", "IpPermissions")),
    tags=from_shape(_member("DescribeVpcs", "Vpcs", "Tags")).map(lambda t: [t]),
)
def test_ec2_answers_parse(
    endpoint: Mapping[str, Any],
    subnet: Mapping[str, Any],
    table: Mapping[str, Any],
    interface: Mapping[str, Any],
    permission: Mapping[str, Any],
    tags: list[Mapping[str, Any]],
) -> None:
    parsing.parse_endpoint(endpoint)
    parsing.parse_subnet(subnet, "vpc-0123456789abcdef0")
    parsing.parse_route_table(table)
    parsing.parse_network_interface(interface)
    parsing.parse_rule(permission)
    assert all(isinstance(v, str) for v in parsing.parse_tags(tags).values())


class Answers:
    """A Route 53 client answering with generated pages (one page per call, no token)."""

    def __init__(self, pages: dict[str, dict[str, Any]]) -> None:
        self.pages = pages

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("list_", "get_")):
            return lambda **_: self.pages[name]
        raise AttributeError(name)

    def get_paginator(self, name: str) -> Any:
        answers = self

        class Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [answers.pages[name]]

        return Pages()


def _output(operation: str, model: Any = ROUTE53) -> st.SearchStrategy[dict[str, Any]]:
    shape = model.operation_model(operation).output_shape
    return from_shape(shape).map(lambda d: {k: v for k, v in d.items() if k != "NextToken"})


@FUZZ
@given(
    by_vpc=_output("ListHostedZonesByVPC"),
    zones=_output("ListHostedZones"),
    zone=_output("GetHostedZone"),
    sweep=st.booleans(),
)
def test_route53_answers_parse(
    by_vpc: dict[str, Any], zones: dict[str, Any], zone: dict[str, Any], sweep: bool
) -> None:
    pages = {
        "list_hosted_zones_by_vpc": by_vpc,
        "list_hosted_zones": zones,
        "get_hosted_zone": zone,
    }
    reader = HostedZones(
        Answers(pages), None, region="us-east-1", pacer=Pacer(0.0, sleep=lambda _: None)
    )
    wanted = {"api.ecr.us-east-1.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com"}
    known = reader.knowledge(wanted, ["vpc-0123456789abcdef0"], sweep=sweep)
    assert set(known.zones.get("vpc-0123456789abcdef0", set())) <= wanted


# ------------------------------------------------------------------ the IaC writers

hostile = st.text(max_size=40) | st.sampled_from(
    [
        '"}\nresource "aws_instance" "x" {',
        "${jndi}",
        "%{ if true }",
        "EOT\n<<EOT",
        "'; DROP",
        "\x00\x1b[31m",
        "a" * 300,
        "Resources:\n  X: {Type: AWS::IAM::Role}",
        "!Ref AWS::AccountId",
        "# comment\n---\n",
    ]
)


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[Any, Any]:
    """A scenario's snapshot with hostile text wherever a user can put text."""
    scenario = SCENARIOS[draw(st.sampled_from(sorted(SCENARIOS)))]()
    snap = scenario.snapshot
    tags = {**snap.tags, "Name": draw(hostile), draw(hostile): draw(hostile)}
    endpoints = tuple(
        dataclasses.replace(
            e,
            tags={**e.tags, "Name": draw(hostile)},
            policy_document=draw(st.sampled_from([e.policy_document, "", "{", draw(hostile)])),
        )
        for e in snap.endpoints
    )
    groups = tuple(
        dataclasses.replace(g, description=draw(hostile), group_name=draw(hostile))
        for g in snap.security_groups
    )
    changed = dataclasses.replace(snap, tags=tags, endpoints=endpoints, security_groups=groups)
    return changed, scenario.settings


def _terraform_resources(text: str) -> int:
    return sum(len(v) for block in hcl.parse(text).get("resource", []) for v in block.values())


def _cloudformation_resources(text: str) -> int:
    if not text:
        return 0
    template, errors = decode_str(text)
    assert not errors, errors
    return len(template.get("Resources", {}))


def _found(
    scenario: str, *, name: str = "", description: str = "", tag: str = "", policy: str = ""
) -> Any:
    """A regression example: what the fuzz found (a scenario with one hostile text)."""
    case = SCENARIOS[scenario]()
    snap = case.snapshot
    if name:
        snap = dataclasses.replace(snap, tags={**snap.tags, "Name": name})
    if description:
        groups = tuple(
            dataclasses.replace(g, description=description) for g in snap.security_groups
        )
        snap = dataclasses.replace(snap, security_groups=groups)
    if tag:
        endpoints = tuple(
            dataclasses.replace(e, tags={**e.tags, "Name": tag}) for e in snap.endpoints
        )
        snap = dataclasses.replace(snap, endpoints=endpoints)
    if policy:
        endpoints = tuple(dataclasses.replace(e, policy_document=policy) for e in snap.endpoints)
        snap = dataclasses.replace(snap, endpoints=endpoints)
    return snap, case.settings


@FUZZ
@given(case=snapshots())
# Found by the fuzz (docs/safety.md): a user's "%%{" before the writer's escape made "%%%{",
# which Terraform's parsers disagree on; a C1 control character, or a lone surrogate, that
# YAML refuses in a comment or a scalar; an adopted endpoint's policy JSON cannot read, which
# the Terraform writer passed to json.loads (now written as the string it is).
@example(case=_found("fresh", name="a%%{b"))
@example(case=_found("tool_created", description="%%{"))
@example(case=_found("tool_created", tag="%%{ if x }"))
@example(case=_found("fresh", name="\x80"))
@example(case=_found("tool_created", description="\ud800", tag="\ud800"))
@example(case=_found("tool_created", policy="{"))
def test_the_iac_writers_write_code_that_parses(case: tuple[Any, Any]) -> None:
    """The label (the code's names) is the tool's own identifier, made from the Name tag by
    :func:`remediation.iac.spec.unique_labels`: the hostile text goes where users put text."""
    snapshot, settings = case
    actions = assess(snapshot, settings, DAY)[1]
    code = spec.describe(snapshot, actions)
    plain = spec.describe(dataclasses.replace(snapshot, tags={}), actions)
    # The code parses, and hostile text adds no resource.
    assert _terraform_resources(terraform.render(code)) == _terraform_resources(
        terraform.render(plain)
    )
    written, expected = cloudformation.render(code), cloudformation.render(plain)
    for mine, theirs in (
        (written.template, expected.template),
        (written.import_template, expected.import_template),
    ):
        assert _cloudformation_resources(mine) == _cloudformation_resources(theirs)
    if written.resources_to_import:
        assert isinstance(json.loads(written.resources_to_import), list)
