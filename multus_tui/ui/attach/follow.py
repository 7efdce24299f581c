"""Follow one pod live after it was created: attaching, then attached (interfaces, addresses) or failed.

The widget listens to the LiveStore itself (posted `StoreChanged`, ui/messages.py; only changes about
its pod wake it up) and keeps a keyed table in step with `store.pod_attachments(...)`: cells are updated
in place, never redrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from multus_tui.multus.attachments import overall_state
from multus_tui.ui.context import AppContext
from multus_tui.ui.messages import StoreChanged, listen
from multus_tui.ui.screens.base import compose_cluster_header
from multus_tui.ui.text import plain, sanitize, state_text
from multus_tui.ui.widgets.live_table import LiveTable

if TYPE_CHECKING:
    from multus_tui.cluster.store import Change, LiveStore
    from multus_tui.cluster.views import PodView

COLUMNS = [("network", "NETWORK"), ("interface", "INTERFACE"), ("ips", "IPS"), ("mac", "MAC"),
           ("state", "STATE")]


class PodFollow(Vertical):
    """Live view of one pod's attachments. `state` / `reason` are readable by tests."""

    DEFAULT_CSS = """
    PodFollow { height: auto; }
    PodFollow #attach-follow-table { height: auto; max-height: 16; }
    """

    def __init__(self, store: LiveStore | None, namespace: str, pod_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.namespace = namespace
        self.pod_name = pod_name
        self.state = "waiting"
        self.reason: str | None = None
        self.history: list[str] = []  # each state once, in the order seen (tests read it)
        self._unsubscribe: Callable[[], None] | None = None
        self._live = False  # between mount and unmount (is_mounted turns True only after on_mount)

    def compose(self) -> ComposeResult:
        yield Static(plain(f"Pod {self.namespace}/{self.pod_name}"), id="attach-follow-title")
        yield Static("", id="attach-follow-state")
        yield LiveTable(COLUMNS, id="attach-follow-table")

    def on_mount(self) -> None:
        self._live = True
        if self.store is not None:
            self._unsubscribe = listen(self.store, self)
        self.refresh_state()

    def on_unmount(self) -> None:
        self._live = False
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def on_store_changed(self, message: StoreChanged) -> None:
        if any(self._concerns(c) for c in message.changes):
            self.refresh_state()

    def _concerns(self, change: Change) -> bool:
        if change.kind in ("state", "nad") or change.op == "reset":
            return True  # a NAD appearing is what un-sticks a waiting pod; state: reconnects
        if change.kind == "pod":
            return change.key == (self.namespace, self.pod_name)
        if change.kind == "event":
            v = change.view
            return v is None or (getattr(v, "involved_name", None) == self.pod_name
                                 and getattr(v, "involved_namespace", self.namespace) in (self.namespace, None, ""))
        return False

    def refresh_state(self) -> None:
        """Re-read the pod from the store and update only what changed."""
        if not self._live or self.store is None:
            return
        pod = self.store.pod(self.namespace, self.pod_name)
        # a malformed annotation is an attachment state of its own (join_attachments never raises)
        atts = self.store.pod_attachments(self.namespace, self.pod_name) if pod is not None else []
        self.state, self.reason = overall_state(atts) if pod is not None else (
            "waiting", "the pod is not in the cluster (yet)")
        if not self.history or self.history[-1] != self.state:
            self.history.append(self.state)
        rows = []
        seen: dict[str, int] = {}
        for a in atts:
            if a.state == "not-requested":
                continue
            # Keyed by network and its occurrence (a NAD may be attached twice), not by position:
            # the cluster-default row appearing later must not shift the others' keys.
            # The cluster default network has no name until its status is written: one fixed key.
            net = a.network if "/" in (a.network or "") else "(cluster default)"
            n = seen[net] = seen.get(net, 0) + 1
            key = f"{net}#{n}"
            rows.append((key, [plain(a.network or "(cluster default)"), plain(a.interface or "-"),
                               plain(", ".join(a.ips) if a.ips else "-"), plain(a.mac or "-"),
                               state_text(a.state, a.reason)]))
        self.query_one(LiveTable).sync(rows)
        self._show(pod)

    def _show(self, pod: PodView | None) -> None:
        label = {"waiting": "waiting for the pod", "pending": "attaching…", "attached": "attached",
                 "failed": "failed"}.get(self.state, self.state)
        text = Text(label, style={"attached": "bold green", "failed": "bold red"}.get(self.state, "yellow"))
        if self.reason:
            text.append(": " + sanitize(self.reason))
        if pod is not None:
            text.append(f"   (pod {sanitize(pod.display_status)}, node {sanitize(pod.node or '-')})", style="dim")
        self.query_one("#attach-follow-state", Static).update(text)


class PodFollowScreen(Screen):
    """A full screen around `PodFollow` (pushed after the attach builder created a pod)."""

    BINDINGS = [Binding("escape", "back", "Back", id="attach-follow-back", tooltip="Back to the attach builder")]

    def __init__(self, ctx: AppContext, namespace: str, pod_name: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.namespace = namespace
        self.pod_name = pod_name

    def compose(self) -> ComposeResult:
        yield from compose_cluster_header()
        yield PodFollow(self.ctx.store, self.namespace, self.pod_name, id="attach-follow")
        yield Static(Text("The attachments update live as Multus reports them (events, network-status).",
                          style="dim"))
        yield Footer()

    @property
    def follow(self) -> PodFollow:
        return self.query_one(PodFollow)

    def action_back(self) -> None:
        self.app.pop_screen()
