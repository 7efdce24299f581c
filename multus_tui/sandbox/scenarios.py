"""What the sandbox cluster holds when it starts: `load_scenario(name, store, settings)`.

Scenarios
---------
``seed`` (default): the world of the user stories (seed-scenarios.md S1-S5).

* namespaces ``default``, ``kube-system`` (plus ``kube-public``, ``kube-node-lease``), ``tenant-a``,
  the NAD CRD (Multus installed) and whereabouts' CRDs (IPPool, OverlappingRangeIPReservation,
  NodeSlicePool: upstream's, unchanged; the nodes' whereabouts plugin keeps its state there);
* nodes ``node-1``..``node-3`` whose machines have the interfaces ``eth0`` and ``k8s-vlan1`` and
  ``node-4`` with only ``eth0`` (`hosts.Hosts`), podCIDRs 10.244.N.0/24; kubernetes-nmstate's
  NodeNetworkState CRD (upstream, unchanged) and one NodeNetworkState per node reporting them;
* NADs, with the stories' exact configs, as ``kubectl apply`` leaves them (field manager
  ``kubectl-client-side-apply``, the last-applied-configuration annotation):

  - ``default/vlan1-internal-static`` (S1): conflist macvlan on k8s-vlan1 + static
    192.168.0.20/24 gw .254, then sbr; cniVersion 0.3.1;
  - ``tenant-a/vlan1-internal-static-dr`` (S2): single-plugin macvlan on k8s-vlan1,
    capability ``ips``, static IPAM without addresses (the pod brings address and gateway);
  - ``kube-system/vlan1-internal-pool`` (S4): conflist macvlan on k8s-vlan1 + host-local
    192.168.0.0/24 range .20-.49 gw .254, then sbr;

* pods (all reach their final state within ~2 s of start):

  - ``default/samplepod`` (S5 spec, annotation ``kube-system/vlan1-internal-pool``), the only
    pod left to the scheduler, so round-robin deterministically puts it on node-1 -> 192.168.0.20;
  - ``default/pool-twin`` on node-2 from the same pool -> also 192.168.0.20: host-local allocates
    per node, the S4 pitfall (two pods, two nodes, one address);
  - ``tenant-a/static-default-route`` on node-2 (S2): JSON selection with
    ``ips: ["192.168.0.10/24"]`` and ``default-route: ["192.168.0.254"]`` (.10 rather than the
    story's .20 so the only collisions are the ones meant);
  - ``default/dns-override`` on node-3 (S3): ``dnsPolicy: None``, nameservers 192.168.0.1/.2,
    search zencoffee.org, attached with S1's ``vlan1-internal-static`` (S3 speaks of S1's source
    routing), so it holds S1's fixed 192.168.0.20 -- the S1 pitfall, the same address as the pool's
    first lease;
  - ``tenant-a/waiting-for-nad`` on node-1 referencing ``vlan1-later``, which does not exist:
    it stays ContainerCreating with NoNetworkFound + FailedCreatePodSandBox, and attaches as soon
    as someone creates ``tenant-a/vlan1-later``.

``empty``: the namespaces, the four nodes (with their NodeNetworkStates), the NAD CRD and whereabouts'
CRDs; no NADs, no pods.

``no-multus``: like ``seed`` without the NAD CRD and NADs: pods run with eth0 only and no
network-status (Multus is not installed), their networks annotations silently ignored.

``stale-pools``: ``seed`` plus what whereabouts and SR-IOV leave in a real cluster:

* ``default/vlan1-wa-pool``: macvlan on k8s-vlan1 with whereabouts 192.168.20.0/28 (.14, the
  gateway, excluded); pods ``default/wa-0`` (node-1), ``wa-1`` (node-2), ``wa-2`` and ``wa-3``
  (node-3) attach from it in that order (.1 to .4), which whereabouts records in the IPPool
  ``kube-system/192.168.20.0-28`` and in OverlappingRangeIPReservations;
* then node-3 crashes (``Simulator.crash_node``): Ready=Unknown, tainted unreachable, its pods
  force-deleted without CNI DEL, so the allocations of wa-2 and wa-3 (.3, .4) stay, stale; the
  pod ``default/wa-late`` created afterwards gets .5: a stale allocation still blocks its address;
* an OverlappingRangeIPReservation for .9 whose pool allocation is gone (whereabouts went down
  half-way through a DEL): orphaned, and .9 is never handed out;
* node-1 and node-2 advertise ``intel.com/sriov_netdevice: 4`` in capacity and allocatable; the
  network-resources-injector runs as a mutating webhook; NADs ``default/sriov-net``
  (resourceName ``intel.com/sriov_netdevice``) and ``default/sriov-dpdk`` (``intel.com/sriov_dpdk``,
  which no node advertises); ``default/dpdk-app`` uses sriov-dpdk and stays Pending with the
  scheduler's "Insufficient intel.com/sriov_dpdk".

``large:N``: N pods over ~N/50 namespaces (``bench-000``...) and ~N/10 NADs (``net-000``... in
each namespace), on ~N/30 nodes (at least 4, each with ``eth0`` and ``k8s-vlan1`` and its NodeNetworkState), all
already Running with network-status written: the proportions of the largest clusters Kubernetes supports
(150,000 pods on 5,000 nodes, 30 pods per node; 3,000 namespaces; 15,000 NADs), at any N;
built directly in the store, not through the simulated kubelet, so 10,000 pods load in seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from multus_tui.multus.selection import NETWORKS_ANNOTATION
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION, NetworkStatus, render_network_status

from . import upstream
from .discovery import nad_crd
from .hosts import Host, Hosts, Link, nns_crd, publish_node_network_states
from .multus_sim import CLUSTER_NETWORK, make_mac
from .store import ObjectStore, now_rfc3339
from .whereabouts_sim import pool_name

NAD_RESOURCE = "network-attachment-definitions"
NETWORKS = NETWORKS_ANNOTATION
TENANT = "tenant-a"
VLAN = "k8s-vlan1"
KUBECTL_APPLY = "kubectl-client-side-apply"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
S5_IMAGE = "dougbtv/centos-network"
S5_COMMAND = ["/bin/bash", "-c", "trap : TERM INT; sleep infinity & wait"]

# What every cluster has (the runner's list too).
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
SCENARIOS = ("seed", "empty", "no-multus", "stale-pools", "large:N")

# --------------------------------------------------------------------------- the stories' NADs

S1_CONFIG = {
    "cniVersion": "0.3.1",
    "name": "vlan1-internal-static",
    "plugins": [
        {
            "type": "macvlan",
            "master": "k8s-vlan1",
            "mode": "bridge",
            "ipam": {"type": "static", "addresses": [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]},
        },
        {"type": "sbr"},
    ],
}
S2_CONFIG = {
    "cniVersion": "0.3.1",
    "name": "vlan1-internal-static-dr",
    "type": "macvlan",
    "master": "k8s-vlan1",
    "mode": "bridge",
    "capabilities": {"ips": True},
    "ipam": {"type": "static"},
}
S4_CONFIG = {
    "cniVersion": "0.3.1",
    "name": "vlan1-internal-pool",
    "plugins": [
        {
            "type": "macvlan",
            "master": "k8s-vlan1",
            "mode": "bridge",
            "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                             "rangeEnd": "192.168.0.49", "gateway": "192.168.0.254"}]],
            },
        },
        {"type": "sbr"},
    ],
}


def nad(namespace: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
    """A NAD manifest with `config` rendered as indented JSON (as `fmt` would write it)."""
    return {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"config": json.dumps(config, indent=2)},
    }


def kubectl_applied(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` as `kubectl apply` (client-side) stores it: with the last-applied-configuration annotation
    (create it with field manager KUBECTL_APPLY)."""
    out = json.loads(json.dumps(obj))
    out["metadata"].setdefault("annotations", {})[LAST_APPLIED] = json.dumps(obj, separators=(",", ":")) + "\n"
    return out


