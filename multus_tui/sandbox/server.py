"""The sandbox's HTTP API: a kube-apiserver stand-in on aiohttp over the ObjectStore.

One catch-all handler parses Kubernetes URLs itself (faster and closer to kube's routing than a
route table): /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]] and the same under
/apis/GROUP/VERSION. Lists are assembled from each object's cached JSON bytes; watches fan out
from one store subscription through per-watch asyncio queues.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import yaml
from aiohttp import web

from multus_tui.multus.yamlread import load_yaml

from . import auth as authz
from . import discovery, errors, openapi, patch, tables, validation
from .discovery import VIRTUAL, ResourceType
from .store import (
    Entry,
    ObjectStore,
    decode_continue,
    dumps,
    encode_continue,
    field_matches,
    label_matches,
    now_rfc3339,
    parse_field_selector,
    parse_label_selector,
)

log = logging.getLogger(__name__)

JSON = "application/json"
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
DEFAULT_WATCH_TIMEOUT_S = 1800.0
# kube-apiserver's MaxRequestBodyBytes default: 3 MiB, larger bodies get 413 before they are decoded
MAX_REQUEST_BODY = 3 * 1024 * 1024
# How long the simulated kubelet takes to stop a terminating pod's containers (capped by its grace period).
POD_TERMINATION_S = 0.5


def _json_response(obj: Any, status: int = 200, content_type: str = JSON) -> web.Response:
    return web.Response(body=dumps(obj), status=status, headers={"Content-Type": content_type})


def _error_response(err: errors.ApiError) -> web.Response:
    return _json_response(err.to_status(), status=err.code)


def _other_version(rt: ResourceType) -> bool:
    """A custom resource served at a version other than the one it is stored at."""
    return rt.custom and bool(rt.storage_version) and rt.version != rt.storage_version


def _converted(rt: ResourceType, obj: dict) -> dict:
    """The object as served at rt's version (the None conversion strategy: apiVersion only)."""
    if _other_version(rt) and isinstance(obj, dict) and obj.get("apiVersion") != rt.api_version:
        return {**obj, "apiVersion": rt.api_version}
    return obj


def _entry_bytes(rt: ResourceType, entry: Entry) -> bytes:
    return dumps(_converted(rt, entry.obj)) if _other_version(rt) else entry.raw


def _version(req: _Req) -> str | None:
    """The version a custom resource request speaks (its schema validates the body)."""
    return req.rt.version if req.rt.custom else None


class _Watcher:
    __slots__ = ("resource", "namespace", "queue")

    def __init__(self, resource: str, namespace: str | None) -> None:
        self.resource = resource
        self.namespace = namespace
        self.queue: asyncio.Queue[tuple[str, Entry] | None] = asyncio.Queue()


class _Req:
    """A parsed resource request."""

    __slots__ = ("rt", "namespace", "name", "subresource")

    def __init__(self, rt: ResourceType, namespace: str | None, name: str | None, subresource: str | None) -> None:
        self.rt = rt
        self.namespace = namespace
        self.name = name
        self.subresource = subresource


