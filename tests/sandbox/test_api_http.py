"""The sandbox API at the HTTP level: discovery, OpenAPI, patches, watch details, tables, errors."""

from __future__ import annotations

import contextlib
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from multus_tui.sandbox.runner import Sandbox

NADS = "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions"
PODS = "/api/v1/namespaces/default/pods"


class Http:
    """A tiny HTTPS client for the sandbox (trusting its CA, sending its admin token)."""

    def __init__(self, sb: Sandbox, token: str | None = None) -> None:
        self.sb = sb
        self.token = sb.token if token is None else token
        self.ctx = ssl.create_default_context(cadata=sb.ca_pem.decode())

    def request(self, method: str, path: str, body: Any = None, *, ctype: str = "application/json",
                accept: str = "application/json", timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Accept": accept, "Content-Type": ctype}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.sb.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        code, _, raw = self.request(method, path, body, **kw)
        return code, json.loads(raw)

    def watch_lines(self, path: str, *, accept: str = "application/json", timeout: float = 10) -> list[dict]:
        _, _, raw = self.request("GET", path, accept=accept, timeout=timeout)
        return [json.loads(ln) for ln in raw.decode().splitlines() if ln.strip()]

    @contextlib.contextmanager
    def watch(self, path: str, *, timeout: float = 30) -> Iterator[Iterator[dict]]:
        """An open watch: once this yields, the server has registered it (it answers only then), so a
        change made now is seen live; iterate for the events until the server ends the stream."""
        req = urllib.request.Request(self.sb.url + path, headers={"Accept": "application/json",
                                                                   "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as resp:
            yield (json.loads(ln) for ln in resp if ln.strip())


@pytest.fixture
def http(sandbox: Sandbox) -> Http:
    return Http(sandbox)


def _nad(name: str, **meta: Any) -> dict:
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name, **meta}, "spec": {"config": '{"cniVersion":"0.3.1","type":"bridge"}'}}


def _pod(name: str, **meta: Any) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta},
            "spec": {"containers": [{"name": "a", "image": "busybox"}, {"name": "b", "image": "busybox"}]}}


def test_unauthenticated_is_401_status(sandbox):
    code, body = Http(sandbox, token="").json("GET", "/api/v1/namespaces")
    assert code == 401
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert Http(sandbox, token="wrong").json("GET", "/version")[0] == 401


def test_discovery_legacy_and_aggregated(http):
    code, version = http.json("GET", "/version")
    assert code == 200 and version["major"] == "1" and version["minor"] == "32"
    _, groups = http.json("GET", "/apis")
    names = [g["name"] for g in groups["groups"]]
    assert {"apps", "apiextensions.k8s.io", "authorization.k8s.io", "k8s.cni.cncf.io"} <= set(names)
    _, res = http.json("GET", "/apis/k8s.cni.cncf.io/v1")
    nad = next(r for r in res["resources"] if r["name"] == "network-attachment-definitions")
    assert nad["shortNames"] == ["net-attach-def", "nad"] and nad["namespaced"] and nad["kind"] == \
        "NetworkAttachmentDefinition"
    code, hdrs, raw = http.request("GET", "/apis", accept="application/json;g=apidiscovery.k8s.io;v=v2;"
                                   "as=APIGroupDiscoveryList,application/json")
    assert "as=APIGroupDiscoveryList" in hdrs["Content-Type"]
    agg = json.loads(raw)
    assert agg["kind"] == "APIGroupDiscoveryList"
    cni = next(i for i in agg["items"] if i["metadata"]["name"] == "k8s.cni.cncf.io")
    assert cni["versions"][0]["resources"][0]["resource"] == "network-attachment-definitions"
    _, core = http.json("GET", "/api/v1")
    pods = [r for r in core["resources"] if r["name"].startswith("pods")]
    assert {r["name"] for r in pods} == {"pods", "pods/status", "pods/exec", "pods/log"}


