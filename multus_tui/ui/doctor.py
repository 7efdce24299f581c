"""The Doctor view: every finding of `multus_tui.multus.diagnose`, grouped by severity, with the
objects involved, what is wrong and how to fix it; plus `FindingsPanel`, a small widget the NAD and
pod detail screens use to show the findings that concern one object.

Findings come from the app's one doctor scheduler (`MultusApp.doctor`, ui/doctor_cache.py), for the
whole cluster or one namespace, as `DoctorFindings` messages; this screen never diagnoses on its
own. Cluster strings are drawn as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from multus_tui.multus.diagnose import CHECKS, DoctorFinding, findings_for
from multus_tui.multus.policy import SEVERITIES, count_by_severity
from multus_tui.ui.context import AppContext
from multus_tui.ui.doctor_cache import ALL
from multus_tui.ui.messages import DoctorFindings
from multus_tui.ui.screens.base import compose_cluster_header, multus_app
from multus_tui.ui.text import SEVERITY_STYLES, sanitize

SEVERITY_TITLES = {"error": "Errors", "warning": "Warnings", "info": "Info"}
#: the id of a detail screen's findings panel
PANEL_ID = "doctor-findings"


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
    """The doctor findings of one NAD or pod (`kind` "nad" or "pod"): while mounted it follows the
    app's shared diagnosis (never one of its own) and shows the findings that name the object,
    "running the checks…" until the first diagnosis, "no findings" when there are none.

    Without an object it only shows what `show()` is given (the findings of one validation)."""

    DEFAULT_CSS = """
    FindingsPanel { height: auto; padding: 0 1; }
    """

    def __init__(self, findings: Iterable[DoctorFinding] = (), *, of: tuple[str, str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.findings: list[DoctorFinding] = list(findings)
        self.of = of
        self.ready = of is None  # True once a diagnosis was shown (tests wait on it)

    def on_mount(self) -> None:
        if self.of is None:
            self.show(self.findings)
        elif multus_app(self).ctx.store is None:
            self.update(Text("doctor: not connected to a cluster", style="dim"))
        else:
            self.update(Text("doctor: running the checks…", style="dim"))
            multus_app(self).doctor.subscribe(self, ALL)

    def on_unmount(self) -> None:
        if self.of is not None:
            multus_app(self).doctor.unsubscribe(self)

    def on_doctor_findings(self, message: DoctorFindings) -> None:
        assert self.of is not None
        if message.error:
            self.update(Text(f"doctor: could not run the checks: {sanitize(message.error)}", style="red"))
        else:
            self.show(findings_for(message.findings, *self.of))
        self.ready = True

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


class DoctorScreen(Screen[None]):
    """All doctor findings of the cluster (or one namespace), grouped by severity.

    `enter` on a finding opens its first object (`MultusApp.open_object`), `n` switches between the
    whole cluster and the namespace, `r` diagnoses again now, `escape` goes back.
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

    def __init__(self, ctx: AppContext, *, namespace: str | None = None, all_namespaces: bool = True,
                 name: str | None = None) -> None:
        super().__init__(name=name)
        self.ctx = ctx
        self.namespace = namespace or ctx.namespace  # the namespace `n` narrows to
        self.all_namespaces = all_namespaces
        self.findings: list[DoctorFinding] = []
        self.computed = False  # True once a diagnosis of the scope shown arrived (tests wait on it)
        self._error: str | None = None
        self._rows: dict[str, DoctorFinding] = {}

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield from compose_cluster_header()
        yield Static(Text("Doctor: running the checks..."), id="doctor-title")
        table: DataTable[Any] = DataTable(id="doctor-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(Text(""), id="doctor-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("SEVERITY", "#", "CHECK", "OBJECTS", "MESSAGE")
        table.focus()
        if self.ctx.store is None:
            self.computed = True
            self._draw()
            return
        multus_app(self).doctor.subscribe(self, self.scope)

    def on_unmount(self) -> None:
        multus_app(self).doctor.unsubscribe(self)

    def on_screen_resume(self) -> None:
        multus_app(self).doctor.request()  # the findings may have gone stale while another screen was on top

    @property
    def scope(self) -> str | None:
        return ALL if self.all_namespaces else self.namespace

    # -- data --------------------------------------------------------------------------------------
    def on_doctor_findings(self, message: DoctorFindings) -> None:
        if message.scope != self.scope:
            return  # a diagnosis of the scope shown before `n`
        self.findings, self._error = message.findings, message.error
        self.computed = True
        self._draw()

    def action_recompute(self) -> None:
        if self.ctx.store is not None:
            multus_app(self).doctor.refresh(self.scope)

    def action_toggle_scope(self) -> None:
        self.all_namespaces = not self.all_namespaces
        self.findings, self._error, self.computed = [], None, False
        self._draw()
        if self.ctx.store is not None:
            multus_app(self).doctor.subscribe(self, self.scope)  # answers at once when already known

    # -- drawing -----------------------------------------------------------------------------------
    def _draw(self) -> None:
        title = self.query_one("#doctor-title", Static)
        table = self.query_one(DataTable)
        counts = count_by_severity(f.severity for f in self.findings)
        where = "all namespaces" if self.scope is None else f"namespace {sanitize(self.scope)}"
        if self.ctx.store is None:
            title.update(Text("Doctor: not connected to a cluster", style="bold"))
        elif not self.computed:
            title.update(Text(f"Doctor ({where}): running the checks..."))
        else:
            t = Text(f"Doctor ({where}): ")
            t.append(f"{counts['error']} error(s)", style=SEVERITY_STYLES["error"] if counts["error"] else "")
            t.append(f", {counts['warning']} warning(s), {counts['info']} info")
            if self._error:
                t.append(f"  (could not run the checks: {sanitize(self._error)})", style="red")
            title.update(t)
        cursor_key = self._current_key()
        table.clear()
        self._rows.clear()
        for sev in SEVERITIES:
            group = [f for f in self.findings if f.severity == sev]
            if not group:
                continue
            table.add_row(Text(f"{SEVERITY_TITLES[sev]} ({len(group)})", style=SEVERITY_STYLES[sev]), "", "", "", "",
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
        if not table.is_valid_coordinate(table.cursor_coordinate):
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

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
        if f is not None and f.objects:
            multus_app(self).open_object(*_split_ref(f.objects[0]))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
