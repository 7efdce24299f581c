"""The app shell's building blocks without a cluster: keyed table sync, message collapse, plain text."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets.data_table import ColumnKey

from multus_tui.cluster.store import Change
from multus_tui.ui.messages import StoreChanged
from multus_tui.ui.text import age, plain, sanitize
from multus_tui.ui.widgets import LiveTable


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield LiveTable([("a", "A"), ("b", "B")], id="t")


def rows(*pairs: tuple[str, str, str]) -> list[tuple[str, list[Text]]]:
    return [(k, [Text(a), Text(b)]) for k, a, b in pairs]


async def test_live_table_updates_by_key_without_refilling():
    app = TableApp()
    async with app.run_test() as pilot:
        t = app.query_one(LiveTable)
        await pilot.pause()
        t.sync(rows(("x", "1", "one"), ("y", "2", "two")))
        first_x = t.get_row_index("x")
        t.move_cursor(row=1)
        t.sync(rows(("x", "1", "ONE"), ("y", "2", "two"), ("z", "3", "three")))
        assert t.stats == {"added": 3, "removed": 0, "updated": 1, "sorted": 0}
        assert [c.plain for c in t.get_row("x")] == ["1", "ONE"]
        assert t.get_row_index("x") == first_x
        assert t.cursor_row == 1  # the cursor stayed where the user put it
        t.sync(rows(("z", "3", "three"), ("x", "1", "ONE")))
        assert t.stats["removed"] == 1 and t.stats["sorted"] == 1
        assert t.ordered_keys() == ["z", "x"]
        t.sync(rows(("z", "3", "three"), ("x", "1", "ONE")))  # nothing changed: nothing done
        assert t.stats == {"added": 3, "removed": 1, "updated": 1, "sorted": 1}


async def test_live_table_cell_change_redraws_only_its_row():
    """DataTable.update_cell invalidates every render cache of the table (a burst of pod updates
    re-rendered every visible line 20 times a second); a changed cell must cost its row only."""
    app = TableApp()
    async with app.run_test() as pilot:
        t = app.query_one(LiveTable)
        await pilot.pause()
        t.sync(rows(*[(f"k{i}", str(i), f"v{i}") for i in range(10)]))
        await pilot.pause()
        drawn = t.rows_rendered
        assert drawn >= 10  # every row was drawn once
        t.sync(rows(*[(f"k{i}", str(i), "w3" if i == 3 else f"v{i}") for i in range(10)]))
        await pilot.pause()
        assert t.stats["updated"] == 1
        assert t.rows_rendered - drawn == 1  # its row only
        assert t.get_cell("k3", "b").plain == "w3" and t.get_row("k4")[1].plain == "v4"
        assert "w3" in t.render_line(1 + t.get_row_index("k3")).text  # the screen shows it
        assert "v4" in t.render_line(1 + t.get_row_index("k4")).text
        assert t.cells["k3"][1].plain == "w3" and t.cells["k4"][1].plain == "v4"
        # a wider value widens its column (as new addresses do), and nothing is drawn cropped
        t.sync(rows(*[(f"k{i}", str(i), "a longer value" if i == 5 else f"v{i}") for i in range(10)]))
        await pilot.pause()
        assert "a longer value" in t.render_line(1 + t.get_row_index("k5")).text
        assert "v4" in t.render_line(1 + t.get_row_index("k4")).text


def test_store_changed_carries_its_store_and_never_swallows_another():
    """Batches are coalesced by the app's throttle, not by a message that rewrites another one."""
    store = object()
    first = StoreChanged((Change("pod", "upsert", ("ns", "a")),), store)  # type: ignore[arg-type]
    second = StoreChanged((Change("nad", "upsert", ("ns", "n")),), store)  # type: ignore[arg-type]
    assert not first.can_replace(second)
    assert first.kinds == {"pod"} and second.kinds == {"nad"} and len(second.changes) == 1
    assert first.store is store


def test_cluster_strings_are_shown_literally():
    evil = "[bold red]boom[/]\x1b[31m\x07tab\tnl\n"
    s = sanitize(evil)
    assert "\x1b" not in s and "\x07" not in s and "\n" not in s
    assert s == "[bold red]boom[/]\\x1b[31m\\x07tab\\tnl\\n"
    t = plain(evil)
    assert t.plain == s and not t.spans  # never parsed as markup