def node_ip(index: int) -> str:
    """The node's InternalIP: 192.168.122.<10+index> for the small scenarios, 172.16.0.0/12 beyond
    (large:N has up to N/30 nodes: 5,000 at 150,000 pods)."""
    if index <= 245:
        return f"192.168.122.{10 + index}"
    return f"172.{16 + index // 65536}.{index // 256 % 256}.{index % 256}"


def pod_cidr(index: int) -> str:
    """The node's podCIDR: 10.244.<index>.0/24 up to node-255, 10.192.0.0/10 beyond (clear of the
    NADs' 10.100-158 subnets of large:N)."""
    if index <= 255:
        return f"10.244.{index}.0/24"
    return f"10.{192 + index // 256}.{index % 256}.0/24"


def host(index: int, vlan: bool = True) -> Host:
    """The machine of node-<index>: eth0 (the node address) and, with `vlan`, the VLAN interface."""
    links = {"eth0": Link("eth0", "ethernet", 1500, make_mac(f"host-{index}", "eth0"), (node_ip(index), 24))}
    if vlan:
        links[VLAN] = Link(VLAN, "ethernet", 1500, make_mac(f"host-{index}", VLAN))
    return Host(links=links)


def node(index: int) -> dict[str, Any]:
    """Node `node-<index>`, podCIDR `pod_cidr(index)` (its interfaces are its host's: `host`)."""
    name = f"node-{index}"
    ip = node_ip(index)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                **({"node-role.kubernetes.io/control-plane": ""} if index == 1 else {}),
            },
        },
        "spec": {"podCIDR": pod_cidr(index), "podCIDRs": [pod_cidr(index)]},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "capacity": {"cpu": "4", "memory": "8131040Ki", "pods": "110", "ephemeral-storage": "41152812Ki"},
            "allocatable": {"cpu": "4", "memory": "8028640Ki", "pods": "110", "ephemeral-storage": "37926431477"},
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": "2024-01-01T00:00:00Z",
                 "lastTransitionTime": "2024-01-01T00:00:00Z"},
            ],
            "nodeInfo": {
                "architecture": "amd64", "operatingSystem": "linux", "osImage": "Ubuntu 24.04 LTS",
                "kernelVersion": "6.8.0-45-generic", "containerRuntimeVersion": "containerd://1.7.22",
                "kubeletVersion": "v1.31.1", "kubeProxyVersion": "v1.31.1", "machineID": f"{index:032x}",
                "systemUUID": f"00000000-0000-0000-0000-{index:012x}", "bootID": f"{index:08x}-0000-0000-0000-000000000000",
            },
        },
    }


