"""Waiting on conditions, never on time: the polling helpers the whole suite shares.

A test waits for what it needs (a pod Running, the store converged, a row on screen), never for a
fixed number of seconds, and never asserts how long something took. The timeouts here only bound
a failure: a condition that holds returns at once, so they are generous on purpose. The suite runs
with four (or more) xdist workers on a 2-core machine shared with other work, where a step that
takes 50 ms when idle can take several seconds; a timeout tuned on an idle machine is a flake.

- `eventually(fn)`: fn()'s first truthy value, or its last (falsy) one at the deadline, for
  `assert eventually(...), <what differs>`.
- `wait_until(fn, what=...)`: the same, but fails the test itself, naming what it waited for and
  the last value seen (or the last exception, when `ignore` lets exceptions count as "not yet").
- `await wait_for(pilot, fn, what=...)`: for Textual Pilot tests; the app keeps running while it
  polls, and an exception from `fn` (a widget not mounted yet) counts as "not yet".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

# Long enough for a loaded 2-core machine; only a failing test ever waits this long.
TIMEOUT = 30.0
INTERVAL = 0.05


def eventually(fn: Callable[[], Any], timeout: float = TIMEOUT, interval: float = INTERVAL) -> Any:
    """Poll `fn` until it returns something truthy (returned) or `timeout` passes (its last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def wait_until(fn: Callable[[], Any], timeout: float = TIMEOUT, what: str = "", *, interval: float = INTERVAL,
               ignore: tuple[type[BaseException], ...] = ()) -> Any:
    """Poll `fn` until it returns something truthy and return that; fail the test after `timeout`.

    Exceptions of the types in `ignore` count as "not yet" (reported if the wait fails)."""
    deadline = time.monotonic() + timeout
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            value, error = fn(), None
        except ignore as exc:
            value, error = None, exc
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what or fn}; "
                         + (f"last error: {error!r}" if error is not None else f"last value: {value!r}"))


async def wait_for(pilot: Any, predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> Any:
    """Let the app run (Pilot) until `predicate()` is truthy and return it; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - widgets may not be mounted yet
            last_exc = exc
        if time.monotonic() >= deadline:
            break
        await pilot.pause(INTERVAL)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}"
                         + (f" (last error: {last_exc!r})" if last_exc else ""))


def toasts(app: Any) -> list[str]:
    """The text of every notification the user sees on the current screen (the rendered Toast widgets,
    found by type name through the public query API), for `wait_for(pilot, lambda: ... in toasts(app))`."""
    return [str(t.render()) for t in app.screen.query("Toast")]