def test_age_uses_the_injected_clock():
    from datetime import UTC, datetime

    def clock():
        return datetime(2026, 1, 2, tzinfo=UTC)

    assert age("2026-01-01T23:59:00Z", clock) == "60s"
    assert age("2026-01-01T00:00:00Z", clock) == "24h"
    assert age("2025-12-01T00:00:00Z", clock) == "32d"
    assert age(None, clock) == "?"


def test_bidi_overrides_are_shown_as_escapes_not_obeyed():
    # U+202E would make a terminal draw "evil-pod" as "dop-live"; the name must read as stored.
    shown = sanitize("evil\u202e-pod\u2066")
    assert shown == "evil\\u202e-pod\\u2066"
    assert plain("x\u200fy").plain == "x\\u200fy"


async def test_live_table_columns_are_as_wide_as_their_widest_cell_at_any_size():
    """A wider cell widens its column and a column narrows when its widest cell narrows or goes,
    in a table of any size (DataTable's update_width re-measured the whole column for every cell
    that got narrower: N*N on a big table), and the screen is drawn with the new widths."""
    app = TableApp()
    async with app.run_test() as pilot:
        t = app.query_one(LiveTable)
        await pilot.pause()
        col = t.columns[ColumnKey("b")]
        t.sync(rows(*[(f"k{i}", str(i), "v") for i in range(3000)]))
        await pilot.pause()
        assert col.content_width == 1
        t.sync(rows(*[(f"k{i}", str(i), "wide value here" if i == 7 else "v") for i in range(3000)]))
        await pilot.pause()
        assert col.content_width == len("wide value here")
        assert "wide value here" in t.render_line(1 + t.get_row_index("k7")).text
        t.sync(rows(*[(f"k{i}", str(i), "mid" if i == 7 else "v") for i in range(3000)]))
        await pilot.pause()
        assert col.content_width == 3  # its widest cell narrowed
        t.sync(rows(*[(f"k{i}", str(i), "a wider value than before" if i == 9 else "v") for i in range(3000)]))
        await pilot.pause()
        assert col.content_width == len("a wider value than before")
        t.sync(rows(*[(f"k{i}", str(i), "v") for i in range(3000) if i != 9]))  # its widest row went
        await pilot.pause()
        assert col.content_width == 1
        t.scroll_to(y=0, animate=False)
        await pilot.pause()
        assert t.render_line(1).text.split() == ["0", "v"]
        assert t.virtual_size.width == sum(c.get_render_width(t) for c in t.columns.values())


async def test_live_table_mouse_picks_the_row_under_it():
    """The drawn lines carry DataTable's row/column meta, so its mouse handling still works: a click
    moves the cursor to the row under the mouse, a second click selects it, hovering marks it."""
    selected: list[str] = []

    class ClickApp(TableApp):
        def on_data_table_row_selected(self, event: LiveTable.RowSelected) -> None:
            selected.append(str(event.row_key.value))

    app = ClickApp()
    async with app.run_test() as pilot:
        t = app.query_one(LiveTable)
        t.sync(rows(*[(f"k{i}", str(i), f"v{i}") for i in range(10)]))
        await pilot.pause()
        await pilot.click(LiveTable, offset=(2, 1 + 4))  # the header is line 0
        await pilot.pause()
        assert t.cursor_row == 4 and t.selected_key == "k4"
        await pilot.click(LiveTable, offset=(2, 1 + 4))
        await pilot.pause()
        assert selected == ["k4"]
        before = t.render_line(1 + 6).text
        await pilot.hover(LiveTable, offset=(2, 1 + 6))
        await pilot.pause()
        assert t.hover_coordinate.row == 6
        assert t.render_line(1 + 6).text == before  # same text, drawn with the hover style
        hovered = t.render_line(1 + 6)
        await pilot.press("down")
        await pilot.pause()
        assert t.render_line(1 + 6) != hovered  # a key hides the hover row, as DataTable does
