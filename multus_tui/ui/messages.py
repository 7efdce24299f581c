"""How results reach the screens: one convention, posted typed messages (toolong's and harlequin's habit).

The rule, for every thread that works for the UI (the LiveStore's dispatcher, thread workers):

1. A thread never touches a widget, a screen or shared app state (`AppContext`, the app's reactives):
   it only *posts* a typed message (`post_message` is thread-safe and never waits for the UI) to the
   object that owns the result: the app, a screen, or a widget.
2. The owner's handler runs on the event loop; that is where state changes, screens are built and
   pushed, and `AppContext` fields are swapped (a context switch builds the new client and store in
   a worker and posts them; the handler swaps them in).
3. Messages shared by several owners are defined here; a message that only one screen or widget
   receives is a nested class of it (`ReviewScreen.Applied`).

Store changes follow the same rule: `listen(store, owner)` is the one store listener. On the store's
dispatcher thread it posts `StoreChanged(changes, store)` to `owner`. The app is the owner for the
browsing screens: it throttles the batches and hands them to the screen on top (`refresh_from_store`,
on the loop); a screen that follows the store on its own (the attach builder, a pod being followed)
listens itself and handles `on_store_changed`. A `StoreChanged` from a store that is no longer the
context's (a context switch happened since it was posted) is dropped by its handler.

The shared doctor diagnosis (`ui/doctor_cache.py`) also posts: its worker posts `DoctorDiagnosed` to
the app, which hands it to the cache; the cache posts `DoctorFindings` to each subscribed widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message
from textual.message_pump import MessagePump

from multus_tui.multus.diagnose import DoctorFinding

if TYPE_CHECKING:
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.kubeconfig import ClusterInfo
    from multus_tui.cluster.store import Change, LiveStore
    from multus_tui.ui.doctor_cache import DoctorCache


@dataclass
class StoreChanged(Message, bubble=False):
    """A batch of changes the LiveStore delivered (posted from its dispatcher thread by `listen`).

    Not bubbling: a widget that listens to the store handles its own batches; the app gets its own."""

    changes: tuple[Change, ...]
    store: LiveStore

    @property
    def kinds(self) -> set[str]:
        return {c.kind for c in self.changes}


def listen(store: LiveStore, owner: MessagePump) -> Callable[[], None]:
    """Subscribe `owner` to `store`: each batch is posted to it as `StoreChanged`. Returns the
    unsubscribe function (call it when the owner goes away)."""

    def listener(changes: list[Change]) -> None:  # the store's dispatcher thread
        try:
            owner.post_message(StoreChanged(tuple(changes), store))
        except RuntimeError:  # the app's loop is closed (it is exiting), or the owner has no app any more
            pass

    return store.subscribe(listener)


@dataclass
class ClusterChecked(Message):
    """The connection check finished: reachable (error None) or not; whether Multus is installed."""

    error: str | None
    multus_installed: bool | None
    forbidden: list[str] = field(default_factory=list)
    # the account may not write NADs or pods (None: unknown, keep what the app has)
    account_readonly: bool | None = None
    # the cluster the check was about: a check of a context the app left since is dropped
    cluster: Cluster | None = None


@dataclass
class KubeconfigReread(Message):
    """ctrl+r read the kubeconfig again: `changed` when the context's server, CA or credentials
    differ (the app switches to a fresh client), else only the connection is checked again."""

    context: str
    changed: bool


@dataclass
class ContextSwitched(Message):
    """A context switch finished (error None: `info`, `cluster` and `store` are the new connection,
    built in the worker and not started) or failed."""

    context: str | None
    error: str | None = None
    info: ClusterInfo | None = None
    cluster: Cluster | None = None
    store: LiveStore | None = None


@dataclass
class ObjectRead(Message):
    """A worker read an object to show as YAML (`error` when it could not)."""

    title: str
    text: str
    error: str | None = None


@dataclass
class WriteDone(Message):
    """A write the app started in a worker finished: `what` says what was done, `error` why it failed."""

    what: str
    error: str | None = None


@dataclass
class DoctorDiagnosed(Message):
    """A doctor diagnosis finished in its worker (posted to the app, handed to the cache `source`)."""

    source: DoctorCache  # the one that ran it (a context switch replaces the cache: old results are dropped)
    scope: str | None
    findings: list[DoctorFinding]
    error: str | None
    duration: float


@dataclass
class DoctorFindings(Message, bubble=False):
    """Fresh findings for a subscriber of the shared diagnosis (`scope`: None = the whole cluster)."""

    scope: str | None
    findings: list[DoctorFinding]
    error: str | None
