"""The TUI side of the benchmark, in a process of its own (so its RSS is the client's alone).

    python benchmarks/tui_client.py --kubeconfig KC --namespace NS --expect-rows R --expect-pods N
        [--burst K --round R] [--t0 MONOTONIC]

1. first table: MultusApp (the real app, real LiveStore, headless via run_test) is launched and the
   namespace's pods view opened at once (as `multus-tui -n NS` then `2`); measured from --t0 (taken
   by the parent just before spawning this process, so interpreter start and imports count) to the
   moment the pods table holds all R rows. Then the home screen (every namespace with its pod
   count) until its counts add up to N.
2. burst: burst_writer.py (another process) PATCHes K pods; meanwhile a thread presses down/up
   every 20 ms through the app's driver, as a terminal's input thread does. Measured: from the
   last acknowledged write until (a) the LiveStore has delivered every update to its listeners and
   (b) the pods table shows the new address of every visible updated pod; and per key press the
   time until the table's cursor moved (the app processed it).
3. resident memory with the cluster loaded (after 1, and after 2) and the peak.
Prints one JSON object on the last stdout line.
"""

from __future__ import annotations

import time

T_START = time.monotonic()

import argparse  # noqa: E402 - the clock starts before any import
import asyncio  # noqa: E402
import faulthandler  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from common import NETWORK_STATUS, burst_ip, burst_pod, child_env, percentile, rss_mb  # noqa: E402

HERE = Path(__file__).resolve().parent


APP: Any = None


def stage(what: str) -> None:
    """Progress on stderr, so a run that stalls says in which stage (the parent prints our stderr)."""
    print(f"[tui_client +{time.monotonic() - T_START:.1f}s] {what}", file=sys.stderr, flush=True)

GC_PAUSES: list[tuple[int, float, float]] = []  # (generation, seconds, monotonic end)


