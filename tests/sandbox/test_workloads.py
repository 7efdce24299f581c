"""The sandbox's workload controllers (multus_tui/sandbox/workloads.py), driven by the real kubectl.

A Deployment/StatefulSet/DaemonSet created with kubectl gets its pods, `kubectl rollout status`
completes, and a pod-template change (the attach builder's networks annotation, written by
multus_tui.cluster.writes.patch_workload_networks) rolls the pods so the new ones attach the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.writes import patch_workload_networks
from multus_tui.sandbox.runner import Sandbox
from multus_tui.sandbox.workloads import HASH_LABEL
from tests.waiting import wait_until

NETWORKS = "k8s.v1.cni.cncf.io/networks"
NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status"
POOL_NAD = "kube-system/vlan1-internal-pool"  # host-local pool: several replicas get distinct addresses


def _pods(kubectl: Callable[..., Any], selector: str, ns: str = "default") -> list[dict[str, Any]]:
    out = kubectl("get", "pods", "-n", ns, "-l", selector, "-o", "json").stdout
    return [p for p in json.loads(out)["items"] if not p["metadata"].get("deletionTimestamp")]


def _wait(fn: Callable[[], Any], what: str = "condition") -> Any:
    return wait_until(fn, what=what)


def _running(pods: list[dict[str, Any]], n: int) -> bool:
    return len(pods) == n and all(p["status"].get("phase") == "Running" for p in pods)


def test_deployment_runs_scales_and_is_collected(kubectl: Callable[..., Any]) -> None:
    kubectl("create", "deployment", "web", "--image=busybox", "--replicas=2")
    kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    pods = _wait(lambda: (ps := _pods(kubectl, "app=web")) and _running(ps, 2) and ps, what="2 running pods")
    deploy = json.loads(kubectl("get", "deploy", "web", "-o", "json").stdout)
    h = pods[0]["metadata"]["labels"][HASH_LABEL]
    for p in pods:
        ref = p["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == (
            "Deployment", "web", deploy["metadata"]["uid"], True)
        assert p["metadata"]["name"].startswith(f"web-{h}-") and len(p["metadata"]["name"]) == len(f"web-{h}-") + 5
        assert p["metadata"]["labels"]["app"] == "web"
    assert len(h) == 10
    table = kubectl("get", "deploy", "web").stdout.splitlines()
    assert table[1].split()[:4] == ["web", "2/2", "2", "2"], table
    status = deploy["status"]
    assert status["observedGeneration"] == deploy["metadata"]["generation"]
    assert (status["replicas"], status["updatedReplicas"], status["readyReplicas"], status["availableReplicas"]) == (
        2, 2, 2, 2)
    reasons = {c["type"]: c["reason"] for c in status["conditions"]}
    assert reasons == {"Available": "MinimumReplicasAvailable", "Progressing": "NewReplicaSetAvailable"}

    # Scale through spec.replicas (kubectl scale needs the scale subresource, which the sandbox lacks).
    kubectl("patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":3}}')
    kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    after = _wait(lambda: (ps := _pods(kubectl, "app=web")) and _running(ps, 3) and ps, what="3 running pods")
    assert {p["metadata"]["name"] for p in pods} < {p["metadata"]["name"] for p in after}  # scaling keeps pods
    kubectl("patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":1}}')
    _wait(lambda: len(_pods(kubectl, "app=web")) == 1, what="scale down to 1")
    _wait(lambda: kubectl("get", "deploy", "web").stdout.splitlines()[1].split()[1] == "1/1", what="1/1")

    # A pod deleted by hand is replaced.
    victim = _pods(kubectl, "app=web")[0]["metadata"]["name"]
    kubectl("delete", "pod", victim, "--wait=false")
    _wait(lambda: (ps := _pods(kubectl, "app=web")) and _running(ps, 1) and ps[0]["metadata"]["name"] != victim,
          what="a replacement pod")

    kubectl("delete", "deployment", "web")
    _wait(lambda: not json.loads(kubectl("get", "pods", "-l", "app=web", "-o", "json").stdout)["items"],
          what="the deployment's pods to be deleted")


@pytest.mark.parametrize("sandbox", ["seed"], indirect=True)
def test_networks_patch_rolls_pods_onto_the_network(sandbox: Sandbox, kubectl: Callable[..., Any]) -> None:
    # node-4 has no k8s-vlan1 link (macvlan's master): keep the pods on the VLAN nodes.
    kubectl("cordon", "node-4")
    kubectl("create", "deployment", "app", "--image=busybox", "--replicas=2")
    kubectl("rollout", "status", "deployment/app", "--timeout=60s")
    old = {p["metadata"]["name"] for p in _pods(kubectl, "app=app")}
    assert sandbox.kubeconfig_path is not None
    cluster = Cluster(load_cluster(sandbox.kubeconfig_path))
    patch_workload_networks(cluster, "deployment", "default", "app", POOL_NAD)
    deploy = json.loads(kubectl("get", "deploy", "app", "-o", "json").stdout)
    assert deploy["metadata"]["generation"] == 2
    kubectl("rollout", "status", "deployment/app", "--timeout=60s")
    new = _wait(lambda: (ps := _pods(kubectl, "app=app")) and _running(ps, 2) and ps, what="2 rolled pods")
    assert not old & {p["metadata"]["name"] for p in new}, "the old pods were replaced"
    for p in new:
        assert p["metadata"]["annotations"][NETWORKS] == POOL_NAD
        status = json.loads(p["metadata"]["annotations"][NETWORK_STATUS])
        attached = [s for s in status if s["name"] == POOL_NAD]
        assert attached and attached[0]["interface"] == "net1" and attached[0]["ips"], status
        # host-local hands out per node (addresses may repeat across nodes), from the NAD's range.
        assert 20 <= int(attached[0]["ips"][0].split("/")[0].rsplit(".", 1)[1]) <= 49
    out = json.loads(kubectl("get", "deploy", "app", "-o", "json").stdout)["status"]
    assert out["observedGeneration"] == 2 and out["updatedReplicas"] == 2 == out["replicas"]


STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  updateStrategy: {type: RollingUpdate}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: busybox}]}
"""

