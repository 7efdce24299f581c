"""Benchmark of design.md's budget (run on demand: MULTUS_TUI_BENCH=1, optional MULTUS_TUI_BENCH_PODS=N).

Side by side against one sandbox holding N pods (default 10,000): the floor (one raw HTTP GET of
all pods + json.loads), `kubectl get pods -A -o json`, the full `status` collection (pods +
events + attachment join), and a LiveStore's first sync. Prints the figures; fails when status is
slower than kubectl or than 2x the floor (the budget), so a regression is visible when it is run.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time

import pytest
import urllib3

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.status import collect_status
from multus_tui.cluster.store import LiveStore

pytestmark = pytest.mark.skipif(os.environ.get("MULTUS_TUI_BENCH") != "1", reason="benchmark: MULTUS_TUI_BENCH=1")


def _best(fn, n: int = 3) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.timeout(900)
def test_status_budget(sandbox_factory, capsys):
    n = int(os.environ.get("MULTUS_TUI_BENCH_PODS", "10000"))
    sb, kc = sandbox_factory(f"large:{n}")
    cluster = Cluster(load_cluster(kc))

    pool = urllib3.PoolManager(ssl_context=ssl.create_default_context(cadata=sb.ca_pem.decode()))

    def floor() -> None:
        r = pool.request("GET", f"{sb.url}/api/v1/pods", headers={"Authorization": f"Bearer {sb.token}"})
        assert len(json.loads(r.data)["items"]) >= n

    t_floor = _best(floor)
    t_kubectl = None
    if shutil.which("kubectl"):
        def kubectl() -> None:
            subprocess.run(["kubectl", "--kubeconfig", kc, "get", "pods", "-A", "-o", "json"],
                           check=True, capture_output=True)
        t_kubectl = _best(kubectl, 1)
    t_status = _best(lambda: collect_status(cluster, None))

    def sync() -> None:
        with LiveStore(cluster, None) as s:
            assert s.wait_synced(120)

    t_sync = _best(sync, 1)
    with capsys.disabled():
        print(f"\n{n} pods: floor {t_floor:.3f}s  kubectl {t_kubectl if t_kubectl is None else round(t_kubectl, 3)}s"
              f"  status {t_status:.3f}s  store sync {t_sync:.3f}s")
    assert t_status <= 2 * t_floor
    if t_kubectl is not None:
        assert t_status <= t_kubectl
