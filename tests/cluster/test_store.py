"""LiveStore against the sandbox: sync, live changes, batching, dropped streams, compaction, stop."""

from __future__ import annotations

import threading
import time

import pytest

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.store import Change, LiveStore
from multus_tui.cluster.views import EventView, NADView, NamespaceView, PodView

RESOURCES = {"namespace": "namespaces", "nad": "network-attachment-definitions", "pod": "pods", "event": "events"}


def server_state(sb, kind: str, namespace: str | None = None) -> dict[tuple[str, str], str]:
    items, _ = sb.store.list(RESOURCES[kind], namespace)
    return {((o["metadata"].get("namespace") or "") if kind != "namespace" else "", o["metadata"]["name"]):
            o["metadata"]["resourceVersion"] for o in items}


def store_state(store: LiveStore, kind: str) -> dict[tuple[str, str], str]:
    views = {"namespace": store.namespaces, "nad": store.nads, "pod": store.pods, "event": store.events}[kind]()
    return {v.key: v.resource_version for v in views}


def converged(sb, store: LiveStore, namespace: str | None = None) -> bool:
    return all(server_state(sb, k, namespace) == store_state(store, k) for k in RESOURCES)


def eventually(fn, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(interval)
    return bool(fn())


def nad(ns: str, name: str, config: str = '{"cniVersion":"0.3.1","type":"macvlan","master":"k8s-vlan1"}') -> dict:
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name, "namespace": ns}, "spec": {"config": config}}


