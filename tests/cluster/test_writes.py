"""Writes and permissions against the sandbox through the real client."""

from __future__ import annotations

import json

import pytest

from multus_tui.cluster.client import FIELD_MANAGER, Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.kubeconfig import list_contexts, load_cluster
from multus_tui.cluster.writes import (
    apply_nad,
    create_pod,
    delete_nad,
    delete_pod,
    diff_nad,
    patch_workload_networks,
    review_nad,
)
from tests.conftest import need

CONF = {"cniVersion": "0.3.1", "type": "macvlan", "master": "k8s-vlan1", "mode": "bridge",
        "ipam": {"type": "static", "addresses": [{"address": "192.168.0.20/24"}]}}


def manifest(name: str = "test-nad", ns: str = "default", **conf_changes) -> dict:
    conf = {**CONF, **conf_changes}
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name, "namespace": ns}, "spec": {"config": json.dumps(conf, indent=2)}}


@pytest.fixture
def admin(seed) -> Cluster:
    _, kc = seed
    return Cluster(load_cluster(kc, "sandbox"))


@pytest.fixture
def readonly(seed) -> Cluster:
    _, kc = seed
    return Cluster(load_cluster(kc, "sandbox-readonly"))


def test_sandbox_contexts(seed):
    _, kc = seed
    names, current = list_contexts(kc)
    assert {"sandbox", "sandbox-readonly"} <= set(names) and current == "sandbox"
    info = load_cluster(kc)
    assert info.context == "sandbox" and info.namespace == "default"
    assert load_cluster(kc, "sandbox-readonly").context == "sandbox-readonly"


def test_multus_installed(admin, sandbox_factory):
    assert admin.multus_installed() is True
    _, kc = sandbox_factory("no-multus")
    assert Cluster(load_cluster(kc)).multus_installed() is False


def test_permissions_admin_and_readonly(admin, readonly):
    p = admin.permissions("default")
    assert p.can_write_nads and p.create_pods and p.delete_nads and not p.readonly
    r = readonly.permissions("default")
    assert r.list_nads and r.readonly and not r.can_write_nads and not r.create_pods
    assert readonly.can_i("list", "pods", "default") is True
    assert readonly.can_i("create", "network-attachment-definitions", "default", "k8s.cni.cncf.io") is False


def test_readonly_write_is_a_clear_403(readonly):
    with pytest.raises(ClusterError) as ei:
        apply_nad(readonly, manifest(), dry_run=False)
    assert ei.value.code == 403 and ei.value.message.startswith("forbidden")


def test_dry_run_then_create_then_update(admin):
    m = manifest()
    review = review_nad(admin, m)
    assert review.creates and review.changes
    assert "+  name: test-nad" in review.diff and '"master": "k8s-vlan1"' in review.diff
    assert admin.get_or_none("nad", "default", "test-nad") is None, "a dry run must not store anything"

    created = apply_nad(admin, m, dry_run=False)
    assert created["metadata"]["resourceVersion"]
    managers = {f["manager"] for f in created["metadata"].get("managedFields") or []}
    assert FIELD_MANAGER in managers

    same = review_nad(admin, m)
    assert not same.creates and not same.changes, same.diff

    changed = manifest(master="k8s-vlan2")
    review = review_nad(admin, changed)
    assert not review.creates
    minus = [x for x in review.diff.splitlines() if x.startswith("-") and not x.startswith("---")]
    plus = [x for x in review.diff.splitlines() if x.startswith("+") and not x.startswith("+++")]
    assert [x.split() for x in minus] == [["-", '"master":', '"k8s-vlan1",']], review.diff
    assert [x.split() for x in plus] == [["+", '"master":', '"k8s-vlan2",']], review.diff
    assert "resourceVersion" not in review.diff and "managedFields" not in review.diff
    assert json.loads(admin.get_raw("nad", "default", "test-nad")["spec"]["config"])["master"] == "k8s-vlan1"

    updated = apply_nad(admin, changed, dry_run=False)
    assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    assert json.loads(admin.get_raw("nad", "default", "test-nad")["spec"]["config"])["master"] == "k8s-vlan2"

    delete_nad(admin, "default", "test-nad")
    assert admin.get_or_none("nad", "default", "test-nad") is None


