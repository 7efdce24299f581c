"""Every doctor check on plain inputs (no cluster): each one fires on the bad case and stays quiet on
the sound one. Event texts are built with the domain's own builders (failures.py), the shapes the
simulated Multus emits and multus-reference.md 5.2 describes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from multus_tui.multus.diagnose import (
    CHECKS,
    DoctorFinding,
    PodRecord,
    diagnose,
    findings_for,
    has_errors,
    misspelled_key,
    sort_findings,
)
from multus_tui.multus.failures import (
    delegate_error,
    no_network_found_message,
    plugin_error,
    sandbox_failure_message,
)
from multus_tui.multus.nad import NAD
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION, NetworkStatus, render_network_status

NETS = "k8s.v1.cni.cncf.io/networks"


# ----------------------------------------------------------------------------- builders


def nad(ns: str, name: str, main: dict[str, Any], *chained: dict[str, Any], **top: Any) -> NAD:
    if chained:
        cfg = {"cniVersion": "0.3.1", "name": name, "plugins": [main, *chained], **top}
    else:
        cfg = {"cniVersion": "0.3.1", "name": name, **main, **top}
    return NAD.from_config(cfg, name=name, namespace=ns)


def macvlan(ipam: dict[str, Any] | None, master: str = "k8s-vlan1", **extra: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"type": "macvlan", "master": master, "mode": "bridge", **extra}
    if ipam is not None:
        p["ipam"] = ipam
    return p


def host_local(subnet: str = "192.168.0.0/24", start: str | None = "192.168.0.20", end: str | None = "192.168.0.49",
               gateway: str | None = "192.168.0.254") -> dict[str, Any]:
    r: dict[str, Any] = {"subnet": subnet}
    if start:
        r["rangeStart"] = start
    if end:
        r["rangeEnd"] = end
    if gateway:
        r["gateway"] = gateway
    return {"type": "host-local", "ranges": [[r]]}


def static(*addresses: str, gateway: str | None = None) -> dict[str, Any]:
    return {"type": "static", "addresses": [{"address": a, **({"gateway": gateway} if gateway else {})}
                                            for a in addresses]}


def pod(ns: str, name: str, networks: str | None = None, *, node: str | None = "node-1", phase: str = "Running",
        status: list[tuple[str, str, list[str]]] | None = None, host_network: bool = False,
        annotations: dict[str, str] | None = None) -> PodRecord:
    """`status`: (network ns/name, interface, ips) of each attached secondary (eth0 is added)."""
    ann = dict(annotations or {})
    if networks is not None:
        ann[NETS] = networks
    if status is not None:
        entries = [NetworkStatus(name="sandbox-pod-network", interface="eth0", ips=["10.244.1.5"], default=True)]
        entries += [NetworkStatus(name=n, interface=i, ips=list(ips)) for n, i, ips in status]
        ann[NETWORK_STATUS_ANNOTATION] = render_network_status(entries)
    return PodRecord(ns, name, node, phase, ann, host_network, uid=f"uid-{name}")


def event(p: PodRecord, reason: str, message: str, *, ts: str = "2024-01-01T00:00:10Z") -> dict[str, Any]:
    return {"reason": reason, "message": message, "type": "Warning", "lastTimestamp": ts,
            "involvedObject": {"kind": "Pod", "namespace": p.namespace, "name": p.name, "uid": p.uid}}


def sandbox_event(p: PodRecord, multus_error: str) -> dict[str, Any]:
    return event(p, "FailedCreatePodSandBox", sandbox_failure_message(p.namespace, p.name, multus_error, uid=p.uid))


def checks(findings: list[DoctorFinding]) -> list[str]:
    return [f.check for f in findings]


def only(findings: list[DoctorFinding], check: str) -> list[DoctorFinding]:
    return [f for f in findings if f.check == check]


POOL = nad("kube-system", "vlan1-internal-pool", macvlan(host_local()), {"type": "sbr"})
S1 = nad("default", "vlan1-internal-static", macvlan(static("192.168.0.20/24", gateway="192.168.0.254")),
         {"type": "sbr"})
S2 = nad("tenant-a", "vlan1-internal-static-dr", macvlan({"type": "static"}), capabilities={"ips": True})


# ----------------------------------------------------------------------------- model


def test_every_check_id_has_an_issue_number() -> None:
    # 1-10: issue 8's checks; 11: whereabouts pools, 12: SR-IOV resources, 13: host interfaces (NodeNetworkState)
    assert sorted({n for n, _ in CHECKS.values()}) == list(range(1, 14))


def test_to_dict_is_the_json_shape() -> None:
    f = DoctorFinding("missing-nad", "error", ("pod/a/b", "nad/a/c"), "m", "x")
    assert f.to_dict() == {"check": "missing-nad", "severity": "error", "objects": ["pod/a/b", "nad/a/c"],
                           "message": "m", "fix": "x"}
    assert json.loads(json.dumps(f.to_dict())) == f.to_dict()


def test_sorting_and_exit_rule() -> None:
    fs = [DoctorFinding("pool-usage", "info", ("nad/a/b",), "m", "f"),
          DoctorFinding("invalid-nad", "error", ("nad/a/b",), "m", "f"),
          DoctorFinding("overlapping-subnets", "warning", ("nad/a/b",), "m", "f"),
          DoctorFinding("duplicate-address", "error", ("pod/a/b",), "m", "f")]
    assert [f.check for f in sort_findings(fs)] == ["duplicate-address", "invalid-nad", "overlapping-subnets",
                                                     "pool-usage"]
    assert has_errors(fs) and not has_errors(fs[:1])


def test_findings_for_one_object() -> None:
    fs = diagnose([POOL], [pod("default", "a", "other")])
    assert [f.check for f in findings_for(fs, "pod", "default", "a")] == ["missing-nad"]
    assert [f.check for f in findings_for(fs, "NetworkAttachmentDefinition", "default", "other")] == ["missing-nad"]
    assert findings_for(fs, "nad", "kube-system", "vlan1-internal-pool") == []


def test_healthy_cluster_has_no_error_or_warning() -> None:
    wa = nad("default", "wa", macvlan({"type": "whereabouts", "range": "10.10.0.0/24"}))
    pods = [pod("default", f"p{i}", "wa", node=f"node-{i}", status=[("default/wa", "net1", [f"10.10.0.{i}"])])
            for i in (1, 2, 3)]
    pods.append(pod("default", "plain", None))
    fs = diagnose([wa, S2], pods)
    assert [f for f in fs if f.severity != "info"] == []
    assert checks(fs) == ["pool-usage"]  # usage is information, not a problem


# ----------------------------------------------------------------------------- 1 duplicate addresses


def test_duplicate_address_across_nodes_on_one_master() -> None:
    a = pod("default", "a", "kube-system/vlan1-internal-pool", node="node-1",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    b = pod("default", "b", "kube-system/vlan1-internal-pool", node="node-2",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    fs = only(diagnose([POOL], [a, b]), "duplicate-address")
    assert len(fs) == 1 and fs[0].severity == "error"
    assert set(fs[0].objects) == {"pod/default/a", "pod/default/b", "nad/kube-system/vlan1-internal-pool"}
    assert "192.168.0.20" in fs[0].message and "k8s-vlan1" in fs[0].message
    assert "whereabouts" in fs[0].fix


def test_duplicate_address_across_nads_on_the_same_master() -> None:
    a = pod("default", "a", "vlan1-internal-static", status=[("default/vlan1-internal-static", "net1",
                                                                ["192.168.0.20"])])
    b = pod("default", "b", "kube-system/vlan1-internal-pool", node="node-2",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    fs = only(diagnose([POOL, S1], [a, b]), "duplicate-address")
    assert len(fs) == 1 and "disjoint" in fs[0].fix


def test_no_duplicate_on_different_masters_or_addresses() -> None:
    other = nad("default", "vlan2", macvlan(host_local(), master="k8s-vlan2"))
    a = pod("default", "a", "kube-system/vlan1-internal-pool",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    b = pod("default", "b", "vlan2", node="node-2", status=[("default/vlan2", "net1", ["192.168.0.20"])])
    c = pod("default", "c", "kube-system/vlan1-internal-pool", node="node-2",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.21"])])
    assert only(diagnose([POOL, other], [a, b, c]), "duplicate-address") == []


@pytest.mark.parametrize("ip, counted", [
    ("192.168.0.20", True), ("0.0.0.0", True), ("255.255.255.255", True), ("fd00::14", True),
    ("192.168.0.020", False), ("192.168.0.256", False), ("192.168.0", False), ("192.168.0.20.1", False),
    ("192.168.0.20\n", False), ("192.168.0.\u0662", False), ("", False),
])
def test_duplicates_count_what_parse_ip_calls_an_address(ip: str, counted: bool) -> None:
    """Two pods holding the same text on one L2: a duplicate exactly when the text is an address as
    Go's net.ParseIP reads it (no leading zeros, each octet < 256, ASCII digits only)."""
    a = pod("default", "a", "kube-system/vlan1-internal-pool", status=[("kube-system/vlan1-internal-pool", "net1", [ip])])
    b = pod("default", "b", "kube-system/vlan1-internal-pool", node="node-2",
            status=[("kube-system/vlan1-internal-pool", "net1", [ip])])
    assert len(only(diagnose([POOL], [a, b]), "duplicate-address")) == (1 if counted else 0)


