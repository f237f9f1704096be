"""Security Hub's findings, whatever their shape: which controls count, where a VPC is named,
who produced a finding, and the one rule of where a finding may steer a repair.

A finding never steers a repair into another account (:func:`steering_refusal`): a member can
import findings of its own, and a Security Hub administrator sees every member's, so a finding is
accepted only for a VPC of the account it belongs to, and, unless AWS Security Hub itself
produced it, of the account that produced it (the account in ``ProductArn``; the tool's own
findings carry ``product/<that account>/default``). The ASFF findings
(:mod:`remediation.events.securityhub`) and the OCSF ones of the new Security Hub
(:mod:`remediation.events.securityhub_v2`) both answer to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from remediation.vocabulary import ACCOUNT_ID

#: The controls whose failed findings are triggers: EC2.55 (ECR API endpoint) and EC2.56 (Docker
#: Registry endpoint).
CONTROLS: Final = frozenset({"EC2.55", "EC2.56"})
#: At most this many findings per event are read (the console sends up to 20 per action).
MAX_FINDINGS: Final = 100
#: A VPC's ARN, naming its region and account.
VPC_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:ec2:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):vpc/(?P<vpc>vpc-[0-9a-f]+)"
)
#: ``arn:<partition>:securityhub:<region>:<account or empty>:product/<company>/<product>``.
_PRODUCT_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:securityhub:[a-z0-9-]*:(?P<account>[0-9]{12})?:"
    r"product/(?P<company>[A-Za-z0-9_.-]+)/(?P<product>[A-Za-z0-9_.-]+)"
)
#: The producer of the findings AWS Security Hub itself makes (its control findings).
SECURITY_HUB: Final = "aws/securityhub"


def event_findings(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The event's findings (``detail.findings``), at most :data:`MAX_FINDINGS`."""
    detail = event.get("detail")
    findings = detail.get("findings") if isinstance(detail, dict) else None
    if not isinstance(findings, list):
        return []
    return [f for f in findings[:MAX_FINDINGS] if isinstance(f, dict)]


def producer(product_arn: object) -> str:
    """Who produced a finding, from its ``ProductArn``: :data:`SECURITY_HUB` for AWS Security
    Hub itself, the account of a ``product/<account>/default`` (an account's own imports), else
    ``""`` (another integration, or not a product ARN).

    >>> producer("arn:aws:securityhub:us-east-1::product/aws/securityhub")
    'aws/securityhub'
    >>> producer("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default")
    '111122223333'
    >>> producer("arn:aws:securityhub:eu-west-1:111122223333:product/444455556666/default")
    ''
    >>> producer("arn:aws:securityhub:us-east-1::product/aws/guardduty")
    ''
    """
    match = _PRODUCT_ARN.fullmatch(product_arn) if isinstance(product_arn, str) else None
    if match is None:
        return ""
    company, product, account = match["company"], match["product"], match["account"] or ""
    if (company, product) == ("aws", "securityhub") and not account:
        return SECURITY_HUB
    if product == "default" and company == account:
        return account
    return ""


def steering_refusal(vpc_account: str, finding_account: object, produced_by: str) -> str:
    """Why a finding may not steer a repair of a VPC of ``vpc_account``; ``""`` when it may.

    The one rule for every shape of Security Hub finding (ASFF here; the OCSF findings of
    Security Hub's V2 events give the same three values): the VPC must be in the finding's own
    account (``finding_account``: ASFF ``AwsAccountId``), and a finding that AWS Security Hub did
    not produce itself must come from that account too (``produced_by``: :func:`producer`).

    >>> steering_refusal("111122223333", "111122223333", SECURITY_HUB)
    ''
    >>> steering_refusal("111122223333", "111122223333", "111122223333")
    ''
    >>> steering_refusal("444455556666", "111122223333", "111122223333")[:52]
    'the finding belongs to account 111122223333 but name'
    >>> steering_refusal("111122223333", "111122223333", "")[:55]
    'the finding was produced neither by AWS Security Hub no'
    """
    if not isinstance(finding_account, str) or not ACCOUNT_ID.fullmatch(finding_account):
        return f"the finding has no valid AwsAccountId, so it cannot name a VPC of {vpc_account}"
    if finding_account != vpc_account:
        return (
            f"the finding belongs to account {finding_account} but names a VPC of account "
            f"{vpc_account}: a finding never steers a repair into another account"
        )
    if produced_by not in (SECURITY_HUB, vpc_account):
        return (
            "the finding was produced neither by AWS Security Hub nor by account "
            f"{vpc_account}'s own default product (product/{vpc_account}/default), so it "
            "cannot steer a repair there"
        )
    return ""
