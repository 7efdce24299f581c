"""LiveTable uses only Textual's public API: `textual` is not pinned, and DataTable's private state
(its data dicts, render caches and their key layout) changes between releases without notice."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.widgets import DataTable

import multus_tui.ui.widgets.live_table as live_table

SOURCE = Path(live_table.__file__)


def private_uses(source: str) -> list[str]:
    """Every use of a private Textual name in `source`: an import from a private module, an
    attribute starting with `_` read from anything but `self`, and on `self` a private name that
    DataTable (or its bases) defines, read or overridden."""
    inherited = set(dir(DataTable)) | set(vars(DataTable()))
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom | ast.Import):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"line {node.lineno}: import from {m}" for m in modules
                      if m.startswith("textual") and any(p.startswith("_") for p in m.split("."))]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            if not on_self or node.attr in inherited:
                found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("_") \
                and not node.name.startswith("__") and node.name in inherited:
            found.append(f"line {node.lineno}: overrides {node.name}")
    return found


def test_live_table_touches_no_private_textual_name():
    assert private_uses(SOURCE.read_text()) == []


def test_the_check_sees_each_kind_of_private_use():
    assert private_uses("from textual.widgets._data_table import default_cell_formatter\n")
    assert private_uses("self._data[k] = v\n")  # DataTable's own state
    assert private_uses("table._update_count\n")  # anything's private attribute but self's
    assert private_uses("class T:\n    def _on_idle(self):\n        pass\n")  # an override
    assert not private_uses("self._cells = {}\nself.update_cell(k, c, v)\n")  # our own state
