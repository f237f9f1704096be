"""Chat notifications: the custom-notification JSON of Amazon Q Developer in chat applications.

``NOTIFICATION_FORMAT=chatbot`` publishes this instead of the text message, so that Slack and
Microsoft Teams channels mapped to the topic show a readable card (plain SNS text renders badly
there). Pure rendering; loaded only on that path.

The format (Amazon Q Developer in chat applications administrator guide, "Custom notifications",
event schema): ``version`` ``1.0`` and ``source`` ``custom`` (both required), ``content``
(``textType`` ``client-markdown``, ``title``, ``description``, ``nextSteps``, ``keywords``) and
``metadata`` (``threadId`` — one per VPC, so that its updates thread —, ``summary``,
``eventType``, ``relatedResources``, ``additionalContext``). The guide's per-field length limits
could not be read here; the message keeps the title under 250 characters and the description
under 8,000 (each cut visibly, never mid-JSON) and the whole message far below SNS's 256 KB.
A dry-run card carries its VPC's Terraform as a code block only when the whole description
stays within those 8,000 characters; otherwise its next steps give the command that prints it.

Examples
--------
>>> thread_id("111122223333", "eu-west-1", "vpc-1")
'ecr-endpoint-guard-111122223333-eu-west-1-vpc-1'
"""

from __future__ import annotations

import json
from typing import Any

from remediation.findings import Severity
from remediation.modes import MODE_TAG, Mode
from remediation.outcomes import OutcomeStatus
from remediation.report.results import VpcResult, VpcStatus, release_command
from remediation.text import chat

TITLE_LIMIT = 250
DESCRIPTION_LIMIT = 8000
#: Lines of findings and of actions, and characters per line: 30 lines of at most 200
#: characters keep the description under its limit without cutting the "more" line.
MAX_FINDING_LINES = 20
MAX_ACTION_LINES = 10
LINE_LIMIT = 200
EVENT_TYPE = "EcrEndpointGuardVpcReport"
#: A markdown code block: the Terraform goes in one only when it holds no fence itself.
FENCE = "```"
_ICON = {
    VpcStatus.COMPLIANT: ":white_check_mark:",
    VpcStatus.FIXED: ":white_check_mark:",
    VpcStatus.NON_COMPLIANT: ":warning:",
    VpcStatus.INCOMPLETE: ":warning:",
    VpcStatus.DEFERRED: ":hourglass:",
    VpcStatus.FAILED: ":x:",
    VpcStatus.SKIPPED: ":information_source:",
}


def thread_id(account: str, region: str, vpc_id: str) -> str:
    return f"ecr-endpoint-guard-{account}-{region}-{vpc_id}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bullets(lines: list[str], most: int) -> list[str]:
    kept = [_cut(line, LINE_LIMIT) for line in lines[:most]]
    if len(lines) > most:
        kept.append(f"- … and {len(lines) - most} more (see the function's log)")
    return kept


def _iac_step(result: VpcResult, code_shown: bool, command: str) -> str:
    """The hand-over to the VPC's code: the Terraform above, or the command that prints it."""
    if not command:
        return (
            "Managed as code? Tag the VPC `ecr-endpoint-guard/mode=dry-run`, or hand the tool's "
            f"resources back: `{release_command(result)}` (with credentials of account "
            f"{result.account_id})"
        )
    where = "the Terraform above" if code_shown else f"the Terraform that `{command}` prints"
    member = (
        f" (through the member role; with credentials of account {result.account_id}, "
        "leave out `--account` and `--role-name`)"
        if " --role-name " in command and not code_shown
        else ""
    )
    return (
        f"Managed as code? Add {where} to your code{member}, run `terraform apply`, then tag the "
        f"VPC `{MODE_TAG}=dry-run`"
    )


