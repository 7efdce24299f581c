"""ObjectStore and patch semantics, without HTTP (the contract the simulator codes against)."""

from __future__ import annotations

import threading

import pytest

from multus_tui.sandbox import patch
from multus_tui.sandbox.errors import ApiError
from multus_tui.sandbox.runner import load_base
from multus_tui.sandbox.store import ObjectStore, label_matches, parse_label_selector

NADS = "network-attachment-definitions"


@pytest.fixture
def store() -> ObjectStore:
    s = ObjectStore(watch_history=50)
    load_base(s)
    return s


def _nad(name: str, ns: str = "default", **meta) -> dict:
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name, "namespace": ns, **meta}, "spec": {"config": "{}"}}


def test_create_fills_server_fields_and_get_returns_copies(store):
    made = store.create(NADS, _nad("a"))
    meta = made["metadata"]
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z") and meta["generation"] == 1
    assert int(meta["resourceVersion"]) == store.resource_version
    got = store.get(NADS, "default", "a")
    got["spec"]["config"] = "changed"
    assert store.get(NADS, "default", "a")["spec"]["config"] == "{}"


def test_errors_have_kube_reasons(store):
    store.create(NADS, _nad("a"))
    with pytest.raises(ApiError) as exc:
        store.create(NADS, _nad("a"))
    assert (exc.value.code, exc.value.reason) == (409, "AlreadyExists")
    with pytest.raises(ApiError) as exc:
        store.get(NADS, "default", "zzz")
    assert exc.value.to_status()["message"] == 'network-attachment-definitions.k8s.cni.cncf.io "zzz" not found'
    with pytest.raises(ApiError) as exc:
        store.create(NADS, _nad("a", ns="nope"))
    assert exc.value.message == 'namespaces "nope" not found'
    stale = store.get(NADS, "default", "a")
    store.mutate(NADS, "default", "a", lambda o: o["metadata"].setdefault("labels", {}).update(x="1"))
    with pytest.raises(ApiError) as exc:
        store.update(NADS, stale)
    assert exc.value.reason == "Conflict"


