"""Organisation mode: one boto3 session per member account, through the member role.

The central function (and the CLI's ``--account``/``--organization``) acts in a member account
by assuming ``arn:<partition>:iam::<account>:role/<member role name>``, which the member stack
(``member.yaml``) creates in every account. Every read, write and notification detail for that
account goes through the session made here.

Credentials are cached per account for their lifetime within an execution environment (a warm
Lambda reuses them; they are renewed five minutes before they expire), so a sweep of an
organisation costs one ``AssumeRole`` per account, not one per event. The session name names the
tool and the event that first needed the account, so the member's CloudTrail shows who acted.

A role that cannot be assumed (the member stack is missing, the trust policy does not name this
role, a service control policy denies ``sts:AssumeRole``) is a refusal no retry can fix:
:class:`MemberAccessError` says which role and why, and the caller reports it and moves on.
Throttling and 5xx answers are left to botocore's retries, then raised as they are.

Examples
--------
>>> member_role_arn("111122223333", "ecr-endpoint-guard-member")
'arn:aws:iam::111122223333:role/ecr-endpoint-guard-member'
>>> session_name("0a1b2c3d-aaaa-bbbb-cccc-0123456789ab")
'ecr-endpoint-guard-0a1b2c3d-aaaa-bbbb-cccc-0123456789ab'
>>> session_name("not allowed: spaces/slashes")
'ecr-endpoint-guard-notallowedspacesslashes'
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from remediation.aws.errors import error_code, error_message
from remediation.aws.peers import PeerUnavailable
from remediation.aws.session import new_session
from remediation.vocabulary import ACCOUNT_ID

#: Role session names: 2-64 characters of ``[\w+=,.@-]`` (STS AssumeRole reference).
_SESSION_CHARS = re.compile(r"[^\w+=,.@-]")
SESSION_PREFIX = "ecr-endpoint-guard"
#: Credentials are renewed this long before they expire (a run may take minutes).
REFRESH_MARGIN_SECONDS = 300.0
#: AssumeRole answers no retry can change (IAM's or STS's words for "not allowed").
REFUSALS = frozenset(
    {"AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "RegionDisabledException"}
)
#: What the central function's role needs for member sessions (the template grants it on the
#: member role's name only).
PERMISSIONS: tuple[str, ...] = ("sts:AssumeRole",)


def member_role_arn(account_id: str, role_name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def session_name(event_id: str) -> str:
    """``ecr-endpoint-guard-<event id>``, cut to the 64 characters STS allows."""
    cleaned = _SESSION_CHARS.sub("", event_id)
    return f"{SESSION_PREFIX}-{cleaned}"[:64] if cleaned else SESSION_PREFIX


class MemberAccessError(PeerUnavailable):
    """The member role of an account cannot be assumed: a person must act (not retried).

    A hub's account read through its role (:mod:`remediation.aws.peers`) reports this reason."""

    def __init__(self, account_id: str, role_arn: str, code: str, message: str) -> None:
        self.account_id, self.role_arn, self.code = account_id, role_arn, code
        self.reason = (
            f"cannot assume {role_arn} ({code}: {message[:200]}): is the member stack "
            "(member.yaml) deployed in this account, and does its CentralRoleArn name this "
            "deployment's role?"
        )
        super().__init__(self.reason)


@dataclass(frozen=True)
class _Cached:
    session: boto3.session.Session
    expires: float


class MemberSessions:
    """Assumed-role sessions per member account, cached until shortly before they expire.

    Parameters
    ----------
    sts
        An STS client of the central account (made by the face).
    role_name
        ``MEMBER_ROLE_NAME``: the member role's name, the same in every account.
    partition
        ``aws``, ``aws-cn``, ``aws-us-gov``: taken from the function's own ARN.
    clock
        Wall-clock seconds (injected by tests).
    external_id
        Sent as AssumeRole's ``ExternalId`` when the member roles' trust asks for one (the
        CLI's ``--external-id``); ``""``: none.
    """

    def __init__(
        self,
        sts: Any,
        role_name: str,
        *,
        partition: str = "aws",
        clock: Callable[[], float] = time.time,
        external_id: str = "",
    ) -> None:
        self.sts = sts
        self.external_id = external_id
        self.role_name = role_name
        self.partition = partition
        self.clock = clock
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()
        #: How many AssumeRole calls were made (the organisation benchmark reads it).
        self.assumed = 0

    def role_arn(self, account_id: str) -> str:
        return member_role_arn(account_id, self.role_name, self.partition)

    def session(self, account_id: str, *, event_id: str = "") -> boto3.session.Session:
        """A session acting in ``account_id`` through its member role.

        Raises
        ------
        MemberAccessError
            When the role cannot be assumed (permanent: report it, do not retry).
        ValueError
            For an account id that is not 12 digits (never sent to STS).
        """
        if not ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(f"not an account id: {account_id!r}")
        with self._lock:
            cached = self._cache.get(account_id)
            if cached is not None and cached.expires - REFRESH_MARGIN_SECONDS > self.clock():
                return cached.session
            role_arn = self.role_arn(account_id)
            try:
                extra = {"ExternalId": self.external_id} if self.external_id else {}
                answer = self.sts.assume_role(
                    RoleArn=role_arn, RoleSessionName=session_name(event_id), **extra
                )
            except ClientError as exc:
                code = error_code(exc)
                if code in REFUSALS:
                    raise MemberAccessError(account_id, role_arn, code, error_message(exc)) from exc
                raise
            self.assumed += 1
            credentials = answer["Credentials"]
            session = self._session(credentials)
            expiration = credentials.get("Expiration")
            expires = expiration.timestamp() if expiration is not None else self.clock() + 900
            self._cache[account_id] = _Cached(session, expires)
            return session

    def _session(self, credentials: Any) -> boto3.session.Session:
        """The member's session; it shares the process's service models (parsed once, not once
        per member account)."""
        return new_session(
            access_key=credentials["AccessKeyId"],
            secret_key=credentials["SecretAccessKey"],
            token=credentials["SessionToken"],
        )