def pod(ns: str, name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def make_store(kubeconfig: str, namespace: str | None = None, **kw) -> LiveStore:
    kw.setdefault("watch_timeout", 2)
    kw.setdefault("backoff_initial", 0.05)
    kw.setdefault("backoff_max", 0.3)
    return LiveStore(Cluster(load_cluster(kubeconfig)), namespace, **kw)


def test_initial_sync_matches_the_server(seed):
    sb, kc = seed
    with make_store(kc) as store:
        assert store.wait_synced(10)
        assert eventually(lambda: converged(sb, store))
        assert store.state.status == "live"
        assert all(isinstance(v, NamespaceView) for v in store.namespaces())
        assert all(isinstance(v, PodView) for v in store.pods())
        assert all(isinstance(v, NADView) for v in store.nads())
        assert all(isinstance(v, EventView) for v in store.events())
        assert store.nads("kube-system"), "the seed has the shared pool NAD in kube-system"


def test_namespace_scope(seed):
    sb, kc = seed
    with make_store(kc, "default") as store:
        assert store.wait_synced(10)
        assert eventually(lambda: store_state(store, "pod") == server_state(sb, "pod", "default"))
        assert all(p.namespace == "default" for p in store.pods())
        assert [n.name for n in store.namespaces()] == ["default"]


def test_changes_arrive_batched_as_views(empty):
    sb, kc = empty
    batches: list[list[Change]] = []
    lock = threading.Lock()

    def listener(batch: list[Change]) -> None:
        with lock:
            batches.append(batch)

    store = make_store(kc, batch_interval=0.2)
    store.subscribe(listener)
    with store:
        assert store.wait_synced(10)
        time.sleep(0.3)
        with lock:
            batches.clear()
        for i in range(200):
            sb.store.create("network-attachment-definitions", nad("default", f"n{i}"))
        sb.store.delete("network-attachment-definitions", "default", "n0")
        assert eventually(lambda: len(store.nads("default")) == 199)
        time.sleep(0.3)
    with lock:
        changes = [c for b in batches for c in b if c.kind == "nad"]
        n_batches = len([b for b in batches if any(c.kind == "nad" for c in b)])
    # 201 server events in well under a second: a few deliveries, not 201
    assert n_batches <= 6, n_batches
    assert all(isinstance(c.view, NADView) for c in changes)
    ups = {c.key for c in changes if c.op == "upsert"}
    assert ("default", "n5") in ups
    # n0 was created then deleted: whether both or only the delete were delivered, the last word is delete
    last_n0 = [c.op for c in changes if c.key == ("default", "n0")][-1]
    assert last_n0 == "delete"


def test_watch_timeouts_resume_without_relisting(empty):
    sb, kc = empty
    with make_store(kc, watch_timeout=1) as store:
        assert store.wait_synced(10)
        for i in range(3):
            time.sleep(1.2)  # let each watch time out on the server side
            sb.store.create("network-attachment-definitions", nad("default", f"t{i}"))
        assert eventually(lambda: converged(sb, store))
        stats = store.watcher_stats()["nad"]
        assert stats["watches"] >= 3 and stats["lists"] == 1, stats


def test_dropped_connections_resume_and_converge(seed, via_proxy):
    sb, kc = seed
    proxy, pkc = via_proxy(sb, kc)
    with make_store(pkc, watch_timeout=60) as store:
        assert store.wait_synced(10)
        assert eventually(lambda: converged(sb, store))
        lists_before = {k: v["lists"] for k, v in store.watcher_stats().items()}
        proxy.block()
        assert proxy.drop() >= 4  # one watch per kind at least
        assert eventually(lambda: store.state.status in ("reconnecting", "failed"), 5), store.state
        sb.store.create("network-attachment-definitions", nad("default", "while-away"))
        sb.store.delete("network-attachment-definitions", "kube-system", "vlan1-internal-pool")
        proxy.unblock()
        assert eventually(lambda: store.state.status == "live", 10), store.state
        assert eventually(lambda: converged(sb, store)), "store did not converge after the outage"
        assert store.nad("default", "while-away") is not None
        assert store.nad("kube-system", "vlan1-internal-pool") is None
        # resumed from the last resourceVersion: no relist needed
        assert {k: v["lists"] for k, v in store.watcher_stats().items()} == lists_before


def test_compaction_while_away_relists_and_reconciles_deletes(seed, via_proxy):
    sb, kc = seed
    proxy, pkc = via_proxy(sb, kc)
    with make_store(pkc, watch_timeout=60) as store:
        assert store.wait_synced(10)
        assert eventually(lambda: converged(sb, store))
        victim = store.pods("default")[0]
        proxy.block()
        proxy.drop()
        assert eventually(lambda: store.state.status in ("reconnecting", "failed"), 5)
        sb.store.delete("pods", victim.namespace, victim.name)
        sb.store.delete("network-attachment-definitions", "kube-system", "vlan1-internal-pool")
        sb.store.create("network-attachment-definitions", nad("default", "after-compaction"))
        sb.store.compact()
        proxy.unblock()
        assert eventually(lambda: store.state.status == "live", 10), store.state
        assert eventually(lambda: converged(sb, store)), "store did not converge after compaction"
        assert store.pod(victim.namespace, victim.name) is None
        assert store.nad("kube-system", "vlan1-internal-pool") is None
        stats = store.watcher_stats()
        assert stats["nad"]["lists"] >= 2 and stats["pod"]["lists"] >= 2, stats


def test_state_reports_failure_and_recovery(empty, via_proxy):
    sb, kc = empty
    proxy, pkc = via_proxy(sb, kc)
    proxy.block()
    states: list[str] = []
    store = make_store(pkc, fail_after=2)
    store.subscribe(lambda b: states.extend(c.view.status for c in b if c.kind == "state"))
    with store:
        assert not store.wait_synced(1.0)
        assert eventually(lambda: store.state.status == "failed", 5), store.state
        assert "connection" in (store.state.reason or ""), store.state.reason
        proxy.unblock()
        assert store.wait_synced(10)
        assert eventually(lambda: store.state.status == "live", 5)
        assert eventually(lambda: states and states[-1] == "live", 2), states
    assert "failed" in states


def test_stop_is_prompt_with_open_watches(seed):
    _, kc = seed
    store = make_store(kc, watch_timeout=300)
    store.start()
    assert store.wait_synced(10)
    time.sleep(0.2)
    t0 = time.monotonic()
    store.stop()
    assert time.monotonic() - t0 < 1.5
    assert store.alive_threads == 0


def test_nad_crd_absent(sandbox_factory):
    sb, kc = sandbox_factory("no-multus")
    with make_store(kc) as store:
        assert store.wait_synced(10)
        assert store.state.status == "live"
        assert "CRD" in (store.state.reason or "")
        assert store.nads() == []
        assert dict(store.state.kinds)["nad"] == "absent"


@pytest.mark.parametrize("scope", [None, "default"])
def test_pod_attachments_from_store(seed, scope):
    sb, kc = seed
    with make_store(kc, scope) as store:
        assert store.wait_synced(10)
        assert eventually(lambda: any(a.state == "attached" and not a.default
                                      for a in store.pod_attachments("default", "samplepod")), 15)