def test_openapi_v3_declares_field_validation_for_patch(http):
    _, index = http.json("GET", "/openapi/v3")
    url = index["paths"]["apis/k8s.cni.cncf.io/v1"]["serverRelativeURL"]
    assert "?hash=" in url
    _, doc = http.json("GET", url)
    patch_ops = [p["patch"] for p in doc["paths"].values() if "patch" in p]
    op = next(o for o in patch_ops if o["x-kubernetes-group-version-kind"]["kind"] == "NetworkAttachmentDefinition")
    assert any(p["name"] == "fieldValidation" and p["in"] == "query" for p in op["parameters"])
    schema = next(s for s in doc["components"]["schemas"].values()
                  if s.get("x-kubernetes-group-version-kind") == [
                      {"group": "k8s.cni.cncf.io", "version": "v1", "kind": "NetworkAttachmentDefinition"}])
    assert schema["properties"]["spec"]["properties"]["config"]["type"] == "string"


def test_nad_endpoints_follow_the_crd(http):
    assert http.json("POST", NADS, _nad("a"))[0] == 201
    crd = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/network-attachment-definitions.k8s.cni.cncf.io"
    assert http.json("DELETE", crd)[0] == 200
    code, body = http.json("GET", NADS)
    assert code == 404 and body["reason"] == "NotFound"
    assert http.json("GET", "/apis/k8s.cni.cncf.io/v1")[0] == 404


def test_json_patch_merge_patch_and_strategic_merge(http):
    assert http.json("POST", PODS, _pod("p", labels={"a": "1"}))[0] == 201
    code, pod = http.json("PATCH", PODS + "/p", [{"op": "add", "path": "/metadata/labels/b", "value": "2"},
                                                 {"op": "remove", "path": "/metadata/labels/a"}],
                          ctype="application/json-patch+json")
    assert code == 200 and pod["metadata"]["labels"] == {"b": "2"}
    code, pod = http.json("PATCH", PODS + "/p", {"metadata": {"annotations": {"x": "y"}, "labels": {"b": None}}},
                          ctype="application/merge-patch+json")
    assert code == 200 and pod["metadata"]["annotations"] == {"x": "y"} and not pod["metadata"].get("labels")
    # A pod's containers are immutable, as in kube.
    code, body = http.json("PATCH", PODS + "/p", {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}},
                           ctype="application/strategic-merge-patch+json")
    assert code == 422 and "pod updates may not change fields" in body["message"]
    # Strategic merge on a pod template: containers merge by name; $patch: delete removes one.
    deps = "/apis/apps/v1/namespaces/default/deployments"
    template = {"metadata": {"labels": {"app": "d"}}, "spec": _pod("x")["spec"]}
    assert http.json("POST", deps, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                                    "spec": {"selector": {"matchLabels": {"app": "d"}}, "template": template}})[0] == 201
    code, dep = http.json("PATCH", deps + "/d", {"spec": {"template": {
        "metadata": {"annotations": {"k8s.v1.cni.cncf.io/networks": "n1"}},
        "spec": {"containers": [{"name": "b", "image": "alpine"}, {"name": "a", "$patch": "delete"}]}}}},
        ctype="application/strategic-merge-patch+json")
    assert code == 200
    assert [(c["name"], c["image"]) for c in dep["spec"]["template"]["spec"]["containers"]] == [("b", "alpine")]
    assert dep["spec"]["template"]["metadata"] == {"labels": {"app": "d"},
                                                   "annotations": {"k8s.v1.cni.cncf.io/networks": "n1"}}
    assert dep["metadata"]["generation"] == 2
    code, body = http.json("PATCH", PODS + "/p", [{"op": "test", "path": "/metadata/name", "value": "zzz"}],
                           ctype="application/json-patch+json")
    assert code == 422
    code, body = http.json("PATCH", NADS + "/none", {"x": 1}, ctype="application/merge-patch+json")
    assert code == 404
    assert http.json("POST", NADS, _nad("n"))[0] == 201
    code, body = http.json("PATCH", NADS + "/n", {"metadata": {"labels": {"a": "b"}}},
                           ctype="application/strategic-merge-patch+json")
    assert code == 415 and body["reason"] == "UnsupportedMediaType"


