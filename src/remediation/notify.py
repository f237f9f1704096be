"""The per-VPC message: text for people, then the same content as JSON for machines.

Rendering is pure; :class:`SnsNotifier` is the only code in the project that
knows about SNS.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Protocol

from remediation.actions import S3_INTERRUPTION_NOTE
from remediation.model import Mode
from remediation.outcomes import OutcomeStatus
from remediation.report import VpcResult

SUBJECT_LIMIT = 100  # SNS: printable ASCII, no line breaks, at most 100 characters
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")


class Notifier(Protocol):
    def publish(self, subject: str, body: str) -> None: ...


def clean_subject(text: str) -> str:
    """Make any text a valid SNS subject.

    >>> clean_subject("vpc-1 (prod\\n\u00e9quipe)" + "x" * 200)[:22]
    'vpc-1 (prod equipe)xxx'
    >>> len(clean_subject("x" * 300))
    100
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    single = _UNPRINTABLE.sub(" ", ascii_text.replace("\n", " ").replace("\r", " "))
    single = re.sub(r" {2,}", " ", single).strip()
    if len(single) > SUBJECT_LIMIT:
        single = single[: SUBJECT_LIMIT - 3].rstrip() + "..."
    return single or "ecr-endpoint-guard"


def subject(result: VpcResult) -> str:
    name = f" ({result.name})" if result.name else ""
    open_count = len(result.open_findings)
    if result.mode is Mode.AUTO_FIX:
        what = f"{result.status.value}, {result.count(OutcomeStatus.APPLIED)} change(s)"
    else:
        what = f"{open_count} finding(s), dry-run"
    # The account first: in organisation mode one topic receives every account's messages.
    return clean_subject(f"ECR endpoints {result.account_id} {result.vpc_id}{name}: {what}")


def render_text(result: VpcResult) -> str:
    lines = [
        f"ecr-endpoint-guard report for {result.vpc_id}"
        + (f" ({result.name})" if result.name else ""),
        "",
        f"Account: {result.account_id}",
        f"Region:  {result.region}",
        f"VPC:     {result.vpc_id}",
        f"Name:    {result.name or '-'}",
        f"Mode:    {result.mode.label}" + (f" ({result.mode_note})" if result.mode_note else ""),
        f"Status:  {result.status.value}",
        "",
        "Findings:",
    ]
    lines += [
        f"  - [{f.severity.value}] {f.service + ': ' if f.service else ''}{f.message} ({f.code})"
        for f in result.findings
    ] or ["  (none)"]
    lines += [
        "",
        "Actions planned (dry-run: nothing was changed):"
        if result.mode is not Mode.AUTO_FIX
        else "Actions:",
    ]
    lines += [
        f"  - {o.action.describe()} -> {o.status.value}" + (f": {o.detail}" if o.detail else "")
        for o in result.outcomes
    ] or ["  (none)"]
    if result.cost is not None:
        lines += ["", f"Estimated cost: {result.cost.describe()}"]
    if any(o.action.service and "s3" in o.action.service for o in result.outcomes) or any(
        f.code.startswith("gateway-") for f in result.findings
    ):
        lines += ["", f"Note: {S3_INTERRUPTION_NOTE}."]
    if any(f.severity.value == "manual" for f in result.findings):
        lines += ["", "Findings marked [manual] need a person: the tool will not change them."]
    lines += [
        "",
        "Managed by infrastructure as code? Add the resources above to your code instead, and "
        "tag the VPC ecr-endpoint-guard/mode=dry-run (report only) or off, so that the tool "
        "does not race your IaC. Before deleting the VPC, run "
        f"'ecr-endpoint-guard release --vpc-id {result.vpc_id}'.",
    ]
    return "\n".join(lines)


def render(result: VpcResult, style: str = "text") -> tuple[str, str]:
    """Subject and body of the message for one VPC.

    ``style`` ``text``: the text, then the JSON form. ``chatbot``: the custom-notification
    JSON of Amazon Q Developer in chat applications (:mod:`remediation.chat`, loaded only
    then: most deployments never need it); the subject stays the text subject.
    """
    if style == "chatbot":
        from remediation.chat import render_chatbot  # noqa: PLC0415 - chat deployments only

        return subject(result), render_chatbot(result)
    payload: dict[str, Any] = result.as_dict()
    body = (
        render_text(result) + "\n\n--- JSON ---\n" + json.dumps(payload, indent=2, sort_keys=True)
    )
    return subject(result), body


class SnsNotifier:
    """Publishes to one SNS topic. Failures propagate; the engine records them."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns = sns
        self.topic_arn = topic_arn

    def publish(self, subject: str, body: str) -> None:
        self.sns.publish(TopicArn=self.topic_arn, Subject=clean_subject(subject), Message=body)
