"""Shared plumbing of the benchmarks: the sandbox in its own process, the kubeconfig's credentials,
a raw HTTPS client (the floor), medians and resident memory.

Everything here is the benchmark's own; the code under test is imported from the repository the
benchmarks live in (never an installed copy), in this process and in every child process.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The code under test: this repository, or MULTUS_TUI_BENCH_TREE (e.g. a `git archive HEAD` copy, to
# measure committed code while others edit the working tree).
REPO = Path(os.environ.get("MULTUS_TUI_BENCH_TREE") or Path(__file__).resolve().parent.parent).resolve()
if str(REPO) not in sys.path:  # `python benchmarks/run.py` puts benchmarks/ first, not the repo
    sys.path.insert(0, str(REPO))


def child_env() -> dict[str, str]:
    """The environment of child processes: this repository first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env.setdefault("NO_COLOR", "1")
    return env


def log(msg: str) -> None:
    """Progress goes to stderr: stdout carries only the JSON lines."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def emit(figure: str, **values: Any) -> dict[str, Any]:
    """Print one JSON line for a figure and return it."""
    rec = {"figure": figure, **values}
    print(json.dumps(rec), flush=True)
    return rec


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def spread(values: Sequence[float]) -> float | None:
    """max/min of the repetitions: how noisy the machine was for this figure (1.0 = perfectly steady)."""
    vals = [v for v in values if v > 0]
    return round(max(vals) / min(vals), 2) if len(vals) > 1 else None


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return float(s[k])


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rss_mb(pid: int | None = None) -> tuple[float, float]:
    """(current, peak) resident memory in MB of `pid` (default: this process)."""
    try:
        import psutil  # type: ignore[import-not-found]

        p = psutil.Process(pid)
        info = p.memory_info()
        peak = getattr(info, "peak_wset", None) or 0
        cur = info.rss / 2**20
        if not peak:
            cur_hwm = _proc_status(pid).get("VmHWM")
            return cur, (cur_hwm / 1024 if cur_hwm else cur)
        return cur, peak / 2**20
    except ImportError:
        st = _proc_status(pid)
        return st.get("VmRSS", 0) / 1024, st.get("VmHWM", 0) / 1024


def _proc_status(pid: int | None) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid or 'self'}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])  # kB
    except OSError:
        pass
    return out


def loadavg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Credentials:
    """What a raw HTTPS client needs, read from the sandbox's kubeconfig."""

    server: str
    token: str
    ca_pem: str

    @classmethod
    def from_kubeconfig(cls, path: str | Path) -> Credentials:
        import yaml

        kc = yaml.safe_load(Path(path).read_text())
        ctx_name = kc.get("current-context")
        ctx = next(c["context"] for c in kc["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in kc["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in kc["users"] if u["name"] == ctx["user"])
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        return cls(cluster["server"], user["token"], ca)

    def pool(self, maxsize: int = 1) -> Any:
        import urllib3

        ctx = ssl.create_default_context(cadata=self.ca_pem)
        return urllib3.PoolManager(ssl_context=ctx, maxsize=maxsize, retries=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}


class SandboxProcess:
    """`python -m multus_tui sandbox --scenario large:N` as a child process (its own CPU and GIL)."""

    def __init__(self, scenario: str, workdir: str | Path | None = None) -> None:
        self.scenario = scenario
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="multus-bench-")
        self.workdir = Path(workdir or self._tmp.name)  # type: ignore[union-attr]
        self.kubeconfig = str(self.workdir / "kubeconfig")
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self.load_s: float | None = None

    def start(self, timeout: float = 300.0) -> SandboxProcess:
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "multus_tui", "sandbox", "--scenario", self.scenario,
             "--kubeconfig", self.kubeconfig],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=child_env(), cwd=str(REPO),
        )
        ready = threading.Event()

        def reader() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip())
                if "listening on" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=reader, daemon=True, name="sandbox-stdout").start()
        if not ready.wait(timeout) or self.proc.poll() is not None:
            out = "\n".join(self.lines[-20:])
            self.stop()
            raise RuntimeError(f"the sandbox did not start within {timeout:.0f} s:\n{out}")
        creds = Credentials.from_kubeconfig(self.kubeconfig)
        pool = creds.pool()
        while True:  # listening is announced once serving; make sure it answers
            try:
                r = pool.request("GET", f"{creds.server}/version", headers=creds.headers, timeout=5.0)
                if r.status == 200:
                    break
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if time.monotonic() - t0 > timeout:
                self.stop()
                raise RuntimeError("the sandbox does not answer /version")
            time.sleep(0.1)
        self.load_s = time.monotonic() - t0
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self) -> None:
        p = self.proc
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def large_layout(pods: int) -> dict[str, int]:
    """The counts scenarios.load_large derives from N (kept in step with it; checked by run.py
    against what the sandbox actually serves)."""
    n_ns = max(1, round(pods / 50))
    return {"namespaces": n_ns, "nads": max(1, round(pods / 10)), "nodes": max(4, round(pods / 30))}


NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status"


def burst_pod(k: int) -> str:
    """The name of the k-th pod the burst updates (large:N names its pods pod-00000...)."""
    return f"pod-{k:05d}"


def burst_ip(k: int, round_: int) -> str:
    """The address the burst writes into the k-th pod's default network-status entry in round `round_`
    (distinct per round, so a repetition on the same sandbox is a real change)."""
    return f"100.{64 + round_ % 64}.{(k // 256) % 256}.{k % 256}"
