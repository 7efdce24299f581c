"""Addressing values inside a NAD's CNI config by the JSON paths the validator reports.

Findings (multus_tui.multus.validate) carry paths like ``plugins[0].ipam.addresses[0].address``
or ``metadata.name``. The form gives every field widget the id derived from the same path, so a
finding lands on the widget that edits the value it is about. ``plugins[i]`` is virtual for a
single-plugin config: index 0 is the config object itself.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

Step = str | int


def split_path(path: str) -> list[Step]:
    """``a.b[2].c`` -> ``["a", "b", 2, "c"]``."""
    steps: list[Step] = []
    for m in _TOKEN.finditer(path):
        if m.group(1) is not None:
            steps.append(m.group(1))
        else:
            steps.append(int(m.group(2)))
    return steps


def join_path(steps: list[Step]) -> str:
    out = ""
    for s in steps:
        if isinstance(s, int):
            out += f"[{s}]"
        else:
            out += ("." if out else "") + s
    return out


def field_id(path: str) -> str:
    """The widget id for the field editing `path` (ids allow only letters, digits, _ and -)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "_", path)


_MISSING = object()


def get_in(obj: Any, steps: list[Step], default: Any = None) -> Any:
    cur = obj
    for s in steps:
        if isinstance(s, int):
            if not isinstance(cur, list) or s >= len(cur):
                return default
        elif not isinstance(cur, dict) or s not in cur:
            return default
        cur = cur[s]
    return cur


def set_in(obj: Any, steps: list[Step], value: Any) -> None:
    """Set a value, creating dicts on the way; a missing list index appends."""
    cur = obj
    for i, s in enumerate(steps[:-1]):
        nxt = steps[i + 1]
        if isinstance(s, int):
            while len(cur) <= s:
                cur.append({} if not isinstance(nxt, int) else [])
            if not isinstance(cur[s], (dict, list)):
                cur[s] = {} if not isinstance(nxt, int) else []
            cur = cur[s]
        else:
            if not isinstance(cur.get(s), (dict, list)):
                cur[s] = {} if not isinstance(nxt, int) else []
            cur = cur[s]
    last = steps[-1]
    if isinstance(last, int):
        while len(cur) <= last:
            cur.append(None)
        cur[last] = value
    else:
        cur[last] = value


def del_in(obj: Any, steps: list[Step]) -> None:
    """Remove a key (absent means "the plugin's default"); empty parents stay (they may be meaningful)."""
    parent = get_in(obj, steps[:-1], _MISSING)
    last = steps[-1]
    if isinstance(last, int):
        if isinstance(parent, list) and last < len(parent):
            del parent[last]
    elif isinstance(parent, dict):
        parent.pop(last, None)
