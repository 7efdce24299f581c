"""A namespace: the NADs usable from it, its pods' attachments (live), its Multus events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from multus_tui.ui.model import (
    NadUsage,
    UsageIndex,
    ipam_type,
    master_or_bridge,
    multus_events,
    nad_usage,
    nads_for_namespace,
    plugin_chain,
    pod_attachments,
    pool_text,
    subnet_or_range,
)
from multus_tui.ui.screens.base import BaseScreen, multus_app
from multus_tui.ui.text import age, name_cell, plain, sanitize, state_text
from multus_tui.ui.widgets import FilterBar, LiveTable
from multus_tui.ui.widgets.filter_bar import matches

if TYPE_CHECKING:
    from multus_tui.cluster.store import Change, LiveStore
    from multus_tui.cluster.views import EventView, NADView, PodView

NAD_COLUMNS = [("name", "NAME"), ("namespace", "NAMESPACE"), ("chain", "PLUGINS"), ("ipam", "IPAM"),
               ("master", "MASTER/BRIDGE"), ("range", "SUBNET/RANGE"), ("pods", "PODS"), ("pool", "POOL")]
POD_COLUMNS = [("pod", "POD"), ("node", "NODE"), ("phase", "STATUS"), ("network", "NETWORK"),
               ("interface", "IF"), ("ips", "IPS"), ("mac", "MAC"), ("default", "DEFAULT"), ("state", "STATE")]
EVENT_COLUMNS = [("age", "LAST SEEN"), ("type", "TYPE"), ("reason", "REASON"), ("object", "OBJECT"),
                 ("count", "COUNT"), ("message", "MESSAGE")]


# Above this many pods the attachments tab's usage (every pod joined) is computed in a thread.
BACKGROUND_OVER = 20_000


def pod_row_key(pod: str, index: int, network: str) -> str:
    return f"{pod}|{index}|{network}"


def pod_of_key(key: str) -> str:
    return key.split("|", 1)[0]


#: each tab's table
_TABLE_IDS = {"attachments": "nads", "pods": "pod-table", "events": "event-table"}

class NamespaceScreen(BaseScreen):
    BINDINGS = [
        Binding("enter", "open", "Open", id="ns.open", priority=True,
                tooltip="Open the selected NAD or pod"),
        Binding("d", "open", "Describe", id="ns.describe", tooltip="Details of the selected NAD or pod (k9s's d)"),
        Binding("y", "yaml", "YAML", id="ns.yaml", tooltip="The selected object as YAML"),
        Binding("s", "shell", "Shell", id="ns.shell", tooltip="kubectl exec -it into the selected pod"),
        Binding("ctrl+d", "delete", "Delete", id="ns.delete", tooltip="Delete the selected NAD or pod (asks first)"),
        Binding("c", "create_nad", "Create NAD", id="ns.create", tooltip="Open the NAD builder in this namespace"),
        Binding("e", "edit_nad", "Edit NAD", id="ns.edit", tooltip="Open the selected NAD in the builder"),
        Binding("a", "attach", "Attach", id="ns.attach", tooltip="Attach pods to the selected NAD"),
        Binding("1", "tab('attachments')", "Attachments", show=False, id="ns.tab1",
                tooltip="Show the Attachments tab: the NADs a pod here can use"),
        Binding("2", "tab('pods')", "Pods", show=False, id="ns.tab2",
                tooltip="Show the Pods tab: each pod's attachments, live"),
        Binding("3", "tab('events')", "Events", show=False, id="ns.tab3",
                tooltip="Show the Events tab: Multus events, newest first"),
    ]

    OFFERS_DOCTOR = True

    def __init__(self, namespace: str, tab: str = "attachments") -> None:
        super().__init__()
        self.namespace = namespace
        self.initial_tab = tab
        # the initial tab's table takes the focus: the first LiveTable is the attachments tab's, and
        # focusing it switched to that tab for a moment, filling it (a whole-cluster join) for nothing
        # (Textual declares AUTO_FOCUS a ClassVar but reads it from the instance when the screen is shown)
        self.AUTO_FOCUS = "#" + _TABLE_IDS.get(tab, "nads")  # type: ignore[misc]
        self._stale: set[str] = {"attachments", "pods", "events"}
        # The pods tab's rows per pod name, before the filter; and the pods whose rows must be rebuilt
        # at the next refresh (None: all of them). During a burst a refresh then rebuilds only the pods
        # named in its changes (25 ms -> a few ms per refresh at 100 pods, on the UI thread).
        self._pod_row_cache: dict[str, list[tuple[str, list[Text]]]] = {}
        self._pods_dirty: set[str] | None = None
        # The attachments tab's pod counts and pools: the usage of every network, brought up to date
        # per changed pod (None: join every pod again); and per NAD its last usage cells.
        self._usage = UsageIndex()
        self._usage_dirty: set[tuple[str, str]] | None = None
        self._usage_building = False  # a worker is joining every pod (a big cluster's first time)
        self._usage_cells: dict[str, tuple[NadUsage | None, dict[str, Any] | None, list[Text]]] = {}

    @property
    def doctor_namespace(self) -> str | None:
        return self.namespace

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(Text.assemble(("Namespace ", "dim"), (sanitize(self.namespace), "bold")), classes="title")
        yield FilterBar(id="filter")
        with TabbedContent(initial=self.initial_tab, id="tabs"):
            with TabPane("Attachments", id="attachments"):
                yield LiveTable(NAD_COLUMNS, id=_TABLE_IDS["attachments"])
            with TabPane("Pods", id="pods"):
                yield LiveTable(POD_COLUMNS, id=_TABLE_IDS["pods"])
            with TabPane("Events", id="events"):
                yield LiveTable(EVENT_COLUMNS, id=_TABLE_IDS["events"])
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.refresh_from_store(None)
        self.focus_main()

    @property
    def active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active or "attachments"

    def _table_for(self, tab: str) -> LiveTable:
        return self.query_one("#" + _TABLE_IDS[tab], LiveTable)

    def focus_main(self) -> None:
        # Also scheduled (call_after_refresh, on_mount): by then the screen may have been popped and
        # its widgets removed (go home, reopen quickly); querying them raised NoMatches and killed the app.
        if not self.is_attached or self not in self.app.screen_stack:
            return
        try:
            table = self._table_for(self.active_tab)
        except NoMatches:
            return
        table.focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if self.active_tab in self._stale:
            self.refresh_from_store([])
        self.call_after_refresh(self._focus_table_unless_filtering)
        self.refresh_bindings()

    def _focus_table_unless_filtering(self) -> None:
        # The initial tab's activation arrives after mount: a user who already pressed `/` is typing in
        # the filter, and moving the focus would send the rest of the text to the table as key presses
        # (`a` opened the attach builder in a real terminal).
        if not isinstance(self.focused, FilterBar):
            self.focus_main()

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if not allowed:
            return allowed
        if not self.is_mounted:
            return True
        try:
            tab = self.active_tab
        except Exception:
            return True
        if action == "shell":
            return tab == "pods"
        if action == "edit_nad":
            return tab == "attachments"
        return True

    # --- data -------------------------------------------------------------------------------------
    def update_view(self, store: LiveStore, changes: list[Change] | None) -> None:
        """Refresh only what the batch touches, and only the visible tab; hidden tabs are marked
        stale and refreshed when shown (a burst elsewhere in the cluster costs this screen nothing)."""
        if changes is None:
            touched = {"attachments", "pods", "events"}
            self._pods_dirty = None
            self._usage_dirty = None
        else:
            touched = set()
            for c in changes:
                key = c.key or ("", "")
                here = key[0] == self.namespace or c.op == "reset"
                if c.kind == "nad":
                    touched.add("attachments")
                elif c.kind == "pod":
                    touched.add("attachments")  # pods/pool columns count pods of every namespace
                    if c.op == "reset" or c.key is None:
                        self._usage_dirty = None
                    elif self._usage_dirty is not None:
                        self._usage_dirty.add((key[0], key[1]))
                    if here:
                        touched.add("pods")
                        if c.op == "reset" or c.key is None:
                            self._pods_dirty = None
                        elif self._pods_dirty is not None:
                            self._pods_dirty.add(key[1])
                elif c.kind == "event":
                    ev: EventView | None = c.view  # None in a reset
                    if ev is not None and ev.involved_kind in ("Pod", "") and ev.involved_name:
                        # a pod's events decide whether its attachments hold their addresses (pools)
                        touched.add("attachments")
                        if self._usage_dirty is not None:
                            self._usage_dirty.add((ev.involved_namespace or key[0], ev.involved_name))
                    if here or (ev is not None and ev.involved_namespace == self.namespace):
                        touched |= {"pods", "events"}
                        self._pods_dirty = None  # events join pods by involved object: rebuild all
                elif c.op == "reset":
                    self._pods_dirty = None
        self._stale |= touched
        tab = self.active_tab
        if tab not in self._stale:
            return
        self._stale.discard(tab)
        if tab == "attachments":
            self._refresh_nads(store)
        elif tab == "pods":
            dirty, self._pods_dirty = self._pods_dirty, set()
            self._table_for(tab).sync(self.pod_rows(store, dirty))
        else:
            self._table_for(tab).sync(self.event_rows(store))

    def _refresh_nads(self, store: LiveStore) -> None:
        """The attachments tab: re-join only the networks of the pods that changed since the last
        refresh; the first time (or after a relist) every pod, in a worker on a big cluster."""
        if self._usage_building:
            return  # the worker's result applies what changed meanwhile
        dirty, self._usage_dirty = self._usage_dirty, set()
        if dirty is None or not self._usage.ready:
            if store.pod_count() > BACKGROUND_OVER:
                self._usage_building = True
                self._usage_in_background(store)  # joining every pod's attachments: not on the UI thread
                return
            self._usage.rebuild(nad_usage(store))
        else:
            self._usage.update(store, dirty)
        self._table_for("attachments").sync(self.nad_rows(store))

    @dataclass
    class UsageJoined(Message):
        """Every network's usage, joined in a worker (None: the join failed; the worker logged why)."""

        usage: dict[str, NadUsage] | None

    @work(thread=True, exclusive=True, group="nad-usage", exit_on_error=False, description="NAD usage")
    def _usage_in_background(self, store: LiveStore) -> None:
        usage = None
        try:
            usage = nad_usage(store)
        finally:  # the screen waits for this message before it refreshes the tab again
            self.post_message(self.UsageJoined(usage))

    def on_namespace_screen_usage_joined(self, message: UsageJoined) -> None:
        self._usage_building = False
        if message.usage is None:
            self._usage_dirty = None  # join again at the next change
            return
        self._usage.rebuild(message.usage)
        store = self.store
        if self.is_attached and store is not None:  # then the pods that changed while it was joined
            self._stale.add("attachments")
            self.update_view(store, [])

    def nad_rows(self, store: LiveStore, usage: dict[str, NadUsage] | None = None) -> list[tuple[str, list[Text]]]:
        """The attachments tab's rows (filtered), with `usage` (default: the screen's, kept current
        by refresh); a NAD whose usage did not change keeps its usage cells."""
        usage = self._usage.usage if usage is None else usage
        rows = []
        cached, self._usage_cells = self._usage_cells, {}
        for v in nads_for_namespace(store, self.namespace):
            ipam, static_cells = nad_columns(v, self.namespace)
            key = f"{v.namespace}/{v.name}"
            u = usage.get(key)
            hit = cached.get(key)
            if hit is not None and hit[0] is u and hit[1] is ipam:
                usage_cells = hit[2]
            else:
                pool, pool_style = pool_text(u, ipam)
                usage_cells = [Text(str(len(u.pods) if u else 0)), Text(pool, style=pool_style)]
            self._usage_cells[key] = (u, ipam, usage_cells)
            cells = [*static_cells, *usage_cells]
            if matches(self.filter_text, *(c.plain for c in cells)):
                rows.append((key, cells))
        return rows

    def pod_rows(self, store: LiveStore, only: set[str] | None = None) -> list[tuple[str, list[Text]]]:
        """The pods tab's rows (filtered). `only`: rebuild just these pods' rows, reuse the others
        (None: rebuild every pod)."""
        cache = self._pod_row_cache
        if only is None:
            cache.clear()
            for p in store.pods(self.namespace):
                cache[p.name] = self._rows_of_pod(store, p)
        else:
            for name in only:
                pod = store.pod(self.namespace, name)
                if pod is None:
                    cache.pop(name, None)
                else:
                    cache[name] = self._rows_of_pod(store, pod)
        rows = []
        for name in sorted(cache):
            for key, cells in cache[name]:
                if matches(self.filter_text, *(c.plain for c in cells)):
                    rows.append((key, cells))
        return rows

    def _rows_of_pod(self, store: LiveStore, p: PodView) -> list[tuple[str, list[Text]]]:
        atts = pod_attachments(store, p)
        status = p.display_status
        base = [name_cell(p.name, "bold"), name_cell(p.node or "<none>"), plain(status)]
        if not atts:
            cells = base + [Text("—", style="dim")] + [Text("")] * 4 + [Text("no attachments", style="dim")]
            return [(pod_row_key(p.name, 0, ""), cells)]
        return [(pod_row_key(p.name, i, a.network), base + [
            name_cell(a.network or "(cluster default)"), plain(a.interface or ""), plain(", ".join(a.ips or ())),
            plain(a.mac or ""), Text("yes" if a.default else "", style="cyan"), state_text(a.state, a.reason),
        ]) for i, a in enumerate(atts)]

    def event_rows(self, store: LiveStore) -> list[tuple[str, list[Text]]]:
        rows = []
        clock = self.ctx.clock
        for e in multus_events(store, self.namespace):
            cells = [
                Text(age(e.last_timestamp, clock)), plain(e.type, "bold red" if e.type == "Warning" else ""),
                plain(e.reason), name_cell(f"{e.involved_kind.lower()}/{e.involved_name}"), Text(str(e.count)),
                plain(e.message),
            ]
            if matches(self.filter_text, *(c.plain for c in cells)):
                rows.append((e.name, cells))
        return rows

    # --- actions ----------------------------------------------------------------------------------
    def _selected(self) -> tuple[Literal["nad"], NADView] | tuple[Literal["pod"], str] | None:
        """("nad", NADView) or ("pod", pod name) for the row under the cursor of the active tab (None
        also while there is no store: after a failed context switch nothing can be looked up)."""
        tab = self.active_tab
        key = self._table_for(tab).selected_key
        if key is None:
            return None
        if tab == "pods":
            return ("pod", pod_of_key(key))
        store = self.store
        if store is None:
            return None
        if tab == "attachments":
            ns, name = key.split("/", 1)
            for v in store.nads(ns):
                if v.name == name:
                    return ("nad", v)
            return None
        for e in store.events(self.namespace):
            if e.name == key and e.involved_kind == "Pod":
                return ("pod", e.involved_name)
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if isinstance(self.focused, FilterBar):  # enter in the filter: done typing, back to the table
            self.focus_main()
            return
        sel = self._selected()
        if sel is None:
            return
        if sel[0] == "nad":
            from multus_tui.ui.screens.nad_detail import NadDetailScreen

            self.app.push_screen(NadDetailScreen(sel[1].namespace, sel[1].name))
        else:
            from multus_tui.ui.screens.pod_detail import PodDetailScreen

            self.app.push_screen(PodDetailScreen(self.namespace, sel[1]))

    def action_yaml(self) -> None:
        sel = self._selected()
        if sel is None:
            return
        if sel[0] == "nad":
            multus_app(self).show_nad_yaml(sel[1])
        else:
            multus_app(self).show_pod_yaml(self.namespace, sel[1])

    def action_shell(self) -> None:
        sel = self._selected()
        if sel and sel[0] == "pod":
            multus_app(self).shell_into(self.namespace, sel[1])

    def action_delete(self) -> None:
        sel = self._selected()
        if sel is None:
            return
        if sel[0] == "nad":
            multus_app(self).confirm_delete_nad(sel[1])
        else:
            multus_app(self).confirm_delete_pod(self.namespace, sel[1])

    def action_create_nad(self) -> None:
        multus_app(self).open_builder(namespace=self.namespace)

    def action_edit_nad(self) -> None:
        sel = self._selected()
        if sel and sel[0] == "nad":
            multus_app(self).open_builder(nad_view=sel[1], namespace=sel[1].namespace)

    def action_attach(self) -> None:
        sel = self._selected()
        pre = [(sel[1].namespace, sel[1].name)] if sel and sel[0] == "nad" else []
        multus_app(self).open_attach(self.namespace, pre)