class ApiServer:
    """The aiohttp application serving an ObjectStore as kube-apiserver would."""

    def __init__(self, store: ObjectStore, authenticator: authz.Authenticator, *,
                 bookmark_interval_s: float = 5.0) -> None:
        self.store = store
        self.auth = authenticator
        self.bookmark_interval_s = bookmark_interval_s
        self._watchers: dict[str, set[_Watcher]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        # The newest resourceVersion handed to watchers; a bookmark never claims more.
        self.fanout_rv = store.resource_version
        self._stopping = False
        self._pf_flowschema_uid = str(uuid.uuid4())
        self._pf_prioritylevel_uid = str(uuid.uuid4())

    # --- lifecycle -----------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """The aiohttp application (call from within the loop that will serve it)."""
        # aiohttp stops reading a body at client_max_size (HTTPRequestEntityTooLarge, answered as kube's 413
        # in handle()), so a 70 MB body costs 3 MB of memory, not 70
        app = web.Application(client_max_size=MAX_REQUEST_BODY + 1)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)
        app.on_response_prepare.append(self._kube_headers)
        return app

    async def _kube_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        # kube-apiserver's filters stamp every response: an Audit-Id per request, no caching, the
        # API Priority and Fairness flow schema and priority level UIDs (kubectl -v=8 and client-go's
        # warning/retry logic read them); it sends no Server header.
        h = response.headers
        h.pop("Server", None)
        h["Audit-Id"] = str(uuid.uuid4())
        h.setdefault("Cache-Control", "no-cache, private")
        if response.status != 401:
            h["X-Kubernetes-Pf-Flowschema-Uid"] = self._pf_flowschema_uid
            h["X-Kubernetes-Pf-Prioritylevel-Uid"] = self._pf_prioritylevel_uid

    async def _on_startup(self, app: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        self.fanout_rv = self.store.resource_version
        self._unsubscribe = self.store.subscribe_entries(self._on_commit)

    async def _on_shutdown(self, app: web.Application) -> None:
        self._stopping = True
        if self._unsubscribe:
            self._unsubscribe()
        for watchers in self._watchers.values():
            for w in watchers:
                w.queue.put_nowait(None)

    def _on_commit(self, typ: str, resource: str, entry: Entry) -> None:
        # Called in the writer's thread, outside the store lock: hand over to the loop, in order.
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._fanout, typ, resource, entry)
        except RuntimeError:  # loop closed during shutdown
            pass

    def _fanout(self, typ: str, resource: str, entry: Entry) -> None:
        self.fanout_rv = max(self.fanout_rv, entry.rv)
        for w in self._watchers.get(resource, ()):
            if w.namespace is None or entry.obj["metadata"].get("namespace") == w.namespace:
                w.queue.put_nowait((typ, entry))

    # --- dispatch ------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point of every request."""
        try:
            return await self._handle(request)
        except errors.ApiError as err:
            return _error_response(err)
        except web.HTTPRequestEntityTooLarge:
            return _error_response(errors.too_large(MAX_REQUEST_BODY))
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must come back as a 500 Status, not a dropped connection
            log.exception("internal error serving %s %s", request.method, request.path)
            return _error_response(errors.ApiError(500, "InternalError", f"Internal error occurred: {exc}"))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok", content_type="text/plain")
        user = self.auth.authenticate(request.headers.get("Authorization"))
        parts = [p for p in path.split("/") if p]
        method = request.method
        if not parts:
            return _json_response({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/openapi/v2", "/openapi/v3",
                                             "/version"]})
        if parts[0] == "version" and len(parts) == 1:
            return _json_response(discovery.version_info())
        if parts[0] == "openapi":
            return self._openapi(request, parts[1:])
        if parts[0] == "api":
            if len(parts) == 1:
                return self._discovery(request, core=True)
            if parts[1] != "v1":
                raise errors.not_found_path()
            if len(parts) == 2:
                types = [t for t in self.store.types() if not t.group]
                return _json_response(discovery.resource_list("v1", types))
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis":
            if len(parts) == 1:
                return self._discovery(request, core=False)
            types = self.store.types()
            if len(parts) == 2:
                doc = discovery.api_group(parts[1], types)
                if doc is None:
                    raise errors.not_found_path()
                return _json_response(doc)
            group, version = parts[1], parts[2]
            if len(parts) == 3:
                gv_types = [t for t in types if t.group == group and t.version == version]
                if not gv_types:
                    raise errors.not_found_path()
                return _json_response(discovery.resource_list(f"{group}/{version}", gv_types))
            rest = parts[3:]
        else:
            raise errors.not_found_path()
        req = self._parse(group, version, rest)
        return await self._resource(request, user, method, req)

    def _parse(self, group: str, version: str, rest: list[str]) -> _Req:
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
            namespace, rest = rest[1], rest[2:]
        rt = self.store.find_type(group, version, rest[0])
        if rt is None or len(rest) > 3:
            raise errors.not_found_path()
        if namespace is not None and not rt.namespaced:
            raise errors.not_found_path()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None and sub not in rt.subresources:
            raise errors.not_found_path()
        return _Req(rt, namespace, name, sub)

    def _discovery(self, request: web.Request, *, core: bool) -> web.Response:
        accept = request.headers.get("Accept", "")
        types = self.store.types()
        if "as=APIGroupDiscoveryList" in accept and "v=v2;" in accept.replace("v=v2,", "v=v2;") + ";":
            return _json_response(discovery.aggregated(types, core=core), content_type=AGGREGATED_V2)
        if core:
            return _json_response(discovery.api_versions())
        return _json_response(discovery.api_group_list(types))

    def _openapi(self, request: web.Request, rest: list[str]) -> web.Response:
        types = self.store.types()
        if rest == ["v3"]:
            return _json_response(openapi.v3_index(types))
        if rest and rest[0] == "v3":
            doc = openapi.v3_document("/".join(rest[1:]), types)
            if doc is None:
                raise errors.not_found_path()
            return web.Response(body=doc, headers={"Content-Type": JSON, "Cache-Control": "no-cache, private"})
        if rest == ["v2"]:
            accept = request.headers.get("Accept", "")
            if "protobuf" in accept:
                return web.Response(body=openapi.v2_protobuf(), headers={
                    "Content-Type": "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"})
            return _json_response(openapi.v2_document(types))
        raise errors.not_found_path()

    # --- resources -----------------------------------------------------------------------------

    async def _resource(self, request: web.Request, user: authz.User, method: str, req: _Req) -> web.StreamResponse:
        q = request.query
        rt = req.rt
        if req.subresource in ("exec", "log"):
            return await self._pod_connect(request, user, method, req)
        if method == "GET":
            if req.name is None:
                verb = "watch" if q.get("watch") in ("1", "true", "True") else "list"
            else:
                verb = "get"
        elif method == "POST":
            verb = "create"
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
        elif method == "DELETE":
            verb = "delete" if req.name else "deletecollection"
        else:
            raise errors.method_not_allowed()
        ns_for_authz = req.namespace if rt.namespaced else None
        if verb == "create" and rt.namespaced and req.namespace is None:
            raise errors.method_not_allowed()
        if req.name is not None and verb == "create" and not req.subresource:
            raise errors.method_not_allowed()
        if req.name is None and verb in ("update", "patch"):
            raise errors.method_not_allowed()
        if rt.plural in VIRTUAL and verb != "create":
            raise errors.method_not_allowed()
        if verb not in rt.verbs and not (req.subresource and verb in ("get", "update", "patch")):
            raise errors.method_not_allowed()
        authz.authorize(user, verb, rt.plural, req.subresource, rt.group, ns_for_authz, req.name)
        dry_run = q.get("dryRun") == "All"
        if "dryRun" in q and q.get("dryRun") != "All":
            raise errors.bad_request(f'dryRun: Unsupported value: "{q.get("dryRun")}": supported values: "All"')
        if verb == "get":
            return self._get(request, req)
        if verb == "list":
            return self._list(request, req)
        if verb == "watch":
            return await self._watch(request, req)
        body_raw = await request.read()
        if verb == "create":
            if rt.plural == "selfsubjectaccessreviews":
                body = self._decode(body_raw, request)
                return _json_response(authz.self_subject_access_review(user, body), status=201)
            if rt.plural == "selfsubjectrulesreviews":
                body = self._decode(body_raw, request)
                return _json_response(authz.self_subject_rules_review(user, body), status=201)
            if rt.plural == "selfsubjectreviews":
                self._decode(body_raw, request)
                return _json_response({
                    "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                    "metadata": {"creationTimestamp": None},
                    "status": {"userInfo": {"username": user.name, "groups": list(user.groups)}}}, status=201)
            return self._create(request, req, self._decode(body_raw, request), dry_run)
        if verb == "update":
            return self._update(request, req, self._decode(body_raw, request), dry_run)
        if verb == "patch":
            return self._patch(request, req, body_raw, dry_run)
        if verb == "delete":
            return self._delete(request, req, body_raw, dry_run)
        return self._delete_collection(request, req, body_raw, dry_run)

    async def _pod_connect(self, request: web.Request, user: authz.User, method: str,
                           req: _Req) -> web.StreamResponse:
        assert req.name is not None
        if req.subresource == "log":
            if method != "GET":
                raise errors.method_not_allowed()
            authz.authorize(user, "get", "pods", "log", "", req.namespace, req.name)
            pod = self.store.get_entry("pods", req.namespace, req.name).obj
            return web.Response(text=_pod_log(pod, request.query.get("container")), content_type="text/plain")
        if method not in ("GET", "POST"):
            raise errors.method_not_allowed()
        # Like kube-apiserver (AuthorizePodWebsocketUpgradeCreatePermission), exec needs create on pods/exec.
        authz.authorize(user, "create", "pods", "exec", "", req.namespace, req.name)
        pod = self.store.get_entry("pods", req.namespace, req.name).obj
        return await serve_exec(request, pod)

    @staticmethod
    def _decode(raw: bytes, request: web.Request) -> dict:
        ctype = request.headers.get("Content-Type", JSON)
        if "protobuf" in ctype:
            return decode_protobuf_body(raw)
        if "yaml" in ctype:
            body = _load_yaml_body(raw)
        else:
            body = patch.parse_body(raw, "body")
        if not isinstance(body, dict):
            raise errors.bad_request("Object 'Kind' is missing in '" + raw.decode(errors="replace")[:200] + "'")
        return body

    def _check_kind(self, req: _Req, body: dict, *, patched: bool = False) -> None:
        rt = req.rt
        wrong = validation.metadata_decode_error(body)
        if wrong:
            # what kube's decoder says about a wrongly typed field: a 400 for a body (transformDecodeError),
            # a 422 on the field "patch" for the result of a JSON/merge patch (its jsonPatcher)
            if patched:
                shown = dumps(body).decode(errors="replace")
                shown = shown if len(shown) <= 1024 else shown[:1024] + "..."
                raise errors.invalid("", "", "", [{"type": "FieldValueInvalid", "field": "patch",
                                                   "message": f"Invalid value: {json.dumps(shown)}: {wrong}"}])
            raise errors.bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {wrong}')
        kind = body.get("kind")
        api_version = body.get("apiVersion")
        if kind and kind != rt.kind:
            raise errors.bad_request(
                f"the object provided is unrecognized (must be of type {rt.kind}): couldn't get version/kind; "
                f"json parse error: Object 'Kind' is {kind}")
        if api_version and api_version != rt.api_version:
            raise errors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API version "
                f"({rt.api_version})")
        meta = body.get("metadata")
        if meta is not None and not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        if req.namespace and isinstance(meta, dict) and meta.get("namespace") and meta["namespace"] != req.namespace:
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent on the "
                                     "request")

    @staticmethod
    def _manager(request: web.Request) -> str:
        fm = request.query.get("fieldManager")
        if fm:
            if len(fm) > 128:
                raise errors.bad_request("fieldManager: Too long: must have at most 128 bytes")
            return fm
        ua = request.headers.get("User-Agent", "unknown")
        return ua.split("/", 1)[0] or "unknown"

    def _validate_fields(self, request: web.Request, req: _Req, body: dict) -> list[str]:
        """Unknown-field check (fieldValidation=Strict/Warn); returns warnings for Warn."""
        mode = request.query.get("fieldValidation", "")
        if mode not in ("Strict", "Warn"):
            return []
        unknown = openapi.unknown_fields(req.rt, body)
        if not unknown:
            return []
        if mode == "Strict":
            if len(unknown) == 1:
                raise errors.bad_request(f'strict decoding error: unknown field "{unknown[0]}"')
            raise errors.bad_request("strict decoding error: " + ", ".join(f'unknown field "{u}"' for u in unknown))
        return [f'unknown field "{u}"' for u in unknown]

    def _respond_obj(self, request: web.Request, req: _Req, obj: dict, status: int = 200,
                     warnings: list[str] | None = None) -> web.Response:
        resp = self._render_one(request, req, _converted(req.rt, obj), status)
        for w in warnings or []:
            resp.headers.add("Warning", f'299 - "{w}"')
        return resp

    def _render_one(self, request: web.Request, req: _Req, obj: dict, status: int = 200) -> web.Response:
        if self._wants_table(request):
            t = tables.table(req.rt, [obj], resource_version=obj["metadata"].get("resourceVersion", ""),
                             include_object=request.query.get("includeObject", "Metadata"))
            return _json_response(t, status=status)
        return _json_response(obj, status=status)

    @staticmethod
    def _wants_table(request: web.Request) -> bool:
        accept = request.headers.get("Accept", "")
        return "as=Table" in accept and "g=meta.k8s.io" in accept

    # --- verbs ---------------------------------------------------------------------------------

    def _get(self, request: web.Request, req: _Req) -> web.Response:
        assert req.name is not None
        entry = self.store.get_entry(req.rt.plural, req.namespace, req.name)
        if self._wants_table(request):
            return self._render_one(request, req, _converted(req.rt, entry.obj))
        return web.Response(body=_entry_bytes(req.rt, entry), headers={"Content-Type": JSON})

    def _selected(self, request: web.Request, req: _Req) -> tuple[Callable[[dict], bool] | None, Any, Any]:
        q = request.query
        lreqs = parse_label_selector(q.get("labelSelector"))
        freqs = parse_field_selector(req.rt.plural, q.get("fieldSelector"), custom=req.rt.custom)
        if not lreqs and not freqs:
            return None, lreqs, freqs

        def match(obj: dict) -> bool:
            return (not lreqs or label_matches(obj["metadata"].get("labels"), lreqs)) and \
                (not freqs or field_matches(obj, freqs))

        return match, lreqs, freqs

    def _list(self, request: web.Request, req: _Req) -> web.Response:
        q = request.query
        rt = req.rt
        check_list_options(q, watch=False)
        match, _, _ = self._selected(request, req)
        limit = 0
        if q.get("limit"):
            try:
                limit = max(0, int(q["limit"]))
            except ValueError:
                raise errors.bad_request(f"invalid limit: {q['limit']!r}") from None
        after = None
        token = q.get("continue")
        list_rv: int | None = None
        if token:
            list_rv, after = decode_continue(token)
            if list_rv < self.store.compacted_rv:
                raise errors.gone(
                    "The provided continue parameter is too old to display a consistent list result. You can start "
                    "a new list without the continue parameter, or use the continue token in this response to "
                    "retrieve the remainder of the results. Continuing with the provided token results in an "
                    "inconsistent list - objects that were created, modified, or deleted between the time the "
                    "first chunk was returned and now may show up in the list.")
        if list_rv is None and q.get("resourceVersionMatch") == "Exact":
            # a list at exactly that resourceVersion (410 Gone once the history no longer reaches it)
            list_rv = int(q.get("resourceVersion") or 0)
            if list_rv < self.store.compacted_rv:
                raise errors.gone(f"too old resource version: {list_rv} ({self.store.compacted_rv})")
        cont = None
        remaining = None
        if limit and match is None:
            # a page costs its own length (150,000 pods in 300 pages: ~100 ms a page before, issue 18)
            entries, list_rv, total = self.store.page(rt.plural, req.namespace, after, limit, list_rv)
            if total > limit:
                last = entries[-1].obj["metadata"]
                remaining = total - limit
                cont = encode_continue(list_rv, (last.get("namespace") or "", last["name"]))
        elif list_rv is None:
            entries, list_rv = self.store.snapshot(rt.plural, req.namespace, after=after)
        else:
            entries = self.store.snapshot_at(rt.plural, list_rv, req.namespace, after=after)
        if match is not None:
            entries = [e for e in entries if match(e.obj)]
        if limit and len(entries) > limit:
            last = entries[limit - 1].obj["metadata"]
            remaining = len(entries) - limit
            entries = entries[:limit]
            cont = encode_continue(list_rv, (last.get("namespace") or "", last["name"]))
        if self._wants_table(request):
            t = tables.table(rt, [_converted(rt, e.obj) for e in entries], resource_version=str(list_rv), cont=cont,
                             remaining=remaining, include_object=q.get("includeObject", "Metadata"))
            return _json_response(t)
        meta: dict[str, Any] = {"resourceVersion": str(list_rv)}
        if cont:
            meta["continue"] = cont
            meta["remainingItemCount"] = remaining
        head = b'{"kind":"' + rt.list_kind.encode() + b'","apiVersion":"' + rt.api_version.encode() + \
            b'","metadata":' + dumps(meta) + b',"items":['
        body = head + b",".join([_entry_bytes(rt, e) for e in entries]) + b"]}"
        return web.Response(body=body, headers={"Content-Type": JSON})

    def _create(self, request: web.Request, req: _Req, body: dict, dry_run: bool) -> web.Response:
        self._check_kind(req, body)
        if req.subresource:
            raise errors.method_not_allowed()
        warnings = self._validate_fields(request, req, body)
        obj = self.store.create(req.rt.plural, body, dry_run=dry_run, namespace=req.namespace,
                                field_manager=self._manager(request), version=_version(req))
        return self._respond_obj(request, req, obj, 201, warnings)

    def _update(self, request: web.Request, req: _Req, body: dict, dry_run: bool) -> web.Response:
        self._check_kind(req, body)
        meta = body.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != req.name:
            raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL "
                                     f"({req.name})")
        meta["name"] = req.name
        warnings = self._validate_fields(request, req, body)
        if not meta.get("resourceVersion") and (req.rt.plural in ("pods", "nodes", "namespaces", "events")
                                                 or req.rt.custom):
            # kube requires a resourceVersion on update for kinds that disallow unconditional update.
            raise errors.invalid(req.rt.kind, req.rt.group, req.name or "", [{
                "type": "FieldValueInvalid", "field": "metadata.resourceVersion",
                "message": "Invalid value: 0x0: must be specified for an update"}])
        obj = self.store.update(req.rt.plural, body, subresource=req.subresource, dry_run=dry_run,
                                namespace=req.namespace, field_manager=self._manager(request),
                                version=_version(req))
        return self._respond_obj(request, req, obj, 200, warnings)

    def _patch(self, request: web.Request, req: _Req, raw: bytes, dry_run: bool) -> web.Response:
        assert req.name is not None
        rt = req.rt
        ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
        q = request.query
        force = q.get("force") in ("true", "1")
        if ctype == "application/apply-patch+yaml":
            manager = q.get("fieldManager")
            if not manager:
                raise errors.ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                      "Required value: is required for apply patch", {
                                          "group": "meta.k8s.io", "kind": "PatchOptions",
                                          "causes": [{"type": "FieldValueRequired", "message":
                                                      "Required value: is required for apply patch",
                                                      "field": "fieldManager"}]})
            applied = _load_yaml_body(raw)
            if not isinstance(applied, dict):
                raise errors.bad_request("invalid object type: expected an object for apply")
            self._check_kind(req, applied)
            if not applied.get("kind") or not applied.get("apiVersion"):
                raise errors.bad_request("invalid object type: /, Kind=")
            ameta = applied.setdefault("metadata", {})
            if ameta.get("name") and ameta["name"] != req.name:
                raise errors.bad_request(f"the name of the object ({ameta['name']}) does not match the name on the "
                                         f"URL ({req.name})")
            ameta["name"] = req.name
            if rt.namespaced:
                ameta["namespace"] = req.namespace
            warnings = self._validate_fields(request, req, applied)
            # A resourceVersion in the applied object is a precondition (optimistic concurrency), as
            # kube-apiserver's Store.Update compares the merged object's version with the stored one.
            explicit_rv = ameta.get("resourceVersion") or None
            for _ in range(10):
                try:
                    entry = self.store.get_entry(rt.plural, req.namespace, req.name)
                except errors.ApiError as exc:
                    if exc.code != 404 or req.subresource:
                        raise
                    obj = patch.server_side_apply(None, applied, manager, rt.api_version, force=force)
                    created = self.store.create(rt.plural, obj, dry_run=dry_run, namespace=req.namespace,
                                                version=_version(req))
                    return self._respond_obj(request, req, created, 201, warnings)
                new = patch.server_side_apply(_converted(rt, entry.obj), applied, manager, rt.api_version, force=force,
                                              subresource=req.subresource,
                                              include_status=req.subresource == "status"
                                              or "status" not in rt.subresources)
                new["metadata"]["resourceVersion"] = explicit_rv or entry.obj["metadata"]["resourceVersion"]
                try:
                    out = self.store.update(rt.plural, new, subresource=req.subresource, dry_run=dry_run,
                                            namespace=req.namespace, version=_version(req))
                    return self._respond_obj(request, req, out, 200, warnings)
                except errors.ApiError as exc:
                    if exc.reason != "Conflict" or "Apply failed" in exc.message or explicit_rv:
                        raise
            raise errors.conflict(rt.plural, rt.group, req.name)
        if ctype == "application/strategic-merge-patch+json" and rt.custom:
            raise errors.ApiError(415, "UnsupportedMediaType",
                                  "the body of the request was in an unknown format - accepted media types include: "
                                  "application/json-patch+json, application/merge-patch+json, "
                                  "application/apply-patch+yaml")
        if ctype not in ("application/json-patch+json", "application/merge-patch+json",
                         "application/strategic-merge-patch+json"):
            raise errors.unsupported_media_type(ctype)
        if force:
            raise errors.ApiError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: "
                                  "may not be specified for non-apply patch")
        body = patch.parse_body(raw)
        for _ in range(10):
            entry = self.store.get_entry(rt.plural, req.namespace, req.name)
            live = _converted(rt, entry.obj)
            if ctype == "application/json-patch+json":
                new = patch.json_patch(live, body)
            elif ctype == "application/merge-patch+json":
                if not isinstance(body, dict):
                    raise errors.bad_request("json: cannot unmarshal into a merge patch: not an object")
                new = patch.merge_patch(live, body)
            else:
                if not isinstance(body, dict):
                    raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
                new = patch.strategic_merge(live, body)
            if not isinstance(new, dict):
                raise errors.bad_request("the patch did not produce an object")
            self._check_kind(req, new, patched=True)
            meta = new.setdefault("metadata", {})
            if meta.get("name") != req.name:
                raise errors.bad_request(f"the name of the object ({meta.get('name')}) does not match the name on "
                                         f"the URL ({req.name})")
            # A patch that does not set resourceVersion applies to the version it was computed on.
            explicit_rv = _patch_sets_rv(ctype, body)
            if not explicit_rv:
                meta["resourceVersion"] = live["metadata"]["resourceVersion"]
            warnings = self._validate_fields(request, req, new)
            try:
                out = self.store.update(rt.plural, new, subresource=req.subresource, dry_run=dry_run,
                                        namespace=req.namespace, field_manager=self._manager(request),
                                        version=_version(req))
                return self._respond_obj(request, req, out, 200, warnings)
            except errors.ApiError as exc:
                if exc.reason != "Conflict" or explicit_rv:
                    raise
        raise errors.conflict(rt.plural, rt.group, req.name)

    def _delete_options(self, raw: bytes) -> dict:
        if not raw.strip():
            return {}
        opts = patch.parse_body(raw, "DeleteOptions")
        return opts if isinstance(opts, dict) else {}

    def _delete(self, request: web.Request, req: _Req, raw: bytes, dry_run: bool) -> web.Response:
        assert req.name is not None
        if req.subresource:
            raise errors.method_not_allowed()
        opts = self._delete_options(raw)
        dry_run = dry_run or opts.get("dryRun") == ["All"]
        if req.rt.plural == "pods" and not dry_run:
            terminating = self._graceful_pod_delete(request, req.namespace, req.name, opts)
            if terminating is not None:
                return _json_response(terminating)
        last = self.store.delete(req.rt.plural, req.namespace, req.name, dry_run=dry_run,
                                 preconditions=opts.get("preconditions"))
        if req.rt.plural in ("pods", "namespaces"):
            return _json_response(last)
        details: dict[str, Any] = {"name": req.name, "kind": req.rt.plural, "uid": last["metadata"].get("uid")}
        if req.rt.group:
            details = {"name": req.name, "group": req.rt.group, "kind": req.rt.plural,
                       "uid": last["metadata"].get("uid")}
        return _json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                               "details": details})

    def _graceful_pod_delete(self, request: web.Request, namespace: str | None, name: str,
                             opts: dict) -> dict | None:
        """A pod bound to a node is deleted gracefully, as kube-apiserver does: it gets a deletionTimestamp
        (kubectl shows "Terminating", watches see MODIFIED), then the simulated kubelet stops its
        containers and confirms with a grace-0 delete (DELETED). None: delete at once (unbound pod,
        gracePeriodSeconds=0)."""
        pod = self.store.get("pods", namespace, name)
        grace = opts.get("gracePeriodSeconds", request.query.get("gracePeriodSeconds"))
        try:
            grace = int(grace) if grace is not None else int(pod["spec"].get("terminationGracePeriodSeconds", 30))
        except (TypeError, ValueError):
            raise errors.bad_request(f"invalid gracePeriodSeconds: {grace!r}") from None
        if grace <= 0 or not pod["spec"].get("nodeName"):
            return None
        already = bool(pod["metadata"].get("deletionTimestamp"))
        out = self.store.mark_deleting("pods", namespace, name, grace, preconditions=opts.get("preconditions"))
        if not already and self._loop is not None:
            self._loop.call_later(min(float(grace), POD_TERMINATION_S), self._kubelet_confirm_delete,
                                  namespace, name, out["metadata"].get("uid"))
        return out

    def _kubelet_confirm_delete(self, namespace: str | None, name: str, uid: str | None) -> None:
        # What the kubelet does for a terminating pod: containers stopped (not ready, terminated), then
        # the final delete with the pod's uid as precondition.
        def stopped(pod: dict) -> None:
            if pod["metadata"].get("uid") != uid:
                raise errors.conflict("pods", "", name, "the pod was replaced")
            st = pod.setdefault("status", {})
            for c in st.get("conditions") or []:
                if c.get("type") in ("Ready", "ContainersReady") and c.get("status") == "True":
                    c["status"], c["reason"] = "False", "PodCompleted"
            for cs in st.get("containerStatuses") or []:
                running = (cs.get("state") or {}).get("running")
                if running is not None:
                    cs["state"] = {"terminated": {"exitCode": 0, "reason": "Completed",
                                                  "startedAt": running.get("startedAt"),
                                                  "finishedAt": now_rfc3339(),
                                                  "containerID": cs.get("containerID", "")}}
                cs["ready"], cs["started"] = False, False
        try:
            self.store.mutate("pods", namespace, name, stopped, subresource="status", field_manager="kubelet",
                              attempts=3)
            self.store.delete("pods", namespace, name, preconditions={"uid": uid})
        except errors.ApiError:
            pass  # already gone, or replaced by a new pod of the same name

    def _delete_collection(self, request: web.Request, req: _Req, raw: bytes, dry_run: bool) -> web.Response:
        opts = self._delete_options(raw)
        dry_run = dry_run or opts.get("dryRun") == ["All"]
        match, _, _ = self._selected(request, req)
        entries, rv = self.store.snapshot(req.rt.plural, req.namespace)
        items = []
        for e in entries:
            if match is not None and not match(e.obj):
                continue
            try:
                items.append(self.store.delete(req.rt.plural, e.obj["metadata"].get("namespace"),
                                               e.obj["metadata"]["name"], dry_run=dry_run))
            except errors.ApiError as exc:
                if exc.code != 404:
                    raise
        return _json_response({"kind": req.rt.list_kind, "apiVersion": req.rt.api_version,
                               "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": items})

    # --- watch ---------------------------------------------------------------------------------

    async def _watch(self, request: web.Request, req: _Req) -> web.StreamResponse:
        q = request.query
        rt = req.rt
        match, _, _ = self._selected(request, req)
        if req.name is not None:
            raise errors.method_not_allowed()
        rv_param = q.get("resourceVersion", "")
        try:
            timeout = float(q.get("timeoutSeconds") or DEFAULT_WATCH_TIMEOUT_S)
        except ValueError:
            raise errors.bad_request(f"invalid timeoutSeconds: {q.get('timeoutSeconds')!r}") from None
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        send_initial = check_list_options(q, watch=True)
        as_table = self._wants_table(request)
        include_object = q.get("includeObject", "Metadata")
        if rv_param and not rv_param.isdigit():
            raise errors.bad_request(f'resourceVersion: Invalid value: "{rv_param}": must be a number')
        watcher = _Watcher(rt.plural, req.namespace)
        self._watchers.setdefault(rt.plural, set()).add(watcher)
        resp = web.StreamResponse(headers={"Content-Type": JSON, "Cache-Control": "no-cache, private"})
        resp.enable_chunked_encoding()
        try:
            # Decide the replay before answering, so a too-old resourceVersion is known up front.
            initial: list[tuple[str, Entry]] = []
            last_rv = 0
            gone: errors.ApiError | None = None
            if send_initial is False and rv_param in ("", "0"):
                # sendInitialEvents=false without a resourceVersion: start at the most recent, no replay
                last_rv = self.store.resource_version
            elif rv_param in ("", "0") or send_initial:
                # the legacy "get state and start" (rv unset or 0), and the streaming watch-list
                # (sendInitialEvents=true, resourceVersionMatch=NotOlderThan): the current state as
                # ADDED events, in key order as the watch cache holds it; served at the newest
                # resourceVersion, which is never older than the one asked for
                entries, snap_rv = self.store.snapshot(rt.plural, req.namespace)
                initial = [("ADDED", e) for e in entries]
                last_rv = snap_rv
            else:
                try:
                    initial = self.store.events_since(rt.plural, int(rv_param))
                    if req.namespace is not None:
                        # The history is per resource; a namespaced watch replays only its namespace.
                        initial = [(t, e) for t, e in initial
                                   if e.obj["metadata"].get("namespace") == req.namespace]
                    last_rv = int(rv_param)
                except errors.ApiError as exc:
                    gone = exc
            await resp.prepare(request)
            headers_sent = False

            def encode(typ: str, entry: Entry) -> bytes | None:
                nonlocal headers_sent
                obj = entry.obj
                if match is not None and typ == "MODIFIED" and entry.prev is not None:
                    now_m, was_m = match(obj), match(entry.prev)
                    if not now_m and not was_m:
                        return None
                    if now_m and not was_m:
                        typ = "ADDED"
                    elif was_m and not now_m:
                        typ = "DELETED"
                elif match is not None and not match(obj):
                    return None
                if as_table:
                    t = tables.table(rt, [_converted(rt, obj)], resource_version=obj["metadata"]["resourceVersion"],
                                     include_object=include_object, headers=not headers_sent)
                    headers_sent = True
                    return b'{"type":"' + typ.encode() + b'","object":' + dumps(t) + b"}\n"
                return b'{"type":"' + typ.encode() + b'","object":' + _entry_bytes(rt, entry) + b"}\n"

            async def send(typ: str, entry: Entry) -> None:
                payload = encode(typ, entry)
                if payload is not None:
                    await resp.write(payload)

            if gone is not None:
                await resp.write(b'{"type":"ERROR","object":' + dumps(gone.to_status()) + b"}\n")
                return resp
            # The replay goes out in writes of ~256 KB, not one per object: 150,000 initial events
            # are 150,000 awaits otherwise (issue 18).
            chunk: list[bytes] = []
            size = 0
            for typ, entry in initial:
                payload = encode(typ, entry)
                last_rv = max(last_rv, entry.rv)
                if payload is None:
                    continue
                chunk.append(payload)
                size += len(payload)
                if size >= 262144:
                    await resp.write(b"".join(chunk))
                    chunk, size = [], 0
            if send_initial and bookmarks:
                # the watch-list's end: a bookmark annotated k8s.io/initial-events-end at the state's RV
                chunk.append(self._bookmark(rt, last_rv, initial_end=True))
            if chunk:
                await resp.write(b"".join(chunk))
            del chunk, initial
            deadline = time.monotonic() + timeout
            while not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                wait = min(remaining, self.bookmark_interval_s) if bookmarks and not as_table else remaining
                try:
                    item = await asyncio.wait_for(watcher.queue.get(), timeout=wait)
                except TimeoutError:
                    if bookmarks and not as_table and time.monotonic() < deadline:
                        if watcher.queue.empty():
                            last_rv = max(last_rv, self.fanout_rv)
                        await resp.write(self._bookmark(rt, last_rv))
                    continue
                if item is None:
                    break
                typ, entry = item
                if entry.rv <= last_rv:
                    continue  # already replayed from history or the snapshot
                last_rv = entry.rv
                await send(typ, entry)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._watchers.get(rt.plural, set()).discard(watcher)
        try:
            await resp.write_eof()
        except (ConnectionResetError, RuntimeError):
            pass
        return resp

    @staticmethod
    def _bookmark(rt: ResourceType, rv: int, *, initial_end: bool = False) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": str(rv), "creationTimestamp": None}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}
        return b'{"type":"BOOKMARK","object":' + dumps(obj) + b"}\n"


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def check_list_options(q: Any, *, watch: bool) -> bool | None:
    """kube-apiserver 1.32's ListOptions validation (apimachinery's ValidateListOptions, the WatchList
    feature gate on, as it is by default in 1.32): 422 Invalid with its causes. Returns
    sendInitialEvents (None when not given)."""
    raw = q.get("sendInitialEvents")
    send_initial: bool | None = None
    if raw is not None:
        if raw not in _TRUE + _FALSE:
            raise errors.bad_request(f'strconv.ParseBool: parsing "{raw}": invalid syntax')
        send_initial = raw in _TRUE
    match = q.get("resourceVersionMatch", "")
    rv, cont = q.get("resourceVersion", ""), q.get("continue", "")
    causes: list[dict[str, str]] = []

    def forbidden(field: str, why: str) -> None:
        causes.append({"type": "FieldValueForbidden", "message": f"Forbidden: {why}", "field": field})

    def not_supported(supported: list[str]) -> None:
        values = ", ".join(f'"{v}"' for v in supported)
        causes.append({"type": "FieldValueNotSupported",
                       "message": f'Unsupported value: "{match}": supported values: {values}',
                       "field": "resourceVersionMatch"})

    if not watch:
        if match:
            if not rv:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")
            if cont:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
            if match not in ("Exact", "NotOlderThan"):
                not_supported(["Exact", "NotOlderThan", ""])
            if match == "Exact" and rv == "0":
                forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
        if send_initial is not None:
            forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
    else:
        if send_initial is not None and match != "NotOlderThan":
            forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
        if match:
            if send_initial is None:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents "
                                                  "is provided")
            if match != "NotOlderThan":
                not_supported(["NotOlderThan"])
            if cont:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
    if causes:
        err = errors.invalid("ListOptions", "meta.k8s.io", "", causes)
        err.details.pop("name", None)  # kube's Status omits an empty name
        raise err
    return send_initial


