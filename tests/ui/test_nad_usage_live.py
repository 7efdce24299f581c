"""The namespace screen's attachments tab keeps its PODS and POOL columns current by re-joining only
the networks of the pods that changed (not every pod of the cluster per change): after each pod
add, update and delete, anywhere in the cluster, the tab shows what a whole-cluster join shows."""

from __future__ import annotations

import json

import pytest

from multus_tui.ui.model import nad_usage
from multus_tui.ui.screens import namespace as namespace_screen
from multus_tui.ui.screens.namespace import NamespaceScreen
from multus_tui.ui.widgets import LiveTable
from tests.ui.ui_harness import SIZE, fully_mounted, make_app, table_rows, wait_for

NAD_RES = "network-attachment-definitions"
NET = "default/usage-net"
OTHER = "default/usage-other"
STATUS = "k8s.v1.cni.cncf.io/network-status"


def nad(name: str, start: int) -> dict:
    config = {"cniVersion": "0.3.1", "type": "macvlan", "master": "k8s-vlan1",
              "ipam": {"type": "host-local", "subnet": "10.10.0.0/24",
                       "rangeStart": f"10.10.0.{start}", "rangeEnd": f"10.10.0.{start + 9}"}}
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name, "namespace": "default"}, "spec": {"config": json.dumps(config)}}


def pod(name: str, namespace: str, networks: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace,
                         "annotations": {"k8s.v1.cni.cncf.io/networks": networks}},
            # one node: a host-local pool is per node, so the POOL column counts one node's holders
            "spec": {"nodeName": "node-1",
                     "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "infinity"]}]}}


def usage_columns(rows: dict[str, list[str]]) -> dict[str, tuple[str, str]]:
    return {key: (cells[6], cells[7]) for key, cells in rows.items()}


@pytest.mark.parametrize("in_worker", [False, True], ids=["joined-on-the-loop", "first-join-in-a-worker"])
async def test_attachments_tab_follows_pod_add_update_delete(seed, monkeypatch, in_worker):
    """(In a big cluster the first whole join runs in a worker: forced here for the small seed.)"""
    if in_worker:
        monkeypatch.setattr(namespace_screen, "BACKGROUND_OVER", -1)
    sb, kc = seed
    sb.store.create(NAD_RES, nad("usage-net", 10))
    sb.store.create(NAD_RES, nad("usage-other", 30))
    app = make_app(kc, namespace="default")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, NamespaceScreen) and fully_mounted(app.screen),
                       what="namespace screen")
        await pilot.press("1")
        screen, store = app.screen, app.ctx.store
        table = screen.query_one("#nads", LiveTable)

        def shown() -> dict[str, tuple[str, str]]:
            return usage_columns(table_rows(table))

        def whole() -> dict[str, tuple[str, str]]:
            """The columns from a join of every pod, as the screen computed them before."""
            return usage_columns({k: [c.plain for c in cells] for k, cells in screen.nad_rows(store, nad_usage(store))})

        async def agrees(what: str, net: str, pods: str, pool_used: str | None = None) -> None:
            def ok() -> bool:
                cols = shown()
                return (cols == whole() and cols.get(net, ("", ""))[0] == pods
                        and (pool_used is None or cols[net][1].split("/")[0] == pool_used))
            await wait_for(pilot, ok, what=f"{what}: {net} with {pods} pods, as a whole join shows")

        await agrees("no users yet", NET, "0", "0")
        # add: a pod here and one in another namespace (the NAD is reachable as ns/name)
        sb.store.create("pods", pod("user-a", "default", "usage-net"))
        sb.store.create("pods", pod("user-b", "kube-system", NET))
        await agrees("two pods added", NET, "2", "2")
        # update: user-a moves from usage-net to usage-other (its status says so too)
        def move(obj: dict) -> None:
            ann = obj["metadata"]["annotations"]
            ann["k8s.v1.cni.cncf.io/networks"] = "usage-other"
            ann[STATUS] = json.dumps([{"name": "default/usage-other", "interface": "net1", "ips": ["10.10.0.31"]}])
        sb.store.mutate("pods", "default", "user-a", move)
        await agrees("user-a moved", NET, "1", "1")
        await agrees("user-a moved", OTHER, "1", "1")
        # delete
        sb.store.delete("pods", "kube-system", "user-b")
        await agrees("user-b deleted", NET, "0", "0")
        sb.store.delete("pods", "default", "user-a")
        await agrees("user-a deleted", OTHER, "0", "0")


def test_a_pod_change_rejoins_only_its_networks(seed):
    """The index re-joins the networks the changed pod uses now or used before, and, told of every
    pod that changed (as the screen is: pod changes and pods' events), equals the whole-cluster join."""
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.kubeconfig import load_cluster
    from multus_tui.cluster.store import LiveStore
    from multus_tui.ui.model import UsageIndex
    from tests.waiting import wait_until

    sb, kc = seed
    sb.store.create(NAD_RES, nad("usage-net", 10))
    sb.store.create(NAD_RES, nad("usage-other", 30))
    cluster = Cluster(load_cluster(kc))
    store = LiveStore(cluster).start()
    changed: set[tuple[str, str]] = set()

    def listener(changes) -> None:  # the store's dispatcher thread
        for c in changes:
            if c.kind == "pod" and c.key:
                changed.add(c.key)
            elif c.kind == "event" and c.view is not None and c.view.involved_kind in ("Pod", ""):
                changed.add((c.view.involved_namespace, c.view.involved_name))

    def caught_up() -> bool:
        pods = set(changed)
        changed.difference_update(pods)
        index.update(store, pods)
        return index.usage == nad_usage(store)

    store.subscribe(listener)
    try:
        assert store.wait_synced(30)
        index = UsageIndex()
        index.rebuild(nad_usage(store))
        assert len(index.usage) >= 2  # the seed's own pods use other networks
        sb.store.create("pods", pod("user-a", "default", "usage-net"))
        wait_until(lambda: store.pod_networks("default", "user-a"), what="user-a's networks in the store")
        assert index.update(store, [("default", "user-a")]) == {NET}  # its network only
        wait_until(caught_up, what="the index equal to a whole join after user-a was added")
        sb.store.mutate("pods", "default", "user-a", lambda o: o["metadata"]["annotations"].update(
            {"k8s.v1.cni.cncf.io/networks": "usage-other"}))
        wait_until(lambda: OTHER in store.pod_networks("default", "user-a"), what="user-a moved in the store")
        assert index.update(store, [("default", "user-a")]) == {NET} | set(store.pod_networks("default", "user-a"))
        wait_until(caught_up, what="the index equal to a whole join after user-a moved")
        sb.store.delete("pods", "default", "user-a")
        wait_until(lambda: store.pod("default", "user-a") is None, what="user-a gone from the store")
        assert index.update(store, [("default", "user-a")]) <= {NET, OTHER}
        wait_until(caught_up, what="the index equal to a whole join after user-a was deleted")
        assert NET not in index.usage and OTHER not in index.usage
    finally:
        store.stop()
        cluster.close()