_NAD_COLUMNS: dict[tuple[str, str, str, str], tuple[dict[str, Any] | None, list[Text]]] = {}


def nad_columns(v: NADView, namespace: str) -> tuple[dict[str, Any] | None, list[Text]]:
    """(ipam, the cells that depend only on the NAD) — cached per resourceVersion: parsing 1,000
    configs on every store batch would make the screen lag."""
    key = (v.namespace, v.name, v.resource_version, namespace)
    hit = _NAD_COLUMNS.get(key)
    if hit is not None:
        return hit
    nad = v.nad
    ipam = _safe(lambda: nad.ipam)
    own = v.namespace == namespace
    cells = [
        name_cell(v.name, "bold" if own else ""),
        plain(v.namespace if own else f"↗ {v.namespace}", "" if own else "italic dim"),
        plain(plugin_chain(nad), "red" if nad.config_error else ""),
        plain(ipam_type(nad)), plain(master_or_bridge(nad)), plain(subnet_or_range(ipam)),
    ]
    if len(_NAD_COLUMNS) > 20_000:
        _NAD_COLUMNS.clear()
    _NAD_COLUMNS[key] = (ipam, cells)
    return ipam, cells


T = TypeVar("T")


def _safe(fn: Callable[[], T]) -> T | None:
    try:
        return fn()
    except Exception:
        return None
