"""One whole-cluster doctor diagnosis shared by every screen that shows findings (home summary,
NAD and pod detail panels).

A diagnosis is CPU-bound (about 2.5 s for 10,000 pods), so it never runs on the event loop, never
runs twice at once, and never runs for a view nobody is looking at:

- the app marks the cache stale on every store change (`invalidate`);
- a screen that shows findings subscribes a callback and calls `request()` when it is shown or
  refreshed; a diagnosis starts only if the cache is stale *and* a subscriber's screen is on top;
- diagnoses are spaced: the next one starts at least `max(min_interval, last duration)` after the
  previous one ended, so a cluster that never stops changing costs at most half a core, and a burst
  of pod updates costs one diagnosis, not one per batch;
- results reach subscribers on the event loop (their callbacks run there), stale findings stay on
  screen until fresh ones arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from multus_tui.multus.diagnose import DoctorFinding

Callback = Callable[[list[DoctorFinding], str | None], None]
MIN_INTERVAL_S = 2.0


def summary_text(findings: list[DoctorFinding] | None, error: str | None = None) -> str:
    """The one-line doctor summary of the home screen, e.g. "doctor: 2 errors, 3 warnings — D to open"."""
    if error:
        return f"doctor: could not run the checks ({error}) — D to open"
    if findings is None:
        return "doctor: running the checks…"
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    infos = len(findings) - errors - warnings
    if not findings:
        return "doctor: no findings — D to open"
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    if infos:
        parts.append(f"{infos} info")
    return "doctor: " + ", ".join(parts) + " — D to open"


class DoctorCache:
    """The app's shared diagnosis. `compute()` is blocking and runs in a thread worker of `app`."""

    def __init__(self, app: Any, compute: Callable[[], list[DoctorFinding]],
                 min_interval: float = MIN_INTERVAL_S, ready: Callable[[], bool] | None = None) -> None:
        self.app = app
        self.compute = compute
        # whether the data is there to diagnose (the store's first lists done): a diagnosis of a store
        # still filling would say "no findings" about a cluster it has not read yet
        self.ready = ready or (lambda: True)
        self.min_interval = min_interval
        self.findings: list[DoctorFinding] | None = None
        self.error: str | None = None
        self.stale = True
        self.running = False
        self.runs = 0  # diagnoses finished (tests and benchmarks read it)
        self.last_duration = 0.0
        self._not_before = 0.0  # monotonic time before which no diagnosis starts
        self._timer: Any = None
        self._subscribers: dict[int, tuple[Any, Callback]] = {}

    # --- subscribers ------------------------------------------------------------------------------
    def subscribe(self, owner: Any, callback: Callback) -> None:
        """`callback(findings, error)` on the event loop whenever a diagnosis finishes, and at once
        if one is already known. `owner` is the widget or screen showing it (its screen decides
        whether it is visible)."""
        self._subscribers[id(owner)] = (owner, callback)
        if self.findings is not None or self.error is not None:
            callback(list(self.findings or ()), self.error)
        self.request()

    def unsubscribe(self, owner: Any) -> None:
        self._subscribers.pop(id(owner), None)

    def _visible(self) -> bool:
        try:
            top = self.app.screen
        except Exception:  # no screen yet, or the app is closing
            return False
        for owner, _ in self._subscribers.values():
            screen = owner if owner is top else getattr(owner, "screen", None)
            if screen is top:
                return True
        return False

    @property
    def idle(self) -> bool:
        """Nothing running or scheduled, and nothing stale that a visible view waits for (tests wait
        on it before a snapshot)."""
        return not self.running and self._timer is None and (not self.stale or not self._visible())

    # --- scheduling -------------------------------------------------------------------------------
    def invalidate(self) -> None:
        """The store changed: the next request diagnoses again."""
        self.stale = True

    def request(self) -> None:
        """Diagnose if the findings are stale and someone on screen shows them (at most every
        `min_interval` seconds; one diagnosis at a time)."""
        if not self.stale or self.running or self._timer is not None or not self._visible() or not self.ready():
            return
        delay = max(0.0, self._not_before - time.monotonic())
        if delay <= 0:
            self._start()
        else:
            self._timer = self.app.set_timer(delay, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        self.request()

    def _start(self) -> None:
        self.running = True
        self.stale = False  # changes from now on need another run
        self.app.run_worker(self._run, thread=True, group="doctor-cache", exit_on_error=False,
                            description="doctor")

    def _run(self) -> None:  # a worker thread
        t0 = time.monotonic()
        try:
            found, error = self.compute(), None
        except Exception as exc:  # odd cluster data: a message on screen, never a dead app
            found, error = [], str(exc) or type(exc).__name__
        try:
            self.app.call_from_thread(self._done, found, error, time.monotonic() - t0)
        except RuntimeError:
            pass  # the app is gone

    def _done(self, findings: list[DoctorFinding], error: str | None, duration: float) -> None:
        self.running = False
        self.runs += 1
        self.findings, self.error = (None if error else findings), error
        self.last_duration = duration
        self._not_before = time.monotonic() + max(self.min_interval, duration)
        for owner, callback in list(self._subscribers.values()):
            if getattr(owner, "is_attached", True):
                try:
                    callback(list(findings), error)
                except Exception:  # one broken view must not starve the others
                    pass
        self.request()  # changes arrived while it ran