DAEMONSET = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  updateStrategy: {type: RollingUpdate}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: busybox}]}
"""


def test_statefulset_gets_ordinal_pods(kubectl: Callable[..., Any]) -> None:
    kubectl("apply", "-f", "-", input=STATEFULSET)
    kubectl("rollout", "status", "statefulset/db", "--timeout=60s")
    pods = _wait(lambda: (ps := _pods(kubectl, "app=db")) and _running(ps, 3) and ps, what="3 running pods")
    assert sorted(p["metadata"]["name"] for p in pods) == ["db-0", "db-1", "db-2"]
    assert all(p["spec"]["hostname"] == p["metadata"]["name"] and p["spec"]["subdomain"] == "db" for p in pods)
    assert kubectl("get", "sts", "db").stdout.splitlines()[1].split()[:2] == ["db", "3/3"]
    # A template change replaces the pods under the same names.
    kubectl("patch", "sts", "db", "--type=merge", "-p",
            '{"spec":{"template":{"metadata":{"annotations":{"rev":"2"}}}}}')
    kubectl("rollout", "status", "statefulset/db", "--timeout=60s")
    rolled = _wait(lambda: (ps := _pods(kubectl, "app=db")) and _running(ps, 3)
                   and all(p["metadata"].get("annotations", {}).get("rev") == "2" for p in ps) and ps,
                   what="rolled pods")
    assert sorted(p["metadata"]["name"] for p in rolled) == ["db-0", "db-1", "db-2"]
    assert {p["metadata"]["uid"] for p in rolled}.isdisjoint({p["metadata"]["uid"] for p in pods})
    status = json.loads(kubectl("get", "sts", "db", "-o", "json").stdout)["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["readyReplicas"] == 3
    kubectl("delete", "sts", "db")
    _wait(lambda: not _pods(kubectl, "app=db"), what="the statefulset's pods to be deleted")


def test_daemonset_one_pod_per_node(kubectl: Callable[..., Any]) -> None:
    nodes = sorted(kubectl("get", "nodes", "-o", "name").stdout.split())
    assert len(nodes) == 4
    kubectl("apply", "-f", "-", input=DAEMONSET)
    kubectl("rollout", "status", "daemonset/agent", "--timeout=60s")
    pods = _wait(lambda: (ps := _pods(kubectl, "app=agent")) and _running(ps, 4) and ps, what="4 running pods")
    assert sorted(f"node/{p['spec']['nodeName']}" for p in pods) == nodes
    cells = kubectl("get", "ds", "agent").stdout.splitlines()[1].split()
    assert cells[:6] == ["agent", "4", "4", "4", "4", "4"], cells
    # nodeSelector: only the control-plane node keeps a pod.
    kubectl("patch", "ds", "agent", "--type=merge", "-p",
            '{"spec":{"template":{"spec":{"nodeSelector":{"node-role.kubernetes.io/control-plane":""}}}}}')
    kubectl("rollout", "status", "daemonset/agent", "--timeout=60s")
    one = _wait(lambda: (ps := _pods(kubectl, "app=agent")) and _running(ps, 1) and ps, what="1 pod")
    assert one[0]["spec"]["nodeName"] == "node-1"
    status = json.loads(kubectl("get", "ds", "agent", "-o", "json").stdout)["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"], status["updatedNumberScheduled"]) == (1, 1, 1)
