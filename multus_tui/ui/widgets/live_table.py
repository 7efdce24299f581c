"""A DataTable that is kept in step with a desired set of rows by key (dolphie's habit).

`sync(rows)` removes the rows whose keys are gone, `update_cell`s only the cells that changed,
`add_row(key=...)`s the new ones, and re-orders only when the order changed: a live pod list
never clears and refills, so the cursor and scroll position survive every update. One sync is one
`batch_update`, so a store batch costs one repaint however many cells it changed.

Only DataTable's public API is used (tests/ui/test_live_table_public.py checks the module for
private names). Column widths are ours: DataTable's `update_width=True` re-measures the whole
column for every cell that got narrower (N*N on a big table: 15,000 NAD rows stalled the UI for
minutes), so the table counts the widths of each column's cells and sets the public
`Column.content_width` itself, exact at any size at the cost of one counter update per changed cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey


class LiveTable(DataTable):
    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._column_spec = list(columns)  # (key, label)
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._order: list[str] = []
        # per column: how many of its cells have each width (the column is as wide as the widest)
        self._widths: list[Counter[int]] = [Counter() for _ in self._column_spec]
        # counters a test can read to prove updates are incremental
        self.stats = {"added": 0, "removed": 0, "updated": 0, "sorted": 0}

    def on_mount(self) -> None:
        for key, label in self._column_spec:
            self.add_column(label, key=key)

    @property
    def cells(self) -> Mapping[str, tuple[Text, ...]]:
        """Every row's cells by row key, as last synced (a read-only view)."""
        return MappingProxyType(self._cells)

    def sync(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        desired = {k: tuple(c) for k, c in rows}
        order = [k for k, _ in rows]
        keys = [k for k, _ in self._column_spec]
        widest: dict[int, str] = {}  # column index -> the key of its widest cell written in this sync
        with self.app.batch_update():
            for key in [k for k in self._cells if k not in desired]:
                self.remove_row(key)
                self._count_widths(key, self._cells.pop(key), -1, widest)
                self.stats["removed"] += 1
            for key, cells in desired.items():
                old = self._cells.get(key)
                self._cells[key] = cells
                if old is None:
                    self.add_row(*cells, key=key)
                    self._count_widths(key, cells, +1, widest)
                    self.stats["added"] += 1
                    continue
                for i, (col, new, prev) in enumerate(zip(keys, cells, old, strict=False)):
                    if new != prev:
                        self.update_cell(key, col, new)
                        self._widths[i][prev.cell_len] -= 1
                        self._widen(i, key, new, widest)
                        self.stats["updated"] += 1
            self._apply_widths(widest)
            if order != self._order:
                present = [k for k in self.ordered_keys() if k in desired]
                if present != order:
                    self._reorder(order)
                self._order = order

    def _count_widths(self, key: str, cells: Sequence[Text], delta: int, widest: dict[int, str]) -> None:
        for i, cell in enumerate(cells[: len(self._widths)]):
            if delta > 0:
                self._widen(i, key, cell, widest)
            else:
                self._widths[i][cell.cell_len] -= 1

    def _widen(self, i: int, key: str, cell: Text, widest: dict[int, str]) -> None:
        self._widths[i][cell.cell_len] += 1
        best = widest.get(i)
        if best is None or cell.cell_len > self._cells[best][i].cell_len:
            widest[i] = key

    def _apply_widths(self, widest: dict[int, str]) -> None:
        """Set each column as wide as its label or its widest cell. A width that changed is handed to
        DataTable through a cell of exactly that width (`update_width=True` then costs one measure
        and recomputes the table's size), so it is applied before anything renders with the old one."""
        for i, (key, _) in enumerate(self._column_spec):
            counter = self._widths[i]
            for w in [w for w, n in counter.items() if n <= 0]:
                del counter[w]
            column = self.columns.get(ColumnKey(key))
            if column is None:
                continue
            cells_width = max(counter, default=0)
            width = max(column.label.cell_len, cells_width)
            if width == column.content_width:
                continue
            column.content_width = width
            holder = widest.get(i)
            if holder is None or holder not in self._cells or self._cells[holder][i].cell_len != cells_width:
                # the column narrowed: find a cell of its new width (one pass, only when it narrows)
                holder = next((k for k, c in self._cells.items() if len(c) > i and c[i].cell_len == cells_width),
                              None)
            if holder is not None:
                self.update_cell(holder, key, self._cells[holder][i], update_width=True)

    def ordered_keys(self) -> list[str]:
        return [str(r.key.value) for r in self.ordered_rows]

    def _reorder(self, order: list[str]) -> None:
        index = {k: i for i, k in enumerate(order)}
        first_col = self._column_spec[0][0]
        # DataTable.sort's key function only sees cell values; map the first cell (a distinct Text
        # object per row) back to its row key by identity.
        by_id = {id(self.get_cell(k, first_col)): k for k in order}
        self.sort(first_col, key=lambda cell: index.get(by_id.get(id(cell), ""), len(index)))
        self.stats["sorted"] += 1

    @property
    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:
            return None
