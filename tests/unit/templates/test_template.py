"""The SAM template: lint, security scan, EventBridge rules against the event fixtures, IAM
against the code's declared permissions, alarms, dashboard and the SAM CLI configuration.

The template is read with cfn-lint's decoder (it understands ``!Ref``, ``!Sub``, ``!If``...).
:class:`Deployment` evaluates its Conditions and intrinsic functions for given parameter values
the way CloudFormation would, so that a test can look at what one deployment really holds
(for instance: with Mode dry-run, no write action is granted).

SAM CLI and checkov live in their own virtual environment (``make tools``, see the Makefile):
``ECR_GUARD_TOOLS_VENV`` points at it. Without it the tests that need it skip, saying so,
unless ``ECR_GUARD_REQUIRE_TOOLS=1`` (set by ``make test``), where they fail instead.
checkov reads both stacks in the suite's one checkov run (tests/support/checkov.py).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import shlex
import subprocess
import tomllib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str
from cfnlint.helpers import REGIONS

from remediation.config import load_settings
from remediation.events.cloudtrail import SUPPORTED_EVENT_NAMES, WORKLOAD_SOURCES
from remediation.events.parse import parse_event
from remediation.events.triggers import Refusal, Trigger
from remediation.modes import Mode
from remediation.org import names
from remediation.org import sessions as accounts
from remediation.org import work_items as organisation
from remediation.report import securityhub
from remediation.vocabulary import MANAGED_TAG
from tests.support.checkov import STACKS, CheckovRun
from tests.support.template import (
    ACCOUNT,
    EVENTS,
    EXPECTED_RULE,
    MEMBER,
    OTHER_ACCOUNTS,
    READ,
    REGION,
    REPO,
    STACK,
    TEMPLATE,
    TOOLS_VENV,
    WRITE,
    Deployment,
    _accepts,
    _as_list,
    _fixture,
    cfn_lint,
    matches,
    policy_documents,
    run,
    tool,
)

SAMCONFIG = REPO / "samconfig.toml"
HANDLER = REPO / "src" / "handlers" / "remediate.py"


#: Actions the role needs whatever the mode: its logs, tracing, the topic (and its key), the
#: failure queue (Lambda sends OnFailure records with the function's role).
PLUMBING = frozenset(
    {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "sns:Publish",
        "kms:GenerateDataKey",
        "kms:Decrypt",
        "sqs:SendMessage",
        # the work queue, in every deployment (the VPCs a sweep did not reach go there)
        *organisation.CONSUMER_PERMISSIONS,
    }
)
INGRESS = frozenset({"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"})

#: The Security Hub events the handler parses (remediation.events.securityhub).
SECURITY_HUB_DETAIL_TYPES = {
    "Security Hub Findings - Imported",
    "Security Hub Findings - Custom Action",
    "Findings Imported V2",
}
#: Fixtures a rule delivers that the handler is right to refuse.
REFUSED_BY_HANDLER = {
    "malformed_create_vpc_missing_response.json",
    "own_call_modify_vpc_endpoint.json",
}

#: checkov findings suppressed in the template (each with its reason there).
EXPECTED_SUPPRESSIONS = {
    ("CKV_AWS_116", "AWS::Serverless::Function.Function"),
    ("CKV_AWS_117", "AWS::Serverless::Function.Function"),
    ("CKV_AWS_173", "AWS::Serverless::Function.Function"),
    ("CKV_AWS_158", "AWS::Logs::LogGroup.FunctionLogGroup"),
    ("CKV_AWS_27", "AWS::SQS::Queue.FailureQueue"),
    ("CKV_AWS_27", "AWS::SQS::Queue.WorkQueue"),
}

#: AWS Lambda runtime deprecation dates (AWS "Lambda runtimes" table).
RUNTIME_DEPRECATION = {
    "python3.11": dt.date(2027, 6, 30),
    "python3.12": dt.date(2028, 10, 31),
    "python3.13": dt.date(2029, 6, 30),
}


# ------------------------------------------------------------------------------------------------
# Reading and evaluating the template
# ------------------------------------------------------------------------------------------------


def role_statements(dep: Deployment) -> list[dict[str, Any]]:
    roles = dep.of_type("AWS::IAM::Role")
    assert list(roles) == ["FunctionRole"], f"expected the one function role, found {list(roles)}"
    return [
        statement
        for policy in roles["FunctionRole"]["Properties"].get("Policies", [])
        for statement in _as_list(policy["PolicyDocument"]["Statement"])
    ]


def granted(dep: Deployment) -> set[str]:
    statements = role_statements(dep)
    assert all(s["Effect"] == "Allow" for s in statements)
    return {a for s in statements for a in _as_list(s["Action"])}


def _arn_type(arn: str) -> str:
    """``arn:aws:ec2:us-east-1:1234:security-group/*`` -> ``security-group``."""
    return arn.split(":", 5)[5].split("/", 1)[0]


# ------------------------------------------------------------------------------------------------
# Tools from the tools virtual environment
# ------------------------------------------------------------------------------------------------


_TRANSLATE = """
import json, sys
from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

template = yaml_parse(open(sys.argv[1]).read())
for res in template["Resources"].values():
    if res["Type"] == "AWS::Serverless::Function":
        res["Properties"]["CodeUri"] = "s3://packaged/code.zip"  # as after `sam package`
json.dump(transform(template, {}, NoManagedPolicies()), sys.stdout)
"""


def _tool_commands() -> dict[str, list[str]]:
    """The slow tool runs, keyed by name; each needs one tool of the tools environment."""
    bin_dir = TOOLS_VENV / "bin"
    return {
        "python": [str(bin_dir / "python"), "-c", _TRANSLATE, str(TEMPLATE)],
        "sam": [str(bin_dir / "sam"), "validate", "--lint", "--template-file", str(TEMPLATE)],
    }


@pytest.fixture(scope="module")
def tool_runs() -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Start the SAM transform and `sam validate --lint` at once (they take seconds
    each); a test waits for the one it needs, after :func:`tool` has checked it is there."""
    commands = {n: c for n, c in _tool_commands().items() if Path(c[0]).exists()}
    with ThreadPoolExecutor(max_workers=len(commands) or 1) as pool:
        yield {name: pool.submit(run, command) for name, command in commands.items()}


def tool_result(
    runs: dict[str, Future[subprocess.CompletedProcess[str]]], name: str
) -> subprocess.CompletedProcess[str]:
    tool(name)  # skips, or fails under ECR_GUARD_REQUIRE_TOOLS, when it is missing
    return runs[name].result()


@pytest.fixture(scope="module")
def translated(
    tool_runs: dict[str, Future[subprocess.CompletedProcess[str]]],
) -> dict[str, Any]:
    """The template as CloudFormation deploys it: after the AWS::Serverless transform."""
    result = tool_result(tool_runs, "python")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


# ------------------------------------------------------------------------------------------------
# Lint and security scan
# ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cfn_lint_finds_nothing_in_any_region(
    tool_runs: dict[str, Future[subprocess.CompletedProcess[str]]],
) -> None:
    # Errors, warnings and informational rules, in every region cfn-lint knows. (Experimental
    # rules are not run.) ``tool_runs`` is requested only to start the slow tools meanwhile.
    assert cfn_lint(TEMPLATE.read_text(), REGIONS) == []


@pytest.mark.slow
def test_sam_validate_lint_passes(
    tool_runs: dict[str, Future[subprocess.CompletedProcess[str]]],
) -> None:
    result = tool_result(tool_runs, "sam")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout


@pytest.mark.slow
def test_checkov_finds_nothing_unexplained(checkov_run: CheckovRun) -> None:
    results = of_file(checkov_run.checks("cloudformation", STACKS), TEMPLATE)
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == [], f"checkov findings to fix or suppress with a reason: {failed}"
    assert checkov_run.parsing_errors("cloudformation") == 0
    assert results["passed_checks"]
    skipped = results["skipped_checks"]
    for check in skipped:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) > 40, f"{check['check_id']} on {check['resource']} needs its reason"
    assert {(c["check_id"], c["resource"]) for c in skipped} == EXPECTED_SUPPRESSIONS


@pytest.mark.slow
def test_checkov_finds_nothing_in_the_member_stack(checkov_run: CheckovRun) -> None:
    """``member.yaml`` (read by the same checkov run as the central stack): no finding, and no
    suppression either."""
    results = of_file(checkov_run.checks("cloudformation", STACKS), MEMBER)
    assert [(c["check_id"], c["resource"]) for c in results["failed_checks"]] == []
    assert results["skipped_checks"] == []
    assert results["passed_checks"]


def of_file(checks: dict[str, list[dict[str, Any]]], path: Path) -> dict[str, list[dict[str, Any]]]:
    """The checks of one file (checkov names it by its path from the folder it was given)."""
    return {
        kind: [c for c in found if Path(c["file_path"]).name == path.name]
        for kind, found in checks.items()
    }


# ------------------------------------------------------------------------------------------------
# The function
# ------------------------------------------------------------------------------------------------


def test_function_runtime_and_handler(template: dict[str, Any]) -> None:
    props = template["Resources"]["Function"]["Properties"]
    assert props["CodeUri"] == "src/"
    assert props["Handler"] == "handlers.remediate.lambda_handler"
    assert props["Architectures"] == ["arm64"]
    runtime = props["Runtime"]
    assert RUNTIME_DEPRECATION[runtime] > dt.date.today() + dt.timedelta(days=365), (
        f"{runtime} is deprecated by Lambda within a year: move to a newer runtime"
    )
    assert re.search(r"^def lambda_handler\(", HANDLER.read_text(), re.MULTILINE)
    # Powertools comes from the public layer, resolved per region through SSM.
    layer = template["Parameters"]["PowertoolsLayerArn"]
    assert layer["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert layer["Default"] == "/aws/service/powertools/python/arm64/python3.13/latest"
    assert props["Layers"] == [{"Ref": "PowertoolsLayerArn"}]
    assert not (REPO / "src" / "requirements.txt").exists(), (
        "with a requirements.txt, `sam build` needs python3.13 and the layer may be redundant"
    )


def test_function_limits(template: dict[str, Any]) -> None:
    props = template["Resources"]["Function"]["Properties"]
    # A bounded concurrency, of which the work queue's mapping takes less than all (issue 24:
    # a mapping whose MaximumConcurrency equals it starves live events during a long sweep);
    # the relations are tested in test_events_are_never_starved_by_the_work_queue.
    for dep in (
        Deployment(template),
        Deployment(template, MemberRoleName="m", OrganizationId="o-a1b2c3d4e5"),
    ):
        assert dep.resolve(props["ReservedConcurrentExecutions"]) == "3"
        mapping = dep.resources()["WorkQueueMapping"]["Properties"]
        assert mapping["ScalingConfig"]["MaximumConcurrency"] == "2"
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    wait = float(props["Environment"]["Variables"]["DELETION_WAIT_SECONDS"])
    assert 2 * wait <= props["Timeout"] <= 900
    assert 128 <= props["MemorySize"] <= 1024
    invoke = props["EventInvokeConfig"]
    # cfn-lint accepts values Lambda refuses: check Lambda's own ranges.
    assert 0 <= invoke["MaximumRetryAttempts"] <= 2
    assert 60 <= invoke["MaximumEventAgeInSeconds"] <= 21600
    on_failure = invoke["DestinationConfig"]["OnFailure"]
    assert on_failure == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["FailureQueue", "Arn"]}}
    assert props["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    assert "Policies" not in props, "the role is written out in FunctionRole, not by SAM"
    assert props["LoggingConfig"] == {"LogGroup": {"Ref": "FunctionLogGroup"}}
    log_group = template["Resources"]["FunctionLogGroup"]["Properties"]
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_function_environment_feeds_the_settings(template: dict[str, Any]) -> None:
    def env_of(dep: Deployment) -> dict[str, str]:
        fn = dep.resolve(template["Resources"]["Function"])
        return {k: str(v) for k, v in fn["Properties"]["Environment"]["Variables"].items()}

    env = env_of(Deployment(template))
    assert env["TOOL_ROLE_ARN"] == "<GetAtt FunctionRole.Arn>"
    assert env["NOTIFICATION_TOPIC_ARN"] == "<Ref NotificationTopic>"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "EcrEndpointGuard"
    assert env["POWERTOOLS_SERVICE_NAME"] == "ecr-endpoint-guard"
    assert env["POWERTOOLS_LOG_LEVEL"] == env["LOG_LEVEL"] == "INFO"
    defaults = load_settings(env, account_id=ACCOUNT)
    assert defaults.problems == ()
    assert defaults.mode is Mode.DRY_RUN
    assert [s.name for s in defaults.services] == ["ecr.api", "ecr.dkr", "s3"]

    tuned = load_settings(
        env_of(
            Deployment(
                template,
                Mode="auto-fix",
                AutoFixAccountIds=ACCOUNT,
                MaxAzsPerEndpoint="3",
                GatewayReportOnly="true",
                RequireLocalEndpoints="true",
                Services="ecr.api:interface,ecr.dkr:interface",
                ServicesOmit="s3",
            )
        ),
        account_id=ACCOUNT,
    )
    assert tuned.problems == ()
    assert tuned.mode is Mode.AUTO_FIX
    assert tuned.max_azs_per_endpoint == 3
    assert tuned.gateway_report_only and tuned.require_local_endpoints
    assert [s.name for s in tuned.services] == ["ecr.api", "ecr.dkr"]
    assert tuned.auto_fix_account_ids == {ACCOUNT}

    # Leaving out a required service needs ServicesOmit: without it, a problem and dry-run.
    silent = load_settings(
        env_of(
            Deployment(
                template,
                Mode="auto-fix",
                AutoFixAccountIds=ACCOUNT,
                Services="ecr.api:interface,ecr.dck:interface,s3:gateway",
            )
        ),
        account_id=ACCOUNT,
    )
    assert silent.mode is Mode.DRY_RUN and len(silent.problems) == 2  # ecr.dck; ecr.dkr left out
    assert [s.name for s in silent.services] == ["ecr.api", "s3", "ecr.dkr"]

    elsewhere = load_settings(
        env_of(Deployment(template, Mode="auto-fix", AutoFixAccountIds=OTHER_ACCOUNTS[0])),
        account_id=ACCOUNT,
    )
    assert elsewhere.mode is Mode.DRY_RUN


# ------------------------------------------------------------------------------------------------
# Parameters and samconfig.toml
# ------------------------------------------------------------------------------------------------


def test_every_parameter_is_described_and_constrained(template: dict[str, Any]) -> None:
    for name, spec in template["Parameters"].items():
        assert len(spec.get("Description", "")) > 20, f"{name} needs a description"
        constrained = (
            "AllowedValues" in spec
            or "AllowedPattern" in spec
            or spec["Type"].startswith("AWS::SSM::Parameter::Value")
        )
        assert constrained, f"{name} needs AllowedValues or AllowedPattern"
    assert template["Parameters"]["Mode"]["Default"] == "dry-run"
    assert template["Parameters"]["SweepSchedule"]["Default"] == "rate(1 day)"


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ("AutoFixAccountIds", "", True),
        ("AutoFixAccountIds", ACCOUNT, True),
        ("AutoFixAccountIds", ",".join(OTHER_ACCOUNTS), True),
        ("AutoFixAccountIds", ",".join([*OTHER_ACCOUNTS, ACCOUNT]), False),  # 11: over the limit
        ("AutoFixAccountIds", f"{ACCOUNT}, {OTHER_ACCOUNTS[0]}", False),
        ("AutoFixAccountIds", "12345", False),
        ("AutoFixAccountIds", f"{ACCOUNT},", False),
        ("Services", "ecr.api:interface,ecr.dkr:interface,s3:gateway", True),
        ("Services", "ecr.api:interface,logs:interface", True),
        ("Services", "ecr.api:endpoint", False),
        ("Services", "ecr.api:interface, s3:gateway", False),
        ("SweepSchedule", "", True),
        ("SweepSchedule", "rate(6 hours)", True),
        ("SweepSchedule", "cron(0 6 * * ? *)", True),
        ("SweepSchedule", "daily", False),
        ("NotificationEmail", "", True),
        ("NotificationEmail", "platform-team@example.com", True),
        ("NotificationEmail", "not an address", False),
        ("NotificationKmsKeyArn", "", True),
        ("NotificationKmsKeyArn", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab", True),
        ("NotificationKmsKeyArn", "alias/aws/sns", False),
        ("MaxAzsPerEndpoint", "", True),
        ("MaxAzsPerEndpoint", "2", True),
        ("MaxAzsPerEndpoint", "0", False),
        ("Mode", "auto-fix", True),
        ("Mode", "off", False),
    ],
)
def test_parameter_constraints(
    template: dict[str, Any], parameter: str, value: str, accepted: bool
) -> None:
    assert _accepts(template["Parameters"][parameter], value) is accepted


def _samconfig_overrides(env: str) -> dict[str, str]:
    config = tomllib.loads(SAMCONFIG.read_text())
    deploy = config[env]["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert config[env]["global"]["parameters"]["stack_name"]
    pairs = [item.split("=", 1) for item in shlex.split(deploy.get("parameter_overrides", ""))]
    return dict(pairs)


@pytest.mark.parametrize(
    ("env", "mode"),
    [("default", "dry-run"), ("sandbox", "auto-fix")],
)
def test_samconfig_environments(template: dict[str, Any], env: str, mode: str) -> None:
    overrides = _samconfig_overrides(env)
    for key, value in overrides.items():
        assert key in template["Parameters"], f"samconfig [{env}] sets unknown parameter {key}"
        assert _accepts(template["Parameters"][key], value), f"[{env}] {key}={value!r}"
    assert overrides.get("Mode", template["Parameters"]["Mode"]["Default"]) == mode
    if mode == "auto-fix":
        assert overrides.get("AutoFixAccountIds"), "the sandbox needs its account as second key"


# ------------------------------------------------------------------------------------------------
# EventBridge rules against the fixtures
# ------------------------------------------------------------------------------------------------

ALL_RULES_ON = {
    "WatchSecurityGroupChanges": "true",
    "SecurityHubFindings": "true",
    "EndpointNeed": "workloads",
}


def pattern_rules(dep: Deployment) -> dict[str, dict[str, Any]]:
    """Rule name -> event pattern, for the SAM event sources and the plain rules."""
    rules: dict[str, dict[str, Any]] = {}
    function = dep.resolve(dep.template["Resources"]["Function"])
    for name, source in function["Properties"]["Events"].items():
        assert source["Type"] == "EventBridgeRule", f"{name}: unexpected event source type"
        rules[name] = source["Properties"]["Pattern"]
    for name, res in dep.of_type("AWS::Events::Rule").items():
        if "EventPattern" in res["Properties"]:
            rules[name] = res["Properties"]["EventPattern"]
    return rules


def matching(rules: dict[str, dict[str, Any]], event: Any) -> set[str]:
    return {name for name, pattern in rules.items() if matches(pattern, event)}


def test_every_fixture_has_an_expected_rule() -> None:
    present = {p.name for p in EVENTS.glob("*.json")}
    assert present - set(EXPECTED_RULE) == set(), "new fixtures: say which rule is meant for them"
    assert set(EXPECTED_RULE) - present == set(), "fixtures named here are missing from events/"


@pytest.mark.parametrize("name", sorted(EXPECTED_RULE))
def test_fixture_matches_its_rule_and_no_other(template: dict[str, Any], name: str) -> None:
    rules = pattern_rules(Deployment(template, **ALL_RULES_ON))
    expected = EXPECTED_RULE[name]
    assert matching(rules, _fixture(name)) == ({expected} if expected else set())


def test_security_group_rule_only_when_asked(template: dict[str, Any]) -> None:
    assert "SecurityGroupDrift" not in pattern_rules(Deployment(template))
    assert "SecurityGroupDrift" in pattern_rules(Deployment(template, **ALL_RULES_ON))
    resources = Deployment(template).resources()
    assert "SecurityGroupDriftPermission" not in resources


def test_rules_deliver_only_what_the_handler_understands(template: dict[str, Any]) -> None:
    rules = pattern_rules(Deployment(template, **ALL_RULES_ON))
    for name, pattern in rules.items():
        if pattern["source"] == ["aws.securityhub"]:
            # Security Hub's events: the handler parses them (below, through the fixtures).
            for alternative in pattern.get("$or", [pattern]):
                assert alternative["detail-type"][0] in SECURITY_HUB_DETAIL_TYPES, name
            assert any(rule == name for rule in EXPECTED_RULE.values()), f"{name}: no fixture"
            continue
        if name == "WorkloadEvents":
            # ECS, EKS and Batch calls that bring workloads (EndpointNeed=workloads).
            assert set(pattern["source"]) == set(WORKLOAD_SOURCES.values())
        else:
            assert pattern["source"] == ["aws.ec2"]
        assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
        assert pattern["detail"]["errorCode"] == [{"exists": False}], f"{name}: failed calls"
        names = set(pattern["detail"]["eventName"])
        assert names <= SUPPORTED_EVENT_NAMES, f"{name}: the handler cannot parse {names}"
        covered = {
            _fixture(f)["detail"]["eventName"] for f, rule in EXPECTED_RULE.items() if rule == name
        }
        assert names <= covered, f"{name}: no fixture for {names - covered}"
    for name, rule in EXPECTED_RULE.items():
        if rule is None or name in REFUSED_BY_HANDLER:
            continue
        parsed = parse_event(_fixture(name))
        assert isinstance(parsed, Trigger), f"{name} reaches the function, which refuses it"
    own = parse_event(
        _fixture("own_call_modify_vpc_endpoint.json"),
        own_role_arns=frozenset(
            {"arn:aws:iam::123456789012:role/ecr-endpoint-guard-FunctionRole-EXAMPLE"}
        ),
    )
    assert isinstance(own, Refusal)
    assert own.ignored


def _delivered() -> list[str]:
    """The CloudTrail fixtures a rule delivers (Security Hub's are tested on their own below)."""
    return sorted(
        name for name, rule in EXPECTED_RULE.items() if rule and not name.startswith("securityhub_")
    )


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("securityhub_findings_imported_ec2_55.json", {"Compliance": {"Status": "PASSED"}}),
        ("securityhub_findings_imported_ec2_55.json", {"RecordState": "ARCHIVED"}),
        ("securityhub_findings_imported_ec2_55.json", {"GeneratorId": "security-control/EC2.1"}),
        ("securityhub_findings_imported_ec2_55.json", {"GeneratorId": "ecr-endpoint-guard/x"}),
    ],
)
def test_only_failed_active_ec2_55_56_control_findings_trigger(
    template: dict[str, Any], name: str, change: dict[str, Any]
) -> None:
    event = _fixture(name)
    finding = event["detail"]["findings"][0]
    for key, value in change.items():
        finding[key] = {**finding[key], **value} if isinstance(value, dict) else value
    assert matching(pattern_rules(Deployment(template, **ALL_RULES_ON)), event) == set()
    ec2_56 = _fixture(name)
    ec2_56["detail"]["findings"][0]["GeneratorId"] = "security-control/EC2.56"
    rules = pattern_rules(Deployment(template, **ALL_RULES_ON))
    assert matching(rules, ec2_56) == {"SecurityHubControlFindings"}


def _v2(**change: Any) -> Any:
    event = _fixture("securityhub_findings_imported_v2_ec2_55.json")
    finding = event["detail"]["findings"][0]
    for path, value in change.items():
        node = finding
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return event


@pytest.mark.parametrize(
    ("change", "matched"),
    [
        ({}, True),
        ({"compliance__control": "EC2.56"}, True),
        ({"compliance__status": "FAIL"}, True),
        ({"compliance__status": "fail"}, True),
        ({"compliance__status": "Pass"}, False),
        ({"compliance__control": "EC2.1"}, False),
        ({"class_uid": 2004}, False),
        # Another product's finding (a partner's, or the tool's own imported ones).
        (
            {"metadata__product__uid": "arn:aws:securityhub:us-east-1::productv2/acme/scanner"},
            False,
        ),
        (
            {
                "metadata__product__uid": (
                    f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default"
                )
            },
            False,
        ),
    ],
)
def test_v2_control_findings_trigger_only_security_hub_s_failed_ec2_55_56(
    template: dict[str, Any], change: dict[str, Any], matched: bool
) -> None:
    rules = pattern_rules(Deployment(template, **ALL_RULES_ON))
    assert matching(rules, _v2(**change)) == ({"SecurityHubControlFindings"} if matched else set())


@pytest.mark.parametrize(
    ("generator", "control", "matched"),
    [
        ("aws-foundational-security-best-practices/v/1.0.0/EC2.55", "EC2.55", True),
        ("aws-foundational-security-best-practices/v/1.0.0/EC2.56", "EC2.56", True),
        ("nist-800-53/v/5.0.0/EC2.55", "EC2.55", True),
        ("aws-foundational-security-best-practices/v/1.0.0/EC2.1", "EC2.1", False),
        # A consolidated finding is matched by its generator id, never by a stray control id.
        ("security-control/EC2.1", "EC2.55", False),
    ],
)
def test_standard_specific_control_findings_match_by_security_control_id(
    template: dict[str, Any], generator: str, control: str, matched: bool
) -> None:
    event = _fixture("securityhub_findings_imported_ec2_55.json")
    finding = event["detail"]["findings"][0]
    finding["GeneratorId"] = generator
    finding["Compliance"]["SecurityControlId"] = control
    rules = pattern_rules(Deployment(template, **ALL_RULES_ON))
    assert matching(rules, event) == ({"SecurityHubControlFindings"} if matched else set())


def test_the_tool_s_own_findings_never_match_any_rule(template: dict[str, Any]) -> None:
    """Its imported findings, whatever they say (even naming EC2.55 as a control id)."""
    rules = pattern_rules(Deployment(template, **ALL_RULES_ON, FixOnApproval="true"))
    own = _fixture("securityhub_findings_imported_own.json")
    assert matching(rules, own) == set()
    finding = own["detail"]["findings"][0]
    finding["Compliance"] = {**finding.get("Compliance", {}), "SecurityControlId": "EC2.55"}
    assert matching(rules, own) == set()
    finding["GeneratorId"] = "security-control/EC2.55"  # only its product tells it apart now
    assert matching(rules, own) == set()


def test_only_the_tool_s_custom_action_approves(template: dict[str, Any]) -> None:
    event = _fixture("securityhub_custom_action_fix.json")
    event["resources"] = [event["resources"][0].replace("EcrEndpointGuardFix", "SomeoneElses")]
    assert matching(pattern_rules(Deployment(template, **ALL_RULES_ON)), event) == set()
    offered = Deployment(template, FixOnApproval="true")
    assert "SecurityHubApproval" in pattern_rules(offered)
    assert "SecurityHubApproval" not in pattern_rules(Deployment(template))
    assert "FixAction" not in Deployment(template).resources()
    action = offered.resources()["FixAction"]["Properties"]
    assert (action["Id"], action["Name"]) == ("EcrEndpointGuardFix", "Fix ECR endpoints")


@pytest.mark.parametrize("name", _delivered())
@pytest.mark.parametrize(
    "error_code",
    ["Client.UnauthorizedOperation", "Client.DryRunOperation", "Server.InternalError"],
)
def test_failed_and_dry_run_calls_match_no_rule(
    template: dict[str, Any], name: str, error_code: str
) -> None:
    event = _fixture(name)
    event["detail"]["errorCode"] = error_code
    event["detail"]["errorMessage"] = "the call did not change anything"
    event["detail"]["responseElements"] = None
    assert matching(pattern_rules(Deployment(template, **ALL_RULES_ON)), event) == set()


@pytest.mark.parametrize("name", _delivered())
@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("source",), "aws.s3"),
        (("source",), "custom.ec2"),
        (("detail-type",), "AWS Service Event via CloudTrail"),
        (("detail-type",), "AWS Console Sign In via CloudTrail"),
        (("detail", "eventSource"), "s3.amazonaws.com"),
    ],
)
def test_other_sources_match_no_rule(
    template: dict[str, Any], name: str, path: tuple[str, ...], value: str
) -> None:
    event = _fixture(name)
    node = event
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert matching(pattern_rules(Deployment(template, **ALL_RULES_ON)), event) == set()


@pytest.mark.parametrize(
    "name",
    [
        "modify_vpc_attribute_dns_support_false.json",
        "modify_vpc_attribute_dns_hostnames_false.json",
    ],
)
def test_dns_rule_fires_only_when_dns_is_turned_off(template: dict[str, Any], name: str) -> None:
    rules = pattern_rules(Deployment(template))
    event = _fixture(name)
    params = event["detail"]["requestParameters"]
    (attribute,) = [k for k in params if k.startswith("enableDns")]
    for value, expected in [(False, {"DnsAttributeDrift"}), ("false", {"DnsAttributeDrift"})]:
        params[attribute] = {"value": value}
        assert matching(rules, event) == expected
    for value in (True, "true"):  # turning DNS on (also the tool's own repair) needs nothing
        params[attribute] = {"value": value}
        assert matching(rules, event) == set()


def test_sweep_schedule(template: dict[str, Any]) -> None:
    rule = Deployment(template).of_type("AWS::Events::Rule")["SweepRule"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(1 day)"
    assert rule["State"] == "ENABLED"
    assert rule["Targets"][0]["Arn"] == "<GetAtt Function.Arn>"
    every_6h = Deployment(template, SweepSchedule="rate(6 hours)").resources()
    assert every_6h["SweepRule"]["Properties"]["ScheduleExpression"] == "rate(6 hours)"
    disabled = Deployment(template, SweepSchedule="").resources()
    assert "SweepRule" not in disabled
    assert "SweepRulePermission" not in disabled
    # The sweep's event reaches the function through the schedule only, and is understood.
    sweep = parse_event(_fixture("scheduled_sweep.json"))
    assert isinstance(sweep, Trigger)
    assert sweep.sweep


# ------------------------------------------------------------------------------------------------
# IAM
# ------------------------------------------------------------------------------------------------


def _all_actions(node: Any) -> Iterator[str]:
    for _, document in policy_documents(node):
        for statement in _as_list(document["Statement"]):
            assert "NotAction" not in statement, "NotAction grants everything else"
            assert "NotResource" not in statement
            for action in _as_list(statement.get("Action", [])):
                yield action if isinstance(action, str) else json.dumps(action)


def test_no_wildcard_action_anywhere(template: dict[str, Any]) -> None:
    actions = list(_all_actions(template))
    assert len(actions) > 20
    assert [a for a in actions if "*" in a or ":" not in a] == []


def test_read_permissions_are_the_codes(template: dict[str, Any]) -> None:
    assert READ.isdisjoint(PLUMBING)
    assert WRITE.isdisjoint(READ | PLUMBING)
    assert granted(Deployment(template)) == READ | PLUMBING
    for statement in role_statements(Deployment(template)):
        actions = set(_as_list(statement["Action"]))
        if actions & READ and _as_list(statement["Resource"]) == ["*"]:
            # Only calls that support no resource-level permission get "*".
            assert all(
                a.startswith("ec2:Describe")
                or a
                in (
                    "route53:ListHostedZones",
                    "route53:ListHostedZonesByVPC",
                    "route53profiles:ListProfileAssociations",
                    "route53profiles:ListProfileResourceAssociations",
                    # GetMetricData supports no resource-level permission either.
                    "cloudwatch:GetMetricData",
                    # Service Authorization Reference, AWS RAM: List actions with no resource
                    # type (resourceOwner=SELF lists the account's own shares).
                    "ram:ListResources",
                    "ram:ListPrincipals",
                )
                or a.startswith("route53resolver:List")
                for a in actions
            )


def _deployable(template: dict[str, Any], **parameters: str) -> Deployment:
    for key, value in parameters.items():
        assert _accepts(template["Parameters"][key], value), f"{key}={value!r} is not deployable"
    return Deployment(template, **parameters)


@pytest.mark.parametrize(
    ("parameters", "writes"),
    [
        ({}, False),
        ({"Mode": "dry-run", "AutoFixAccountIds": ACCOUNT}, False),
        ({"Mode": "auto-fix"}, False),
        ({"Mode": "auto-fix", "AutoFixAccountIds": OTHER_ACCOUNTS[0]}, False),
        ({"Mode": "auto-fix", "AutoFixAccountIds": ",".join(OTHER_ACCOUNTS)}, False),
        ({"Mode": "auto-fix", "AutoFixAccountIds": ACCOUNT}, True),
        ({"Mode": "auto-fix", "AutoFixAccountIds": f"{OTHER_ACCOUNTS[0]},{ACCOUNT}"}, True),
        ({"Mode": "auto-fix", "AutoFixAccountIds": ",".join([*OTHER_ACCOUNTS[:9], ACCOUNT])}, True),
    ],
)
def test_writes_only_in_auto_fix_and_a_listed_account(
    template: dict[str, Any], parameters: dict[str, str], writes: bool
) -> None:
    dep = _deployable(template, **parameters)
    expected = READ | PLUMBING | (WRITE if writes else frozenset())
    assert granted(dep) == expected
    outputs = dep.resolve(template["Outputs"])
    assert outputs["WritesGranted"]["Value"] == ("true" if writes else "false")


def test_write_statements_are_scoped_and_conditioned(template: dict[str, Any]) -> None:
    dep = _deployable(template, Mode="auto-fix", AutoFixAccountIds=ACCOUNT)
    ec2_prefix = f"arn:aws:ec2:{REGION}:{ACCOUNT}:"
    for statement in role_statements(dep):
        actions = set(_as_list(statement["Action"]))
        if not actions & WRITE:
            continue
        assert actions <= WRITE, f"write statement mixes in {actions - WRITE}"
        resources = _as_list(statement["Resource"])
        assert "*" not in resources, f"{statement['Sid']}: writes need resource ARNs"
        for arn in resources:
            assert arn.startswith(ec2_prefix) or arn == "arn:aws:route53:::hostedzone/*", arn
        types = {_arn_type(arn) for arn in resources}
        if "ec2:CreateTags" in actions:
            assert actions == {"ec2:CreateTags"}
            assert statement["Condition"] == {
                "StringEquals": {"ec2:CreateAction": ["CreateSecurityGroup", "CreateVpcEndpoint"]}
            }
            assert types == {"security-group", "vpc-endpoint"}
        elif actions & INGRESS:
            if types == {"security-group-rule"}:
                # The rule a call creates has no tag yet; the call still needs its group.
                assert actions == {"ec2:AuthorizeSecurityGroupIngress"}
                assert "Condition" not in statement
            else:
                assert actions == INGRESS
                assert types == {"security-group"}
                assert statement["Condition"] == {
                    "StringEquals": {f"aws:ResourceTag/{MANAGED_TAG}": "true"}
                }
        elif statement["Sid"] in CONDITIONED:
            expected = CONDITIONED[statement["Sid"]](statement)
            assert statement["Condition"] == expected, statement["Sid"]
        else:
            assert "Condition" not in statement, statement["Sid"]


#: Write statements with an IAM condition (issue 20 item 8), and the condition each must carry.
CONDITIONED: dict[str, Any] = {
    # Its list of service names: test_endpoints_are_created_for_the_configured_services_only.
    "CreateEndpointsOfTheServices": lambda statement: {
        "StringLike": {
            "ec2:VpceServiceName": statement["Condition"]["StringLike"]["ec2:VpceServiceName"]
        }
    },
    "RepairEndpoints": lambda statement: {
        "StringEqualsIfExists": {"ec2:VpceServiceRegion": REGION}
    },
    "EndpointPrivateDns": lambda statement: {
        "ForAllValues:StringLike": {"route53:VPCs": f"VPCId=vpc-*,VPCRegion={REGION}"}
    },
}


def _admitted(patterns: list[str], name: str) -> bool:
    """IAM's StringLike: ``*`` any run of characters, ``?`` one, case-sensitive."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


@pytest.mark.parametrize(
    ("services", "omit"),
    [
        ("ecr.api:interface,ecr.dkr:interface,s3:gateway", ""),
        ("ecr.api:interface,ecr.dkr:interface,s3:gateway,logs:interface,sts:interface", ""),
        ("s3:gateway,ecr.api:interface", "ecr.dkr"),  # left out on purpose (ServicesOmit)
    ],
)
@pytest.mark.parametrize(
    ("profile", "repair"),
    [("ecr", "false"), ("ecs", "true"), ("ecs-fargate", "true"), ("eks", "true"), ("eks", "false")],
)
def test_endpoints_are_created_for_the_configured_services_only(
    template: dict[str, Any], services: str, omit: str, profile: str, repair: str
) -> None:
    """ec2:VpceServiceName on the endpoint lists exactly the code's service names for Services
    (the region a wildcard, the ARN pinning it); nothing else, no endpoint service of a
    customer or a marketplace (com.amazonaws.vpce.<region>.vpce-svc-...), is admitted."""
    dep = _deployable(
        template,
        Mode="auto-fix",
        AutoFixAccountIds=ACCOUNT,
        Services=services,
        EndpointProfile=profile,
        ProfileRepair=repair,
        ServicesOmit=omit,
    )
    (create,) = [s for s in role_statements(dep) if s["Sid"] == "CreateEndpointsOfTheServices"]
    assert _as_list(create["Resource"]) == [f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/*"]
    patterns = create["Condition"]["StringLike"]["ec2:VpceServiceName"]
    env = {
        "SERVICES": services,
        "SERVICES_OMIT": omit,
        "ENDPOINT_PROFILE": profile,
        "PROFILE_REPAIR": repair,
    }
    settings = load_settings(env)
    assert settings.problems == ()
    # Companions are created only with PROFILE_REPAIR; without it they are report-only.
    configured = [s for s in settings.services if settings.profile_repair or not s.companion]
    assert {p.rsplit(".*.", 1)[1] for p in patterns} == {s.name for s in configured}
    for spec in configured:
        assert _admitted(patterns, spec.service_name(REGION)), spec.name
    others = ("sqs", "ecr", "api", "ecr.api.fips", "s3-outposts", "vpce.us-east-1.vpce-svc-0123")
    for other in others:
        assert not _admitted(patterns, f"com.amazonaws.{REGION}.{other}"), other
    (rest,) = [s for s in role_statements(dep) if s["Sid"] == "CreateEndpointsInTheAccount"]
    assert {_arn_type(a) for a in _as_list(rest["Resource"])} == {
        "vpc",
        "subnet",
        "security-group",
        "route-table",
    }  # every resource of the call but the endpoint, which only the statement above grants


def test_the_central_role_has_a_fixed_name_so_that_members_keep_trusting_it(
    template: dict[str, Any],
) -> None:
    """Issue 20 item 6: member roles trust the central role's ARN (aws:PrincipalArn); a fixed
    name keeps that ARN when the stack is deleted and deployed again."""
    role = Deployment(template).resources()["FunctionRole"]["Properties"]
    assert role["RoleName"] == f"{STACK}-{REGION}"
    assert len(f"{'x' * 49}-ap-southeast-2") <= 64  # IAM's limit, with the longest region name


def test_other_permissions_are_narrow(template: dict[str, Any]) -> None:
    by_action: dict[str, list[dict[str, Any]]] = {}
    for statement in role_statements(Deployment(template)):
        for action in _as_list(statement["Action"]):
            by_action.setdefault(action, []).append(statement)
    (publish,) = by_action["sns:Publish"]
    assert publish["Resource"] == "<Ref NotificationTopic>"
    sends = sorted(s["Resource"] for s in by_action["sqs:SendMessage"])
    assert sends == ["<GetAtt FailureQueue.Arn>", "<GetAtt WorkQueue.Arn>"]
    for action in organisation.CONSUMER_PERMISSIONS:
        (consume,) = by_action[action]
        assert consume["Resource"] == "<GetAtt WorkQueue.Arn>"
    (logs,) = by_action["logs:PutLogEvents"]
    assert logs["Resource"] == "<GetAtt FunctionLogGroup.Arn>"
    (kms,) = by_action["kms:GenerateDataKey"]
    assert kms["Resource"] == "<GetAtt NotificationKey.Arn>"
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}}
    given_key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab"
    with_key = Deployment(template, NotificationKmsKeyArn=given_key)
    assert "NotificationKey" not in with_key.resources()
    (kms,) = [s for s in role_statements(with_key) if "kms:Decrypt" in _as_list(s["Action"])]
    assert kms["Resource"] == given_key
    trust = Deployment(template).resources()["FunctionRole"]["Properties"]
    (assume,) = trust["AssumeRolePolicyDocument"]["Statement"]
    assert assume["Principal"] == {"Service": "lambda.amazonaws.com"}


@pytest.mark.slow
def test_sam_transform_adds_no_permission(translated: dict[str, Any]) -> None:
    """What CloudFormation deploys (after the SAM transform) grants what the source grants."""
    assert [a for a in _all_actions(translated) if "*" in a] == []
    iam = [n for n, r in translated["Resources"].items() if r["Type"].startswith("AWS::IAM::")]
    assert iam == ["FunctionRole"]
    for parameters, writes in [
        ({}, False),
        ({"Mode": "auto-fix", "AutoFixAccountIds": ACCOUNT}, True),
    ]:
        dep = Deployment(translated, **parameters)
        assert granted(dep) == READ | PLUMBING | (WRITE if writes else frozenset())


@pytest.mark.slow
def test_every_rule_invokes_the_function_with_a_dead_letter_queue(
    translated: dict[str, Any],
) -> None:
    dep = Deployment(
        translated,
        WatchSecurityGroupChanges="true",
        SecurityHubFindings="true",
        MemberRoleName="ecr-endpoint-guard-member",
        OrganizationId="o-a1b2c3d4e5",
    )
    resources = dep.resources()
    rules = {n: r for n, r in resources.items() if r["Type"] == "AWS::Events::Rule"}
    # 4 EC2 rules and the sweep, the security-group rule, Security Hub's two, and the central
    # bus's three (organisation mode).
    assert len(rules) == 11
    permissions = {
        r["Properties"]["SourceArn"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
    }
    (queue_policy,) = [r for r in resources.values() if r["Type"] == "AWS::SQS::QueuePolicy"]
    (allow, _) = queue_policy["Properties"]["PolicyDocument"]["Statement"]
    dead_letter_sources = set(allow["Condition"]["ArnEquals"]["aws:SourceArn"])
    for name, rule in rules.items():
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == "<GetAtt Function.Arn>"
        assert target["DeadLetterConfig"] == {"Arn": "<GetAtt FailureQueue.Arn>"}
        assert f"<GetAtt {name}.Arn>" in permissions, f"{name} may not invoke the function"
        assert f"<GetAtt {name}.Arn>" in dead_letter_sources, f"{name} cannot dead-letter"
    assert len(dead_letter_sources) == len(rules)


# ------------------------------------------------------------------------------------------------
# Notifications, alarms, dashboard
# ------------------------------------------------------------------------------------------------


def test_topic_is_encrypted_with_a_key_alarms_can_use(template: dict[str, Any]) -> None:
    resources = Deployment(template).resources()
    topic = resources["NotificationTopic"]["Properties"]
    # Not alias/aws/sns: CloudWatch alarms cannot publish to a topic under the AWS managed key.
    assert topic["KmsMasterKeyId"] == "<GetAtt NotificationKey.Arn>"
    key = resources["NotificationKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    (cloudwatch,) = [
        s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    (topic_policy,) = [
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::SNS::TopicPolicy"
    ]
    (alarms,) = [
        s
        for s in topic_policy["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert alarms["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":alarm:{STACK}-*")
    email = Deployment(template, NotificationEmail="team@example.com").resources()
    assert email["NotificationEmailSubscription"]["Properties"]["Endpoint"] == "team@example.com"
    assert "NotificationEmailSubscription" not in resources


def test_alarms_notify_the_topic(template: dict[str, Any]) -> None:
    alarms = Deployment(template).of_type("AWS::CloudWatch::Alarm")
    watched = set()
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        # The topic policy lets alarms named <stack>-* publish.
        assert props["AlarmName"].startswith(f"{STACK}-"), name
        assert props["AlarmActions"] == ["<Ref NotificationTopic>"], name
        assert props["TreatMissingData"] == "notBreaching", name
        watched.add(props.get("MetricName") or props["Metrics"][0]["Expression"])
    assert "Errors" in watched
    assert "ApproximateNumberOfMessagesVisible" in watched
    errors = next(a for a in alarms.values() if a["Properties"].get("MetricName") == "Errors")
    assert errors["Properties"]["Dimensions"] == [
        {"Name": "FunctionName", "Value": "<Ref Function>"}
    ]


def test_dashboard_shows_the_state_at_a_glance(template: dict[str, Any]) -> None:
    dashboard = Deployment(template).resources()["Dashboard"]["Properties"]
    body = json.loads(dashboard["DashboardBody"])
    widgets = body["widgets"]
    expressions = [
        m[0]["expression"]
        for w in widgets
        if w["type"] == "metric"
        for m in w["properties"]["metrics"]
        if isinstance(m[0], dict)
    ]
    assert all('Namespace="EcrEndpointGuard"' in e for e in expressions)
    searched = {name for e in expressions for name in re.findall(r'MetricName="(\w+)"', e)}
    assert {"NonCompliantVpcs", "ActionsPlanned", "ActionsApplied", "ActionsFailed"} <= searched
    from handlers.observability import METRICS  # every count the handler publishes

    for metric in searched:
        assert metric in METRICS.values(), f"the handler emits no metric {metric}"
    plain = {
        (m[0], m[1])
        for w in widgets
        if w["type"] == "metric"
        for m in w["properties"]["metrics"]
        if isinstance(m[0], str)
    }
    assert {("AWS/Lambda", "Errors"), ("AWS/Lambda", "Duration")} <= plain
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in plain
    logs = [w["properties"]["query"] for w in widgets if w["type"] == "log"]
    assert any("vpc_id" in q and "finding" in q for q in logs)
    assert all(q.startswith("SOURCE '<Ref FunctionLogGroup>' |") for q in logs)
    assert {w["type"] for w in widgets} >= {"metric", "log", "alarm", "text"}
    # Dashboard names are global to the account: one per region.
    assert dashboard["DashboardName"] == f"{STACK}-{REGION}"


def test_outputs(template: dict[str, Any]) -> None:
    assert {"NotificationTopicArn", "FunctionName", "FailureQueueUrl", "DashboardUrl"} <= set(
        template["Outputs"]
    )


# ------------------------------------------------------------------------------------------------
# Organisation mode and Security Hub: exactly the permissions their code declares
# ------------------------------------------------------------------------------------------------

ORG = {"MemberRoleName": "ecr-endpoint-guard-member", "OrganizationId": "o-a1b2c3d4e5"}
# the queue's are PLUMBING (every deployment); the names of member accounts (issue 24)
ORGANISATION = frozenset(accounts.PERMISSIONS + names.NAME_PERMISSIONS)


def _statements_granting(dep: Deployment, action: str) -> list[dict[str, Any]]:
    return [s for s in role_statements(dep) if action in _as_list(s["Action"])]


@pytest.mark.parametrize("listed", [False, True], ids=["organisation-listed", "accounts-given"])
def test_organisation_mode_grants_exactly_what_its_code_declares(
    template: dict[str, Any], listed: bool
) -> None:
    parameters = {**ORG, "MemberAccountIds": "" if listed else OTHER_ACCOUNTS[0]}
    dep = _deployable(template, **parameters)
    listing = frozenset(organisation.LIST_PERMISSIONS) if listed else frozenset()
    assert granted(dep) == READ | PLUMBING | ORGANISATION | listing
    (assume,) = _statements_granting(dep, "sts:AssumeRole")
    assert assume["Resource"] == "arn:aws:iam::*:role/ecr-endpoint-guard-member"
    (queue,) = [
        s for s in _statements_granting(dep, "sqs:ReceiveMessage") if s["Sid"] != "RecordFailed"
    ]
    assert queue["Resource"] == "<GetAtt WorkQueue.Arn>"
    environment = dep.resolve(template["Resources"]["Function"])["Properties"]["Environment"]
    assert environment["Variables"]["MEMBER_ROLE_NAME"] == "ecr-endpoint-guard-member"
    assert environment["Variables"]["WORK_QUEUE_URL"] == "<Ref WorkQueue>"
    bus_policy = dep.resources()["CentralEventBusPolicy"]["Properties"]["Statement"]
    assert bus_policy["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    assert "CentralEventBus" not in Deployment(template).resources()


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"SecurityHubFindings": "true"}, set(securityhub.IMPORT_PERMISSIONS)),
        ({"FixOnApproval": "true"}, set(securityhub.UPDATE_PERMISSIONS) | WRITE),
        (
            {"SecurityHubFindings": "true", "FixOnApproval": "true"},
            set(securityhub.IMPORT_PERMISSIONS + securityhub.UPDATE_PERMISSIONS) | WRITE,
        ),
    ],
)
def test_security_hub_grants_exactly_what_its_code_declares(
    template: dict[str, Any], parameters: dict[str, str], expected: set[str]
) -> None:
    """FixOnApproval grants the repair permissions even in dry-run: a person approves each."""
    dep = _deployable(template, Mode="dry-run", **parameters)
    assert granted(dep) == READ | PLUMBING | expected
    for statement in _statements_granting(dep, "securityhub:BatchImportFindings"):
        assert statement["Resource"] == (
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
        )
    for statement in _statements_granting(dep, "securityhub:BatchUpdateFindings"):
        assert statement["Resource"] == [
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default",  # Security Hub CSPM
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hubv2/*",  # the new Security Hub
        ]
    for statement in _statements_granting(dep, "securityhub:DescribeSecurityHubV2"):
        assert statement["Resource"] == "*"  # no resource-level permission


# ------------------------------------------------------------------------------------------------
# The work queue never starves live events (issue 24)
# ------------------------------------------------------------------------------------------------


def _rules_refuse(template: dict[str, Any], parameters: dict[str, str]) -> list[str]:
    """The template's Rules that refuse these parameters (Equals, Not, Contains: all it uses)."""

    def value(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return parameters[node["Ref"]]
        if isinstance(node, dict) and "Fn::Equals" in node:
            left, right = (value(v) for v in node["Fn::Equals"])
            return left == right
        if isinstance(node, dict) and "Fn::Not" in node:
            return not value(node["Fn::Not"][0])
        if isinstance(node, dict) and "Fn::Contains" in node:
            values, item = node["Fn::Contains"]
            return value(item) in values
        assert not isinstance(node, dict), f"a rule function this evaluator lacks: {node}"
        return node

    refused = []
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not value(rule["RuleCondition"]):
            continue
        if not all(value(a["Assert"]) for a in rule["Assertions"]):
            refused.append(name)
    return refused


def test_events_are_never_starved_by_the_work_queue(template: dict[str, Any]) -> None:
    """The queue's mapping takes fewer runs than the function's reserved concurrency (the rest
    serve live events), whatever the parameters; failed items are received five times before
    the failure queue; the visibility timeout covers six function timeouts (Lambda's SQS guide)."""
    parameters = template["Parameters"]
    function = template["Resources"]["Function"]["Properties"]
    mapping = template["Resources"]["WorkQueueMapping"]["Properties"]
    queue = template["Resources"]["WorkQueue"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == {"Ref": "FunctionConcurrency"}
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "QueueConcurrency"}
    functions = [
        str(n) for n in range(1, 120) if _accepts(parameters["FunctionConcurrency"], str(n))
    ]
    queues = parameters["QueueConcurrency"]["AllowedValues"]
    assert min(int(q) for q in queues) >= 2  # Lambda's minimum MaximumConcurrency
    for q in queues:
        for f in functions:
            chosen = {"QueueConcurrency": q, "FunctionConcurrency": f}
            refused = _rules_refuse(template, chosen)
            assert bool(refused) == (int(f) <= int(q)), (chosen, refused)
    defaults = {k: parameters[k]["Default"] for k in ("QueueConcurrency", "FunctionConcurrency")}
    assert int(defaults["QueueConcurrency"]) < int(defaults["FunctionConcurrency"])
    assert _rules_refuse(template, defaults) == []
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 5
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}


def test_single_account_deployments_get_the_work_queue_and_its_alarm(
    template: dict[str, Any],
) -> None:
    dep = Deployment(template)
    resources = dep.resources()
    assert {"WorkQueue", "WorkQueueMapping", "FailureQueueAlarm"} <= set(resources)
    environment = dep.resolve(template["Resources"]["Function"])["Properties"]["Environment"]
    assert environment["Variables"]["WORK_QUEUE_URL"] == "<Ref WorkQueue>"
    assert environment["Variables"]["MEMBER_ROLE_NAME"] == ""
    alarm = resources["FailureQueueAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": "<GetAtt FailureQueue.QueueName>"}
    ]


# ------------------------------------------------------------------------------------------------
# The one-stack organisation roll-out (issue 24)
# ------------------------------------------------------------------------------------------------


def test_the_central_stack_can_roll_the_member_stack_out_to_the_organisation(
    template: dict[str, Any],
) -> None:
    """With MemberStackSetTargets, the central stack creates the member StackSet itself:
    service-managed, deployed automatically to new accounts, with every member.yaml parameter
    given the central stack's own value, in the organisation's regions."""
    assert "MemberStackSet" not in Deployment(template, **ORG).resources()
    assert "MemberStackSet" not in Deployment(template, MemberStackSetTargets="r-ab12").resources()
    dep = Deployment(
        template,
        **ORG,
        MemberStackSetTargets="r-ab12,ou-ab12-11111111",
        OrganisationRegions="us-east-1,eu-west-1",
    )
    stack_set = dep.resources()["MemberStackSet"]["Properties"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert stack_set["CallAs"] == "SELF"
    assert stack_set["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert (REPO / stack_set["TemplateURL"]).is_file()
    (group,) = stack_set["StackInstancesGroup"]
    assert group["DeploymentTargets"]["OrganizationalUnitIds"] == ["r-ab12", "ou-ab12-11111111"]
    assert group["Regions"] == ["us-east-1", "eu-west-1"]
    given = {p["ParameterKey"]: p["ParameterValue"] for p in stack_set["Parameters"]}
    member, errors = decode_str((REPO / "member.yaml").read_text())
    assert not errors
    assert set(given) == set(member["Parameters"])  # every member parameter, none unknown
    assert given["CentralRoleArn"] == "<GetAtt FunctionRole.Arn>"
    assert given["CentralEventBusArn"] == "<GetAtt CentralEventBus.Arn>"
    for name in set(given) - {"CentralRoleArn", "CentralEventBusArn"}:
        assert given[name] == dep.resolve({"Ref": name}), name  # the central stack's own value
    single_region = Deployment(template, **ORG, MemberStackSetTargets="r-ab12")
    (group,) = single_region.resources()["MemberStackSet"]["Properties"]["StackInstancesGroup"]
    assert group["Regions"] == [REGION]
