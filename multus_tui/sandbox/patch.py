"""Patches and field ownership: JSON merge (RFC 7386), JSON patch (RFC 6902), strategic merge,
and server-side apply with managedFields (fieldsV1) and conflicts.

Strategic merge and field ownership need to know which lists are keyed; the sandbox knows the
keyed lists of the kinds it serves (containers by name, conditions by type, ...) instead of a
full schema. Every other list is atomic, as for custom resources without list-type markers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import errors
from .store import deep_copy, now_rfc3339

# Keyed (associative) lists by field name, as the Kubernetes types declare patchMergeKey.
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "ports": "containerPort",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "volumes": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "addresses": "type",
    "taints": "key",
    "containerStatuses": "name",
    "initContainerStatuses": "name",
    "podIPs": "ip",
    "managedFields": "",  # never merged: handled by the server
}
# Lists of scalars that merge as sets.
SET_LISTS = frozenset({"finalizers"})


def _merge_key(field: str) -> str | None:
    key = MERGE_KEYS.get(field)
    return key or None


# --- JSON merge patch ----------------------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON merge patch; returns the new value (target is not modified)."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    result = deep_copy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- JSON patch ----------------------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise errors.bad_request(f'the server rejected our request due to an error in our request: invalid JSON '
                                 f'pointer "{path}"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _lookup(doc: Any, parts: list[str]) -> tuple[bool, Any]:
    """(found, value) at a JSON pointer's parts."""
    cur = doc
    for p in parts:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
            cur = cur[int(p)]
        else:
            return False, None
    return True, cur


def _exists(doc: Any, parts: list[str]) -> bool:
    return _lookup(doc, parts)[0]


def _walk(doc: Any, parts: list[str], path: str) -> Any:
    found, value = _lookup(doc, parts)
    if not found:
        raise errors.ApiError(422, "Invalid", f"the server rejected our request due to an error in our "
                              f"request: doc is missing path: \"{path}\": missing value")
    return value


def json_patch(target: Any, ops: Any) -> Any:
    """Apply an RFC 6902 JSON patch; returns the new document.

    An operation that does not apply is kube's NewGenericServerResponse(422): reason Invalid and only
    the generic message (kube-apiserver drops json-patch's own error text, so kubectl shows "The request
    is invalid: the server rejected our request due to an error in our request")."""
    try:
        doc = _json_patch(target, ops)
    except errors.ApiError as exc:
        if exc.code != 422:
            raise
        raise errors.ApiError(422, "Invalid", "the server rejected our request due to an error in our request",
                              {}) from None
    # copy/move can double an object's depth per operation
    check_depth(doc)
    return doc


def _json_patch(target: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise errors.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = deep_copy(target)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise errors.bad_request("the server rejected our request due to an error in our request")
        kind, path = op["op"], op.get("path", "")
        if not isinstance(path, str) or not isinstance(op.get("from", ""), str):
            # evanphx/json-patch: "<op> operation failed to decode path" (a 422, worded generically above)
            raise errors.ApiError(422, "Invalid", f"{kind} operation failed to decode path")
        parts = _pointer(path)
        if kind in ("add", "replace", "test"):
            if "value" not in op:
                raise errors.bad_request(f'the server rejected our request due to an error in our request: '
                                         f'missing value for operation "{kind}"')
        if kind == "test":
            if op["value"] is None and not _exists(doc, parts):
                continue  # evanphx/json-patch: a missing member tests equal to null (whereabouts relies on it)
            if _walk(doc, parts, path) != op["value"]:
                raise errors.ApiError(422, "Invalid", f"the server rejected our request due to an error in our "
                                      f"request: testing value {path} failed: test failed")
            continue
        if kind in ("move", "copy"):
            src_parts = _pointer(op.get("from", ""))
            value = deep_copy(_walk(doc, src_parts, op.get("from", "")))
            if kind == "move":
                doc = _remove(doc, src_parts, op.get("from", ""))
            doc = _add(doc, parts, value, path, replace=False)
            continue
        if kind == "add":
            doc = _add(doc, parts, deep_copy(op["value"]), path, replace=False)
        elif kind == "replace":
            _walk(doc, parts, path)
            doc = _add(doc, parts, deep_copy(op["value"]), path, replace=True)
        elif kind == "remove":
            doc = _remove(doc, parts, path)
        else:
            raise errors.bad_request(f"the server rejected our request due to an error in our request: "
                                     f"Unexpected kind: {kind}")
    return doc


def _add(doc: Any, parts: list[str], value: Any, path: str, *, replace: bool) -> Any:
    if not parts:
        return value
    parent = _walk(doc, parts[:-1], path)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            if replace:
                parent[int(last)] = value
            else:
                parent.insert(int(last), value)
        else:
            raise errors.ApiError(422, "Invalid", f"the server rejected our request due to an error in our "
                                  f"request: add operation does not apply: doc is missing path: \"{path}\"")
    else:
        raise errors.ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: "
                              f"doc is missing path: \"{path}\"")
    return doc


