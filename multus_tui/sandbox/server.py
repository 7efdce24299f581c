"""The sandbox's HTTP API: a kube-apiserver stand-in on aiohttp over the ObjectStore.

One catch-all handler parses Kubernetes URLs itself (faster and closer to kube's routing than a
route table): /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]] and the same under
/apis/GROUP/VERSION, authorizes the verb and serves it. Lists are assembled from each object's
cached JSON bytes. Its neighbours hold the other concerns: `watch` (watch streaming), `bodies`
(request bodies), `protobuf` (protobuf bodies), `container` (pods/exec and pods/log) and
`apirequest` (what the verbs share).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from aiohttp import web

from . import auth as authz
from . import bodies, container, discovery, errors, openapi, patch, tables
from .apirequest import (
    JSON,
    Req,
    check_list_options,
    converted,
    entry_bytes,
    error_response,
    json_response,
    selected,
    wants_table,
)
from .discovery import VIRTUAL
from .store import ObjectStore, decode_continue, dumps, encode_continue, now_rfc3339
from .watch import WatchHub

log = logging.getLogger(__name__)

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
# kube-apiserver's MaxRequestBodyBytes default: 3 MiB, larger bodies get 413 before they are decoded
MAX_REQUEST_BODY = 3 * 1024 * 1024
# How long the simulated kubelet takes to stop a terminating pod's containers (capped by its grace period).
POD_TERMINATION_S = 0.5


class ApiServer:
    """The aiohttp application serving an ObjectStore as kube-apiserver would."""

    def __init__(self, store: ObjectStore, authenticator: authz.Authenticator, *,
                 bookmark_interval_s: float = 5.0) -> None:
        self.store = store
        self.auth = authenticator
        self.watches = WatchHub(store, bookmark_interval_s=bookmark_interval_s)
        self._loop: asyncio.AbstractEventLoop | None = None
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
        self.watches.start()

    async def _on_shutdown(self, app: web.Application) -> None:
        self.watches.stop()

    # --- dispatch ------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point of every request."""
        try:
            return await self._handle(request)
        except errors.ApiError as err:
            return error_response(err)
        except web.HTTPRequestEntityTooLarge:
            return error_response(errors.too_large(MAX_REQUEST_BODY))
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must come back as a 500 Status, not a dropped connection
            log.exception("internal error serving %s %s", request.method, request.path)
            return error_response(errors.ApiError(500, "InternalError", f"Internal error occurred: {exc}"))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok", content_type="text/plain")
        user = self.auth.authenticate(request.headers.get("Authorization"))
        parts = [p for p in path.split("/") if p]
        method = request.method
        if not parts:
            return json_response({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/openapi/v2", "/openapi/v3",
                                             "/version"]})
        if parts[0] == "version" and len(parts) == 1:
            return json_response(discovery.version_info())
        if parts[0] == "openapi":
            return self._openapi(request, parts[1:])
        if parts[0] == "api":
            if len(parts) == 1:
                return self._discovery(request, core=True)
            if parts[1] != "v1":
                raise errors.not_found_path()
            if len(parts) == 2:
                types = [t for t in self.store.types() if not t.group]
                return json_response(discovery.resource_list("v1", types))
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis":
            if len(parts) == 1:
                return self._discovery(request, core=False)
            types = self.store.types()
            if len(parts) == 2:
                doc = discovery.api_group(parts[1], types)
                if doc is None:
                    raise errors.not_found_path()
                return json_response(doc)
            group, version = parts[1], parts[2]
            if len(parts) == 3:
                gv_types = [t for t in types if t.group == group and t.version == version]
                if not gv_types:
                    raise errors.not_found_path()
                return json_response(discovery.resource_list(f"{group}/{version}", gv_types))
            rest = parts[3:]
        else:
            raise errors.not_found_path()
        req = self._parse(group, version, rest)
        return await self._resource(request, user, method, req)

    def _parse(self, group: str, version: str, rest: list[str]) -> Req:
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
        return Req(rt, namespace, name, sub)

    def _discovery(self, request: web.Request, *, core: bool) -> web.Response:
        accept = request.headers.get("Accept", "")
        types = self.store.types()
        if "as=APIGroupDiscoveryList" in accept and "v=v2;" in accept.replace("v=v2,", "v=v2;") + ";":
            return json_response(discovery.aggregated(types, core=core), content_type=AGGREGATED_V2)
        if core:
            return json_response(discovery.api_versions())
        return json_response(discovery.api_group_list(types))

    def _openapi(self, request: web.Request, rest: list[str]) -> web.Response:
        types = self.store.types()
        if rest == ["v3"]:
            return json_response(openapi.v3_index(types))
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
            return json_response(openapi.v2_document(types))
        raise errors.not_found_path()

    # --- resources -----------------------------------------------------------------------------

    async def _resource(self, request: web.Request, user: authz.User, method: str, req: Req) -> web.StreamResponse:
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
            return await self.watches.serve(request, req)
        body_raw = await request.read()
        if verb == "create":
            if rt.plural == "selfsubjectaccessreviews":
                body = bodies.decode(body_raw, request)
                return json_response(authz.self_subject_access_review(user, body), status=201)
            if rt.plural == "selfsubjectrulesreviews":
                body = bodies.decode(body_raw, request)
                return json_response(authz.self_subject_rules_review(user, body), status=201)
            if rt.plural == "selfsubjectreviews":
                bodies.decode(body_raw, request)
                return json_response({
                    "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                    "metadata": {"creationTimestamp": None},
                    "status": {"userInfo": {"username": user.name, "groups": list(user.groups)}}}, status=201)
            return self._create(request, req, bodies.decode(body_raw, request), dry_run)
        if verb == "update":
            return self._update(request, req, bodies.decode(body_raw, request), dry_run)
        if verb == "patch":
            return self._patch(request, req, body_raw, dry_run)
        if verb == "delete":
            return self._delete(request, req, body_raw, dry_run)
        return self._delete_collection(request, req, body_raw, dry_run)

    async def _pod_connect(self, request: web.Request, user: authz.User, method: str,
                           req: Req) -> web.StreamResponse:
        assert req.name is not None
        if req.subresource == "log":
            if method != "GET":
                raise errors.method_not_allowed()
            authz.authorize(user, "get", "pods", "log", "", req.namespace, req.name)
            pod = self.store.get_entry("pods", req.namespace, req.name).obj
            return web.Response(text=container.pod_log(pod, request.query.get("container")), content_type="text/plain")
        if method not in ("GET", "POST"):
            raise errors.method_not_allowed()
        # Like kube-apiserver (AuthorizePodWebsocketUpgradeCreatePermission), exec needs create on pods/exec.
        authz.authorize(user, "create", "pods", "exec", "", req.namespace, req.name)
        pod = self.store.get_entry("pods", req.namespace, req.name).obj
        return await container.serve_exec(request, pod)

    def _respond_obj(self, request: web.Request, req: Req, obj: dict, status: int = 200,
                     warnings: list[str] | None = None) -> web.Response:
        resp = self._render_one(request, req, converted(req.rt, obj), status)
        for w in warnings or []:
            resp.headers.add("Warning", f'299 - "{w}"')
        return resp

    def _render_one(self, request: web.Request, req: Req, obj: dict, status: int = 200) -> web.Response:
        if wants_table(request):
            t = tables.table(req.rt, [obj], resource_version=obj["metadata"].get("resourceVersion", ""),
                             include_object=request.query.get("includeObject", "Metadata"))
            return json_response(t, status=status)
        return json_response(obj, status=status)

    # --- verbs ---------------------------------------------------------------------------------

    def _get(self, request: web.Request, req: Req) -> web.Response:
        assert req.name is not None
        entry = self.store.get_entry(req.rt.plural, req.namespace, req.name)
        if wants_table(request):
            return self._render_one(request, req, converted(req.rt, entry.obj))
        return web.Response(body=entry_bytes(req.rt, entry), headers={"Content-Type": JSON})

    def _list(self, request: web.Request, req: Req) -> web.Response:
        q = request.query
        rt = req.rt
        check_list_options(q, watch=False)
        match = selected(request, req)
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
        if wants_table(request):
            t = tables.table(rt, [converted(rt, e.obj) for e in entries], resource_version=str(list_rv), cont=cont,
                             remaining=remaining, include_object=q.get("includeObject", "Metadata"))
            return json_response(t)
        meta: dict[str, Any] = {"resourceVersion": str(list_rv)}
        if cont:
            meta["continue"] = cont
            meta["remainingItemCount"] = remaining
        head = b'{"kind":"' + rt.list_kind.encode() + b'","apiVersion":"' + rt.api_version.encode() + \
            b'","metadata":' + dumps(meta) + b',"items":['
        body = head + b",".join([entry_bytes(rt, e) for e in entries]) + b"]}"
        return web.Response(body=body, headers={"Content-Type": JSON})

    def _create(self, request: web.Request, req: Req, body: dict, dry_run: bool) -> web.Response:
        bodies.check_kind(req, body)
        if req.subresource:
            raise errors.method_not_allowed()
        warnings = bodies.validate_fields(request, req, body)
        obj = self.store.create(req.rt.plural, body, dry_run=dry_run, namespace=req.namespace,
                                field_manager=bodies.manager(request), version=req.version)
        return self._respond_obj(request, req, obj, 201, warnings)

    def _update(self, request: web.Request, req: Req, body: dict, dry_run: bool) -> web.Response:
        bodies.check_kind(req, body)
        meta = body.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != req.name:
            raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL "
                                     f"({req.name})")
        meta["name"] = req.name
        warnings = bodies.validate_fields(request, req, body)
        if not meta.get("resourceVersion") and (req.rt.plural in ("pods", "nodes", "namespaces", "events")
                                                 or req.rt.custom):
            # kube requires a resourceVersion on update for kinds that disallow unconditional update.
            raise errors.invalid(req.rt.kind, req.rt.group, req.name or "", [{
                "type": "FieldValueInvalid", "field": "metadata.resourceVersion",
                "message": "Invalid value: 0x0: must be specified for an update"}])
        obj = self.store.update(req.rt.plural, body, subresource=req.subresource, dry_run=dry_run,
                                namespace=req.namespace, field_manager=bodies.manager(request),
                                version=req.version)
        return self._respond_obj(request, req, obj, 200, warnings)

    def _patch(self, request: web.Request, req: Req, raw: bytes, dry_run: bool) -> web.Response:
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
            applied = bodies.load_yaml_body(raw)
            if not isinstance(applied, dict):
                raise errors.bad_request("invalid object type: expected an object for apply")
            bodies.check_kind(req, applied)
            if not applied.get("kind") or not applied.get("apiVersion"):
                raise errors.bad_request("invalid object type: /, Kind=")
            ameta = applied.setdefault("metadata", {})
            if ameta.get("name") and ameta["name"] != req.name:
                raise errors.bad_request(f"the name of the object ({ameta['name']}) does not match the name on the "
                                         f"URL ({req.name})")
            ameta["name"] = req.name
            if rt.namespaced:
                ameta["namespace"] = req.namespace
            warnings = bodies.validate_fields(request, req, applied)
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
                                                version=req.version)
                    return self._respond_obj(request, req, created, 201, warnings)
                new = patch.server_side_apply(converted(rt, entry.obj), applied, manager, rt.api_version, force=force,
                                              subresource=req.subresource,
                                              include_status=req.subresource == "status"
                                              or "status" not in rt.subresources)
                new["metadata"]["resourceVersion"] = explicit_rv or entry.obj["metadata"]["resourceVersion"]
                try:
                    out = self.store.update(rt.plural, new, subresource=req.subresource, dry_run=dry_run,
                                            namespace=req.namespace, version=req.version)
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
            live = converted(rt, entry.obj)
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
            bodies.check_kind(req, new, patched=True)
            meta = new.setdefault("metadata", {})
            if meta.get("name") != req.name:
                raise errors.bad_request(f"the name of the object ({meta.get('name')}) does not match the name on "
                                         f"the URL ({req.name})")
            # A patch that does not set resourceVersion applies to the version it was computed on.
            explicit_rv = bodies.patch_sets_rv(ctype, body)
            if not explicit_rv:
                meta["resourceVersion"] = live["metadata"]["resourceVersion"]
            warnings = bodies.validate_fields(request, req, new)
            try:
                out = self.store.update(rt.plural, new, subresource=req.subresource, dry_run=dry_run,
                                        namespace=req.namespace, field_manager=bodies.manager(request),
                                        version=req.version)
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

    def _delete(self, request: web.Request, req: Req, raw: bytes, dry_run: bool) -> web.Response:
        assert req.name is not None
        if req.subresource:
            raise errors.method_not_allowed()
        opts = self._delete_options(raw)
        dry_run = dry_run or opts.get("dryRun") == ["All"]
        if req.rt.plural == "pods" and not dry_run:
            terminating = self._graceful_pod_delete(request, req.namespace, req.name, opts)
            if terminating is not None:
                return json_response(terminating)
        last = self.store.delete(req.rt.plural, req.namespace, req.name, dry_run=dry_run,
                                 preconditions=opts.get("preconditions"))
        if req.rt.plural in ("pods", "namespaces"):
            return json_response(last)
        details: dict[str, Any] = {"name": req.name, "kind": req.rt.plural, "uid": last["metadata"].get("uid")}
        if req.rt.group:
            details = {"name": req.name, "group": req.rt.group, "kind": req.rt.plural,
                       "uid": last["metadata"].get("uid")}
        return json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
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

    def _delete_collection(self, request: web.Request, req: Req, raw: bytes, dry_run: bool) -> web.Response:
        opts = self._delete_options(raw)
        dry_run = dry_run or opts.get("dryRun") == ["All"]
        match = selected(request, req)
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
        return json_response({"kind": req.rt.list_kind, "apiVersion": req.rt.api_version,
                               "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": items})
