"""LiveStore: an in-memory mirror of namespaces, NADs, pods and events, kept live by list-then-watch.

One background thread per kind, as client-go's reflector does it:
  sync → watch from the sync's resourceVersion with bookmarks and a server timeout → when the
  stream ends, watch again from the last resourceVersion seen → on 410 Gone (history compacted)
  sync again → on any other failure back off exponentially with jitter, then resume from the last
  resourceVersion.
A sync is the streaming watch-list where the server offers it (kube 1.32: `sendInitialEvents=true`,
`resourceVersionMatch=NotOlderThan`; the state arrives as ADDED events closed by a bookmark
annotated `k8s.io/initial-events-end`, and the same stream goes on as the watch), otherwise a list
in pages of `list_limit` (500, client-go's page) following `continue`. Either way the mirror is
reconciled in place as objects arrive (an object whose resourceVersion did not change keeps its
view; what was not seen is deleted at the end), so a relist after 410 never holds two copies of the
cluster (issue 18). Objects are decoded straight from the bytes into compact views (wire.py).
A dispatcher thread delivers coalesced batches of `Change` to listeners at most every
`batch_interval` seconds, so a burst of 5,000 pod updates becomes a handful of UI updates.
Listeners receive views (views.py), never Kubernetes objects. Listeners run on the dispatcher
thread: a Textual app must hop to its own loop (call_from_thread / post_message).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from multus_tui.cluster.client import Cluster, WatchStream
from multus_tui.cluster.errors import ClusterError, from_api_status, from_exception
from multus_tui.cluster.gcpause import gc_paused
from multus_tui.cluster.views import (
    VIEW_TYPES,
    EventView,
    IPPoolView,
    IPReservationView,
    NADView,
    NamespaceView,
    NodeNetworkStateView,
    NodeView,
    PodView,
)
from multus_tui.cluster.wire import EventDecoder, decode_page

if TYPE_CHECKING:
    from multus_tui.multus.attachments import AttachmentState

log = logging.getLogger(__name__)

KindName = Literal["namespace", "nad", "pod", "event", "node", "nns", "ippool", "ipreservation", "state"]
Op = Literal["upsert", "delete", "reset"]
Status = Literal["connecting", "live", "stale", "reconnecting", "failed"]

# Staleness (issue 14): a live watch hears an event or a bookmark at least every bookmark period
# (kube-apiserver: about a minute; the sandbox: 5 s). The store learns the period from the quiet before
# each bookmark it gets, and calls the data stale after twice that without a word (never under
# STALE_MIN_S; STALE_DEFAULT_S until a period was seen), e.g. a server that is frozen (SIGSTOP) or a
# connection that died without a reset. TCP would only say so after the read timeout (minutes).
STALE_MIN_S = 10.0
STALE_DEFAULT_S = 90.0
ALL_KINDS: tuple[str, ...] = ("namespace", "nad", "pod", "event", "node", "nns", "ippool", "ipreservation")
# Kinds a cluster may not serve (their CRD is not installed: 404) or this account may not read (403, for
# the facts the checks only add to): an empty, synced kind, looked at again later.
ABSENT_WHEN = {
    "nad": {404: "NetworkAttachmentDefinition CRD not installed (Multus missing?)"},
    "node": {403: "not permitted to list nodes"},
    "nns": {404: "NodeNetworkState CRD not installed (kubernetes-nmstate missing)",
            403: "not permitted to list NodeNetworkStates"},
    "ippool": {404: "IPPool CRD not installed (whereabouts missing)", 403: "not permitted to list IPPools"},
    "ipreservation": {404: "OverlappingRangeIPReservation CRD not installed (whereabouts missing)",
                      403: "not permitted to list OverlappingRangeIPReservations"},
}
# Kinds read in every namespace whatever the store's scope: whereabouts keeps its pools in its own
# namespace (kube-system by default), not in the namespaces of the pods.
ALL_NAMESPACES_KINDS = frozenset({"ippool", "ipreservation"})
# Kinds indexed by namespace (a namespace's pods are read without a walk of the whole mirror).
NS_INDEXED = ("pod", "nad")
# client-go's page (the reflector's and kubectl's chunk size)
LIST_LIMIT = 500
# A sync of more changes than this is delivered as one "reset" of the kind (a screen refreshes
# whole), not a Change per object; a first sync always is.
RESET_OVER = 2000
# While a first sync streams in, a "reset" at most this often lets the screens show what has come.
PROGRESS_S = 0.5


@dataclass(frozen=True, slots=True)
class NamespaceCounts:
    """A namespace's row on the home screen, kept up to date as pods change (never recomputed from
    the whole mirror): pods, pods with a secondary attachment, failed secondary attachments.
    `nads`: the namespace's NADs."""

    name: str
    phase: str
    nads: int
    pods: int
    pods_with_attachments: int
    failing: int


_REFS: dict[str, str] = {}