def _load_yaml_body(raw: bytes) -> Any:
    """A YAML request body through the project's guarded reader; what does not load is a 400 in
    kube-apiserver's words (its apply handler: "error decoding YAML: " + sigs.k8s.io/yaml's
    "error converting YAML to JSON: yaml: ..."), e.g. go-yaml's "document contains excessive aliasing"."""
    try:
        return load_yaml(raw.decode("utf-8") or "null")
    except UnicodeDecodeError as exc:
        raise errors.bad_request(f"error decoding YAML: error converting YAML to JSON: yaml: invalid "
                                 f"UTF-8 ({exc.reason})") from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise errors.bad_request(f"error decoding YAML: error converting YAML to JSON: yaml: {where}"
                                 f"{problem}") from None
    except (ValueError, TypeError) as exc:  # a constructor's complaint (e.g. a bad !!timestamp)
        raise errors.bad_request(f"error decoding YAML: error converting YAML to JSON: yaml: {exc}") from None


def _pod_log(pod: dict, container: str | None) -> str:
    """A simulated container log: empty for a running container, kube's error while it is waiting."""
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in spec.get("containers") or []]
    name = pod["metadata"]["name"]
    if container is None:
        if len(names) > 1:
            raise errors.bad_request(f"a container name must be specified for pod {name}, choose one of: "
                                     f"[{' '.join(str(n) for n in names)}]")
        container = names[0] if names else ""
    if container not in names:
        raise errors.bad_request(f"container {container} is not valid for pod {name}")
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == container and "waiting" in (cs.get("state") or {}):
            reason = cs["state"]["waiting"].get("reason", "ContainerCreating")
            raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    if (pod.get("status") or {}).get("phase") != "Running":
        raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating')
    return ""