def test_patch_with_stale_resource_version_conflicts(http):
    _, nad = http.json("POST", NADS, _nad("n"))
    http.json("PATCH", NADS + "/n", {"metadata": {"labels": {"a": "b"}}}, ctype="application/merge-patch+json")
    code, body = http.json("PATCH", NADS + "/n", {"metadata": {"resourceVersion": nad["metadata"]["resourceVersion"],
                                                               "labels": {"c": "d"}}},
                           ctype="application/merge-patch+json")
    assert code == 409 and body["reason"] == "Conflict"
    assert body["message"] == ('Operation cannot be fulfilled on network-attachment-definitions.k8s.cni.cncf.io "n": '
                               'the object has been modified; please apply your changes to the latest version and '
                               'try again')
    assert body["details"] == {"name": "n", "group": "k8s.cni.cncf.io", "kind": "network-attachment-definitions"}


def test_resource_version_is_monotonic_across_resources(http):
    rvs = []
    for i in range(3):
        rvs.append(int(http.json("POST", NADS, _nad(f"n{i}"))[1]["metadata"]["resourceVersion"]))
        rvs.append(int(http.json("POST", PODS, _pod(f"p{i}"))[1]["metadata"]["resourceVersion"]))
    assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs)


def test_watch_bookmarks_and_timeout(make_sandbox):
    sb = make_sandbox("empty", bookmark_interval_s=0.3)
    http = Http(sb)
    rv = http.json("GET", NADS)[1]["metadata"]["resourceVersion"]
    start = time.monotonic()
    events = []
    with http.watch(f"{NADS}?watch=1&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=3") as stream:
        sb.store.create("network-attachment-definitions", _nad("w"), namespace="default")  # while it is open
        for ev in stream:  # until the server ends the stream
            events.append(ev)
            assert time.monotonic() - start < 60, "the server never ended the watch (timeoutSeconds=3)"
    # ended by the server's timeoutSeconds, not earlier (a lower bound: load cannot make it shorter)
    assert time.monotonic() - start >= 2.5
    changes = [e for e in events if e["type"] != "BOOKMARK"]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in changes] == [("ADDED", "w")]
    # bookmarks (every 0.3 s) carry a resourceVersion at least that of the change they follow
    after = events[events.index(changes[0]) + 1:]
    bookmark = next(e for e in after if e["type"] == "BOOKMARK")["object"]
    assert bookmark["kind"] == "NetworkAttachmentDefinition"
    assert int(bookmark["metadata"]["resourceVersion"]) >= int(changes[0]["object"]["metadata"]["resourceVersion"])


def test_watch_without_resource_version_starts_with_current_objects(http):
    http.json("POST", NADS, _nad("existing"))
    events = http.watch_lines(f"{NADS}?watch=true&timeoutSeconds=1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "existing")]


def test_watch_with_selector_reports_objects_leaving_it(http, sandbox):
    http.json("POST", NADS, _nad("sel", labels={"team": "a"}))
    rv = http.json("GET", NADS)[1]["metadata"]["resourceVersion"]
    with http.watch(f"{NADS}?watch=1&resourceVersion={rv}&labelSelector=team%3Da&timeoutSeconds=30") as stream:
        # changed while the watch is open (it is registered once it answered)
        sandbox.store.mutate("network-attachment-definitions", "default", "sel",
                             lambda o: o["metadata"]["labels"].update(team="b"))
        sandbox.store.mutate("network-attachment-definitions", "default", "sel",
                             lambda o: o["metadata"]["labels"].update(team="a"))
        events = [next(stream), next(stream)]  # the two changes; nothing else changes
    assert [e["type"] for e in events] == ["DELETED", "ADDED"]


def test_watch_from_compacted_version_gets_410_error_event(http, sandbox):
    rv = http.json("GET", NADS)[1]["metadata"]["resourceVersion"]
    http.json("POST", NADS, _nad("x"))
    sandbox.store.compact()
    events = http.watch_lines(f"{NADS}?watch=1&resourceVersion={rv}")
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert status["code"] == 410 and status["reason"] == "Expired"
    assert status["message"].startswith(f"too old resource version: {rv} (")


def test_table_output_for_pods_and_custom_resources(http):
    http.json("POST", PODS, _pod("t"))
    http.json("POST", NADS, _nad("t"))
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    _, table = http.json("GET", PODS, accept=accept)
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == \
        ["Name", "Ready", "Status", "Restarts", "Age"]
    cells = table["rows"][0]["cells"]
    assert cells[0] == "t" and cells[1].endswith("/2") and isinstance(cells[3], str)
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    _, table = http.json("GET", NADS, accept=accept)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]


