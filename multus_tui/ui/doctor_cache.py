"""The app's one doctor scheduler: every screen that shows findings (home summary, the NAD and pod
detail panels, the Doctor view) gets them from here, never from a diagnosis of its own.

A diagnosis is CPU-bound (about 2.5 s for 10,000 pods), so it never runs on the event loop, never
runs twice at once, and never runs for a view nobody is looking at:

- the app marks every scope stale on each store change (`invalidate`);
- a widget that shows findings subscribes with its scope (None: the whole cluster, or one namespace)
  and calls `request()` when it is shown or refreshed; a diagnosis starts only for a stale scope a
  subscriber on the top screen shows;
- a passive subscriber (the home screen's one-line summary) does not start whole-cluster diagnoses on a
  cluster of more than `AUTO_LIMIT_PODS` pods: there a diagnosis takes seconds of CPU and hundreds of
  MB while the user is browsing; the summary says the checks run when the Doctor is opened, and shows
  the findings of the last run once there is one;
- diagnoses are spaced: the next one starts at least `max(min_interval, last duration)` after the
  previous one ended, so a cluster that never stops changing costs at most half a core, and a burst
  of pod updates costs one diagnosis, not one per batch (`request(force=True)`: the user asked, now);
- results travel as messages (ui/messages.py): the worker posts `DoctorDiagnosed` to the app, which
  hands it to `diagnosed()`; each subscriber of that scope is posted `DoctorFindings`. Stale findings
  stay on screen until fresh ones arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.timer import Timer
from textual.widget import Widget

from multus_tui.multus.diagnose import DoctorFinding
from multus_tui.multus.policy import count_by_severity
from multus_tui.ui.messages import DoctorDiagnosed, DoctorFindings

MIN_INTERVAL_S = 2.0
# Above this many pods the home summary alone does not start a whole-cluster diagnosis (about 4 s of
# CPU at 30,000 pods on one core; benchmarks/README.md, doctor at scale).
AUTO_LIMIT_PODS = 30_000
# The scope of a whole-cluster diagnosis (the others are namespace names).
ALL: str | None = None


def summary_text(findings: list[DoctorFinding] | None, error: str | None = None, *,
                 on_request: int | None = None) -> str:
    """The one-line doctor summary of the home screen, e.g. "doctor: 2 errors, 3 warnings — D to open".
    `on_request`: no findings yet because the cluster (this many pods) is too big to check unasked."""
    if error:
        return f"doctor: could not run the checks ({error}) — D to open"
    if findings is None and on_request is not None:
        return f"doctor: {on_request:,} pods, so the checks run when you open it — D to open"
    if findings is None:
        return "doctor: running the checks…"
    if not findings:
        return "doctor: no findings — D to open"
    counts = count_by_severity(f.severity for f in findings)
    errors, warnings = counts["error"], counts["warning"]
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    if counts["info"]:
        parts.append(f"{counts['info']} info")
    return "doctor: " + ", ".join(parts) + " — D to open"


@dataclass
class _Scope:
    findings: list[DoctorFinding] | None = None
    error: str | None = None
    stale: bool = True


class DoctorCache:
    """The app's shared diagnosis. `compute(scope)` is blocking and runs in a thread worker of `app`."""

    def __init__(self, app: App[Any], compute: Callable[[str | None], list[DoctorFinding]],
                 min_interval: float = MIN_INTERVAL_S, ready: Callable[[], bool] | None = None,
                 pods: Callable[[], int] | None = None, auto_limit: int | None = None) -> None:
        self.app = app
        self.compute = compute
        # whether the data is there to diagnose (the store's first lists done): a diagnosis of a store
        # still filling would say "no findings" about a cluster it has not read yet
        self.ready = ready or (lambda: True)
        self.min_interval = min_interval
        self.pods = pods or (lambda: 0)  # the cluster's pod count, for `auto_limit`
        self.auto_limit = AUTO_LIMIT_PODS if auto_limit is None else auto_limit
        self._passive: set[Widget] = set()
        self._scopes: dict[str | None, _Scope] = {ALL: _Scope()}
        self.running = False
        self.runs = 0  # diagnoses finished (tests and benchmarks read it)
        self.last_duration = 0.0
        self._not_before = 0.0  # monotonic time before which no diagnosis starts
        self._timer: Timer | None = None
        self._subscribers: dict[Widget, str | None] = {}

    # --- the whole cluster's findings (home summary, detail panels, tests) --------------------------
    @property
    def findings(self) -> list[DoctorFinding] | None:
        return self._scopes[ALL].findings

    @property
    def error(self) -> str | None:
        return self._scopes[ALL].error

    @property
    def stale(self) -> bool:
        return self._scopes[ALL].stale

    # --- subscribers ------------------------------------------------------------------------------
    def subscribe(self, owner: Widget, scope: str | None = ALL, *, passive: bool = False) -> None:
        """Post `DoctorFindings` to `owner` whenever a diagnosis of `scope` finishes, and at once if
        one is already known. Its screen decides whether a diagnosis is wanted (on top or not); a
        `passive` owner wants none of the whole cluster above `auto_limit` pods (`on_request`)."""
        self._subscribers[owner] = scope
        if passive:
            self._passive.add(owner)
        known = self._scopes.setdefault(scope, _Scope())
        if known.findings is not None or known.error is not None:
            owner.post_message(DoctorFindings(scope, list(known.findings or ()), known.error))
        self.request()

    def unsubscribe(self, owner: Widget) -> None:
        self._subscribers.pop(owner, None)
        self._passive.discard(owner)

    def on_request(self) -> int | None:
        """The pod count when passive owners start no whole-cluster diagnosis (the cluster is above
        `auto_limit`), else None."""
        n = self.pods()
        return n if n > self.auto_limit else None

    def _wanted(self) -> list[str | None]:
        """The scopes a subscriber on the top screen shows."""
        if not self.app.screen_stack:
            return []
        top = self.app.screen
        big = self.on_request() is not None
        return [scope for owner, scope in self._subscribers.items() if (owner is top or owner.screen is top)
                and not (big and scope is ALL and owner in self._passive)]

    @property
    def idle(self) -> bool:
        """Nothing running or scheduled, and nothing stale that a visible view waits for (tests wait
        on it before a snapshot)."""
        return not self.running and self._timer is None and not any(
            self._scopes[s].stale for s in self._wanted())

    # --- scheduling -------------------------------------------------------------------------------
    def invalidate(self) -> None:
        """The store changed: the next request diagnoses again."""
        for known in self._scopes.values():
            known.stale = True

    def request(self, *, force: bool = False) -> None:
        """Diagnose a stale scope someone on screen shows (at most every `min_interval` seconds unless
        `force`; one diagnosis at a time)."""
        if self.running or not self.ready():
            return
        stale = [s for s in self._wanted() if self._scopes[s].stale]
        if not stale:
            return
        delay = 0.0 if force else max(0.0, self._not_before - time.monotonic())
        if delay <= 0:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self._start(stale[0])
        elif self._timer is None:
            self._timer = self.app.set_timer(delay, self._timer_fired)

    def refresh(self, scope: str | None) -> None:
        """Diagnose `scope` again now (the Doctor view's `r`)."""
        self._scopes.setdefault(scope, _Scope()).stale = True
        self.request(force=True)

    def _timer_fired(self) -> None:
        self._timer = None
        self.request()

    def _start(self, scope: str | None) -> None:
        self.running = True
        self._scopes[scope].stale = False  # changes from now on need another run
        self.app.run_worker(lambda: self._run(scope), thread=True, group="doctor-cache", exit_on_error=False,
                            description="doctor")

    def _run(self, scope: str | None) -> None:  # a worker thread
        t0 = time.monotonic()
        try:
            found, error = self.compute(scope), None
        except Exception as exc:  # noqa: BLE001 - odd cluster data: a message on screen, never a dead app
            found, error = [], str(exc) or type(exc).__name__
        self.app.post_message(DoctorDiagnosed(self, scope, found, error, time.monotonic() - t0))

    def diagnosed(self, message: DoctorDiagnosed) -> None:
        """A diagnosis finished (the app's handler of DoctorDiagnosed, on the event loop)."""
        self.running = False
        self.runs += 1
        known = self._scopes.setdefault(message.scope, _Scope())
        known.findings, known.error = (None if message.error else message.findings), message.error
        self.last_duration = message.duration
        self._not_before = time.monotonic() + max(self.min_interval, message.duration)
        for owner, scope in list(self._subscribers.items()):
            if scope == message.scope and owner.is_attached:
                owner.post_message(DoctorFindings(scope, list(message.findings), message.error))
        self.request()  # changes arrived while it ran, or another scope waits
