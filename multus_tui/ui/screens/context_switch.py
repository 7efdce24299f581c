"""`:ctx` / ctrl+o: pick a kubeconfig context (k9s's context view)."""

from __future__ import annotations

from typing import Any

from textual import work

from multus_tui.ui.screens.dialogs import PickerScreen
from multus_tui.ui.text import sanitize


class ContextSwitchScreen(PickerScreen):
    """The contexts of the kubeconfig; dismisses with the chosen name (the app switches)."""

    def __init__(self) -> None:
        app_ctx: Any = None
        super().__init__("Context", [], None)
        self._app_ctx = app_ctx

    def on_mount(self) -> None:
        ctx: Any = self.app.ctx  # type: ignore[attr-defined]
        self.current = ctx.context_name
        self.names = list(ctx.contexts or ([ctx.context_name] if ctx.context_name else []))
        super().on_mount()
        self.load_contexts()

    @work(thread=True, exclusive=True, exit_on_error=False, group="contexts", description="reading contexts")
    def load_contexts(self) -> None:
        from multus_tui.cluster.kubeconfig import list_contexts

        ctx: Any = self.app.ctx  # type: ignore[attr-defined]
        try:
            names, _current = list_contexts(ctx.kubeconfig)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"Cannot read contexts: {sanitize(exc)}", severity="error",
                                      markup=False)
            return
        self.app.call_from_thread(self._set_names, names)

    def _set_names(self, names: list[str]) -> None:
        self.names = names
        self._fill(self.query_one("#picker-filter").value)  # type: ignore[attr-defined]
