"""Watch streaming: one store subscription fanned out to per-watch asyncio queues, and the watch
response itself (the initial replay, bookmarks, the events as they are committed, the timeout)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import errors, tables
from .apirequest import JSON, Req, check_list_options, converted, entry_bytes, selected, wants_table
from .discovery import ResourceType
from .store import Entry, ObjectStore, dumps

DEFAULT_WATCH_TIMEOUT_S = 1800.0


class _Watcher:
    __slots__ = ("resource", "namespace", "queue")

    def __init__(self, resource: str, namespace: str | None) -> None:
        self.resource = resource
        self.namespace = namespace
        self.queue: asyncio.Queue[tuple[str, Entry] | None] = asyncio.Queue()


class WatchHub:
    """The store's commits, handed in commit order to every open watch of their resource."""

    def __init__(self, store: ObjectStore, *, bookmark_interval_s: float = 5.0) -> None:
        self.store = store
        self.bookmark_interval_s = bookmark_interval_s
        self._watchers: dict[str, set[_Watcher]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        # The newest resourceVersion handed to watchers; a bookmark never claims more.
        self.fanout_rv = store.resource_version
        self.stopping = False

    def start(self) -> None:
        """Subscribe to the store (call from within the loop that serves the watches)."""
        self._loop = asyncio.get_running_loop()
        self.fanout_rv = self.store.resource_version
        self._unsubscribe = self.store.subscribe_entries(self._on_commit)

    def stop(self) -> None:
        """Unsubscribe and end every open watch."""
        self.stopping = True
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

    async def serve(self, request: web.Request, req: Req) -> web.StreamResponse:
        """Answer one watch request: replay, then stream its resource's events until the timeout."""
        q = request.query
        rt = req.rt
        match = selected(request, req)
        if req.name is not None:
            raise errors.method_not_allowed()
        rv_param = q.get("resourceVersion", "")
        try:
            timeout = float(q.get("timeoutSeconds") or DEFAULT_WATCH_TIMEOUT_S)
        except ValueError:
            raise errors.bad_request(f"invalid timeoutSeconds: {q.get('timeoutSeconds')!r}") from None
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        send_initial = check_list_options(q, watch=True)
        as_table = wants_table(request)
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
                    t = tables.table(rt, [converted(rt, obj)], resource_version=obj["metadata"]["resourceVersion"],
                                     include_object=include_object, headers=not headers_sent)
                    headers_sent = True
                    return b'{"type":"' + typ.encode() + b'","object":' + dumps(t) + b"}\n"
                return b'{"type":"' + typ.encode() + b'","object":' + entry_bytes(rt, entry) + b"}\n"

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
            while not self.stopping:
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
