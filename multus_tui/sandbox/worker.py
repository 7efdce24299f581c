"""The lifecycle shared by the sandbox's controllers (the simulated kubelet/Multus and the
workload controllers): a store subscription whose callback only queues work, and one worker thread
that does it, so a store writer is never blocked by a controller."""

from __future__ import annotations

import queue
import threading
from typing import Any


class StoreWorker:
    """Subclasses set `thread_name`, implement `_on_change(event_type, resource, obj)` (queue only)
    and `_run()` (the worker loop: ends when it takes None from `_queue` or `_stop` is set)."""

    thread_name = "sandbox-worker"

    def __init__(self, store: Any) -> None:
        self.store = store
        self._queue: queue.Queue[tuple | None] = queue.Queue()
        self._busy = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Any = None

    def _on_change(self, event_type: str, resource: str, obj: dict) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Subscribe to the store and start the worker; what is already stored is picked up."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._unsubscribe = self.store.subscribe(self._on_change)
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        self._queue.put(("resync",))

    def stop(self) -> None:
        """Unsubscribe and stop the worker (queued work and pending timers are dropped)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StoreWorker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
