"""Raw-JSON access to the API server through the official client's transport.

The kubernetes client handles the hard parts (TLS, client certificates, token refresh from exec
plugins, proxies); we only skip its per-object model deserialisation, which costs more than the
HTTP request itself on large lists: every response body is `json.loads`ed once and handed on as
plain dicts. Every failure leaves this module as a `ClusterError`.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from multus_tui.cluster.errors import ClusterError, from_api_status, from_exception
from multus_tui.cluster.kubeconfig import ClusterInfo

NAD_GROUP = "k8s.cni.cncf.io"
NAD_PLURAL = "network-attachment-definitions"
NAD_CRD = f"{NAD_PLURAL}.{NAD_GROUP}"
FIELD_MANAGER = "multus-tui"


@dataclass(frozen=True)
class Kind:
    """Where a resource lives in the REST API."""

    name: str  # our short name: "pod", "nad", ...
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None = None, name: str | None = None, subresource: str | None = None) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
            if subresource:
                base += f"/{subresource}"
        return base


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("namespace", "", "v1", "namespaces", False),
    Kind("node", "", "v1", "nodes", False),
    Kind("pod", "", "v1", "pods", True),
    Kind("event", "", "v1", "events", True),
    Kind("nad", NAD_GROUP, "v1", NAD_PLURAL, True),
    Kind("deployment", "apps", "v1", "deployments", True),
    Kind("statefulset", "apps", "v1", "statefulsets", True),
    Kind("daemonset", "apps", "v1", "daemonsets", True),
    Kind("crd", "apiextensions.k8s.io", "v1", "customresourcedefinitions", False),
    Kind("nns", "nmstate.io", "v1beta1", "nodenetworkstates", False),
    Kind("ippool", "whereabouts.cni.cncf.io", "v1alpha1", "ippools", True),
    Kind("ipreservation", "whereabouts.cni.cncf.io", "v1alpha1", "overlappingrangeipreservations", True),
)}
_ALIASES = {"namespaces": "namespace", "ns": "namespace", "nodes": "node", "pods": "pod", "events": "event",
            NAD_PLURAL: "nad", "network-attachment-definition": "nad", "net-attach-def": "nad",
            "networkattachmentdefinition": "nad", "deployments": "deployment", "statefulsets": "statefulset",
            "daemonsets": "daemonset", "customresourcedefinitions": "crd", "Deployment": "deployment",
            "StatefulSet": "statefulset", "DaemonSet": "daemonset", "Pod": "pod"}


def kind_of(kind: str | Kind) -> Kind:
    if isinstance(kind, Kind):
        return kind
    k = KINDS.get(kind) or KINDS.get(_ALIASES.get(kind, "")) or KINDS.get(_ALIASES.get(kind.lower(), ""))
    if k is None:
        raise ValueError(f"unknown kind {kind!r}")
    return k


@dataclass(frozen=True)
class Permissions:
    """What this user may do in one namespace (from SelfSubjectAccessReviews)."""

    namespace: str | None
    list_nads: bool = False
    create_nads: bool = False
    patch_nads: bool = False
    delete_nads: bool = False
    create_pods: bool = False
    delete_pods: bool = False
    exec_pods: bool = False
    patch_workloads: bool = False

    @property
    def can_write_nads(self) -> bool:
        return self.create_nads and self.patch_nads

    @property
    def readonly(self) -> bool:
        """Nothing this tool writes is allowed: the UI hides every write action."""
        return not (self.create_nads or self.patch_nads or self.delete_nads or self.create_pods
                    or self.delete_pods or self.patch_workloads)


DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds for ordinary requests


class WatchStream:
    """An open watch: iterate for event dicts ({"type", "object"}); `close()` from any thread ends it."""

    def __init__(self, response: Any, server: str) -> None:
        self._resp = response  # urllib3.HTTPResponse
        self._server = server
        self._closed = False

    def close(self) -> None:
        """Stop the stream now, even when another thread is blocked reading it."""
        self._closed = True
        r = self._resp
        try:
            shutdown = getattr(r, "shutdown", None)  # urllib3 >= 2.3: unblocks a reader in another thread
            if shutdown:
                shutdown()
        except Exception:  # noqa: BLE001 - best effort, the socket may already be gone
            pass
        try:
            r.release_conn()
            r.close()
        except Exception:  # noqa: BLE001
            pass

    @property
    def closed(self) -> bool:
        return self._closed

    def _chunks(self) -> Iterator[bytes]:
        r = self._resp
        if getattr(r, "chunked", False):
            yield from r.stream(None, decode_content=True)
            return
        while True:  # not chunked: read whatever is available, never wait for a full buffer
            data = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            if not data:
                return
            yield data

    def __iter__(self) -> Iterator[dict]:
        for line in self.lines():
            try:
                yield json.loads(line)
            except ValueError as exc:
                raise ClusterError(f"the cluster sent a watch event that is not JSON: {exc}",
                                   reason="BadWatch") from None

    def lines(self) -> Iterator[bytes]:
        """The stream's events as raw JSON lines (one event each), for a caller that decodes them
        itself (the LiveStore decodes only the fields its views keep)."""
        tail = b""
        try:
            for chunk in self._chunks():
                if self._closed:
                    return
                if b"\n" not in chunk:
                    tail += chunk
                    continue
                # one split per chunk: a chunk of a watch-list's initial events holds hundreds of
                # lines, and splitting off one line at a time copied the rest every time
                parts = (tail + chunk).split(b"\n")
                tail = parts.pop()
                for line in parts:
                    if line.strip():
                        yield line
                    if self._closed:
                        return
            if tail.strip() and not self._closed:
                yield tail
        except ClusterError:
            raise
        except ValueError as exc:
            if self._closed:
                return
            raise ClusterError(f"the cluster sent a watch event that is not JSON: {exc}", reason="BadWatch") from None
        except Exception as exc:  # noqa: BLE001 - transport errors become ClusterError, unless we closed it
            if self._closed:
                return
            raise from_exception(exc, self._server) from None
        finally:
            if not self._closed:
                self.close()


class Cluster:
    """One cluster, reached through a ClusterInfo's API client, returning raw JSON dicts."""

    def __init__(self, info: ClusterInfo) -> None:
        self.info = info
        self.api = info.api_client
        self.server = info.server
        self._multus: bool | None = None
        self._lock = threading.Lock()

    # -- transport -------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, query: dict[str, Any] | list[tuple[str, Any]] | None = None,
                body: Any = None, content_type: str | None = None,
                timeout: float | tuple[float, float] | None = DEFAULT_TIMEOUT, stream: bool = False,
                raw_body: bool = False) -> Any:
        """Send one request; return the decoded JSON body (its bytes with `raw_body`; the open urllib3
        response with `stream`).

        Raises ClusterError for any non-2xx answer (decoded from the metav1.Status body) and for
        transport failures.
        """
        q = [(k, v) for k, v in (query.items() if isinstance(query, dict) else (query or [])) if v is not None]
        q = [(k, ("true" if v else "false") if isinstance(v, bool) else v) for k, v in q]
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if isinstance(body, (dict, list)):
            # the client's REST layer json.dumps dict bodies for JSON and YAML content types (apply)
            headers.setdefault("Content-Type", "application/json")
        try:
            m, url, hdrs, b, post = self.api.param_serialize(
                method, path, query_params=q, header_params=headers, body=body, auth_settings=["BearerToken"])
            resp = self.api.call_api(m, url, hdrs, b, post, _request_timeout=timeout)
        except ClusterError:
            raise
        except Exception as exc:  # noqa: BLE001 - everything the transport raises becomes a ClusterError
            raise from_exception(exc, self.server) from None
        raw = resp.response
        if not 200 <= resp.status <= 299:
            try:
                data = raw.data
            except Exception:  # noqa: BLE001
                data = b""
            status = None
            try:
                status = json.loads(data) if data else None
            except ValueError:
                pass
            raise from_api_status(resp.status, status if isinstance(status, dict) else None,
                                  fallback=(data[:200].decode("utf-8", "replace") if data else str(resp.reason)))
        if stream:
            return raw
        try:
            data = raw.data
        except Exception as exc:  # noqa: BLE001
            raise from_exception(exc, self.server) from None
        if raw_body:
            return data or b""
        if not data:
            return {}
        try:
            return json.loads(data)
        except ValueError:
            raise ClusterError(f"the cluster at {self.server} answered with something that is not JSON",
                               code=resp.status, reason="BadResponse") from None

    # -- reads -----------------------------------------------------------------------------------
    def list_raw(self, kind: str | Kind, namespace: str | None = None, **params: Any) -> dict:
        """A list (`{"metadata": {"resourceVersion"}, "items": [...]}`); with `limit=N` every page is
        fetched (following `continue`) and merged, so the result is always complete."""
        k = kind_of(kind)
        path = k.path(namespace if k.namespaced else None)
        timeout = params.pop("_timeout", (5.0, 120.0))
        params = {_camel(p): v for p, v in params.items()}
        out = self.request("GET", path, query=params, timeout=timeout)
        if not params.get("limit"):
            return out
        while (out.get("metadata") or {}).get("continue"):
            page = self.request("GET", path, query={**params, "continue": out["metadata"]["continue"]}, timeout=timeout)
            out["items"].extend(page.get("items") or [])
            out["metadata"]["continue"] = (page.get("metadata") or {}).get("continue")
        return out

    def list_pages(self, kind: str | Kind, namespace: str | None = None, *, limit: int = 500,
                   **params: Any) -> Iterator[bytes]:
        """A list in pages of `limit` items, as client-go's pager asks for them (`limit`, then
        `continue` until the server sends none): each page's body, undecoded. Every page is served
        at the first page's resourceVersion; a continue token that expired meanwhile raises
        ClusterError 410 (the caller lists again)."""
        k = kind_of(kind)
        path = k.path(namespace if k.namespaced else None)
        timeout = params.pop("_timeout", (5.0, 120.0))
        query = {_camel(p): v for p, v in params.items()}
        query["limit"] = limit
        cont: str | None = None
        while True:
            body = self.request("GET", path, query={**query, "continue": cont} if cont else query, timeout=timeout,
                                raw_body=True)
            yield body
            cont = _continue_of(body)
            if not cont:
                return

    def get_raw(self, kind: str | Kind, namespace: str | None, name: str) -> dict:
        k = kind_of(kind)
        return self.request("GET", k.path(namespace if k.namespaced else None, name))

    def get_or_none(self, kind: str | Kind, namespace: str | None, name: str) -> dict | None:
        try:
            return self.get_raw(kind, namespace, name)
        except ClusterError as exc:
            if exc.code == 404:
                return None
            raise

    def watch_raw(self, kind: str | Kind, namespace: str | None = None, *, resource_version: str | None = None,
                  timeout_seconds: int = 300, allow_bookmarks: bool = True, send_initial_events: bool = False,
                  **params: Any) -> WatchStream:
        """Open a watch; iterate the result for `{"type", "object"}` dicts (ERROR events are yielded
        as they come: the caller decides, e.g. 410 → relist).

        `send_initial_events`: the streaming watch-list (kube 1.27+, on by default from 1.32): the
        current state first, as ADDED events, then a BOOKMARK annotated `k8s.io/initial-events-end`,
        then the changes, all on one connection (`resourceVersionMatch=NotOlderThan`, bookmarks on).
        A server without it answers 422 (or 400)."""
        k = kind_of(kind)
        q = {"watch": True, "resourceVersion": resource_version, "allowWatchBookmarks": allow_bookmarks,
             "timeoutSeconds": int(timeout_seconds), **{_camel(p): v for p, v in params.items()}}
        if send_initial_events:
            q.update(sendInitialEvents=True, resourceVersionMatch="NotOlderThan", allowWatchBookmarks=True)
        # the read timeout must outlast the server's own timeout, or we would cut healthy streams
        raw = self.request("GET", k.path(namespace if k.namespaced else None), query=q,
                           timeout=(5.0, float(timeout_seconds) + 30.0), stream=True)
        return WatchStream(raw, self.server)

    # -- what the cluster offers ----------------------------------------------------------------
    def server_version(self) -> str:
        v = self.request("GET", "/version")
        return str(v.get("gitVersion") or f"{v.get('major', '?')}.{v.get('minor', '?')}")

    def multus_installed(self, refresh: bool = False) -> bool:
        """Whether the NetworkAttachmentDefinition API exists: discovery first (allowed to everybody),
        then the CRD, then a one-item list; a 403 on one of them moves on to the next."""
        if self._multus is not None and not refresh:
            return self._multus
        result: bool | None = None
        try:
            d = self.request("GET", f"/apis/{NAD_GROUP}/v1")
            result = any(r.get("name") == NAD_PLURAL for r in d.get("resources") or [])
        except ClusterError as exc:
            if exc.code == 404:
                result = False
            elif exc.code not in (401, 403):
                raise
        if result is None:
            try:
                self.get_raw("crd", None, NAD_CRD)
                result = True
            except ClusterError as exc:
                if exc.code == 404:
                    result = False
                elif exc.code not in (401, 403):
                    raise
        if result is None:
            try:
                self.list_raw("nad", None, limit=1)
                result = True
            except ClusterError as exc:
                if exc.code == 404:
                    result = False
                else:
                    # we may not even read NADs: we cannot tell, say yes so the UI explains the 403 instead
                    result = True
        self._multus = result
        return result

    def can_i(self, verb: str, resource: str, namespace: str | None = None, group: str = "",
              subresource: str | None = None, name: str | None = None) -> bool:
        """SelfSubjectAccessReview. When the review itself fails we answer False: better to hide an
        action than to offer one that fails."""
        attrs: dict[str, Any] = {"verb": verb, "resource": resource, "group": group}
        if namespace:
            attrs["namespace"] = namespace
        if subresource:
            attrs["subresource"] = subresource
        if name:
            attrs["name"] = name
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": attrs}}
        try:
            r = self.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=body)
        except ClusterError as exc:
            if exc.code is None:  # unreachable: that is not a "no"
                raise
            return False
        return bool((r.get("status") or {}).get("allowed"))

    def permissions(self, namespace: str | None) -> Permissions:
        """Everything the UI needs to decide which actions to offer, asked in parallel."""
        checks = {
            "list_nads": ("list", NAD_PLURAL, NAD_GROUP, None),
            "create_nads": ("create", NAD_PLURAL, NAD_GROUP, None),
            "patch_nads": ("patch", NAD_PLURAL, NAD_GROUP, None),
            "delete_nads": ("delete", NAD_PLURAL, NAD_GROUP, None),
            "create_pods": ("create", "pods", "", None),
            "delete_pods": ("delete", "pods", "", None),
            "exec_pods": ("create", "pods", "", "exec"),
            "patch_workloads": ("patch", "deployments", "apps", None),
        }
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(checks)) as pool:
            futs = {k: pool.submit(self.can_i, v, r, namespace, g, s) for k, (v, r, g, s) in checks.items()}
            return Permissions(namespace=namespace, **{k: f.result() for k, f in futs.items()})

    def close(self) -> None:
        try:
            self.api.close()
        except Exception:  # noqa: BLE001
            pass


_CONTINUE = b'"continue":"'


def _continue_of(body: bytes) -> str | None:
    """The continue token of a list body, found without decoding the body (the list's metadata
    comes first: kube-apiserver writes ListMeta before the items; a body laid out otherwise is
    decoded)."""
    head = body[:4096]
    at = head.find(b'"items"')
    meta = head if at < 0 else head[:at]
    i = meta.find(_CONTINUE)
    if i >= 0:
        j = meta.find(b'"', i + len(_CONTINUE))
        if j > 0:
            return meta[i + len(_CONTINUE):j].decode() or None
    if at >= 0:
        return None  # metadata seen, no continue
    try:
        return ((json.loads(body).get("metadata") or {}).get("continue")) or None
    except (ValueError, AttributeError):
        return None


def _camel(name: str) -> str:
    """label_selector → labelSelector (query parameters may be given pythonically)."""
    if "_" not in name:
        return name
    first, *rest = name.split("_")
    return first + "".join(p[:1].upper() + p[1:] for p in rest)
