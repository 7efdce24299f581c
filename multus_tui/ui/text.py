"""Turning cluster strings into something safe to draw.

Anything that came from the cluster (names, annotations, event messages) may hold Rich markup
(`[red]`), ANSI escapes or other control characters. They are shown literally: control characters
become visible `\\xNN` escapes, and the result is a `rich.text.Text`, which Textual never parses
as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from rich.text import Text

# C0 controls except tab/newline handling below, DEL and C1 controls (ESC included), the
# bidirectional embedding/override/isolate marks (a terminal would reorder the rest of the line: a
# name could then read as something else), and every invisible format character (zero-width space
# and joiners, word joiner, BOM, soft hyphen, invisible operators, line/paragraph separators, tag
# characters, Hangul fillers): `lint` escapes the same (Unicode category Cf and friends), issue 14.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f"
    "\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def sanitize(value: object, *, keep_newlines: bool = False) -> str:
    """The string with every control character replaced by a visible escape."""
    s = "" if value is None else str(value)
    s = _CONTROL.sub(_escape, s)
    s = s.replace("\t", "\\t")
    if not keep_newlines:
        s = s.replace("\n", "\\n").replace("\r", "\\r")
    return s


def plain(value: object, style: str = "", *, keep_newlines: bool = False) -> Text:
    """A `Text` that shows `value` literally (never parsed as markup)."""
    return Text(sanitize(value, keep_newlines=keep_newlines), style=style)


# Names may be 253 characters (DNS subdomains): a table cell that long pushed every other column off
# the screen (issue 14). Tables show at most this much of a name, ending in "…"; detail screens and
# their titles show it whole.
NAME_MAX = 48


def name_cell(value: object, style: str = "") -> Text:
    """A table cell for a name: sanitized, cut to NAME_MAX characters with an ellipsis."""
    s = sanitize(value)
    if len(s) > NAME_MAX:
        s = s[:NAME_MAX - 1] + "…"
    return Text(s, style=style)


STATE_STYLES = {
    "attached": "bold green",
    "pending": "yellow",
    "failed": "bold red",
    "not-requested": "dim",
}


def state_text(state: str, reason: str | None = None) -> Text:
    """The attachment state with its reason, coloured by state."""
    t = Text(sanitize(state), style=STATE_STYLES.get(state, ""))
    if reason:
        t.append(": " + sanitize(reason))
    return t


def parse_time(value: object) -> datetime | None:
    """A Kubernetes timestamp (RFC 3339 string or datetime) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        s = str(value).replace("Z", "+00:00")
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def age(value: object, clock: Callable[[], datetime]) -> str:
    """k9s/kubectl style age (`42s`, `5m`, `3h`, `2d`) of a timestamp, relative to `clock()`."""
    dt = parse_time(value)
    if dt is None:
        return "?"
    secs = int((clock() - dt).total_seconds())
    if secs < 0:
        secs = 0
    if secs < 120:
        return f"{secs}s"
    if secs < 7200:
        return f"{secs // 60}m"
    if secs < 172800:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


def utc_now() -> datetime:
    return datetime.now(UTC)