def test_noop_update_keeps_resource_version_and_emits_nothing(store):
    made = store.create(NADS, _nad("a"))
    events = []
    store.subscribe(lambda t, r, o: events.append(t))
    again = store.update(NADS, made)
    assert again["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]
    assert events == []


def test_status_subresource_takes_status_labels_and_annotations_only(store):
    store.create("nodes", {"metadata": {"name": "n1"}})
    store.create("pods", {"metadata": {"name": "p", "namespace": "default"},
                          "spec": {"containers": [{"name": "c", "image": "i"}]}})
    pod = store.get("pods", "default", "p")
    pod["status"] = {"phase": "Running"}
    pod["spec"]["nodeName"] = "n1"
    pod["metadata"]["annotations"] = {"k8s.v1.cni.cncf.io/network-status": "[]"}
    out = store.update("pods", pod, subresource="status")
    assert out["status"] == {"phase": "Running"}
    assert "nodeName" not in out["spec"]
    assert out["metadata"]["annotations"] == {"k8s.v1.cni.cncf.io/network-status": "[]"}
    main = store.get("pods", "default", "p")
    main["status"] = {"phase": "Failed"}
    assert store.update("pods", main)["status"] == {"phase": "Running"}


def test_dry_run_persists_nothing(store):
    rv = store.resource_version
    store.create(NADS, _nad("a"), dry_run=True)
    assert store.resource_version == rv
    with pytest.raises(ApiError):
        store.get(NADS, "default", "a")
    store.create(NADS, _nad("a"))
    store.delete(NADS, "default", "a", dry_run=True)
    assert store.get(NADS, "default", "a")


def test_subscribers_see_commits_in_resource_version_order_across_threads(store):
    seen: list[int] = []
    store.subscribe(lambda t, r, o: seen.append(int(o["metadata"]["resourceVersion"])))

    def writer(k: int) -> None:
        for i in range(40):
            store.create(NADS, _nad(f"w{k}-{i}"))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 160
    assert seen == sorted(seen)
    assert len(store.list(NADS)[0]) == 160


def test_subscriber_writing_from_its_callback_does_not_deadlock(store):
    def on_event(typ: str, res: str, obj: dict) -> None:
        if res == NADS and typ == "ADDED" and not obj["metadata"].get("labels"):
            store.mutate(NADS, "default", obj["metadata"]["name"],
                         lambda o: o["metadata"].setdefault("labels", {}).update(seen="yes"))

    store.subscribe(on_event)
    store.create(NADS, _nad("a"))
    assert store.get(NADS, "default", "a")["metadata"]["labels"] == {"seen": "yes"}


def test_history_and_compaction(store):
    rv0 = store.resource_version
    store.create(NADS, _nad("a"))
    store.mutate(NADS, "default", "a", lambda o: o["spec"].update(config='{"x":1}'))
    store.delete(NADS, "default", "a")
    assert [t for t, _ in store.events_since(NADS, rv0)] == ["ADDED", "MODIFIED", "DELETED"]
    store.compact()
    with pytest.raises(ApiError) as exc:
        store.events_since(NADS, rv0)
    assert exc.value.code == 410 and exc.value.message.startswith(f"too old resource version: {rv0} (")
    assert store.events_since(NADS, store.resource_version) == []
    # A bounded history forgets the oldest changes: watching from before them is Gone.
    rv1 = store.resource_version
    for i in range(60):
        store.create(NADS, _nad(f"h{i}"))
    with pytest.raises(ApiError):
        store.events_since(NADS, rv1)


def test_namespace_delete_cascades(store):
    store.create("namespaces", {"metadata": {"name": "t"}})
    store.create(NADS, _nad("a", ns="t"))
    store.create(NADS, _nad("b"))
    store.delete("namespaces", None, "t")
    assert [o["metadata"]["name"] for o in store.list(NADS)[0]] == ["b"]


def test_crd_controls_serving(store):
    assert any(t.plural == NADS for t in store.types())
    store.create(NADS, _nad("a"))
    store.delete("customresourcedefinitions", None, "network-attachment-definitions.k8s.cni.cncf.io")
    assert not any(t.plural == NADS for t in store.types())
    with pytest.raises(ApiError) as exc:
        store.list(NADS)
    assert exc.value.code == 404


@pytest.mark.parametrize(("selector", "labels", "ok"), [
    ("a=1", {"a": "1"}, True), ("a==1", {"a": "1"}, True), ("a!=1", {}, True), ("a!=1", {"a": "1"}, False),
    ("a in (1, 2)", {"a": "2"}, True), ("a notin (1,2)", {"a": "3"}, True), ("a notin (1,2)", {}, True),
    ("a", {"a": ""}, True), ("!a", {"a": ""}, False), ("a,b=2", {"a": "x", "b": "2"}, True),
    ("example.com/x=y", {"example.com/x": "y"}, True), ("n>3", {"n": "4"}, True), ("n<3", {"n": "4"}, False),
])
def test_label_selectors(selector, labels, ok):
    assert label_matches(labels, parse_label_selector(selector)) is ok


def test_merge_patch_rfc7386_example():
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    assert patch.merge_patch(target, {"a": "z", "c": {"f": None}}) == {"a": "z", "c": {"d": "e"}}
    assert target == {"a": "b", "c": {"d": "e", "f": "g"}}


def test_json_patch_ops():
    doc = {"foo": ["bar", "baz"], "x": {"y": 1}}
    out = patch.json_patch(doc, [{"op": "add", "path": "/foo/1", "value": "qux"},
                                 {"op": "move", "from": "/x/y", "path": "/z"},
                                 {"op": "copy", "from": "/z", "path": "/w"},
                                 {"op": "replace", "path": "/foo/0", "value": "a~b"},
                                 {"op": "test", "path": "/w", "value": 1},
                                 {"op": "add", "path": "/foo/-", "value": "end"}])
    assert out == {"foo": ["a~b", "qux", "baz", "end"], "x": {}, "z": 1, "w": 1}
    with pytest.raises(ApiError):
        patch.json_patch(doc, [{"op": "remove", "path": "/missing"}])


def test_strategic_merge_directives():
    live = {"metadata": {"finalizers": ["a"]},
            "spec": {"containers": [{"name": "a", "image": "1", "env": [{"name": "X", "value": "1"}]},
                                    {"name": "b", "image": "2"}]}}
    out = patch.strategic_merge(live, {
        "metadata": {"finalizers": ["b"]},
        "spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                 "containers": [{"name": "a", "env": [{"name": "Y", "value": "2"}]},
                                {"name": "b", "$patch": "delete"}]}})
    assert out["metadata"]["finalizers"] == ["a", "b"]
    assert out["spec"]["containers"] == [{"name": "a", "image": "1", "env": [{"name": "X", "value": "1"},
                                                                           {"name": "Y", "value": "2"}]}]
    replaced = patch.strategic_merge(live, {"spec": {"$patch": "replace", "containers": []}})
    assert replaced["spec"] == {"containers": []}


