"""The per-VPC message: text for people, then the same content as JSON for machines.

Rendering is pure; :class:`SnsNotifier` is the only code in the project that
knows about SNS. A dry-run message with planned repairs also hands the VPC over to its
infrastructure as code (:class:`IacHandover`): the Terraform of its plan, which the engine
computes, when the whole message fits SNS's limit (:data:`MESSAGE_LIMIT`), else the exact
command that prints it.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple, Protocol

from remediation.actions import S3_INTERRUPTION_NOTE
from remediation.cost import bytes_text
from remediation.modes import MODE_TAG, Mode
from remediation.outcomes import OutcomeStatus
from remediation.report.results import VpcResult, release_command
from remediation.text import ascii_line, plain

#: The longest name, note or finding a message quotes from the VPC (its tags, AWS's answers).
NAME_LIMIT = 256
LINE_LIMIT = 1000

SUBJECT_LIMIT = 100  # SNS: printable ASCII, no line breaks, at most 100 characters
#: SNS's limit on a message (the Publish action's ``Message``): "UTF-8 encoded strings and at
#: most 256 KB in size (262,144 bytes, not 262,144 characters)"
#: (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). Counted in UTF-8 bytes.
MESSAGE_LIMIT = 262_144
#: Between the text and the Terraform, and between either and the JSON form.
TERRAFORM_MARK = "--- Terraform ---"
JSON_MARK = "--- JSON ---"


class IacHandover(NamedTuple):
    """What a dry-run message offers the VPC's infrastructure as code.

    ``command`` prints the Terraform of the VPC's plan (:func:`terraform_command`);
    ``terraform`` is that Terraform, computed by the engine (``""``: the command only). The
    message carries the code when it fits, else the command alone. A named tuple, not a
    dataclass: the handler imports this module, and a dataclass costs its cold start about
    eight times as much to create (~1 ms on Python 3.11).
    """

    command: str
    terraform: str = ""


def terraform_command(result: VpcResult, member_role: str = "") -> str:
    """The command that prints the Terraform of ``result``'s VPC.

    In an organisation deployment (``member_role``, from ``MEMBER_ROLE_NAME``) the VPC may be
    in a member account: ``--account`` and ``--role-name`` reach it through the member role.

    >>> from remediation.report.results import VpcStatus
    >>> r = VpcResult("vpc-1", "111122223333", "eu-west-1", Mode.DRY_RUN, VpcStatus.NON_COMPLIANT)
    >>> terraform_command(r)
    'ecr-endpoint-guard scan --format terraform --region eu-west-1 --vpc-id vpc-1'
    >>> terraform_command(r, "guard-member").split("vpc-1 ")[1]
    '--account 111122223333 --role-name guard-member'
    """
    command = (
        f"ecr-endpoint-guard scan --format terraform --region {result.region} "
        f"--vpc-id {result.vpc_id}"
    )
    if member_role:
        command += f" --account {result.account_id} --role-name {member_role}"
    return command


def fits(body: str) -> bool:
    """True when SNS accepts ``body`` as a message (:data:`MESSAGE_LIMIT`, in UTF-8 bytes)."""
    return len(body.encode("utf-8")) <= MESSAGE_LIMIT


class Notifier(Protocol):
    def publish(self, subject: str, body: str) -> None: ...


def clean_subject(text: str) -> str:
    """Make any text a valid SNS subject (:func:`remediation.text.ascii_line`).

    >>> clean_subject("vpc-1 (prod\\n\u00e9quipe)" + "x" * 200)[:22]
    'vpc-1 (prod equipe)xxx'
    >>> len(clean_subject("x" * 300))
    100
    """
    return ascii_line(text, SUBJECT_LIMIT, "ecr-endpoint-guard")


def subject(result: VpcResult) -> str:
    name = f" ({result.name})" if result.name else ""
    open_count = len(result.open_findings)
    if result.mode is Mode.AUTO_FIX:
        what = f"{result.status.value}, {result.count(OutcomeStatus.APPLIED)} change(s)"
    else:
        what = f"{open_count} finding(s), dry-run"
    # The account first: in organisation mode one topic receives every account's messages.
    account = f"{result.account_id} ({result.account_name})" if result.account_name else ""
    account = account or result.account_id
    return clean_subject(f"ECR endpoints {account} {result.vpc_id}{name}: {what}")


def _iac_paragraph(result: VpcResult, handover: IacHandover | None) -> list[str]:
    """How to hand the VPC over to its code: the Terraform below, or the command."""
    release = (
        f"Before deleting the VPC, run '{release_command(result)}' with credentials of "
        f"account {result.account_id}."
    )
    if handover is None:
        return [
            "Managed by infrastructure as code? Add the resources above to your code instead, "
            f"and tag the VPC {MODE_TAG}=dry-run (report only) or off, so that the tool does not "
            f"race your IaC. {release}"
        ]
    steps = (
        "Hand the VPC over: add the code to yours, run terraform plan and terraform apply, then "
        f"tag the VPC {MODE_TAG}=dry-run (report only), so that the tool does not race your IaC."
    )
    command = [f"  {handover.command}"]
    if " --role-name " in handover.command:
        command.append(
            "(from the deployment's account, through the member role; with credentials of "
            f"account {result.account_id} itself, leave out --account and --role-name)"
        )
    if handover.terraform:
        lines = [
            "Managed by infrastructure as code? The Terraform below is the plan above as code. "
            f"{steps} The command that prints it:",
            *command,
        ]
    else:
        lines = [
            "Managed by infrastructure as code? The Terraform of the plan above does not fit in "
            "this message; print it with:",
            *command,
            steps,
        ]
    return [*lines, release]


def render_text(result: VpcResult, handover: IacHandover | None = None) -> str:
    """The message for people; with ``handover``, the IaC hand-over (and the Terraform).

    Text from the VPC or from AWS (its name, a note quoting its tags, a finding, an error's
    detail) is one line each (:func:`remediation.text.plain`): a name cannot forge a line.
    """
    name = plain(result.name, NAME_LIMIT)
    note = plain(result.mode_note, LINE_LIMIT)
    lines = [
        f"ecr-endpoint-guard report for {result.vpc_id}" + (f" ({name})" if name else ""),
        "",
        f"Account: {result.account_id}"
        + (f" ({result.account_name})" if result.account_name else ""),
        f"Region:  {result.region}",
        f"VPC:     {result.vpc_id}",
        f"Name:    {name or '-'}",
        f"Mode:    {result.mode.label}" + (f" ({note})" if note else ""),
        f"Status:  {result.status.value}",
        "",
        "Findings:",
    ]
    lines += [
        f"  - [{f.severity.value}] {f.service + ': ' if f.service else ''}"
        f"{plain(f.message, LINE_LIMIT)} ({f.code})"
        for f in result.findings
    ] or ["  (none)"]
    lines += [
        "",
        "Actions planned (dry-run: nothing was changed):"
        if result.mode is not Mode.AUTO_FIX
        else "Actions:",
    ]
    lines += [
        f"  - {plain(o.action.describe(), LINE_LIMIT)} -> {o.status.value}"
        + (f": {plain(o.detail, LINE_LIMIT)}" if o.detail else "")
        for o in result.outcomes
    ] or ["  (none)"]
    if result.cost is not None:
        lines += ["", f"Estimated cost: {result.cost.describe()}"]
    lines += traffic_lines(result)
    if any(o.action.service and "s3" in o.action.service for o in result.outcomes) or any(
        f.code.startswith("gateway-") for f in result.findings
    ):
        lines += ["", f"Note: {S3_INTERRUPTION_NOTE}."]
    if any(f.severity.value == "manual" for f in result.findings):
        lines += ["", "Findings marked [manual] need a person: the tool will not change them."]
    lines += ["", *_iac_paragraph(result, handover)]
    if handover is not None and handover.terraform:
        lines += ["", TERRAFORM_MARK, handover.terraform.rstrip("\n")]
    return "\n".join(lines)


def traffic_lines(result: VpcResult) -> list[str]:
    """What CloudWatch measured (sweeps and scans) and the money, for the text message."""
    lines: list[str] = []
    traffic = result.traffic
    if traffic is not None:
        if traffic.error:
            lines += ["", f"Traffic: not read ({traffic.error})"]
        else:
            lines += [
                "",
                f"Traffic over {traffic.days} days to {traffic.end[:10]}: "
                f"{bytes_text(traffic.endpoints_total)} through the interface endpoints, "
                f"{bytes_text(traffic.nat_total)} through the NAT gateways of the private "
                "route tables",
            ]
    if result.money is not None:
        lines += [f"Money: {result.money.describe()}"]
    return lines


def _body(result: VpcResult, style: str, handover: IacHandover | None) -> str:
    if style == "chatbot":
        from remediation.report.chat import render_chatbot  # noqa: PLC0415 - chat deployments only

        if handover is None:
            return render_chatbot(result)
        return render_chatbot(
            result, terraform=handover.terraform, terraform_command=handover.command
        )
    payload: dict[str, Any] = result.as_dict()
    return (
        render_text(result, handover)
        + f"\n\n{JSON_MARK}\n"
        + json.dumps(payload, indent=2, sort_keys=True)
    )


def render(
    result: VpcResult, style: str = "text", handover: IacHandover | None = None
) -> tuple[str, str]:
    """Subject and body of the message for one VPC.

    ``style`` ``text``: the text, then the JSON form. ``chatbot``: the custom-notification
    JSON of Amazon Q Developer in chat applications (:mod:`remediation.report.chat`, loaded only
    then: most deployments never need it); the subject stays the text subject.

    ``handover`` (dry-run with planned repairs): the message carries its Terraform when the
    whole message fits SNS's limit (and, in the chat form, the card's own limits), else its
    command. The JSON form is the same either way.
    """
    body = _body(result, style, handover)
    if handover is not None and handover.terraform and not fits(body):
        body = _body(result, style, handover._replace(terraform=""))
    return subject(result), body


class SnsNotifier:
    """Publishes to one SNS topic. Failures propagate; the engine records them."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns = sns
        self.topic_arn = topic_arn

    def publish(self, subject: str, body: str) -> None:
        self.sns.publish(TopicArn=self.topic_arn, Subject=clean_subject(subject), Message=body)
