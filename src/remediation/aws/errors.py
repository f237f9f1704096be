"""Reading botocore errors: the code EC2 or Route 53 answered, and one line for people.

>>> from botocore.exceptions import ClientError
>>> exc = ClientError({"Error": {"Code": "InvalidVpcID.NotFound", "Message": "gone"}}, "X")
>>> error_code(exc), error_text(exc)
('InvalidVpcID.NotFound', 'InvalidVpcID.NotFound: gone')
"""

from __future__ import annotations

from botocore.exceptions import ClientError


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


#: Codes EC2 answers a region's reads with when the account has not enabled that region (an
#: opt-in region: ``AuthFailure``), or has not completed its sign-up for EC2 there
#: (``OptInRequired``): no retry fixes either, so the region is skipped for that account
#: (``region-not-enabled``). ``AuthFailure`` also comes from an enabled opt-in region when the
#: credentials carry a version 1 session token of the global STS endpoint (../shared facts).
REGION_NOT_ENABLED = frozenset({"AuthFailure", "OptInRequired"})
