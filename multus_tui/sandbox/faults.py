"""Fault injection in front of a running sandbox: a TLS-terminating HTTP proxy on 127.0.0.1.

    with Sandbox("seed") as sb, FaultProxy.for_sandbox(sb) as proxy:
        proxy.write_kubeconfig(sb, path)        # the sandbox's kubeconfig, pointed at the proxy
        ...                                     # start a LiveStore / the TUI on `path`
        proxy.drop_watches()                    # cut every open watch stream
        proxy.gone(5)                           # a 410 storm: the next 5 watches answer 410 Gone
        proxy.go_away(); proxy.come_back()      # connections refused, then served again
        proxy.slow(0.5, n=10)                   # latency on the next 10 requests
        proxy.fail(3, code=500)                 # the next 3 requests answer 500
        proxy.throttle(3, retry_after=1)        # the next 3 requests answer 429 with Retry-After
        proxy.injected                          # Counter of injected faults per kind
        proxy.served[("list", "pods")]          # what reached the sandbox, per (verb, resource)
        proxy.initial["pods"]                   # lists and watch-lists (sendInitialEvents) asked for

Why a proxy and not sandbox settings: the faults must reach the client exactly as a real API server
or load balancer would produce them (bytes on a socket), while the sandbox itself stays untouched
and keeps the truth; tests then compare the client's mirror with `sandbox.store.list()`. The
sandbox serves TLS only (kubectl drops tokens over plain HTTP), so to answer 410/500/429 the proxy
has to terminate TLS: it serves its own self-signed certificate (which the kubeconfig it writes
trusts, so clients keep verifying) and talks TLS to the sandbox, verifying the sandbox's certificate.

Faults can also be set over HTTP (for a manually started sandbox): `POST /__faults__/<kind>` with a
JSON body of the method's keyword arguments and the header `X-Fault-Token: <proxy.control_token>`,
e.g. `curl -k -H "X-Fault-Token: T" -d '{"n": 3}' https://127.0.0.1:PORT/__faults__/fail`;
`GET /__faults__` answers the counters. Without the token the control path is an ordinary 404.

Never imports textual, kubernetes or multus_tui.cluster (sandbox layering); aiohttp only.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import ssl
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

from .auth import self_signed_certificate
from .serving import bound_port, run_loop, server_ssl_context

FAULT_KINDS = ("drop", "gone", "away", "slow", "error", "throttle")
CONTROL_PREFIX = "/__faults__"
# headers a proxy must not forward (RFC 9110 §7.6.1) plus those aiohttp recomputes
_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                  "transfer-encoding", "upgrade", "host", "content-length"})


def request_verb(method: str, path: str, is_watch: bool) -> tuple[str, str]:
    """(verb, resource) of an API request as kube-apiserver names them (RequestInfo): ("list", "pods"),
    ("watch", "network-attachment-definitions"), ("get", "namespaces"), ("create", "pods")...; a path
    outside a resource (discovery, /version) is ("get", path)."""
    parts = [p for p in path.split("/") if p]
    rest = parts[2:] if parts[:1] == ["api"] else parts[3:] if parts[:1] == ["apis"] else []
    if len(rest) >= 3 and rest[0] == "namespaces":  # namespaces/NS/RESOURCE[/NAME[/SUBRESOURCE]]
        rest = rest[2:]
    if not rest:
        return method.lower(), path
    named = len(rest) > 1
    verb = {"GET": "watch" if is_watch else "get" if named else "list", "POST": "create", "PUT": "update",
            "PATCH": "patch", "DELETE": "delete" if named else "deletecollection"}.get(method, method.lower())
    return verb, rest[0]


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A metav1.Status body as kube-apiserver sends it."""
    st: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                          "message": message, "reason": reason, "code": code}
    if details:
        st["details"] = details
    return st


