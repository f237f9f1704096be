"""Errors for people: one line each, never a traceback.

AWS errors are read through :mod:`remediation.aws.errors` (the one reading of botocore's
errors); this module only words them for a terminal.

>>> describe_error(NoCredentialsError())[:30]
'no AWS credentials found: pass'
>>> err = ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}},
...                   "DescribeVpcs")
>>> describe_error(err)[:44]
'access denied: DescribeVpcs (UnauthorizedOpe'
"""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from remediation.actions import READ_PERMISSIONS
from remediation.aws.errors import (
    ACCESS_DENIED,
    BAD_CREDENTIALS,
    UnexpectedAnswer,
    error_code,
    error_message,
)

MAX_ERROR = 400  # characters of one error line
#: What a read-only scan needs (sts:GetCallerIdentity needs no permission).
NEEDS = f"a scan needs {', '.join(READ_PERMISSIONS)}, and ec2:DescribeRegions for --all-regions"


class CliError(Exception):
    """An error for people: printed as one line, the process exits 2."""


class UsageError(CliError):
    """The command line is wrong (raised by the parser instead of exiting)."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(f"{message} (see '{prog} --help')")


def one_line(text: str) -> str:
    """Blanks and line breaks folded into single spaces, cut to :data:`MAX_ERROR` characters.

    >>> one_line("a\\n  b")
    'a b'
    """
    single = " ".join(text.split())
    return single if len(single) <= MAX_ERROR else single[: MAX_ERROR - 3] + "..."


def describe_error(exc: BaseException, *, endpoint_url: str | None = None) -> str:
    """One line for people about an AWS or credentials error."""
    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials found: pass --profile, set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run 'aws configure'"
        )
    if isinstance(exc, PartialCredentialsError | ProfileNotFound | NoRegionError):
        return one_line(str(exc))
    if isinstance(exc, UnexpectedAnswer):
        return one_line(f"{exc}: is the endpoint URL (--endpoint-url, AWS_ENDPOINT_URL) right?")
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        url = str(getattr(exc, "kwargs", {}).get("endpoint_url", "") or endpoint_url or "")
        if endpoint_url:
            return f"nothing answers at {url}: is the emulator running and the URL right?"
        return f"could not reach {url}: check the network, the region and any proxy settings"
    if isinstance(exc, ClientError):
        code = error_code(exc) or "Error"
        message = error_message(exc)
        operation = getattr(exc, "operation_name", "") or "the call"
        if code in ACCESS_DENIED:
            return one_line(f"access denied: {operation} ({code}): {message}; {NEEDS}")
        if code in BAD_CREDENTIALS:
            return one_line(f"AWS rejected the credentials ({code}): {message}")
        if code == "OptInRequired":
            return one_line(f"region not enabled for this account ({code}): {message}")
        return one_line(f"AWS error: {operation} ({code}): {message}")
    return one_line(f"AWS error: {exc}")


def summary_error(text: str) -> str:
    """A run's error (already text, from the engine) for people: an access denial says
    what a scan needs.

    >>> "a scan needs" in summary_error("could not read the VPCs: ... (AccessDenied) ...")
    True
    """
    if any(code in text for code in ACCESS_DENIED) and NEEDS not in text:
        text += f"; {NEEDS}"
    return one_line(text)
