"""The attach builder's modal dialogs: pick a NAD, choose a workload, export a file.

The write confirmation is the app's shared `ConfirmScreen` (re-exported here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from multus_tui.multus.selection import LABEL_RE, SUBDOMAIN_RE
from multus_tui.ui.screens.dialogs import ConfirmScreen
from multus_tui.ui.text import plain

if TYPE_CHECKING:
    from multus_tui.cluster.views import NADView

__all__ = ["ConfirmScreen", "ExportScreen", "NadPickerScreen", "WorkloadScreen", "parse_target"]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def parse_target(text: str, default_namespace: str) -> tuple[str, str] | None:
    """`ns/name` or `name` typed by the user -> (namespace, name); None when it cannot be a NAD."""
    text = text.strip()
    ns, sep, name = text.rpartition("/")
    if not sep:
        ns = default_namespace
    if "/" in ns or not LABEL_RE.match(ns) or not name or not SUBDOMAIN_RE.match(name):
        return None
    return ns, name


class NadPickerScreen(ModalScreen[tuple[str, str] | None]):
    """Choose a NAD among those the store holds (every namespace), or type `ns/name`.

    Typing a name that does not exist is allowed on purpose: a pod can be created before its NAD
    (it waits in ContainerCreating; the pre-checks say so).
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="attach-picker-cancel", tooltip="Close without choosing")]

    def __init__(self, nads: list[NADView], default_namespace: str) -> None:
        super().__init__()
        self._nads = sorted(nads, key=lambda v: (v.namespace, v.name))
        self._default_ns = default_namespace

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-picker"):
            yield Label("Add a network: type to filter and choose a NAD (enter takes the only match), "
                        "or type namespace/name for an exact reference")
            yield Input(placeholder=f"namespace/name (default namespace: {self._default_ns})", id="attach-picker-input")
            yield Static("", id="attach-picker-error")
            table: DataTable = DataTable(id="attach-picker-table", cursor_type="row", zebra_stripes=True)
            yield table
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_mount(self) -> None:
        table = self.query_one("#attach-picker-table", DataTable)
        table.add_columns("NAMESPACE", "NAME", "TYPE", "IPAM", "IPS")
        self._fill("")
        self.query_one("#attach-picker-input", Input).focus()

    def _fill(self, needle: str) -> None:
        table = self.query_one("#attach-picker-table", DataTable)
        table.clear()
        for v in self._nads:
            key = f"{v.namespace}/{v.name}"
            if needle and needle not in key:
                continue
            nad = v.nad
            ips = "yes" if nad.capabilities.get("ips") else "-"
            table.add_row(plain(v.namespace), plain(v.name), plain(nad.main_type or "?"),
                          plain(nad.ipam_type or "-"), Text(ips), key=key)

    @on(Input.Changed, "#attach-picker-input")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value.strip())

    @on(Input.Submitted, "#attach-picker-input")
    def _typed(self, event: Input.Submitted) -> None:
        # `ns/name` is an exact reference (even to a NAD not created yet); a bare word is a
        # search: enter takes the only match, or the typed name in the default namespace.
        text = event.value.strip()
        table = self.query_one("#attach-picker-table", DataTable)
        if text and "/" not in text and table.row_count == 1:
            key = table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value or ""
            ns, _, name = str(key).partition("/")
            self.dismiss((ns, name))
            return
        if text and "/" not in text and table.row_count > 1:
            self.query_one("#attach-picker-error", Static).update(
                plain(f"{table.row_count} NADs match: choose one below, or type namespace/name"))
            return
        target = parse_target(text, self._default_ns)
        if target is None:
            self.query_one("#attach-picker-error", Static).update(
                plain(f"{text!r} is not namespace/name (lower-case DNS names)"))
            return
        self.dismiss(target)

    @on(DataTable.RowSelected, "#attach-picker-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        ns, _, name = str(event.row_key.value).partition("/")
        self.dismiss((ns, name))

    def action_cancel(self) -> None:
        self.dismiss(None)


class WorkloadScreen(ModalScreen[tuple[str, str] | None]):
    """Which Deployment/StatefulSet/DaemonSet to patch; says that this rolls its pods."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="attach-workload-cancel", tooltip="Do nothing")]

    def __init__(self, namespace: str, warning: str, notes: list[str]) -> None:
        super().__init__()
        self._namespace = namespace
        self._warning = warning
        self._notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-workload"):
            yield Label(Text(f"Patch the pod template of a workload in {self._namespace}"))
            yield Select([(k, k) for k in WORKLOAD_KINDS], value="Deployment", allow_blank=False,
                         id="attach-workload-kind")
            yield Input(placeholder="workload name", id="attach-workload-name")
            yield Static(Text(self._warning, style="bold yellow"), id="attach-workload-warning")
            for note in self._notes:
                yield Static(plain(note), classes="attach-note")
            yield Static("", id="attach-workload-error")
            with Horizontal(classes="attach-buttons"):
                yield Button("Patch and roll", variant="warning", id="attach-workload-yes")
                yield Button("Cancel", id="attach-workload-no")
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_mount(self) -> None:
        self.query_one("#attach-workload-name", Input).focus()

    @on(Button.Pressed, "#attach-workload-yes")
    @on(Input.Submitted, "#attach-workload-name")
    def _yes(self) -> None:
        name = self.query_one("#attach-workload-name", Input).value.strip()
        if not name or not SUBDOMAIN_RE.match(name):
            self.query_one("#attach-workload-error", Static).update(plain("enter the workload's name"))
            return
        kind = str(self.query_one("#attach-workload-kind", Select).value)
        self.dismiss((kind, name))

    @on(Button.Pressed, "#attach-workload-no")
    def _no(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportScreen(ModalScreen[str | None]):
    """Ask where to write the YAML (a path; relative to the working directory)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="attach-export-cancel", tooltip="Do nothing")]

    def __init__(self, default_path: str) -> None:
        super().__init__()
        self._default = default_path

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-export"):
            yield Label("Write the test pod YAML to")
            yield Input(value=self._default, id="attach-export-path")
            with Horizontal(classes="attach-buttons"):
                yield Button("Write", variant="primary", id="attach-export-yes")
                yield Button("Cancel", id="attach-export-no")
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_mount(self) -> None:
        self.query_one("#attach-export-path", Input).focus()

    @on(Button.Pressed, "#attach-export-yes")
    @on(Input.Submitted, "#attach-export-path")
    def _yes(self) -> None:
        path = self.query_one("#attach-export-path", Input).value.strip()
        self.dismiss(path or None)

    @on(Button.Pressed, "#attach-export-no")
    def _no(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
