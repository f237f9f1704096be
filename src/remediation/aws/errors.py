"""Reading botocore errors: the code EC2 or Route 53 answered, and one line for people.

>>> from botocore.exceptions import ClientError
>>> exc = ClientError({"Error": {"Code": "InvalidVpcID.NotFound", "Message": "gone"}}, "X")
>>> error_code(exc), error_text(exc)
('InvalidVpcID.NotFound', 'InvalidVpcID.NotFound: gone')
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


def error_code(exc: BaseException) -> str:
    """The service's error code of a :class:`ClientError`, ``""`` for anything else."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", ""))
    return str(exc)


def error_text(exc: BaseException) -> str:
    """``Code: message`` (message cut to 200 characters), or the error's own text."""
    if isinstance(exc, ClientError):
        return f"{error_code(exc) or 'Error'}: {error_message(exc)[:200]}"
    return str(exc)[:200]


#: Codes that mean the caller lacks an IAM permission (EC2, STS/IAM, Route 53 and SNS spell it
#: differently): never retried; reported with the permission that is missing.
ACCESS_DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
#: Codes that mean the credentials themselves were refused (unknown, expired, mis-signed).
BAD_CREDENTIALS = frozenset(
    {
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)


def unread(permission: str, exc: BaseException) -> str:
    """Why a read failed, for people: naming the IAM permission when it was refused."""
    if error_code(exc) in ACCESS_DENIED:
        return f"{permission} was refused ({error_text(exc)})"
    return f"{permission.rsplit(':', maxsplit=1)[-1]} failed ({error_text(exc)})"


class UnexpectedAnswer(BotoCoreError):
    """The endpoint answered with something that is not an AWS API response: an HTML page
    under a success status (a proxy, a captive portal, a wrong ``--endpoint-url``). A
    :class:`BotoCoreError`, so that every caller handles it as the transient error it is (the
    function's run fails and is retried; the CLI says it in one line), instead of botocore's
    ``ResponseParserError`` or a ``KeyError`` on a half-parsed answer.
    """

    fmt = "{endpoint} answered {operation} with {what}, not an AWS API response"


#: The protocols whose parser raises on an HTML page (EC2, STS, Route 53, SNS).
_XML_PROTOCOLS = frozenset({"query", "ec2", "rest-xml"})


def check_answer(endpoint: str) -> Any:
    """A ``before-parse`` handler: raise :class:`UnexpectedAnswer` for an HTML page answered
    with a success status by an XML service (botocore's parser would trip on it). Error
    statuses, and JSON services (whose parser reads such a page as an empty answer, as the
    emulator's missing Resolver operations answer), are left to botocore.

    >>> check = check_answer("http://127.0.0.1:1")
    >>> class Op:
    ...     name, metadata = "DescribeVpcs", {"protocol": "ec2"}
    >>> try:
    ...     check(operation_model=Op, response_dict={"headers": {}, "body": b"<html>hi</html>"})
    ... except UnexpectedAnswer as exc:
    ...     print(exc)
    http://127.0.0.1:1 answered DescribeVpcs with an HTML page, not an AWS API response
    """

    def check(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        body = response_dict.get("body")
        if not isinstance(body, bytes | bytearray) or not body.strip():
            return
        if int(response_dict.get("status_code") or 200) >= 300:
            return  # an error page: botocore reads it as an error of that HTTP status
        if operation_model.metadata.get("protocol") not in _XML_PROTOCOLS:
            return  # botocore reads a JSON service's unparsable success as an empty answer
        head = bytes(body).lstrip()[:64].lower()
        headers = response_dict.get("headers") or {}
        kind = str(headers.get("content-type", "") or headers.get("Content-Type", "")).lower()
        if "text/html" in kind or head.startswith((b"<!doctype html", b"<html")):
            raise UnexpectedAnswer(
                endpoint=endpoint, operation=operation_model.name, what="an HTML page"
            )

    return check


#: Codes EC2 answers a region's reads with when the account has not enabled that region (an
#: opt-in region: ``AuthFailure``), or has not completed its sign-up for EC2 there
#: (``OptInRequired``): no retry fixes either, so the region is skipped for that account
#: (``region-not-enabled``). ``AuthFailure`` also comes from an enabled opt-in region when the
#: credentials carry a version 1 session token of the global STS endpoint (../shared facts).
REGION_NOT_ENABLED = frozenset({"AuthFailure", "OptInRequired"})


#: SQS's codes for a queue no retry reaches: it does not exist (any more), or its KMS key is
#: refused, disabled, missing, pending deletion or not usable for encryption. The JSON
#: protocol's names are the SQS API reference's (SendMessageBatch, Errors; ``KmsThrottled`` is
#: left out: a retry may pass). SQS is query-compatible, and botocore reports the older code of
#: ``x-amzn-query-error`` when SQS sends it: ``KMS.AccessDeniedException`` is confirmed (AWS
#: re:Post, "sqs-accessdenied-errors"), ``AWS.SimpleQueueService.NonExistentQueue`` is SQS's
#: long-standing one; the other ``KMS.*`` spellings follow that pattern and could not be
#: confirmed from AWS documentation (a code not listed is judged transient: failed, retried).
QUEUE_REFUSED = frozenset(
    {
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "KmsAccessDenied",
        "KMS.AccessDeniedException",
        "KmsDisabled",
        "KMS.DisabledException",
        "KmsNotFound",
        "KMS.NotFoundException",
        "KmsInvalidState",
        "KMS.InvalidStateException",
        "KmsInvalidKeyUsage",
        "KMS.InvalidKeyUsageException",
        "KmsOptInRequired",
        "KMS.OptInRequired",
    }
)


def refused_for_good(exc: BaseException) -> bool:
    """A refusal no retry fixes: an access denial (IAM, a service control policy, a permissions
    boundary), a region not enabled, a queue gone or its key refused. Anything else (throttling
    after botocore's retries, a server error, a timeout, a code not listed here) may pass on a
    retry.

    >>> from botocore.exceptions import ClientError
    >>> refused_for_good(ClientError({"Error": {"Code": "UnauthorizedOperation"}}, "DescribeVpcs"))
    True
    >>> refused_for_good(ClientError({"Error": {"Code": "RequestLimitExceeded"}}, "DescribeVpcs"))
    False
    """
    code = error_code(exc)
    return code in ACCESS_DENIED or code in REGION_NOT_ENABLED or code in QUEUE_REFUSED
