"""The simulated whereabouts keeps its state where whereabouts does: IPPool and
OverlappingRangeIPReservation objects (k8snetworkplumbingwg/whereabouts @3a262bd,
pkg/storage/kubernetes/ipam.go), read back here with the real kubectl and the official client;
plus the stale-pools scenario (a node crash) and SR-IOV scheduling (network-resources-injector +
kube-scheduler's "Insufficient" message)."""

from __future__ import annotations

import json
import time

import pytest
from kubernetes import client, config

from multus_tui.multus.ipam import ipam_ranges
from multus_tui.sandbox import errors
from multus_tui.sandbox.scenarios import install_whereabouts, load_scenario, pod
from multus_tui.sandbox.store import ObjectStore
from multus_tui.sandbox.whereabouts_sim import WhereaboutsBackend, pool_name, reservation_name

NAD = "network-attachment-definitions"


def _nad(ns: str, name: str, ipam: dict, annotations: dict | None = None) -> dict:
    cfg = {"cniVersion": "0.3.1", "name": name, "type": "macvlan", "master": "k8s-vlan1", "ipam": ipam}
    meta = {"name": name, "namespace": ns, **({"annotations": annotations} if annotations else {})}
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition", "metadata": meta,
            "spec": {"config": json.dumps(cfg)}}