def _remove(doc: Any, parts: list[str], path: str) -> Any:
    if not parts:
        return None
    parent = _walk(doc, parts[:-1], path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    else:
        raise errors.ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: "
                              f"remove operation does not apply: doc is missing path: \"{path}\": missing value")
    return doc


# --- strategic merge patch -----------------------------------------------------------------------


def strategic_merge(target: Any, patch: Any, field: str = "") -> Any:
    """Apply a strategic merge patch (keyed lists, $patch, $retainKeys, $deleteFromPrimitiveList)."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    if patch.get("$patch") == "replace":
        return {k: deep_copy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = deep_copy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            if isinstance(result.get(name), list) and isinstance(value, list):
                result[name] = [v for v in result[name] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, key)
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key), value, key)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = value
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(live: Any, patch: list, field: str) -> list:
    key = _merge_key(field)
    if field in SET_LISTS and isinstance(live, list):
        out = list(live)
        for v in patch:
            if v not in out:
                out.append(v)
        return out
    if key is None or not isinstance(live, list):
        return [strategic_merge(None, v, field) if isinstance(v, dict) else deep_copy(v) for v in patch
                if not (isinstance(v, dict) and v.get("$patch") == "delete")]
    out = deep_copy(live)
    for item in patch:
        if not isinstance(item, dict):
            continue
        if item.get("$patch") == "replace":
            return [deep_copy({k: v for k, v in i.items() if k != "$patch"}) for i in patch if isinstance(i, dict)]
        idx = next((i for i, cur in enumerate(out) if isinstance(cur, dict) and cur.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                del out[idx]
            continue
        if idx is None:
            out.append(strategic_merge(None, item, field))
        else:
            out[idx] = strategic_merge(out[idx], item, field)
    return out


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(value: Any) -> Any:
    """Go's encoding/json turns an unpaired surrogate escape into U+FFFD; Python keeps it, and a
    stored lone surrogate would later make every list of that resource unencodable."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    return value


# Nesting a body may have. Go's decoder stops at 10000 ("exceeded max depth"); Python recurses per level
# (json, orjson's encoder stops at 255, our patch functions) and stops near 1000, so the sandbox refuses
# past 255 levels, with Go's words. No Kubernetes object comes near.
MAX_DEPTH = 255


def _too_deep(what: str) -> errors.ApiError:
    return errors.bad_request(f"error decoding {what}: invalid character '[' exceeded max depth "
                              f"(the sandbox takes at most {MAX_DEPTH} levels)")


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a JSON-shaped value nests deeper than `limit` (iterative: safe on any depth)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children: Any = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if d > limit:
            return True
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return False


def check_depth(value: Any, what: str = "patch") -> None:
    """400 BadRequest when `value` nests past MAX_DEPTH."""
    if depth_exceeds(value):
        raise _too_deep(what)


def parse_body(raw: bytes, what: str = "patch") -> Any:
    """Decode a JSON body; 400 BadRequest with kube's wording when it is not JSON or nests too deep."""
    try:
        value = json.loads(raw or b"null")
    except ValueError as exc:
        raise errors.bad_request(f"error decoding {what}: {exc}") from None
    except RecursionError:
        raise _too_deep(what) from None
    # only bodies with enough brackets to nest that deep pay for the walk
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        check_depth(value, what)
    if b"\\ud" in raw or b"\\uD" in raw:  # only bodies that spell a surrogate escape pay for the walk
        value = _replace_surrogates(value)
    return value


# --- field sets (managedFields fieldsV1) ---------------------------------------------------------

