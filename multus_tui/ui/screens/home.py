"""Home: every namespace with its NAD count, pods with attachments and failing attachments, and a
one-line doctor summary (from the app's shared diagnosis) above the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from multus_tui.multus.policy import has_errors
from multus_tui.ui.doctor_cache import ALL, summary_text
from multus_tui.ui.messages import DoctorFindings
from multus_tui.ui.model import NamespaceSummary, namespace_summaries
from multus_tui.ui.screens.base import BaseScreen, multus_app
from multus_tui.ui.text import plain
from multus_tui.ui.widgets import FilterBar, LiveTable
from multus_tui.ui.widgets.filter_bar import matches

if TYPE_CHECKING:
    from multus_tui.cluster.store import Change, LiveStore


class HomeScreen(BaseScreen):
    BINDINGS = [
        Binding("enter", "open", "Open", id="home.open", priority=True,
                tooltip="Open the selected namespace"),
    ]
    OFFERS_DOCTOR = True

    def __init__(self) -> None:
        super().__init__()
        self._drawn: dict[str, tuple[NamespaceSummary, tuple[Text, ...]]] = {}  # each row's counts and cells

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("Namespaces", classes="title")
        yield FilterBar(id="filter")
        yield LiveTable(
            [("namespace", "NAMESPACE"), ("nads", "NADS"), ("pods", "PODS"),
             ("attached", "PODS WITH ATTACHMENTS"), ("failing", "FAILING")],
            id="namespaces",
        )
        yield Static("", id="empty", classes="empty")
        yield Static("", id="doctor-summary")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.refresh_from_store(None)
        if self.store is not None:  # (the refresh above said what the summary waits for)
            # on a very big cluster only the Doctor view starts the checks
            multus_app(self).doctor.subscribe(self, ALL, passive=True)

    def on_unmount(self) -> None:
        multus_app(self).doctor.unsubscribe(self)

    def on_doctor_findings(self, message: DoctorFindings) -> None:
        findings, error = message.findings, message.error
        text = summary_text(findings, error)
        style = "bold red" if has_errors(findings) or error else "yellow" if findings else "green"
        self.query_one("#doctor-summary", Static).update(Text(text, style=style))

    def focus_main(self) -> None:
        self.query_one("#namespaces", LiveTable).focus()

    def update_view(self, store: LiveStore, changes: list[Change] | None) -> None:
        if changes and all(c.kind == "state" for c in changes):
            return
        rows = []
        drawn, self._drawn = self._drawn, {}
        for s in namespace_summaries(store):
            if not matches(self.filter_text, s.name):
                continue
            # a namespace whose counts did not change keeps its cells: 3,000 rows are not rebuilt and
            # compared cell by cell at every refresh while a big cluster streams in
            hit = drawn.get(s.name)
            cells = hit[1] if hit is not None and hit[0] == s else (
                plain(s.name, "bold"), Text(str(s.nads)), Text(str(s.pods)), Text(str(s.pods_with_attachments)),
                Text(str(s.failing), style="bold red" if s.failing else "dim"))
            self._drawn[s.name] = (s, cells)
            rows.append((s.name, cells))
        table = self.query_one("#namespaces", LiveTable)
        table.sync(rows)
        empty = self.query_one("#empty", Static)
        if not rows:
            status = store.state.status
            empty.update("Loading…" if status in ("connecting", "") and not self.filter_text else
                         "No namespace matches." if self.filter_text else "No namespaces.")
        else:
            empty.update("")
        doctor = multus_app(self).doctor
        if doctor.findings is None and doctor.error is None:  # nothing to show yet: say why
            self.query_one("#doctor-summary", Static).update(
                Text(summary_text(None, on_request=doctor.on_request()), style="dim"))

    def action_open(self) -> None:
        if isinstance(self.focused, FilterBar):  # enter in the filter: done typing, back to the table
            self.focus_main()
            return
        key = self.query_one("#namespaces", LiveTable).selected_key
        if key:
            from multus_tui.ui.screens.namespace import NamespaceScreen

            self.app.push_screen(NamespaceScreen(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        from multus_tui.ui.screens.namespace import NamespaceScreen

        self.app.push_screen(NamespaceScreen(str(event.row_key.value)))
