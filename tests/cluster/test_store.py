"""LiveStore against the sandbox: sync, live changes, batching, dropped streams, compaction, stop."""

from __future__ import annotations

import threading
import time

import pytest

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.store import Change, LiveStore
from multus_tui.cluster.views import EventView, NADView, NamespaceView, PodView
from tests.waiting import TIMEOUT, eventually, wait_until

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


def served(proxy, verb: str, resource: str | None = None) -> int:
    """How many `verb` requests (of `resource`) the server answered, counted at the proxy."""
    return sum(n for (v, r), n in proxy.served.items() if v == verb and resource in (None, r))


def lists(proxy) -> dict[str, int]:
    """Syncs from scratch the server answered per kind this file checks: lists, or watch-lists
    (sendInitialEvents=true) where the store streams the state (a kind whose API is absent is
    listed again now and then to look for it: not counted)."""
    return {r: proxy.initial[r] for r in RESOURCES.values()}


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
        assert store.wait_synced(TIMEOUT)
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
        assert store.wait_synced(TIMEOUT)
        assert eventually(lambda: store_state(store, "pod") == server_state(sb, "pod", "default"))
        assert all(p.namespace == "default" for p in store.pods())
        assert [n.name for n in store.namespaces()] == ["default"]


def test_changes_arrive_batched_as_views(empty):
    sb, kc = empty
    batches: list[list[Change]] = []
    times: list[float] = []
    lock = threading.Lock()
    interval = 0.2

    def listener(batch: list[Change]) -> None:
        with lock:
            batches.append(batch)
            times.append(time.monotonic())

    def delivered() -> list[Change]:
        with lock:
            return [c for b in batches for c in b if c.kind == "nad"]

    store = make_store(kc, batch_interval=interval)
    store.subscribe(listener)
    with store:
        assert store.wait_synced(TIMEOUT)
        for i in range(200):
            sb.store.create("network-attachment-definitions", nad("default", f"n{i}"))
        sb.store.delete("network-attachment-definitions", "default", "n0")
        assert eventually(lambda: len(store.nads("default")) == 199)
        # wait until the listener has everything, down to the last word on n0 (its delete)
        everything = {("default", f"n{i}") for i in range(200)}
        wait_until(lambda: {c.key for c in delivered()} >= everything
                   and [c.op for c in delivered() if c.key == ("default", "n0")][-1] == "delete",
                   what="all 201 changes delivered")
    with lock:
        changes = [c for b in batches for c in b if c.kind == "nad"]
        n_batches = len([b for b in batches if any(c.kind == "nad" for c in b)])
        span = times[-1] - times[0]
        n_all = len(times)
    # coalesced: at most one delivery per batch_interval (one interval of slack for the first), so
    # a burst of 201 events is a handful of deliveries however long a loaded machine took to make it
    assert n_all - 1 <= span / interval + 1, (n_all, span)
    assert n_batches < len(changes) / 2, (n_batches, len(changes))
    # the first sync arrives as a "reset" of the kind (no view: the screens re-read it)
    assert all(isinstance(c.view, NADView) for c in changes if c.op != "reset")
    assert [c for c in changes if c.op == "reset"] == [Change("nad", "reset", None)]
    ups = {c.key for c in changes if c.op == "upsert"}
    assert ("default", "n5") in ups
    # n0 was created then deleted: whether both or only the delete were delivered, the last word is delete
    last_n0 = [c.op for c in changes if c.key == ("default", "n0")][-1]
    assert last_n0 == "delete"


def test_watch_timeouts_resume_without_relisting(empty, http_proxy):
    sb, kc = empty
    proxy, pkc = http_proxy(sb)
    nads = "network-attachment-definitions"
    with make_store(pkc, watch_timeout=1) as store:
        assert store.wait_synced(TIMEOUT)
        wait_until(lambda: served(proxy, "watch", nads), what="the first NAD watch")
        for i in range(3):
            # the server ends each watch after its timeoutSeconds; the store watches again
            n = served(proxy, "watch", nads)
            wait_until(lambda n=n: served(proxy, "watch", nads) > n, what="the NAD watch ended and resumed")
            sb.store.create(nads, nad("default", f"t{i}"))
        assert eventually(lambda: converged(sb, store))
    # resumed from the last resourceVersion each time: the server answered one list per kind, ever
    assert served(proxy, "watch", nads) >= 4, proxy.served
    assert set(lists(proxy).values()) == {1}, proxy.served