def _wait(fn, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _running(sb, ns: str, name: str) -> dict:
    def get():
        try:
            p = sb.store.get("pods", ns, name)
        except errors.ApiError:
            return None
        return p if p.get("status", {}).get("phase") == "Running" else None
    return _wait(get)


def _secondary_ip(p: dict) -> str:
    status = json.loads(p["metadata"]["annotations"]["k8s.v1.cni.cncf.io/network-status"])
    return next(s["ips"][0] for s in status if not s.get("default"))


@pytest.fixture
def custom(sandbox):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(sandbox.kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as api:
        yield client.CustomObjectsApi(api)


def _pool(custom, name: str) -> dict:
    return custom.get_namespaced_custom_object("whereabouts.cni.cncf.io", "v1alpha1", "kube-system", "ippools", name)


def test_pools_and_reservations_are_named_and_keyed_as_whereabouts_writes_them(sandbox, custom, kubectl):
    sandbox.store.create(NAD, _nad("default", "plain", {"type": "whereabouts", "range": "10.40.0.0/29"}))
    sandbox.store.create(NAD, _nad("default", "blue", {"type": "whereabouts", "range": "10.40.0.5/29",
                                                        "network_name": "blue"}))
    sandbox.store.create("pods", pod("default", "a", "plain", node_name="node-1"))
    sandbox.store.create("pods", pod("default", "b", "plain, blue", node_name="node-2"))
    assert _secondary_ip(_running(sandbox, "default", "a")) == "10.40.0.1"
    _running(sandbox, "default", "b")
    plain = _pool(custom, "10.40.0.0-29")
    assert plain["spec"]["range"] == "10.40.0.0/29"  # the range's network, as config.go normalises it
    allocs = plain["spec"]["allocations"]
    assert set(allocs) == {"1", "2"}
    assert allocs["1"]["podref"] == "default/a" and allocs["1"]["ifname"] == "net1"
    assert allocs["2"]["podref"] == "default/b" and allocs["2"]["ifname"] == "net1"
    assert len(allocs["1"]["id"]) == 64 and allocs["1"]["id"] != allocs["2"]["id"]  # the sandbox's container ID
    blue = _pool(custom, "blue-10.40.0.0-29")["spec"]["allocations"]
    assert blue == {"1": {"id": allocs["2"]["id"], "podref": "default/b", "ifname": "net2"}}
    out = kubectl("get", "overlappingrangeipreservations", "-n", "kube-system", "-o", "json").stdout
    reservations = {r["metadata"]["name"]: r["spec"] for r in json.loads(out)["items"]}
    assert reservations == {"10.40.0.1": {"podref": "default/a", "ifname": "net1"},
                            "10.40.0.2": {"podref": "default/b", "ifname": "net1"},
                            "blue-10.40.0.1": {"podref": "default/b", "ifname": "net2"}}
    # CNI DEL: the allocation and its reservation go
    kubectl("delete", "pod", "a", "--wait=true")
    _wait(lambda: set(_pool(custom, "10.40.0.0-29")["spec"]["allocations"]) == {"2"})
    names = {r["metadata"]["name"] for r in json.loads(kubectl(
        "get", "overlappingrangeipreservations", "-n", "kube-system", "-o", "json").stdout)["items"]}
    assert names == {"10.40.0.2", "blue-10.40.0.1"}


def test_a_stale_allocation_blocks_its_address_until_released_with_a_guarded_patch(sandbox, custom, kubectl):
    sandbox.store.create(NAD, _nad("default", "wa", {"type": "whereabouts", "range": "10.50.0.0/29",
                                                     "enable_overlapping_ranges": False}))
    sandbox.store.create("pods", pod("default", "first", "wa", node_name="node-1"))
    _running(sandbox, "default", "first")
    # a crash leaves .2 allocated to a pod that is gone (as whereabouts wrote it before the node died)
    kubectl("patch", "ippool", "10.50.0.0-29", "-n", "kube-system", "--type=merge", "-p",
            json.dumps({"spec": {"allocations": {"2": {"id": "dead" * 16, "podref": "default/gone",
                                                       "ifname": "net1"}}}}))
    sandbox.store.create("pods", pod("default", "second", "wa", node_name="node-2"))
    assert _secondary_ip(_running(sandbox, "default", "second")) == "10.50.0.3"
    rv = _pool(custom, "10.50.0.0-29")["metadata"]["resourceVersion"]
    stale_rv = str(int(rv) - 1)
    release = [{"op": "test", "path": "/metadata/resourceVersion"}, {"op": "remove", "path": "/spec/allocations/2"}]
    proc = kubectl("patch", "ippool", "10.50.0.0-29", "-n", "kube-system", "--type=json", "-p",
                   json.dumps([{**release[0], "value": stale_rv}, release[1]]), check=False)
    assert proc.returncode == 1
    assert "the server rejected our request due to an error in our request" in proc.stderr
    kubectl("patch", "ippool", "10.50.0.0-29", "-n", "kube-system", "--type=json", "-p",
            json.dumps([{**release[0], "value": rv}, release[1]]))
    sandbox.store.create("pods", pod("default", "third", "wa", node_name="node-3"))
    assert _secondary_ip(_running(sandbox, "default", "third")) == "10.50.0.2"


def test_the_same_podref_and_interface_get_their_address_back(sandbox, custom):
    # AssignIP reuses an allocation of the same podref and ifname (StatefulSet pods keep their name)
    sandbox.store.create(NAD, _nad("default", "wa", {"type": "whereabouts", "range": "10.60.0.0/29"}))
    sandbox.store.create("pods", pod("default", "filler", "wa", node_name="node-1"))
    _running(sandbox, "default", "filler")
    custom.patch_namespaced_custom_object(
        "whereabouts.cni.cncf.io", "v1alpha1", "kube-system", "ippools", "10.60.0.0-29",
        {"spec": {"allocations": {"4": {"id": "old", "podref": "default/db-0", "ifname": "net1"}}}})
    sandbox.store.create("pods", pod("default", "db-0", "wa", node_name="node-2"))
    assert _secondary_ip(_running(sandbox, "default", "db-0")) == "10.60.0.4"
    allocs = _pool(custom, "10.60.0.0-29")["spec"]["allocations"]
    assert allocs["4"]["podref"] == "default/db-0" and allocs["4"]["id"] != "old"


def test_without_the_ippool_crd_whereabouts_fails_like_on_a_cluster_without_it(sandbox, kubectl):
    kubectl("delete", "crd", "ippools.whereabouts.cni.cncf.io")
    sandbox.store.create(NAD, _nad("default", "wa", {"type": "whereabouts", "range": "10.70.0.0/29"}))
    sandbox.store.create("pods", pod("default", "p", "wa", node_name="node-1"))

    def failed():
        out = kubectl("get", "events", "--field-selector", "involvedObject.name=p,reason=FailedCreatePodSandBox",
                      "-o", "json").stdout
        return [e["message"] for e in json.loads(out)["items"]]
    message = _wait(failed)[0]
    assert "the server could not find the requested resource (get ippools.whereabouts.cni.cncf.io)" in message


class _RacingStore(ObjectStore):
    """The API under the backend, with another whereabouts (another node) writing the pool right after
    this one read it, once."""

    raced = False

    def get(self, resource, namespace, name):  # noqa: ANN001, ANN201
        obj = super().get(resource, namespace, name)
        if resource == "ippools" and not self.raced:
            self.raced = True
            other = super().get(resource, namespace, name)
            other["spec"]["allocations"]["1"] = {"id": "other-node", "podref": "default/elsewhere", "ifname": "net1"}
            self.update("ippools", other, namespace=namespace)
        return obj


def test_a_concurrent_writer_makes_whereabouts_retry_not_lose_an_allocation():
    store = _RacingStore()
    for ns in ("default", "kube-system"):
        store.create("namespaces", {"metadata": {"name": ns}})
    install_whereabouts(store)
    ipam = {"type": "whereabouts", "range": "10.80.0.0/29"}
    backend = WhereaboutsBackend(store)
    store.create("ippools", {"metadata": {"name": "10.80.0.0-29", "namespace": "kube-system"},
                             "spec": {"range": "10.80.0.0/29", "allocations": {}}})
    got = backend.add(ipam, ipam_ranges(ipam), container_id="c1", pod_ref="default/mine", ifname="net1")
    assert [ip for ip, _ in got] == ["10.80.0.2"]  # .1 went to the other writer meanwhile
    allocs = store.get("ippools", "kube-system", "10.80.0.0-29")["spec"]["allocations"]
    assert allocs == {"1": {"id": "other-node", "podref": "default/elsewhere", "ifname": "net1"},
                      "2": {"id": "c1", "podref": "default/mine", "ifname": "net1"}}


def test_names_of_v6_pools_and_reservations():
    assert pool_name("fd00::/64") == "fd00---64"
    assert pool_name("192.168.0.0/24", "tenant") == "tenant-192.168.0.0-24"
    assert reservation_name("fd00::1") == "fd00--1"
    assert reservation_name("fd00::", "net") == "net-fd00--0"


@pytest.mark.parametrize("sandbox", ["stale-pools"], indirect=True)
def test_stale_pools_scenario_leaves_what_a_node_crash_leaves(sandbox, custom, kubectl):
    late = _running(sandbox, "default", "wa-late")
    assert _secondary_ip(late) == "192.168.20.5"  # .3 and .4 are still allocated to the crashed pods
    allocs = _pool(custom, "192.168.20.0-28")["spec"]["allocations"]
    assert {k: a["podref"] for k, a in allocs.items()} == {
        "1": "default/wa-0", "2": "default/wa-1", "3": "default/wa-2", "4": "default/wa-3", "5": "default/wa-late"}
    pods = kubectl("get", "pods", "-n", "default", "-o", "name").stdout.split()
    assert "pod/wa-2" not in pods and "pod/wa-3" not in pods
    nodes = kubectl("get", "nodes").stdout
    assert any(ln.split()[:2] == ["node-3", "NotReady"] for ln in nodes.splitlines())
    reservations = kubectl("get", "overlappingrangeipreservations", "-n", "kube-system", "-o", "name").stdout.split()
    assert "overlappingrangeipreservation.whereabouts.cni.cncf.io/192.168.20.9" in reservations
    events = kubectl("get", "events", "--field-selector", "involvedObject.name=dpdk-app", "-o", "json").stdout
    messages = [e["message"] for e in json.loads(events)["items"] if e["reason"] == "FailedScheduling"]
    assert messages[0] == ("0/4 nodes are available: 4 Insufficient intel.com/sriov_dpdk. preemption: 0/4 nodes are "
                           "available: 4 No preemption victims found for incoming pod..")
    dpdk = json.loads(kubectl("get", "pod", "dpdk-app", "-o", "json").stdout)
    assert dpdk["spec"]["containers"][0]["resources"]["requests"] == {"intel.com/sriov_dpdk": "1"}


def test_sriov_resources_are_scheduled_where_advertised_and_freed_on_delete(make_sandbox):
    sb = make_sandbox("empty")
    from multus_tui.sandbox import injector

    injector.install(sb.store)
    for name in ("node-1", "node-2"):
        sb.store.mutate("nodes", None, name, lambda n: n["status"]["allocatable"].update(
            {"intel.com/sriov_netdevice": "1"}), subresource="status")
    sb.store.create(NAD, _nad("default", "vf", {"type": "static", "addresses": [{"address": "10.9.0.1/24"}]},
                              {"k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov_netdevice"}))
    for i in range(3):
        sb.store.create("pods", pod("default", f"vf-{i}", "vf"))

    def scheduled():
        pods = [sb.store.get("pods", "default", f"vf-{i}") for i in range(3)]
        placed = sorted(p["spec"].get("nodeName") or "" for p in pods)
        # the scheduler writes the third pod's Unschedulable condition after placing the other two
        told = all(p.get("status", {}).get("conditions") for p in pods if not p["spec"].get("nodeName"))
        return placed if placed == ["", "node-1", "node-2"] and told else None
    _wait(scheduled)
    waiting = next(p for p in sb.store.list("pods", "default")[0] if not p["spec"].get("nodeName"))
    cond = waiting["status"]["conditions"][0]
    assert cond["reason"] == "Unschedulable"
    assert cond["message"] == ("0/4 nodes are available: 4 Insufficient intel.com/sriov_netdevice. preemption: 0/4 "
                               "nodes are available: 4 No preemption victims found for incoming pod..")
    holder = next(p for p in sb.store.list("pods", "default")[0] if p["spec"].get("nodeName"))
    sb.store.delete("pods", "default", holder["metadata"]["name"])
    _wait(lambda: sb.store.get("pods", "default", waiting["metadata"]["name"])["spec"].get("nodeName"))
    # a pod naming a NAD that does not exist is denied by the webhook, as the real injector does
    with pytest.raises(errors.ApiError) as exc:
        sb.store.create("pods", pod("default", "lost", "nope"))
    assert exc.value.message.startswith('admission webhook "network-resources-injector-config.k8s.io" denied the '
                                        "request: could not find network attachment definition 'default/nope'")


def test_scenario_loader_knows_stale_pools():
    store = ObjectStore()
    load_scenario("stale-pools", store)
    assert store.get(NAD, "default", "vlan1-wa-pool")
    assert store.get("nodes", None, "node-1")["status"]["allocatable"]["intel.com/sriov_netdevice"] == "4"
