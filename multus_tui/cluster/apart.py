"""Run a CPU-bound computation in a forked child while this process does other work.

A whole-cluster diagnosis is CPU-bound Python, so it uses one core however many the machine has. The
child is forked after the fetch: it reads what the parent holds (copy-on-write, nothing is pickled
into it) and sends back only its result. Where fork is missing (Windows), other threads run (forking
them is unsafe), the fork fails or the child dies, the computation runs here when its result is
asked for: the result is the same, only later.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")


def run_apart(fn: Callable[[], T]) -> Callable[[], T]:
    """Start `fn` in a forked child; the returned function waits for its result (or computes it here)."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return fn
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        log.debug("fork failed (%s): computing in process", exc)
        return fn
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
        code = 0
        try:
            os.close(read_fd)
            try:
                data = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - said to the parent, which computes it itself
                data = pickle.dumps((False, repr(exc)))
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
        except BaseException:  # noqa: BLE001 - the parent sees no result and computes it itself
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)

    def result() -> T:
        with os.fdopen(read_fd, "rb") as inp:
            data = inp.read()
        os.waitpid(pid, 0)
        value: Any
        try:
            ok, value = pickle.loads(data) if data else (False, "no result")
        except Exception as exc:  # noqa: BLE001 - a truncated answer: computed here instead
            ok, value = False, repr(exc)
        if ok:
            return cast(T, value)
        log.warning("the forked computation failed (%s): computing it in process", value)
        return fn()

    return result
