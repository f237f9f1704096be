"""What the Lambda runtime gives the function: its identity, its time, and its sessions.

The account comes from the function's ARN and the partition from the same ARN. The boto3
session is kept per execution environment (a new one would parse EC2's service model again on
every warm invocation, about 0.2 s), and so are the clients of the last few (session, region)
pairs: making a client (never at import) builds a method per operation of its service, about
20 ms for EC2's, five to seven times an invocation. A session is not thread-safe, hence the
lock (Lambda runs one invocation at a time; tests may not); a client is. Member-account
sessions are kept the same way, so their credentials are reused while they last.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3

from remediation.aws.clients import RETRIES, AwsClients, cap_retry_time, make_clients
from remediation.aws.session import new_session

if TYPE_CHECKING:  # organisation mode only
    from remediation.org.sessions import MemberSessions

_SESSION: dict[str, boto3.session.Session] = {}
_MEMBERS: dict[str, MemberSessions] = {}
#: (session, region, metrics) -> the clients, the most recent last.
_CLIENTS: OrderedDict[tuple[boto3.session.Session, str, bool], AwsClients] = OrderedDict()
#: How many (session, region) client sets an environment keeps: an organisation's work items
#: bring member sessions one after another, and each set holds a few megabytes.
KEPT_CLIENT_SETS = 8
_LOCK = threading.Lock()

#: Seconds of the function's time kept free of the sweep's random delay (for the work).
JITTER_RESERVE_SECONDS = 120.0
#: Seconds before the Lambda deadline the run treats as its end (logging, metrics).
DEADLINE_MARGIN_SECONDS = 10.0
#: Injected by tests: the random draw and the wait of the sweep's delay.
jitter_random: Callable[[], float] = random.random
jitter_sleep: Callable[[float], None] = time.sleep


def _arn_part(context: Any, index: int) -> str:
    parts = str(getattr(context, "invoked_function_arn", "") or "").split(":")
    return parts[index] if len(parts) > index else ""


def account_of(context: Any) -> str:
    """The function's own account, from its ARN (``""`` outside Lambda)."""
    return _arn_part(context, 4)


def partition_of(context: Any) -> str:
    """The function's partition (``aws``, ``aws-cn``, ``aws-us-gov``), from its ARN."""
    return _arn_part(context, 1) or "aws"


def time_left(context: Any) -> Callable[[], float] | None:
    """Seconds left before the Lambda deadline (less a margin), or ``None`` outside Lambda."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: remaining() / 1000.0 - DEADLINE_MARGIN_SECONDS


def sweep_delay(most: float, left: Callable[[], float] | None) -> float:
    """The random delay before a scheduled sweep: up to ``most`` seconds (0 disables), never
    more than the time left minus what the work needs.

    >>> sweep_delay(0.0, None)
    0.0
    >>> 0 <= sweep_delay(90.0, lambda: 100.0) == 0.0
    True
    """
    if left is not None:
        most = min(most, max(0.0, left() - JITTER_RESERVE_SECONDS))
    return most * jitter_random() if most > 0 else 0.0


def base_session() -> boto3.session.Session:
    """The function's own boto3 session, one per execution environment."""
    with _LOCK:
        session = _SESSION.get("session")
        if session is None:
            session = _SESSION["session"] = new_session()
        return session


def clients(
    region: str, session: boto3.session.Session | None = None, *, metrics: bool = False
) -> AwsClients:
    """This invocation's clients: the function's own, or a member account's ``session``;
    ``metrics``: with CloudWatch (a sweep reads the endpoints' and NAT gateways' traffic).
    Kept for the next invocations with the same session and region (:data:`KEPT_CLIENT_SETS`
    sets at most, the least recently used dropped first)."""
    chosen = session or base_session()
    key = (chosen, region, metrics)  # a session compares by identity, and is kept alive here
    with _LOCK:
        kept = _CLIENTS.get(key)
        if kept is not None:
            _CLIENTS.move_to_end(key)
            return kept
        made = make_clients(region, session=chosen, metrics=metrics)
        _CLIENTS[key] = made
        while len(_CLIENTS) > KEPT_CLIENT_SETS:
            _CLIENTS.popitem(last=False)
        return made


def central_sns(region: str) -> Any:
    """The deployment's own SNS client, for a member account's notification (the topic is
    this deployment's; the member's session serves every other call)."""
    base = base_session()
    with _LOCK:
        return cap_retry_time(base.client("sns", region_name=region, config=RETRIES))


def central_client(service: str, region: str | None = None) -> Any:
    """A plain client of the deployment's own account (its work queue, its organisation)."""
    base = base_session()
    with _LOCK:
        return base.client(service, region_name=region)  # type: ignore[call-overload]


def members(role_name: str, partition: str) -> MemberSessions:
    """Member-account sessions through ``role_name``, kept per execution environment."""
    from remediation.org.sessions import MemberSessions  # noqa: PLC0415 - organisation mode only

    key = f"{partition}:{role_name}"
    with _LOCK:
        kept = _MEMBERS.get(key)
    if kept is None:
        base = base_session()
        with _LOCK:
            sts = base.client("sts")
        kept = MemberSessions(sts, role_name, partition=partition)
        with _LOCK:
            kept = _MEMBERS.setdefault(key, kept)
    return kept


def session_lock() -> threading.Lock:
    """The lock held while a kept session makes clients (a session is not thread-safe)."""
    return _LOCK


def forget_session() -> None:
    """Drop the kept sessions and clients: the next invocation makes new ones (for tools that
    add botocore event handlers, which only new sessions pick up)."""
    with _LOCK:
        _SESSION.clear()
        _CLIENTS.clear()
    forget_members()


def forget_members() -> None:
    """Drop the member-account sessions (their assumed credentials), their clients and the
    account names; the function's own session and clients stay."""
    with _LOCK:
        _MEMBERS.clear()
        own = _SESSION.get("session")
        for key in [k for k in _CLIENTS if k[0] is not own]:
            del _CLIENTS[key]
    names = sys.modules.get("remediation.org.names")  # loaded in organisation mode only
    if names is not None:
        names.NAMES.forget()