# Path elements: ("f", name) | ("k", '{"name":"x"}') | ("v", json value) | ("i", index) for atomic-less lists.
PathEl = tuple[str, str]
Path = tuple[PathEl, ...]

_IGNORED_META = frozenset({"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
                           "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"})
_GRANULAR_MAPS = frozenset({"labels", "annotations", "nodeSelector", "data", "capacity", "allocatable"})


def _key_of(item: dict, key: str) -> str:
    return json.dumps({key: item.get(key)}, separators=(",", ":"))


def field_set(obj: dict, *, include_status: bool = True) -> set[Path]:
    """The set of owned paths of an object: leaves, keyed list items and granular maps' entries."""
    out: set[Path] = set()
    for k, v in obj.items():
        if k in ("apiVersion", "kind"):
            continue
        if k == "status" and not include_status:
            continue
        if k == "metadata" and isinstance(v, dict):
            for mk, mv in v.items():
                if mk in _IGNORED_META or mk in ("name", "namespace"):
                    continue
                _collect(mv, (("f", "metadata"), ("f", mk)), mk, out)
            continue
        _collect(v, (("f", k),), k, out)
    return out


def _collect(value: Any, path: Path, field: str, out: set[Path]) -> None:
    if isinstance(value, dict) and value:
        if field in _GRANULAR_MAPS:
            out.add(path + ((".", ""),))
        for k, v in value.items():
            _collect(v, path + (("f", k),), k, out)
        return
    if isinstance(value, list) and value:
        key = _merge_key(field)
        if key is not None and all(isinstance(i, dict) and key in i for i in value):
            for item in value:
                ipath = path + (("k", _key_of(item, key)),)
                out.add(ipath + ((".", ""),))
                for k, v in item.items():
                    _collect(v, ipath + (("f", k),), k, out)
            return
        if field in SET_LISTS:
            for item in value:
                out.add(path + (("v", json.dumps(item)),))
            return
    out.add(path)


def fields_tree(obj: dict) -> dict:
    """fieldsV1 of a whole object, built directly (the fast path for creates: same as to_fields_v1(field_set))."""
    out: dict = {}
    for k, v in obj.items():
        if k in ("apiVersion", "kind"):
            continue
        if k == "metadata" and isinstance(v, dict):
            meta: dict = {}
            for mk, mv in v.items():
                if mk in _IGNORED_META or mk in ("name", "namespace"):
                    continue
                meta["f:" + mk] = _tree(mv, mk)
            if meta:
                out["f:metadata"] = meta
            continue
        out["f:" + k] = _tree(v, k)
    return out


def _tree(value: Any, field: str) -> dict:
    if isinstance(value, dict) and value:
        node: dict = {".": {}} if field in _GRANULAR_MAPS else {}
        for k, v in value.items():
            node["f:" + k] = _tree(v, k)
        return node
    if isinstance(value, list) and value:
        key = _merge_key(field)
        if key is not None and all(isinstance(i, dict) and key in i for i in value):
            node = {}
            for item in value:
                inner: dict = {".": {}}
                for k, v in item.items():
                    inner["f:" + k] = _tree(v, k)
                node["k:" + _key_of(item, key)] = inner
            return node
        if field in SET_LISTS:
            return {"v:" + json.dumps(item): {} for item in value}
    return {}


def to_fields_v1(paths: set[Path]) -> dict:
    """Render a field set as the nested fieldsV1 map managedFields carries."""
    root: dict = {}
    for path in sorted(paths):
        cur = root
        for kind, name in path:
            label = "." if kind == "." else f"{kind}:{name}"
            cur = cur.setdefault(label, {})
    return root


def from_fields_v1(tree: dict, prefix: Path = ()) -> set[Path]:
    """Parse a fieldsV1 map back into a field set."""
    out: set[Path] = set()
    for label, sub in (tree or {}).items():
        if label == ".":
            out.add(prefix + ((".", ""),))
            continue
        kind, _, name = label.partition(":")
        path = prefix + ((kind, name),)
        if sub:
            out |= from_fields_v1(sub, path)
        else:
            out.add(path)
    return out


