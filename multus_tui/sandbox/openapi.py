"""OpenAPI documents: what kubectl 1.32 reads to decide how to validate and patch.

kubectl fetches /openapi/v3 (an index of group-versions) and then the document of the object's
group-version. It looks for the PATCH operation of the object's kind (by its
x-kubernetes-group-version-kind extension) and, when that operation declares the
`fieldValidation` query parameter, leaves validation to the server (fieldValidation=Strict),
which is what the sandbox then does with `unknown_fields`.

Built-in kinds' component schemas deliberately carry no x-kubernetes-group-version-kind:
kubectl then computes strategic merge patches from its compiled-in Go types (exact) instead of
from a hand-written, necessarily partial schema. Custom resources carry their CRD schema.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .discovery import ResourceType
from .store import deep_copy, dumps

_META_FIELDS = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
    "managedFields",
}
# Top-level fields of built-in kinds (for unknown-field validation).
_TOP_FIELDS: dict[str, set[str]] = {
    "Event": {"involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type",
              "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"},
    "CustomResourceDefinition": {"spec", "status"},
    "SelfSubjectAccessReview": {"spec", "status"},
    "SelfSubjectRulesReview": {"spec", "status"},
    "SelfSubjectReview": {"status"},
}
_DEFAULT_TOP = {"spec", "status"}


def _schema_key(rt: ResourceType) -> str:
    group = ".".join(reversed(rt.group.split("."))) if rt.group else "io.k8s.api.core"
    if not rt.custom:
        base = {
            "": "io.k8s.api.core", "apps": "io.k8s.api.apps", "authorization.k8s.io": "io.k8s.api.authorization",
            "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
            "authentication.k8s.io": "io.k8s.api.authentication",
        }.get(rt.group, group)
        return f"{base}.{rt.version}.{rt.kind}"
    return f"{group}.{rt.version}.{rt.kind}"


def _gvk(rt: ResourceType) -> dict[str, str]:
    return {"group": rt.group, "version": rt.version, "kind": rt.kind}


def _param(name: str, desc: str, typ: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "description": desc, "schema": {"type": typ, "uniqueItems": True}}


_WRITE_PARAMS = [
    _param("dryRun", "When present, indicates that modifications should not be persisted."),
    _param("fieldManager", "fieldManager is a name associated with the actor or entity that is making these "
           "changes."),
    _param("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request "
           "containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict."),
]


def _ref(key: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{key}"}


def _paths(rt: ResourceType) -> dict[str, Any]:
    prefix = f"/apis/{rt.group}/{rt.version}" if rt.group else "/api/v1"
    key = _schema_key(rt)
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(key)}}}}
    ext = {"x-kubernetes-group-version-kind": _gvk(rt)}
    coll = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
    item = coll + "/{name}"
    paths: dict[str, Any] = {}
    collection: dict[str, Any] = {
        "post": {"operationId": f"create{rt.kind}", "parameters": list(_WRITE_PARAMS), "responses": ok,
                 "x-kubernetes-action": "post", **ext},
    }
    if "list" in rt.verbs:
        collection["get"] = {"operationId": f"list{rt.kind}", "responses": {"200": {"description": "OK"}},
                             "x-kubernetes-action": "list", **ext}
    paths[coll] = collection
    if "get" in rt.verbs:
        paths[item] = {
            "get": {"operationId": f"read{rt.kind}", "responses": ok, "x-kubernetes-action": "get", **ext},
            "put": {"operationId": f"replace{rt.kind}", "parameters": list(_WRITE_PARAMS), "responses": ok,
                    "x-kubernetes-action": "put", **ext},
            "patch": {"operationId": f"patch{rt.kind}", "parameters": list(_WRITE_PARAMS) + [
                _param("force", "Force is going to \"force\" Apply requests.", "boolean")],
                "responses": ok, "x-kubernetes-action": "patch", **ext},
            "delete": {"operationId": f"delete{rt.kind}", "parameters": [_WRITE_PARAMS[0]], "responses": ok,
                       "x-kubernetes-action": "delete", **ext},
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
        }
        for sub in (s for s in rt.subresources if s == "status"):
            paths[f"{item}/{sub}"] = {
                "get": {"operationId": f"read{rt.kind}Status", "responses": ok, "x-kubernetes-action": "get", **ext},
                "patch": {"operationId": f"patch{rt.kind}Status", "parameters": list(_WRITE_PARAMS),
                          "responses": ok, "x-kubernetes-action": "patch", **ext},
            }
    return paths


_OBJECT_META = {
    "description": "ObjectMeta is metadata that all persisted resources must have.",
    "type": "object",
    "properties": {
        "name": {"type": "string"}, "generateName": {"type": "string"}, "namespace": {"type": "string"},
        "uid": {"type": "string"}, "resourceVersion": {"type": "string"}, "generation": {"type": "integer"},
        "creationTimestamp": {"type": "string", "format": "date-time"},
        "deletionTimestamp": {"type": "string", "format": "date-time"},
        "labels": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
        "finalizers": {"type": "array", "items": {"type": "string", "default": ""},
                       "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"},
        "ownerReferences": {"type": "array", "items": {"type": "object"}, "x-kubernetes-list-map-keys": ["uid"],
                            "x-kubernetes-list-type": "map", "x-kubernetes-patch-merge-key": "uid",
                            "x-kubernetes-patch-strategy": "merge"},
        "managedFields": {"type": "array", "items": {"type": "object"}, "x-kubernetes-list-type": "atomic"},
    },
}
_META_KEY = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _component(rt: ResourceType) -> dict[str, Any]:
    if rt.custom and rt.schema:
        schema = dict(rt.schema)
        props = dict(schema.get("properties") or {})
        props["metadata"] = {"allOf": [_ref(_META_KEY)], "description": "Standard object's metadata."}
        schema["properties"] = props
        schema["x-kubernetes-group-version-kind"] = [_gvk(rt)]
        return schema
    props: dict[str, Any] = {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                             "metadata": {"allOf": [_ref(_META_KEY)], "default": {}}}
    for f in _TOP_FIELDS.get(rt.kind, _DEFAULT_TOP):
        props[f] = {"type": "object"} if f not in ("reason", "message", "type", "action", "reportingComponent",
                                                   "reportingInstance", "firstTimestamp", "lastTimestamp",
                                                   "eventTime", "count") else {"type": "string"}
    if rt.kind == "Event":
        props["count"] = {"type": "integer", "format": "int32"}
    return {"description": f"{rt.kind} (sandbox schema)", "type": "object", "properties": props}


def _gv_key(rt: ResourceType) -> str:
    return f"apis/{rt.group}/{rt.version}" if rt.group else "api/v1"


def v3_document_obj(gv: str, types: list[ResourceType]) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group-version ("api/v1", "apis/k8s.cni.cncf.io/v1"), or None."""
    rts = [rt for rt in types if _gv_key(rt) == gv]
    if not rts:
        return None
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {_META_KEY: _OBJECT_META}
    for rt in rts:
        paths.update(_paths(rt))
        schemas[_schema_key(rt)] = _component(rt)
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"}, "paths": paths,
            "components": {"schemas": schemas}}


