"""Terminal-safe text: the one rule for showing a string that came from a cluster or a file.

A character is escaped (\\xNN, \\uNNNN, \\UNNNNNNNN) when a terminal would act on it or show nothing
for it: controls (C0, DEL, C1, ESC included), format characters (bidirectional embeddings, overrides
and isolates, which reorder the rest of the line; zero-width spaces and joiners, BOM, soft hyphen,
tag characters), line/paragraph separators, surrogates, private-use and unassigned code points, and
the Hangul fillers (letters that draw as blank). The TUI (ui/text.sanitize) and the command-line
output (lint, fmt) both use it; they differ only in how they name tab and newline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# letters (category Lo) that every terminal draws as blank: a name made of them reads as empty
_BLANK_LETTERS = re.compile("[\u115f\u1160\u3164\uffa0]")


def is_unsafe(ch: str) -> bool:
    """Whether the character must be escaped before it reaches a terminal."""
    return _BLANK_LETTERS.match(ch) is not None or unicodedata.category(ch) in UNSAFE_CATEGORIES


def escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape(value: object, *, keep: str = "", names: Mapping[str, str] | None = None) -> str:
    """`value` as text with every unsafe character escaped; characters in `keep` stay as they are,
    those in `names` get that spelling instead of the numeric escape (the TUI writes a tab as \\t)."""
    s = "" if value is None else str(value)
    if s.isprintable() and not _BLANK_LETTERS.search(s):
        return s  # the common case, at C speed (isprintable is False for every unsafe category)
    names = names or {}
    out = []
    for ch in s:
        if ch in keep or not is_unsafe(ch):
            out.append(ch)
        else:
            out.append(names.get(ch) or escape_char(ch))
    return "".join(out)
