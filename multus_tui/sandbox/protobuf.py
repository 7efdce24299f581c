"""Protobuf request bodies: the few Kubernetes messages kubectl's typed clients send, decoded to JSON.

kubectl's typed clients (create namespace, run, create deployment, auth can-i) send
application/vnd.kubernetes.protobuf bodies and client-go 1.32 has no JSON fallback, so the
server decodes the few messages those commands send. Field numbers are those of
k8s.io/api/*/generated.proto; unknown fields are skipped. Responses stay JSON (clients accept it).
"""

from __future__ import annotations

from typing import Any

from . import errors

_PB_MAGIC = b"k8s\x00"
# message schema: field number -> (json name, kind, sub-schema name or None)
_S = "string"
_I = "int"
_B = "bool"
_M = "msg"
_RS = "rep_string"
_RM = "rep_msg"
_MSS = "map_ss"
_MQ = "map_quantity"
_T = "time"

PB_SCHEMAS: dict[str, dict[int, tuple[str, str, str | None]]] = {
    "Unknown": {1: ("typeMeta", _M, "TypeMeta"), 2: ("raw", "bytes", None), 3: ("contentEncoding", _S, None),
                4: ("contentType", _S, None)},
    "TypeMeta": {1: ("apiVersion", _S, None), 2: ("kind", _S, None)},
    "ObjectMeta": {1: ("name", _S, None), 2: ("generateName", _S, None), 3: ("namespace", _S, None),
                   5: ("uid", _S, None), 6: ("resourceVersion", _S, None), 7: ("generation", _I, None),
                   11: ("labels", _MSS, None), 12: ("annotations", _MSS, None),
                   13: ("ownerReferences", _RM, "OwnerReference"), 14: ("finalizers", _RS, None)},
    "OwnerReference": {1: ("kind", _S, None), 3: ("name", _S, None), 4: ("uid", _S, None),
                       5: ("apiVersion", _S, None), 6: ("controller", _B, None),
                       7: ("blockOwnerDeletion", _B, None)},
    "Namespace": {1: ("metadata", _M, "ObjectMeta"), 2: ("spec", _M, "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", _RS, None)},
    "Pod": {1: ("metadata", _M, "ObjectMeta"), 2: ("spec", _M, "PodSpec")},
    "PodSpec": {2: ("containers", _RM, "Container"), 3: ("restartPolicy", _S, None),
                4: ("terminationGracePeriodSeconds", _I, None), 6: ("dnsPolicy", _S, None),
                7: ("nodeSelector", _MSS, None), 8: ("serviceAccountName", _S, None), 10: ("nodeName", _S, None),
                11: ("hostNetwork", _B, None), 16: ("hostname", _S, None), 19: ("schedulerName", _S, None),
                20: ("initContainers", _RM, "Container"), 22: ("tolerations", _RM, "Toleration"),
                24: ("priorityClassName", _S, None)},
    "Container": {1: ("name", _S, None), 2: ("image", _S, None), 3: ("command", _RS, None), 4: ("args", _RS, None),
                  5: ("workingDir", _S, None), 6: ("ports", _RM, "ContainerPort"), 7: ("env", _RM, "EnvVar"),
                  8: ("resources", _M, "ResourceRequirements"), 14: ("imagePullPolicy", _S, None),
                  16: ("stdin", _B, None), 17: ("stdinOnce", _B, None), 18: ("tty", _B, None)},
    "ContainerPort": {1: ("name", _S, None), 2: ("hostPort", _I, None), 3: ("containerPort", _I, None),
                      4: ("protocol", _S, None), 5: ("hostIP", _S, None)},
    "EnvVar": {1: ("name", _S, None), 2: ("value", _S, None)},
    "ResourceRequirements": {1: ("limits", _MQ, None), 2: ("requests", _MQ, None)},
    "Toleration": {1: ("key", _S, None), 2: ("operator", _S, None), 3: ("value", _S, None), 4: ("effect", _S, None),
                   5: ("tolerationSeconds", _I, None)},
    "Deployment": {1: ("metadata", _M, "ObjectMeta"), 2: ("spec", _M, "DeploymentSpec")},
    "DeploymentSpec": {1: ("replicas", _I, None), 2: ("selector", _M, "LabelSelector"),
                       3: ("template", _M, "PodTemplateSpec"), 4: ("strategy", _M, "DeploymentStrategy"),
                       5: ("minReadySeconds", _I, None), 6: ("revisionHistoryLimit", _I, None),
                       7: ("paused", _B, None), 9: ("progressDeadlineSeconds", _I, None)},
    "DeploymentStrategy": {1: ("type", _S, None)},
    "LabelSelector": {1: ("matchLabels", _MSS, None)},
    "PodTemplateSpec": {1: ("metadata", _M, "ObjectMeta"), 2: ("spec", _M, "PodSpec")},
    "SelfSubjectAccessReview": {1: ("metadata", _M, "ObjectMeta"), 2: ("spec", _M, "SSARSpec")},
    "SelfSubjectReview": {1: ("metadata", _M, "ObjectMeta")},
    "SelfSubjectRulesReview": {1: ("metadata", _M, "ObjectMeta"), 2: ("spec", _M, "SSRRSpec")},
    "SSRRSpec": {1: ("namespace", _S, None)},
    "SSARSpec": {1: ("resourceAttributes", _M, "ResourceAttributes"),
                 2: ("nonResourceAttributes", _M, "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", _S, None), 2: ("verb", _S, None), 3: ("group", _S, None),
                           4: ("version", _S, None), 5: ("resource", _S, None), 6: ("subresource", _S, None),
                           7: ("name", _S, None)},
    "NonResourceAttributes": {1: ("path", _S, None), 2: ("verb", _S, None)},
    "Quantity": {1: ("string", _S, None)},
    "MapEntry": {1: ("key", _S, None), 2: ("value", _S, None)},
    "MapEntryQ": {1: ("key", _S, None), 2: ("value", _M, "Quantity")},
}
# Fields kube serialises even when empty (no omitempty).
_PB_KEEP_EMPTY = frozenset({"containerPort", "finalizers"})


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise errors.bad_request("protobuf body is truncated")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _pb_fields(buf: bytes):  # type: ignore[no-untyped-def]
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _varint(buf, pos)
            yield num, wire, val
        elif wire == 2:
            ln, pos = _varint(buf, pos)
            yield num, wire, buf[pos:pos + ln]
            pos += ln
        elif wire == 1:
            yield num, wire, buf[pos:pos + 8]
            pos += 8
        elif wire == 5:
            yield num, wire, buf[pos:pos + 4]
            pos += 4
        else:
            raise errors.bad_request(f"unsupported protobuf wire type {wire}")