def test_finished_pods_hold_no_address() -> None:
    a = pod("default", "a", "kube-system/vlan1-internal-pool",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    b = pod("default", "b", "kube-system/vlan1-internal-pool", node="node-2", phase="Succeeded",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    assert only(diagnose([POOL], [a, b]), "duplicate-address") == []


def test_node_local_bridge_duplicates_are_a_warning() -> None:
    br = nad("default", "br", {"type": "bridge", "bridge": "br0", "ipam": host_local("10.1.0.0/24", None, None, None)})
    a = pod("default", "a", "br", node="node-1", status=[("default/br", "net1", ["10.1.0.2"])])
    b = pod("default", "b", "br", node="node-2", status=[("default/br", "net1", ["10.1.0.2"])])
    fs = only(diagnose([br], [a, b]), "duplicate-address")
    assert [f.severity for f in fs] == ["warning"]


# ----------------------------------------------------------------------------- 2 host-local on many nodes


def test_host_local_pool_used_on_two_nodes() -> None:
    a = pod("default", "a", "kube-system/vlan1-internal-pool", node="node-1",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    b = pod("default", "b", "kube-system/vlan1-internal-pool", node="node-2",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.21"])])
    fs = only(diagnose([POOL], [a, b]), "host-local-multi-node")
    assert len(fs) == 1 and fs[0].severity == "warning"
    assert "node-1, node-2" in fs[0].message and "whereabouts" in fs[0].fix


def test_host_local_pool_on_one_node_is_fine() -> None:
    a = pod("default", "a", "kube-system/vlan1-internal-pool",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.20"])])
    b = pod("default", "b", "kube-system/vlan1-internal-pool",
            status=[("kube-system/vlan1-internal-pool", "net1", ["192.168.0.21"])])
    assert only(diagnose([POOL], [a, b]), "host-local-multi-node") == []


# ----------------------------------------------------------------------------- 3 pool use


def _pool_of(n: int) -> NAD:
    return nad("default", "small", macvlan(host_local("10.2.0.0/24", "10.2.0.10", f"10.2.0.{9 + n}", "10.2.0.1")))


def _users(k: int) -> list[PodRecord]:
    return [pod("default", f"p{i}", "small", status=[("default/small", "net1", [f"10.2.0.{10 + i}"])])
            for i in range(k)]


@pytest.mark.parametrize(("users", "severity"), [(1, "info"), (7, "info"), (8, "warning"), (10, "error")])
def test_pool_use_thresholds(users: int, severity: str) -> None:
    fs = only(diagnose([_pool_of(10)], _users(users)), "pool-usage")
    assert [f.severity for f in fs] == [severity]
    assert f"{users} of 10" in fs[0].message and "node-1" in fs[0].message


def test_pool_exhaustion_failure_is_an_error_with_the_failing_pod() -> None:
    stuck = pod("default", "late", "small", phase="Pending")
    err = plugin_error("default", "late", stuck.uid, "small",
                       "no IP addresses available in range set: 10.2.0.10-10.2.0.11")
    fs = diagnose([_pool_of(2)], [*_users(2), stuck], [sandbox_event(stuck, err)])
    pool = only(fs, "pool-usage")
    assert [f.severity for f in pool] == ["error"]
    assert "pod/default/late" in pool[0].objects and "failing" in pool[0].message
    assert only(fs, "sandbox-failure")  # check 9 names the root cause too


def test_whereabouts_pool_is_counted_cluster_wide() -> None:
    wa = nad("default", "wa", macvlan({"type": "whereabouts", "range": "10.3.0.0/29"}))  # 6 usable, .0 skipped
    pods = [pod("default", f"p{i}", "wa", node=f"node-{i}", status=[("default/wa", "net1", [f"10.3.0.{i}"])])
            for i in range(1, 6)]
    fs = only(diagnose([wa], pods), "pool-usage")
    assert len(fs) == 1 and fs[0].severity == "warning" and "5 of 6" in fs[0].message


# ----------------------------------------------------------------------------- 4 shared static


def test_static_nad_shared_by_two_pods() -> None:
    a = pod("default", "a", "vlan1-internal-static")
    b = pod("default", "b", "vlan1-internal-static", node="node-2", phase="Pending")
    fs = only(diagnose([S1], [a, b]), "shared-static-address")
    assert len(fs) == 1 and fs[0].severity == "error"
    assert "192.168.0.20/24" in fs[0].message
    assert set(fs[0].objects) == {"nad/default/vlan1-internal-static", "pod/default/a", "pod/default/b"}


def test_static_nad_used_once_or_with_pod_ips_is_fine() -> None:
    a = pod("default", "a", "vlan1-internal-static")
    b = pod("default", "b", json.dumps([{"name": "vlan1-internal-static", "ips": ["192.168.0.21/24"]}]))
    assert only(diagnose([S1], [a, b]), "shared-static-address") == []
    # S2: static without addresses, every pod brings its own
    c = pod("tenant-a", "c", json.dumps([{"name": "vlan1-internal-static-dr", "ips": ["192.168.0.10/24"]}]))
    d = pod("tenant-a", "d", json.dumps([{"name": "vlan1-internal-static-dr", "ips": ["192.168.0.11/24"]}]))
    assert only(diagnose([S2], [c, d]), "shared-static-address") == []


# ----------------------------------------------------------------------------- 5 overlapping subnets


def test_overlapping_ranges_on_one_master() -> None:
    fs = only(diagnose([POOL, S1], []), "overlapping-subnets")
    assert len(fs) == 1 and fs[0].severity == "warning"
    assert "192.168.0.20" in fs[0].message and "k8s-vlan1" in fs[0].message


def test_overlapping_subnets_with_different_prefix() -> None:
    a = nad("default", "a", macvlan(host_local("10.0.0.0/16", None, None, None)))
    b = nad("default", "b", macvlan(host_local("10.0.5.0/24", None, None, None)))
    fs = only(diagnose([a, b], []), "overlapping-subnets")
    assert len(fs) == 1 and "different prefixes" in fs[0].message


def test_disjoint_ranges_other_masters_and_one_whereabouts_pool_are_fine() -> None:
    a = nad("default", "a", macvlan(host_local("10.0.0.0/24", "10.0.0.10", "10.0.0.99", None)))
    b = nad("default", "b", macvlan(host_local("10.0.0.0/24", "10.0.0.100", "10.0.0.199", None)))
    c = nad("default", "c", macvlan(host_local("10.0.0.0/24", None, None, None), master="eth9"))
    w1 = nad("x", "w", macvlan({"type": "whereabouts", "range": "10.9.0.0/24"}, master="eth5"))
    w2 = nad("y", "w", macvlan({"type": "whereabouts", "range": "10.9.0.0/24"}, master="eth5"))
    assert only(diagnose([a, b, c, w1, w2], []), "overlapping-subnets") == []
    # ...but two whereabouts pools kept apart by network_name do not coordinate
    w3 = nad("z", "w", macvlan({"type": "whereabouts", "range": "10.9.0.0/24", "network_name": "t"}, master="eth5"))
    assert len(only(diagnose([w1, w3], []), "overlapping-subnets")) == 1


# ----------------------------------------------------------------------------- 6 missing / isolation


def test_missing_nad() -> None:
    p = pod("tenant-a", "waiting", "vlan1-later", phase="Pending")
    fs = only(diagnose([POOL], [p]), "missing-nad")
    assert len(fs) == 1 and fs[0].severity == "error"
    assert fs[0].objects == ("pod/tenant-a/waiting", "nad/tenant-a/vlan1-later")


def test_missing_nad_not_claimed_for_unlisted_namespaces() -> None:
    p = pod("tenant-a", "x", "kube-system/vlan1-internal-pool")
    assert only(diagnose([], [p], known_nad_namespaces={"tenant-a"}), "missing-nad") == []
    assert only(diagnose([], [p]), "missing-nad")


def test_namespace_isolation_parameter() -> None:
    p = pod("tenant-a", "x", "kube-system/vlan1-internal-pool")
    q = pod("tenant-a", "y", "default/vlan1-internal-static")
    assert only(diagnose([POOL, S1], [p, q]), "namespace-isolation") == []
    fs = only(diagnose([POOL, S1], [p, q], namespace_isolation=True), "namespace-isolation")
    assert [f.objects[0] for f in fs] == ["pod/tenant-a/x"]  # default is a global namespace
    fs = only(diagnose([POOL, S1], [p, q], namespace_isolation=True, global_namespaces=["kube-system"]),
              "namespace-isolation")
    assert [f.objects[0] for f in fs] == ["pod/tenant-a/y"]


def test_namespace_isolation_read_from_the_event() -> None:
    p = pod("tenant-a", "x", "kube-system/vlan1-internal-pool", phase="Pending")
    err = delegate_error("tenant-a", "x", p.uid, "").replace(
        "failed getting the delegate: getKubernetesDelegate: ",
        "namespace isolation enabled, annotation violates permission, pod is in namespace tenant-a but refers "
        "to target namespace kube-system")
    fs = diagnose([POOL], [p], [sandbox_event(p, err)])
    iso = only(fs, "namespace-isolation")
    assert len(iso) == 1 and "nad/kube-system/vlan1-internal-pool" in iso[0].objects
    assert only(fs, "sandbox-failure") == []


# ----------------------------------------------------------------------------- 7 silent drops


def test_ips_without_capability() -> None:
    p = pod("default", "a", json.dumps([{"name": "vlan1-internal-static", "ips": ["192.168.0.30/24"]}]))
    fs = only(diagnose([S1], [p]), "dropped-ips")
    assert len(fs) == 1 and fs[0].severity == "warning" and "capabilities" in fs[0].fix
    q = pod("tenant-a", "b", json.dumps([{"name": "vlan1-internal-static-dr", "ips": ["192.168.0.30/24"]}]))
    assert only(diagnose([S2], [q]), "dropped-ips") == []


def test_mac_without_capability() -> None:
    ipv = nad("default", "ipv", {"type": "ipvlan", "master": "eth1", "ipam": host_local("10.5.0.0/24", None, None,
                                                                                            None)})
    p = pod("default", "a", json.dumps([{"name": "ipv", "mac": "02:00:00:00:00:01"}]))
    fs = only(diagnose([ipv], [p]), "dropped-mac")
    assert [f.severity for f in fs] == ["warning"]
    tuned = nad("default", "ipv", {"type": "ipvlan", "master": "eth1", "ipam": host_local("10.5.0.0/24", None,
                                                                                              None, None)},
                {"type": "tuning", "capabilities": {"mac": True}})
    assert only(diagnose([tuned], [p]), "dropped-mac") == []


def test_unknown_selection_key() -> None:
    p = pod("default", "a", json.dumps([{"name": "vlan1-internal-static", "gateway": ["192.168.0.254"]}]))
    fs = only(diagnose([S1], [p]), "unknown-selection-key")
    assert len(fs) == 1 and "default-route" in fs[0].message
    assert only(diagnose([S1], [pod("default", "b", json.dumps([{"name": "vlan1-internal-static"}]))]),
                "unknown-selection-key") == []


@pytest.mark.parametrize("key", ["k8s.v1.cni.cncf.io/network", "k8s.cni.cncf.io/networks",
                                 "v1.multus-cni.io/networks", "k8s.v1.cni.cncf.io/netwroks",
                                 "K8s.v1.cni.cncf.io/Networks"])
def test_misspelled_annotation_keys(key: str) -> None:
    assert misspelled_key(key)
    p = pod("default", "a", annotations={key: "vlan1-internal-static"})
    fs = only(diagnose([S1], [p]), "misspelled-annotation")
    assert len(fs) == 1 and key in fs[0].message


@pytest.mark.parametrize("key", ["k8s.v1.cni.cncf.io/networks", "k8s.v1.cni.cncf.io/network-status",
                                 "k8s.v1.cni.cncf.io/networks-status", "v1.multus-cni.io/default-network",
                                 "k8s.v1.cni.cncf.io/resourceName", "kubectl.kubernetes.io/restartedAt",
                                 "app.kubernetes.io/name"])
def test_legitimate_annotation_keys(key: str) -> None:
    assert not misspelled_key(key)


def test_host_network_pod_with_networks() -> None:
    p = pod("default", "a", "vlan1-internal-static", host_network=True)
    fs = diagnose([S1], [p])
    assert checks(fs) == ["host-network-annotation"]
    assert checks(diagnose([S1], [pod("default", "b", None, host_network=True)])) == []


def test_malformed_annotation() -> None:
    fs = only(diagnose([S1], [pod("default", "a", "Bad_Name", phase="Pending")]), "malformed-annotation")
    assert len(fs) == 1 and fs[0].severity == "error"


# ----------------------------------------------------------------------------- 8 default-route


def test_default_route_outside_the_ipam_subnet() -> None:
    p = pod("default", "a", json.dumps([{"name": "vlan1-internal-pool", "namespace": "kube-system",
                                         "default-route": ["10.0.0.1"]}]))
    fs = only(diagnose([POOL], [p]), "default-route-unreachable")
    assert len(fs) == 1 and "192.168.0.0/24" in fs[0].message
    ok = pod("default", "b", json.dumps([{"name": "vlan1-internal-pool", "namespace": "kube-system",
                                          "default-route": ["192.168.0.254"]}]))
    assert only(diagnose([POOL], [ok]), "default-route-unreachable") == []


def test_default_route_outside_the_requested_ips() -> None:
    p = pod("tenant-a", "a", json.dumps([{"name": "vlan1-internal-static-dr", "ips": ["192.168.0.10/24"],
                                          "default-route": ["192.168.1.254"]}]))
    fs = only(diagnose([S2], [p]), "default-route-unreachable")
    assert len(fs) == 1


def test_default_route_on_an_l2_only_attachment() -> None:
    l2 = nad("default", "l2", macvlan(None))
    p = pod("default", "a", json.dumps([{"name": "l2", "default-route": ["192.168.0.254"]}]))
    assert len(only(diagnose([l2], [p]), "default-route-unreachable")) == 1


def test_two_default_routes_of_one_family() -> None:
    p = pod("default", "a", json.dumps([
        {"name": "vlan1-internal-pool", "namespace": "kube-system", "default-route": ["192.168.0.254"]},
        {"name": "vlan1-internal-static", "default-route": ["192.168.0.253"]}]))
    fs = only(diagnose([POOL, S1], [p]), "default-route-ecmp")
    assert [f.severity for f in fs] == ["error"]


# ----------------------------------------------------------------------------- 9 sandbox failures


def test_stuck_pod_root_cause_mapped_to_the_nad_field() -> None:
    # the CNI name differs from the NAD name: Multus' error quotes the CNI name
    cfg = {"cniVersion": "0.3.1", "name": "eth9-cni", **macvlan(host_local("10.7.0.0/24", None, None, None),
                                                                master="eth9")}
    bad = NAD.from_config(cfg, name="eth9net", namespace="default")
    p = pod("default", "a", "eth9net", phase="Pending")
    err = plugin_error("default", "a", p.uid, "eth9-cni", 'failed to lookup master "eth9": Link not found')
    fs = only(diagnose([bad], [p], [sandbox_event(p, err)]), "sandbox-failure")
    assert len(fs) == 1 and fs[0].severity == "error"
    assert fs[0].objects == ("pod/default/a", "nad/default/eth9net")
    assert "eth9" in fs[0].message and "'master'" in fs[0].fix and "default/eth9net" in fs[0].fix


def test_running_pod_old_failure_is_not_reported() -> None:
    p = pod("default", "a", "vlan1-internal-static",
            status=[("default/vlan1-internal-static", "net1", ["192.168.0.20"])])
    err = plugin_error("default", "a", p.uid, "vlan1-internal-static", 'failed to lookup master "x": Link not found')
    assert only(diagnose([S1], [p], [sandbox_event(p, err)]), "sandbox-failure") == []


def test_missing_nad_event_is_left_to_check_6() -> None:
    p = pod("tenant-a", "w", "vlan1-later", phase="Pending")
    evs = [event(p, "NoNetworkFound", no_network_found_message("vlan1-later", "tenant-a")),
           sandbox_event(p, delegate_error("tenant-a", "w", p.uid,
                                           no_network_found_message("vlan1-later", "tenant-a")))]
    fs = diagnose([], [p], evs)
    assert checks(fs) == ["missing-nad"]


def test_missing_ip_config_points_at_static_addresses() -> None:
    p = pod("tenant-a", "a", "vlan1-internal-static-dr", phase="Pending")
    err = plugin_error("tenant-a", "a", p.uid, "vlan1-internal-static-dr", "IPAM plugin returned missing IP config")
    fs = only(diagnose([S2], [p], [sandbox_event(p, err)]), "sandbox-failure")
    assert len(fs) == 1 and "ipam.addresses" in fs[0].fix


# ----------------------------------------------------------------------------- 10 invalid NADs


def test_nad_config_that_does_not_parse() -> None:
    broken = NAD.from_manifest({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                                "metadata": {"name": "broken", "namespace": "default"},
                                "spec": {"config": '{"cniVersion": "0.3.1", "type": "macvlan",}'}})
    fs = only(diagnose([broken], []), "invalid-nad")
    assert len(fs) == 1 and "does not parse" in fs[0].message and fs[0].objects == ("nad/default/broken",)


def test_nad_that_fails_lint() -> None:
    bad = nad("default", "bad", {"type": "macvlan", "master": "eth1", "mode": "fast",
                                 "ipam": host_local()})
    fs = only(diagnose([bad], []), "invalid-nad")
    assert len(fs) == 1 and "mode" in fs[0].message
    assert only(diagnose([POOL, S1, S2], []), "invalid-nad") == []


# ----------------------------------------------------------------------------- scope and inputs


def test_namespace_scope_keeps_related_findings() -> None:
    a = pod("default", "a", "missing-one", phase="Pending")
    b = pod("tenant-a", "b", "missing-two", phase="Pending")
    fs = diagnose([POOL, S1], [a, b], namespace="tenant-a")
    assert checks(fs) == ["missing-nad"] and fs[0].objects[0] == "pod/tenant-a/b"


def test_pod_dicts_and_foreign_events_are_accepted() -> None:
    p = {"namespace": "default", "name": "a", "node": "node-1", "phase": "Pending",
         "annotations": {NETS: "nope"}, "host_network": False}
    evs: list[Any] = [{"reason": "x", "involvedObject": {"kind": "Node", "name": "node-1"}}, "garbage", {}]
    assert checks(diagnose([], [p], evs)) == ["missing-nad"]


def test_multus_not_installed_is_one_finding_not_many_missing_nads() -> None:
    pods = [pod("default", "a", "x", phase="Running"), pod("tenant-a", "b", "kube-system/y"),
            pod("default", "plain", None)]
    fs = diagnose([], pods, multus_installed=False)
    assert checks(fs) == ["multus-not-installed"]
    assert fs[0].objects == ("pod/default/a", "pod/tenant-a/b") and fs[0].severity == "error"
    assert diagnose([], [pod("default", "plain", None)], multus_installed=False) == []
