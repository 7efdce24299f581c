"""Issue 14 item 3, the sandbox: request limits as kube-apiserver has them, checked with the real
kubectl and the official Python client.

Before: a 50 MB pod was accepted (kube: 413 over 3 MB of body, 422 over 256 KB of annotations), a 70 MB
body answered 500, every version of an object was kept (up to 10,000 per resource: 400 patches of a
large annotation held ~190 MB for good), a JSON patch giving an annotation the wrong type or a path
that is not a string answered 500, a body nested 10,000 levels answered 500 (RecursionError), and a
NAD config nested 10,000 levels made the simulated Multus throw and left the pod waiting without an
event."""

from __future__ import annotations

import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.sandbox.server import MAX_REQUEST_BODY
from multus_tui.sandbox.validation import ANNOTATIONS_MAX_BYTES

PODS = "/api/v1/namespaces/default/pods"


def pod_yaml(name: str, annotations: dict[str, str] | None = None) -> str:
    meta: dict = {"name": name, "namespace": "default"}
    if annotations:
        meta["annotations"] = annotations
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                       "spec": {"containers": [{"name": "c", "image": "busybox"}]}})


def raw(sb, method: str, path: str, body: bytes, ctype: str = "application/json") -> tuple[int, dict]:
    ctx = ssl.create_default_context(cadata=sb.ca_pem.decode())
    req = urllib.request.Request(sb.url + path, data=body, method=method, headers={
        "Authorization": f"Bearer {sb.token}", "Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=120) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def send_huge(sb, size: int) -> tuple[int, dict]:
    """POST `size` bytes of body, streaming, and read the answer even if the server stops reading
    early (as kube-apiserver does: the answer comes before the body is all sent)."""
    u = urlparse(sb.url)
    ctx = ssl.create_default_context(cadata=sb.ca_pem.decode())
    with socket.create_connection((u.hostname, u.port), timeout=60) as raw_sock, \
            ctx.wrap_socket(raw_sock, server_hostname=u.hostname) as s:
        head = (f"POST {PODS} HTTP/1.1\r\nHost: {u.netloc}\r\nAuthorization: Bearer {sb.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n")
        s.sendall(head.encode())
        chunk = b" " * (1 << 20)
        sent = 0
        try:
            while sent < size:
                n = min(len(chunk), size - sent)
                s.sendall(chunk[:n])
                sent += n
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the server answered and closed: read what it said
        data = b""
        try:
            while True:
                got = s.recv(65536)
                if not got:
                    break
                data += got
        except (ConnectionResetError, ssl.SSLError):
            pass
    status_line, _, rest = data.partition(b"\r\n")
    body = rest.split(b"\r\n\r\n", 1)[1]
    if b"Transfer-Encoding: chunked" in rest.split(b"\r\n\r\n", 1)[0]:
        out, pos = b"", 0
        while True:
            line_end = body.index(b"\r\n", pos)
            n = int(body[pos:line_end], 16)
            if n == 0:
                break
            out += body[line_end + 2:line_end + 2 + n]
            pos = line_end + 2 + n + 2
        body = out
    return int(status_line.split()[1]), json.loads(body)


@pytest.mark.parametrize("sandbox", ["empty"], indirect=True)
def test_bodies_over_3_mb_get_413_as_from_kube(sandbox, kubectl, tmp_path, probe):
    p = probe("sandbox: 4 MB pod / 70 MB body", fixed=True)
    big = tmp_path / "big.json"
    big.write_text(pod_yaml("big", {"note": "x" * (4 * 1024 * 1024)}))
    out = kubectl("create", "-f", str(big), check=False, timeout=120)
    assert out.returncode != 0
    assert "Request entity too large: limit is 3145728" in out.stderr, out.stderr[-500:]
    assert kubectl("get", "pods", "-o", "name").stdout.strip() == ""
    # 70 MB: still a 413 Status, answered after reading no more than the limit
    code, status = send_huge(sandbox, 70 * 1024 * 1024)
    assert (code, status["reason"], status["message"]) == (
        413, "RequestEntityTooLarge", f"Request entity too large: limit is {MAX_REQUEST_BODY}"), status
    p.survived()


@pytest.mark.parametrize("sandbox", ["empty"], indirect=True)
def test_annotations_over_256_kb_are_invalid(sandbox, kubectl, tmp_path, probe):
    p = probe("sandbox: annotations over 256 KB", fixed=True)
    # exactly the limit is accepted: keys plus values, in bytes (the key "a" takes one)
    ok = tmp_path / "ok.json"
    ok.write_text(pod_yaml("at-limit", {"a": "é" * ((ANNOTATIONS_MAX_BYTES - 1) // 2) + "x"}))
    kubectl("create", "-f", str(ok))
    over = tmp_path / "over.json"
    over.write_text(pod_yaml("over", {"a": "x" * ANNOTATIONS_MAX_BYTES}))
    out = kubectl("create", "-f", str(over), check=False)
    assert out.returncode != 0
    assert 'Pod "over" is invalid: metadata.annotations: Too long: must have at most 262144 bytes' in out.stderr, \
        out.stderr
    # growing them by a patch is refused the same way
    out = kubectl("annotate", "pod", "at-limit", "b=c", check=False)
    assert "metadata.annotations: Too long: must have at most 262144 bytes" in out.stderr, out.stderr
    p.survived()


@pytest.mark.parametrize("sandbox", [{"scenario": "empty", "history_bytes": 8 * 1024 * 1024}], indirect=True)
def test_history_is_compacted_by_size(sandbox, probe):
    """Many large versions of one object: the oldest are forgotten (as etcd compacts), and a watch from
    them is told 410 Gone, while a watch from a recent version still works."""
    p = probe("sandbox: 60 versions of a 250 KB annotation", fixed=True)
    info = load_cluster(str(sandbox.kubeconfig_path))
    v1 = client.CoreV1Api(info.api_client)
    created = v1.create_namespaced_pod("default", json.loads(pod_yaml("hot")))
    first_rv = created.metadata.resource_version
    for i in range(60):
        last = v1.patch_namespaced_pod("hot", "default", {"metadata": {"annotations": {"big": str(i % 10) * 250_000}}})
    table = sandbox.store._tables["pods"]
    assert table.history_bytes <= 8 * 1024 * 1024
    with pytest.raises(ApiException) as gone:
        for _ in watch.Watch().stream(v1.list_namespaced_pod, "default", resource_version=first_rv,
                                      timeout_seconds=5):
            pass
    assert gone.value.status == 410
    got = []
    w = watch.Watch()
    for ev in w.stream(v1.list_namespaced_pod, "default", resource_version=last.metadata.resource_version,
                       timeout_seconds=2):
        got.append(ev)
    assert got == []  # nothing newer, and no error
    info.api_client.close()
    p.survived()


@pytest.mark.parametrize("sandbox", ["empty"], indirect=True)
@pytest.mark.parametrize("patch_text, code, says", [
    # a value of the wrong type for ObjectMeta: kube's jsonPatcher decodes the result and answers 422
    ('[{"op":"add","path":"/metadata/annotations","value":[1,2]}]', 422,
     "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.annotations of type map[string]string"),
    ('[{"op":"add","path":"/metadata/labels","value":{"a":5}}]', 422,
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
    # a path that is not a string: json-patch cannot decode it (kube: 422, its generic text)
    ('[{"op":"add","path":5,"value":1}]', 422, "the server rejected our request due to an error in our request"),
    # nested 10,000 levels: Go's decoder refuses past its max depth (400)
    ('[{"op":"add","path":"/spec/x","value":' + "[" * 10_000 + "]" * 10_000 + "}]", 400,
     "exceeded max depth"),
    # a copy into its own deepest point doubles the depth (200 levels, then 400)
    ('[{"op":"add","path":"/spec/x","value":' + "[" * 200 + "]" * 200 + '},'
     '{"op":"copy","from":"/spec/x","path":"/spec/x' + "/0" * 199 + '/0"}]', 400,
     "exceeded max depth"),
])
def test_json_patch_errors_are_client_errors(sandbox, kubectl, tmp_path, patch_text, code, says, probe):
    p = probe(f"sandbox: json patch -> {code}: {says[:40]}", fixed=True)
    f = tmp_path / "pod.json"
    f.write_text(pod_yaml("target"))
    kubectl("create", "-f", str(f))
    status_code, status = raw(sandbox, "PATCH", f"{PODS}/target", patch_text.encode(), "application/json-patch+json")
    assert status_code == code, status
    assert says in status["message"], status
    if len(patch_text) < 10_000:  # and kubectl says the same (it takes the patch on its command line)
        out = kubectl("patch", "pod", "target", "--type=json", "-p", patch_text, check=False)
        assert out.returncode != 0 and says in out.stderr, out.stderr
    p.survived()


@pytest.mark.parametrize("sandbox", ["empty"], indirect=True)
@pytest.mark.parametrize("ctype", ["application/json", "application/merge-patch+json"])
def test_deeply_nested_json_bodies_are_a_400(sandbox, ctype, probe):
    p = probe(f"sandbox: {ctype} body nested 10,000 levels", fixed=True)
    deep = "[" * 10_000 + "]" * 10_000
    if ctype == "application/json":
        body = pod_yaml("deep")[:-1] + ', "x": ' + deep + "}"
        code, status = raw(sandbox, "POST", PODS, body.encode(), ctype)
    else:
        raw(sandbox, "POST", PODS, pod_yaml("deep").encode())
        code, status = raw(sandbox, "PATCH", f"{PODS}/deep", ('{"metadata":{"labels":{"x":' + deep + "}}}").encode(),
                           ctype)
    assert code == 400 and "exceeded max depth" in status["message"], status
    # 300 levels parse in Python but are past what the sandbox keeps (orjson stops at 255): also a 400
    code, status = raw(sandbox, "POST", PODS, (pod_yaml("deep2")[:-1] + ', "x": ' + "[" * 300 + "]" * 300 + "}")
                       .encode(), "application/json")
    assert code == 400, status
    # and the sandbox still lists pods
    assert raw(sandbox, "GET", PODS, b"")[0] == 200
    p.survived()


@pytest.mark.parametrize("sandbox", ["seed"], indirect=True)
@pytest.mark.parametrize("levels", [20_000, 5_000])
def test_a_deeply_nested_nad_config_fails_the_pod_with_an_event(sandbox, kubectl, tmp_path, levels, probe):
    p = probe(f"multus sim: NAD config nested {levels} levels", fixed=True)
    config = '{"cniVersion":"0.3.1","type":"macvlan","master":"eth0","x":' + "[" * levels + "]" * levels + "}"
    nad = {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
           "metadata": {"name": "deep", "namespace": "default"}, "spec": {"config": config}}
    (tmp_path / "nad.json").write_text(json.dumps(nad))
    kubectl("create", "-f", str(tmp_path / "nad.json"))
    pod = json.loads(pod_yaml("uses-deep", {"k8s.v1.cni.cncf.io/networks": "deep"}))
    (tmp_path / "pod.json").write_text(json.dumps(pod))
    kubectl("create", "-f", str(tmp_path / "pod.json"))
    deadline = time.monotonic() + 30
    while True:
        events = json.loads(kubectl("get", "events", "--field-selector", "involvedObject.name=uses-deep",
                                    "-o", "json").stdout)["items"]
        failed = [e for e in events if e["reason"] == "FailedCreatePodSandBox"]
        if failed or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert failed, [e["reason"] for e in events]
    msg = failed[0]["message"]
    assert "failed to unmarshal Spec.Config" in msg, msg
    if levels > 10_000:  # past Go's limit Multus gets Go's own error
        assert "invalid character '[' exceeded max depth" in msg, msg
    phase = json.loads(kubectl("get", "pod", "uses-deep", "-o", "json").stdout)["status"].get("phase")
    assert phase == "Pending"
    p.survived()
