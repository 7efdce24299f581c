"""The official Python client against the sandbox API: watch resume, 410 Gone, pagination, SSA."""

from __future__ import annotations

import json
import threading
import time

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

NAD_GROUP, NAD_VERSION, NAD_PLURAL = "k8s.cni.cncf.io", "v1", "network-attachment-definitions"


def _pod(name: str, labels: dict[str, str] | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}


def _nad(name: str, config_json: str = '{"cniVersion":"0.3.1","type":"bridge"}') -> dict:
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name}, "spec": {"config": config_json}}


def test_list_then_watch_resumes_from_the_list_resource_version(api, sandbox):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod("default", _pod("before"))
    listed = core.list_namespaced_pod("default")
    assert [p.metadata.name for p in listed.items] == ["before"]
    rv = listed.metadata.resource_version
    core.create_namespaced_pod("default", _pod("after"))
    w = watch.Watch()
    seen = []
    for ev in w.stream(core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=2):
        seen.append((ev["type"], ev["object"].metadata.name))
        if ("ADDED", "after") in seen:
            w.stop()
    assert ("ADDED", "after") in seen
    assert all(name != "before" or typ != "ADDED" for typ, name in seen)


def test_watch_sees_changes_made_while_it_runs(api, sandbox):
    custom = client.CustomObjectsApi(api)
    rv = custom.list_namespaced_custom_object(NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL)["metadata"][
        "resourceVersion"]

    def later() -> None:
        time.sleep(0.3)
        sandbox.store.create(NAD_PLURAL, _nad("live"), namespace="default")
        sandbox.store.delete(NAD_PLURAL, "default", "live")

    threading.Thread(target=later).start()
    w = watch.Watch()
    seen = []
    for ev in w.stream(custom.list_namespaced_custom_object, NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL,
                       resource_version=rv, timeout_seconds=30):  # ends at the DELETED, not at the timeout
        seen.append((ev["type"], ev["object"]["metadata"]["name"]))
        if ev["type"] == "DELETED":
            w.stop()
    assert seen == [("ADDED", "live"), ("DELETED", "live")]


def test_watch_from_compacted_resource_version_is_gone(api, sandbox):
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_pod("default").metadata.resource_version
    core.create_namespaced_pod("default", _pod("p"))
    sandbox.store.compact()
    w = watch.Watch()
    with pytest.raises(ApiException) as exc:
        for _ in w.stream(core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=2):
            pass
    assert exc.value.status == 410
    assert "too old resource version" in str(exc.value.reason)
    # A fresh list gives a resourceVersion that watches fine.
    rv2 = core.list_namespaced_pod("default").metadata.resource_version
    core.create_namespaced_pod("default", _pod("q"))
    seen = []
    for e in w.stream(core.list_namespaced_pod, "default", resource_version=rv2, timeout_seconds=30):
        seen.append((e["type"], e["object"].metadata.name))
        if seen[-1] == ("ADDED", "q"):
            w.stop()
    # q arrives (the simulator may still be starting p: its MODIFIED events can come first)
    assert ("ADDED", "q") in seen and ("ADDED", "p") not in seen, seen


def test_pagination_with_limit_and_continue(api, sandbox):
    core = client.CoreV1Api(api)
    for i in range(7):
        sandbox.store.create("pods", _pod(f"p{i}", {"i": str(i % 2)}), namespace="default")
    names, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_pod("default", limit=3, _continue=token)
        pages += 1
        names += [p.metadata.name for p in page.items]
        token = page.metadata._continue
        if not token:
            break
        assert page.metadata.remaining_item_count == 7 - len(names)
    assert pages == 3
    assert names == [f"p{i}" for i in range(7)]
    odd = core.list_namespaced_pod("default", label_selector="i=1", limit=2)
    assert [p.metadata.name for p in odd.items] == ["p1", "p3"]
    token = odd.metadata._continue
    sandbox.store.create("pods", _pod("later"), namespace="default")
    sandbox.store.compact()
    with pytest.raises(ApiException) as exc:
        core.list_namespaced_pod("default", label_selector="i=1", limit=2, _continue=token)
    assert exc.value.status == 410