def test_delete_collection_and_deletion_preconditions(http):
    for i in range(3):
        http.json("POST", NADS, _nad(f"d{i}", labels={"x": "1" if i < 2 else "2"}))
    code, body = http.json("DELETE", NADS + "?labelSelector=x%3D1")
    assert code == 200 and len(body["items"]) == 2
    assert [i["metadata"]["name"] for i in http.json("GET", NADS)[1]["items"]] == ["d2"]
    code, body = http.json("DELETE", NADS + "/d2", {"preconditions": {"uid": "not-it"}})
    assert code == 409 and "Precondition failed: UID in precondition: not-it" in body["message"]


def test_readonly_token_and_self_subject_access_review(sandbox):
    ro = Http(sandbox, token=sandbox.readonly_token)
    assert ro.json("GET", NADS)[0] == 200
    code, body = ro.json("POST", NADS, _nad("x"))
    assert code == 403 and body["reason"] == "Forbidden"
    assert body["message"] == ('network-attachment-definitions.k8s.cni.cncf.io is forbidden: User '
                               '"sandbox-readonly" cannot create resource "network-attachment-definitions" in API '
                               'group "k8s.cni.cncf.io" in the namespace "default"')
    code, body = ro.json("DELETE", "/api/v1/namespaces/default")
    assert code == 403 and body["message"] == ('namespaces "default" is forbidden: User "sandbox-readonly" cannot '
                                               'delete resource "namespaces" in API group "" at the cluster scope')
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "patch", "resource": "pods", "namespace": "default"}}}
    code, body = ro.json("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
    assert code == 201 and body["status"]["allowed"] is False
    code, body = Http(sandbox).json("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
    assert body["status"]["allowed"] is True


def test_names_are_validated_like_kube(http):
    code, body = http.json("POST", "/api/v1/namespaces", {"metadata": {"name": "has.dot"}})
    assert code == 422 and body["details"]["causes"][0]["field"] == "metadata.name"
    assert "RFC 1123 label" in body["message"]
    code, body = http.json("POST", NADS, _nad("ok.with.dots"))
    assert code == 201
    code, body = http.json("POST", NADS, _nad("x" * 254))
    assert code == 422 and "must be no more than 253 characters" in body["message"]
    code, body = http.json("POST", NADS, {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                                          "metadata": {}})
    assert code == 422 and "name or generateName is required" in body["message"]
    code, body = http.json("POST", NADS, _nad("bad-label", labels={"a": "not ok!"}))
    assert code == 422 and body["details"]["causes"][0]["field"] == "metadata.labels"


def test_namespace_delete_removes_contents_and_emits_deletes(http, sandbox):
    http.json("POST", "/api/v1/namespaces", {"metadata": {"name": "gone"}})
    http.json("POST", "/api/v1/namespaces/gone/pods", _pod("p"))
    http.json("POST", "/apis/k8s.cni.cncf.io/v1/namespaces/gone/network-attachment-definitions", _nad("n"))
    deleted: list[tuple[str, str]] = []
    sandbox.store.subscribe(lambda t, r, o: t == "DELETED" and deleted.append((r, o["metadata"]["name"])))
    assert http.json("DELETE", "/api/v1/namespaces/gone")[0] == 200
    assert ("pods", "p") in deleted and ("network-attachment-definitions", "n") in deleted
    assert deleted[-1] == ("namespaces", "gone")
    assert http.json("GET", "/api/v1/namespaces/gone/pods/p")[0] == 404
    assert http.json("POST", "/api/v1/namespaces/gone/pods", _pod("q"))[0] == 404
