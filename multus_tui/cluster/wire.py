"""From the bytes the API server sends to views, decoding only what the views keep.

A pod list of 150,000 pods is ~360 MB of JSON. `json.loads` turns every byte of it into
Python objects that are thrown away a moment later (containers, conditions, managedFields...). Pods
are decoded here with msgspec into typed structs that name only the fields a PodView is made of:
everything else is skipped by the parser without being built (7 us a pod instead of 23 for
json.loads, before the view is even made); whereabouts' IPPools likewise. Other kinds are decoded
generically (msgspec's untyped decoder, then the view's `from_raw`).

A page or event that the typed decoder refuses (a field of an unexpected type) is decoded again
generically, object by object, so one odd object is skipped with a warning instead of hiding its
page (the same tolerance as `from_raw`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import msgspec

from multus_tui.cluster.views import VIEW_TYPES, IPPoolView, PodView, _intern, kept_annotations

log = logging.getLogger(__name__)

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


# --- the wire shape of a pod, as much of it as PodView reads ---------------------------------------
class _Meta(msgspec.Struct, gc=False):
    name: str = ""
    namespace: str = ""
    uid: str = ""
    resourceVersion: str = ""
    creationTimestamp: str | None = None
    deletionTimestamp: str | None = None
    annotations: dict[str, str] | None = None


class _Spec(msgspec.Struct, gc=False):
    nodeName: str | None = None
    hostNetwork: bool | None = None


class _Condition(msgspec.Struct, gc=False):
    type: str | None = None
    status: str | None = None


class _Waiting(msgspec.Struct, gc=False):
    reason: str | None = None


class _State(msgspec.Struct, gc=False):
    waiting: _Waiting | None = None


class _ContainerStatus(msgspec.Struct, gc=False):
    state: _State | None = None


class _PodIP(msgspec.Struct, gc=False):
    ip: str | None = None


class _Status(msgspec.Struct, gc=False):
    phase: str | None = None
    reason: str | None = None
    podIP: str | None = None
    podIPs: list[_PodIP] | None = None
    conditions: list[_Condition] | None = None
    containerStatuses: list[_ContainerStatus] | None = None


_EMPTY_META, _EMPTY_SPEC, _EMPTY_STATUS = _Meta(), _Spec(), _Status()


class _Pod(msgspec.Struct, gc=False):
    metadata: _Meta | None = None
    spec: _Spec | None = None
    status: _Status | None = None


class _ListMeta(msgspec.Struct, gc=False):
    resourceVersion: str | None = None
    continue_: str | None = msgspec.field(default=None, name="continue")
    remainingItemCount: int | None = None


class _PodList(msgspec.Struct, gc=False):
    metadata: _ListMeta | None = None
    items: list[_Pod] | None = None


class _AnyList(msgspec.Struct, gc=False):
    metadata: _ListMeta | None = None
    items: list[msgspec.Raw] | None = None


class _Event(msgspec.Struct, gc=False):
    type: str = ""
    object: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)  # empty: no object


def pod_view(p: _Pod) -> PodView:
    """The PodView of a decoded pod (what PodView.from_raw makes of the same object)."""
    m = p.metadata or _EMPTY_META
    spec = p.spec or _EMPTY_SPEC
    st = p.status or _EMPTY_STATUS
    ips = tuple(x.ip for x in st.podIPs or () if x.ip) or ((st.podIP,) if st.podIP else ())
    ready = False
    for c in st.conditions or ():
        if c.type == "Ready":
            ready = c.status == "True"
            break
    waiting = None
    for cs in st.containerStatuses or ():
        w = cs.state.waiting if cs.state is not None else None
        if w is not None and w.reason:
            waiting = w.reason
            break
    else:
        waiting = st.reason
    return PodView(
        _intern(m.namespace), m.name, m.uid, _intern(spec.nodeName), _intern(st.phase or "Pending"), ready,
        kept_annotations(m.annotations), bool(spec.hostNetwork), m.creationTimestamp, m.resourceVersion,
        ips, _intern(waiting), m.deletionTimestamp,
    )


_POD = msgspec.json.Decoder(_Pod)
_POD_LIST = msgspec.json.Decoder(_PodList)


# --- the wire shape of a whereabouts IPPool (15,000 pools of 150,000 allocations in a big cluster) ------
class _PoolMeta(msgspec.Struct, gc=False):
    name: str = ""
    namespace: str = ""
    resourceVersion: str = ""
    creationTimestamp: str | None = None


class _AllocationEntry(msgspec.Struct, gc=False):
    id: str | None = None
    podref: str | None = None
    ifname: str | None = None


class _PoolSpec(msgspec.Struct, gc=False):
    range: str | None = None
    allocations: dict[str, _AllocationEntry] | None = None


class _IPPool(msgspec.Struct, gc=False):
    metadata: _PoolMeta | None = None
    spec: _PoolSpec | None = None


class _IPPoolList(msgspec.Struct, gc=False):
    metadata: _ListMeta | None = None
    items: list[_IPPool] | None = None


def ippool_view(p: _IPPool) -> IPPoolView:
    """The IPPoolView of a decoded IPPool (what IPPoolView.from_raw makes of the same object)."""
    from multus_tui.multus.whereabouts import Pool

    m = p.metadata or _EMPTY_POOL_META
    spec = p.spec or _EMPTY_POOL_SPEC
    entries = [(key, a.id or "", a.podref or "", a.ifname or "") for key, a in (spec.allocations or {}).items()]
    pool = Pool.from_entries(m.namespace, m.name, spec.range or "", entries, m.resourceVersion, m.creationTimestamp)
    return IPPoolView(m.namespace, m.name, pool, m.resourceVersion)


_EMPTY_POOL_META, _EMPTY_POOL_SPEC = _PoolMeta(), _PoolSpec()

#: kinds decoded typed: (object decoder, list decoder, view of a decoded object)
_TYPED: dict[str, tuple[Any, Any, Callable[[Any], Any]]] = {
    "pod": (_POD, _POD_LIST, pod_view),
    "ippool": (msgspec.json.Decoder(_IPPool), msgspec.json.Decoder(_IPPoolList), ippool_view),
}
_ANY_LIST = msgspec.json.Decoder(_AnyList)
_EVENT = msgspec.json.Decoder(_Event)
_JSON = msgspec.json.Decoder()


def _generic(kind: str) -> Callable[[Any], Any]:
    from_raw = VIEW_TYPES[kind].from_raw

    def decode(raw: Any) -> Any:
        obj = _JSON.decode(raw)
        if not isinstance(obj, dict):
            raise ValueError(f"a {kind} that is not a JSON object")
        return from_raw(obj)

    return decode


def object_decoder(kind: str) -> Callable[[Any], Any]:
    """bytes of one object -> its view (raises on what cannot be read)."""
    typed = _TYPED.get(kind)
    if typed is not None:
        decode, _, view = typed
        return lambda raw: view(decode.decode(raw))
    return _generic(kind)


class Page:
    """One decoded list page: views, the list's resourceVersion, the continue token."""

    __slots__ = ("views", "resource_version", "cont", "remaining", "skipped")

    def __init__(self, views: list[Any], resource_version: str, cont: str | None, remaining: int | None,
                 skipped: int) -> None:
        self.views = views
        self.resource_version = resource_version
        self.cont = cont
        self.remaining = remaining
        self.skipped = skipped


