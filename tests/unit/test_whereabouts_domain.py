"""The domain's judgement of whereabouts IPPools and SR-IOV resources (multus.whereabouts, multus.sriov),
and the doctor checks built on them (checks 11 and 12)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from multus_tui.multus import sriov
from multus_tui.multus import whereabouts as wa
from multus_tui.multus.diagnose import diagnose
from multus_tui.multus.nad import NAD

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _nad(ns: str, name: str, ipam: dict, resource: str | None = None) -> NAD:
    meta = {"name": name, "namespace": ns}
    if resource:
        meta["annotations"] = {"k8s.v1.cni.cncf.io/resourceName": resource}
    cfg = {"cniVersion": "0.3.1", "name": name, "type": "macvlan", "master": "k8s-vlan1", "ipam": ipam}
    return NAD.from_manifest({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                              "metadata": meta, "spec": {"config": json.dumps(cfg)}})


def _pool(name: str, rng: str, allocs: dict, rv: str = "7") -> dict:
    return {"apiVersion": "whereabouts.cni.cncf.io/v1alpha1", "kind": "IPPool",
            "metadata": {"name": name, "namespace": "kube-system", "resourceVersion": rv},
            "spec": {"range": rng, "allocations": allocs}}


def _status(*ips: str) -> dict:
    return {"k8s.v1.cni.cncf.io/network-status": json.dumps(
        [{"name": "net", "interface": "eth0", "ips": ["10.244.1.5"], "default": True}]
        + [{"name": "default/wa", "interface": "net1", "ips": list(ips)}])}


def _pod(name: str, *ips: str, phase: str = "Running", created: datetime | None = None, ns: str = "default"):
    return wa.PodFacts(ns, name, phase, "node-1", _status(*ips) if ips else {},
                       (created or NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))


WA = {"type": "whereabouts", "range": "192.168.20.0/28", "exclude": ["192.168.20.14/32"]}
ALLOCS = {
    "1": {"id": "a" * 64, "podref": "default/live", "ifname": "net1"},
    "3": {"id": "b" * 64, "podref": "default/gone", "ifname": "net1"},
    "4": {"id": "c" * 64, "podref": "default/reborn", "ifname": "net1"},
    "5": {"id": "d" * 64, "podref": "default/starting", "ifname": "net1"},
    "x": {"id": "e", "podref": "default/odd"},
}


def test_pool_names_are_whereabouts():
    nad = _nad("default", "wa", {**WA, "network_name": "blue"})
    assert wa.pool_names_of(nad) == ["blue-192.168.20.0-28"]
    assert wa.pool_names_of(_nad("default", "wa", {"type": "whereabouts", "range": "192.168.20.7/28"})) == [
        "192.168.20.0-28"]
    assert wa.pool_name("fd00::/64") == "fd00---64"


def test_each_allocation_is_judged_as_whereabouts_reconciler_would():
    pods = [_pod("live", "192.168.20.1"), _pod("reborn", "192.168.20.9"), _pod("starting", phase="Pending")]
    [report] = wa.inspect([_pool("192.168.20.0-28", "192.168.20.0/28", ALLOCS)], [_nad("default", "wa", WA)], pods,
                          now=NOW)
    states = {e.allocation.offset: (e.allocation.ip, e.state) for e in report.entries}
    assert states == {"1": ("192.168.20.1", wa.LIVE), "3": ("192.168.20.3", wa.STALE_GONE),
                      "4": ("192.168.20.4", wa.STALE_OTHER), "5": ("192.168.20.5", wa.PENDING),
                      "x": (None, wa.OUTSIDE)}
    assert report.nads == ("default/wa",)
    assert report.size == 13 and report.used == 4 and report.free == 9  # .1-.13 (.14 excluded)
    assert [e.allocation.pod_ref for e in report.stale] == ["default/gone", "default/reborn"]
    reborn = next(e for e in report.entries if e.allocation.offset == "4")
    assert "holds 192.168.20.9" in reborn.detail


def test_pods_of_namespaces_out_of_view_are_not_called_gone():
    [report] = wa.inspect([_pool("192.168.20.0-28", "192.168.20.0/28", ALLOCS)], [_nad("default", "wa", WA)], [],
                          pod_scope={"tenant-a"})
    assert {e.state for e in report.entries} == {wa.UNKNOWN, wa.OUTSIDE}
    assert not report.stale


def test_duplicates_across_pools_of_one_network_and_within_a_pool():
    a = _pool("blue-10.0.0.0-24", "10.0.0.0/24", {"5": {"id": "1", "podref": "default/p", "ifname": "net1"}})
    b = _pool("blue-10.0.0.0-25", "10.0.0.0/25", {"5": {"id": "2", "podref": "default/q", "ifname": "net1"},
                                                   "6": {"id": "3", "podref": "default/q", "ifname": "net1"}})
    nads = [_nad("default", "x", {"type": "whereabouts", "range": "10.0.0.0/24", "network_name": "blue"}),
            _nad("default", "y", {"type": "whereabouts", "range": "10.0.0.0/25", "network_name": "blue"})]
    reports = {r.pool.name: r for r in wa.inspect([a, b], nads, [_pod("p", "10.0.0.5"), _pod("q", "10.0.0.6")])}
    assert reports["blue-10.0.0.0-24"].duplicates[0].duplicate == (
        "10.0.0.5 is also allocated in kube-system/blue-10.0.0.0-25 (network blue)")
    dup_q = {e.allocation.offset: e.duplicate for e in reports["blue-10.0.0.0-25"].duplicates}
    assert dup_q["6"] == "default/q net1 holds 2 allocations here"


def test_orphaned_reservations_and_pools():
    pool = _pool("192.168.20.0-28", "192.168.20.0/28", {"1": {"id": "a", "podref": "default/live", "ifname": "net1"}})
    reports = wa.inspect([pool], [], [_pod("live", "192.168.20.1")])
    assert reports[0].orphaned  # no NAD uses it
    res = [{"metadata": {"name": "192.168.20.1", "namespace": "kube-system"}, "spec": {"podref": "default/live"}},
           {"metadata": {"name": "192.168.20.9", "namespace": "kube-system"}, "spec": {"podref": "default/old"}}]
    assert [r.name for r in wa.orphaned_reservations(res, reports)] == ["192.168.20.9"]


def test_forecast_from_the_rate_of_recent_allocations():
    recent = [(NOW - timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ") for d in (1, 2, 3, 5, 6, 6.5, 6.9)]
    f = wa.forecast(10, recent + ["2020-01-01T00:00:00Z"], now=NOW)
    assert f.rate_per_day == pytest.approx(1.0) and f.days_left == pytest.approx(10.0)
    assert f.text() == "~10 days left at 1.0 allocation(s)/day (last 7 days)"
    assert wa.forecast(10, [], now=NOW).text() == "no new allocation in the last 7 days: not running out"
    assert wa.forecast(0, [], now=NOW).text() == "exhausted"


def test_release_patch_is_guarded_and_never_touches_a_live_address():
    pods = [_pod("live", "192.168.20.1")]
    [report] = wa.inspect([_pool("192.168.20.0-28", "192.168.20.0/28", ALLOCS, rv="42")],
                          [_nad("default", "wa", WA)], pods)
    gone = next(e for e in report.entries if e.state == wa.STALE_GONE)
    assert wa.release_patch(report.pool, gone) == [
        {"op": "test", "path": "/metadata/resourceVersion", "value": "42"},
        {"op": "test", "path": "/spec/allocations/3", "value": {"id": "b" * 64, "podref": "default/gone",
                                                                 "ifname": "net1"}},
        {"op": "remove", "path": "/spec/allocations/3"}]
    live = next(e for e in report.entries if e.state == wa.LIVE)
    with pytest.raises(ValueError, match="only stale allocations are released"):
        wa.release_patch(report.pool, live)


def test_doctor_reports_stale_duplicate_orphaned_and_usage_from_the_pools():
    pool = _pool("192.168.20.0-28", "192.168.20.0/28", ALLOCS)
    pods = [{"namespace": "default", "name": n, "phase": "Running", "node": "node-1", "annotations": _status(ip)}
            for n, ip in (("live", "192.168.20.1"), ("reborn", "192.168.20.9"))]
    pods.append({"namespace": "default", "name": "starting", "phase": "Pending", "node": "node-1", "annotations": {}})
    res = [{"metadata": {"name": "192.168.20.12", "namespace": "kube-system"}, "spec": {"podref": "default/x"}}]
    found = diagnose([_nad("default", "wa", WA)], pods, pools=[pool], reservations=res)
    by = {f.check: f for f in found}
    stale = by["whereabouts-stale-reservation"]
    assert stale.severity == "warning"
    assert "ippool/kube-system/192.168.20.0-28" in stale.objects and "nad/default/wa" in stale.objects
    assert "pod/default/gone" in stale.objects
    assert "192.168.20.3 (default/gone: pod gone)" in stale.message
    assert "192.168.20.4 (default/reborn: held by another pod)" in stale.message
    assert by["whereabouts-orphaned-reservation"].objects == ("ipreservation/kube-system/192.168.20.12",)
    usage = by["pool-usage"]
    assert usage.message == ("whereabouts pool kube-system/192.168.20.0-28 (192.168.20.0/28): 4 of 13 addresses in "
                             "use (30 %); 2 of them stale (releasable)")
    # without pools known, the old live-pod count stays (a cluster without whereabouts CRDs is as before)
    assert "whereabouts-stale-reservation" not in {f.check for f in diagnose([_nad("default", "wa", WA)], pods)}


# --- SR-IOV ---------------------------------------------------------------------------------------

SCHED = ("0/4 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient "
         "intel.com/sriov_dpdk. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 "
         "No preemption victims found for incoming pod..")


def test_insufficient_resources_are_read_from_the_scheduler_message():
    assert sriov.insufficient(SCHED) == {"intel.com/sriov_dpdk": 3}
    assert sriov.insufficient("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.") == {
        "cpu": 1, "memory": 1}


def test_resource_uses_name_advertisers_and_stuck_pods():
    nodes = [{"name": "node-1", "allocatable": {"intel.com/sriov_netdevice": "4"}},
             {"name": "node-2", "allocatable": {"intel.com/sriov_netdevice": "4", "cpu": "4"}},
             {"name": "node-3", "allocatable": {"cpu": "4"}}]
    nads = [_nad("default", "vf", {"type": "static"}, "intel.com/sriov_netdevice"),
            _nad("default", "dpdk", {"type": "static"}, "intel.com/sriov_dpdk"),
            _nad("default", "plain", {"type": "static"})]
    pods = [{"namespace": "default", "name": "app", "phase": "Pending", "node": None,
             "annotations": {"k8s.v1.cni.cncf.io/networks": "dpdk"}},
            {"namespace": "default", "name": "busy", "phase": "Pending", "node": None,
             "annotations": {"k8s.v1.cni.cncf.io/networks": "vf"}},
            {"namespace": "default", "name": "fine", "phase": "Running", "node": "node-1",
             "annotations": {"k8s.v1.cni.cncf.io/networks": "vf"}}]
    events = [{"reason": "FailedScheduling", "lastTimestamp": "2026-01-01T00:00:00Z",
               "involvedObject": {"namespace": "default", "name": "busy"},
               "message": SCHED.replace("sriov_dpdk", "sriov_netdevice")}]
    uses = {u.resource: u for u in sriov.resource_uses(nads, nodes, pods, events)}
    assert set(uses) == {"intel.com/sriov_netdevice", "intel.com/sriov_dpdk"}
    assert uses["intel.com/sriov_netdevice"].advertised == [("node-1", 4), ("node-2", 4)]
    assert uses["intel.com/sriov_dpdk"].unschedulable == [("default/app", "no node advertises intel.com/sriov_dpdk")]
    assert uses["intel.com/sriov_netdevice"].unschedulable == [
        ("default/busy", "3 node(s) have no free intel.com/sriov_netdevice")]
    found = {f.check: f for f in diagnose(nads, pods, events, nodes=nodes)}
    assert found["sriov-resource-unadvertised"].severity == "error"
    assert "pod/default/app" in found["sriov-resource-unadvertised"].objects
    assert "intel.com/sriov_netdevice is advertised by node-1 (4), node-2 (4)" in found["sriov-unschedulable"].message


def test_attach_precheck_names_the_nodes_of_a_resource():
    from multus_tui.multus.podspec import precheck
    from multus_tui.multus.selection import parse_networks

    nads = {("default", "dpdk"): _nad("default", "dpdk", {"type": "static"}, "intel.com/sriov_dpdk"),
            ("default", "vf"): _nad("default", "vf", {"type": "static"}, "intel.com/sriov_netdevice")}
    advertised = {"intel.com/sriov_netdevice": [("node-1", 4), ("node-2", 4)]}
    found = {f.code: f for f in precheck(parse_networks("dpdk, vf", "default"), "default", nads,
                                         advertised=advertised)}
    assert found["resource-unadvertised"].severity == "error"
    assert found["resource-unadvertised"].message == (
        "default/dpdk needs intel.com/sriov_dpdk (its k8s.v1.cni.cncf.io/resourceName), which no node advertises: "
        "the pod will stay Pending (FailedScheduling: Insufficient intel.com/sriov_dpdk)")
    assert "only node-1 (4), node-2 (4) advertise it" in found["resource-nodes"].message
    # nodes unknown (not readable, offline): nothing said
    codes = {f.code for f in precheck(parse_networks("dpdk", "default"), "default", nads)}
    assert not codes & {"resource-unadvertised", "resource-nodes"}