def _intern_ref(ref: str) -> str:
    """One string per network name ("ns/name"), however many pods use it."""
    hit = _REFS.get(ref)
    if hit is None:
        if len(_REFS) > 200_000:
            _REFS.clear()
        hit = _REFS[ref] = ref
    return hit


class _Sync:
    """One (re)sync of a kind: what it has seen, what it changed."""

    __slots__ = ("seen", "quiet", "changes", "last_progress", "count")

    def __init__(self, quiet: bool) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.quiet = quiet  # deliver "reset"s, not a Change per object
        self.changes: list[Change] = []
        self.last_progress = time.monotonic()
        self.count = 0


@dataclass(frozen=True, slots=True)
class ConnectionState:
    status: Status
    reason: str | None = None
    # per kind: "connecting" | "live" | "reconnecting" | "failed" | "absent" (e.g. no NAD CRD)
    kinds: tuple[tuple[str, str], ...] = ()

    @property
    def live(self) -> bool:
        return self.status == "live"


@dataclass(frozen=True, slots=True)
class Change:
    kind: KindName
    op: Op
    key: tuple[str, str] | None
    view: Any = None


Listener = Callable[[list[Change]], None]


class _Stopped(Exception):
    pass


class _KindWatcher:
    """The list-then-watch loop of one kind, in its own thread."""

    def __init__(self, store: LiveStore, kind: str) -> None:
        self.store = store
        self.kind = kind
        self.view_type = VIEW_TYPES[kind]
        self.rv: str | None = None
        self.status = "connecting"
        self.reason: str | None = None
        self.synced = threading.Event()
        self.stream: WatchStream | None = None
        self.failures = 0
        self.errors = 0  # every failure ever (failures resets on success); tests and --debug read it
        self.lists = 0  # how many (re)syncs were begun (a paged list or a watch-list); tests and diagnostics read it
        self.watches = 0
        self.synced_once = False
        # when the server was last heard from on this kind (monotonic, and wall clock for people)
        self.heard = time.monotonic()
        self.heard_wall = time.time()
        self.thread = threading.Thread(target=self._run, name=f"multus-tui-watch-{kind}", daemon=True)

    # -- the loop --------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        except _Stopped:
            pass

    def _loop(self) -> None:
        st = self.store
        while not st._stop.is_set():
            try:
                if self.rv is None and self.kind in st._watch_list_kinds():
                    try:
                        self._watch(initial=True)  # the watch-list: the sync, then the watch, one stream
                        self.failures = 0
                        continue
                    except ClusterError as exc:
                        if exc.code not in (400, 422) or self.synced_once:
                            raise
                        # kube < 1.32 without the WatchList gate: "sendInitialEvents is forbidden
                        # for watch unless the WatchList feature gate is enabled" (422); list instead
                        log.info("%s: no streaming watch-list (%s); listing in pages", self.kind, exc.message)
                        st._watch_list = False
                        self.lists -= 1  # refused, not begun
                if self.rv is None:
                    self._list()
                self._watch()
                self.failures = 0
            except _Stopped:
                return
            except ClusterError as exc:
                if st._stop.is_set():
                    return
                if exc.code == 410:
                    # history compacted past our resourceVersion: relist and reconcile
                    self.rv = None
                    continue
                absent = ABSENT_WHEN.get(self.kind, {}).get(exc.code or 0)
                if absent:
                    self._absent(absent)
                    continue
                self._failed(exc)
            except Exception as exc:  # noqa: BLE001 - a bug must not kill the mirror silently
                if st._stop.is_set():
                    return
                log.exception("watch loop of %s", self.kind)
                self._failed(from_exception(exc, st.cluster.server))

    def _list(self) -> None:
        st = self.store
        ns = None if self.kind in ALL_NAMESPACES_KINDS else st.namespace
        if self.kind == "namespace" and ns:
            # a namespaced user may not list namespaces; one scope needs only its own
            try:
                obj = st.cluster.get_raw("namespace", None, ns)
                data = {"metadata": {"resourceVersion": None}, "items": [obj]}
            except ClusterError as exc:
                if exc.code not in (403, 404):
                    raise
                data = {"metadata": {"resourceVersion": None}, "items": []}
                if exc.code == 403:
                    data["items"] = [{"metadata": {"name": ns}, "status": {"phase": "Active"}}]
            self.lists += 1
            st._reconcile(self.kind, [self.view_type.from_raw(o) for o in data["items"]])
            self.rv = "static"
            self._set_live()
            return
        # Pages of list_limit, each decoded into views and reconciled into the mirror before the
        # next is asked for: the memory peak is one page, never the whole list (issue 18).
        sync = st._sync_begin(self.kind)
        self.lists += 1
        rv = ""
        with gc_paused():  # nothing decoded here is in a cycle; the collector would walk it all, often
            for body in st.cluster.list_pages(self.kind, ns, limit=st.list_limit or LIST_LIMIT):
                if st._stop.is_set():
                    raise _Stopped
                try:
                    page = decode_page(self.kind, body)
                except ValueError as exc:
                    raise ClusterError(f"the cluster answered a list of {self.kind} with something else: {exc}",
                                       reason="BadResponse") from None
                del body
                rv = rv or page.resource_version
                st._sync_add(self.kind, page.views, sync)
            st._sync_end(self.kind, sync)
            self.rv = rv or "0"
            self._set_live()
            st._freeze_heap()  # before the collector resumes (see _watch)

    def _watch(self, initial: bool = False) -> None:
        """Watch from self.rv; with `initial`, the watch-list: the state first (ADDED events until the
        bookmark annotated k8s.io/initial-events-end), reconciled into the mirror, then the watch."""
        st = self.store
        if self.rv == "static":  # single-namespace scope of the namespace kind: re-read now and then
            if st._stop.wait(st.watch_timeout):
                raise _Stopped
            self.rv = None
            return
        if initial:
            self.lists += 1  # a sync begun (the watch-list is this kind's list)
        stream = st.cluster.watch_raw(self.kind, None if self.kind in ALL_NAMESPACES_KINDS else st.namespace,
                                      resource_version=None if initial else self.rv,
                                      timeout_seconds=st.watch_timeout, allow_bookmarks=True,
                                      send_initial_events=initial)
        self.stream = stream
        self.watches += 1
        # the server answered: the next failure starts the backoff afresh (and is not the Nth in a row)
        self.failures = 0
        if st._stop.is_set():
            stream.close()
            raise _Stopped
        if self.status != "live" and not initial:
            self._set_live()
        decode = EventDecoder(self.kind)
        sync = st._sync_begin(self.kind) if initial else None
        pause = contextlib.ExitStack()
        if sync is not None:
            pause.enter_context(gc_paused())  # as in _list, until the state is in
        try:
            for line in stream.lines():
                try:
                    ev = decode(line)
                except ValueError as exc:
                    raise ClusterError(f"the cluster sent a watch event that is not JSON: {exc}",
                                       reason="BadWatch") from None
                typ, rv = ev.type, ev.resource_version
                if typ == "ERROR":
                    status = ev.status or {}
                    raise from_api_status(status.get("code"), status)
                self._heard(bookmark=typ == "BOOKMARK")
                if typ == "BOOKMARK":
                    if sync is not None and ev.initial_end:
                        st._sync_end(self.kind, sync)
                        sync = None
                        if rv:
                            self.rv = rv
                        self._set_live()
                        # frozen before the collector resumes: its first collection would walk every
                        # object the sync made (~0.5 s holding the GIL at 150,000 pods)
                        st._freeze_heap()
                        pause.close()
                    elif rv and sync is None:
                        self.rv = rv
                    continue
                view = ev.view
                if view is None:  # unreadable: skipped, its resourceVersion kept
                    if rv and sync is None:
                        self.rv = rv
                    continue
                if sync is not None:
                    st._sync_add(self.kind, (view,), sync)
                    continue
                if typ == "DELETED":
                    st._delete(self.kind, view.key)
                else:
                    st._upsert(self.kind, view)
                if rv:
                    self.rv = rv
        finally:
            pause.close()
            self.stream = None
            stream.close()
        if st._stop.is_set():
            raise _Stopped
        if sync is not None:
            # the stream ended before the state was complete: a sync from scratch (what was
            # reconciled stays, nothing is deleted on a partial view)
            self.rv = None

    # -- state -----------------------------------------------------------------------------------
    def _heard(self, *, bookmark: bool = False) -> None:
        now = time.monotonic()
        if bookmark:  # the quiet before a bookmark is (at most) the server's bookmark period
            self.store._learn_bookmark_period(now - self.heard)
        self.heard, self.heard_wall = now, time.time()
        if self.store._stale_kinds:
            self.store._kind_state_changed()

    def _set_live(self) -> None:
        self.status, self.reason = "live", None
        self.synced_once = True
        self.heard, self.heard_wall = time.monotonic(), time.time()
        self.synced.set()
        self.store._kind_state_changed()

    def _absent(self, reason: str) -> None:
        """The kind's API does not exist (its CRD is not installed) or may not be read: an empty,
        synced kind; look again later."""
        st = self.store
        st._reconcile(self.kind, [])
        self.status, self.reason = "absent", reason
        self.synced.set()
        self.rv = None
        st._kind_state_changed()
        if st._stop.wait(st.absent_recheck):
            raise _Stopped

    def _failed(self, exc: ClusterError) -> None:
        st = self.store
        self.failures += 1
        self.errors += 1
        permanent = exc.code in (401, 403)
        # fail_after failures in a row: "failed" (with the reason), synced or not; retries go on
        self.status = "failed" if (permanent or self.failures >= st.fail_after) else "reconnecting"
        self.reason = exc.message
        st._kind_state_changed()
        # exponential backoff with full jitter, so many clients do not retry in lockstep
        delay = min(st.backoff_max, st.backoff_initial * (2 ** min(self.failures - 1, 16)))
        delay = random.uniform(delay / 2, delay)
        log.info("%s watch failed (%s); retrying in %.1fs", self.kind, exc.message, delay)
        if st._stop.wait(delay):
            raise _Stopped