def path_string(path: Path) -> str:
    """A field path as kube prints it in conflicts: .spec.containers[name="c"].image."""
    parts = []
    for kind, name in path:
        if kind == "f":
            parts.append(f".{name}")
        elif kind == "k":
            try:
                kv = json.loads(name)
                parts.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in kv.items()) + "]")
            except ValueError:
                parts.append(f"[{name}]")
        elif kind == "v":
            parts.append(f"[={name}]")
    return "".join(parts)


def _value_at(obj: Any, path: Path) -> tuple[bool, Any]:
    cur = obj
    for kind, name in path:
        if kind == ".":
            continue
        if kind == "f":
            if not isinstance(cur, dict) or name not in cur:
                return False, None
            cur = cur[name]
        elif kind == "k":
            if not isinstance(cur, list):
                return False, None
            kv = json.loads(name)
            (k, v), = kv.items()
            match = next((i for i in cur if isinstance(i, dict) and i.get(k) == v), None)
            if match is None:
                return False, None
            cur = match
        elif kind == "v":
            if not isinstance(cur, list) or json.loads(name) not in cur:
                return False, None
            cur = json.loads(name)
    return True, cur


def _remove_path(obj: Any, path: Path) -> None:
    parents = []
    cur = obj
    for kind, name in path[:-1]:
        if kind == ".":
            continue
        parents.append(cur)
        found, cur = _value_at(cur, ((kind, name),))
        if not found:
            return
    kind, name = path[-1]
    if kind == ".":
        return
    if kind == "f" and isinstance(cur, dict):
        cur.pop(name, None)
    elif kind == "k" and isinstance(cur, list):
        (k, v), = json.loads(name).items()
        cur[:] = [i for i in cur if not (isinstance(i, dict) and i.get(k) == v)]
    elif kind == "v" and isinstance(cur, list):
        val = json.loads(name)
        cur[:] = [i for i in cur if i != val]


def _entries(obj: dict | None) -> list[dict]:
    if not obj:
        return []
    return list((obj.get("metadata") or {}).get("managedFields") or [])


def _entry(manager: str, operation: str, api_version: str, paths: set[Path], subresource: str | None) -> dict:
    return _entry_tree(manager, operation, api_version, to_fields_v1(paths), subresource)


def _entry_tree(manager: str, operation: str, api_version: str, tree: dict, subresource: str | None) -> dict:
    e: dict[str, Any] = {"manager": manager, "operation": operation, "apiVersion": api_version,
                         "time": now_rfc3339(), "fieldsType": "FieldsV1", "fieldsV1": tree}
    if subresource:
        e["subresource"] = subresource
    return e


def update_managed_fields(old: dict | None, new: dict, manager: str, api_version: str,
                          subresource: str | None) -> list[dict]:
    """managedFields after an Update operation by `manager`: it owns what it changed; others lose that."""
    if old is None:
        tree = fields_tree(new)
        return [_entry_tree(manager, "Update", api_version, tree, subresource)] if tree else []
    old_set = field_set(old) if old else set()
    new_set = field_set(new)
    changed = set()
    for p in new_set:
        if p not in old_set:
            changed.add(p)
        else:
            _, a = _value_at(old, p)
            _, b = _value_at(new, p)
            if a != b:
                changed.add(p)
    removed = old_set - new_set
    out: list[dict] = []
    mine: set[Path] = set()
    for e in _entries(old):
        paths = from_fields_v1(e.get("fieldsV1") or {})
        is_me = (e.get("manager") == manager and e.get("operation") == "Update"
                 and (e.get("subresource") or None) == subresource)
        if is_me:
            mine = paths
            continue
        paths = paths - changed - removed
        if paths:
            e = dict(e, fieldsV1=to_fields_v1(paths))
            out.append(e)
    mine = (mine - removed) | changed
    if mine:
        out.append(_entry(manager, "Update", api_version, mine, subresource))
    return out


def conflict_error(conflicts: list[tuple[dict, Path]]) -> errors.ApiError:
    """409 Conflict of a server-side apply, with kube's message and FieldManagerConflict causes."""

    def who(e: dict) -> str:
        s = json.dumps(e.get("manager", ""))
        if e.get("subresource"):
            s += f' with subresource "{e["subresource"]}"'
        if e.get("operation") == "Update":
            s += f" using {e.get('apiVersion', '')}"
        return s

    causes = [{"type": "FieldManagerConflict", "message": f"conflict with {who(e)}", "field": path_string(p)}
              for e, p in conflicts]
    if len(conflicts) == 1:
        msg = f"Apply failed with 1 conflict: conflict with {who(conflicts[0][0])}: {path_string(conflicts[0][1])}"
    else:
        by: dict[str, list[str]] = {}
        for e, p in conflicts:
            by.setdefault(who(e), []).append(path_string(p))
        lines = []
        for w in sorted(by):
            lines.append(f"conflicts with {w}:")
            lines.extend(f"- {p}" for p in by[w])
        msg = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return errors.ApiError(409, "Conflict", msg, {"causes": causes})


