"""``template.yaml`` as the tests read it: the parsed source, a ``Deployment`` (the template
resolved for a set of parameters), cfn-lint as the tests run it (:func:`cfn_lint`), and the
template tools (SAM CLI, checkov) run in their own virtual environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from remediation.actions import READ_PERMISSIONS, write_permissions

if TYPE_CHECKING:
    from cfnlint.rules import Rules

# cfn-lint (half a second to import) and moto's EventBridge models are imported where they are
# used: this module is a plugin of every test process, pytest-xdist's controller included,
# which collects nothing and imports every plugin before it starts the workers.

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
MEMBER = REPO / "member.yaml"
ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "ecr-endpoint-guard"
TOOLS_VENV = Path(os.environ.get("ECR_GUARD_TOOLS_VENV", REPO / ".venv-tools"))
REQUIRE_TOOLS = os.environ.get("ECR_GUARD_REQUIRE_TOOLS") == "1"


def _plain(node: Any) -> Any:
    """cfn-lint's decoder returns dict/str subclasses with line marks: make plain JSON data."""
    return json.loads(json.dumps(node))


@cache
def _source() -> dict[str, Any]:
    from cfnlint.decode import decode_str

    template, errors = decode_str(TEMPLATE.read_text())
    assert not errors, f"template.yaml does not parse: {errors}"
    plain: dict[str, Any] = _plain(template)
    return plain


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return _source()


_NO_VALUE = object()
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Deployment:
    """One deployment of a template: parameter values, Conditions and intrinsics evaluated.

    Resources' own attributes cannot be known before deployment: ``!Ref X`` of a resource
    becomes ``"<Ref X>"`` and ``!GetAtt X.Y`` becomes ``"<GetAtt X.Y>"``.
    """

    def __init__(
        self,
        template: dict[str, Any],
        account: str = ACCOUNT,
        region: str = REGION,
        **parameters: str,
    ) -> None:
        self.template = template
        declared = template.get("Parameters", {})
        unknown = set(parameters) - set(declared)
        assert not unknown, f"no such template parameters: {unknown}"
        values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        values.update(parameters)
        self.parameters = values
        self.values = {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::StackName": STACK,
            "AWS::URLSuffix": "amazonaws.com",
            **values,
        }
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = self._truth(self.template["Conditions"][name])
        return self._conditions[name]

    def _truth(self, node: Any) -> bool:
        (fn, arg), *_ = node.items()
        if fn == "Fn::Equals":
            return bool(self.resolve(arg[0]) == self.resolve(arg[1]))
        if fn == "Fn::And":
            return all(self._truth(c) for c in arg)
        if fn == "Fn::Or":
            return any(self._truth(c) for c in arg)
        if fn == "Fn::Not":
            return not self._truth(arg[0])
        if fn == "Condition":
            return self.condition(arg)
        raise AssertionError(f"unexpected condition function {fn}")

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if name in self.values:
                return self.values[name]
            return f"<GetAtt {name}>" if "." in name else f"<Ref {name}>"

        return _SUB_VAR.sub(one, text)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(n) for n in node]
            return [i for i in items if i is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (fn, arg), *_ = node.items()
            if fn == "Ref":
                if arg == "AWS::NoValue":
                    return _NO_VALUE
                return self.values.get(arg, f"<Ref {arg}>")
            if fn == "Fn::GetAtt":
                target = arg if isinstance(arg, str) else ".".join(arg)
                return f"<GetAtt {target}>"
            if fn == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if fn == "Fn::Sub":
                if isinstance(arg, str):
                    return self._sub(arg, {})
                text, variables = arg
                return self._sub(text, {k: self.resolve(v) for k, v in variables.items()})
            if fn == "Fn::Join":
                sep, items = arg
                return sep.join(str(i) for i in self.resolve(items))
            if fn == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if fn == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if fn == "Condition":
                return self.condition(arg)
        out = {}
        for key, value in node.items():
            resolved = self.resolve(value)
            if resolved is not _NO_VALUE:
                out[key] = resolved
        return out

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources this deployment creates, resolved."""
        return {
            name: self.resolve(res)
            for name, res in self.template["Resources"].items()
            if "Condition" not in res or self.condition(res["Condition"])
        }

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {n: r for n, r in self.resources().items() if r["Type"] == kind}


def tool(name: str) -> Path:
    path = TOOLS_VENV / "bin" / name
    if path.exists():
        return path
    message = f"{name} not found in {TOOLS_VENV} (run `make tools`, or set ECR_GUARD_TOOLS_VENV)"
    if REQUIRE_TOOLS:
        pytest.fail(message)
    pytest.skip(message)


def tool_env(**extra: str) -> dict[str, str]:
    """An environment for SAM CLI and checkov: no AWS credentials, no telemetry, a region."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VIRTUAL_ENV"))}
    env.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        SAM_CLI_TELEMETRY="0",
        BC_SKIP_MAPPING="TRUE",
        **extra,
    )
    return env


