"""A DataTable that is kept in step with a desired set of rows by key (dolphie's habit).

`sync(rows)` removes the rows whose keys are gone, replaces the cells of the rows that changed,
`add_row(key=...)`s the new ones, and re-orders only when the order changed: a live pod list
never clears and refills, so the cursor and scroll position survive every update. One sync is one
`batch_update`, and it repaints only the rows whose cells changed.

Only public Textual API is used (tests/ui/test_live_table_public.py checks the module for private
names). DataTable keeps the rows and their order, the cursor, the scrolling, the keys, the mouse and
the messages; the cells live here (`get_cell`/`get_row` read them) and the lines are drawn here,
through the public line API (`render_line`). DataTable's own render caches hang on a table-wide
update count that every `update_cell` bumps, so through its public calls one changed cell re-rendered
every visible line (a sync and repaint of a 100-row table: 16 ms before, 266 ms that way, on a loaded
machine). Here each row's line is kept until its cells, its place, the widths or the styles change,
and a changed row is repainted alone (`refresh_row`). Cells are drawn as DataTable draws them (its
component classes, styles and the row/column meta its mouse handling reads), so the screen is the same.

Column widths are ours too: DataTable's `update_width=True` re-measures the whole column for every
cell that got narrower (N*N on a big table: 15,000 NAD rows stalled the UI for minutes), so the
table counts the widths of each column's cells and sets the public `Column.content_width` (and the
scrollable `virtual_size`) itself, exact at any size at the cost of one counter update per changed cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.renderables.styled import Styled
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey


class LiveTable(DataTable):
    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._column_spec = list(columns)  # (key, label)
        self._column_index = {key: i for i, (key, _) in enumerate(self._column_spec)}
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._order: list[str] = []
        # per column: how many of its cells have each width (the column is as wide as the widest)
        self._widths: list[Counter[int]] = [Counter() for _ in self._column_spec]
        # counters a test can read to prove updates are incremental
        self.stats = {"added": 0, "removed": 0, "updated": 0, "sorted": 0}
        self.rows_rendered = 0  # rows drawn anew (not from the per-row cache): a test reads it
        # drawing: the row keys in display order, each row's last line, the styles of this paint
        self._display: list[str] = []
        # per row (None: the header): (signature, {(cursor, hover): (line, scroll x, line as shown)})
        self._lines: dict[str | None, tuple[tuple[Any, ...], dict[tuple[bool, bool], tuple[Strip, int, Strip]]]] = {}
        self._paint_styles: tuple[Any, ...] | None = None
        self._last_paint: tuple[Any, ...] | None = None
        self._hover_shown = False  # the mouse is over the table (DataTable hides its hover on keys)

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
        placed = False  # rows were added, removed or moved: the display order is read again
        changed: list[str] = []
        with self.app.batch_update():
            for key in [k for k in self._cells if k not in desired]:
                self.remove_row(key)
                self._count_widths(self._cells.pop(key), -1)
                self._lines.pop(key, None)
                self.stats["removed"] += 1
                placed = True
            for key, cells in desired.items():
                old = self._cells.get(key)
                if old is None:
                    self._cells[key] = cells
                    self.add_row(*cells, key=key)
                    self._count_widths(cells, +1)
                    self.stats["added"] += 1
                    placed = True
                elif cells != old:  # an unchanged row keeps its tuple, and so its drawn line
                    self._cells[key] = cells
                    self._count_widths(old, -1)
                    self._count_widths(cells, +1)
                    self.stats["updated"] += sum(1 for new, prev in zip(cells, old, strict=False) if new != prev)
                    changed.append(key)
            widened = self._apply_widths()
            if order != self._order:
                present = [k for k in self.ordered_keys() if k in desired]
                if present != order:
                    self._reorder(order)
                    placed = True
                self._order = order
            if placed:
                self._display = self.ordered_keys()
            if placed or widened:
                self.refresh()
            else:
                for key in changed:  # only the changed rows' lines are drawn again
                    self.refresh_row(self.get_row_index(key))

    def _count_widths(self, cells: Sequence[Text], delta: int) -> None:
        for counter, cell in zip(self._widths, cells, strict=False):
            counter[cell.cell_len] += delta

    def _apply_widths(self) -> bool:
        """Set each column as wide as its label or its widest cell, and the scrollable size to match;
        whether a width changed."""
        changed = False
        for i, (key, _) in enumerate(self._column_spec):
            counter = self._widths[i]
            for w in [w for w, n in counter.items() if n <= 0]:
                del counter[w]
            column = self.columns.get(ColumnKey(key))
            if column is None:
                continue
            width = max(column.label.cell_len, max(counter, default=0))
            if width != column.content_width:
                column.content_width = width
                changed = True
        if changed:
            header = self.header_height if self.show_header else 0
            self.virtual_size = Size(sum(c.get_render_width(self) for c in self.columns.values()),
                                     len(self._cells) + header)
        return changed

    # The cells live here (DataTable keeps each row's first cells only to sort and measure new rows):
    # reads go to them.
    def get_cell(self, row_key: RowKey | str, column_key: ColumnKey | str) -> Text:
        row = self._cells.get(str(getattr(row_key, "value", row_key)))
        column = self._column_index.get(str(getattr(column_key, "value", column_key)))
        if row is None or column is None or column >= len(row):
            return super().get_cell(row_key, column_key)  # raises CellDoesNotExist as DataTable does
        return row[column]

    def get_cell_at(self, coordinate: Coordinate) -> Text:
        return self.get_cell(*self.coordinate_to_cell_key(coordinate))

    def get_row(self, row_key: RowKey | str) -> list[Text]:
        key = str(getattr(row_key, "value", row_key))
        if key not in self._cells:
            super().get_row(row_key)  # raises RowDoesNotExist as DataTable does
        return list(self._cells[key])

    def get_row_at(self, row_index: int) -> list[Text]:
        if not 0 <= row_index < len(self._display):
            return super().get_row_at(row_index)  # raises RowDoesNotExist as DataTable does
        return list(self._cells[self._display[row_index]])

    def ordered_keys(self) -> list[str]:
        return [str(r.key.value) for r in self.ordered_rows]

    def _reorder(self, order: list[str]) -> None:
        index = {k: i for i, k in enumerate(order)}
        first_col = self._column_spec[0][0]
        # DataTable.sort's key function only sees cell values; map the first cell (a distinct Text
        # object per row) back to its row key by identity.
        by_id = {id(DataTable.get_cell(self, k, first_col)): k for k in order}
        self.sort(first_col, key=lambda cell: index.get(by_id.get(id(cell), ""), len(index)))
        self.stats["sorted"] += 1

    @property
    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except CellDoesNotExist:  # the cursor is past the rows a sync just removed
            return None

    # --- drawing ------------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint_styles = None  # styles and widths follow focus, theme, CSS and syncs: read once a paint
        return super().render_lines(crop)

    def _paint(self) -> tuple[Any, ...]:
        """(styles..., column widths, header labels) for this paint; the previous paint's tuple when
        nothing in it changed, so a row's cached line is recognised by identity."""
        if self._paint_styles is None:
            component = self.get_component_rich_style
            columns = self.ordered_columns
            paint = (
                self.rich_style,
                self.get_component_styles("datatable--header").rich_style,
                self.get_component_styles("datatable--even-row").rich_style,
                self.get_component_styles("datatable--odd-row").rich_style,
                component("datatable--cursor"), component("datatable--hover"),
                component("datatable--header-cursor"), component("datatable--header-hover"),
                tuple(c.get_render_width(self) for c in columns), tuple(c.label for c in columns),
            )
            self._paint_styles = self._last_paint if paint == self._last_paint else paint
            self._last_paint = self._paint_styles
        return self._paint_styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        paint = self._paint()
        header = 1 if self.show_header else 0
        if y < header:
            index, key, cells = -1, None, paint[9]
        else:
            index = y - header + scroll_y
            if index >= len(self._display):
                return Strip.blank(width, paint[0])
            key = self._display[index]
            cells = self._cells[key]
        cursor = self.show_cursor and index == self.cursor_coordinate.row and index >= 0
        hover = self.show_cursor and self._hover_shown and index == self.hover_coordinate.row
        signature = (cells, index, paint, width)
        # a row is kept drawn with and without the cursor (and hover): moving the cursor back and forth
        # between two rows draws nothing
        variants = self._lines.get(key)
        if variants is None or variants[0] != signature:
            variants = self._lines[key] = (signature, {})
        hit = variants[1].get((cursor, hover))
        if hit is not None and hit[1] == scroll_x:
            return hit[2]
        line = hit[0] if hit is not None else self._render_row(index, cells, cursor, hover, paint, width)
        shown = line.crop(scroll_x, scroll_x + width).adjust_cell_length(width, paint[0]).simplify()
        variants[1][cursor, hover] = (line, scroll_x, shown)
        return shown

    def _render_row(self, index: int, cells: Sequence[Text], cursor: bool, hover: bool, paint: tuple[Any, ...],
                    width: int) -> Strip:
        """One row (index -1: the header) as DataTable draws it: each cell padded, on the row's
        style, with the hover and cursor styles over it, and the row's style carried to the edge."""
        self.rows_rendered += index >= 0
        base, header_style, even, odd, cursor_style, hover_style, header_cursor, header_hover, columns, _ = paint
        row_style = header_style if index < 0 else ((odd if index % 2 else even) if self.zebra_stripes else base)
        over = Style()
        if hover:
            over += hover_style + (header_hover if index < 0 else Style())
        if cursor:
            over += cursor_style + (header_cursor if index < 0 else Style())
        post = Style.from_color(color=over.color)  # DataTable's default: the cursor's colour wins over the cell's
        console = self.app.console
        segments: list[Segment] = []
        for column, (cell, cell_width) in enumerate(zip(cells, columns, strict=False)):
            options = self.app.console_options.update_dimensions(cell_width, 1).update(no_wrap=True)
            pre = row_style + Style.from_meta({"row": index, "column": column}) + over
            lines = console.render_lines(Styled(Padding(cell, (0, self.cell_padding)), pre_style=pre, post_style=post),
                                         options)
            segments += lines[0]
        fill = max(0, width - sum(columns))
        segments.append(Segment(" " * fill, row_style + over + Style.from_meta(
            {"row": index, "column": 0, "out_of_bounds": True})))
        return Strip(segments)

    # DataTable shows the faint hover row while the mouse is over the table, and hides it on keys
    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover_shown = bool(event.style.meta)

    def on_leave(self, _: events.Leave) -> None:
        self._hover_shown = False

    def on_key(self, _: events.Key) -> None:
        if self._hover_shown:
            self._hover_shown = False
            self.refresh()
