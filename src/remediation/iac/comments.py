"""The comments both formats write, worded once: each format says only its own names.

Every text that comes from the VPC (its ``Name`` and mode tags) goes through
:func:`~remediation.iac.names.comment_text`: a tag cannot end a comment and start code.
"""

from __future__ import annotations

from remediation.iac.names import comment_text, short_service
from remediation.iac.resources import Repair, VpcCode
from remediation.modes import MODE_TAG


def header(code: VpcCode, language: str) -> list[str]:
    """``# ecr-endpoint-guard: <language> for <vpc> (<name>),`` and the account and region."""
    name = f" ({comment_text(code.vpc_name)})" if code.vpc_name else ""
    return [
        f"# ecr-endpoint-guard: {language} for {code.vpc_id}{name},",
        f"# account {code.account_id}, region {code.region}.",
    ]


def skipped(code: VpcCode) -> str:
    """Why the VPC has no code (its text may quote the VPC's tags: kept on one line)."""
    return f"# No code: {code.vpc_id} is {comment_text(code.skipped)}."


def dns(code: VpcCode, vpc_resource: str, settings: list[str]) -> list[str]:
    """The DNS attributes to set in the user's own VPC resource (``settings``: one a line)."""
    if not code.dns_attributes:
        return []
    return [
        "",
        f"# DNS attributes: set these in your own {vpc_resource} resource for {code.vpc_id}",
        "# (private DNS of interface endpoints needs both):",
        *(f"#   {line}" for line in settings),
    ]


def repair_heading(repair: Repair, code: VpcCode) -> list[str]:
    """The first lines of a repair of an endpoint the user's code owns."""
    service = short_service(repair.service_name, code.region)
    return [
        f"# {repair.endpoint_id} ({service}) was not created by ecr-endpoint-guard: the code",
        "# that created it owns it. Make these changes there:",
    ]


def hand_over(code: VpcCode, *, applied: str, in_code: str) -> list[str]:
    """The last step: tag the VPC so that the function stops managing it.

    ``applied``: when (``terraform apply`` has run, the stack is deployed); ``in_code``: the
    tag in the user's own VPC resource, in the format's words.
    """
    if code.mode_tag:
        now = f"# The VPC is tagged {MODE_TAG}={comment_text(code.mode_tag)} already."
    else:
        now = "# The VPC has no such tag yet."
    return [
        "",
        f"# Hand-over: once {applied}, tag the VPC so that the function stops",
        "# managing it: dry-run keeps reporting (and shows drift from this code), off stops it.",
        f"#   in your {in_code}",
        f"#   or: aws ec2 create-tags --region {code.region} --resources {code.vpc_id} \\",
        f"#         --tags Key={MODE_TAG},Value=dry-run",
        now,
    ]