def _patch_sets_rv(ctype: str, body: Any) -> bool:
    if ctype == "application/json-patch+json":
        return any(isinstance(op, dict) and op.get("path") == "/metadata/resourceVersion" for op in body or [])
    if isinstance(body, dict):
        return bool((body.get("metadata") or {}).get("resourceVersion"))
    return False


# --- protobuf request bodies -----------------------------------------------------------------------
# kubectl's typed clients (create namespace, run, create deployment, auth can-i) send
# application/vnd.kubernetes.protobuf bodies and client-go 1.32 has no JSON fallback, so the
# server decodes the few messages those commands send. Field numbers are those of
# k8s.io/api/*/generated.proto; unknown fields are skipped. Responses stay JSON (clients accept it).

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


# --- exec: a tiny simulated shell over the Kubernetes websocket stream protocol ---------------------
# `kubectl exec` (1.32 speaks v5.channel.k8s.io over a websocket) reaches this. Every frame is one
# channel byte (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize, 255 close, v5) and data. The
# "container" answers the few commands that show a pod's networking (ip addr, ip route, hostname,
# cat /etc/resolv.conf) from the pod's network-status, so users can look inside a sandbox pod.

EXEC_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status"


def _pod_interfaces(pod: dict) -> list[dict[str, Any]]:
    ann = (pod.get("metadata") or {}).get("annotations") or {}
    try:
        entries = json.loads(ann.get(NETWORK_STATUS) or "[]")
    except (ValueError, RecursionError):
        entries = []
    ifaces: list[dict[str, Any]] = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and e.get("interface"):
            ifaces.append(e)
    if not any(i.get("interface") == "eth0" for i in ifaces):
        ip = (pod.get("status") or {}).get("podIP")
        ifaces.insert(0, {"interface": "eth0", "ips": [ip] if ip else [], "mac": "0a:58:0a:f4:00:02"})
    return ifaces


