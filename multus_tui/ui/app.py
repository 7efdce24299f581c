"""The Textual application: header facts, global keys, the store→UI message flow, and the actions
every screen shares (YAML, shell, delete, builders, context and namespace switching)."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SuspendNotSupported
from textual.binding import Binding
from textual.reactive import reactive
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from multus_tui.cluster.errors import from_exception
from multus_tui.multus.diagnose import DoctorFinding
from multus_tui.ui.commands import MultusCommands
from multus_tui.ui.context import AppContext
from multus_tui.ui.doctor_cache import DoctorCache
from multus_tui.ui.messages import (
    ClusterChecked,
    ContextSwitched,
    DoctorDiagnosed,
    KubeconfigReread,
    ObjectRead,
    StoreChanged,
    WriteDone,
    listen,
)
from multus_tui.ui.screens.base import WRITE_ACTIONS, BaseScreen
from multus_tui.ui.screens.dialogs import on_answer
from multus_tui.ui.text import sanitize

if TYPE_CHECKING:
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.store import Change, LiveStore
    from multus_tui.cluster.views import NADView

# While store batches keep arriving, the visible screen is refreshed at most this often (the store
# already coalesces every 50 ms). A refresh re-renders every visible table line; at 20 refreshes a
# second during a 5,000-update burst keys waited 0.6 s behind them. A trailing refresh
# always lands the final state, at most this long after the last batch.
STORE_REFRESH_INTERVAL = 0.25
# ...and never more often than this many times its own cost: refreshing a home of 3,000 namespaces
# while 150,000 pods stream in must leave the loop (keys) and the store's decoding thread (the GIL)
# most of the time, so a refresh that took 80 ms waits 0.4 s before the next.
STORE_REFRESH_COST_FACTOR = 5
# ...and while the store is still taking in its first lists, at most once a second: the counts climb
# every second, and the sync's decoding gets the GIL (the first 150,000 pods are in sooner). The
# refresh that follows the sync's end is made at once.
STORE_SYNC_REFRESH_INTERVAL = 1.0

SHELL_SNIPPET = "command -v bash >/dev/null && exec bash || exec sh"


def styles_dir() -> Path | None:
    """styles/ next to the package when installed (pyproject force-include), else at the repo root."""
    pkg = Path(__file__).resolve().parent.parent
    for candidate in (pkg / "styles", pkg.parent / "styles"):
        if candidate.is_dir():
            return candidate
    return None


def style_paths() -> list[Path]:
    d = styles_dir()
    return sorted(d.glob("*.tcss")) if d else []


def kubectl_exec_command(ctx: AppContext, namespace: str, pod: str) -> list[str]:
    """The kubectl command that opens an interactive shell in `pod` (bash if present, else sh).

    A kubeconfig made of several files ($KUBECONFIG=a:b) goes to kubectl in its environment
    (kubectl_env): `--kubeconfig a:b` names one file that does not exist."""
    cmd = ["kubectl"]
    if ctx.kubeconfig and os.pathsep not in ctx.kubeconfig:
        cmd += ["--kubeconfig", ctx.kubeconfig]
    if ctx.context_name:
        cmd += ["--context", ctx.context_name]
    return cmd + ["exec", "-it", "-n", namespace, pod, "--", "sh", "-c", SHELL_SNIPPET]


def kubectl_env(ctx: AppContext) -> dict[str, str] | None:
    """The environment for kubectl: ours, with KUBECONFIG naming every file of a merged kubeconfig."""
    if ctx.kubeconfig and os.pathsep in ctx.kubeconfig:
        return {**os.environ, "KUBECONFIG": ctx.kubeconfig}
    return None


class MultusApp(App[str | None]):
    """`multus-tui`: browse namespaces, NADs and live pod attachments.

    The app exits with "demo" when the user asks for the demo cluster from the no-kubeconfig screen;
    the command (commands/tui.py) then starts it: the UI itself never starts a cluster.
    """

    TITLE = "multus-tui"
    CSS_PATH = style_paths()  # type: ignore[assignment]
    COMMANDS = App.COMMANDS | {MultusCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", id="app.help",
                tooltip="The keys of this screen"),
        Binding("colon", "prompt", "Command", key_display=":", id="app.prompt",
                tooltip="k9s-style command line: :ns NAME, :ctx, :home, :doctor, :q"),
        Binding("ctrl+n", "switch_namespace", "Namespace", id="app.namespace",
                tooltip="Jump to another namespace"),
        Binding("ctrl+o", "switch_context", "Context", id="app.context",
                tooltip="Switch to another kubeconfig context", show=False),
        Binding("ctrl+t", "change_theme", "Theme", id="app.theme", tooltip="Pick a Textual theme", show=False),
        Binding("ctrl+r", "retry", "Reload", id="app.retry",
                tooltip="Read the kubeconfig again and reconnect (new certificates or tokens)", show=False),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave multus-tui"),
    ]

    # (status, reason) of the connection; shown by every header
    connection: reactive[tuple[str, str | None]] = reactive(("connecting", None))
    multus_installed: reactive[bool | None] = reactive(None)
    context_label: reactive[str] = reactive("")
    forbidden: reactive[tuple[str, ...]] = reactive(())
    # mirrors ctx.readonly for the widgets that show it (the header's [readonly])
    readonly: reactive[bool] = reactive(False)

    def __init__(self, ctx: AppContext, *, no_cluster_reason: str | None = None, start_store: bool = True,
                 open_namespace: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.no_cluster_reason = no_cluster_reason
        self.start_store = start_store
        self.open_namespace = open_namespace
        self._unsubscribe: Callable[[], None] | None = None
        self._store_started = False
        # store→UI throttle: changes waiting for the next refresh, its timer, when the last one ended
        self._pending_changes: list[Change] = []
        self._store_timer: Timer | None = None
        self._last_store_refresh = 0.0
        self._store_refresh_cost = 0.0  # how long the last refresh of the screen on top took
        self._synced_store: LiveStore | None = None  # the store last seen complete (its first lists in)
        self._ui_heap_frozen = False
        self._extra_forbidden: tuple[str, ...] = ()
        # The one doctor scheduler: the home summary, the NAD/pod findings panels and the Doctor view.
        self.doctor = self._new_doctor()

    # --- lifecycle --------------------------------------------------------------------------------
    def on_mount(self) -> None:
        from multus_tui.ui.screens.errors import NoKubeconfigScreen
        from multus_tui.ui.screens.home import HomeScreen

        self.readonly = self.ctx.readonly
        if not self.ctx.online:
            self.connection = ("offline", None)
            self.push_screen(NoKubeconfigScreen(self.no_cluster_reason or "no kubeconfig found"))
            return
        self.context_label = self.ctx.context_name or ""
        self.push_screen(HomeScreen())
        if self.open_namespace:
            from multus_tui.ui.screens.namespace import NamespaceScreen

            self.push_screen(NamespaceScreen(self.open_namespace))
        self._subscribe()
        self.connect()

    def _subscribe(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        self._unsubscribe = listen(store, self)
        self._apply_state()

    def on_unmount(self) -> None:
        self._teardown_store()

    def _teardown_store(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.ctx.store is not None and self._store_started:
            self.ctx.store.stop()
            self._store_started = False

    # --- connection check (worker) ----------------------------------------------------------------
    def connect(self) -> None:
        """Check the connection of the current context in a worker (the answer: ClusterChecked)."""
        if self.ctx.cluster is not None:
            self._check(self.ctx.cluster, self.ctx.namespace, bool(self.ctx.readonly_requested))

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect", description="checking the cluster")
    def _check(self, cluster: Cluster, namespace: str, readonly_requested: bool) -> None:
        from multus_tui.cluster.errors import ClusterError

        try:
            cluster.server_version()
        except ClusterError as exc:
            self.post_message(ClusterChecked(exc.message, None, cluster=cluster))
            return
        forbidden: list[str] = []
        try:
            multus = cluster.multus_installed(refresh=True)
        except ClusterError as exc:
            multus = None
            forbidden.append(f"checking for Multus: {exc.message}")
        account_readonly: bool | None = None
        try:
            perms = cluster.permissions(namespace)
        except ClusterError:
            pass  # what the account may do is a courtesy: the API's own 403 still says what is forbidden
        else:
            account_readonly = perms.readonly
            if perms.readonly and not readonly_requested:
                forbidden.append("this account may not write NADs or pods: write actions are hidden")
            elif not perms.exec_pods and not readonly_requested:
                forbidden.append("this account may not exec into pods (shell)")
        self.post_message(ClusterChecked(None, multus, forbidden, account_readonly, cluster=cluster))

    def on_cluster_checked(self, message: ClusterChecked) -> None:
        from multus_tui.ui.screens.errors import UnreachableScreen

        if message.cluster is not self.ctx.cluster:
            return  # a check of a context the app has left since
        if message.error is None and self.ctx.store is not None and self.start_store and not self._store_started:
            self._store_started = True
            self.ctx.store.start()
        if message.error is not None:
            self.connection = ("failed", message.error)
            if isinstance(self.screen, UnreachableScreen):
                self.screen.set_reason(message.error)
            else:
                self.push_screen(UnreachableScreen(message.error))
            return
        if isinstance(self.screen, UnreachableScreen):
            self.pop_screen()
        self.multus_installed = message.multus_installed
        if message.account_readonly is not None:
            # every connection check (start, context switch, retry) decides anew what this account may do
            self.ctx.set_account_readonly(message.account_readonly)
            self.readonly = self.ctx.readonly
        self._extra_forbidden = tuple(message.forbidden)
        self._apply_state()
        self.refresh_bindings()

    def action_retry(self) -> None:
        if self.ctx.cluster is not None and self.ctx.store is not None and self.ctx.context_name:
            self.reload(self.ctx.kubeconfig, self.ctx.context_name, self.ctx.cluster)
        else:
            self.connect()

    @work(thread=True, exclusive=True, exit_on_error=False, group="context", description="reading the kubeconfig")
    def reload(self, kubeconfig: str | None, name: str, current: Cluster) -> None:
        """ctrl+r reads the kubeconfig again: after a server restart or a rotated CA, token or
        certificate, reconnecting with the old ones would fail for ever. Unchanged: check the connection
        again; changed: a fresh client and store, the path of a context switch to the context in use."""
        from multus_tui.cluster.errors import ClusterError
        from multus_tui.cluster.kubeconfig import connection_fingerprint, load_cluster

        try:
            info = load_cluster(kubeconfig, name)
        except ClusterError as exc:
            self.post_message(ClusterChecked(exc.message, None, cluster=current))
            return
        try:
            same = connection_fingerprint(current.info) == connection_fingerprint(info)
        finally:
            info.api_client.close()
        self.post_message(KubeconfigReread(name, changed=not same))

    def on_kubeconfig_reread(self, message: KubeconfigReread) -> None:
        if message.changed:
            self.switch_context(message.context)
        else:
            self.connect()

    # --- store → UI -------------------------------------------------------------------------------
    def on_store_changed(self, message: StoreChanged) -> None:
        if message.store is not self.ctx.store:
            return  # posted by the store of a context the app has left since
        self._apply_state()
        if any(c.kind != "state" for c in message.changes):
            self.doctor.invalidate()
        self._pending_changes.extend(message.changes)
        synced = message.store.synced
        if synced and self._synced_store is not message.store:
            self._synced_store = message.store
            if self._store_timer is not None:  # the sync's end: show the whole cluster now
                self._store_timer.stop()
                self._store_timer = None
                self._last_store_refresh = 0.0
        if self._store_timer is not None:
            return  # a trailing refresh is already due; it takes these changes too
        interval = max(STORE_REFRESH_INTERVAL if synced else STORE_SYNC_REFRESH_INTERVAL,
                       STORE_REFRESH_COST_FACTOR * self._store_refresh_cost)
        wait = self._last_store_refresh + interval - time.monotonic()
        if wait <= 0:  # quiet until now: show the change at once
            self._flush_store_changes()
        else:
            self._store_timer = self.set_timer(wait, self._flush_store_changes)

    def _flush_store_changes(self) -> None:
        """Hand the changes gathered since the last refresh to the screen on top, in one batch."""
        self._store_timer = None
        changes, self._pending_changes = self._pending_changes, []
        if not changes or not self.screen_stack:  # the timer may fire while the app is closing
            return
        screen = self.screen
        t0 = time.monotonic()
        # a screen pushed but not mounted yet reads the whole store when it mounts
        if isinstance(screen, BaseScreen) and screen.is_mounted:
            with self.batch_update():
                screen.refresh_from_store(changes)
        # measured from the end: a slow refresh still leaves the loop free for keys in between
        self._last_store_refresh = time.monotonic()
        self._store_refresh_cost = self._last_store_refresh - t0
        self.doctor.request()  # diagnoses again only if a screen on top shows findings
        if not self._ui_heap_frozen:
            self._freeze_ui_heap()

    def _freeze_ui_heap(self) -> None:
        """After the first refresh with the whole cluster listed, move the UI's long-lived objects
        (views' rows, table cells: ~170k at 10,000 pods) into the permanent generation, as the
        LiveStore did for its mirror: otherwise each full collection walks them again (0.2-0.4 s
        pauses of the UI thread during a burst)."""
        store = self.ctx.store
        if store is None or not store.freeze_gc:
            return
        if store.synced:
            self._ui_heap_frozen = True
            # after the paint, so the first screen's render caches are frozen with the rows
            self.call_after_refresh(gc.freeze)

    def _store_synced(self) -> bool:
        store = self.ctx.store
        return store is not None and store.synced

    def _new_doctor(self) -> DoctorCache:
        """A doctor scheduler for the store of the current context (a context switch makes a new one:
        the old cluster's findings mean nothing there)."""
        store = self.ctx.store

        def diagnose(scope: str | None) -> list[DoctorFinding]:  # a worker thread
            from multus_tui.cluster.doctor import collect_findings

            return [] if store is None else collect_findings(store, scope)

        return DoctorCache(self, diagnose, ready=self._store_synced,
                           pods=lambda: 0 if store is None else store.pod_count())

    def on_doctor_diagnosed(self, message: DoctorDiagnosed) -> None:
        if message.source is self.doctor:
            self.doctor.diagnosed(message)

    def _apply_state(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        st = store.state
        per_kind = {k: (v["status"], v["reason"] or "") for k, v in store.watcher_stats().items()}
        names = {"namespace": "namespaces", "nad": "NetworkAttachmentDefinitions", "pod": "pods", "event": "events"}
        forbidden = [f"cannot list/watch {names.get(k, k)}: {sanitize(reason)}"
                     for k, (status, reason) in per_kind.items()
                     if status == "failed" and reason.lower().startswith("forbidden")]
        # a forbidden kind is not a broken connection: the rest is usable, the banner says what is refused
        status = st.status
        reason = st.reason
        if status == "failed" and forbidden and len(forbidden) < len(per_kind) and all(
                v[0] != "failed" or v[1].lower().startswith("forbidden") for v in per_kind.values()):
            status, reason = "live", None
        if (status, reason) != self.connection and self.connection[0] != "offline":
            self.connection = (status, reason)
        allf = tuple(forbidden) + self._extra_forbidden
        if allf != self.forbidden:
            self.forbidden = allf

    # --- workers: one place for failures (harlequin's habit) ---------------------------------------
    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            err = event.worker.error
            msg = from_exception(err).message if err is not None else "unknown error"
            what = event.worker.description or event.worker.name
            self.notify(f"{what} failed: {sanitize(msg)}", severity="error", markup=False, timeout=8)

    # --- readonly ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.ctx.readonly:
            return False
        return True

    # --- global actions ---------------------------------------------------------------------------
    def action_help(self) -> None:
        from multus_tui.ui.screens.dialogs import HelpScreen

        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            b = active.binding
            tip = active.tooltip or b.tooltip
            # widget plumbing (cursor keys, copy) has no tooltip; everything we bind has one
            key = self.get_key_display(b)
            if not active.enabled or not tip or key in seen or b.action.startswith("copy"):
                continue
            seen.add(key)
            rows.append((key, b.description, tip))
        self.push_screen(HelpScreen(type(self.screen).__name__.replace("Screen", ""), rows))

    def action_prompt(self) -> None:
        from multus_tui.ui.screens.dialogs import CommandPrompt

        self.push_screen(CommandPrompt(), self.run_prompt)

    def run_prompt(self, text: str | None) -> None:
        if not text:
            return
        word, _, arg = text.partition(" ")
        arg = arg.strip()
        if word in ("ns", "namespace", "namespaces"):
            self.open_namespace_screen(arg) if arg else self.action_switch_namespace()
        elif word in ("ctx", "context", "contexts"):
            self.switch_context(arg) if arg else self.action_switch_context()
        elif word in ("home", "nad", "nads"):
            self.go_home()
        elif word in ("doctor", "dr"):
            # `:doctor` follows the screen (a namespace: that namespace), `:doctor -A`/`all` the cluster,
            # `:doctor NS` one namespace
            if arg in ("-A", "all", "--all-namespaces"):
                self.open_doctor(None)
            else:
                self.open_doctor(arg or self.screen_namespace())
        elif word in ("pools", "pool", "ippools"):
            # `:pools` every whereabouts pool, `:pools NS/NAD` those of one NAD
            ns, sep, name = arg.partition("/")
            self.open_pools((ns, name) if sep and ns and name else None)
        elif word in ("help", "h", "?"):
            self.action_help()
        elif word in ("q", "quit", "q!"):
            self.exit()
        else:
            self.notify(f"unknown command: {sanitize(text)}", severity="warning", markup=False)

    # --- doctor -----------------------------------------------------------------------------------
    def screen_namespace(self) -> str | None:
        """The namespace the top screen is about when it is a namespace screen (else None: all)."""
        screen = self.screen
        return screen.doctor_namespace if isinstance(screen, BaseScreen) else None

    def open_doctor(self, namespace: str | None = None) -> None:
        """The Doctor view, over the whole cluster (None) or one namespace."""
        from multus_tui.ui.doctor import DoctorScreen

        if self.ctx.store is None:
            self.notify("The doctor needs a cluster (none is connected).", severity="warning")
            return
        if namespace:
            self.ctx.namespace = namespace  # the namespace the user is in now (pickers start there)
        self.push_screen(DoctorScreen(self.ctx, namespace=namespace or self.ctx.namespace,
                                      all_namespaces=namespace is None))

    def open_object(self, kind: str, namespace: str, name: str) -> None:
        """Open what a finding names: `kind` "nad" or "pod" its detail screen, "ippool" or "ipreservation"
        the Pool inspector (the Doctor view's enter; the only way a finding is opened)."""
        store = self.ctx.store
        if store is None:
            return
        if kind == "nad" and store.nad(namespace, name) is not None:
            from multus_tui.ui.screens.nad_detail import NadDetailScreen

            self.push_screen(NadDetailScreen(namespace, name))
        elif kind == "pod" and store.pod(namespace, name) is not None:
            from multus_tui.ui.screens.pod_detail import PodDetailScreen

            self.push_screen(PodDetailScreen(namespace, name))
        elif kind in ("ippool", "ipreservation"):
            self.open_pools(None, f"{namespace}/{name}" if kind == "ippool" else None)
        else:
            self.notify(f"{kind}/{namespace}/{name} is not in the cluster (any more)", severity="warning",
                        markup=False)

    def open_pools(self, nad: tuple[str, str] | None = None, pool: str | None = None) -> None:
        """The Pool inspector: every whereabouts pool, or those of one NAD; `pool` selects one."""
        if self.ctx.store is None:
            self.notify("The Pool inspector needs a cluster (none is connected).", severity="warning")
            return
        from multus_tui.ui.screens.pools import PoolsScreen

        self.push_screen(PoolsScreen(nad, pool))

    def go_home(self) -> None:
        from multus_tui.ui.screens.home import HomeScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def open_namespace_screen(self, namespace: str, tab: str = "attachments") -> None:
        from multus_tui.ui.screens.namespace import NamespaceScreen

        if self.ctx.store is None:
            return
        self.go_home()
        self.ctx.namespace = namespace
        self.push_screen(NamespaceScreen(namespace, tab))

    def action_switch_namespace(self) -> None:
        from multus_tui.ui.screens.dialogs import PickerScreen

        if self.ctx.store is None:
            return
        names = [n.name for n in self.ctx.store.namespaces()]
        self.push_screen(PickerScreen("Namespace", names, self.ctx.namespace),
                         on_answer(self.open_namespace_screen))

    def action_switch_context(self) -> None:
        from multus_tui.ui.screens.context_switch import ContextSwitchScreen

        self.push_screen(ContextSwitchScreen(), on_answer(self.switch_context))

    # --- context switch (worker) ------------------------------------------------------------------
    def switch_context(self, name: str) -> None:
        """Connect to another context of the kubeconfig (the client is built in a worker; the answer,
        ContextSwitched, swaps it in on the event loop)."""
        self._connect_context(self.ctx.kubeconfig, name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="context", description="switching context")
    def _connect_context(self, kubeconfig: str | None, name: str) -> None:
        from multus_tui.cluster.client import Cluster
        from multus_tui.cluster.errors import ClusterError
        from multus_tui.cluster.kubeconfig import load_cluster
        from multus_tui.cluster.store import LiveStore

        try:
            info = load_cluster(kubeconfig, name)
        except ClusterError as exc:
            self.post_message(ContextSwitched(name, exc.message))
            return
        cluster = Cluster(info)
        self.post_message(ContextSwitched(info.context, None, info, cluster, LiveStore(cluster)))

    def _detach_store(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._store_started = False
        self._pending_changes.clear()  # the old cluster's changes must not reach the new one's screens
        self._ui_heap_frozen = False

    @work(thread=True, exit_on_error=False, group="retire", description="stopping the old connection")
    def _retire(self, store: LiveStore) -> None:
        store.stop()  # joins its threads: up to a few seconds, never on the event loop

    def on_context_switched(self, message: ContextSwitched) -> None:
        if message.error or message.info is None or message.cluster is None or message.store is None:
            self.notify(f"Cannot switch to {sanitize(message.context)}: {sanitize(message.error)}",
                        severity="error", markup=False, timeout=8)
            return
        from multus_tui.ui.screens.home import HomeScreen

        old = self.ctx.store
        self._detach_store()
        if old is not None:
            self._retire(old)
        info = message.info
        self.ctx.cluster, self.ctx.store = message.cluster, message.store
        self.ctx.context_name, self.ctx.server, self.ctx.namespace = info.context, info.server, info.namespace
        self.ctx.contexts = list(info.contexts)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.doctor = self._new_doctor()
        self.multus_installed = None
        self.connection = ("connecting", None)
        self.context_label = message.context or ""
        self.push_screen(HomeScreen())
        self._subscribe()
        self.connect()
        self.notify(f"Context {sanitize(message.context)}", markup=False)

    # --- object actions shared by screens ---------------------------------------------------------
    def show_nad_yaml(self, view: NADView) -> None:
        from multus_tui.ui.screens.dialogs import YamlScreen
        from multus_tui.ui.screens.nad_detail import nad_yaml

        self.push_screen(YamlScreen(f"NAD {view.namespace}/{view.name}", nad_yaml(view)))

    def show_pod_yaml(self, namespace: str, name: str) -> None:
        if self.ctx.cluster is not None:
            self._read_pod(self.ctx.cluster, namespace, name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="yaml", description="reading the pod")
    def _read_pod(self, cluster: Cluster, namespace: str, name: str) -> None:
        import yaml

        obj = cluster.get_raw("pod", namespace, name)
        (obj.get("metadata") or {}).pop("managedFields", None)
        self.post_message(ObjectRead(f"Pod {namespace}/{name}", yaml.safe_dump(obj, sort_keys=False)))

    def on_object_read(self, message: ObjectRead) -> None:
        from multus_tui.ui.screens.dialogs import YamlScreen

        self.push_screen(YamlScreen(message.title, message.text))

    def shell_into(self, namespace: str, pod: str) -> None:
        """Hand the terminal to `kubectl exec -it` and take it back when the shell exits."""
        if self.ctx.readonly:
            return
        if shutil.which("kubectl") is None:
            self.notify("kubectl is not installed (or not on PATH): cannot open a shell.", severity="error")
            return
        cmd = kubectl_exec_command(self.ctx, namespace, pod)
        try:
            with self.suspend():
                rc = subprocess.call(cmd, env=kubectl_env(self.ctx))
        except (SuspendNotSupported, OSError) as exc:  # headless or web; kubectl gone since the check
            self.notify(f"Cannot open a shell here: {sanitize(exc)}", severity="error", markup=False)
            return
        self.refresh()
        if rc not in (0, 130):
            self.notify(f"kubectl exec exited with {rc}", severity="warning")

    def confirm_delete_pod(self, namespace: str, name: str) -> None:
        from multus_tui.ui.screens.dialogs import ConfirmScreen

        if self.ctx.readonly or self.ctx.cluster is None:
            return
        cluster = self.ctx.cluster
        self.push_screen(ConfirmScreen(f"Delete pod {namespace}/{name}?"),
                         on_answer(lambda _: self._delete_pod(cluster, namespace, name)))

    def confirm_delete_nad(self, view: NADView) -> None:
        """The builder's delete dialog: it names every pod that uses the NAD and deletes in a worker."""
        from multus_tui.ui.builder.delete import DeleteNadScreen

        if self.ctx.readonly:
            return
        self.push_screen(DeleteNadScreen(self.ctx, view))

    @work(thread=True, exit_on_error=False, group="delete", description="delete")
    def _delete_pod(self, cluster: Cluster, namespace: str, name: str) -> None:
        from multus_tui.cluster import writes

        writes.delete_pod(cluster, namespace, name)
        self.post_message(WriteDone(f"Deleted pod {sanitize(namespace)}/{sanitize(name)}"))

    def on_write_done(self, message: WriteDone) -> None:
        if message.error is None:
            self.notify(message.what, markup=False)
        else:
            self.notify(f"{message.what}: {sanitize(message.error)}", severity="error", markup=False)

    def open_builder(self, nad_view: NADView | None = None, namespace: str | None = None,
                     template: str | None = None) -> None:
        from multus_tui.ui.builder.screen import NadBuilderScreen

        # Under --readonly the builder still opens: it hides apply and delete itself (offline export).
        nad = nad_view.nad if nad_view is not None else None
        self.push_screen(NadBuilderScreen(self.ctx, nad=nad, namespace=namespace or self.ctx.namespace,
                                          template=template))

    def open_attach(self, namespace: str, preselect: list[tuple[str, str]] | None = None) -> None:
        from multus_tui.ui.attach.builder import AttachBuilderScreen

        # Under --readonly the attach builder still opens: it only produces the annotation/YAML then
        # (it hides create/patch itself).
        self.push_screen(AttachBuilderScreen(self.ctx, namespace, preselect=list(preselect or [])))