# the most pods whose attachment joins LiveStore keeps (screens show far fewer at a time)
JOINED_MAX = 50_000


class LiveStore:
    """A live, thread-safe mirror of one namespace (or all) for the UI and commands.

    `watch_timeout` is the server-side timeoutSeconds of each watch (streams end and are resumed
    from the last resourceVersion); tests make it short.
    """

    def __init__(self, cluster: Cluster, namespace: str | None = None, *, kinds: tuple[str, ...] = ALL_KINDS,
                 watch_timeout: int = 300, batch_interval: float = 0.05, backoff_initial: float = 0.5,
                 backoff_max: float = 30.0, fail_after: int = 3, absent_recheck: float = 30.0,
                 list_limit: int | None = LIST_LIMIT, freeze_gc: bool = True, watch_list: bool | None = None) -> None:
        self.cluster = cluster
        self.freeze_gc = freeze_gc
        self.namespace = namespace
        self.kinds = tuple(k for k in kinds if k in VIEW_TYPES)
        self.watch_timeout = watch_timeout
        self.batch_interval = batch_interval
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.fail_after = fail_after
        self.absent_recheck = absent_recheck
        self.list_limit = list_limit
        # the streaming watch-list: None = where the server offers it (found out on first use),
        # False = always list in pages, True = insist
        self._watch_list = watch_list
        self._lock = threading.RLock()
        self._objects: dict[str, dict[tuple[str, str], Any]] = {k: {} for k in ALL_KINDS}
        # kind -> namespace -> name -> view (pods and NADs): a namespace's objects without a walk of all
        self._by_ns: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in NS_INDEXED}
        # pod key -> (secondary networks, failed ones) and their sums per namespace [with, failing]
        self._pod_summary: dict[tuple[str, str], tuple[tuple[str, ...], int]] = {}
        self._ns_sums: dict[str, list[int]] = {}
        # network ("ns/name") -> the pods with a secondary attachment to it
        self._by_network: dict[str, set[tuple[str, str]]] = {}
        # pod key -> ((network, addresses), ...) of its attached secondaries (filled on demand)
        self._digests: dict[tuple[str, str], tuple[tuple[str, tuple[str, ...]], ...]] = {}
        # events by the object they are about: pod_attachments must not scan every event
        self._events_by_obj: dict[tuple[str, str], dict[tuple[str, str], EventView]] = {}
        # pod_attachments' joins, kept until the pod or one of its events changes (screens re-derive
        # their rows on every batch); bounded: only pods some screen shows are ever joined here
        self._joined: dict[tuple[str, str], tuple[tuple, list[Any]]] = {}
        self._listeners: list[Listener] = []
        self._pending: dict[tuple[str, tuple[str, str] | None], Change] = {}
        self._pending_cv = threading.Condition(threading.Lock())
        self._stop = threading.Event()
        self._watchers = {k: _KindWatcher(self, k) for k in self.kinds}
        self._state = ConnectionState("connecting", None, tuple((k, "connecting") for k in self.kinds))
        self.bookmark_period: float | None = None  # learnt from the bookmarks (see STALE_MIN_S)
        self._stale_kinds: tuple[str, ...] = ()
        self._dispatcher = threading.Thread(target=self._dispatch_loop, name="multus-tui-dispatch", daemon=True)
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> LiveStore:
        if self._started:
            return self
        self._started = True
        self._dispatcher.start()
        for w in self._watchers.values():
            w.thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop every thread promptly: open watch streams are closed, not waited out."""
        self._stop.set()
        for w in self._watchers.values():
            s = w.stream
            if s is not None:
                s.close()
        with self._pending_cv:
            self._pending_cv.notify_all()
        deadline = time.monotonic() + timeout
        for w in self._watchers.values():
            if w.thread.is_alive():
                w.thread.join(max(0.0, deadline - time.monotonic()))
        if self._dispatcher.is_alive():
            self._dispatcher.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> LiveStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def alive_threads(self) -> int:
        return sum(t.is_alive() for t in [self._dispatcher, *(w.thread for w in self._watchers.values())])

    @property
    def synced(self) -> bool:
        """Every kind has completed its first list (or was found absent)."""
        return all(w.synced.is_set() for w in self._watchers.values())

    def wait_synced(self, timeout: float | None = None) -> bool:
        """Block until every kind has completed its first list (or was found absent)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for w in self._watchers.values():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not w.synced.wait(left):
                return False
        # a kind marks itself synced just before it updates the state: settle the state now (the
        # computation its thread is about to make), so the caller reads it right away
        self._kind_state_changed()
        return True

    def _freeze_heap(self) -> None:
        """Once every kind is listed, move what the process holds into the collector's permanent
        generation (gc.freeze). 10,000 pods in the mirror plus the UI are ~170k long-lived tracked
        objects (and the list that built them far more); without this
        every full collection walks them all again: 0.5 s pauses of the UI thread during a burst of
        updates (issue 9, key latency). Views are acyclic, so nothing frozen needs the cycle collector;
        replaced views are still freed by reference counting."""
        if self.freeze_gc and all(w.synced.is_set() for w in self._watchers.values()):
            gc.freeze()

    # -- state -------------------------------------------------------------------------------------
    @property
    def state(self) -> ConnectionState:
        return self._state

    def _learn_bookmark_period(self, quiet: float) -> None:
        if quiet > 0.5:  # a bookmark right after an event says nothing about the period
            self.bookmark_period = max(self.bookmark_period or 0.0, min(quiet, STALE_DEFAULT_S))

    @property
    def stale_after(self) -> float:
        """Seconds without an event or bookmark after which a live kind's data is called stale."""
        if self.bookmark_period is None:
            return STALE_DEFAULT_S
        return max(STALE_MIN_S, 2 * self.bookmark_period)

    def _check_stale(self) -> None:
        now = time.monotonic()
        limit = self.stale_after
        stale = tuple(w.kind for w in self._watchers.values()
                      if w.status == "live" and w.rv != "static" and w.stream is not None and now - w.heard > limit)
        if stale != self._stale_kinds:
            self._kind_state_changed()

    def _kind_state_changed(self) -> None:
        # read, stored and queued under one lock: two kinds changing at once (their threads) must not
        # leave the older reading as the state, nor queue it after the newer one
        with self._lock:
            self._kind_state_changed_locked()

    def _kind_state_changed_locked(self) -> None:
        ws = list(self._watchers.values())
        kinds = tuple((w.kind, w.status) for w in ws)
        failed = [w for w in ws if w.status == "failed"]
        recon = [w for w in ws if w.status == "reconnecting"]
        now, limit = time.monotonic(), self.stale_after
        stale = [w for w in ws if w.status == "live" and w.rv != "static" and w.stream is not None
                 and now - w.heard > limit]
        self._stale_kinds = tuple(w.kind for w in stale)
        if failed:
            st = ConnectionState("failed", f"{failed[0].kind}: {failed[0].reason}", kinds)
        elif recon:
            # before the first successful list of every kind we are still "connecting"
            status: Status = "reconnecting" if all(w.synced.is_set() for w in recon) else "connecting"
            st = ConnectionState(status, f"{recon[0].kind}: {recon[0].reason}", kinds)
        elif stale and all(w.status in ("live", "absent") for w in ws):
            since = time.strftime("%H:%M:%S", time.localtime(min(w.heard_wall for w in stale)))
            st = ConnectionState("stale", f"no event or bookmark since {since}", kinds)
        elif all(w.status in ("live", "absent") for w in ws):
            absent = [w for w in ws if w.status == "absent" and w.kind == "nad"]
            st = ConnectionState("live", absent[0].reason if absent else None, kinds)
        else:
            st = ConnectionState("connecting", None, kinds)
        with self._lock:
            changed = (st.status, st.reason) != (self._state.status, self._state.reason)
            self._state = st
        if changed:
            self._queue(Change("state", "upsert", None, st))

    # -- mutations (watcher threads) ---------------------------------------------------------------
    def _watch_list_kinds(self) -> tuple[str, ...]:
        """The kinds synced with the streaming watch-list (none once the server refused it)."""
        if self._watch_list is False:
            return ()
        # a namespaced scope reads its one namespace with a GET (`_list`'s static path)
        return tuple(k for k in self.kinds if not (k == "namespace" and self.namespace))

    def _upsert(self, kind: str, view: Any) -> None:
        key = view.key
        with self._lock:
            objs = self._objects[kind]
            old = objs.get(key)
            objs[key] = view
            self._indexed(kind, key, old, view)
        self._queue(Change(kind, "upsert", key, view))  # type: ignore[arg-type]

    def _delete(self, kind: str, key: tuple[str, str]) -> None:
        with self._lock:
            old = self._objects[kind].pop(key, None)
            if old is not None:
                self._indexed(kind, key, old, None)
        if old is not None:
            self._queue(Change(kind, "delete", key, old))  # type: ignore[arg-type]

    # -- (re)sync: objects reconciled in place as they arrive --------------------------------------
    def _sync_begin(self, kind: str) -> _Sync:
        with self._lock:
            first = not self._objects[kind]
        return _Sync(quiet=first)

    def _sync_add(self, kind: str, views: Any, sync: _Sync) -> None:
        """Objects of a sync in progress: a view whose resourceVersion the mirror already holds is
        dropped (the mirror keeps its own: no second copy), the others replace theirs."""
        changes = sync.changes
        seen = sync.seen
        with self._lock:
            objs = self._objects[kind]
            for v in views:
                key = v.key
                seen.add(key)
                old = objs.get(key)
                if old is not None and old.resource_version and old.resource_version == v.resource_version:
                    continue
                objs[key] = v
                self._indexed(kind, key, old, v)
                sync.count += 1
                if not sync.quiet:
                    changes.append(Change(kind, "upsert", key, v))  # type: ignore[arg-type]
        if not sync.quiet and len(changes) > RESET_OVER:
            sync.quiet, sync.changes = True, []
        if sync.quiet and sync.count and time.monotonic() - sync.last_progress >= PROGRESS_S:
            sync.last_progress = time.monotonic()
            self._queue(Change(kind, "reset", None))  # type: ignore[arg-type]

    def _sync_end(self, kind: str, sync: _Sync) -> None:
        """The sync saw the whole state: what it did not see was deleted meanwhile."""
        with self._lock:
            objs = self._objects[kind]
            gone = [k for k in objs if k not in sync.seen]
            for key in gone:
                old = objs.pop(key)
                self._indexed(kind, key, old, None)
                if not sync.quiet:
                    sync.changes.append(Change(kind, "delete", key, old))  # type: ignore[arg-type]
        if sync.quiet or len(sync.changes) > RESET_OVER:
            self._queue(Change(kind, "reset", None))  # type: ignore[arg-type]
        else:
            self._queue_many(sync.changes)
        sync.seen.clear()
        sync.changes = []

    # -- indexes (under the lock) ------------------------------------------------------------------
    def _indexed(self, kind: str, key: tuple[str, str], old: Any, new: Any) -> None:
        """Keep the indexes in step with one object's change (old -> new; None: absent)."""
        if kind == "event":
            self._index_event(old, new)
            for ev in (old, new):  # the pods the event is about: their summaries depend on it
                if ev is not None and ev.involved_kind in ("Pod", ""):
                    pkey = (ev.involved_namespace, ev.involved_name)
                    pod = self._objects["pod"].get(pkey)
                    if pod is not None:
                        self._summarize(pkey, pod)
            return
        by_ns = self._by_ns.get(kind)
        if by_ns is not None:
            if old is not None and (new is None or old.namespace != new.namespace):
                bucket = by_ns.get(old.namespace)
                if bucket is not None:
                    bucket.pop(old.name, None)
                    if not bucket:
                        del by_ns[old.namespace]
            if new is not None:
                bucket = by_ns.get(new.namespace)
                if bucket is None:
                    bucket = by_ns[new.namespace] = {}
                bucket[new.name] = new
        if kind == "pod":
            self._summarize(key, new)

    def _summarize(self, key: tuple[str, str], pod: PodView | None) -> None:
        """The pod's secondary attachments and failed ones, and its namespace's sums, brought up to
        date (a pod with no event costs a cached selection parse and its network-status)."""
        old = self._pod_summary.pop(key, None)
        self._digests.pop(key, None)
        sums = self._ns_sums.get(key[0])
        if old is not None:
            if sums is not None:
                sums[0] -= 1 if old[0] else 0
                sums[1] -= old[1]
            for net in old[0]:
                users = self._by_network.get(net)
                if users is not None:
                    users.discard(key)
                    if not users:
                        del self._by_network[net]
        if pod is None:
            return
        from multus_tui.multus.attachments import secondary_summary

        bucket = self._events_by_obj.get(key)
        events = [e.as_event_dict() for e in bucket.values() if e.involved_kind in ("Pod", "")
                  and (not e.involved_uid or not pod.uid or e.involved_uid == pod.uid)] if bucket else None
        try:
            summary = secondary_summary(pod.namespace, pod.annotations, pod.phase, events)
        except Exception:  # noqa: BLE001 - odd cluster data must not break the mirror; the views say why
            summary = ((), 0)
        nets = tuple(_intern_ref(n) for n in summary[0])
        self._pod_summary[key] = (nets, summary[1])
        if sums is None:
            sums = self._ns_sums[key[0]] = [0, 0]
        sums[0] += 1 if nets else 0
        sums[1] += summary[1]
        for net in nets:
            users = self._by_network.get(net)
            if users is None:
                users = self._by_network[net] = set()
            users.add(key)

    def _reconcile(self, kind: str, views: list[Any]) -> None:
        """Make the mirror equal to a fresh list: upsert what is new or changed, delete what vanished
        while we were not watching (a relist after 410 must not leave ghosts)."""
        changes: list[Change] = []
        with self._lock:
            objs = self._objects[kind]
            fresh = {v.key: v for v in views}
            for key in [k for k in objs if k not in fresh]:
                old = objs.pop(key)
                self._indexed(kind, key, old, None)
                changes.append(Change(kind, "delete", key, old))  # type: ignore[arg-type]
            for key, v in fresh.items():
                old = objs.get(key)
                if old is not None and getattr(old, "resource_version", None) == getattr(v, "resource_version", 0) \
                        and old.resource_version:
                    continue
                objs[key] = v
                self._indexed(kind, key, old, v)
                changes.append(Change(kind, "upsert", key, v))  # type: ignore[arg-type]
        self._queue_many(changes)

    def _index_event(self, old: EventView | None, new: EventView | None) -> None:
        if old is not None:
            bucket = self._events_by_obj.get((old.involved_namespace, old.involved_name))
            if bucket is not None:
                bucket.pop(old.key, None)
                if not bucket:
                    del self._events_by_obj[(old.involved_namespace, old.involved_name)]
        if new is not None:
            self._events_by_obj.setdefault((new.involved_namespace, new.involved_name), {})[new.key] = new

    # -- delivery ----------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener for batches of changes (called on the store's dispatcher thread).
        Returns an unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _queue(self, change: Change) -> None:
        with self._pending_cv:
            # coalesce: the latest change of a key wins (upsert after upsert, delete after upsert...)
            k = (change.kind, change.key)
            self._pending.pop(k, None)
            self._pending[k] = change
            self._pending_cv.notify()

    def _queue_many(self, changes: list[Change]) -> None:
        if not changes:
            return
        with self._pending_cv:
            for c in changes:
                k = (c.kind, c.key)
                self._pending.pop(k, None)
                self._pending[k] = c
            self._pending_cv.notify()

    def _dispatch_loop(self) -> None:
        last = 0.0
        while True:
            with self._pending_cv:
                while not self._pending and not self._stop.is_set():
                    self._pending_cv.wait(0.5)
                    if not self._pending:
                        self._pending_cv.release()  # _check_stale may queue a change (takes the lock)
                        try:
                            self._check_stale()
                        finally:
                            self._pending_cv.acquire()
                if self._stop.is_set():
                    return
            # let a burst accumulate: at most one delivery per batch_interval
            wait = last + self.batch_interval - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            with self._pending_cv:
                batch = list(self._pending.values())
                self._pending.clear()
            last = time.monotonic()
            with self._lock:
                listeners = list(self._listeners)
            for fn in listeners:
                try:
                    fn(batch)
                except Exception:  # noqa: BLE001 - one broken listener must not starve the others
                    log.exception("store listener failed")

    # -- snapshots ---------------------------------------------------------------------------------
    def namespaces(self) -> list[NamespaceView]:
        with self._lock:
            return sorted(self._objects["namespace"].values(), key=lambda v: v.name)

    def nads(self, namespace: str | None = None) -> list[NADView]:
        with self._lock:
            if namespace is not None:
                vals = list(self._by_ns["nad"].get(namespace, {}).values())
            else:
                vals = list(self._objects["nad"].values())
        return sorted(vals, key=lambda v: (v.namespace, v.name))

    def nad(self, namespace: str, name: str) -> NADView | None:
        with self._lock:
            return self._objects["nad"].get((namespace, name))

    def pods(self, namespace: str | None = None) -> list[PodView]:
        """The pods (of `namespace`: from its index, whatever the size of the cluster), sorted."""
        with self._lock:
            if namespace is not None:
                vals = list(self._by_ns["pod"].get(namespace, {}).values())
            else:
                vals = list(self._objects["pod"].values())
        return sorted(vals, key=lambda v: (v.namespace, v.name))

    def pod_count(self, namespace: str | None = None) -> int:
        with self._lock:
            if namespace is None:
                return len(self._objects["pod"])
            return len(self._by_ns["pod"].get(namespace, ()))

    def namespace_counts(self) -> list[NamespaceCounts]:
        """Every namespace with its NAD and pod counts, pods with secondary attachments and failed
        attachments: kept up to date as objects change, so this costs the number of namespaces, not
        of pods (issue 18). Sorted by name."""
        with self._lock:
            out = []
            pods, nads, sums = self._by_ns["pod"], self._by_ns["nad"], self._ns_sums
            for ns in self._objects["namespace"].values():
                s = sums.get(ns.name) or (0, 0)
                out.append(NamespaceCounts(ns.name, ns.phase, len(nads.get(ns.name, ())),
                                           len(pods.get(ns.name, ())), s[0], s[1]))
        out.sort(key=lambda c: c.name)
        return out

    def network_users(self, network: str) -> list[PodView]:
        """The pods with a secondary attachment to `network` ("ns/name"; requested, or reported as
        their default), from the index: no walk of the mirror."""
        with self._lock:
            objs = self._objects["pod"]
            out = [objs[k] for k in self._by_network.get(network, ()) if k in objs]
        out.sort(key=lambda p: (p.namespace, p.name))
        return out

    def pod_networks(self, namespace: str, name: str) -> tuple[str, ...]:
        """The networks ("ns/name") the pod has a secondary attachment to, from the index that
        network_users reads (so the two always agree)."""
        with self._lock:
            summary = self._pod_summary.get((namespace, name))
        return summary[0] if summary else ()

    def network_use(self) -> dict[str, int]:
        """network -> how many pods have a secondary attachment to it."""
        with self._lock:
            return {net: len(users) for net, users in self._by_network.items()}

    def attached_addresses(self, namespace: str, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """((network, addresses), ...) of the pod's attached secondary attachments (the join, kept
        until the pod or its events change)."""
        key = (namespace, name)
        with self._lock:
            hit = self._digests.get(key)
            sig = self._digest_sig(key)
        if hit is not None:
            return hit
        from multus_tui.multus.attachments import ATTACHED, is_secondary

        try:
            atts = self._join(namespace, name)[1]  # not kept whole: the digest is what stays
        except Exception:  # noqa: BLE001 - odd data: nothing attached as far as a count goes
            atts = []
        digest = tuple((_intern_ref(a.network), tuple(a.ips or ())) for a in atts
                       if is_secondary(a) and a.state == ATTACHED)
        with self._lock:
            if sig == self._digest_sig(key):  # neither the pod nor its events changed meanwhile
                self._digests[key] = digest
        return digest

    def _digest_sig(self, key: tuple[str, str]) -> tuple[Any, ...] | None:
        pod = self._objects["pod"].get(key)
        if pod is None:
            return None
        bucket = self._events_by_obj.get(key) or {}
        return (pod, tuple(e.resource_version for e in bucket.values()))

    def pod_object(self, namespace: str, name: str) -> dict:
        """The whole pod as the server has it now (a GET): the mirror keeps only what the views need.
        Raises ClusterError (404 once it is gone)."""
        return self.cluster.get_raw("pod", namespace, name)

    def pod(self, namespace: str, name: str) -> PodView | None:
        with self._lock:
            return self._objects["pod"].get((namespace, name))

    def events(self, namespace: str | None = None, involved_name: str | None = None) -> list[EventView]:
        with self._lock:
            if namespace is not None and involved_name is not None:
                vals = list(self._events_by_obj.get((namespace, involved_name), {}).values())
            else:
                vals = list(self._objects["event"].values())
        if namespace is not None:
            vals = [v for v in vals if v.involved_namespace == namespace or v.namespace == namespace]
        if involved_name is not None:
            vals = [v for v in vals if v.involved_name == involved_name]
        return sorted(vals, key=lambda v: (v.last_timestamp or "", v.name))

    def nodes(self) -> list[NodeView]:
        with self._lock:
            return sorted(self._objects["node"].values(), key=lambda v: v.name)

    def node_network_states(self) -> dict[str, NodeNetworkStateView]:
        with self._lock:
            return {v.name: v for v in self._objects["nns"].values()}

    def kind_known(self, kind: str) -> bool:
        """The kind was listed at least once and exists (its objects are in the mirror, possibly while
        a watch reconnects): what a view may rely on."""
        w = self._watchers.get(kind)
        return w is not None and w.synced.is_set() and w.status != "absent"

    def kind_status(self, kind: str) -> str:
        """"live", "absent" (not installed / not permitted), "connecting", ... of one kind ("" if not watched)."""
        w = self._watchers.get(kind)
        return w.status if w is not None else ""

    def ippools(self) -> list[IPPoolView]:
        """whereabouts' IPPools (every namespace)."""
        with self._lock:
            return sorted(self._objects["ippool"].values(), key=lambda v: (v.namespace, v.name))

    def ip_reservations(self) -> list[IPReservationView]:
        """whereabouts' OverlappingRangeIPReservations (every namespace)."""
        with self._lock:
            return sorted(self._objects["ipreservation"].values(), key=lambda v: (v.namespace, v.name))

    def pod_attachments(self, namespace: str, name: str) -> list[AttachmentState]:
        """The pod's attachment states (domain AttachmentState), joined with its events; the same
        list again until the pod or one of its events changes."""
        hit = self._joined.get((namespace, name))
        sig, joined = self._join(namespace, name, hit[0] if hit is not None else None)
        if joined is None:  # unchanged since it was kept, or the pod is gone
            return hit[1] if hit is not None and sig == hit[0] else []
        if len(self._joined) >= JOINED_MAX:
            self._joined.clear()
        self._joined[(namespace, name)] = (sig, joined)
        return joined

    def _join(self, namespace: str, name: str, unless: tuple | None = None) -> tuple[tuple, list[AttachmentState] | None]:
        """(signature, the pod's attachment states); states None when the pod is gone or its signature
        (uid, resourceVersion, its events' versions) is still `unless`."""
        pod = self.pod(namespace, name)
        if pod is None:
            return (), None
        evs = [e for e in self.events(namespace, name) if e.involved_kind in ("Pod", "")]
        sig = (pod.uid, pod.resource_version, tuple((e.name, e.resource_version) for e in evs))
        if sig == unless:
            return sig, None
        return sig, pod.attachments(evs)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {k: len(v) for k, v in self._objects.items()}

    def watcher_stats(self) -> dict[str, dict[str, Any]]:
        """Per kind: lists, watches, last resourceVersion, status (for tests and --debug)."""
        return {k: {"lists": w.lists, "watches": w.watches, "errors": w.errors, "rv": w.rv, "status": w.status,
                    "reason": w.reason}
                for k, w in self._watchers.items()}
