"""The JSONPath of CRD printer columns, as client-go's util/jsonpath evaluates them.

`additionalPrinterColumns[].jsonPath` is a "simple" JSONPath (what the CRD validation allows):
fields (`.status.syncStatus`, with `\\.` for a dot inside a key), `['key']`, indices (`[0]`,
negative ones), `[*]`, and filters (`[?(@.type=="Ready")]`, `==`, `!=`, `<`, `>`, `<=`, `>=`, or a
bare `@.field` for existence). Missing keys give no result (kube parses with AllowMissingKeys).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .crd_schema import go_float


class JsonPathError(ValueError):
    """The expression is not a JSONPath this evaluator understands."""


_Step = tuple[str, Any]  # ("field", name) | ("index", int) | ("all", None) | ("filter", (path, op, value))


def _split_field_path(text: str) -> list[str]:
    """`.a.b\\.c` -> ["a", "b.c"]."""
    names, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i + 1])
            i += 2
            continue
        if ch == ".":
            if cur:
                names.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
        i += 1
    if cur:
        names.append("".join(cur))
    return names


def parse(expr: str) -> list[_Step]:
    """Compile a JSONPath (with or without the surrounding braces) into steps."""
    text = expr.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    steps: list[_Step] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "[":
            depth, j = 0, i
            while j < len(text):
                if text[j] == "[":
                    depth += 1
                elif text[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(text):
                raise JsonPathError(f"unterminated array notation in {expr!r}")
            steps.append(_bracket(text[i + 1:j].strip(), expr))
            i = j + 1
        elif ch == ".":
            j = i + 1
            while j < len(text) and text[j] != "[":
                if text[j] == "\\":
                    j += 1
                j += 1
            for name in _split_field_path(text[i:j]):
                steps.append(("all", None) if name == "*" else ("field", name))
            i = j
        else:
            raise JsonPathError(f"unrecognized character in action: {ch!r} in {expr!r}")
    return steps


_FILTER_RE = re.compile(r"^\?\(\s*(@[^=!<>]*?)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$")


def _bracket(inner: str, expr: str) -> _Step:
    if inner == "*":
        return ("all", None)
    if inner.startswith("?"):
        m = _FILTER_RE.match(inner)
        if not m:
            raise JsonPathError(f"invalid filter {inner!r} in {expr!r}")
        path, op, raw = m.groups()
        value: Any = None
        if raw is not None:
            raw = raw.strip()
            if raw[:1] in ("'", '"') and raw[-1:] == raw[:1]:
                value = raw[1:-1]
            else:
                try:
                    value = json.loads(raw)
                except ValueError:
                    value = raw
        return ("filter", (parse(path[1:]) if path != "@" else [], op, value))
    if inner[:1] in ("'", '"') and inner[-1:] == inner[:1]:
        return ("field", inner[1:-1])
    try:
        return ("index", int(inner))
    except ValueError:
        raise JsonPathError(f"unsupported array notation [{inner}] in {expr!r}") from None


def find(steps: list[_Step], data: Any) -> list[Any]:
    """Every value the path selects (missing keys select nothing)."""
    current = [data]
    for kind, arg in steps:
        nxt: list[Any] = []
        for value in current:
            if kind == "field":
                if isinstance(value, dict) and arg in value:
                    nxt.append(value[arg])
            elif kind == "index":
                if isinstance(value, list) and -len(value) <= arg < len(value):
                    nxt.append(value[arg])
            elif kind == "all":
                if isinstance(value, list):
                    nxt.extend(value)
                elif isinstance(value, dict):
                    nxt.extend(value[k] for k in sorted(value))
            elif kind == "filter" and isinstance(value, list):
                path, op, want = arg
                for item in value:
                    got = find(path, item)
                    if op is None:
                        if got:
                            nxt.append(item)
                    elif got and _compare(got[0], op, want):
                        nxt.append(item)
        current = nxt
    return current


def _compare(got: Any, op: str, want: Any) -> bool:
    if op in ("==", "!="):
        same = got == want and type(got) is type(want) or (
            isinstance(got, (int, float)) and isinstance(want, (int, float)) and not isinstance(got, bool)
            and float(got) == float(want))
        return same if op == "==" else not same
    try:
        a, b = float(got), float(want)
    except (TypeError, ValueError):
        return False
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def print_value(value: Any) -> str:
    """PrintResults of one value: JSON for maps and lists, fmt.Print for scalars."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)
