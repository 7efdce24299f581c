"""What the sandbox API server and the fault proxy share: an HTTPS server context from a PEM pair,
the port an aiohttp site bound, and an event loop run in a background thread."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from aiohttp import web


def server_ssl_context(cert: bytes, key: bytes) -> ssl.SSLContext:
    """A TLS 1.2+ server context for `cert`/`key` (PEM), speaking HTTP/1.1 only."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # load_cert_chain needs files; they live only as long as this call.
    with tempfile.TemporaryDirectory() as d:
        cf, kf = Path(d, "tls.crt"), Path(d, "tls.key")
        cf.write_bytes(cert)
        kf.touch(mode=0o600)
        kf.write_bytes(key)
        ctx.load_cert_chain(str(cf), str(kf))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def bound_port(site: web.TCPSite) -> int | None:
    """The port a started site listens on (the one the OS chose for port 0), or None."""
    sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
    return sockets[0].getsockname()[1] if sockets else None


class LoopOwner(Protocol):
    """The state `run_loop` fills in for the thread that started it."""

    _loop: asyncio.AbstractEventLoop | None
    _error: BaseException | None
    _started: threading.Event


def run_loop(owner: LoopOwner, serve: Callable[[], Awaitable[None]]) -> None:
    """Thread body: a new loop runs `serve()`, then `owner._started` is set and the loop runs until stopped.

    A failing `serve()` is stored in `owner._error` (for the starting thread to raise) before `_started`
    is set, so the starter never waits out its timeout for an error.
    """
    loop = asyncio.new_event_loop()
    owner._loop = loop
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(serve())
    except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
        owner._error = exc
        owner._started.set()
        return
    owner._started.set()
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
