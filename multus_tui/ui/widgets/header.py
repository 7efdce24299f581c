"""The header every screen carries: context, API server, connection state, Multus presence."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from multus_tui.ui.text import sanitize

_STATE_STYLE = {
    "live": "bold green",
    "stale": "bold yellow",  # live, but nothing heard for longer than the bookmark period allows
    "connecting": "yellow",
    "reconnecting": "bold yellow",
    "failed": "bold red",
    "offline": "dim",
}


class ClusterHeader(Static):
    """One line, always true: it re-renders whenever the app's connection facts change."""

    DEFAULT_CSS = """
    ClusterHeader { height: 1; dock: top; background: $panel; color: $text; padding: 0 1; }
    """

    def on_mount(self) -> None:
        for attr in ("connection", "multus_installed", "context_label", "readonly"):
            self.watch(self.app, attr, self._changed, init=False)
        self._changed()

    def _changed(self, *_: object) -> None:
        self.update(self.header_text())

    def header_text(self) -> Text:
        app = self.app
        ctx = getattr(app, "ctx", None)
        t = Text()
        t.append("multus-tui ", style="bold")
        if ctx is None or ctx.context_name is None and ctx.server is None:
            t.append(" no cluster ", style="reverse")
            return t
        t.append("ctx ", style="dim")
        t.append(sanitize(ctx.context_name or "?"), style="bold cyan")
        t.append("  ")
        t.append(sanitize(ctx.server or "?"), style="dim")
        status, reason = getattr(app, "connection", ("connecting", None))
        t.append("  ● ", style=_STATE_STYLE.get(status, ""))
        t.append(status, style=_STATE_STYLE.get(status, ""))
        if reason and status != "live":
            t.append(f" ({sanitize(reason)})", style=_STATE_STYLE.get(status, ""))
        multus = getattr(app, "multus_installed", None)
        t.append("  Multus: ", style="dim")
        if multus is None:
            t.append("checking…", style="dim")
        elif multus:
            t.append("installed", style="green")
        else:
            t.append("NOT INSTALLED", style="bold red")
        if ctx.readonly:
            t.append("  [readonly]", style="bold magenta")
        return t
