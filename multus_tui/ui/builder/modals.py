"""Small modal dialogs of the builder: yes/no confirmation and a file-path prompt."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses True only on the explicit confirm button."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="builder.confirm.cancel", tooltip="Answer no")]

    def __init__(self, title: str, body: str | Text, confirm: str = "Yes", cancel: str = "Cancel",
                 danger: bool = False) -> None:
        super().__init__(classes="builder-modal")
        self._title = title
        self._body = body if isinstance(body, Text) else Text(body)
        self._confirm = confirm
        self._cancel = cancel
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="builder-dialog"):
            yield Label(Text(self._title, style="bold"), id="confirm-title")
            yield Static(self._body, id="confirm-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._confirm, variant="error" if self._danger else "primary", id="confirm-yes")
                yield Button(self._cancel, id="confirm-no")

    def on_mount(self) -> None:
        # Focus the harmless answer so a stray Enter never confirms something destructive.
        self.query_one("#confirm-no" if self._danger else "#confirm-yes", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


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

    @on(Input.Submitted, "#path-input")
    @on(Button.Pressed, "#path-ok")
    def _ok(self) -> None:
        value = self.query_one("#path-input", Input).value.strip()
        self.dismiss(value or None)

    @on(Button.Pressed, "#path-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
