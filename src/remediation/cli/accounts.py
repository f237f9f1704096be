"""Scanning across accounts: which accounts, a session in each, a bounded pool of threads.

``scan --account ID ... --role-name NAME`` (or ``--organization``) scans every account through
its member role (``arn:<partition>:iam::<account>:role/<NAME>``, the role of ``member.yaml``),
assumed with :class:`remediation.org.sessions.MemberSessions`; the caller's own account, when it is
in the list, is scanned with the caller's own credentials, no role assumed.

Accounts run in parallel, at most ``--max-parallel`` at once. boto3 sessions are not thread
safe: every account gets its own session (its member session, or a fresh session of the
caller's profile) and makes its own clients from it, in the thread that scans it; only the STS
client that assumes the roles is shared (boto3 clients are thread safe) and
``MemberSessions`` assumes under its own lock. An account whose role cannot be assumed is a
result (:class:`~remediation.cli.results.AccountScan` with its ``error``), not an exception:
the other accounts go on.

>>> run_bounded([3, 1, 2], lambda n: n * 10, max_parallel=2)
[30, 10, 20]
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_code, error_message
from remediation.cli.errors import CliError, describe_error, one_line
from remediation.org.names import AccountNames
from remediation.org.sessions import MemberAccessError, MemberSessions, member_role_arn
from remediation.org.work_items import member_accounts

T = TypeVar("T")
R = TypeVar("R")

#: Organizations' answers to a caller that may not list the accounts (API reference,
#: ListAccounts: "can be called only from the organization's management account or by a
#: member account that is a delegated administrator").
ORGANIZATION_REFUSALS = frozenset(
    {"AccessDeniedException", "AccessDenied", "AWSOrganizationsNotInUseException"}
)


class Stopped(Exception):
    """Raised in a worker when the run was interrupted: it starts nothing new."""


@dataclass(frozen=True)
class Target:
    """One account to scan, and how to act in it."""

    account_id: str
    role_arn: str = ""  # "" : the caller's own credentials


@dataclass
class Sessions:
    """Opens a session per target: the member role's, or the caller's own credentials.

    ``own`` makes a session of the caller's credentials; it is called once per use, in the
    thread that uses it, since sessions are not shared between threads.
    """

    own: Callable[[], boto3.session.Session]
    members: MemberSessions | None = None
    event_id: str = ""
    #: The caller's own account (its sessions need no role).
    caller: str = ""
    stop: threading.Event = field(default_factory=threading.Event)

    def open(self, target: Target) -> boto3.session.Session:
        """A session acting in ``target``'s account.

        Raises
        ------
        MemberAccessError
            The member role cannot be assumed (permanent: report the account, go on).
        Stopped
            The run was interrupted.
        """
        if self.stop.is_set():
            raise Stopped
        if not target.role_arn or self.members is None:
            return self.own()
        return self.members.session(target.account_id, event_id=self.event_id)

    def peer(self, account_id: str) -> boto3.session.Session:
        """A session in another account, to read a hub there: the caller's own credentials for
        its own account, else that account's member role (whether or not it is scanned).

        Raises
        ------
        MemberAccessError
            The member role cannot be assumed.
        """
        if self.members is None or account_id == self.caller:
            return self.own()
        return self.members.session(account_id, event_id=self.event_id)


def targets(
    account_ids: Sequence[str], *, caller: str, role_name: str, partition: str
) -> list[Target]:
    """One target per account, in the order given; the caller's own account assumes nothing.

    >>> [t.role_arn for t in targets(["111122223333", "123456789012"], caller="123456789012",
    ...                              role_name="guard", partition="aws")]
    ['arn:aws:iam::111122223333:role/guard', '']
    """
    return [
        Target(a, "" if a == caller else member_role_arn(a, role_name, partition))
        for a in dict.fromkeys(account_ids)
    ]


def organisation_accounts(organizations: Any) -> list[str]:
    """Every active account of the organisation (Organizations ListAccounts), sorted.

    Raises
    ------
    CliError
        The caller may not list the accounts (neither the management account nor a delegated
        administrator, or no organisation), or the organisation has no active account.
    """
    try:
        found = list(member_accounts(organizations))
    except ClientError as exc:
        code = error_code(exc)
        if code in ORGANIZATION_REFUSALS:
            raise CliError(
                one_line(
                    f"--organization: Organizations refused to list the accounts ({code}: "
                    f"{error_message(exc)}); run it from the management account or a delegated "
                    "administrator with organizations:ListAccounts, or name the accounts with "
                    "--account"
                )
            ) from exc
        raise
    if not found:
        raise CliError("--organization: the organisation has no active account")
    return found


def names_of(organizations: Any) -> Callable[[str], str]:
    """The accounts' names for this run: Organizations ``DescribeAccount`` (the caller's, as
    the management account or a delegated administrator), asked once per account; refused, the
    accounts are named by id alone and the others are not asked
    (:class:`remediation.org.names.AccountNames`). ``organizations`` is thread safe (a client).
    """
    names = AccountNames(logging.INFO)  # this run's; a refusal is no warning: ids still name
    return lambda account_id: names.name(account_id, lambda: organizations)


def failure(exc: BaseException, endpoint_url: str | None) -> str:
    """Why an account could not be scanned, in one line."""
    if isinstance(exc, MemberAccessError):
        return exc.reason
    return describe_error(exc, endpoint_url=endpoint_url)


#: What makes an account an error rather than the whole run's: its role, its own answers.
ACCOUNT_ERRORS: tuple[type[BaseException], ...] = (MemberAccessError, ClientError, BotoCoreError)


def run_bounded(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    max_parallel: int,
    on_done: Callable[[T, R], None] | None = None,
    stop: threading.Event | None = None,
) -> list[R]:
    """``work`` over ``items``, at most ``max_parallel`` at once; results in ``items``' order.

    ``work`` reports the expected failures as results; an exception from it is a defect or
    an interruption and is raised here, after the accounts not started yet are cancelled
    and ``stop`` is set (so that those running start nothing new).
    """
    results: dict[int, R] = {}
    if max_parallel <= 1 or len(items) <= 1:
        for index, item in enumerate(items):
            results[index] = work(item)
            if on_done is not None:
                on_done(item, results[index])
        return [results[i] for i in range(len(items))]
    pool = ThreadPoolExecutor(
        max_workers=min(max_parallel, len(items)), thread_name_prefix="ecr-endpoint-guard"
    )
    try:
        pending: dict[Future[R], int] = {pool.submit(work, item): i for i, item in enumerate(items)}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                results[index] = future.result()
                if on_done is not None:
                    on_done(items[index], results[index])
    except BaseException:
        if stop is not None:
            stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return [results[i] for i in range(len(items))]
