"""Fidelity audit with the official Python client: behaviours of kube-apiserver a client can observe."""

from __future__ import annotations

import pytest
from kubernetes import client, watch


def _pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}


def _ns(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def test_namespaced_watch_resume_replays_only_its_namespace(api):
    # A watch of /namespaces/default/pods from an older resourceVersion replays the changes since then
    # in that namespace only; kube-apiserver never sends another namespace's objects on it.
    core = client.CoreV1Api(api)
    core.create_namespace(_ns("other"))
    rv = core.list_namespaced_pod("default").metadata.resource_version
    core.create_namespaced_pod("other", _pod("elsewhere"))
    core.create_namespaced_pod("default", _pod("here"))
    seen = []
    w = watch.Watch()
    for ev in w.stream(core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=1):
        seen.append((ev["object"].metadata.namespace, ev["object"].metadata.name))
    assert ("default", "here") in seen
    assert all(ns == "default" for ns, _ in seen), seen


@pytest.mark.kubectl
def test_numeric_resource_quantities_come_back_as_canonical_strings(api, kubectl):
    # resource.Quantity always serialises as a string: a manifest's `intel.com/sriov: 2` or `cpu: 0.5`
    # (as in upstream SR-IOV examples) is stored as "2" / "500m" (the typed client's models reject a
    # number there), requests default to limits, and the QoS class follows cpu/memory.
    kubectl("apply", "-f", "-", input=QUANTITY_PODS)
    core = client.CoreV1Api(api)
    got = core.read_namespaced_pod("sized", "default")  # the typed model validates quantities as strings
    res = got.spec.containers[0].resources
    assert res.limits == {"cpu": "500m", "memory": "64Mi", "intel.com/sriov": "2"}
    assert res.requests == res.limits
    assert got.status.qos_class == "Guaranteed"
    got = core.read_namespaced_pod("burst", "default")
    assert got.spec.containers[0].resources.requests == {"cpu": "1k"}
    assert got.status.qos_class == "Burstable"
    core.create_namespaced_pod("default", _pod("plain"))
    assert core.read_namespaced_pod("plain", "default").status.qos_class == "BestEffort"
    assert len(core.list_namespaced_pod("default").items) == 3


QUANTITY_PODS = """apiVersion: v1
kind: Pod
metadata: {name: sized}
spec:
  containers:
  - name: c
    image: busybox:1.36
    resources:
      limits: {cpu: 0.5, memory: 64Mi, intel.com/sriov: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: burst}
spec:
  containers:
  - name: c
    image: busybox:1.36
    resources:
      requests: {cpu: 1000}
"""


@pytest.mark.parametrize("sandbox", [{"scenario": "seed", "pod_start_delay_s": 60}], indirect=True)
def test_paginated_list_is_a_consistent_snapshot(api):
    # Every page of a limit/continue list is served at the first page's resourceVersion: objects
    # created after it do not appear, deleted ones still do, changed ones show their old version.
    core = client.CoreV1Api(api)
    first = core.list_pod_for_all_namespaces(limit=2)
    before = {(p.metadata.namespace, p.metadata.name): p.metadata.resource_version
              for p in core.list_pod_for_all_namespaces().items}
    assert len(before) > 3
    core.create_namespaced_pod("default", _pod("zz-late"))
    core.delete_namespaced_pod("waiting-for-nad", "tenant-a", grace_period_seconds=0)
    core.patch_namespaced_pod("static-default-route", "tenant-a", {"metadata": {"labels": {"changed": "yes"}}})
    seen = {(p.metadata.namespace, p.metadata.name): p.metadata.resource_version for p in first.items}
    cont = first.metadata._continue
    while cont:
        page = core.list_pod_for_all_namespaces(limit=2, _continue=cont)
        assert page.metadata.resource_version == first.metadata.resource_version
        seen.update({(p.metadata.namespace, p.metadata.name): p.metadata.resource_version for p in page.items})
        cont = page.metadata._continue
    assert seen == before
