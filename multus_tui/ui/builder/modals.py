"""Small modal dialogs of the builder: a file-path prompt.

The yes/no confirmation is the app's shared `ConfirmScreen` (re-exported here).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from multus_tui.ui.screens.dialogs import ConfirmScreen

__all__ = ["ConfirmScreen", "PathPromptScreen"]


class PathPromptScreen(ModalScreen[str | None]):
    """Ask for a file path; dismisses with the path text or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="builder.path.cancel", tooltip="Do not write a file")]

    def __init__(self, title: str, default: str = "") -> None:
        super().__init__(classes="builder-modal")
        self._title = title
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="path-dialog", classes="builder-dialog"):
            yield Label(Text(self._title, style="bold"))
            yield Input(self._default, placeholder="path/to/nad.yaml", id="path-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Write", variant="primary", id="path-ok")
                yield Button("Cancel", id="path-cancel")
        yield Footer()  # this dialog's keys, not those of the screen behind

    @on(Input.Submitted, "#path-input")
    @on(Button.Pressed, "#path-ok")
    def _ok(self) -> None:
        value = self.query_one("#path-input", Input).value.strip()
        self.dismiss(value or None)

    @on(Button.Pressed, "#path-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