def v3_document(gv: str, types: list[ResourceType]) -> bytes | None:
    """v3_document_obj serialised."""
    doc = v3_document_obj(gv, types)
    return None if doc is None else dumps(doc)


def v3_index(types: list[ResourceType]) -> dict[str, Any]:
    """/openapi/v3: one entry per group-version, with a content hash as kube-apiserver adds."""
    paths = {}
    for gv in sorted({_gv_key(rt) for rt in types}):
        body = v3_document(gv, types) or b""
        digest = hashlib.sha512(body).hexdigest()[:64].upper()
        paths[gv] = {"serverRelativeURL": f"/openapi/v3/{gv}?hash={digest}"}
    return {"paths": paths}


def v2_document(types: list[ResourceType]) -> dict[str, Any]:
    """/openapi/v2 as JSON (for clients that accept JSON; kubectl asks for protobuf and gets 406)."""
    definitions: dict[str, Any] = {_META_KEY: _OBJECT_META}
    for rt in types:
        definitions[_schema_key(rt)] = _component(rt)
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.32.0"}, "paths": {},
            "definitions": definitions}


def unknown_fields(rt: ResourceType, obj: dict) -> list[str]:
    """Fields of obj that the kind does not declare (for fieldValidation=Strict), as dotted paths."""
    out: list[str] = []
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        out.extend(f"metadata.{k}" for k in meta if k not in _META_FIELDS)
    if rt.custom and rt.schema:
        # What kube-apiserver's pruning drops is what it reports as unknown (crd_schema.prune).
        from .crd_schema import prune

        out.extend(prune(deep_copy(obj), rt.schema))
        return out
    allowed = {"apiVersion", "kind", "metadata"} | _TOP_FIELDS.get(rt.kind, _DEFAULT_TOP)
    out.extend(k for k in obj if k not in allowed)
    return out


def _pb_field(num: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (lengths here are always < 128)."""
    assert len(payload) < 128
    return bytes([(num << 3) | 2, len(payload)]) + payload


def v2_protobuf() -> bytes:
    """/openapi/v2 as kubectl asks for it (gnostic openapi_v2.Document in protobuf), without definitions.

    kubectl falls back to this document only for kinds whose group-version /openapi/v3 does not
    list (kinds the cluster does not serve). With no definition for them it skips client-side
    validation, and the apply then fails the way it does on a real cluster: "no matches for kind".
    """
    info = _pb_field(1, b"Kubernetes") + _pb_field(2, b"v1.32.0")
    return _pb_field(1, b"2.0") + _pb_field(2, info)
