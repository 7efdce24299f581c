"""Paths into a NAD: the one dialect the validator reports findings in and the builder edits by.

``plugins[0].ipam.addresses[0].address``, ``ipam.ranges[0][1].subnet``, and keys that hold dots or
brackets quoted as Python string literals: ``sysctl['net.ipv4.conf.all.forwarding']``,
``metadata.annotations["k8s.v1.cni.cncf.io/networks"]``. A path is a list of steps: a key (str) or a
list index (int).
"""

from __future__ import annotations

import ast
import re
from typing import Any

Step = str | int

_SEGMENT = re.compile(r"""\.?([^.\[\]'"]+)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]""")
_PLAIN_KEY = re.compile(r"[^.\[\]'\"]+")
_MISSING = object()


def split_path(path: str) -> list[Step]:
    """``a.b[2].c`` -> ``["a", "b", 2, "c"]``; ``sysctl['net.x']`` -> ``["sysctl", "net.x"]``.
    ValueError names the position where `path` stops being a path."""
    out: list[Step] = []
    pos = 0
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read path {path!r} at {pos}")
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            out.append(int(m.group(2)))
        else:
            out.append(ast.literal_eval(m.group(3)))
        pos = m.end()
    return out


def join_path(steps: list[Step]) -> str:
    """The inverse of `split_path`: keys with dots, brackets or quotes are written ``['...']``."""
    out = ""
    for s in steps:
        if isinstance(s, int):
            out += f"[{s}]"
        elif _PLAIN_KEY.fullmatch(s):
            out += ("." if out else "") + s
        else:
            out += f"[{s!r}]"
    return out


def get_in(obj: Any, steps: list[Step], default: Any = None) -> Any:
    """The value at `steps`, or `default` where the path leaves the data."""
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
    """Set a value, creating dicts (or lists, before an index) on the way; a missing list index appends."""
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


def del_in(obj: Any, steps: list[Step]) -> None:
    """Remove a key or list item (absent means "the plugin's default"); empty parents stay."""
    parent = get_in(obj, steps[:-1], _MISSING)
    last = steps[-1]
    if isinstance(last, int):
        if isinstance(parent, list) and last < len(parent):
            del parent[last]
    elif isinstance(parent, dict):
        parent.pop(last, None)