def decode_page(kind: str, body: bytes) -> Page:
    """A list response (`{"metadata": {...}, "items": [...]}`) -> its views. Raises ValueError when
    the body is not a list at all."""
    views: list[Any] = []
    skipped = 0
    meta: _ListMeta | None = None
    typed = _TYPED.get(kind)
    if typed is not None:
        _, decode_list, view = typed
        try:
            lst = decode_list.decode(body)
            meta = lst.metadata
            views = [view(p) for p in lst.items or ()]
        except msgspec.ValidationError:
            views = []  # an odd object: read them one by one below
        except msgspec.DecodeError as exc:
            raise ValueError(f"the list is not JSON: {exc}") from None
        else:
            m = meta or _ListMeta()
            return Page(views, m.resourceVersion or "", m.continue_ or None, m.remainingItemCount, 0)
    try:
        lst2 = _ANY_LIST.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ValueError(f"the answer is not a list: {exc}") from None
    decode = object_decoder(kind)
    fallback = _generic(kind)
    for raw in lst2.items or ():
        try:
            views.append(decode(raw))
        except Exception:  # noqa: BLE001 - one odd object must not hide the others
            try:
                views.append(fallback(raw))
            except Exception:  # noqa: BLE001
                skipped += 1
                log.warning("skipping a %s that could not be read", kind, exc_info=True)
    m = lst2.metadata or _ListMeta()
    return Page(views, m.resourceVersion or "", m.continue_ or None, m.remainingItemCount, skipped)


