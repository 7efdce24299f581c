"""multus-tui against design.md's performance budgets, measured side by side with its references.

    python benchmarks/run.py [--pods N] [--quick] [--reps R] [--burst K] [--no-tui] [--no-status]

Starts the sandbox (`large:N`, default N = 10,000: 1,000 NADs, 200 namespaces) in a child process,
then measures, each figure in the same run as its references and with the repetitions
interleaved (so a busy moment hits every contender alike), the median of R repetitions:

* status load: the floor (raw HTTPS GET of /api/v1/pods + json.loads), `kubectl get pods -A -o
  json`, `multus-tui status -A -o json` (both commands as subprocesses, wall time, output to
  /dev/null), collect_status on a Cluster, a LiveStore's first sync, collect_status on a LiveStore;
* the sandbox's own list throughput (one unpaged list, and kubectl's 500-item pages);
* the TUI (benchmarks/tui_client.py, one process per repetition): launch to the first complete
  pods table, a burst of K pod updates from another process (burst_writer.py) with its reflect
  time and the latency of key presses during it, resident memory.

One JSON line per figure on stdout (progress on stderr), and last the summary line:
{"status_vs_kubectl": R, "status_vs_floor": F, "first_table_s": T, "burst_reflect_s": B,
 "key_latency_p99_ms": K, "rss_mb": M, "status_cmd_vs_floor": W, "status_vs_kubectl_table": Q,
 "doctor_s": D, "bytes_per_pod": P, "home_usable_s": H}. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import (
    NETWORK_STATUS,
    REPO,
    Credentials,
    SandboxProcess,
    child_env,
    emit,
    large_layout,
    loadavg,
    log,
    median,
    spread,
)

HERE = Path(__file__).resolve().parent
BUDGETS = {"status_vs_kubectl": 1.0, "status_vs_floor": 2.0, "burst_reflect_s": 2.0,
           "key_latency_p99_ms": 100.0, "rss_mb": 300.0}
# issue 18's goals at large:150000 (5,000 nodes): the whole `status` process against the floor and
# kubectl's default table, launch to the complete table, doctor over the whole cluster, RSS
SCALE_GOALS = {"status_cmd_vs_floor": 2.0, "status_vs_kubectl_table": 1.0, "first_table_s": 8.0, "doctor_s": 10.0,
               "key_latency_p99_ms": 100.0, "rss_mb": 600.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, default=None, help="pods in the large:N scenario (default 10000; 1000 with --quick)")
    ap.add_argument("--quick", action="store_true", help="a quick look: N=1000 unless --pods, one repetition, smaller burst")
    ap.add_argument("--reps", type=int, default=None, help="repetitions of each figure (default 3; 1 with --quick)")
    ap.add_argument("--burst", type=int, default=None, help="pod updates in the burst (default 5000, at most N; 1000 with --quick)")
    ap.add_argument("--connections", type=int, default=4, help="the burst writer's parallel connections")
    ap.add_argument("--namespace", default="bench-000", help="the namespace whose pods view the TUI opens")
    ap.add_argument("--no-tui", action="store_true", help="only the status figures")
    ap.add_argument("--no-status", action="store_true", help="only the TUI figures (and the sandbox's)")
    ap.add_argument("--home", action="store_true", help="also time the home screen (back from the pods view)")
    ap.add_argument("--stage-timeout", type=float, default=300.0,
                    help="the TUI client gives up on a stage (table, burst) after this many seconds, naming it")
    a = ap.parse_args(argv)
    a.pods = a.pods or (1000 if a.quick else 10000)
    a.reps = a.reps or (1 if a.quick else 3)
    a.burst = min(a.pods, a.burst if a.burst is not None else (1000 if a.quick else 5000))
    if a.pods < 1 or a.reps < 1 or a.burst < 0:
        ap.error("--pods and --reps must be positive, --burst not negative")
    return a


class Raw:
    """The floor: one HTTPS connection, the bearer token, json.loads; nothing else."""

    def __init__(self, creds: Credentials) -> None:
        self.creds = creds
        self.pool = creds.pool()

    def get(self, path: str) -> bytes:
        r = self.pool.request("GET", self.creds.server + path, headers=self.creds.headers, timeout=300.0)
        if r.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {r.status}")
        return r.data

    def paged(self, path: str, limit: int = 500) -> int:
        """Every page as kubectl asks for them (bytes only); returns the number of items."""
        cont, n = "", 0
        while True:
            q = f"?limit={limit}" + (f"&continue={cont}" if cont else "")
            page = json.loads(self.get(path + q))
            n += len(page.get("items") or ())
            cont = (page.get("metadata") or {}).get("continue") or ""
            if not cont:
                return n


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes waited for so far."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_cmd(cmd: list[str], ok: tuple[int, ...] = (0,), **kw: Any) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    took = time.perf_counter() - t0
    if p.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[:4])}... exited {p.returncode}: {p.stderr.strip()[-300:]}")
    return took


def status_figures(a: argparse.Namespace, sb: SandboxProcess, raw: Raw) -> dict[str, Any]:
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.kubeconfig import load_cluster
    from multus_tui.cluster.status import collect_status
    from multus_tui.cluster.store import LiveStore

    kc = sb.kubeconfig
    cluster = Cluster(load_cluster(kc))
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        log("kubectl not found: status_vs_kubectl cannot be measured")
    t: dict[str, list[float]] = {k: [] for k in (
        "get", "loads", "floor", "paged", "kubectl", "kubectl_table", "status_cmd", "doctor_cmd", "collect_cluster", "store_sync",
        "collect_store")}
    n_records = 0
    for rep in range(a.reps):
        log(f"status figures, repetition {rep + 1}/{a.reps} (load {loadavg()})")
        tg, body = timed(lambda: raw.get("/api/v1/pods"))
        tl, data = timed(lambda body=body: json.loads(body))
        assert len(data["items"]) >= a.pods, "the sandbox serves fewer pods than asked for"
        t["get"].append(tg)
        t["loads"].append(tl)
        t["floor"].append(tg + tl)
        del body, data
        t["paged"].append(timed(lambda: raw.paged("/api/v1/pods"))[0])
        if kubectl:
            t["kubectl"].append(run_cmd([kubectl, "--kubeconfig", kc, "get", "pods", "-A", "-o", "json"]))
            t["kubectl_table"].append(run_cmd([kubectl, "--kubeconfig", kc, "get", "pods", "-A"]))
        t["status_cmd"].append(run_cmd([sys.executable, "-m", "multus_tui", "status", "-A", "-o", "json",
                                        "--kubeconfig", kc], env=child_env(), cwd=str(REPO)))
        # doctor exits 1 when it finds errors (large:N has none, but a finding is not a failure here);
        # its CPU time too (user + system): on shared cores the wall time says as much about the load
        cpu0 = children_cpu()
        t.setdefault("doctor_cpu", [])
        t["doctor_cmd"].append(run_cmd([sys.executable, "-m", "multus_tui", "doctor", "-A", "-o", "json",
                                        "--kubeconfig", kc], ok=(0, 1), env=child_env(), cwd=str(REPO)))
        t["doctor_cpu"].append(children_cpu() - cpu0)
        tc, recs = timed(lambda: collect_status(cluster, None))
        t["collect_cluster"].append(tc)
        n_records = len(recs)
        del recs
        store = LiveStore(cluster)
        t0 = time.perf_counter()
        store.start()
        if not store.wait_synced(300):
            raise RuntimeError("the LiveStore did not sync within 300 s")
        t["store_sync"].append(time.perf_counter() - t0)
        t["collect_store"].append(timed(lambda store=store: collect_status(store, None))[0])
        store.stop()
        del store
    cluster.close()
    med = {k: median(v) for k, v in t.items() if v}
    noise = {k: spread(v) for k, v in t.items() if v}
    emit("floor", what="raw HTTPS GET /api/v1/pods + json.loads", seconds=med["floor"],
         get_s=med["get"], loads_s=med["loads"], runs=t["floor"], spread=noise["floor"])
    emit("sandbox_list", what="the sandbox's list throughput (bytes only)", pods_per_s=a.pods / med["get"],
         unpaged_s=med["get"], paged_500_s=med["paged"], paged_pods_per_s=a.pods / med["paged"])
    if kubectl:
        emit("kubectl", what="kubectl get pods -A -o json > /dev/null (wall)", seconds=med["kubectl"],
             runs=t["kubectl"], spread=noise["kubectl"])
    if kubectl:
        emit("kubectl_table", what="kubectl get pods -A > /dev/null (wall; the default table, server-side Table "
                                   "pages of 500)", seconds=med["kubectl_table"], runs=t["kubectl_table"])
    emit("status_cmd", what="multus-tui status -A -o json > /dev/null (wall)", seconds=med["status_cmd"],
         runs=t["status_cmd"], spread=noise["status_cmd"], records=n_records)
    emit("doctor_cmd", what="multus-tui doctor -A -o json > /dev/null (wall: the whole cluster)",
         seconds=med["doctor_cmd"], runs=t["doctor_cmd"], spread=noise["doctor_cmd"], cpu_s=med["doctor_cpu"])
    emit("collect_status", what="collect_status(Cluster, all namespaces) in process", seconds=med["collect_cluster"],
         runs=t["collect_cluster"], spread=noise["collect_cluster"])
    emit("store_sync", what="LiveStore start to wait_synced (namespaces, NADs, pods, events)",
         seconds=med["store_sync"], runs=t["store_sync"], spread=noise["store_sync"])
    emit("collect_status_store", what="collect_status(LiveStore) once synced", seconds=med["collect_store"],
         runs=t["collect_store"])
    out = {
        "status_vs_kubectl": med["status_cmd"] / med["kubectl"] if kubectl else None,
        "status_vs_floor": med["collect_cluster"] / med["floor"],
        "status_cmd_vs_floor": med["status_cmd"] / med["floor"],
        "status_vs_kubectl_table": med["status_cmd"] / med["kubectl_table"] if kubectl else None,
        "doctor_s": med["doctor_cmd"],
        "collect_vs_kubectl": med["collect_cluster"] / med["kubectl"] if kubectl else None,
        "store_sync_vs_floor": med["store_sync"] / med["floor"],
        "store_sync_vs_kubectl": med["store_sync"] / med["kubectl"] if kubectl else None,
    }
    emit("status_ratios", **out)
    return out


def tui_figures(a: argparse.Namespace, sb: SandboxProcess, expect_rows: int) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for rep in range(a.reps):
        log(f"TUI, repetition {rep + 1}/{a.reps} (load {loadavg()})")
        cmd = [sys.executable, str(HERE / "tui_client.py"), "--kubeconfig", sb.kubeconfig,
               "--namespace", a.namespace, "--expect-rows", str(expect_rows), "--expect-pods", str(a.pods),
               "--burst", str(a.burst), "--round", str(rep + 1), "--connections", str(a.connections),
               "--timeout", str(a.stage_timeout)]
        if not a.home:
            cmd.append("--no-home")
        t0 = time.monotonic()
        # its stderr (stage progress, a hang's stacks) goes straight to ours, so it is seen as it happens
        p = subprocess.run([*cmd, "--t0", repr(t0)], stdout=subprocess.PIPE, text=True, env=child_env(),
                           cwd=str(HERE), timeout=900)
        if p.returncode != 0:
            raise RuntimeError(f"tui_client failed ({p.returncode}); its stderr is above")
        res = json.loads(p.stdout.strip().splitlines()[-1])
        runs.append(res)
        log(f"  {res}")

    def col(k: str) -> list[float]:
        return [r[k] for r in runs if r.get(k) is not None]

    emit("first_table", what=f"launch to the complete pods table of {a.namespace} ({expect_rows} rows)",
         seconds=median(col("first_table_s")), runs=col("first_table_s"), spread=spread(col("first_table_s")),
         home_refresh_s=median(col("home_refresh_s")) if col("home_refresh_s") else None)
    out: dict[str, Any] = {"first_table_s": median(col("first_table_s"))}
    if a.burst:
        reflect = [max(r["store_reflect_s"], r["table_reflect_s"]) if r.get("store_reflect_s") is not None
                   and r.get("table_reflect_s") is not None else float("inf") for r in runs]
        emit("burst", what=f"{a.burst} pod updates from another process: last write acknowledged -> "
                           "LiveStore and pods table reflect all",
             seconds=median(reflect), runs=reflect, store_reflect_s=median(col("store_reflect_s")),
             table_reflect_s=median(col("table_reflect_s")), write_s=median(col("burst_write_s")),
             writes_per_s=median(col("burst_writes_per_s")), errors=sum(col("burst_errors")),
             store_missing=sum(col("store_missing")), table_rows_checked=col("table_rows_checked"))
        emit("gc", what="the client's garbage collector during the burst", gen2_collections=col("burst_gc_gen2_collections"),
             max_pause_ms=median(col("burst_gc_max_pause_ms")), frozen_objects=col("gc_frozen_objects"))
        emit("key_latency", what="key press (every 20 ms, during the burst) -> cursor moved",
             p50_ms=median(col("key_latency_p50_ms")), p99_ms=median(col("key_latency_p99_ms")),
             max_ms=max(col("key_latency_max_ms") or [float("nan")]), presses=sum(col("keys_pressed")),
             unanswered=sum(col("keys_unanswered")), runs_p99=col("key_latency_p99_ms"),
             quiet_p50_ms=median(col("quiet_key_latency_p50_ms")), quiet_p99_ms=median(col("quiet_key_latency_p99_ms")))
        out["burst_reflect_s"] = median(reflect)
        out["key_latency_p99_ms"] = median(col("key_latency_p99_ms"))
    else:
        out["burst_reflect_s"] = None
        out["key_latency_p99_ms"] = None
    emit("rss", what="client RSS with the cluster in the LiveStore and the TUI", rss_mb=median(col("rss_mb")),
         loaded_mb=median(col("rss_loaded_mb")), peak_mb=median(col("rss_peak_mb")))
    out["rss_mb"] = median(col("rss_mb"))
    # all-in (interpreter, Textual, the app and the store): an upper bound; the marginal cost of a pod
    # is the difference of two runs' RSS over the difference of their pods (benchmarks/README.md)
    out["bytes_per_pod"] = round(out["rss_mb"] * 2**20 / a.pods) if out["rss_mb"] else None
    out["home_usable_s"] = median(col("home_refresh_s")) if col("home_refresh_s") else None
    return out


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    layout = large_layout(a.pods)
    started = time.monotonic()
    log(f"large:{a.pods}: expecting {layout}; load average {loadavg()}")
    with SandboxProcess(f"large:{a.pods}") as sb:
        creds = Credentials.from_kubeconfig(sb.kubeconfig)
        raw = Raw(creds)
        pods = json.loads(raw.get("/api/v1/pods"))["items"]
        nads = json.loads(raw.get("/apis/k8s.cni.cncf.io/v1/network-attachment-definitions"))["items"]
        nss = json.loads(raw.get("/api/v1/namespaces"))["items"]
        bench_ns = [n for n in nss if n["metadata"]["name"].startswith("bench-")]
        # rows of the namespace's pods view: one per network-status entry (cluster default + secondaries)
        expect_rows = sum(len(json.loads(p["metadata"]["annotations"][NETWORK_STATUS]))
                          for p in pods if p["metadata"]["namespace"] == a.namespace)
        emit("sandbox", scenario=f"large:{a.pods}", load_s=sb.load_s, pods=len(pods), nads=len(nads),
             namespaces=len(bench_ns), namespaces_total=len(nss), expected=layout,
             layout_ok=(len(pods), len(nads), len(bench_ns)) == (a.pods, layout["nads"], layout["namespaces"]),
             view_rows=expect_rows, loadavg=loadavg())
        del pods, nads, nss
        summary: dict[str, Any] = {} if a.no_status else status_figures(a, sb, raw)
        if not a.no_tui:
            summary.update(tui_figures(a, sb, expect_rows))
        from common import rss_mb

        emit("sandbox_rss", rss_mb=rss_mb(sb.pid)[0])
    keys = ("status_vs_kubectl", "status_vs_floor", "first_table_s", "burst_reflect_s", "key_latency_p99_ms",
            "rss_mb", "status_cmd_vs_floor", "status_vs_kubectl_table", "doctor_s", "bytes_per_pod", "home_usable_s")
    final = {k: (round(summary[k], 3) if isinstance(summary.get(k), float) else summary.get(k)) for k in keys}
    emit("budgets", within={k: (final[k] is not None and final[k] <= v) for k, v in BUDGETS.items()},
         budgets=BUDGETS, loadavg=loadavg(), total_s=round(time.monotonic() - started, 1))
    emit("scale_goals", what="issue 18's goals (stated for large:150000)",
         within={k: (final[k] is not None and final[k] <= v) for k, v in SCALE_GOALS.items()}, goals=SCALE_GOALS)
    print(json.dumps(final), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
