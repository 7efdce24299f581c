"""whereabouts pools and SR-IOV resources through the cluster layer, against the stale-pools sandbox:
collect_pools (Cluster and LiveStore), the guarded release (confirmed with the real kubectl), doctor
and status JSON from the command line, and a cluster without whereabouts behaving as before."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.doctor import collect_findings
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.pools import ReleaseRefused, collect_pools, release
from multus_tui.cluster.store import LiveStore
from multus_tui.multus import whereabouts as wa
from tests.conftest import need
from tests.sandbox.test_whereabouts_pools import _wait

ROOT = Path(__file__).resolve().parents[2]
POOL = "192.168.20.0-28"


def _crashed(cluster: Cluster) -> bool:
    """The scenario's node crash has happened and wa-late holds its address."""
    pod = cluster.get_or_none("pod", "default", "wa-late")
    return bool(pod and (pod.get("status") or {}).get("phase") == "Running")


@pytest.fixture
def stale(sandbox_factory) -> Any:
    sb, kc = sandbox_factory("stale-pools")
    cluster = Cluster(load_cluster(kc, None))
    _wait(lambda: _crashed(cluster))
    yield sb, kc, cluster
    cluster.close()


def _kubectl(kc: str, *args: str) -> str:
    need(shutil.which("kubectl") is not None, "kubectl is not installed")
    return subprocess.run(["kubectl", "--kubeconfig", kc, *args], capture_output=True, text=True, check=True,
                          timeout=30).stdout


def _report(data, name: str = POOL) -> wa.PoolReport:
    return next(r for r in data.reports if r.pool.name == name)


def test_collect_pools_from_cluster_and_store_agree(stale) -> None:
    sb, kc, cluster = stale
    direct = collect_pools(cluster)
    assert direct.installed
    r = _report(direct)
    assert r.nads == ("default/vlan1-wa-pool",) and r.size == 13 and r.used == 5 and r.free == 8
    assert {e.allocation.ip: e.state for e in r.entries} == {
        "192.168.20.1": wa.LIVE, "192.168.20.2": wa.LIVE, "192.168.20.3": wa.STALE_GONE,
        "192.168.20.4": wa.STALE_GONE, "192.168.20.5": wa.LIVE}
    assert [res.name for res in direct.orphaned] == ["192.168.20.9"]
    store = LiveStore(cluster).start()
    try:
        assert store.wait_synced(10)
        assert store.kind_status("ippool") == "live"
        _wait(lambda: len(store.pods("default")) >= 5 and _report(collect_pools(store)).used == 5)
        from_store = collect_pools(store)
    finally:
        store.stop()
    assert [x.to_dict() for x in from_store.reports] == [x.to_dict() for x in direct.reports]


def test_release_removes_only_the_stale_allocation_guarded_by_the_resource_version(stale) -> None:
    sb, kc, cluster = stale
    data = collect_pools(cluster)
    r = _report(data)
    gone = next(e for e in r.entries if e.allocation.ip == "192.168.20.3")
    live = next(e for e in r.entries if e.allocation.ip == "192.168.20.1")
    with pytest.raises(ReleaseRefused, match="only stale allocations are released"):
        release(cluster, r, live)
    release(cluster, r, gone)
    pool = json.loads(_kubectl(kc, "get", "ippool", POOL, "-n", "kube-system", "-o", "json"))
    assert sorted(pool["spec"]["allocations"]) == ["1", "2", "4", "5"]
    reservations = _kubectl(kc, "get", "overlappingrangeipreservations", "-n", "kube-system", "-o", "name")
    assert "192.168.20.3\n" not in reservations and "192.168.20.4\n" in reservations
    # the same report again: its resourceVersion is stale, so nothing is touched
    other = next(e for e in r.entries if e.allocation.ip == "192.168.20.4")
    with pytest.raises(ReleaseRefused, match="changed since it was loaded"):
        release(cluster, r, other)
    assert sorted(json.loads(_kubectl(kc, "get", "ippool", POOL, "-n", "kube-system", "-o", "json"))
                  ["spec"]["allocations"]) == ["1", "2", "4", "5"]
    # the freed address is handed out again
    _kubectl(kc, "run", "reuse", "--image=busybox", "--overrides", json.dumps(
        {"metadata": {"annotations": {"k8s.v1.cni.cncf.io/networks": "vlan1-wa-pool"}},
         "spec": {"nodeName": "node-2"}}))
    pod = _wait(lambda: (p := cluster.get_or_none("pod", "default", "reuse")) and
                p.get("status", {}).get("phase") == "Running" and p)
    status = json.loads(pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/network-status"])
    assert status[1]["ips"] == ["192.168.20.3"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "multus_tui", *args], capture_output=True, text=True,
                          timeout=60, env=env, cwd=ROOT)


def test_doctor_and_status_json_carry_pools_and_resources(stale) -> None:
    sb, kc, cluster = stale
    proc = _cli("doctor", "--kubeconfig", kc, "-A", "-o", "json")
    assert proc.returncode == 1, proc.stderr
    by = {d["check"]: d for d in json.loads(proc.stdout)}
    assert "ippool/kube-system/192.168.20.0-28" in by["whereabouts-stale-reservation"]["objects"]
    assert "192.168.20.3 (default/wa-2: pod gone)" in by["whereabouts-stale-reservation"]["message"]
    assert by["whereabouts-orphaned-reservation"]["objects"] == ["ipreservation/kube-system/192.168.20.9"]
    unadvertised = by["sriov-resource-unadvertised"]
    assert unadvertised["severity"] == "error" and "pod/default/dpdk-app" in unadvertised["objects"]
    assert "intel.com/sriov_dpdk, which no node advertises" in unadvertised["message"]
    default = _cli("doctor", "--kubeconfig", kc, "-n", "default", "-o", "json")
    assert "whereabouts-stale-reservation" in {d["check"] for d in json.loads(default.stdout)}
    status = json.loads(_cli("status", "--kubeconfig", kc, "-n", "default", "-o", "json").stdout)
    wa0 = next(r for r in status if r["pod"] == "wa-0")
    assert wa0["attachments"][1]["pool"] == "kube-system/192.168.20.0-28"
    assert "pool" not in wa0["attachments"][0]  # the cluster network's eth0
    store = LiveStore(cluster).start()
    try:
        assert store.wait_synced(10)
        _wait(lambda: store.kind_status("node") == "live" and len(store.pods()) >= 8)
        from_store = {f.check for f in collect_findings(store, None)}
    finally:
        store.stop()
    assert {"whereabouts-stale-reservation", "sriov-resource-unadvertised"} <= from_store


def test_without_whereabouts_the_store_and_doctor_are_as_before(sandbox_factory) -> None:
    sb, kc = sandbox_factory("no-multus")
    cluster = Cluster(load_cluster(kc, None))
    try:
        store = LiveStore(cluster).start()
        try:
            assert store.wait_synced(10)
            assert store.kind_status("ippool") == "absent"
            assert store.state.status == "live"
            # the NAD API's absence is the only thing the header reports, as before
            assert store.state.reason == "NetworkAttachmentDefinition CRD not installed (Multus missing?)"
            assert not collect_pools(store).installed
        finally:
            store.stop()
        assert not collect_pools(cluster).installed
        assert not any(f.check.startswith("whereabouts-") for f in collect_findings(cluster, None))
    finally:
        cluster.close()
