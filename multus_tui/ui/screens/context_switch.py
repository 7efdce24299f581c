"""`:ctx` / ctrl+o: pick a kubeconfig context (k9s's context view)."""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.widgets import Input

from multus_tui.ui.screens.base import multus_app
from multus_tui.ui.screens.dialogs import PickerScreen
from multus_tui.ui.text import sanitize


class ContextSwitchScreen(PickerScreen):
    """The contexts of the kubeconfig; dismisses with the chosen name (the app switches).

    The kubeconfig is read in a thread worker whose result comes back as a message to this screen: if
    the user picks a context (the screen is gone) before the file was read, the answer is dropped."""

    class Contexts(Message):
        def __init__(self, names: list[str], error: str | None) -> None:
            super().__init__()
            self.names = names
            self.error = error

    def __init__(self) -> None:
        super().__init__("Context", [], None)

    def on_mount(self) -> None:
        ctx = multus_app(self).ctx
        self.current = ctx.context_name
        self.names = list(ctx.contexts or ([ctx.context_name] if ctx.context_name else []))
        super().on_mount()
        self.load_contexts(ctx.kubeconfig)

    @work(thread=True, exclusive=True, exit_on_error=False, group="contexts", description="reading contexts")
    def load_contexts(self, kubeconfig: str | None) -> None:
        from multus_tui.cluster.kubeconfig import list_contexts

        try:
            names, _current = list_contexts(kubeconfig)
        except Exception as exc:  # noqa: BLE001 - a kubeconfig that cannot be read is said, not raised
            self.post_message(self.Contexts([], str(exc)))
            return
        self.post_message(self.Contexts(names, None))

    def on_context_switch_screen_contexts(self, message: Contexts) -> None:
        if message.error is not None:
            self.notify(f"Cannot read contexts: {sanitize(message.error)}", severity="error", markup=False)
            return
        self.names = message.names
        self._fill(self.query_one("#picker-filter", Input).value)
