"""Hostile VPC names: one list, fed through every output (tests/unit/test_hostile_names.py).

A tag value is at most 256 Unicode characters (the AWS tagging restrictions: "Maximum value
length - 256 Unicode characters in UTF-8", e.g. the CloudFormation reference's Tag type).
Which characters EC2 itself refuses in a tag value is not confirmed here: the general
guidance names letters, numbers, spaces and ``+ - = . _ : / @`` "generally allowed", and a
name with line breaks, C1 controls, bidi and zero-width characters was accepted by the
emulator. So every sink is tested with all of them.
"""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

#: The longest tag value EC2 accepts.
TAG_VALUE_MAX = 256

HOSTILE_NAMES: dict[str, str] = {
    "newline-forged-status": "app\nStatus:  compliant\nMode:    off",
    "crlf": "app\r\nSubject: forged",
    "quotes": "it's \"quoted\" 'twice'",
    "terraform-template": '${file("/etc/passwd")} %{ for x in y }${x}%{ endfor }',
    "yaml-syntax": "- x: !!python/object {a: *b} # c",
    "markdown-link": "[click me](https://evil.example/login)",
    "chat-mentions": "<!channel> <!here> <@U123ABC> @everyone <https://x.example|y>",
    "markdown-emphasis": "*bold* _it_ ~strike~ `code` ```fence```",
    "c0-controls": "a\x00b\x07c\x1b[31mred\x1b[0m\x08\x7f",
    "c1-controls": "a\x85b\x9bc\x90d\x9c",
    "line-separators": "a\u2028b\u2029c\x0b\x0cd",
    "bidi": "user\u202egnp.exe\u202c \u2066x\u2069 \u200f\u200e",
    "zero-width": "ad\u200bmin\u200c\u200d\ufeff\u2060x\u00ad",
    "cjk": "本番環境 ネットワーク 生产网络",
    "emoji": "prod \U0001f680 \U0001f1ef\U0001f1f5",
    "backslashes": "a\\nb\\\\c\\u0041",
    "max-length": "x" * TAG_VALUE_MAX,
    "max-length-cjk": "網" * TAG_VALUE_MAX,
    "only-hidden": "\u200b\u202e\x85",
    "html": "<script>alert(1)</script>&amp;",
}


#: Characters nothing for a person may carry raw: controls, format characters, line breaks.
def hidden(char: str) -> bool:
    """A character that must not reach a one-line sink as it is."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


#: Arbitrary tag values as EC2 may hold them (any code point but surrogates, 1-256 long).
tag_values = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=TAG_VALUE_MAX
)
