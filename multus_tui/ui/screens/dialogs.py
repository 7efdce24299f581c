"""Small modal screens: confirmation, YAML viewer, help, the `:` command line, the namespace picker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.syntax import Syntax
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, OptionList, Static
from textual.widgets.button import ButtonVariant
from textual.widgets.option_list import Option

from multus_tui.ui.text import plain, sanitize

T = TypeVar("T")


def on_answer(action: Callable[[T], object]) -> Callable[[T | None], None]:
    """A `push_screen` callback that runs `action` with a truthy answer (yes, a name, a choice) and
    ignores a cancel (None, False, empty); what `action` returns (a worker) is not the callback's."""

    def callback(answer: T | None) -> None:
        if answer:
            action(answer)

    return callback


class ConfirmScreen(ModalScreen[bool | str]):
    """Yes/no before anything that writes or destroys; the one confirm dialog of the app.

    Dismisses True only on the confirm button or `y`, False on cancel, `n` or escape. Cancel has the focus
    by default so a stray Enter never confirms something destructive (k9s asks too); the dialog holds the
    focus, so a letter typed in the form behind never reaches it. `alternative` adds a third button
    (label) that dismisses with the string "alternative" (e.g. "Pin to node-1 and create").
    `ids` prefixes the widget ids (`<ids>-dialog`, `-title`, `-body`, `-yes`, `-no`, `-alt`) so each caller
    keeps the ids its tests and CSS use. `keys=False` turns `y`/`n` off.
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Confirm"),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="Cancel"),
        Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Cancel"),
    ]

    def __init__(self, title: str, detail: str | Text | Sequence[Text] = "", *, confirm: str = "Delete",
                 cancel: str = "Cancel", variant: ButtonVariant = "error", focus_cancel: bool = True,
                 keys: bool = True, ids: str = "confirm", alternative: str | None = None) -> None:
        super().__init__()
        self.question = title
        if isinstance(detail, str):
            self.detail = plain(detail, keep_newlines=True)
        elif isinstance(detail, Text):
            self.detail = detail
        else:
            self.detail = Text("\n").join(detail)
        self._confirm = confirm
        self._cancel = cancel
        self._variant: ButtonVariant = variant
        self._focus_cancel = focus_cancel
        self._keys = keys
        self._ids = ids
        self._alternative = alternative

    def compose(self) -> ComposeResult:
        with Vertical(id=f"{self._ids}-dialog", classes="dialog"):
            yield Static(plain(self.question, "bold"), id=f"{self._ids}-title")
            body = Static(self.detail, id=f"{self._ids}-body", classes="confirm-body")
            body.display = bool(self.detail.plain)
            yield body
            with Horizontal(classes="buttons"):
                if self._alternative:
                    yield Button(self._alternative, variant="primary", id=f"{self._ids}-alt")
                yield Button(self._confirm, variant=self._variant, id=f"{self._ids}-yes")
                yield Button(self._cancel, id=f"{self._ids}-no")
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_mount(self) -> None:
        self.query_one(f"#{self._ids}-{'no' if self._focus_cancel else 'yes'}", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == f"{self._ids}-alt":
            self.dismiss("alternative")
            return
        self.dismiss(event.button.id == f"{self._ids}-yes")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without `keys`, only escape and the buttons answer: `y`/`n` are not bound.
        if action == "answer" and not self._keys:
            return False
        return True

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(False)


class YamlScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,y", "dismiss_none", "Close", id="yaml.close", tooltip="Back")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_ = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(plain(self.title_, "bold"))
            with VerticalScroll():
                # escaped like every cluster string: bidi overrides and zero-width characters included
                yield Static(Syntax(sanitize(self.text, keep_newlines=True), "yaml", theme="ansi_dark",
                                    word_wrap=True), id="yaml-text")
        yield Footer()  # this dialog's keys, not those of the screen behind

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """`?`: the keys of the screen underneath, built from its active bindings (never out of date)."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss_none", "Close", id="help.close", tooltip="Close help")]

    def __init__(self, title: str, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.title_ = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text.assemble(("Keys: ", "bold"), sanitize(self.title_)))
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("ctrl+p: command palette · esc: close", style="dim"))
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_mount(self) -> None:
        t = self.query_one(DataTable)
        t.add_columns("KEY", "ACTION", "WHAT IT DOES")
        for key, desc, tip in self.rows:
            t.add_row(Text(key, style="bold cyan"), plain(desc), plain(tip))
        t.focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class CommandPrompt(ModalScreen[str | None]):
    """k9s's `:` line: `ns NAME`, `ns`, `ctx NAME`, `ctx`, `home`, `doctor [NS|-A]`, `pools [NS/NAD]`, `help`, `q`."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Close the prompt")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt"):
            yield Input(placeholder=":ns NAME · :ctx [NAME] · :home · :doctor · :pools · :help · :q", id="prompt-input")
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip().lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickerScreen(ModalScreen[str | None]):
    """Pick one name from a list, typing to narrow it (namespaces, contexts)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel", tooltip="Close without choosing")]

    def __init__(self, title: str, names: list[str], current: str | None = None) -> None:
        super().__init__()
        self.title_ = title
        self.names = names
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_, "bold"))
            yield Input(placeholder="type to filter", id="picker-filter")
            yield OptionList(id="picker-list")
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-filter", Input).focus()

    def _fill(self, needle: str) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        for n in self.names:
            if needle.lower() in n.lower():
                label = plain(n, "bold" if n == self.current else "")
                if n == self.current:
                    label.append("  (current)", style="dim")
                ol.add_option(Option(label, id=n))
        if ol.option_count:
            ol.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and ol.option_count:
            self.dismiss(ol.get_option_at_index(ol.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event: events.Key) -> None:
        # Up/down move in the list while typing in the filter.
        if event.key in ("up", "down"):
            ol = self.query_one(OptionList)
            (ol.action_cursor_up if event.key == "up" else ol.action_cursor_down)()
            event.stop()

    def action_cancel(self) -> None:
        self.dismiss(None)