def run(args: list[str], timeout: int = 180, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        args,
        cwd=REPO,
        env=tool_env(**extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@cache
def _cfn_lint_rules() -> Rules:
    """cfn-lint's built-in rules, as ``cfnlint.api.lint``'s ``Runner`` loads them for a
    configuration without ``append_rules`` or ``custom_rules`` (the tests give neither)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn()).rules


def cfn_lint(text: str, regions: Sequence[str]) -> list[str]:
    """cfn-lint's findings on a template (errors, warnings and informational), in ``regions``.

    ``cfnlint.api.lint``'s code, with the rules loaded once per test process: ``lint`` builds
    a ``Runner``, which loads every rule module (and the specifications they read) on each
    call, 0.4 s, more than linting a generated template takes. cfn-lint's own command line
    also loads them once for all the templates it is given. The collection only holds the
    rules; which of them run, in which regions and with which settings is each template's
    configuration (``Rules.run`` configures each rule for the run).
    """
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode import decode_str
    from cfnlint.runner import run_template_by_data

    template, errors = decode_str(text)
    if errors:
        return [str(m) for m in errors]
    assert template is not None, "an empty template"
    config = ConfigMixIn(include_checks=["I"], regions=list(regions))
    return [str(m) for m in run_template_by_data(template, config, _cfn_lint_rules())]


def _accepts(spec: dict[str, Any], value: str) -> bool:
    if "AllowedValues" in spec:
        return value in [str(v) for v in spec["AllowedValues"]]
    if "AllowedPattern" in spec:
        # CloudFormation matches the whole value.
        return re.fullmatch(spec["AllowedPattern"], value) is not None
    return True


EVENTS = REPO / "events"
OTHER_ACCOUNTS = [f"1111222233{n:02d}" for n in range(10)]
READ = frozenset(READ_PERMISSIONS)
WRITE = frozenset(write_permissions())


#: Which rule each fixture is meant for. None: no rule may match it.
EXPECTED_RULE: dict[str, str | None] = {
    "create_vpc.json": "VpcDesign",
    "create_vpc_2018_capture.json": "VpcDesign",
    "delete_vpc_endpoints_single.json": "VpcDesign",
    "delete_vpc_endpoints_multi.json": "VpcDesign",
    # A CreateVpc without its response: the rule cannot tell, the handler refuses it.
    "malformed_create_vpc_missing_response.json": "VpcDesign",
    "modify_vpc_attribute_dns_support_false.json": "DnsAttributeDrift",
    "modify_vpc_attribute_dns_hostnames_false.json": "DnsAttributeDrift",
    "create_vpc_endpoint_ecr_api.json": "EndpointDrift",
    "create_vpc_endpoint_gateway_s3.json": "EndpointDrift",
    "modify_vpc_endpoint.json": "EndpointDrift",
    # The tool's own call is delivered, and the handler ignores it (TOOL_ROLE_ARN): a pattern
    # that excluded the role would also drop root and IAM-user calls (no session issuer).
    "own_call_modify_vpc_endpoint.json": "EndpointDrift",
    "create_subnet.json": "SubnetRouting",
    "associate_route_table.json": "SubnetRouting",
    "replace_route_table_association.json": "SubnetRouting",
    # Only with WatchSecurityGroupChanges=true (off by default).
    "authorize_security_group_ingress.json": "SecurityGroupDrift",
    "authorize_security_group_ingress_flat_params.json": "SecurityGroupDrift",
    "revoke_security_group_ingress.json": "SecurityGroupDrift",
    "modify_security_group_rules.json": "SecurityGroupDrift",
    # Only with EndpointNeed=workloads: the calls that bring container workloads.
    "ecs_create_service.json": "WorkloadEvents",
    "ecs_update_service.json": "WorkloadEvents",
    "eks_create_nodegroup.json": "WorkloadEvents",
    "eks_create_fargate_profile.json": "WorkloadEvents",
    "batch_create_compute_environment.json": "WorkloadEvents",
    # Security Hub: AWS's control findings trigger; the custom action only where offered
    # (SecurityHubFindings or FixOnApproval); the tool's own imported findings never.
    "securityhub_findings_imported_ec2_55.json": "SecurityHubControlFindings",
    "securityhub_findings_imported_v2_ec2_55.json": "SecurityHubControlFindings",
    "securityhub_custom_action_fix.json": "SecurityHubApproval",
    "securityhub_findings_imported_own.json": None,
    # Delivered by the SweepRule schedule, which has no pattern.
    "scheduled_sweep.json": None,
    "failed_call_create_vpc.json": None,
    "dry_run_call_modify_vpc_attribute.json": None,
    "unsupported_event_run_instances.json": None,
    "not_an_event.json": None,
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM policy document in a template: identity, trust, resource and key policies."""
    if isinstance(node, dict):
        if "Statement" in node and ("Version" in node or isinstance(node["Statement"], list)):
            yield where, node
        for key, value in node.items():
            yield from policy_documents(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from policy_documents(value, f"{where}[{i}]")


def _alternatives(event: Any) -> list[Any]:
    """The event as moto's matcher can read it: one copy per finding of a Security Hub event.

    EventBridge matches a pattern's fields against each object of an array (Security Hub's own
    patterns filter ``detail.findings`` by ``Compliance.Status``: Security Hub user guide,
    "EventBridge event formats"); moto's matcher only against objects. So a Security Hub event
    matches when the event with any single finding in place of the list does.
    """
    findings = event.get("detail", {}).get("findings") if isinstance(event, dict) else None
    if not isinstance(findings, list) or not findings:
        return [event]
    return [{**event, "detail": {**event["detail"], "findings": f}} for f in findings]


def matches(pattern: dict[str, Any], event: Any) -> bool:
    from moto.events.models import EventPattern

    compiled = EventPattern.load(json.dumps(pattern))
    return any(compiled.matches_event(e) for e in _alternatives(event))


def _fixture(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())