async def wait_until(cond: Any, timeout: float, interval: float = 0.005) -> float | None:
    """Poll `cond()` on the app's loop; the monotonic time it first held, or None on timeout.
    A condition that raises (widgets not mounted yet) counts as not yet; a crashed app ends the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if APP is not None and getattr(APP, "_exception", None) is not None:
            raise SystemExit(f"the app crashed: {APP._exception!r}")
        try:
            if cond():
                return time.monotonic()
        except Exception:  # noqa: BLE001
            pass
        await asyncio.sleep(interval)
    return None


async def run(a: argparse.Namespace) -> dict[str, Any]:
    from multus_tui.commands.tui import build_context
    from multus_tui.ui.app import MultusApp
    from multus_tui.ui.screens.home import HomeScreen
    from multus_tui.ui.screens.namespace import NamespaceScreen
    from multus_tui.ui.widgets import LiveTable

    t0 = a.t0 if a.t0 else T_START
    import gc

    gc_start: list[float] = []

    def gc_cb(phase: str, info: dict[str, Any]) -> None:  # garbage collector pauses, per generation
        if phase == "start":
            gc_start[:] = [time.perf_counter()]
        elif gc_start:
            GC_PAUSES.append((info.get("generation", -1), time.perf_counter() - gc_start[0], time.monotonic()))

    gc.callbacks.append(gc_cb)
    out: dict[str, Any] = {}
    ctx, why = build_context(a.kubeconfig, None, None, False)
    if why:
        raise SystemExit(f"no cluster: {why}")
    global APP
    app = APP = MultusApp(ctx)
    store = ctx.store
    async with app.run_test(size=(180, 50)) as pilot:
        # as `multus-tui` then `:ns NS` and `2` as soon as the home screen is up
        stage("app started, waiting for the home screen")
        if await wait_until(lambda: isinstance(app.screen, HomeScreen) and app.screen.is_mounted, a.timeout) is None:
            raise SystemExit(f"no home screen after {a.timeout}s (screen {app.screen!r})")
        stage(f"home screen up; opening {a.namespace} pods")
        app.open_namespace_screen(a.namespace, "pods")

        def pods_table() -> Any:
            scr = app.screen
            if not isinstance(scr, NamespaceScreen):
                return None
            return scr.query_one("#pod-table", LiveTable)

        def table_complete() -> bool:
            t = pods_table()
            return t is not None and t.row_count >= a.expect_rows

        t_table = await wait_until(table_complete, a.timeout)
        if t_table is None:
            t = pods_table()
            raise SystemExit(f"pods table incomplete after {a.timeout}s: {t.row_count if t else None} rows")
        out["first_table_s"] = t_table - t0
        stage(f"pods table complete ({pods_table().row_count} rows)")
        out["table_rows"] = pods_table().row_count
        out["rss_loaded_mb"] = rss_mb()[0]
        import gc

        out["gc_frozen_objects"] = gc.get_freeze_count()
        out["gc_tracked_objects"] = len(gc.get_objects())

        # Home: one row per namespace, whose PODS column must add up to every pod.
        if a.no_home:
            out["home_refresh_s"] = None
            if a.burst:
                await pilot.pause(0.5)
                out.update(await burst(a, app, store, pods_table()))
            out["rss_mb"], out["rss_peak_mb"] = rss_mb()
            store.stop()
            return out
        t_home0 = time.monotonic()
        app.go_home()

        def home_complete() -> bool:
            if not isinstance(app.screen, HomeScreen):
                return False
            t = app.screen.query_one("#namespaces", LiveTable)
            total = 0
            for cells in t.cells.values():
                total += int(cells[2].plain or 0)
            return total >= a.expect_pods

        stage("home screen, waiting for the counts to add up")
        # summing 3,000 rows' cells takes ~4 ms of the app's loop: polled every 5 ms, the measurement held the
        # GIL half the time it measured (a second of the home figure at 150k); 50 ms is the figure's resolution
        t_home = await wait_until(home_complete, a.timeout, interval=0.05)
        stage(f"home counts {'complete' if t_home else f'INCOMPLETE after {a.timeout}s'}")
        out["home_refresh_s"] = (t_home - t_home0) if t_home else None

        if a.burst:
            app.open_namespace_screen(a.namespace, "pods")
            if await wait_until(table_complete, a.timeout) is None:
                raise SystemExit("pods table incomplete after reopening")
            await pilot.pause()
            out.update(await burst(a, app, store, pods_table()))
        out["rss_mb"], out["rss_peak_mb"] = rss_mb()
        gen2 = [d for g, d, _ in GC_PAUSES if g == 2]
        out["gc_collections"] = len(GC_PAUSES)
        out["gc_gen2_collections"] = len(gen2)
        out["gc_max_pause_ms"] = max((d for _, d, _ in GC_PAUSES), default=0.0) * 1000
        out["gc_gen2_total_s"] = sum(gen2)
        out["store_counts"] = store.counts()
    store.stop()
    return out


async def burst(a: argparse.Namespace, app: Any, store: Any, table: Any) -> dict[str, Any]:
    from textual import events

    loop = asyncio.get_running_loop()
    # --- what "reflected" means: every updated pod carries its new address ----------------------
    expected = {burst_pod(k): f'"{burst_ip(k, a.round)}"' for k in range(a.burst)}
    remaining = set(expected)
    store_done = threading.Event()
    store_done_at: list[float] = []

    def listener(changes: list[Any]) -> None:  # the store's dispatcher thread
        for c in changes:
            if c.kind == "pod" and c.op == "upsert" and c.key[1] in remaining:
                if expected[c.key[1]] in c.view.annotations.get(NETWORK_STATUS, ""):
                    remaining.discard(c.key[1])
        if not remaining and not store_done.is_set():
            store_done_at.append(time.monotonic())
            store_done.set()

    unsubscribe = store.subscribe(listener)
    # visible rows: the default attachment row (index 0) of each updated pod of this namespace
    visible: dict[str, str] = {}
    for rk in table.rows:
        key = str(rk.value)
        name, idx, _ = key.split("|", 2)
        if idx == "0" and name in expected:
            visible[key] = expected[name].strip('"')

    n_visible = len(visible)

    def table_reflects() -> bool:
        for key, ip in list(visible.items()):
            try:
                cell = table.get_cell(key, "ips")
            except Exception:  # noqa: BLE001 - row not there (yet)
                return False
            if ip not in getattr(cell, "plain", str(cell)):
                return False
            del visible[key]
        return True

    # --- key presses through the driver, every 20 ms, from a thread (a terminal's input thread) --
    table.focus()
    table.move_cursor(row=0)
    await asyncio.sleep(0.2)
    moved: list[float] = []
    table.watch(table, "cursor_coordinate", lambda *_: moved.append(time.monotonic()), init=False)
    pressed: list[float] = []
    stop_keys = threading.Event()
    driver = app._driver

    def presser() -> None:
        n = 0
        while not stop_keys.is_set():
            key = "down" if n % 2 == 0 else "up"
            ev = events.Key(key, None)
            ev.set_sender(app)
            pressed.append(time.monotonic())
            driver.send_message(ev)
            n += 1
            stop_keys.wait(0.02)

    # --- the writer -------------------------------------------------------------------------------
    writer = subprocess.Popen(
        [sys.executable, str(HERE / "burst_writer.py"), "--kubeconfig", a.kubeconfig, "--count", str(a.burst),
         "--round", str(a.round), "--connections", str(a.connections)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env(), cwd=str(HERE))
    assert writer.stdin is not None and writer.stdout is not None
    stage("burst: waiting for the writer")
    ready = json.loads(await loop.run_in_executor(None, writer.stdout.readline))
    keys = threading.Thread(target=presser, daemon=True)
    keys.start()
    await asyncio.sleep(1.0)  # presses before the burst: the quiet baseline
    prof = None
    if a.profile:  # where the app's loop spends its time during the burst (pyinstrument, main thread)
        from pyinstrument import Profiler

        prof = Profiler(interval=0.001, async_mode="disabled")
        prof.start()
    writer.stdin.write("go\n")
    writer.stdin.flush()
    stage("burst: writing")
    result_line = await loop.run_in_executor(None, writer.stdout.readline)
    writer.wait(30)
    wres = json.loads(result_line)
    last = wres["last_write"]
    stage(f"burst: {wres['written']} written ({wres['errors']} errors); waiting for the table")
    t_table = await wait_until(table_reflects, a.timeout)
    stage(f"burst: table {'reflects' if t_table else f'still misses {len(visible)} rows after {a.timeout}s'}")
    ok_store = await loop.run_in_executor(None, store_done.wait, a.timeout)
    stage(f"burst: store {'reflects' if ok_store else f'still misses {len(remaining)} pods after {a.timeout}s'}")
    stop_keys.set()
    keys.join()
    if prof is not None:
        prof.stop()
        Path(a.profile).write_text(prof.output_text(show_all=True, timeline=False))
    # let the presses already sent be processed
    await wait_until(lambda: len(moved) >= len(pressed), 5.0)
    unsubscribe()
    # presses during the burst only (from the first write on), each matched to its cursor move
    pairs = [(p, (m - p) * 1000) for p, m in zip(pressed, moved, strict=False)]
    lat = [ms for p, ms in pairs if p >= wres["first_write"]]
    quiet = [ms for p, ms in pairs if p < wres["first_write"]]
    in_burst = [(g, d) for g, d, end in GC_PAUSES if end >= wres["first_write"]]
    return {
        "burst_gc_gen2_collections": sum(1 for g, _ in in_burst if g == 2),
        "burst_gc_max_pause_ms": max((d for _, d in in_burst), default=0.0) * 1000,
        "burst_ready": ready.get("ready"),
        "burst_written": wres["written"], "burst_errors": wres["errors"],
        "burst_write_s": last - wres["first_write"], "burst_writes_per_s": wres["writes_per_s"],
        "store_reflect_s": (store_done_at[0] - last) if ok_store and store_done_at else None,
        "store_missing": len(remaining),
        "table_reflect_s": (t_table - last) if t_table else None,
        "table_rows_checked": n_visible,
        "keys_pressed": len([p for p in pressed if p >= wres["first_write"]]),
        "keys_answered": len(lat),
        "keys_unanswered": max(0, len(pressed) - len(moved)),
        "key_latency_p50_ms": percentile(lat, 50) if lat else None,
        "key_latency_p99_ms": percentile(lat, 99) if lat else None,
        "key_latency_max_ms": max(lat) if lat else None,
        "quiet_key_latency_p50_ms": percentile(quiet, 50) if quiet else None,
        "quiet_key_latency_p99_ms": percentile(quiet, 99) if quiet else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--expect-rows", type=int, required=True)
    ap.add_argument("--expect-pods", type=int, required=True)
    ap.add_argument("--burst", type=int, default=0)
    ap.add_argument("--round", type=int, default=0)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--t0", type=float, default=0.0)
    ap.add_argument("--no-home", action="store_true", help="skip the home screen step (burst on the first screen)")
    ap.add_argument("--profile", metavar="PATH", help="write a pyinstrument profile of the whole run to PATH")
    a = ap.parse_args()
    # a stuck event loop cannot time its own stages out: past twice the stage timeout, print every
    # thread's stack to stderr and exit, so a hung run says where it hung
    faulthandler.dump_traceback_later(2 * a.timeout, exit=True)
    res = asyncio.run(run(a))
    faulthandler.cancel_dump_traceback_later()
    print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
