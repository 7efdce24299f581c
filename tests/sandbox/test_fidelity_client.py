"""Fidelity audit with the official Python client: behaviours of kube-apiserver a client can observe."""

from __future__ import annotations

import pytest
from kubernetes import client, config, watch


@pytest.fixture
def api(sandbox) -> client.ApiClient:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(sandbox.kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as api_client:
        yield api_client


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
