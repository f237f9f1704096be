"""Which events a deployment serves: its own account's, and in organisation mode its members'.

Pure: an event as parsed, the function's own account and the settings in, the event or a
:class:`~remediation.events.triggers.Refusal` out. The tool's own calls are recognised by its
roles only (a session name can be chosen by anyone, so matching on it would let any caller
hide its changes from the tool).
"""

from __future__ import annotations

from typing import Any

from remediation.config import Settings
from remediation.events.triggers import Refusal, Trigger
from remediation.vocabulary import ACCOUNT_ID


def own_roles(settings: Settings, event: Any, partition: str) -> frozenset[str]:
    """The roles whose calls are the tool's own: the function's, and in organisation mode the
    member role of the event's account (its calls come back through the forwarding rule).

    >>> s = Settings(tool_role_arn="arn:aws:iam::111122223333:role/f", member_role_name="m")
    >>> sorted(own_roles(s, {"account": "444455556666"}, "aws"))
    ['arn:aws:iam::111122223333:role/f', 'arn:aws:iam::444455556666:role/m']
    """
    roles = {settings.tool_role_arn}
    account = event.get("account") if isinstance(event, dict) else None
    if settings.member_role_name and isinstance(account, str) and ACCOUNT_ID.fullmatch(account):
        roles.add(f"arn:{partition}:iam::{account}:role/{settings.member_role_name}")
    return frozenset(r for r in roles if r)


def admit(parsed: Trigger | Refusal, own: str, settings: Settings) -> Trigger | Refusal:
    """Refuse an event of another account unless organisation mode serves that account."""
    if isinstance(parsed, Refusal) or not own or parsed.account_id == own:
        return parsed
    if not settings.organisation_mode:
        return Refusal(
            reason=f"event from account {parsed.account_id}; this function acts in {own} "
            "(organisation mode is off: MEMBER_ROLE_NAME is empty)",
            event_id=parsed.event_id,
            event_name=parsed.event_name,
        )
    if not settings.serves_member(parsed.account_id):  # an unreadable list serves none
        return Refusal(
            reason=f"event from account {parsed.account_id}, which is not in MEMBER_ACCOUNT_IDS",
            event_id=parsed.event_id,
            event_name=parsed.event_name,
        )
    return parsed
