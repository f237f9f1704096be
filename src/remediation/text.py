"""Names are data, never markup: the one sanitiser of every text sink. Pure.

A VPC's tags (its ``Name`` above all) can hold any character EC2 accepts: line breaks, C0
and C1 control characters (``ESC`` sequences for a terminal, ``NEL`` that YAML reads as a line
break), bidirectional and zero-width format characters that make text read differently from
what it is, markdown and chat mention syntax. Every text that carries such a value to a
person or into code goes through one function here, chosen by its sink:

:func:`plain`
    One line of text (a notification's header field, a Security Hub finding's title, a table
    cell, a code comment, a log or error line): line breaks and other blanks folded to one
    space, control (``Cc``), format (``Cf``), surrogate and unassigned characters removed, at
    most ``limit`` characters (cut visibly with ``…``).
:func:`chat`
    :func:`plain`, then chat syntax neutralised: ``&``, ``<`` and ``>`` as the entities
    Slack documents (so ``<!channel>``, ``<@U123>`` and ``<http://x|y>`` are text), and the
    markdown characters escaped with a backslash (so ``[x](http://y)`` is no link).
:func:`ascii_line`
    :func:`plain` in printable ASCII (an SNS subject).
:func:`file_stem`
    A file name's stem: a slug of ``[a-z0-9_]``, with a short hash of the whole name when it
    had to be cut (a 256-character Name tag still makes a file name the system accepts).

The code writers quote tag values as their languages escape them (HCL and YAML strings):
what they put in comments goes through :func:`plain`.

>>> plain("app\\nStatus:  compliant\\x1b[31m\\u202e")
'app Status: compliant[31m'
>>> chat("<!channel> [click](http://x) *bold*")
'&lt;!channel&gt; \\\\[click\\\\](http://x) \\\\*bold\\\\*'
>>> file_stem("prod_east")
'prod_east'
"""

from __future__ import annotations

import re
import unicodedata

#: The longest file stem :func:`file_stem` returns: room for ``.import.yaml`` and more within
#: the 255 bytes most file systems allow in a name.
STEM_LIMIT = 80
#: Unicode categories removed: control (C0, DEL, C1), format (bidi controls, zero-width
#: characters, the BOM, soft hyphen), surrogates, unassigned code points.
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn"})
ELLIPSIS = "…"
_BLANKS = re.compile(r"\s+")
_SLUG = re.compile(r"[^a-z0-9]+")
#: What Slack and Teams markdown (and CommonMark) read as links, code or emphasis, escaped with a
#: backslash (``_`` is left: names are full of it, and inside a word no markdown reads it).
_MARKDOWN = re.compile(r"([\\`*~\[\]])")


def unseen(char: str) -> bool:
    """A character a reader cannot see as it is: control, format, line or paragraph separator,
    private use, surrogate or unassigned (what code writers escape).

    >>> [unseen(c) for c in "a\u202e\x85 "]
    [False, True, True, False]
    """
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp")


def _kept(char: str) -> bool:
    return unicodedata.category(char) not in REMOVED_CATEGORIES


def plain(text: str, limit: int = 256) -> str:
    """One safe line: blanks folded, control and format characters removed, ``limit`` long.

    >>> plain("a\\r\\n\\tb\\u2028c")
    'a b c'
    >>> plain("x" * 10, 5)
    'xxxx…'
    >>> plain("zero\\u200bwidth\\u00adsoft")
    'zerowidthsoft'
    """
    folded = _BLANKS.sub(" ", text)  # \\s covers \\n, \\r, \\t, \\x85 (NEL), U+2028, U+2029
    single = "".join(c for c in folded if _kept(c))
    single = _BLANKS.sub(" ", single).strip()
    return cut(single, limit)


def cut(text: str, limit: int, mark: str = ELLIPSIS) -> str:
    """``text`` within ``limit`` characters, cut visibly with ``mark``.

    >>> cut("abcdef", 4, "...")
    'a...'
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(mark))].rstrip() + mark[:limit]


def chat(text: str, limit: int = 256) -> str:
    """Text for a chat card's markdown: :func:`plain`, mention and markdown syntax neutralised.

    >>> chat("<@U123> & ok")
    '&lt;@U123&gt; &amp; ok'
    """
    safe = plain(text, limit)
    safe = safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", safe)


def ascii_line(text: str, limit: int, fallback: str = "") -> str:
    """:func:`plain` in printable ASCII (accents dropped, other letters removed).

    >>> ascii_line("prod\\n\u00e9quipe \u672c\u756a", 40)
    'prod equipe'
    """
    decomposed = unicodedata.normalize("NFKD", plain(text, 4 * limit + 16))
    ascii_text = "".join(c for c in decomposed if " " <= c <= "~")
    return cut(_BLANKS.sub(" ", ascii_text).strip(), limit, "...") or fallback


def file_stem(name: str, limit: int = STEM_LIMIT) -> str:
    """A file name's stem from any name: ``[a-z0-9_]``; cut, with a hash, when too long.

    The hash (8 hex digits of the SHA-256 of the whole name) keeps two long names that share
    their first characters apart.

    >>> file_stem("Prod East (10.0.0.0/16)")
    'prod_east_10_0_0_0_16'
    >>> stem = file_stem("x" * 256)
    >>> import hashlib
    >>> len(stem), stem[-9:] == "_" + hashlib.sha256(b"x" * 256).hexdigest()[:8]
    (80, True)
    """
    slug = _SLUG.sub("_", name.lower()).strip("_")
    if len(slug) <= limit:
        return slug
    import hashlib  # noqa: PLC0415 - long names only

    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return slug[: limit - len(digest) - 1].rstrip("_") + "_" + digest


def marked(text: str, limit: int, mark: str = "?") -> str:
    """Text for a terminal cell: every control or format character (line breaks included)
    shown as ``mark``, so that a person sees something was there; at most ``limit`` long.

    >>> marked("app\\x1b[31m\\tprod", 40)
    'app?[31m?prod'
    >>> marked("x" * 30, 10)
    'xxxxxxx...'
    """
    safe = "".join(mark if _breaks_or_hides(c) else c for c in text)
    return safe if len(safe) <= limit else safe[: max(0, limit - 3)] + "..."


def _breaks_or_hides(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "C" or category in ("Zl", "Zp")


def columns(text: str) -> int:
    """The terminal columns ``text`` takes: two for wide and full-width characters (CJK, by
    :func:`unicodedata.east_asian_width`), none for combining and format characters.

    >>> columns("app"), columns("本番"), columns("e\u0301")
    (3, 4, 1)
    """
    return sum(_columns(c) for c in text)


def _columns(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
