"""The sandbox scenarios: what each holds, and that the seed settles quickly."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from multus_tui.multus.nad import NAD
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION, parse_network_status
from multus_tui.sandbox.discovery import NAD_CRD_NAME
from multus_tui.sandbox.errors import ApiError
from multus_tui.sandbox.kubelet import Simulator
from multus_tui.sandbox.runner import Sandbox
from multus_tui.sandbox.scenarios import check_scenario, load_scenario
from multus_tui.sandbox.store import ObjectStore
from tests.waiting import TIMEOUT, wait_until


def _secondary_ips(pod: dict) -> list[str]:
    st = parse_network_status(pod["metadata"]["annotations"][NETWORK_STATUS_ANNOTATION])
    return [ip for s in st if not s.default for ip in s.ips]


def test_seed_settles(make_sandbox: Callable[..., Sandbox]) -> None:
    # how fast it settles is a figure for benchmarks/, not a limit here (a loaded machine is slower)
    sb = make_sandbox("seed")  # default settings: the kubelet's own start delay included
    want_running = {("default", "samplepod"), ("default", "pool-twin"), ("default", "dns-override"),
                    ("tenant-a", "static-default-route")}

    def settled() -> dict | None:
        pods = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in sb.store.list("pods")[0]}
        running = {k for k, p in pods.items() if p["status"].get("phase") == "Running"}
        reasons = {e["reason"] for e in sb.store.list("events", "tenant-a")[0]
                   if e["involvedObject"]["name"] == "waiting-for-nad"}
        return pods if running >= want_running and {"NoNetworkFound", "FailedCreatePodSandBox"} <= reasons else None

    pods = wait_until(settled, what="the seed's pods Running and waiting-for-nad's failure events")
    assert set(pods) == want_running | {("tenant-a", "waiting-for-nad")}
    assert pods[("tenant-a", "waiting-for-nad")]["status"]["phase"] == "Pending"
    # samplepod: the only scheduled pod, so round-robin puts it on node-1; S4's first lease there
    sp = pods[("default", "samplepod")]
    assert sp["spec"]["nodeName"] == "node-1" and _secondary_ips(sp) == ["192.168.0.20"]
    assert sp["spec"]["containers"][0]["image"] == "dougbtv/centos-network"
    assert sp["spec"]["containers"][0]["command"] == ["/bin/bash", "-c", "trap : TERM INT; sleep infinity & wait"]
    # host-local is per node: the same address on node-2
    twin = pods[("default", "pool-twin")]
    assert twin["spec"]["nodeName"] == "node-2" and _secondary_ips(twin) == ["192.168.0.20"]
    assert _secondary_ips(pods[("tenant-a", "static-default-route")]) == ["192.168.0.10"]
    dns = pods[("default", "dns-override")]
    assert dns["spec"]["dnsPolicy"] == "None"
    assert dns["spec"]["dnsConfig"]["nameservers"] == ["192.168.0.1", "192.168.0.2"]
    assert _secondary_ips(dns) == ["192.168.0.20"]


def test_seed_nads_are_the_stories() -> None:
    store = ObjectStore()
    load_scenario("seed", store)
    nads = {(n["metadata"]["namespace"], n["metadata"]["name"]): NAD.from_manifest(n)
            for n in store.list("network-attachment-definitions")[0]}
    assert set(nads) == {("default", "vlan1-internal-static"), ("tenant-a", "vlan1-internal-static-dr"),
                         ("kube-system", "vlan1-internal-pool")}
    s1 = nads[("default", "vlan1-internal-static")]
    assert s1.is_conflist and s1.main_type == "macvlan" and s1.chained_types == ["sbr"]
    assert s1.cni_version == "0.3.1" and s1.plugins[0]["master"] == "k8s-vlan1"
    assert s1.ipam == {"type": "static", "addresses": [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]}
    s2 = nads[("tenant-a", "vlan1-internal-static-dr")]
    assert not s2.is_conflist and s2.capabilities == {"ips": True} and s2.ipam == {"type": "static"}
    s4 = nads[("kube-system", "vlan1-internal-pool")]
    assert s4.ipam["ranges"] == [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                                   "rangeEnd": "192.168.0.49", "gateway": "192.168.0.254"}]]
    # the nodes' interfaces as kubernetes-nmstate reports them (one NodeNetworkState per node)
    links = {n["metadata"]["name"]: [i["name"] for i in n["status"]["currentState"]["interfaces"]]
             for n in store.list("nodenetworkstates")[0]}
    assert links == {"node-1": ["lo", "eth0", "k8s-vlan1"], "node-2": ["lo", "eth0", "k8s-vlan1"],
                     "node-3": ["lo", "eth0", "k8s-vlan1"], "node-4": ["lo", "eth0"]}
    assert {n["metadata"]["name"] for n in store.list("nodes")[0]} == set(links)
    # the NADs as `kubectl apply` leaves them
    for n in store.list("network-attachment-definitions")[0]:
        assert [e["manager"] for e in n["metadata"]["managedFields"]] == ["kubectl-client-side-apply"]
        assert "kubectl.kubernetes.io/last-applied-configuration" in n["metadata"]["annotations"]
    assert {"default", "kube-system", "tenant-a"} <= {n["metadata"]["name"] for n in store.list("namespaces")[0]}


def test_empty_and_no_multus() -> None:
    empty = ObjectStore()
    load_scenario("empty", empty)
    assert empty.list("pods")[0] == [] and empty.list("network-attachment-definitions")[0] == []
    assert empty.get("customresourcedefinitions", None, NAD_CRD_NAME)
    plain = ObjectStore()
    load_scenario("no-multus", plain)
    with pytest.raises(ApiError):
        plain.get("customresourcedefinitions", None, NAD_CRD_NAME)
    assert len(plain.list("pods")[0]) == 5


@pytest.mark.parametrize("name", ["nope", "large:", "large:0", "large:x", "seed "])
def test_unknown_scenarios_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        check_scenario(name)
    with pytest.raises(ValueError):
        load_scenario(name, ObjectStore())


def test_large_is_running_and_adopted_without_address_reuse() -> None:
    store = ObjectStore()
    load_scenario("large:1000", store)  # how long it takes: benchmarks/ (the sandbox prints "loaded in")
    pods = store.list("pods")[0]
    nads = store.list("network-attachment-definitions")[0]
    namespaces = {p["metadata"]["namespace"] for p in pods}
    assert len(pods) == 1000 and len(nads) == 100 and len(namespaces) == 20
    assert all(p["status"]["phase"] == "Running" for p in pods)
    first = pods[0]
    ns, net = first["metadata"]["namespace"], first["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"]
    taken = {ip for p in pods if p["metadata"]["namespace"] == ns for ip in _secondary_ips(p)}
    sim = Simulator(store)
    sim.start()
    try:
        assert sim.wait_idle(TIMEOUT)
        # a new pod on the same NAD gets an address nobody holds (whereabouts state was adopted)
        store.create("pods", {"metadata": {"name": "newcomer", "namespace": ns,
                                           "annotations": {"k8s.v1.cni.cncf.io/networks": net}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
        wait_until(lambda: store.get("pods", ns, "newcomer")["status"].get("phase") == "Running",
                   what="the newcomer Running")
        new = store.get("pods", ns, "newcomer")
        ips = _secondary_ips(new)
        assert ips and not set(ips) & taken
        node_ips = {p["status"]["podIP"] for p in pods if p["spec"]["nodeName"] == new["spec"]["nodeName"]}
        assert new["status"]["podIP"] not in node_ips
        json.loads(new["metadata"]["annotations"][NETWORK_STATUS_ANNOTATION])
    finally:
        sim.stop()