def pod(namespace: str, name: str, networks: str | None = None, *, node_name: str | None = None,
        container: str = "app", extra_spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pod running S5's image and command, with the networks annotation when given."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if networks is not None:
        meta["annotations"] = {NETWORKS: networks}
    spec: dict[str, Any] = {"containers": [{"name": container, "image": S5_IMAGE, "command": list(S5_COMMAND)}]}
    if node_name:
        spec["nodeName"] = node_name
    spec.update(extra_spec or {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def _namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def _nodes(store: ObjectStore, hosts: Hosts, count: int, *, vlan_on: Any = None,
           managed: list[dict[str, Any]] | None = None) -> None:
    """`count` nodes, their hosts (with the VLAN interface where `vlan_on(i)` says so, on all by
    default) and, as kubernetes-nmstate reports them, their NodeNetworkStates."""
    for i in range(1, count + 1):
        hosts.set(f"node-{i}", host(i, vlan=True if vlan_on is None else vlan_on(i)))
        obj = node(i)
        if managed is not None:
            obj["metadata"]["managedFields"] = managed
        store.create("nodes", obj, field_manager="kubelet")
    store.create("customresourcedefinitions", nns_crd(), field_manager=KUBECTL_APPLY)
    publish_node_network_states(store, hosts, now_rfc3339())


def install_whereabouts(store: ObjectStore) -> None:
    """whereabouts' CRDs (IPPool, OverlappingRangeIPReservation, NodeSlicePool), upstream's manifests:
    the nodes' whereabouts plugin keeps its state in them."""
    for name in upstream.WHEREABOUTS:
        store.create("customresourcedefinitions", upstream.crd(name), field_manager="kubectl-client-side-apply")


def _base(store: ObjectStore, hosts: Hosts, *, multus: bool) -> None:
    for ns in (*SYSTEM_NAMESPACES, TENANT):
        store.create("namespaces", _namespace(ns))
    if multus:
        store.create("customresourcedefinitions", nad_crd())
        install_whereabouts(store)
    _nodes(store, hosts, 4, vlan_on=lambda i: i != 4)


def seed_pods() -> list[dict[str, Any]]:
    """The seed's pods (see the module docstring)."""
    s2 = json.dumps([{"name": "vlan1-internal-static-dr", "ips": ["192.168.0.10/24"],
                      "default-route": ["192.168.0.254"]}])
    dns = {"dnsPolicy": "None",
           "dnsConfig": {"nameservers": ["192.168.0.1", "192.168.0.2"], "searches": ["zencoffee.org"]}}
    return [
        pod("default", "samplepod", "kube-system/vlan1-internal-pool", container="samplepod"),
        pod("default", "pool-twin", "kube-system/vlan1-internal-pool", node_name="node-2"),
        pod(TENANT, "static-default-route", s2, node_name="node-2"),
        pod("default", "dns-override", "vlan1-internal-static", node_name="node-3", extra_spec=dns),
        pod(TENANT, "waiting-for-nad", "vlan1-later", node_name="node-1"),
    ]


def load_seed(store: ObjectStore, hosts: Hosts, *, multus: bool = True) -> None:
    """The `seed` scenario (or `no-multus` with multus=False)."""
    _base(store, hosts, multus=multus)
    if multus:
        for ns, name, config in (("default", "vlan1-internal-static", S1_CONFIG),
                                 (TENANT, "vlan1-internal-static-dr", S2_CONFIG),
                                 ("kube-system", "vlan1-internal-pool", S4_CONFIG)):
            store.create(NAD_RESOURCE, kubectl_applied(nad(ns, name, config)), field_manager=KUBECTL_APPLY)
    for p in seed_pods():
        store.create("pods", p)


# --------------------------------------------------------------------------- stale-pools

WA_POOL_CONFIG = {
    "cniVersion": "0.3.1",
    "name": "vlan1-wa-pool",
    "plugins": [
        {"type": "macvlan", "master": "k8s-vlan1", "mode": "bridge",
         "ipam": {"type": "whereabouts", "range": "192.168.20.0/28", "exclude": ["192.168.20.14/32"],
                  "gateway": "192.168.20.14"}},
    ],
}
WA_NAD = ("default", "vlan1-wa-pool")
WA_PODS = (("wa-0", "node-1"), ("wa-1", "node-2"), ("wa-2", "node-3"), ("wa-3", "node-3"))
CRASHED_NODE = "node-3"
SRIOV_RESOURCE = "intel.com/sriov_netdevice"
SRIOV_MISSING = "intel.com/sriov_dpdk"


def _sriov_nad(name: str, resource: str) -> dict[str, Any]:
    config = {"cniVersion": "0.3.1", "name": name, "type": "sriov", "vlan": 100,
              "ipam": {"type": "static"}}
    obj = nad("default", name, config)
    obj["metadata"]["annotations"] = {"k8s.v1.cni.cncf.io/resourceName": resource}
    return obj


def load_stale_pools(store: ObjectStore) -> None:
    """The `stale-pools` scenario's objects; its node crash runs after start (`after_start`)."""
    from . import injector

    load_seed(store, store.hosts, multus=True)
    for name in ("node-1", "node-2"):
        def advertise(node: dict[str, Any]) -> None:
            status = node.setdefault("status", {})
            for part in ("capacity", "allocatable"):
                status.setdefault(part, {})[SRIOV_RESOURCE] = "4"
        store.mutate("nodes", None, name, advertise, subresource="status", field_manager="sriov-device-plugin")
    store.create(NAD_RESOURCE, nad(*WA_NAD, WA_POOL_CONFIG))
    store.create(NAD_RESOURCE, _sriov_nad("sriov-net", SRIOV_RESOURCE))
    store.create(NAD_RESOURCE, _sriov_nad("sriov-dpdk", SRIOV_MISSING))
    # whereabouts went down half-way through a DEL: the pool lost .9, its reservation stayed
    store.create("overlappingrangeipreservations", {
        "apiVersion": "whereabouts.cni.cncf.io/v1alpha1", "kind": "OverlappingRangeIPReservation",
        "metadata": {"name": "192.168.20.9", "namespace": "kube-system"},
        "spec": {"podref": "default/wa-old", "ifname": "net1"}}, field_manager="whereabouts")
    injector.install(store)
    for name, node_name in WA_PODS:
        store.create("pods", pod("default", name, WA_NAD[1], node_name=node_name))
    store.create("pods", pod("default", "dpdk-app", "sriov-dpdk"))


def _crash_when_attached(sandbox: Any, timeout_s: float = 60.0) -> None:
    """Wait until the pods on the doomed node hold their addresses, crash it, then start wa-late."""
    import time

    store = sandbox.store
    deadline = time.monotonic() + timeout_s
    doomed = [name for name, node_name in WA_PODS if node_name == CRASHED_NODE]
    while time.monotonic() < deadline:
        try:
            pods = [store.get("pods", "default", name) for name in doomed]
        except Exception:  # noqa: BLE001 - deleted by someone else: nothing to wait for
            return
        if all(p.get("status", {}).get("phase") == "Running" for p in pods):
            break
        time.sleep(0.05)
    else:
        return
    simulator = getattr(sandbox, "simulator", None)
    if simulator is None:
        return
    simulator.crash_node(CRASHED_NODE)
    store.create("pods", pod("default", "wa-late", WA_NAD[1], node_name="node-1"))


def after_start(name: str, sandbox: Any) -> None:
    """Scenario steps that need the running simulator (called by the runner once it runs)."""
    if name == "stale-pools":
        import threading

        threading.Thread(target=_crash_when_attached, args=(sandbox,), name="scenario-stale-pools",
                         daemon=True).start()


# --------------------------------------------------------------------------- large:N

_MANAGED = [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
             "time": "2024-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}]


def load_large(store: ObjectStore, hosts: Hosts, count: int) -> None:
    """`large:N`: built straight into the store, already Running (see the module docstring)."""
    n_ns = max(1, round(count / 50))
    n_nads = max(1, round(count / 10))
    per_ns = max(1, -(-n_nads // n_ns))
    n_nodes = max(4, round(count / 30))
    for ns in SYSTEM_NAMESPACES:
        store.create("namespaces", _namespace(ns))
    store.create("customresourcedefinitions", nad_crd())
    install_whereabouts(store)
    namespaces = [f"bench-{i:03d}" for i in range(n_ns)]
    for ns in namespaces:
        store.create("namespaces", _namespace(ns))
    _nodes(store, hosts, n_nodes, managed=_MANAGED)
    nodes = [node(i + 1) for i in range(n_nodes)]
    # NAD j gets its own /24 from 10.(100+j//256).(j%256).0 with whereabouts, so addresses are
    # unique cluster-wide and the simulator can keep allocating after adoption.
    nad_subnets: dict[tuple[str, str], str] = {}
    j = 0
    for ns in namespaces:
        for k in range(per_ns):
            if j >= n_nads:
                break
            name = f"net-{k:03d}"
            subnet = f"10.{100 + j // 256}.{j % 256}"
            config = {
                "cniVersion": "0.3.1", "name": name, "type": "macvlan", "master": "k8s-vlan1", "mode": "bridge",
                "ipam": {"type": "whereabouts", "range": f"{subnet}.0/24", "network_name": f"{ns}-{name}"},
            }
            obj = nad(ns, name, config)
            obj["metadata"]["managedFields"] = _MANAGED
            store.create(NAD_RESOURCE, obj)
            nad_subnets[(ns, name)] = subnet
            j += 1
    nads_by_ns: dict[str, list[str]] = {}
    for ns, name in nad_subnets:
        nads_by_ns.setdefault(ns, []).append(name)
    used: dict[tuple[str, str], int] = {}
    node_next = [2] * n_nodes
    stamp = "2024-01-01T00:00:00Z"
    # The domain renders network-status once, with placeholders; each pod fills in its values
    # (rendering 10,000 JSON documents one by one would dominate the load time).
    eth0 = NetworkStatus(name=CLUSTER_NETWORK, interface="eth0", ips=["@IP0@"], mac="@MAC0@", default=True)
    net1 = NetworkStatus(name="@NET@", interface="net1", ips=["@IP1@"], mac="@MAC1@")
    with_net = render_network_status([eth0, net1])
    without_net = render_network_status([eth0])
    # whereabouts' IPPools as its plugin left them: each attached pod's address by offset in its pool
    allocations: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    conditions = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp}
                  for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]

    def pods() -> Iterator[dict[str, Any]]:
        for i in range(count):
            ns = namespaces[i % n_ns]
            names = nads_by_ns.get(ns) or []
            idx = i % n_nodes
            node_name = f"node-{idx + 1}"
            pod_ip = f"{pod_cidr(idx + 1).rsplit('.', 1)[0]}.{node_next[idx] % 254 + 1}"
            node_next[idx] += 1
            uid = f"00000000-0000-4000-8000-{i:012d}"
            ann: dict[str, str] = {}
            text = without_net.replace("@IP0@", pod_ip).replace("@MAC0@", make_mac(uid, "eth0"))
            if names:
                nad_name = names[(i // n_ns) % len(names)]
                used[(ns, nad_name)] = used.get((ns, nad_name), 0) + 1
                host = min(used[(ns, nad_name)] + 1, 254)
                ann[NETWORKS] = nad_name
                allocations.setdefault((ns, nad_name), {})[str(host)] = {
                    "id": uid.replace("-", "") * 2, "podref": f"{ns}/pod-{i:05d}", "ifname": "net1"}
                text = (with_net.replace("@IP0@", pod_ip).replace("@MAC0@", make_mac(uid, "eth0"))
                        .replace("@NET@", f"{ns}/{nad_name}").replace("@IP1@", f"{nad_subnets[(ns, nad_name)]}.{host}")
                        .replace("@MAC1@", make_mac(uid, "net1")))
            ann[NETWORK_STATUS_ANNOTATION] = text
            yield {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"pod-{i:05d}", "namespace": ns, "annotations": ann, "labels": {"app": "bench"},
                             "managedFields": _MANAGED},
                "spec": {"nodeName": node_name,
                         "containers": [{"name": "app", "image": S5_IMAGE, "command": S5_COMMAND}]},
                "status": {
                    "phase": "Running", "hostIP": nodes[idx]["status"]["addresses"][0]["address"],
                    "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": stamp,
                    "conditions": conditions,
                    "containerStatuses": [{"name": "app", "image": S5_IMAGE, "imageID": "", "ready": True,
                                           "started": True, "restartCount": 0,
                                           "state": {"running": {"startedAt": stamp}}, "lastState": {}}],
                },
            }

    store.load("pods", pods())
    for (ns, nad_name), allocs in allocations.items():
        network = f"{nad_subnets[(ns, nad_name)]}.0/24"
        store.create("ippools", {
            "apiVersion": "whereabouts.cni.cncf.io/v1alpha1", "kind": "IPPool",
            "metadata": {"name": pool_name(network, f"{ns}-{nad_name}"), "namespace": "kube-system"},
            "spec": {"range": network, "allocations": allocs}}, field_manager="whereabouts")


# --------------------------------------------------------------------------- entry point


def check_scenario(name: str) -> None:
    """Raise ValueError (one line, for the command line) unless `name` is a known scenario."""
    if name in ("seed", "no-multus", "empty", "stale-pools"):
        return
    if name.startswith("large:"):
        text = name.split(":", 1)[1]
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"scenario {name!r}: large:N needs a positive number of pods, e.g. large:10000")
        return
    raise ValueError(f"unknown scenario {name!r} (known: {', '.join(SCENARIOS)})")


def load_scenario(name: str, store: ObjectStore, settings: Any = None) -> None:
    """Fill `store` with scenario `name` (see the module docstring); ValueError when unknown."""
    check_scenario(name)
    hosts = store.hosts
    if name == "seed":
        load_seed(store, hosts, multus=True)
    elif name == "stale-pools":
        load_stale_pools(store)
    elif name == "no-multus":
        load_seed(store, hosts, multus=False)
    elif name == "empty":
        _base(store, hosts, multus=True)
    else:
        load_large(store, hosts, int(name.split(":", 1)[1]))