def test_ssa_conflict_message_for_several_managers():
    live = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "1", "b": "1"}}}
    live["metadata"]["managedFields"] = patch.update_managed_fields(None, live, "creator", "v1", None)
    applied = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "2", "b": "2"}}}
    with pytest.raises(ApiError) as exc:
        patch.server_side_apply(live, applied, "applier", "v1", force=False)
    assert exc.value.message == ('Apply failed with 2 conflicts: conflicts with "creator" using v1:\n'
                                 '- .metadata.labels.a\n- .metadata.labels.b')
    assert [c["field"] for c in exc.value.details["causes"]] == [".metadata.labels.a", ".metadata.labels.b"]


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (5, "5s"), (119, "119s"), (150, "2m30s"), (600, "10m"), (3700, "61m"),
    (3 * 3600 + 60, "3h1m"), (9 * 3600, "9h"), (3 * 86400 + 3600, "3d1h"), (10 * 86400, "10d"),
    (3 * 365 * 86400, "3y"), (9 * 365 * 86400, "9y"),
])
def test_age_formatting_matches_kube(seconds, text):
    from multus_tui.sandbox.tables import human_duration

    assert human_duration(seconds) == text


def test_pod_spec_is_immutable_but_for_images_and_binding(store):
    store.create("pods", {"metadata": {"name": "p", "namespace": "default"},
                          "spec": {"containers": [{"name": "c", "image": "a:1"}]}})
    store.mutate("pods", "default", "p", lambda o: o["spec"].update(nodeName="node-1"))  # binding
    store.mutate("pods", "default", "p", lambda o: o["spec"]["containers"][0].update(image="a:2"))
    store.mutate("pods", "default", "p", lambda o: o["metadata"].update(annotations={"k8s.v1.cni.cncf.io/networks": "x"}))
    with pytest.raises(ApiError) as exc:
        store.mutate("pods", "default", "p", lambda o: o["spec"].update(nodeName="node-2"))
    assert exc.value.code == 422
    assert exc.value.message.startswith('Pod "p" is invalid: spec: Forbidden: pod updates may not change fields '
                                        'other than `spec.containers[*].image`')
    with pytest.raises(ApiError):
        store.mutate("pods", "default", "p", lambda o: o["spec"]["containers"].append({"name": "d", "image": "i"}))


def test_self_signed_certificate_without_cryptography(monkeypatch):
    """The openssl fallback gives a usable serving certificate for 127.0.0.1 (cryptography is optional)."""
    import shutil
    import ssl
    import sys
    import tempfile
    from pathlib import Path

    from multus_tui.sandbox import auth
    from tests.conftest import need

    need(shutil.which("openssl") is not None, "openssl is not installed")
    monkeypatch.setitem(sys.modules, "cryptography", None)
    cert, key = auth.self_signed_certificate(("127.0.0.1", "localhost"))
    assert cert.startswith(b"-----BEGIN CERTIFICATE-----")
    with tempfile.TemporaryDirectory() as d:
        Path(d, "c").write_bytes(cert)
        Path(d, "k").write_bytes(key)
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(Path(d, "c")), str(Path(d, "k")))


def test_runner_listens_on_loopback_and_writes_a_private_kubeconfig(make_sandbox, tmp_path):
    import stat

    import yaml

    from multus_tui.sandbox.runner import Sandbox

    with pytest.raises(ValueError):
        Sandbox("empty", host="0.0.0.0")
    sb = make_sandbox("empty")
    assert sb.url.startswith("https://127.0.0.1:") and sb.port > 0
    kc = tmp_path / "kc.yaml"
    sb.write_kubeconfig(kc)
    assert stat.S_IMODE(kc.stat().st_mode) == 0o600
    doc = yaml.safe_load(kc.read_text())
    assert {c["name"] for c in doc["contexts"]} == {"sandbox", "sandbox-readonly"}
    assert doc["current-context"] == "sandbox"
    assert doc["clusters"][0]["cluster"]["certificate-authority-data"]
    sb.stop()
    sb.stop()  # idempotent