class FaultProxy:
    """A loopback HTTPS proxy to `upstream` that injects faults on command (thread-safe methods).

    `upstream_ca_pem` is the certificate the upstream server must present (the sandbox's own); with
    None the upstream is plain HTTP.
    """

    def __init__(self, upstream: str, upstream_ca_pem: bytes | None = None, *, host: str = "127.0.0.1") -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy listens on the loopback interface only")
        self.upstream = upstream.rstrip("/")
        self.upstream_ca_pem = upstream_ca_pem
        self.host = host
        self.port = 0
        self.control_token = secrets.token_urlsafe(16)
        self.injected: Counter[str] = Counter()
        self.requests = 0
        # requests that reached the sandbox and were answered by it, per (verb, resource): what the
        # server side saw, for tests that must not read a client's internal counters
        self.served: Counter[tuple[str, str]] = Counter()
        # requests for a resource's whole state, per resource: lists, and watches with
        # sendInitialEvents=true (the streaming watch-list a client uses instead of a list); counted
        # as they arrive, answered by the sandbox or by an injected fault
        self.initial: Counter[str] = Counter()
        self._lock = threading.Lock()
        # pending faults (guarded by _lock)
        self._gone = 0
        self._gone_as_event = True
        self._errors = 0
        self._error_code = 500
        self._throttle = 0
        self._retry_after = 1
        self._slow_s = 0.0
        self._slow_n: int | None = 0
        self._watches_only = False
        self._away = False
        # loop-side state
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._session: ClientSession | None = None
        # open watch streams: client transport -> upstream response (both are closed on a drop)
        self._watches: dict[asyncio.BaseTransport, Any] = {}
        self._all_transports: set[asyncio.BaseTransport] = set()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self.ca_pem, key = self_signed_certificate(("127.0.0.1", "localhost"))
        self._server_ssl = server_ssl_context(self.ca_pem, key)

    @classmethod
    def for_sandbox(cls, sandbox: Any) -> FaultProxy:
        """A proxy (not yet started) in front of a started Sandbox."""
        return cls(sandbox.url, sandbox.ca_pem or None)

    # --- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def start(self) -> FaultProxy:
        """Serve in a background thread; returns once listening."""
        if self._thread is not None:
            raise RuntimeError("fault proxy already started")
        self._thread = threading.Thread(target=self._run, name="sandbox-fault-proxy", daemon=True)
        self._thread.start()
        if not self._started.wait(15) or self._error is not None:
            raise RuntimeError(f"fault proxy failed to start: {self._error}")
        return self

    def _run(self) -> None:
        run_loop(self, self._serve)

    async def _serve(self) -> None:
        client_ssl: ssl.SSLContext | bool = False
        if urlparse(self.upstream).scheme == "https":
            client_ssl = ssl.create_default_context(cadata=(self.upstream_ca_pem or b"").decode() or None)
        self._session = ClientSession(connector=TCPConnector(ssl=client_ssl, limit=0), auto_decompress=False,
                                      timeout=ClientTimeout(total=None, sock_connect=5))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True, ssl_context=self._server_ssl)
        await site.start()
        self._site = site
        self.port = bound_port(site) or self.port

    def _call(self, coro_fn: Any, timeout: float = 10) -> Any:
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("fault proxy is not running")
        return asyncio.run_coroutine_threadsafe(coro_fn(), loop).result(timeout)

    def stop(self) -> None:
        """Stop serving and close every connection; idempotent."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            self._abort(self._all_transports)
            if self._runner is not None:
                await self._runner.cleanup()
            if self._session is not None:
                await self._session.close()

        if not loop.is_closed():
            try:
                self._call(shutdown)
            except Exception:  # noqa: BLE001 - stopping must not raise
                pass
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = self._loop = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- kubeconfig --------------------------------------------------------------------------------

    def kubeconfig(self, base: dict[str, Any]) -> dict[str, Any]:
        """`base` (e.g. `sandbox.kubeconfig()`) with every cluster pointed at this proxy and trusting
        its certificate (verification stays on)."""
        cfg = json.loads(json.dumps(base))
        for c in cfg.get("clusters") or []:
            c["cluster"]["server"] = self.url
            c["cluster"]["certificate-authority-data"] = base64.b64encode(self.ca_pem).decode()
            c["cluster"].pop("certificate-authority", None)
        return cfg

    def write_kubeconfig(self, sandbox: Any, path: str | Path) -> Path:
        """Write the sandbox's kubeconfig, pointed at the proxy, to `path` (mode 0600: it holds tokens)."""
        from .runner import write_private_file

        p = Path(path)
        write_private_file(p, yaml.safe_dump(self.kubeconfig(sandbox.kubeconfig()), sort_keys=False))
        return p

    # --- the control API (any thread) -------------------------------------------------------------

    @property
    def total_injected(self) -> int:
        with self._lock:
            return sum(self.injected.values())

    def _count(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self.injected[kind] += n

    def drop_watches(self) -> int:
        """Cut every open watch stream (TCP reset, as a restarting API server or an idle-timeout in a
        load balancer does); returns how many were cut."""
        async def run() -> int:
            return self._cut_watches()

        n = self._call(run)
        self._count("drop", n)
        return n

    def drop_all(self) -> int:
        """Cut every open connection, idle keep-alive ones included; returns how many."""
        async def run() -> int:
            self._cut_watches()
            n = self._abort(self._all_transports)
            self._all_transports.clear()
            return n

        n = self._call(run)
        self._count("drop", n)
        return n

    def gone(self, n: int = 1, *, as_event: bool = True) -> None:
        """A 410 storm: the next `n` watch requests are answered "410 Gone" — as an ERROR watch event
        in a 200 stream (what kube-apiserver does for a too-old resourceVersion) or, with
        `as_event=False`, as an HTTP 410 with a Status body."""
        with self._lock:
            self._gone += n
            self._gone_as_event = as_event

    def fail(self, n: int = 1, *, code: int = 500, watches_only: bool = False) -> None:
        """The next `n` requests (or watch requests only) are answered with HTTP `code` and a Status."""
        with self._lock:
            self._errors += n
            self._error_code = code
            self._watches_only = watches_only

    def throttle(self, n: int = 1, *, retry_after: int = 1) -> None:
        """The next `n` requests are answered 429 Too Many Requests with `Retry-After: retry_after`."""
        with self._lock:
            self._throttle += n
            self._retry_after = retry_after

    def slow(self, seconds: float, n: int | None = None) -> None:
        """Delay the next `n` requests (every request while `n` is None) by `seconds` before forwarding."""
        with self._lock:
            self._slow_s = seconds
            self._slow_n = n

    def go_away(self) -> None:
        """The API goes away: the listening socket closes (new connections are refused) and every open
        connection is cut."""
        async def run() -> None:
            self._away = True
            if self._site is not None:
                await self._site.stop()
                self._site = None
            self._cut_watches()
            self._abort(self._all_transports)
            self._all_transports.clear()

        self._call(run)
        self._count("away")

    def come_back(self) -> None:
        """Listen again on the same port."""
        async def run() -> None:
            self._away = False
            if self._site is None:
                await self._listen()

        self._call(run)

    @property
    def open_watches(self) -> int:
        """How many watch streams are open through the proxy right now."""
        return len(self._watches)

    @property
    def away(self) -> bool:
        return self._away

    def clear(self) -> None:
        """Cancel every pending fault (counters are kept)."""
        with self._lock:
            self._gone = self._errors = self._throttle = 0
            self._slow_s, self._slow_n = 0.0, 0

    # --- the proxy (event loop) -------------------------------------------------------------------

    def _cut_watches(self) -> int:
        watches, self._watches = self._watches, {}
        for up in watches.values():
            up.close()  # the upstream stream too, or it would linger until its next event
        return self._abort(set(watches))

    @staticmethod
    def _abort(transports: set[asyncio.BaseTransport]) -> int:
        n = 0
        for t in list(transports):
            if not t.is_closing():
                n += 1
            try:
                t.abort()  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - already gone
                pass
        return n

    def _take(self, is_watch: bool) -> tuple[str, Any] | None:
        """The fault this request gets, if any (consumes one pending fault)."""
        with self._lock:
            if self._throttle > 0:
                self._throttle -= 1
                self.injected["throttle"] += 1
                return ("throttle", self._retry_after)
            if self._errors > 0 and (is_watch or not self._watches_only):
                self._errors -= 1
                self.injected["error"] += 1
                return ("error", self._error_code)
            if self._gone > 0 and is_watch:
                self._gone -= 1
                self.injected["gone"] += 1
                return ("gone", self._gone_as_event)
        return None

    def _delay(self) -> float:
        with self._lock:
            if self._slow_s <= 0 or self._slow_n == 0:
                return 0.0
            if self._slow_n is not None:
                self._slow_n -= 1
            self.injected["slow"] += 1
            return self._slow_s

    async def _control(self, request: web.Request) -> web.StreamResponse:
        if not secrets.compare_digest(request.headers.get("X-Fault-Token", ""), self.control_token):
            return web.json_response(_status(404, "NotFound", "the server could not find the requested resource"),
                                     status=404)
        kind = request.path[len(CONTROL_PREFIX):].strip("/")
        if request.method == "GET" and not kind:
            with self._lock:
                served = {f"{verb} {resource}": n for (verb, resource), n in self.served.items()}
            return web.json_response({"injected": dict(self.injected), "requests": self.requests, "served": served})
        try:
            kwargs = await request.json() if request.can_read_body else {}
        except ValueError:
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        actions: dict[str, Any] = {"drop": self.drop_watches, "gone": self.gone, "fail": self.fail,
                                   "throttle": self.throttle, "slow": self.slow, "clear": self.clear}
        if kind not in actions or not isinstance(kwargs, dict):
            return web.json_response({"error": f"unknown fault {kind!r}; one of {sorted(actions)}"}, status=400)
        # the control methods hop onto this loop themselves: run them off it
        try:
            result = await asyncio.get_running_loop().run_in_executor(None, lambda: actions[kind](**kwargs))
        except TypeError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ok": True, "result": result})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if self._away:  # a kept-alive connection that outlived go_away()
            if transport is not None:
                transport.abort()
            raise ConnectionResetError("the API went away")
        if transport is not None:
            if len(self._all_transports) > 256:  # forget connections that ended on their own
                self._all_transports = {t for t in self._all_transports if not t.is_closing()}
            self._all_transports.add(transport)
        if request.path.startswith(CONTROL_PREFIX):
            return await self._control(request)
        with self._lock:
            self.requests += 1
        is_watch = request.query.get("watch", "").lower() in ("true", "1")
        verb, resource = request_verb(request.method, request.path, is_watch)
        if verb == "list" or (is_watch and request.query.get("sendInitialEvents", "").lower() in ("true", "1")):
            with self._lock:
                self.initial[resource] += 1
        delay = self._delay()
        if delay:
            await asyncio.sleep(delay)
        fault = self._take(is_watch)
        if fault is not None:
            return self._fault_response(fault)
        return await self._forward(request, is_watch)

    def _fault_response(self, fault: tuple[str, Any]) -> web.StreamResponse:
        kind, arg = fault
        if kind == "throttle":
            return web.json_response(
                _status(429, "TooManyRequests", "the server has received too many requests and has asked us to "
                        "try again later", {"retryAfterSeconds": arg}),
                status=429, headers={"Retry-After": str(arg)})
        if kind == "error":
            return web.json_response(_status(arg, "InternalError" if arg == 500 else "ServiceUnavailable",
                                              f"injected fault: server error {arg}"), status=arg)
        # 410 Gone
        body = _status(410, "Expired", "too old resource version: injected 410 storm")
        if arg:  # as kube does: 200 and one ERROR event, then the end of the stream
            return web.Response(body=json.dumps({"type": "ERROR", "object": body}).encode() + b"\n",
                                content_type="application/json")
        body["reason"] = "Gone"
        return web.json_response(body, status=410)

    async def _forward(self, request: web.Request, is_watch: bool) -> web.StreamResponse:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        body = await request.read() if request.can_read_body else None
        try:
            upstream = await self._session.request(request.method, self.upstream + request.rel_url.raw_path_qs,
                                                   headers=headers, data=body, allow_redirects=False)
        except Exception as exc:  # noqa: BLE001 - the sandbox is down: answer as a load balancer would
            return web.json_response(_status(503, "ServiceUnavailable", f"upstream unavailable: {exc}"), status=503)
        with self._lock:
            self.served[request_verb(request.method, request.path, is_watch)] += 1
        transport = request.transport
        try:
            resp = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for k, v in upstream.headers.items():
                if k.lower() not in _HOP:
                    resp.headers.add(k, v)
            if upstream.content_length is not None and not is_watch:
                resp.content_length = upstream.content_length
            else:
                resp.enable_chunked_encoding()
            if is_watch and transport is not None:
                self._watches[transport] = upstream
            await resp.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    if transport is None or transport.is_closing():
                        break
                    await resp.write(chunk)
                await resp.write_eof()
            except (ClientError, ConnectionError):
                pass  # the stream was cut (by a drop, or by either side): nothing more to send
            return resp
        finally:
            upstream.release()
            if transport is not None:
                self._watches.pop(transport, None)