def pb_decode(buf: bytes, schema_name: str) -> dict[str, Any]:
    """Decode one protobuf message of a known schema into its JSON shape (empty values omitted)."""
    schema = PB_SCHEMAS[schema_name]
    out: dict[str, Any] = {}
    for num, _wire, val in _pb_fields(buf):
        spec = schema.get(num)
        if spec is None:
            continue
        name, kind, sub = spec
        if kind == _S:
            out[name] = bytes(val).decode()
        elif kind == "bytes":
            out[name] = bytes(val)
        elif kind == _I:
            out[name] = val if val < 1 << 63 else val - (1 << 64)
        elif kind == _B:
            out[name] = bool(val)
        elif kind == _M:
            out[name] = pb_decode(val, sub or "")
        elif kind == _RS:
            out.setdefault(name, []).append(bytes(val).decode())
        elif kind == _RM:
            out.setdefault(name, []).append(pb_decode(val, sub or ""))
        elif kind == _MSS:
            e = pb_decode(val, "MapEntry")
            out.setdefault(name, {})[e.get("key", "")] = e.get("value", "")
        elif kind == _MQ:
            e = pb_decode(val, "MapEntryQ")
            out.setdefault(name, {})[e.get("key", "")] = (e.get("value") or {}).get("string", "0")
    return {k: v for k, v in out.items() if k in _PB_KEEP_EMPTY or v not in ("", 0, False, {}, [], None)}


def decode_protobuf_body(raw: bytes) -> dict[str, Any]:
    """Decode a application/vnd.kubernetes.protobuf request body (k8s envelope + known kind)."""
    if not raw.startswith(_PB_MAGIC):
        raise errors.bad_request("protobuf body lacks the k8s envelope")
    unknown = pb_decode(raw[len(_PB_MAGIC):], "Unknown")
    tm = unknown.get("typeMeta") or {}
    kind = tm.get("kind", "")
    if kind not in PB_SCHEMAS:
        raise errors.ApiError(415, "UnsupportedMediaType",
                              f"the sandbox cannot decode protobuf for kind {kind!r}; send application/json")
    obj = pb_decode(unknown.get("raw", b""), kind)
    obj["apiVersion"] = tm.get("apiVersion", "")
    obj["kind"] = kind
    obj.setdefault("metadata", {})
    return obj