def _next_steps(result: VpcResult, code_shown: bool = False, command: str = "") -> list[str]:
    steps = []
    where = f"--region {result.region} --vpc-id {result.vpc_id}"
    if result.open_findings and any(f.repairs for f in result.open_findings):
        if result.mode is Mode.AUTO_FIX:
            steps.append(f"Review the failed repairs: `ecr-endpoint-guard scan {where}`")
        else:
            steps.append(f"Repair now: `ecr-endpoint-guard scan --fix {where}`")
    if any(f.severity is Severity.MANUAL for f in result.findings):
        steps.append("Findings marked *manual* need a person: the tool will not change them")
    steps.append(_iac_step(result, code_shown, command))
    steps.append(
        f"Security Hub: https://console.aws.amazon.com/securityhub/home?region={result.region}"
    )
    return steps


def _with_code(description: str, terraform: str) -> str:
    """The description and the Terraform as a code block, or ``""`` when they do not fit."""
    if not terraform or FENCE in terraform:
        return ""
    shown = f"{description}\n\n*Terraform for this VPC*\n{FENCE}\n{terraform.rstrip()}\n{FENCE}"
    return shown if len(shown) <= DESCRIPTION_LIMIT else ""


def render_chatbot(
    result: VpcResult, *, account_name: str = "", terraform: str = "", terraform_command: str = ""
) -> str:
    """The custom notification for one VPC, as the JSON string to publish.

    ``terraform`` (a dry-run's plan as code) is shown when the description still fits its
    limit; ``terraform_command`` prints it, for the next steps when it does not fit.
    """
    # Text from the VPC (its tags), from AWS or from a person is data: one line, no mention,
    # link or emphasis (:func:`remediation.text.chat`).
    safe_name = chat(result.name, TITLE_LIMIT // 2)
    name = f" ({safe_name})" if safe_name else ""
    account_name = account_name or result.account_name
    account = (
        f"{result.account_id} ({chat(account_name, 100)})" if account_name else result.account_id
    )
    icon = _ICON.get(result.status, "")
    title = f"{icon} ECR endpoints {result.vpc_id}{name}: {result.status.value}".strip()
    findings = _bullets(
        [
            f"- *{f.severity.value}* {f.service + ': ' if f.service else ''}"
            f"{chat(f.message, LINE_LIMIT)}"
            for f in result.findings
        ],
        MAX_FINDING_LINES,
    )
    dry = result.mode is not Mode.AUTO_FIX
    actions = _bullets(
        [
            f"- {chat(o.action.describe(), LINE_LIMIT)} → *{o.status.value}*"
            + (f": {chat(o.detail, LINE_LIMIT)}" if o.detail else "")
            for o in result.outcomes
        ],
        MAX_ACTION_LINES,
    )
    parts = [
        f"*Account* {account} · *Region* {result.region} · *Mode* {result.mode.label}"
        + (f" ({chat(result.mode_note, LINE_LIMIT)})" if result.mode_note else ""),
        "",
        "*Findings*",
        *(findings or ["- none"]),
    ]
    if actions:
        parts += ["", "*Planned (dry-run: nothing changed)*" if dry else "*Actions*", *actions]
    if result.cost is not None and result.cost.new_endpoint_azs:
        parts += ["", f"*Estimated cost* {result.cost.describe()}"]
    if result.money is not None:
        parts += ["", f"*Money* {result.money.describe()}"]
    applied = result.count(OutcomeStatus.APPLIED)
    description = _cut("\n".join(parts), DESCRIPTION_LIMIT)
    with_code = _with_code(description, terraform)
    summary = (
        f"{result.vpc_id}: {result.status.value}, {len(result.open_findings)} open finding(s)"
        + (f", {applied} change(s)" if applied else "")
    )
    message: dict[str, Any] = {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": _cut(title, TITLE_LIMIT),
            "description": with_code or description,
            "nextSteps": _next_steps(result, bool(with_code), terraform_command),
            "keywords": [result.account_id, result.region, result.vpc_id, result.status.value],
        },
        "metadata": {
            "threadId": thread_id(result.account_id, result.region, result.vpc_id),
            "summary": _cut(summary, TITLE_LIMIT),
            "eventType": EVENT_TYPE,
            "relatedResources": [result.vpc_id],
            "additionalContext": {
                "account": result.account_id,
                "region": result.region,
                "vpcId": result.vpc_id,
                "status": result.status.value,
                "mode": result.mode.label,
            },
        },
    }
    return json.dumps(message, ensure_ascii=False)
