"""Turning cluster strings into something safe to draw.

Anything that came from the cluster (names, annotations, event messages) may hold Rich markup
(`[red]`), ANSI escapes or other control characters. They are shown literally: control characters
become visible `\\xNN` escapes, and the result is a `rich.text.Text`, which Textual never parses
as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.text import Text

from multus_tui.safetext import escape

_NAMED = {"\t": "\\t", "\n": "\\n"}


def sanitize(value: object, *, keep_newlines: bool = False) -> str:
    """The string with every character a terminal would act on or hide replaced by a visible escape
    (the rule: multus_tui/safetext.py); tab and newline are written \\t and \\n."""
    return escape(value, keep="\n" if keep_newlines else "", names=_NAMED)


def plain(value: object, style: str = "", *, keep_newlines: bool = False) -> Text:
    """A `Text` that shows `value` literally (never parsed as markup)."""
    return Text(sanitize(value, keep_newlines=keep_newlines), style=style)


# Names may be 253 characters (DNS subdomains): a table cell that long pushed every other column off
# the screen. Tables show at most this much of a name, ending in "…"; detail screens and
# their titles show it whole.
NAME_MAX = 48


def name_cell(value: object, style: str = "") -> Text:
    """A table cell for a name: sanitized, cut to NAME_MAX characters with an ellipsis."""
    s = sanitize(value)
    if len(s) > NAME_MAX:
        s = s[:NAME_MAX - 1] + "…"
    return Text(s, style=style)


#: how a finding's severity is drawn in tables and lists (the Doctor view, a NAD's findings)
SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
#: the one-character mark of a severity in a findings list (the builders)
SEVERITY_MARKS = {"error": "✗", "warning": "!", "info": "i"}

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