def test_conflict_with_another_field_manager(admin):
    other = manifest("owned")
    admin.request("PATCH", "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/owned",
                  query={"fieldManager": "kubectl"}, body=other, content_type="application/apply-patch+yaml")
    with pytest.raises(ClusterError) as ei:
        apply_nad(admin, manifest("owned", master="eth9"), dry_run=True)
    err = ei.value
    assert err.code == 409
    assert "spec.config" in err.message and "'kubectl'" in err.message
    forced = apply_nad(admin, manifest("owned", master="eth9"), dry_run=False, force=True)
    assert json.loads(forced["spec"]["config"])["master"] == "eth9"


def test_invalid_name_is_422_with_causes(admin):
    with pytest.raises(ClusterError) as ei:
        apply_nad(admin, manifest("Bad_Name"), dry_run=True)
    assert ei.value.code == 422 and ei.value.message.startswith("invalid")
    assert ei.value.causes and any("name" in c for c in ei.value.causes)


def test_delete_missing_is_404(admin):
    with pytest.raises(ClusterError) as ei:
        delete_nad(admin, "default", "never-was")
    assert ei.value.code == 404 and "never-was" in ei.value.message


def test_create_and_delete_test_pod(admin):
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "tp", "annotations": {"k8s.v1.cni.cncf.io/networks": "kube-system/vlan1-internal-pool"}},
           "spec": {"containers": [{"name": "c", "image": "dougbtv/centos-network",
                                    "command": ["/bin/bash", "-c", "trap : TERM INT; sleep infinity & wait"]}]}}
    dry = create_pod(admin, pod, dry_run=True)
    assert dry["metadata"]["name"] == "tp" and admin.get_or_none("pod", "default", "tp") is None
    made = create_pod(admin, pod)
    assert made["metadata"]["namespace"] == "default"
    with pytest.raises(ClusterError) as ei:
        create_pod(admin, pod)
    assert ei.value.code == 409 and ei.value.message.startswith("already exists")
    delete_pod(admin, "default", "tp")


@pytest.mark.parametrize("kind", ["deployment", "statefulset", "daemonset"])
def test_patch_workload_template_annotation(admin, seed, kind):
    sb, _ = seed
    resource = kind + "s"
    need(sb.store.find_type("apps", "v1", resource) is not None, f"the sandbox does not serve {resource}")
    obj = {"apiVersion": "apps/v1", "kind": {"deployment": "Deployment", "statefulset": "StatefulSet",
                                             "daemonset": "DaemonSet"}[kind],
           "metadata": {"name": "wl", "namespace": "default"},
           "spec": {"selector": {"matchLabels": {"app": "wl"}},
                    "template": {"metadata": {"labels": {"app": "wl"}},
                                 "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}
    sb.store.create(resource, obj)
    out = patch_workload_networks(admin, kind, "default", "wl", "kube-system/vlan1-internal-pool")
    ann = out["spec"]["template"]["metadata"]["annotations"]
    assert ann["k8s.v1.cni.cncf.io/networks"] == "kube-system/vlan1-internal-pool"
    assert out["spec"]["template"]["metadata"]["labels"] == {"app": "wl"}
    out = patch_workload_networks(admin, kind, "default", "wl", None)
    assert "k8s.v1.cni.cncf.io/networks" not in (out["spec"]["template"]["metadata"].get("annotations") or {})


def test_diff_strips_noise_and_is_empty_for_equal():
    live = manifest()
    live["metadata"].update(resourceVersion="5", uid="u", creationTimestamp="t", generation=1,
                            managedFields=[{"manager": "x"}],
                            annotations={"kubectl.kubernetes.io/last-applied-configuration": "{}"})
    live["status"] = {}
    assert diff_nad(live, manifest()) == ""
    # formatting-only config differences are not changes of meaning
    compact = manifest()
    compact["spec"]["config"] = json.dumps(CONF)
    assert diff_nad(compact, manifest()) == ""
    d = diff_nad(None, manifest())
    assert d.startswith("--- /dev/null")
