"""The Doctor view: every finding of `multus_tui.multus.diagnose`, grouped by severity, with the
objects involved, what is wrong and how to fix it; plus `FindingsPanel`, a small widget the NAD and
pod detail screens use to show the findings that concern one object.

Findings are computed from the LiveStore snapshot (`cluster.doctor.collect_findings`, no request)
in a thread worker, again half a second after the store changes (a burst of pod updates costs one
diagnosis, not one per batch). Cluster strings are drawn as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Static

from multus_tui.multus.diagnose import CHECKS, DoctorFinding, findings_for
from multus_tui.ui.context import AppContext
from multus_tui.ui.text import sanitize

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SEVERITY_TITLES = {"error": "Errors", "warning": "Warnings", "info": "Info"}
REFRESH_DELAY_S = 0.5


def compute_findings(ctx: AppContext | None, namespace: str | None = None) -> list[DoctorFinding]:
    """Doctor's findings from the context's LiveStore (None: no store, offline). Blocking (a
    whole-cluster diagnosis): call it from a thread worker."""
    if ctx is None or ctx.store is None:
        return []
    from multus_tui.cluster.doctor import collect_findings

    return collect_findings(ctx.store, namespace)


def object_findings(ctx: AppContext | None, kind: str, namespace: str, name: str) -> list[DoctorFinding]:
    """The findings that concern one object ("pod" or "nad"), from the store. Blocking."""
    return findings_for(compute_findings(ctx, None), kind, namespace, name)


def finding_text(f: DoctorFinding, *, objects: bool = True) -> Text:
    """One finding as rich Text: severity, check, objects, message, fix (all literal)."""
    t = Text()
    t.append(f"{f.severity.upper():<7} ", style=SEVERITY_STYLES.get(f.severity, ""))
    t.append(f"[{f.number}] {sanitize(f.check)}", style="bold")
    if objects:
        t.append("  " + sanitize(", ".join(f.objects)), style="dim")
    t.append("\n  " + sanitize(f.message))
    t.append("\n  fix: ", style="green")
    t.append(sanitize(f.fix))
    return t


class FindingsPanel(Static):
    """The doctor findings of one NAD or pod. Give it the findings (e.g. from
    `object_findings` run in a worker) with `show()`; it renders "no findings" when empty."""

    DEFAULT_CSS = """
    FindingsPanel { height: auto; padding: 0 1; }
    """

    def __init__(self, findings: Iterable[DoctorFinding] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.findings: list[DoctorFinding] = list(findings)

    def on_mount(self) -> None:
        self.show(self.findings)

    def show(self, findings: Iterable[DoctorFinding]) -> None:
        """Replace what the panel shows."""
        self.findings = list(findings)
        if not self.findings:
            self.update(Text("doctor: no findings", style="dim"))
            return
        out = Text()
        for i, f in enumerate(self.findings):
            if i:
                out.append("\n")
            out.append_text(finding_text(f, objects=False))
        self.update(out)


def _split_ref(ref: str) -> tuple[str, str, str]:
    kind, _, rest = ref.partition("/")
    ns, _, name = rest.partition("/")
    return kind, ns, name


class DoctorScreen(Screen):
    """All doctor findings of the cluster (or one namespace), grouped by severity.

    `enter` on a finding opens its first object (posts `DoctorScreen.OpenObject`; the app's
    `open_object(kind, ns, name)` handles it when it has one), `n` switches between the whole
    cluster and the current namespace, `r` recomputes, `escape` goes back.
    """

    DEFAULT_CSS = """
    DoctorScreen #doctor-title { height: 1; padding: 0 1; background: $boost; }
    DoctorScreen DataTable { height: 1fr; }
    DoctorScreen #doctor-detail { height: auto; max-height: 12; padding: 0 1; border-top: solid $primary; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Go back"),
        Binding("r", "recompute", "Refresh", tooltip="Run the checks again"),
        Binding("n", "toggle_scope", "Namespace/all", tooltip="Only the current namespace, or the whole cluster"),
        Binding("enter", "open", "Open", tooltip="Open the first object of the finding", show=False),
    ]

    def __init__(self, ctx: AppContext, *, all_namespaces: bool = True, name: str | None = None) -> None:
        super().__init__(name=name)
        self.ctx = ctx
        self.all_namespaces = all_namespaces
        self.findings: list[DoctorFinding] = []
        self.computed = False  # True once a diagnosis finished (tests wait on it)
        self._rows: dict[str, DoctorFinding] = {}
        self._timer: Timer | None = None

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text("Doctor: running the checks..."), id="doctor-title")
        table: DataTable[Any] = DataTable(id="doctor-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(Text(""), id="doctor-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("SEVERITY", "#", "CHECK", "OBJECTS", "MESSAGE")
        self.action_recompute()

    @property
    def scope(self) -> str | None:
        return None if self.all_namespaces else (self.ctx.namespace if self.ctx else None)

    # -- data --------------------------------------------------------------------------------------
    def action_recompute(self) -> None:
        if self.ctx is None or self.ctx.store is None:
            self.findings = []
            self.computed = True
            self._draw()
            return
        self._compute(self.scope)

    @work(thread=True, exclusive=True, group="doctor")
    def _compute(self, scope: str | None) -> None:
        try:
            found = compute_findings(self.ctx, scope)
            error = None
        except Exception as exc:  # odd cluster data must give a message, never a dead screen
            found, error = [], str(exc)
        self.app.call_from_thread(self._done, found, error)

    def _done(self, findings: list[DoctorFinding], error: str | None) -> None:
        self.findings = findings
        self.computed = True
        self._draw(error)

    def refresh_from_store(self, changes: list[Any] | None) -> None:
        """Called by the app shell on every StoreChanged: recompute once things calm down."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(REFRESH_DELAY_S, self.action_recompute)

    def action_toggle_scope(self) -> None:
        self.all_namespaces = not self.all_namespaces
        self.action_recompute()

    # -- drawing -----------------------------------------------------------------------------------
    def _draw(self, error: str | None = None) -> None:
        title = self.query_one("#doctor-title", Static)
        table = self.query_one(DataTable)
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITY_TITLES}
        where = "all namespaces" if self.scope is None else f"namespace {sanitize(self.scope)}"
        if self.ctx is None or self.ctx.store is None:
            title.update(Text("Doctor: not connected to a cluster", style="bold"))
        else:
            t = Text(f"Doctor ({where}): ")
            t.append(f"{counts['error']} error(s)", style=SEVERITY_STYLES["error"] if counts["error"] else "")
            t.append(f", {counts['warning']} warning(s), {counts['info']} info")
            if error:
                t.append(f"  (could not run the checks: {sanitize(error)})", style="red")
            title.update(t)
        cursor_key = self._current_key()
        table.clear()
        self._rows.clear()
        for sev, label in SEVERITY_TITLES.items():
            group = [f for f in self.findings if f.severity == sev]
            if not group:
                continue
            table.add_row(Text(f"{label} ({len(group)})", style=SEVERITY_STYLES[sev]), "", "", "", "",
                          key=f"group:{sev}")
            for i, f in enumerate(group):
                key = f"{sev}:{i}"
                self._rows[key] = f
                table.add_row(Text(f.severity, style=SEVERITY_STYLES[sev]), str(f.number), Text(sanitize(f.check)),
                              Text(sanitize(", ".join(f.objects))), Text(sanitize(f.message)), key=key)
        if not self.findings and self.computed:
            table.add_row(Text("no findings", style="green"), "", "", "", "", key="group:none")
        if cursor_key is not None and cursor_key in self._rows:
            table.move_cursor(row=table.get_row_index(cursor_key))
        elif self._rows:
            table.move_cursor(row=table.get_row_index(next(iter(self._rows))))
        self._show_detail(self.selected)

    def _current_key(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None

    @property
    def selected(self) -> DoctorFinding | None:
        """The finding under the cursor (None on a group header)."""
        key = self._current_key()
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(self._rows.get(event.row_key.value or ""))

    def _show_detail(self, f: DoctorFinding | None) -> None:
        detail = self.query_one("#doctor-detail", Static)
        if f is None:
            detail.update(Text(""))
            return
        t = finding_text(f)
        title = CHECKS.get(f.check, (0, ""))[1]
        if title:
            t.append(f"\n  check {f.number}: {title}", style="dim")
        detail.update(t)

    # -- actions -----------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        f = self.selected
        if f is None or not f.objects:
            return
        kind, ns, name = _split_ref(f.objects[0])
        opener = getattr(self.app, "open_object", None)
        if callable(opener):
            opener(kind, ns, name)
            return
        # No opener: the app shell's detail screens, when this runs inside multus-tui's app.
        try:
            from multus_tui.ui.app import MultusApp
        except ImportError:
            return
        if not isinstance(self.app, MultusApp):
            return
        if kind == "nad" and self.ctx.store is not None and self.ctx.store.nad(ns, name) is not None:
            from multus_tui.ui.screens.nad_detail import NadDetailScreen

            self.app.push_screen(NadDetailScreen(ns, name))
        elif kind == "pod" and self.ctx.store is not None and self.ctx.store.pod(ns, name) is not None:
            from multus_tui.ui.screens.pod_detail import PodDetailScreen

            self.app.push_screen(PodDetailScreen(ns, name))
        else:
            self.notify(f"{kind}/{ns}/{name} is not in the cluster", markup=False)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
