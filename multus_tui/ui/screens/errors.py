"""Screens for when there is nothing to browse: no kubeconfig, an unreachable API server."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from multus_tui.ui.screens.base import multus_app
from multus_tui.ui.text import plain
from multus_tui.ui.widgets import ClusterHeader


class NoKubeconfigScreen(Screen):
    """No kubeconfig: say where we looked and offer the demo cluster and the offline builder."""

    BINDINGS = [
        Binding("d", "demo", "Demo", id="nokube.demo", tooltip="Restart on the built-in demo cluster (--demo)"),
        Binding("b", "builder", "Offline builder", id="nokube.builder", tooltip="Build a NAD without a cluster"),
        Binding("q", "app.quit", "Quit", id="nokube.quit", tooltip="Leave"),
    ]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield ClusterHeader()
        with Vertical(classes="dialog center"):
            yield Static(Text("No cluster to talk to", style="bold"))
            yield Static(plain(self.reason, "red"), id="reason")
            yield Static(Text.assemble(
                "Try the built-in demo cluster (the same as running ", ("multus-tui --demo", "bold"), "),\n"
                "or build a NetworkAttachmentDefinition offline and save it as YAML.\n"
                "To use a real cluster, pass --kubeconfig PATH or set KUBECONFIG."))
            with Horizontal(classes="buttons"):
                yield Button("Start the demo", id="demo", variant="primary")
                yield Button("Offline NAD builder", id="builder")
                yield Button("Quit", id="quit")
        yield Footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"demo": self.action_demo, "builder": self.action_builder, "quit": self.app.exit}[str(event.button.id)]()

    def action_demo(self) -> None:
        # The app never starts a cluster itself (design principle 2): it exits asking the command to.
        self.app.exit("demo")

    def action_builder(self) -> None:
        multus_app(self).open_builder(namespace=None)


class UnreachableScreen(Screen):
    """The API server did not answer (or refused us): the reason, and Retry."""

    BINDINGS = [
        Binding("r", "retry", "Retry", id="unreach.retry", tooltip="Try to reach the API server again"),
        Binding("c", "app.switch_context", "Context", id="unreach.ctx", tooltip="Pick another kubeconfig context"),
        Binding("q", "app.quit", "Quit", id="unreach.quit", tooltip="Leave"),
    ]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield ClusterHeader()
        with Vertical(classes="dialog center"):
            yield Static(Text("The API server cannot be reached", style="bold"))
            yield Static(plain(self.reason, "red"), id="reason")
            with Horizontal(classes="buttons"):
                yield Button("Retry", id="retry", variant="primary")
                yield Button("Other context", id="ctx")
                yield Button("Quit", id="quit")
        yield Footer()

    def set_reason(self, reason: str) -> None:
        self.reason = reason
        self.query_one("#reason", Static).update(plain(reason, "red"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = str(event.button.id)
        if bid == "retry":
            self.action_retry()
        elif bid == "ctx":
            multus_app(self).action_switch_context()
        else:
            self.app.exit()

    def action_retry(self) -> None:
        self.query_one("#reason", Static).update(Text("retrying…", style="yellow"))
        multus_app(self).action_retry()  # reads the kubeconfig again