def decode_raw_page(body: bytes) -> Page:
    """A list response's items as plain dicts (for callers that read a few keys of a few objects)."""
    try:
        obj = _JSON.decode(body)
    except msgspec.DecodeError as exc:
        raise ValueError(f"the list is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ValueError("the answer is not a list")
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    items = [o for o in obj.get("items") or () if isinstance(o, dict)]
    return Page(items, str(meta.get("resourceVersion") or ""), meta.get("continue") or None,
                meta.get("remainingItemCount"), 0)


def list_views(cluster: Any, kind: str, namespace: str | None = None, *, limit: int = 500, prefetch: int = 2,
               raw: bool = False, **params: Any) -> tuple[list[Any], str]:
    """Every object of a list as views, and the list's resourceVersion: fetched in pages of `limit`
    (one page ahead in a thread while the last one is decoded: the network and the server's
    work overlap with the decoding) and decoded with the typed decoders, so the peak is a page of
    JSON, never the whole list. `raw`: plain dicts instead of views."""
    import queue
    import threading

    q: queue.Queue[Any] = queue.Queue(maxsize=max(1, prefetch))
    stop = threading.Event()

    def fetch() -> None:
        try:
            for body in cluster.list_pages(kind, namespace, limit=limit, **params):
                if stop.is_set():
                    return
                q.put(body)
            q.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed over to the decoding thread
            q.put(exc)

    t = threading.Thread(target=fetch, name=f"multus-tui-list-{kind}", daemon=True)
    t.start()
    views: list[Any] = []
    rv = ""
    try:
        while True:
            item = q.get()
            if item is None:
                return views, rv
            if isinstance(item, BaseException):
                raise item
            page = decode_raw_page(item) if raw else decode_page(kind, item)
            del item
            rv = rv or page.resource_version
            views.extend(page.views)
    finally:
        stop.set()
        while t.is_alive():  # let the fetcher finish its put and see the stop
            try:
                q.get_nowait()
            except queue.Empty:
                t.join(0.05)


class WatchEvent:
    """One watch event: its type, the object's view (None for BOOKMARK/ERROR or an unreadable
    object), its resourceVersion, the raw object for ERROR (a Status dict), and whether it is the
    bookmark that ends a watch-list's initial events."""

    __slots__ = ("type", "view", "resource_version", "status", "initial_end")

    def __init__(self, type_: str, view: Any, resource_version: str | None, status: dict | None = None,
                 initial_end: bool = False) -> None:
        self.type = type_
        self.view = view
        self.resource_version = resource_version
        self.status = status
        self.initial_end = initial_end


class EventDecoder:
    """Watch lines of one kind -> WatchEvents."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._decode = object_decoder(kind)
        self._fallback = _generic(kind)

    def __call__(self, line: bytes) -> WatchEvent:
        try:
            ev = _EVENT.decode(line)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise ValueError(f"a watch event that is not JSON: {exc}") from None
        typ, raw = ev.type, ev.object
        if typ in ("ERROR", "BOOKMARK"):
            obj = _JSON.decode(raw) if raw else {}
            if not isinstance(obj, dict):
                obj = {}
            meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            if typ == "ERROR":
                return WatchEvent(typ, None, None, obj)
            ann = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
            return WatchEvent(typ, None, meta.get("resourceVersion"), None, ann.get(INITIAL_EVENTS_END) == "true")
        if not raw:
            return WatchEvent(typ, None, None)
        try:
            view = self._decode(raw)
        except Exception:  # noqa: BLE001 - try the tolerant reading
            try:
                view = self._fallback(raw)
            except Exception:  # noqa: BLE001 - unreadable: the caller skips it (keeping its RV)
                log.warning("skipping a %s event that could not be read", self.kind, exc_info=True)
                return WatchEvent(typ, None, _resource_version(raw))
        return WatchEvent(typ, view, getattr(view, "resource_version", None) or _resource_version(raw))


def _resource_version(raw: Any) -> str | None:
    try:
        obj = _JSON.decode(raw)
        return str(((obj.get("metadata") or {}).get("resourceVersion")) or "") or None
    except Exception:  # noqa: BLE001
        return None


__all__ = ["EventDecoder", "Page", "WatchEvent", "decode_page", "kept_annotations", "list_views", "object_decoder",
           "pod_view"]
