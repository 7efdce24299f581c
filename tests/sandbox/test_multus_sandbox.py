"""The simulated Multus, driven through the API with the official kubernetes client.

Each test starts a sandbox (scenario "empty": nodes node-1..3 with k8s-vlan1, node-4 without;
namespaces default, kube-system, tenant-a; the NAD CRD), creates NADs and pods as a user would,
and checks what multus-reference.md sections 2-5 say the real Multus does: network-status,
AddedInterface / NoNetworkFound / FailedCreatePodSandBox events and their texts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client, config

from multus_tui.multus.failures import parse_failure
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION, parse_network_status
from multus_tui.sandbox.runner import Sandbox
from tests.waiting import TIMEOUT, wait_until

NETWORKS = "k8s.v1.cni.cncf.io/networks"
GROUP, VERSION, PLURAL = "k8s.cni.cncf.io", "v1", "network-attachment-definitions"
FAST = {"pod_start_delay_s": 0.0, "retry_interval_s": 0.3}


class Cluster:
    """A started sandbox plus the official client's APIs, with a few user-level helpers."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        api = config.new_client_from_config(config_file=str(sb.kubeconfig_path), context="sandbox")
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def nad(self, ns: str, name: str, cfg: dict[str, Any] | str) -> None:
        text = cfg if isinstance(cfg, str) else json.dumps(cfg)
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "NetworkAttachmentDefinition",
                "metadata": {"name": name, "namespace": ns}, "spec": {"config": text}}
        self.custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, body)

    def pod(self, ns: str, name: str, networks: str | list | None = None, node: str | None = None,
            **spec: Any) -> None:
        meta: dict[str, Any] = {"name": name, "namespace": ns}
        if networks is not None:
            meta["annotations"] = {NETWORKS: networks if isinstance(networks, str) else json.dumps(networks)}
        body_spec: dict[str, Any] = {"containers": [{"name": "app", "image": "dougbtv/centos-network"}], **spec}
        if node:
            body_spec["nodeName"] = node
        self.core.create_namespaced_pod(ns, {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": body_spec})

    def get(self, ns: str, name: str) -> dict[str, Any]:
        return self.core.api_client.sanitize_for_serialization(self.core.read_namespaced_pod(name, ns))

    def wait(self, ns: str, name: str, pred: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        pod = self.get(ns, name)
        while not pred(pod):
            if time.monotonic() > deadline:
                raise AssertionError(f"{ns}/{name} did not get there: {json.dumps(pod.get('status'))[:400]} "
                                     f"events: {[e['message'][-200:] for e in self.events(ns, name)]}")
            time.sleep(0.05)
            pod = self.get(ns, name)
        return pod

    def running(self, ns: str, name: str) -> dict[str, Any]:
        return self.wait(ns, name, lambda p: p["status"].get("phase") == "Running")

    def events(self, ns: str, name: str) -> list[dict[str, Any]]:
        evs = self.core.list_namespaced_event(ns, field_selector=f"involvedObject.name={name}").items
        return [self.core.api_client.sanitize_for_serialization(e) for e in evs]

    def failure(self, ns: str, name: str, timeout: float = TIMEOUT) -> str:
        """The Multus error of the pod's (first) FailedCreatePodSandBox event."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events(ns, name):
                if e["reason"] == "FailedCreatePodSandBox":
                    return e["message"]
            time.sleep(0.05)
        raise AssertionError(f"no FailedCreatePodSandBox for {ns}/{name}: {self.events(ns, name)}")


def status(pod: dict[str, Any]) -> list:
    return parse_network_status(pod["metadata"]["annotations"][NETWORK_STATUS_ANNOTATION])


def secondary(pod: dict[str, Any]) -> list:
    return [s for s in status(pod) if not s.default]


def macvlan(name: str, ipam: dict[str, Any] | None, master: str = "k8s-vlan1", **extra: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {"cniVersion": "0.3.1", "name": name, "type": "macvlan", "master": master, "mode": "bridge"}
    if ipam is not None:
        cfg["ipam"] = ipam
    cfg.update(extra)
    return cfg


STATIC_20 = {"type": "static", "addresses": [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]}
POOL = {"type": "host-local", "ranges": [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                                           "rangeEnd": "192.168.0.49", "gateway": "192.168.0.254"}]]}


@pytest.fixture
def cluster(make_sandbox: Callable[..., Sandbox]) -> Cluster:
    return Cluster(make_sandbox("empty", **FAST))


# ------------------------------------------------------------------------------ static + status


def test_static_conflist_attaches_with_status_and_events(cluster: Cluster) -> None:
    cfg = {"cniVersion": "0.3.1", "name": "vlan1-internal-static",
           "plugins": [{"type": "macvlan", "master": "k8s-vlan1", "mode": "bridge", "ipam": STATIC_20},
                       {"type": "sbr"}]}
    cluster.nad("default", "vlan1-internal-static", cfg)
    cluster.pod("default", "p", "vlan1-internal-static", node="node-1")
    pod = cluster.running("default", "p")
    st = status(pod)
    # the cluster default first, bare CNI name, default true; then ns/name with net1 (3.1)
    assert st[0].name == "sandbox-pod-network" and st[0].default and st[0].interface == "eth0"
    assert st[0].ips == [pod["status"]["podIP"]] and pod["status"]["podIP"].startswith("10.244.1.")
    assert (st[1].name, st[1].interface, st[1].ips, st[1].default) == (
        "default/vlan1-internal-static", "net1", ["192.168.0.20"], False)
    assert st[1].mac and st[1].mac != st[0].mac
    msgs = [(e["reason"], e["message"], e["source"]["component"]) for e in cluster.events("default", "p")]
    assert ("AddedInterface", f"Add eth0 [{pod['status']['podIP']}/24] from sandbox-pod-network", "multus") in msgs
    assert ("AddedInterface", "Add net1 [192.168.0.20/24] from default/vlan1-internal-static", "multus") in msgs
    assert [c["ready"] for c in pod["status"]["containerStatuses"]] == [True]


def test_static_without_addresses_and_no_ips_fails_missing_ip_config(cluster: Cluster) -> None:
    cluster.nad("default", "s2", macvlan("s2", {"type": "static"}, capabilities={"ips": True}))
    cluster.pod("default", "p", "s2", node="node-1")
    msg = cluster.failure("default", "p")
    assert 'error adding container to network "s2": IPAM plugin returned missing IP config' in msg
    assert "ERRORED: error configuring pod [default/p] networking: " in msg
    assert parse_failure(msg, "FailedCreatePodSandBox").kind == "missing-ip-config"
    pod = cluster.get("default", "p")
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    assert NETWORK_STATUS_ANNOTATION not in (pod["metadata"].get("annotations") or {})


# ------------------------------------------------------------------------------ capabilities


def test_ips_capability_replaces_static_addresses(cluster: Cluster) -> None:
    cluster.nad("default", "cap", macvlan("cap", STATIC_20, capabilities={"ips": True}))
    cluster.pod("default", "p", [{"name": "cap", "ips": ["192.168.0.30/24"]}], node="node-1")
    assert secondary(cluster.running("default", "p"))[0].ips == ["192.168.0.30"]


def test_ips_without_capability_reach_static_only_through_cni_args(cluster: Cluster) -> None:
    # runtimeConfig dropped by libcni; Multus' legacy CNI_ARGS IP is appended by static (2.3, 5.3)
    cluster.nad("default", "nocap", macvlan("nocap", STATIC_20))
    cluster.pod("default", "p", [{"name": "nocap", "ips": ["192.168.0.30/24"]}], node="node-1")
    assert secondary(cluster.running("default", "p"))[0].ips == ["192.168.0.20", "192.168.0.30"]


def test_s2_ips_and_default_route(cluster: Cluster) -> None:
    cluster.nad("default", "s2", macvlan("s2", {"type": "static"}, capabilities={"ips": True}))
    cluster.pod("default", "p", [{"name": "s2", "ips": ["192.168.0.20/24"], "default-route": ["192.168.0.254"]}],
                node="node-2")
    assert secondary(cluster.running("default", "p"))[0].ips == ["192.168.0.20"]


def test_bare_ip_to_static_is_refused_as_not_cidr(cluster: Cluster) -> None:
    cluster.nad("default", "s2", macvlan("s2", {"type": "static"}, capabilities={"ips": True}))
    cluster.pod("default", "p", [{"name": "s2", "ips": ["192.168.0.20"]}], node="node-1")
    msg = cluster.failure("default", "p")
    # static reads Multus' CNI_ARGS IP before runtimeConfig, so its `ip` complaint comes first
    # (checked against the real static binary with both inputs)
    assert "the 'ip' field is expected to be in CIDR notation, got: '192.168.0.20'" in msg


def test_host_local_single_requested_ip_and_dual_stack_refusal(cluster: Cluster) -> None:
    cluster.nad("default", "pool", macvlan("pool", POOL, capabilities={"ips": True}))
    cluster.pod("default", "one", [{"name": "pool", "ips": ["192.168.0.33/24"]}], node="node-1")
    assert secondary(cluster.running("default", "one"))[0].ips == ["192.168.0.33"]
    cluster.pod("default", "two", [{"name": "pool", "ips": ["192.168.0.34/24", "fd00::34/64"]}], node="node-1")
    msg = cluster.failure("default", "two")
    assert 'ARGS: error parsing value of pair "IP=192.168.0.34/24,fd00::34/64": invalid IP address' in msg


# ------------------------------------------------------------------------------ host-local / whereabouts


def test_host_local_is_per_node_and_exhausts_then_frees_on_delete(cluster: Cluster) -> None:
    small = {"type": "host-local", "ranges": [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                                                "rangeEnd": "192.168.0.21", "gateway": "192.168.0.254"}]]}
    cluster.nad("kube-system", "pool", macvlan("pool", small))
    ref = "kube-system/pool"
    cluster.pod("default", "a", ref, node="node-1")
    assert secondary(cluster.running("default", "a"))[0].ips == ["192.168.0.20"]
    cluster.pod("default", "b", ref, node="node-1")
    assert secondary(cluster.running("default", "b"))[0].ips == ["192.168.0.21"]
    # another node has its own lease directory: the same address again (S4 pitfall)
    cluster.pod("default", "other-node", ref, node="node-2")
    assert secondary(cluster.running("default", "other-node"))[0].ips == ["192.168.0.20"]
    cluster.pod("default", "c", ref, node="node-1")
    msg = cluster.failure("default", "c")
    assert ('error adding container to network "pool": failed to allocate for range 0: '
            "no IP addresses available in range set: 192.168.0.20-192.168.0.21") in msg
    assert parse_failure(msg).kind == "ipam-exhausted"
    # deleting a pod returns its lease; the failed pod's retry then gets it
    cluster.core.delete_namespaced_pod("a", "default")
    assert secondary(cluster.running("default", "c"))[0].ips == ["192.168.0.20"]


def test_whereabouts_is_cluster_wide_with_excludes_and_exhausts(cluster: Cluster) -> None:
    ipam = {"type": "whereabouts", "range": "10.10.0.0/29", "exclude": ["10.10.0.1/32", "10.10.0.2/32"]}
    cluster.nad("default", "wa", macvlan("wa", ipam))
    got = []
    for i, node in enumerate(["node-1", "node-2", "node-3", "node-1"]):
        cluster.pod("default", f"w{i}", "wa", node=node)
        got.append(secondary(cluster.running("default", f"w{i}"))[0].ips[0])
    assert got == ["10.10.0.3", "10.10.0.4", "10.10.0.5", "10.10.0.6"]
    cluster.pod("default", "w-extra", "wa", node="node-2")
    msg = cluster.failure("default", "w-extra")
    assert ("error at storage engine: Could not allocate IP in range: ip: 10.10.0.1 / - 10.10.0.6 / "
            "range: 10.10.0.0/29 / excludeRanges: [10.10.0.1/32 10.10.0.2/32]") in msg


# ------------------------------------------------------------------------------ naming, default-route


def test_interface_names_by_position_or_requested(cluster: Cluster) -> None:
    for n in ("a", "b", "c"):
        cluster.nad("default", n, macvlan(n, None))
    cluster.pod("default", "p", "a, b@foo, c", node="node-1")
    st = status(cluster.running("default", "p"))
    assert [(s.name, s.interface) for s in st] == [
        ("sandbox-pod-network", "eth0"), ("default/a", "net1"), ("default/b", "foo"), ("default/c", "net3")]
    assert all(not s.ips for s in st[1:])  # L2 only: no IPAM, no address (5.3)


def test_duplicate_interface_name_fails_and_rolls_back(cluster: Cluster) -> None:
    ipam = {"type": "whereabouts", "range": "10.20.0.0/29"}
    cluster.nad("default", "wa", macvlan("wa", ipam))
    cluster.nad("default", "l2", macvlan("l2", None))
    cluster.pod("default", "p", [{"name": "wa", "interface": "net2"}, {"name": "l2"}], node="node-1")
    msg = cluster.failure("default", "p")
    assert "validateIfName: interface name net2 already exists" in msg
    assert parse_failure(msg).kind == "interface-exists"
    # the whereabouts address net2 got was released by the rollback: the next pod gets .1
    cluster.core.delete_namespaced_pod("p", "default")
    cluster.pod("default", "q", "wa", node="node-2")
    assert secondary(cluster.running("default", "q"))[0].ips == ["10.20.0.1"]


def test_ecmp_default_route_is_refused(cluster: Cluster) -> None:
    cluster.nad("default", "s2", macvlan("s2", {"type": "static"}, capabilities={"ips": True}))
    cluster.pod("default", "p", [
        {"name": "s2", "ips": ["192.168.0.20/24"], "default-route": ["192.168.0.254"]},
        {"name": "s2", "ips": ["192.168.1.20/24"], "default-route": ["192.168.1.254"]},
    ], node="node-1")
    msg = cluster.failure("default", "p")
    assert "error loading k8s delegates k8s args: multus does not support ECMP for default-route" in msg
    assert parse_failure(msg).kind == "ecmp-default-route"


# ------------------------------------------------------------------------------ namespaces


def test_namespace_isolation_refuses_other_namespaces_but_not_global(make_sandbox: Callable[..., Sandbox]) -> None:
    c = Cluster(make_sandbox("empty", namespace_isolation=True, **FAST))
    c.nad("kube-system", "pool", macvlan("pool", POOL))
    c.nad("default", "shared", macvlan("shared", None))
    c.pod("tenant-a", "p", "kube-system/pool", node="node-1")
    msg = c.failure("tenant-a", "p")
    assert ("GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in "
            "namespace tenant-a but refers to target namespace kube-system") in msg
    assert parse_failure(msg).kind == "namespace-isolation"
    c.pod("tenant-a", "q", "default/shared", node="node-1")  # default is a global namespace
    c.running("tenant-a", "q")


def test_without_isolation_any_namespace_works(cluster: Cluster) -> None:
    cluster.nad("kube-system", "pool", macvlan("pool", POOL))
    cluster.pod("tenant-a", "p", [{"name": "pool", "namespace": "kube-system"}], node="node-1")
    assert secondary(cluster.running("tenant-a", "p"))[0].name == "kube-system/pool"


# ------------------------------------------------------------------------------ node facts, lookups


def test_wrong_master_on_a_node_without_it(cluster: Cluster) -> None:
    cluster.nad("default", "v1", macvlan("v1", POOL))
    cluster.pod("default", "p", "v1", node="node-4")
    msg = cluster.failure("default", "p")
    assert 'error adding container to network "v1": failed to lookup master "k8s-vlan1": Link not found' in msg
    f = parse_failure(msg)
    assert (f.kind, f.field, f.network) == ("link-not-found", "master", "v1")


def test_unknown_plugin_type_is_a_missing_binary(cluster: Cluster) -> None:
    cluster.nad("default", "ovs", {"cniVersion": "0.4.0", "name": "ovs", "type": "ovs", "bridge": "br1"})
    cluster.pod("default", "p", "ovs", node="node-1")
    assert 'failed to find plugin "ovs" in path [/opt/cni/bin]' in cluster.failure("default", "p")


def test_config_that_is_not_json(cluster: Cluster) -> None:
    cluster.nad("default", "bad", '{"cniVersion": "0.3.1", "type": "macvlan",}')
    cluster.pod("default", "p", "bad", node="node-1")
    msg = cluster.failure("default", "p")
    assert "GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: invalid character" in msg
    assert parse_failure(msg).kind == "invalid-config"


def test_missing_nad_then_created_attaches(cluster: Cluster) -> None:
    cluster.pod("tenant-a", "p", "later", node="node-1")
    # retried every 0.3 s: NoNetworkFound is counted on one event, not repeated
    wait_until(lambda: [e for e in cluster.events("tenant-a", "p") if e["reason"] == "NoNetworkFound" and e["count"] >= 2],
               what="NoNetworkFound counted twice")
    nnf = [e for e in cluster.events("tenant-a", "p") if e["reason"] == "NoNetworkFound"]
    assert len(nnf) == 1 and nnf[0]["count"] >= 2 and nnf[0]["type"] == "Warning"
    assert nnf[0]["message"] == ('cannot find a network-attachment-definition (later) in namespace (tenant-a): '
                                 'networkattachmentdefinition.k8s.cni.cncf.io "later" not found')
    assert nnf[0]["source"]["component"] == "multus"
    f = parse_failure(cluster.failure("tenant-a", "p"), "FailedCreatePodSandBox")
    assert (f.kind, f.network) == ("no-network-found", "tenant-a/later")
    cluster.nad("tenant-a", "later", macvlan("later", STATIC_20))
    assert secondary(cluster.running("tenant-a", "p"))[0].ips == ["192.168.0.20"]


def test_host_network_pods_get_no_attachments(cluster: Cluster) -> None:
    cluster.nad("default", "v1", macvlan("v1", STATIC_20))
    cluster.pod("default", "p", "v1", node="node-2", hostNetwork=True)
    pod = cluster.running("default", "p")
    assert pod["status"]["podIP"] == pod["status"]["hostIP"] == "192.168.122.12"
    assert NETWORK_STATUS_ANNOTATION not in (pod["metadata"].get("annotations") or {})


def test_scheduler_round_robin_and_node_selector(cluster: Cluster) -> None:
    cluster.pod("default", "sel", nodeSelector={"kubernetes.io/hostname": "node-3"})
    assert cluster.running("default", "sel")["spec"]["nodeName"] == "node-3"
    nodes = set()
    for i in range(4):
        cluster.pod("default", f"rr{i}")
        nodes.add(cluster.running("default", f"rr{i}")["spec"]["nodeName"])
    assert nodes == {"node-1", "node-2", "node-3", "node-4"}
    cluster.pod("default", "nowhere", nodeSelector={"disk": "ssd"})
    pod = cluster.wait("default", "nowhere", lambda p: any(
        c.get("reason") == "Unschedulable" for c in p["status"].get("conditions") or []))
    assert "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector" in \
        pod["status"]["conditions"][0]["message"]
    assert any(e["reason"] == "FailedScheduling" for e in cluster.events("default", "nowhere"))


def test_no_multus_runs_pods_without_attachments(make_sandbox: Callable[..., Sandbox]) -> None:
    c = Cluster(make_sandbox("no-multus", **FAST))
    pod = c.running("default", "samplepod")
    assert NETWORK_STATUS_ANNOTATION not in pod["metadata"].get("annotations", {})
    assert not any(e["reason"] == "AddedInterface" for e in c.events("default", "samplepod"))
