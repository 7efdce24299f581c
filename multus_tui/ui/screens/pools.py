"""The Pool inspector: every whereabouts IPPool (or those of one NAD) with its allocations judged
against the pods (multus.whereabouts via cluster.pools): live, pending, stale (pod gone, or a pod of
that name holding other addresses), duplicated, and the reservations no pool backs; free addresses
and an exhaustion forecast. `ctrl+d` releases the selected stale allocation after a confirmation,
with a JSON patch that applies only to the pool as shown (resourceVersion) and only to that entry;
it is hidden under --readonly and never offered for a live pod's address.

Live: the screen follows the store's IPPools, reservations, NADs and pods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static

from multus_tui.cluster.pools import PoolsData
from multus_tui.multus import whereabouts as wa
from multus_tui.ui.ecosystem import STATE_STYLES
from multus_tui.ui.screens.base import BaseScreen
from multus_tui.ui.text import plain, sanitize
from multus_tui.ui.widgets import LiveTable

if TYPE_CHECKING:
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.store import Change, LiveStore

# store changes that can change what this screen shows
_KINDS = frozenset({"ippool", "ipreservation", "nad", "pod"})


def _dash(value: object) -> str:
    return "-" if value in (None, "") else str(value)


class PoolsScreen(BaseScreen):
    """Pools of the whole cluster, or of one NAD (`nad=(namespace, name)`); `pool` preselects one."""

    BINDINGS = [
        Binding("ctrl+d", "release", "Release", id="pools.release",
                tooltip="Release the selected stale allocation (asks first; only stale ones, guarded by the "
                        "pool's resourceVersion)"),
        Binding("tab", "switch_table", "Pools/allocations", id="pools.switch", show=False,
                tooltip="Move between the pools and the selected pool's allocations"),
        Binding("a", "all_pools", "All pools", id="pools.all", tooltip="Show every pool, not only this NAD's"),
    ]

    def __init__(self, nad: tuple[str, str] | None = None, pool: str | None = None) -> None:
        super().__init__()
        self.nad = nad
        self.selected_pool: str | None = pool  # "namespace/name"
        self.data: PoolsData | None = None  # the last judgement
        self.releasing = False
        self.released: list[str] = []  # what this screen released ("pool ip"), for tests and the title

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("", id="pools-title", classes="title")
        yield LiveTable([("pool", "POOL"), ("range", "RANGE"), ("network", "NETWORK"), ("nads", "NADS"),
                         ("used", "USED"), ("free", "FREE"), ("stale", "STALE"), ("dups", "DUP"),
                         ("forecast", "FORECAST")], id="pools-table")
        yield Static("", id="pool-summary", classes="section")
        yield LiveTable([("ip", "IP"), ("offset", "OFFSET"), ("pod", "POD (podref)"), ("node", "NODE"),
                         ("ifname", "IF"), ("state", "STATE"), ("detail", "DETAIL")], id="alloc-table")
        yield Static("", id="pool-orphans", classes="empty")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self.refresh_from_store, None)

    def focus_main(self) -> None:
        self.query_one("#pools-table", LiveTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "all_pools":
            return self.nad is not None
        return super().check_action(action, parameters)

    # -- data --------------------------------------------------------------------------------------
    def update_view(self, store: LiveStore, changes: list[Change] | None) -> None:
        if changes is not None and not any(c.kind in _KINDS for c in changes):
            return
        self._judge(store, changes is None)

    @dataclass
    class Judged(Message):
        """The pools judged in a worker (`full`: the whole screen is redrawn, not only what changed)."""

        data: PoolsData
        full: bool

    @dataclass
    class Released(Message):
        """A release finished: `done` ("pool ip") when it happened, else `error` says why not."""

        done: str | None
        error: str | None = None

    @work(thread=True, exclusive=True, group="pools")
    def _judge(self, store: LiveStore, full: bool) -> None:
        """Judge the pools off the UI thread (a thousand pools and ten thousand pods take a second);
        the newest result wins (exclusive)."""
        from multus_tui.cluster.pools import collect_pools

        self.post_message(self.Judged(collect_pools(store), full))

    def on_pools_screen_judged(self, message: Judged) -> None:
        self._apply(message.data, message.full)

    def _apply(self, data: PoolsData, full: bool) -> None:
        self.data = data
        title = self.query_one("#pools-title", Static)
        scope = f"NAD {self.nad[0]}/{self.nad[1]}" if self.nad else "all NADs"
        if not data.installed:
            title.update(Text.assemble(("Pools (whereabouts), ", "bold"), scope, ("   ", ""),
                                       (sanitize(data.reason), "yellow")))
            self.query_one("#pools-table", LiveTable).sync([])
            self.query_one("#alloc-table", LiveTable).sync([])
            return
        reports = self.reports()
        stale = sum(len(r.stale) for r in reports)
        title.update(Text.assemble(
            ("Pools (whereabouts), ", "bold"), sanitize(scope), f"   {len(reports)} pool(s)",
            (f"   {stale} stale allocation(s)", "bold red" if stale else "green"),
            (f"   released: {len(self.released)}" if self.released else "", "green")))
        rows = []
        for r in reports:
            free = r.free
            rows.append((r.pool.ref, [
                plain(r.pool.ref, "bold"), plain(r.pool.range), plain(_dash(r.network_name)),
                plain(", ".join(r.nads) or "(no NAD: orphaned)", "" if r.nads else "yellow"),
                Text(str(r.used)), Text(_dash(free), "bold red" if free == 0 else ""),
                Text(str(len(r.stale)), "bold red" if r.stale else "green"),
                Text(str(len(r.duplicates)), "bold red" if r.duplicates else ""),
                plain(r.forecast.text() if r.forecast else "-")]))
        table = self.query_one("#pools-table", LiveTable)
        table.sync(rows)
        refs = [r.pool.ref for r in reports]
        if self.selected_pool not in refs:
            self.selected_pool = refs[0] if refs else None
        if self.selected_pool in refs and full:
            table.move_cursor(row=refs.index(self.selected_pool))
        self._show_allocations()
        shown = {r.pool.namespace for r in reports}
        orphans = [o for o in data.orphaned if not self.nad or o.namespace in shown]
        self.query_one("#pool-orphans", Static).update(
            plain("orphaned reservations (no pool allocation backs them; their address is never handed out): "
                  + ", ".join(f"{o.namespace}/{o.name} (podref {o.pod_ref or '-'})" for o in orphans), "yellow")
            if orphans else Text(""))

    def reports(self) -> list[wa.PoolReport]:
        """The pools shown (this NAD's, or all)."""
        if self.data is None or not self.data.installed:
            return []
        if self.nad is None:
            return list(self.data.reports)
        return self.data.for_nad(*self.nad)

    def report(self) -> wa.PoolReport | None:
        """The selected pool."""
        return next((r for r in self.reports() if r.pool.ref == self.selected_pool), None)

    def _show_allocations(self) -> None:
        r = self.report()
        summary = self.query_one("#pool-summary", Static)
        alloc = self.query_one("#alloc-table", LiveTable)
        if r is None:
            summary.update(Text("no whereabouts pool" + (" for this NAD yet (no pod attached)" if self.nad else "")))
            alloc.sync([])
            return
        parts = [f"{r.pool.ref}  range {r.pool.range}", f"used {r.used}" + (f" of {r.size}" if r.size else ""),
                 f"free {_dash(r.free)}", f"stale {len(r.stale)}", f"resourceVersion {r.pool.resource_version}"]
        if r.forecast:
            parts.append(r.forecast.text())
        summary.update(plain("   ".join(parts)))
        rows = []
        for e in r.entries:
            a = e.allocation
            state = Text(e.state, STATE_STYLES.get(e.state, ""))
            if e.duplicate:
                state.append(" + duplicate", "bold red")
            detail = "; ".join(x for x in (e.detail, e.duplicate) if x)
            rows.append((a.offset, [plain(a.ip or "?", "bold"), plain(a.offset), plain(a.pod_ref or "-"),
                                    plain(_dash(e.node)), plain(a.ifname or "-"), state, plain(detail)]))
        alloc.sync(rows)

    # -- events ------------------------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "pools-table" and event.row_key is not None:
            ref = str(event.row_key.value)
            if ref != self.selected_pool:
                self.selected_pool = ref
                self._show_allocations()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "pools-table":
            event.stop()
            self.query_one("#alloc-table", LiveTable).focus()

    def action_switch_table(self) -> None:
        pools, allocs = self.query_one("#pools-table", LiveTable), self.query_one("#alloc-table", LiveTable)
        (pools if allocs.has_focus else allocs).focus()

    def action_all_pools(self) -> None:
        self.nad = None
        self.refresh_from_store(None)

    # -- release -----------------------------------------------------------------------------------
    def selected_entry(self) -> wa.AllocationState | None:
        r = self.report()
        table = self.query_one("#alloc-table", LiveTable)
        if r is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((e for e in r.entries if e.allocation.offset == key), None)

    def action_release(self) -> None:
        if self.ctx.readonly or self.releasing:
            return
        r, entry = self.report(), self.selected_entry()
        if r is None or entry is None:
            self.notify("Select an allocation of a pool first (tab moves to the allocations).", severity="warning")
            return
        a = entry.allocation
        if not entry.releasable:
            self.notify(f"{a.ip or a.offset} is {entry.state}: only stale allocations can be released "
                        "(a live pod's address is never removed).", severity="warning", markup=False)
            return
        from multus_tui.ui.screens.dialogs import ConfirmScreen

        detail = (f"Allocated to {a.pod_ref or '(no podref)'} {a.ifname or ''} (container {a.container_id[:12] or '-'})"
                  f", {entry.state}: {entry.detail}.\n\nThe pool is patched only if it is still at resourceVersion "
                  f"{r.pool.resource_version} and this entry unchanged; its OverlappingRangeIPReservation is deleted "
                  f"too. whereabouts may then hand {a.ip} to another pod.")

        def answered(ok: bool | str | None) -> None:
            if ok:
                self.release(r, entry)

        self.app.push_screen(ConfirmScreen(f"Release {a.ip} from pool {r.pool.ref}?", detail, confirm="Release",
                                           ids="release"), answered)

    def release(self, report: wa.PoolReport, entry: wa.AllocationState) -> None:
        """Release one allocation of the pool as `report` shows it, in a worker (answer: Released)."""
        if self.ctx.cluster is None:
            self.notify("No cluster connected.", severity="error")
            return
        self.releasing = True
        self._release(self.ctx.cluster, report, entry)

    @work(thread=True, exclusive=True, group="release")
    def _release(self, cluster: Cluster, report: wa.PoolReport, entry: wa.AllocationState) -> None:
        from multus_tui.cluster.pools import ReleaseRefused, release

        ip = entry.allocation.ip or entry.allocation.offset
        try:
            release(cluster, report, entry)
        except ReleaseRefused as exc:
            self.post_message(self.Released(None, str(exc)))
        else:
            self.post_message(self.Released(f"{report.pool.ref} {ip}"))

    def on_pools_screen_released(self, message: Released) -> None:
        self.releasing = False
        if message.done is None:
            self.notify(f"Not released: {message.error}", severity="error", markup=False)
            return
        self.released.append(message.done)
        ref, _, ip = message.done.rpartition(" ")
        self.notify(f"Released {ip} from {ref}", markup=False)
