"""A DataTable that is kept in step with a desired set of rows by key (dolphie's habit).

`sync(rows)` removes the rows whose keys are gone, `update_cell`s only the cells that changed,
`add_row(key=...)`s the new ones, and re-orders only when the order changed: a live pod list
never clears and refills, so the cursor and scroll position survive every update.

Changed cells are written without DataTable.update_cell: that bumps the table-wide update count,
which is part of every render cache key, so one changed address re-rendered every visible line of
the table (60% of the UI loop during a 5,000-update burst). Instead only the changed rows'
cache entries are dropped and only their regions repainted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.render import measure
from textual.widgets import DataTable
from textual.widgets._data_table import default_cell_formatter
from textual.widgets.data_table import CellKey, ColumnKey, RowKey


class LiveTable(DataTable):
    shrink_max = 2_000  # rows up to which a column narrows again when its widest cell shrinks

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._column_spec = list(columns)  # (key, label)
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._order: list[str] = []
        # counters a test can read to prove updates are incremental
        self.stats = {"added": 0, "removed": 0, "updated": 0, "sorted": 0}

    def on_mount(self) -> None:
        for key, label in self._column_spec:
            self.add_column(label, key=key)

    def sync(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        desired = {k: tuple(c) for k, c in rows}
        order = [k for k, _ in rows]
        keys = [k for k, _ in self._column_spec]
        with self.app.batch_update():
            for key in [k for k in self._cells if k not in desired]:
                self.remove_row(key)
                del self._cells[key]
                self.stats["removed"] += 1
            changed: set[str] = set()
            for key, cells in desired.items():
                old = self._cells.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                    self.stats["added"] += 1
                else:
                    for col, new, prev in zip(keys, cells, old, strict=False):
                        if new != prev:
                            self._data[RowKey(key)][ColumnKey(col)] = new
                            # measured on idle; caches are dropped only if a width really changes
                            self._updated_cells.add(CellKey(RowKey(key), ColumnKey(col)))
                            changed.add(key)
                            self.stats["updated"] += 1
                self._cells[key] = cells
            if changed:
                self._invalidate_rows(changed)
            if order != self._order:
                present = [k for k in self.ordered_keys() if k in desired]
                if present != order:
                    self._reorder(order)
                self._order = order

    def _invalidate_rows(self, keys: set[str]) -> None:
        """Forget the renders of these rows only, and repaint only their lines (see the module doc)."""
        rkeys = {RowKey(k) for k in keys}
        indexes = {i for i in (self._row_locations.get(k) for k in rkeys) if i is not None}
        caches: tuple[tuple[Any, int, set[Any]], ...] = (
            (self._cell_render_cache, 0, rkeys), (self._row_render_cache, 0, rkeys),
            (self._row_renderable_cache, 1, indexes))
        for cache, pos, drop in caches:
            for ck in [ck for ck in cache.keys() if ck[pos] in drop]:
                cache.discard(ck)
        # lines are keyed by y and the cursor (so any key press rebuilds them anyway); they are only
        # joined from the row renders kept above, cheap to rebuild
        self._line_cache.clear()
        for i in indexes:
            self.refresh_row(i)

    # DataTable widens columns on idle, after rows may already have been rendered and cached with the
    # old widths (its row cache key does not include widths), leaving e.g. the cursor row misaligned.
    # Drop the render caches whenever a width really changed.
    def _update_dimensions(self, new_rows: Any) -> None:
        before = [c.content_width for c in self.columns.values()]
        super()._update_dimensions(new_rows)
        if [c.content_width for c in self.columns.values()] != before:
            self._clear_caches()

    def _update_column_widths(self, updated_cells: Any) -> None:
        """DataTable's, without its cost on a big table: for every updated cell narrower than its
        column it measures the whole column again (to let it shrink), so an update of N rows of an
        N-row table measured N*N cells (15,000 NAD rows at 150,000 pods: the UI thread stalled for
        minutes, issue 18). Here each updated cell is measured once and widens its column; a column
        shrinks (one pass over it, not one per cell) only in a table of at most `shrink_max` rows."""
        before = [c.content_width for c in self.columns.values()]
        console = self.app.console
        shrink: set[ColumnKey] = set()
        for row_key, column_key in updated_cells:
            column, row = self.columns.get(column_key), self.rows.get(row_key)
            if column is None or row is None:
                continue
            width = max(self._measure(console, self._data[row_key][column_key], row.height),
                        measure(console, column.label, 1))
            if width >= column.content_width:
                column.content_width = width
            elif self.row_count <= self.shrink_max:
                shrink.add(column_key)
        for column_key in shrink:
            column = self.columns[column_key]
            column.content_width = max([measure(console, column.label, 1)] + [
                self._measure(console, self._data[rk][column_key], r.height) for rk, r in self.rows.items()])
        self._require_update_dimensions = True
        if [c.content_width for c in self.columns.values()] != before:
            self._clear_caches()

    @staticmethod
    def _measure(console: Any, value: Any, height: int) -> int:
        return measure(console, default_cell_formatter(value, wrap=height != 1, height=height), 1)

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
