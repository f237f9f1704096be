"""Reads in another account of the organisation, through its member role: a hub's records and
endpoints.

A hub zone, or an interface endpoint a Route 53 Profile carries, often lives in a network
account. In organisation mode the tool reads it there through that account's member role (the
role it already acts through in every member account), **read-only**: a hub is never changed
from a spoke's evaluation. Elsewhere (one account), or when the role cannot be assumed, the hub
stays "served, unverified" with the reason.

The face gives a ``session_of(account_id)`` that returns a boto3 session in that account, or
raises :class:`PeerUnavailable` with the reason a person can act on (the organisation code's
``MemberAccessError`` is one; this module never imports that code, which lies above the AWS
readers), or ``ValueError`` for an id that is not an account's.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.clients import cap_retry_time
from remediation.aws.errors import error_text
from remediation.aws.read_only import ReadOnlyClient


class PeerUnavailable(Exception):
    """Another account cannot be read (its member role cannot be assumed): the reason."""


@dataclass(frozen=True)
class PeerClients:
    """Read-only clients in another account, in the run's region."""

    account_id: str
    ec2: Any
    route53: Any


class Peers:
    """Read-only clients per account, made once per run; a refusal is kept as its reason."""

    def __init__(
        self,
        session_of: Callable[[str], Any],
        *,
        region: str,
        client_config: Any = None,
        endpoint_url: str | None = None,
        lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        self._session_of = session_of
        self.region = region
        self._config = client_config
        #: The emulator the run's own clients use (the CLI's ``--endpoint-url``): the same here.
        self._endpoint_url = endpoint_url
        #: Held while clients are made: a boto3 session is not thread safe.
        self._lock = lock or nullcontext()
        self._made: dict[str, PeerClients | str] = {}

    def clients(self, account_id: str) -> PeerClients | str:
        """The account's read-only clients, or why it cannot be read."""
        if account_id not in self._made:
            self._made[account_id] = self._make(account_id)
        return self._made[account_id]

    def _make(self, account_id: str) -> PeerClients | str:
        try:
            session = self._session_of(account_id)
        except (PeerUnavailable, ValueError) as exc:
            return str(exc)
        except (ClientError, BotoCoreError) as exc:
            return f"its member role could not be assumed ({error_text(exc)})"
        extra: dict[str, Any] = {"config": self._config} if self._config is not None else {}
        if self._endpoint_url:
            extra["endpoint_url"] = self._endpoint_url
        try:
            with self._lock:
                # Route 53 by the run's region too: its partition's endpoint (aws-cn, GovCloud).
                ec2 = session.client("ec2", region_name=self.region, **extra)
                route53 = session.client("route53", region_name=self.region, **extra)
        except BotoCoreError as exc:
            return f"no client could be made there ({error_text(exc)})"
        # Retries capped in time, as the run's own clients' are.
        return PeerClients(
            account_id,
            ReadOnlyClient(cap_retry_time(ec2)),
            ReadOnlyClient(cap_retry_time(route53)),
        )