def test_dropped_connections_resume_and_converge(seed, http_proxy):
    sb, kc = seed
    proxy, pkc = http_proxy(sb)
    with make_store(pkc, watch_timeout=60) as store:
        assert store.wait_synced(TIMEOUT)
        assert eventually(lambda: converged(sb, store))
        assert eventually(lambda: proxy.open_watches >= 4), "one watch per kind"
        lists_before = lists(proxy)
        proxy.go_away()  # every connection cut, new ones refused
        assert eventually(lambda: store.state.status in ("reconnecting", "failed")), store.state
        sb.store.create("network-attachment-definitions", nad("default", "while-away"))
        sb.store.delete("network-attachment-definitions", "kube-system", "vlan1-internal-pool")
        proxy.come_back()
        assert eventually(lambda: store.state.status == "live"), store.state
        assert eventually(lambda: converged(sb, store)), "store did not converge after the outage"
        assert store.nad("default", "while-away") is not None
        assert store.nad("kube-system", "vlan1-internal-pool") is None
        # resumed from the last resourceVersion: the server answered no new list
        assert lists(proxy) == lists_before, proxy.served


def test_compaction_while_away_relists_and_reconciles_deletes(seed, http_proxy):
    sb, kc = seed
    proxy, pkc = http_proxy(sb)
    with make_store(pkc, watch_timeout=60) as store:
        assert store.wait_synced(TIMEOUT)
        assert eventually(lambda: converged(sb, store))
        victim = store.pods("default")[0]
        proxy.go_away()
        assert eventually(lambda: store.state.status in ("reconnecting", "failed"))
        sb.store.delete("pods", victim.namespace, victim.name)
        sb.store.delete("network-attachment-definitions", "kube-system", "vlan1-internal-pool")
        sb.store.create("network-attachment-definitions", nad("default", "after-compaction"))
        sb.store.compact()
        proxy.come_back()
        assert eventually(lambda: store.state.status == "live"), store.state
        assert eventually(lambda: converged(sb, store)), "store did not converge after compaction"
        assert store.pod(victim.namespace, victim.name) is None
        assert store.nad("kube-system", "vlan1-internal-pool") is None
    # the history was gone: the server answered a second list of each kind that changed
    assert proxy.initial["network-attachment-definitions"] >= 2, proxy.served
    assert proxy.initial["pods"] >= 2, proxy.served


def test_state_reports_failure_and_recovery(empty, via_proxy):
    sb, kc = empty
    proxy, pkc = via_proxy(sb, kc)
    proxy.block()
    states: list[str] = []
    store = make_store(pkc, fail_after=2)
    store.subscribe(lambda b: states.extend(c.view.status for c in b if c.kind == "state"))
    with store:
        assert eventually(lambda: store.state.status == "failed"), store.state
        assert not store.wait_synced(0), "synced although every connection is refused"
        assert "connection" in (store.state.reason or ""), store.state.reason
        proxy.unblock()
        assert store.wait_synced(TIMEOUT)
        assert eventually(lambda: store.state.status == "live")
        assert eventually(lambda: states and states[-1] == "live"), states
    assert "failed" in states


def test_stop_is_prompt_with_open_watches(seed, http_proxy):
    sb, _ = seed
    proxy, pkc = http_proxy(sb)
    store = make_store(pkc, watch_timeout=300)
    store.start()
    assert store.wait_synced(TIMEOUT)
    assert eventually(lambda: proxy.open_watches >= 4), "one open watch per kind"
    # open watches are closed, not waited out: every thread ends with 300 s left on each watch (no
    # wall-clock limit: the generous join timeout only bounds a failure on a loaded machine)
    store.stop(timeout=TIMEOUT)
    assert store.alive_threads == 0


def test_nad_crd_absent(sandbox_factory):
    sb, kc = sandbox_factory("no-multus")
    with make_store(kc) as store:
        assert store.wait_synced(TIMEOUT)
        assert store.state.status == "live"
        assert "CRD" in (store.state.reason or "")
        assert store.nads() == []
        assert dict(store.state.kinds)["nad"] == "absent"


@pytest.mark.parametrize("scope", [None, "default"])
def test_pod_attachments_from_store(seed, scope):
    sb, kc = seed
    with make_store(kc, scope) as store:
        assert store.wait_synced(TIMEOUT)
        assert eventually(lambda: any(a.state == "attached" and not a.default
                                      for a in store.pod_attachments("default", "samplepod")), 15)


def test_a_pods_join_is_kept_until_the_pod_changes_and_dropped_when_it_goes(empty):
    """Screens ask for a pod's attachments on every batch: the same list comes back while neither the
    pod nor its events change; a change joins again; a deleted pod has none."""
    sb, kc = empty
    sb.store.create("pods", {**pod("default", "kept"), "metadata": {
        "name": "kept", "namespace": "default",
        "annotations": {"k8s.v1.cni.cncf.io/networks": "missing-nad"}}})
    with make_store(kc) as store:
        assert store.wait_synced(TIMEOUT)
        first = wait_until(lambda: store.pod_attachments("default", "kept"), what="the pod's join")
        assert store.pod_attachments("default", "kept") is first
        sb.store.mutate("pods", "default", "kept", lambda p: p["metadata"].setdefault("labels", {}).update(x="1"))
        wait_until(lambda: store.pod_attachments("default", "kept") is not first, what="a new join after the change")
        sb.store.delete("pods", "default", "kept")
        wait_until(lambda: store.pod("default", "kept") is None, what="the deletion")
        assert store.pod_attachments("default", "kept") == []
