"""The readers the settings share: a true/false flag, account ids, seconds, a word list.

Each reads one variable of the environment mapping; a value it cannot read is reported in
the run's ``problems`` and read as the cautious choice (false, left out, 0).

>>> problems = []
>>> read_flag({"GATEWAY_REPORT_ONLY": "maybe"}, "GATEWAY_REPORT_ONLY", problems), problems
(False, ["GATEWAY_REPORT_ONLY='maybe' is not true or false; using false"])
"""

from __future__ import annotations

from collections.abc import Mapping

from remediation.vocabulary import ACCOUNT_ID

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def read_flag(env: Mapping[str, str], key: str, problems: list[str]) -> bool:
    value = env.get(key, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        problems.append(f"{key}={env[key]!r} is not true or false; using false")
    return False


def read_account_ids(env: Mapping[str, str], name: str, problems: list[str]) -> set[str]:
    """A comma list of 12-digit account ids; anything else is reported and ignored."""
    accounts: set[str] = set()
    for raw in env.get(name, "").split(","):
        item = raw.strip()
        if not item:
            continue
        if ACCOUNT_ID.fullmatch(item):
            accounts.add(item)
        else:
            problems.append(f"{name}: {item!r} is not a 12-digit account id; ignored")
    return accounts


def read_seconds(env: Mapping[str, str], key: str, most: float, problems: list[str]) -> float:
    """A number of seconds from 0 to ``most``; unset is 0, anything else is reported and 0."""
    text = env.get(key, "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
        if not 0 <= value <= most:
            raise ValueError
    except ValueError:
        problems.append(f"{key}={text!r} is not a number of seconds from 0 to {most:g}; using 0")
        return 0.0
    return value


def read_words(env: Mapping[str, str], key: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in env.get(key, "").split(",") if w.strip())