def test_label_and_field_selectors(api, sandbox):
    core = client.CoreV1Api(api)
    for name, labels in [("a", {"app": "x", "tier": "fe"}), ("b", {"app": "y"}), ("c", {})]:
        sandbox.store.create("pods", _pod(name, labels), namespace="default")

    def names(**kw: str) -> list[str]:
        return sorted(p.metadata.name for p in core.list_namespaced_pod("default", **kw).items)

    assert names(label_selector="app=x") == ["a"]
    assert names(label_selector="app!=x") == ["b", "c"]
    assert names(label_selector="app in (x,y)") == ["a", "b"]
    assert names(label_selector="app notin (x)") == ["b", "c"]
    assert names(label_selector="tier") == ["a"]
    assert names(label_selector="!tier") == ["b", "c"]
    assert names(label_selector="app,app!=y") == ["a"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    assert sorted(p.metadata.name for p in core.list_pod_for_all_namespaces(
        field_selector="metadata.namespace=default").items) == ["a", "b", "c"]
    with pytest.raises(ApiException) as exc:
        core.list_namespaced_pod("default", label_selector="app in x")
    assert exc.value.status == 400


def test_server_side_apply_conflict_and_force(api):
    custom = client.CustomObjectsApi(api)
    # An apply that creates answers 201 (the generated client then returns None, as with kube-apiserver).
    custom.patch_namespaced_custom_object(
        NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL, "n1", _nad("n1"), field_manager="alice",
        _content_type="application/apply-patch+yaml")
    first = custom.get_namespaced_custom_object(NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL, "n1")
    assert first["metadata"]["managedFields"][0]["manager"] == "alice"
    other = _nad("n1", '{"cniVersion":"0.3.1","type":"macvlan"}')
    with pytest.raises(ApiException) as exc:
        custom.patch_namespaced_custom_object(NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL, "n1", other,
                                              field_manager="bob", _content_type="application/apply-patch+yaml")
    assert exc.value.status == 409
    body = json.loads(exc.value.body)
    assert body["reason"] == "Conflict"
    assert body["message"] == 'Apply failed with 1 conflict: conflict with "alice": .spec.config'
    assert body["details"]["causes"] == [{"type": "FieldManagerConflict", "message": 'conflict with "alice"',
                                          "field": ".spec.config"}]
    forced = custom.patch_namespaced_custom_object(
        NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL, "n1", other, field_manager="bob", force=True,
        _content_type="application/apply-patch+yaml")
    assert "macvlan" in forced["spec"]["config"]
    owners = {m["manager"]: m["fieldsV1"] for m in forced["metadata"]["managedFields"]}
    assert "f:config" in owners["bob"]["f:spec"]
    assert "f:spec" not in owners.get("alice", {})
    # Applying the same value as another manager shares ownership without conflict.
    same = custom.patch_namespaced_custom_object(
        NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL, "n1", other, field_manager="carol",
        _content_type="application/apply-patch+yaml")
    assert {m["manager"] for m in same["metadata"]["managedFields"]} >= {"bob", "carol"}


def test_ssa_removes_fields_the_manager_stops_applying(api):
    custom = client.CustomObjectsApi(api)
    nad = _nad("n2")
    nad["metadata"]["labels"] = {"a": "1", "b": "2"}
    custom.patch_namespaced_custom_object(NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL, "n2", nad,
                                          field_manager="alice", _content_type="application/apply-patch+yaml")
    nad["metadata"]["labels"] = {"a": "1"}
    out = custom.patch_namespaced_custom_object(NAD_GROUP, NAD_VERSION, "default", NAD_PLURAL, "n2", nad,
                                                field_manager="alice", _content_type="application/apply-patch+yaml")
    assert out["metadata"]["labels"] == {"a": "1"}


def test_update_with_stale_resource_version_conflicts(api):
    core = client.CoreV1Api(api)
    pod = core.create_namespaced_pod("default", _pod("u"))
    core.patch_namespaced_pod("u", "default", {"metadata": {"labels": {"x": "1"}}})
    pod.metadata.labels = {"y": "2"}
    with pytest.raises(ApiException) as exc:
        core.replace_namespaced_pod("u", "default", pod)
    assert exc.value.status == 409
    assert json.loads(exc.value.body)["message"] == (
        'Operation cannot be fulfilled on pods "u": the object has been modified; please apply your changes '
        'to the latest version and try again')


def test_status_subresource_only_changes_status_and_metadata(api, sandbox):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod("default", _pod("s"))
    patched = core.patch_namespaced_pod_status("s", "default", {
        "metadata": {"annotations": {"k8s.v1.cni.cncf.io/network-status": "[]"}},
        "spec": {"nodeName": "ignored"},
        "status": {"phase": "Running", "podIP": "10.0.0.5"}})
    assert patched.status.phase == "Running"
    assert patched.metadata.annotations["k8s.v1.cni.cncf.io/network-status"] == "[]"
    assert patched.spec.node_name != "ignored"
    # The main resource ignores status.
    main = core.patch_namespaced_pod("s", "default", {"status": {"phase": "Failed"}})
    assert main.status.phase != "Failed"


def test_errors_are_kube_status_objects(api):
    core = client.CoreV1Api(api)
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_pod("nope", "default")
    assert exc.value.status == 404
    assert '"message":"pods \\"nope\\" not found"' in exc.value.body
    assert '"reason":"NotFound"' in exc.value.body
    core.create_namespaced_pod("default", _pod("dup"))
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod("default", _pod("dup"))
    assert exc.value.status == 409 and '"reason":"AlreadyExists"' in exc.value.body
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod("missing-ns", _pod("x"))
    assert exc.value.status == 404 and 'namespaces \\"missing-ns\\" not found' in exc.value.body
    with pytest.raises(ApiException) as exc:
        core.create_namespace({"metadata": {"name": "Not.A.Label"}})
    assert exc.value.status == 422 and '"reason":"Invalid"' in exc.value.body
    assert '"field":"metadata.name"' in exc.value.body


def test_generate_name_and_dry_run(api, sandbox):
    core = client.CoreV1Api(api)
    pod = {"metadata": {"generateName": "gen-"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    made = core.create_namespaced_pod("default", pod)
    assert made.metadata.name.startswith("gen-") and len(made.metadata.name) == 9
    seen: list[tuple[str, str]] = []
    unsubscribe = sandbox.store.subscribe(lambda typ, res, obj: seen.append((typ, obj["metadata"]["name"])))
    dry = core.create_namespaced_pod("default", _pod("dry"), dry_run="All")
    assert dry.metadata.uid  # the dry-run answer looks like a real create
    core.delete_namespaced_pod(made.metadata.name, "default", dry_run="All")
    patched = core.patch_namespaced_pod(made.metadata.name, "default", {"metadata": {"labels": {"a": "b"}}},
                                        dry_run="All")
    assert patched.metadata.labels == {"a": "b"}
    unsubscribe()
    assert ("ADDED", "dry") not in seen and ("DELETED", made.metadata.name) not in seen
    assert [p.metadata.name for p in core.list_namespaced_pod("default").items] == [made.metadata.name]
    assert not sandbox.store.get("pods", "default", made.metadata.name)["metadata"].get("labels")


def test_unauthenticated_requests_are_401(sandbox):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(sandbox.kubeconfig_path), client_configuration=cfg)
    cfg.api_key = {}
    with client.ApiClient(cfg) as api_client, pytest.raises(ApiException) as exc:
        client.CoreV1Api(api_client).list_namespace()
    assert exc.value.status == 401