def _apply_merge(live: Any, applied: Any, field: str = "") -> Any:
    """Merge an applied configuration into the live object (keyed lists by key, others atomic)."""
    if isinstance(applied, dict) and isinstance(live, dict):
        out = dict(live)
        for k, v in applied.items():
            out[k] = _apply_merge(live.get(k), v, k)
        return out
    if isinstance(applied, list) and isinstance(live, list):
        key = _merge_key(field)
        if key and all(isinstance(i, dict) and key in i for i in applied + live):
            out = list(live)
            for item in applied:
                idx = next((i for i, cur in enumerate(out) if cur.get(key) == item.get(key)), None)
                if idx is None:
                    out.append(deep_copy(item))
                else:
                    out[idx] = _apply_merge(out[idx], item, field)
            return out
        if field in SET_LISTS:
            return list(live) + [v for v in applied if v not in live]
    return deep_copy(applied)


def server_side_apply(live: dict | None, applied: dict, manager: str, api_version: str, *, force: bool,
                      subresource: str | None = None, include_status: bool = True) -> dict:
    """The object a server-side apply produces (managedFields set); 409 conflict_error without force.

    live is None for a create. The caller stores the result (with the live resourceVersion for
    optimistic concurrency).
    """
    applied = deep_copy(applied)
    ameta = applied.setdefault("metadata", {})
    if ameta.get("managedFields"):
        raise errors.bad_request("metadata.managedFields must be nil")
    ameta.pop("managedFields", None)
    applied_set = field_set(applied, include_status=include_status)
    if live is None:
        obj = applied
        obj["metadata"]["managedFields"] = [_entry(manager, "Apply", api_version, applied_set, subresource)]
        return obj
    entries = _entries(live)
    conflicts: list[tuple[dict, Path]] = []
    previous: set[Path] = set()
    others: list[tuple[dict, set[Path]]] = []
    for e in entries:
        paths = from_fields_v1(e.get("fieldsV1") or {})
        if e.get("manager") == manager and e.get("operation") == "Apply" and \
                (e.get("subresource") or None) == subresource:
            previous = paths
            continue
        others.append((e, paths))
        for p in sorted(paths & applied_set):
            if p[-1][0] == ".":
                continue
            _, a = _value_at(live, p)
            _, b = _value_at(applied, p)
            if a != b:
                conflicts.append((e, p))
    if conflicts and not force:
        raise conflict_error(conflicts)
    owned_by_others: set[Path] = set()
    new_others = []
    for e, paths in others:
        if force:
            paths = paths - {p for (ce, p) in conflicts if ce is e}
        owned_by_others |= paths
        if paths:
            new_others.append(dict(e, fieldsV1=to_fields_v1(paths)))
    obj = deep_copy(live)
    # Fields this manager applied before but no longer applies are removed unless someone else owns them.
    for p in sorted(previous - applied_set - owned_by_others, key=len, reverse=True):
        if p[-1][0] == ".":
            continue
        _remove_path(obj, p)
    for k, v in applied.items():
        if k == "metadata":
            meta = obj.setdefault("metadata", {})
            for mk, mv in v.items():
                if mk in ("name", "namespace") or mk in _IGNORED_META:
                    continue
                meta[mk] = _apply_merge(meta.get(mk), mv, mk)
        elif k in ("apiVersion", "kind"):
            continue
        else:
            obj[k] = _apply_merge(obj.get(k), v, k)
    # Empty granular maps left after removals disappear, as with real apply.
    for mk in ("labels", "annotations"):
        if obj.get("metadata", {}).get(mk) == {}:
            del obj["metadata"][mk]
    new_others.append(_entry(manager, "Apply", api_version, applied_set, subresource))
    obj["metadata"]["managedFields"] = new_others
    return obj
