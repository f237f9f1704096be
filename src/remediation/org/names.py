"""The names people know their accounts by, for organisation mode's messages and findings.

``organizations:DescribeAccount`` (management account or delegated administrator) answers an
account's ``Name``; it is asked once per account and execution environment (names rarely
change; a run serves one account; the CLI keeps one per run), and a refusal (the function is
neither, the account left the organisation) is logged once and leaves the id alone: a name is a
courtesy, never a reason to fail or to wait. A refusal that holds for every account (no
permission, no organisation) ends the asking: the other accounts are not asked. A name is
data: it is made one plain line (:func:`remediation.text.plain`) before anyone sees it.

>>> class Org:
...     calls = 0
...     def describe_account(self, AccountId):
...         Org.calls += 1
...         return {"Account": {"Id": AccountId, "Name": "Payments prod"}}
>>> names = AccountNames()
>>> names.name("111122223333", Org), names.name("111122223333", Org), Org.calls
('Payments prod', 'Payments prod', 1)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import ACCESS_DENIED, error_code, error_text
from remediation.text import plain

log = logging.getLogger(__name__)

#: The permission the names need, as the template grants it (tests prove equality).
NAME_PERMISSIONS: tuple[str, ...] = ("organizations:DescribeAccount",)
#: An account name is at most 50 characters (Organizations API reference, Account); anything
#: else the answer holds is cut to that and cleaned of control characters.
NAME_LIMIT = 50
#: Refusals no other account's name would escape: no permission, or no organisation.
REFUSED_FOR_ALL = ACCESS_DENIED | {"AWSOrganizationsNotInUseException"}


class AccountNames:
    """Account names, asked once per account (a refusal is remembered as "no name")."""

    def __init__(self, refusal_level: int = logging.WARNING) -> None:
        #: How loud a refusal is logged (the CLI's: info; a person sees the ids and goes on).
        self.refusal_level = refusal_level
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()
        self._refused = False
        self._unreadable = False  # refused for every account: asked no more

    def name(self, account_id: str, organizations: Callable[[], Any]) -> str:
        """The account's name (``organizations()`` makes the client, only when it is asked)."""
        with self._lock:
            if account_id in self._names:
                return self._names[account_id]
            if self._unreadable:
                return ""
        try:
            answer = organizations().describe_account(AccountId=account_id)
            raw = str((answer.get("Account") or {}).get("Name") or "")
        except (ClientError, BotoCoreError) as exc:
            if not self._refused:
                log.log(
                    self.refusal_level,
                    "account names are not readable: messages name accounts by id",
                    extra={"error": error_text(exc) if isinstance(exc, ClientError) else str(exc)},
                )
            self._refused = True
            self._unreadable = self._unreadable or error_code(exc) in REFUSED_FOR_ALL
            raw = ""
        name = plain(raw, NAME_LIMIT)
        with self._lock:
            self._names[account_id] = name
        return name

    def forget(self) -> None:
        with self._lock:
            self._names.clear()
            self._refused = self._unreadable = False


#: The execution environment's names (the handler's: one instance per process).
NAMES = AccountNames()
