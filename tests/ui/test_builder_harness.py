"""A minimal app hosting the NAD builder for Pilot tests, and helpers that drive its widgets by id.

(Named test_builder_*.py so it sits with the builder's tests; it holds no tests itself.)
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widgets import Button, Checkbox, Input, Select

from multus_tui.multus.nad import NAD
from multus_tui.ui.app import style_paths
from multus_tui.ui.builder import NadBuilderScreen, field_id
from multus_tui.ui.context import AppContext
from tests.waiting import wait_for  # the builder tests import it from here (one shared helper)

SIZE = (140, 50)


def offline_ctx(readonly: bool = False) -> AppContext:
    return AppContext(cluster=None, store=None, readonly=readonly, context_name=None, server=None)


class BuilderApp(App[None]):
    """Hosts one NadBuilderScreen; records what it dismissed with and what was copied."""

    CSS_PATH = style_paths()  # the app's whole cascade, as MultusApp loads it  # type: ignore[assignment]

    def __init__(self, ctx: Any, nad: NAD | None = None, namespace: str | None = None,
                 template: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._args = (nad, namespace, template)
        self.copied: list[str] = []
        self.results: list[Any] = []
        self.notes: list[tuple[str, str, str]] = []

    def on_mount(self) -> None:
        nad, namespace, template = self._args
        self.push_screen(NadBuilderScreen(self.ctx, nad=nad, namespace=namespace, template=template),
                         callback=self.results.append)

    def notify(self, message: str, *, title: str = "", severity: str = "information", **kwargs: Any) -> None:
        self.notes.append((severity, title, str(message)))
        super().notify(message, title=title, severity=severity, **kwargs)  # type: ignore[arg-type]

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)
        super().copy_to_clipboard(text)


def online_ctx(kubeconfig: str, readonly: bool = False) -> AppContext:
    """The context `multus-tui` builds for a kubeconfig (commands/tui.build_context)."""
    from multus_tui.commands.tui import build_context

    ctx, why = build_context(kubeconfig, None, "default", readonly)
    assert why is None, why
    return ctx


def builder(pilot: Any) -> NadBuilderScreen:
    for screen in reversed(pilot.app.screen_stack):
        if isinstance(screen, NadBuilderScreen):
            return screen
    raise AssertionError("no builder screen")


async def settle(pilot: Any) -> None:
    """Let messages, rebuild workers and the debounced preview finish: until a pause leaves no
    worker unfinished (a rebuild can start another), not a fixed number of rounds."""
    import time

    from tests.waiting import TIMEOUT

    deadline = time.monotonic() + TIMEOUT
    while True:
        await pilot.pause()
        if all(w.is_finished for w in pilot.app.workers):
            break
        assert time.monotonic() < deadline, f"workers still running: {list(pilot.app.workers)}"
        await pilot.app.workers.wait_for_complete()
    # the debounced preview fires by itself (its timer, as for a user who stops typing); the tests never
    # render it themselves, so a broken debounce fails them
    await wait_for(pilot, lambda: not builder(pilot).preview_pending, what="the debounced preview")


#: type every character as a key press (slow under load); otherwise only the last one is a key press
KEY_BY_KEY = False


async def type_into(pilot: Any, path: str, text: str, *, keys: bool | None = None) -> Input:
    """Focus the field editing `path` (virtual path), clear it and type `text`.

    The last character always arrives as a real key press (so the Input's own key handling,
    validation and Changed message are exercised); the rest is typed key by key only when asked,
    because every simulated key costs a full screen refresh.
    """
    widget = builder(pilot).query_one(f"#{field_id(path)}", Input)
    widget.focus()
    await wait_for(pilot, lambda: widget.has_focus, what=f"focus on {path}")  # keys go where the focus is
    if keys if keys is not None else KEY_BY_KEY:
        widget.value = ""
        await pilot.press(*text)
    else:
        widget.value = text[:-1]
        widget.cursor_position = len(widget.value)
        await pilot.press(text[-1])
    await settle(pilot)
    return widget


async def choose(pilot: Any, path_or_id: str, value: str | None) -> None:
    """Pick a value in a Select (by virtual path, or by widget id when it starts with '#')."""
    wid = path_or_id[1:] if path_or_id.startswith("#") else field_id(path_or_id)
    sel = builder(pilot).query_one(f"#{wid}", Select)
    sel.value = Select.NULL if value is None else value
    await settle(pilot)


async def tick(pilot: Any, path: str, value: bool = True) -> None:
    builder(pilot).query_one(f"#{field_id(path)}", Checkbox).value = value
    await settle(pilot)


async def press(pilot: Any, wid: str) -> None:
    builder(pilot).query_one(f"#{wid}", Button).press()
    await settle(pilot)


def preview(pilot: Any) -> str:
    return str(builder(pilot).query_one("#preview").render())


def field_message(pilot: Any, path: str) -> str:
    msg = builder(pilot).query_one(f"#{field_id(path)}-msg")
    return str(msg.render()) if msg.display else ""


async def add_chained(pilot: Any, ptype: str) -> None:
    """Choosing a chained plugin in the picker adds it (the Add button does the same for the shown one)."""
    await choose(pilot, "#add-chained", ptype)


async def build_s1(pilot: Any) -> None:
    await type_into(pilot, "metadata.name", "vlan1-internal-static", keys=True)
    await choose(pilot, "cniVersion", "0.3.1")
    await type_into(pilot, "plugins[0].master", "k8s-vlan1")
    await choose(pilot, "plugins[0].mode", "bridge")
    await choose(pilot, "plugins[0].ipam.type", "static")
    await press(pilot, field_id("plugins[0].ipam.addresses") + "-add")
    await type_into(pilot, "plugins[0].ipam.addresses[0].address", "192.168.0.20/24")
    await type_into(pilot, "plugins[0].ipam.addresses[0].gateway", "192.168.0.254")
    await add_chained(pilot, "sbr")


async def build_s2(pilot: Any) -> None:
    await type_into(pilot, "metadata.name", "vlan1-internal-static")
    await choose(pilot, "cniVersion", "0.3.1")
    await type_into(pilot, "plugins[0].master", "k8s-vlan1")
    await choose(pilot, "plugins[0].mode", "bridge")
    await choose(pilot, "#caps-more-0", "ips")
    await choose(pilot, "plugins[0].ipam.type", "static")


async def build_s4(pilot: Any) -> None:
    await type_into(pilot, "metadata.name", "vlan1-internal-pool")
    await type_into(pilot, "metadata.namespace", "kube-system")
    await choose(pilot, "cniVersion", "0.3.1")
    await type_into(pilot, "plugins[0].master", "k8s-vlan1")
    await choose(pilot, "plugins[0].mode", "bridge")
    await choose(pilot, "plugins[0].ipam.type", "host-local")
    await press(pilot, field_id("plugins[0].ipam.ranges") + "-add")
    base = "plugins[0].ipam.ranges[0][0]"
    await type_into(pilot, f"{base}.subnet", "192.168.0.0/24")
    await type_into(pilot, f"{base}.rangeStart", "192.168.0.20")
    await type_into(pilot, f"{base}.rangeEnd", "192.168.0.49")
    await type_into(pilot, f"{base}.gateway", "192.168.0.254")
    await add_chained(pilot, "sbr")


async def build_whereabouts(pilot: Any) -> None:
    await type_into(pilot, "metadata.name", "vlan1-cluster-pool")
    await type_into(pilot, "metadata.namespace", "kube-system")
    await choose(pilot, "cniVersion", "0.3.1")
    await type_into(pilot, "plugins[0].master", "k8s-vlan1")
    await choose(pilot, "plugins[0].mode", "bridge")
    await choose(pilot, "plugins[0].ipam.type", "whereabouts")
    await type_into(pilot, "plugins[0].ipam.range", "192.168.0.0/24")
    await type_into(pilot, "plugins[0].ipam.range_start", "192.168.0.20")
    await type_into(pilot, "plugins[0].ipam.range_end", "192.168.0.49")
    await type_into(pilot, "plugins[0].ipam.gateway", "192.168.0.254")
    await add_chained(pilot, "sbr")
