"""Not tests: a minimal app hosting the attach screens for the Pilot tests (independent of the app shell)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from multus_tui.ui.app import style_paths
from multus_tui.ui.attach import AttachBuilderScreen
from multus_tui.ui.context import AppContext


def offline_ctx(readonly: bool = False) -> AppContext:
    return AppContext(cluster=None, store=None, readonly=readonly, context_name=None, server=None)


class AttachApp(App):
    CSS_PATH = style_paths()  # the app's whole cascade, as MultusApp loads it  # type: ignore[assignment]

    def __init__(self, ctx: Any, namespace: str = "default",
                 preselect: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._namespace = namespace
        self._preselect = preselect or []
        self.copied: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(AttachBuilderScreen(self.ctx, self._namespace, self._preselect))

    def copy_to_clipboard(self, text: str) -> None:
        # Record instead of writing OSC 52 to a terminal that is not there.
        self.copied.append(text)
        super().copy_to_clipboard(text)
