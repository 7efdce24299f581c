"""No cyclic garbage collection while a big list is decoded (shared by the one-shot commands and the
LiveStore's syncs)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the lists are decoded and joined.

    Decoding 10,000 pods allocates about a million containers, none of them in a reference cycle;
    every 700 allocations the collector runs, and as the young objects pile up it keeps traversing
    all of them again (full collections): measured, that doubled json.loads' time. Reference
    counting still frees everything; the collector resumes (if it ran before) when the last
    concurrent caller leaves.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()