def _ip_addr(pod: dict) -> str:
    lines = ["1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000",
             "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
             "    inet 127.0.0.1/8 scope host lo",
             "       valid_lft forever preferred_lft forever"]
    for idx, iface in enumerate(_pod_interfaces(pod), start=2):
        name = iface["interface"]
        mtu = iface.get("mtu") or 1500
        lines.append(f"{idx}: {name}@if{idx + 10}: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu {mtu} qdisc noqueue "
                     f"state UP")
        lines.append(f"    link/ether {iface.get('mac', '00:00:00:00:00:00')} brd ff:ff:ff:ff:ff:ff")
        for ip in iface.get("ips") or []:
            if ":" in ip:
                lines.append(f"    inet6 {ip}/64 scope global")
            else:
                lines.append(f"    inet {ip}/24 brd {ip.rsplit('.', 1)[0]}.255 scope global {name}")
            lines.append("       valid_lft forever preferred_lft forever")
    return "\n".join(lines) + "\n"


def _requested_default_route(pod: dict, ifaces: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(gateway, interface) of an IPv4 `default-route` in the pod's networks annotation, matched to the
    interface Multus gave that selection; None when no selection asks for one."""
    from multus_tui.multus.errors import AnnotationError
    from multus_tui.multus.selection import NETWORKS_ANNOTATION, parse_networks

    meta = pod.get("metadata") or {}
    ns = meta.get("namespace", "default")
    try:
        sels = parse_networks((meta.get("annotations") or {}).get(NETWORKS_ANNOTATION) or "", ns)
    except AnnotationError:
        return None
    for i, sel in enumerate(sels):
        gws = [g for g in sel.default_route or [] if ":" not in g]
        if not gws:
            continue
        ref = "/".join(sel.target(ns))
        named = [f for f in ifaces if f.get("name") == ref]
        match = next((f for f in named if sel.interface and f.get("interface") == sel.interface), None) or \
            next((f for f in named if f.get("interface") == f"net{i + 1}"), None) or (named[0] if named else None)
        if match is not None:
            return gws[0], match["interface"]
    return None


def _ip_route(pod: dict) -> str:
    ifaces = _pod_interfaces(pod)
    gw_iface = next((i for i in ifaces if i.get("gateway")), ifaces[0])
    lines = []
    gws = gw_iface.get("gateway") or []
    ips = [ip for ip in gw_iface.get("ips") or [] if ":" not in ip]
    requested = _requested_default_route(pod, ifaces)
    if requested is not None:
        # Multus deletes every other default route and installs the requested one (reference 2.6)
        lines.append(f"default via {requested[0]} dev {requested[1]}")
    elif gws:
        lines.append(f"default via {gws[0]} dev {gw_iface['interface']}")
    elif ips:
        lines.append(f"default via {ips[0].rsplit('.', 1)[0]}.1 dev {gw_iface['interface']}")
    for iface in ifaces:
        for ip in iface.get("ips") or []:
            if ":" not in ip:
                lines.append(f"{ip.rsplit('.', 1)[0]}.0/24 dev {iface['interface']} scope link  src {ip}")
    return "\n".join(lines) + "\n"


def _resolv_conf(pod: dict) -> str:
    spec = pod.get("spec") or {}
    ns = (pod.get("metadata") or {}).get("namespace", "default")
    cfg = spec.get("dnsConfig") or {}
    if spec.get("dnsPolicy") == "None":
        servers, search = cfg.get("nameservers") or [], cfg.get("searches") or []
    else:
        servers = ["10.96.0.10"] + list(cfg.get("nameservers") or [])
        search = [f"{ns}.svc.cluster.local", "svc.cluster.local", "cluster.local"] + list(cfg.get("searches") or [])
    opts = ["ndots:5"] + [o.get("name", "") + (f":{o['value']}" if o.get("value") else "")
                          for o in cfg.get("options") or []]
    out = [f"search {' '.join(search)}"] if search else []
    out += [f"nameserver {s}" for s in servers]
    out.append(f"options {' '.join(opts)}")
    return "\n".join(out) + "\n"


def run_simulated(argv: list[str], pod: dict) -> tuple[str, str, int]:
    """Run one command in a sandbox pod's simulated container: (stdout, stderr, exit code)."""
    if not argv:
        return "", "", 0
    cmd, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    if cmd == "ip":
        sub = [a for a in args if not a.startswith("-")]
        if not sub or sub[0] in ("a", "addr", "address"):
            return _ip_addr(pod), "", 0
        if sub[0] in ("r", "route"):
            return _ip_route(pod), "", 0
        if sub[0] in ("l", "link"):
            text = "\n".join(ln for ln in _ip_addr(pod).splitlines() if not ln.startswith("    inet")
                             and not ln.startswith("       valid"))
            return text + "\n", "", 0
        return "", f'Object "{sub[0]}" is unknown, try "ip help".\n', 1
    if cmd == "hostname":
        return (pod.get("metadata") or {}).get("name", "") + "\n", "", 0
    if cmd == "cat" and args == ["/etc/resolv.conf"]:
        return _resolv_conf(pod), "", 0
    if cmd == "echo":
        return " ".join(args) + "\n", "", 0
    if cmd == "true":
        return "", "", 0
    if cmd == "false":
        return "", "", 1
    if cmd in ("sh", "bash", "ash") and len(args) >= 2 and args[0] == "-c":
        out, err, code = "", "", 0
        for part in args[1].split(";"):
            o, e, code = run_simulated(part.split(), pod)
            out, err = out + o, err + e
        return out, err, code
    return "", f"sh: {argv[0]}: not found\n", 127


class _ExecSession:
    def __init__(self, ws: web.WebSocketResponse, pod: dict, tty: bool) -> None:
        self.ws = ws
        self.pod = pod
        self.tty = tty

    async def send(self, channel: int, data: str | bytes) -> None:
        if isinstance(data, str):
            data = data.replace("\n", "\r\n").encode() if self.tty else data.encode()
        if data:
            await self.ws.send_bytes(bytes([channel]) + data)

    async def finish(self, code: int, argv: list[str]) -> None:
        if code == 0:
            status: dict[str, Any] = {"metadata": {}, "status": "Success"}
        else:
            status = {"metadata": {}, "status": "Failure",
                      "message": f"command terminated with non-zero exit code: error executing command {argv}, "
                                 f"exit code {code}",
                      "reason": "NonZeroExitCode",
                      "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
        await self.ws.send_bytes(b"\x03" + dumps(status))
        await self.ws.close()

    async def shell(self, argv: list[str]) -> None:
        """An interactive prompt: line editing on a tty, one simulated command per line."""
        # Without a tty, sh reads commands silently: no prompt, no echo (as busybox sh does).
        prompt = "/ # " if self.tty else ""
        await self.send(1, prompt)
        line = ""
        last_code = 0
        async for msg in self.ws:
            if msg.type != web.WSMsgType.BINARY or not msg.data:
                continue
            channel, data = msg.data[0], msg.data[1:]
            if channel == 255:  # v5: the client closed stdin
                break
            if channel != 0:
                continue
            for ch in data.decode(errors="replace"):
                if ch in ("\r", "\n"):
                    if self.tty:
                        await self.send(1, "\n")
                    words = line.split()
                    line = ""
                    if words and words[0] == "exit":
                        code = int(words[1]) if len(words) > 1 and words[1].isdigit() else last_code
                        await self.finish(code, argv)
                        return
                    out, err, last_code = run_simulated(words, self.pod)
                    await self.send(1, out)
                    await self.send(2 if not self.tty else 1, err)
                    await self.send(1, prompt)
                elif ch == "\x04" and not line:  # Ctrl-D on an empty line
                    await self.finish(last_code, argv)
                    return
                elif ch == "\x03":  # Ctrl-C
                    line = ""
                    await self.send(1, "^C\n" + prompt)
                elif ch in ("\x7f", "\b"):
                    if line:
                        line = line[:-1]
                        if self.tty:
                            await self.send(1, "\b \b")
                elif ch.isprintable():
                    line += ch
                    if self.tty:
                        await self.send(1, ch)
        await self.finish(last_code, argv)


async def serve_exec(request: web.Request, pod: dict) -> web.StreamResponse:
    """Answer a pods/exec websocket upgrade with the simulated container."""
    q = request.query
    argv = q.getall("command", [])
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    containers = [c.get("name") for c in spec.get("containers") or []]
    container = q.get("container") or (containers[0] if containers else "")
    if container not in containers:
        raise errors.bad_request(f"container {container} is not valid for pod {pod['metadata']['name']}")
    if not spec.get("nodeName"):
        raise errors.bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    if status.get("phase") != "Running":
        raise errors.bad_request(f"unable to upgrade connection: container not found (\"{container}\")")
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise errors.bad_request("Upgrade request required")
    ws = web.WebSocketResponse(protocols=EXEC_PROTOCOLS, heartbeat=None)
    await ws.prepare(request)
    session = _ExecSession(ws, pod, tty=q.get("tty") in ("true", "1"))
    shells = ("sh", "bash", "ash")
    # a lone shell, or `sh -c "... exec bash || exec sh"` (what the TUI's shell key runs: bash if there)
    starts_shell = bool(argv) and argv[0].rsplit("/", 1)[-1] in shells and (
        len(argv) == 1 or len(argv) == 3 and argv[1] == "-c" and any(f"exec {s}" in argv[2] for s in shells))
    interactive = q.get("stdin") in ("true", "1") and (not argv or starts_shell)
    if interactive:
        await session.shell(argv)
    else:
        out, err, code = run_simulated(argv, pod)
        await session.send(1, out)
        await session.send(2, err)
        await session.finish(code, argv)
    return ws
