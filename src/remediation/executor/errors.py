"""One classification of AWS errors, used by every applier: transient or permanent.

* **Transient**: a retry can fix it (throttling after botocore's own retries, 5xx, a
  connection error, EC2's eventual consistency right after this run's own change).
  The executor retries it in the run with bounded backoff; if it persists, the action
  fails and the invocation ends in an error, so that Lambda retries the event.
* **Permanent**: no retry can fix it (a quota, an access denial by IAM, a service
  control policy or a permissions boundary, a zone the service does not offer, an
  operation EC2 does not permit, as in a VPC shared with the account). The action's
  outcome is ``needs-person`` with what to do, in words a person can use; it is not
  retried and does not fail the invocation. The ``ActionsNeedingPerson`` metric
  counts it and the template alarms on it.

Codes come from the EC2 API reference, "Error codes for the Amazon EC2 API"
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), and
its "Eventual consistency" page for ``InvalidGroup.NotFound`` right after
``CreateSecurityGroup``. ``docs/failures.md`` is the table for people; the test
``tests/functional/safety/test_failure_classes.py`` runs every row.

>>> classify("VpcEndpointLimitExceeded", "").kind.value
'permanent'
>>> classify("RequestLimitExceeded", "").kind.value
'transient'
>>> classify("InvalidGroup.NotFound", "", group_created_in_run=True).kind.value
'transient'
>>> classify("InvalidGroup.NotFound", "").kind.value
'unknown'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from remediation.aws.errors import ACCESS_DENIED

#: Throttling codes botocore's standard mode retries (botocore/retries/standard.py).
THROTTLING = frozenset(
    {
        "RequestLimitExceeded",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
        "SlowDown",
    }
)
#: EC2's server error codes (the reference's "Server error codes").
SERVER = frozenset(
    {"InternalError", "InternalFailure", "ServerInternal", "ServiceUnavailable", "Unavailable"}
)
DENIED = ACCESS_DENIED  # the one definition: remediation.aws.errors
#: Quota codes -> the quota's name in Service Quotas (service "Amazon Virtual Private Cloud").
QUOTAS = {
    "VpcEndpointLimitExceeded": "VPC endpoints (Gateway VPC endpoints per Region, or Interface "
    "VPC endpoints per VPC)",
    "RulesPerSecurityGroupLimitExceeded": "Inbound or outbound rules per security group",
    "SecurityGroupLimitExceeded": "VPC security groups per Region",
    "SecurityGroupsPerInterfaceLimitExceeded": "Security groups per network interface",
    "RouteLimitExceeded": "Routes per route table",
    "NetworkInterfaceLimitExceeded": "Network interfaces per Region",
}
NOT_PERMITTED = frozenset({"OperationNotPermitted", "TagPolicyViolation"})
UNSUPPORTED_ZONE = "does not support the availability zone"
#: Words of EC2's refusal of private DNS while a DNS attribute is off. The exact message is
#: not in AWS's documentation we could find: matched loosely, and only right after this
#: run turned the attributes on (otherwise the refusal is reported as it is).
DNS_ATTRIBUTE_WORDS = ("enableDnsSupport", "enableDnsHostnames", "DNS hostnames", "DNS support")
#: The refusal of a second private-DNS endpoint while the old one is still ``deleting``.
DNS_CONFLICT_WORDS = "conflicting DNS domain"


class ErrorKind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    UNKNOWN = "unknown"  # neither: failed, and Lambda's retry tries again


@dataclass(frozen=True)
class Verdict:
    kind: ErrorKind
    #: What a person should do (permanent errors), or why it is retried (transient ones).
    advice: str = ""


def classify(
    code: str,
    message: str,
    *,
    permissions: tuple[str, ...] = (),
    group_created_in_run: bool = False,
    dns_enabled_in_run: bool = False,
    deleting_same_service: bool = False,
) -> Verdict:
    """The class of one AWS error, in the context of the run that met it."""
    if code in THROTTLING:
        return Verdict(ErrorKind.TRANSIENT, "throttled by AWS, after botocore's retries")
    if code in SERVER or (code.isdigit() and code.startswith("5")):
        return Verdict(ErrorKind.TRANSIENT, "an AWS server error")
    if code == "InvalidGroup.NotFound" and group_created_in_run:
        return Verdict(ErrorKind.TRANSIENT, "the group this run created is not visible yet")
    if dns_enabled_in_run and any(w in message for w in DNS_ATTRIBUTE_WORDS):
        return Verdict(ErrorKind.TRANSIENT, "the DNS attributes this run enabled are not seen yet")
    if deleting_same_service and DNS_CONFLICT_WORDS in message:
        return Verdict(ErrorKind.TRANSIENT, "an endpoint of the same service is still deleting")
    if code in DENIED or code.startswith("AccessDenied"):
        return Verdict(ErrorKind.PERMANENT, access_advice(permissions, message))
    if code in QUOTAS:
        return Verdict(
            ErrorKind.PERMANENT,
            f"a quota is reached: {QUOTAS[code]} ({code}). Raise it in Service Quotas (service "
            "Amazon Virtual Private Cloud) or free some; the next run completes this repair.",
        )
    if code == "InvalidParameter" and UNSUPPORTED_ZONE in message:
        return Verdict(
            ErrorKind.PERMANENT,
            "EC2 does not offer this endpoint service in that subnet's Availability Zone: "
            f"{message[:200]}. Leave the zone out, or serve it from another subnet.",
        )
    if code == "InvalidServiceName":
        return Verdict(
            ErrorKind.PERMANENT,
            f"EC2 does not know this endpoint service here ({message[:200]}): the service is "
            "not offered in this region or partition. Remove it from SERVICES for this region.",
        )
    if code in NOT_PERMITTED:
        return Verdict(
            ErrorKind.PERMANENT,
            f"EC2 does not permit this change here ({code}: {message[:200]}). In a VPC shared "
            "through AWS RAM only the owner account can change it; a tag policy may refuse the "
            "tool's tags. Make the change from the owner account, or exempt the VPC.",
        )
    return Verdict(ErrorKind.UNKNOWN)


def access_advice(permissions: tuple[str, ...], message: str) -> str:
    """The words for an access denial: the permissions the call needs, and how to read why."""
    needed = ", ".join(permissions) or "the call's permission"
    text = (
        f"access denied: the function's role needs {needed}, and no service control policy or "
        "permissions boundary may deny it."
    )
    if "Encoded authorization failure message" in message:
        text += (
            " EC2 sent an encoded authorization message: read it with "
            "'aws sts decode-authorization-message --encoded-message <message>'."
        )
    return f"{text} ({message[:200]})" if message else text
