"""Run the sandbox cluster: store + scenario + simulator + HTTP API in a background thread.

    with Sandbox("seed") as sb:
        sb.write_kubeconfig(path)
        ...  # kubectl --kubeconfig path get pods

The server speaks HTTPS on 127.0.0.1 with a self-signed certificate made at start: kubectl
(client-go's clientcmd) silently drops bearer tokens for http:// servers, so plain HTTP would make
every request anonymous. The kubeconfig carries the certificate as certificate-authority-data,
so clients verify the server instead of skipping verification.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import logging
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from .auth import Authenticator, self_signed_certificate
from .discovery import nad_crd
from .server import ApiServer
from .serving import bound_port, run_loop, server_ssl_context
from .store import ObjectStore

log = logging.getLogger(__name__)


def write_private_file(path: Path, text: str) -> None:
    """Write a kubeconfig: a new 0600 file renamed into place (multus_tui.files.write_atomic), so a
    symlink planted at the path (to ~/.bashrc, say) is replaced, never written through (issue 14)."""
    from multus_tui.files import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))


class _WithoutRequestData(logging.Filter):
    """aiohttp logs a malformed request ("Error handling request") with a traceback whose exception
    quotes the offending header line: a NUL after a bearer token printed the admin token (issue 14).
    Keep the line, drop the exception's text: what went wrong, never what was sent."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc = record.exc_info[1]
            what = type(exc).__name__ + (f" {exc.code}" if isinstance(getattr(exc, "code", None), int) else "")
            try:
                first = record.getMessage().splitlines()[0]
            except Exception:  # noqa: BLE001
                first = str(record.msg).splitlines()[0] if record.msg else ""
            record.msg, record.args = f"{first}: {what} (request not logged)", None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_request_errors() -> None:
    """Install the filter on aiohttp's loggers (idempotent)."""
    for name in ("aiohttp.server", "aiohttp.web", "aiohttp.access", "aiohttp.internal"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, _WithoutRequestData) for f in lg.filters):
            lg.addFilter(_WithoutRequestData())

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


@dataclass
class SandboxSettings:
    """Knobs of the sandbox cluster (API server and simulated Multus)."""

    namespace_isolation: bool = False
    global_namespaces: list[str] = field(default_factory=lambda: ["default"])
    retry_interval_s: float = 2.0
    pod_start_delay_s: float = 0.2
    watch_history: int = 10000
    history_bytes: int = 64 * 1024 * 1024  # the change history per resource is compacted past this size
    bookmark_interval_s: float = 5.0
    # The namespace whereabouts keeps its IPPools in (its kubeconfig context's; kube-system by default).
    whereabouts_namespace: str = "kube-system"
    # Anything a simulator or scenario wants to read that has no field yet.
    extra: dict[str, Any] = field(default_factory=dict)


def load_base(store: ObjectStore, *, multus: bool = True) -> None:
    """The objects every cluster has: the system namespaces and, with Multus installed, the NAD CRD."""
    for ns in SYSTEM_NAMESPACES:
        store.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                     field_manager="kube-apiserver")
    if multus:
        store.create("customresourcedefinitions", nad_crd(), field_manager="kubectl-client-side-apply")


def _fallback_scenario(name: str, store: ObjectStore) -> None:
    # Used only while scenarios.py is not available: the scenarios the API server needs itself.
    if name == "empty":
        load_base(store)
    elif name == "no-multus":
        load_base(store, multus=False)
    else:
        raise ValueError(f"unknown scenario {name!r} (scenarios module not available)")


class Sandbox:
    """An embedded Kubernetes API (plus simulated Multus) serving on 127.0.0.1."""

    def __init__(self, scenario: str = "seed", *, port: int = 0, host: str = "127.0.0.1",
                 settings: SandboxSettings | None = None) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sandbox listens on the loopback interface only")
        self.scenario = scenario
        self.host = host
        self.port = port
        self.settings = settings or SandboxSettings()
        self.store = ObjectStore(watch_history=self.settings.watch_history,
                                 history_bytes=self.settings.history_bytes)
        self._auth = Authenticator()
        self.server = ApiServer(self.store, self._auth, bookmark_interval_s=self.settings.bookmark_interval_s)
        self.simulator: Any = None
        self.workloads: Any = None  # Deployment/StatefulSet/DaemonSet controllers (workloads.py)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._cert_pem = b""
        # Where write_kubeconfig last wrote (tests and commands read it back).
        self.kubeconfig_path: Path | None = None

    # --- credentials and address -----------------------------------------------------------------

    @property
    def token(self) -> str:
        """The admin bearer token."""
        return self._auth.admin_token

    @property
    def readonly_token(self) -> str:
        """The read-only bearer token (get/list/watch only)."""
        return self._auth.readonly_token

    @property
    def url(self) -> str:
        """https://127.0.0.1:PORT once started."""
        return f"https://{self.host}:{self.port}"

    @property
    def ca_pem(self) -> bytes:
        """The server's (self-signed) certificate, to trust as the CA."""
        return self._cert_pem

    # --- lifecycle -------------------------------------------------------------------------------

    def _load_scenario(self) -> None:
        try:
            scenarios = importlib.import_module("multus_tui.sandbox.scenarios")
            load = scenarios.load_scenario
        except (ImportError, AttributeError):
            _fallback_scenario(self.scenario, self.store)
            return
        load(self.scenario, self.store, self.settings)

    def _start_simulator(self) -> None:
        try:
            kubelet = importlib.import_module("multus_tui.sandbox.kubelet")
            simulator_cls = kubelet.Simulator
        except (ImportError, AttributeError):
            log.info("no simulator available: pods stay as created")
            return
        self.simulator = simulator_cls(self.store, self.settings)
        self.simulator.start()
        from .workloads import WorkloadController

        # Next to the kubelet: workloads create pods, the Simulator runs them.
        self.workloads = WorkloadController(self.store, self.settings)
        self.workloads.start()

    def start(self) -> None:
        """Load the scenario, start the simulator and serve; returns once listening."""
        if self._thread is not None:
            raise RuntimeError("sandbox already started")
        self._load_scenario()
        self._ssl = self._ssl_context()
        self._thread = threading.Thread(target=self._run, name="sandbox-api", daemon=True)
        self._thread.start()
        self._started.wait(30)
        if self._error is not None:
            raise RuntimeError(f"sandbox failed to start: {self._error}") from self._error
        if not self._started.is_set():
            raise RuntimeError("sandbox did not start within 30 s")
        self._start_simulator()
        self._after_start()

    def _after_start(self) -> None:
        # Scenario steps that need the running simulator (e.g. stale-pools' node crash).
        try:
            steps = importlib.import_module("multus_tui.sandbox.scenarios").after_start
        except (ImportError, AttributeError):
            return
        steps(self.scenario, self)

    def _ssl_context(self) -> ssl.SSLContext:
        cert, key = self_signed_certificate(tuple(dict.fromkeys((self.host, "127.0.0.1", "localhost"))))
        self._cert_pem = cert
        return server_ssl_context(cert, key)

    def _run(self) -> None:
        run_loop(self, self._serve)

    async def _serve(self) -> None:
        quiet_request_errors()
        app = self.server.make_app()
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True, ssl_context=self._ssl)
        await site.start()
        self.port = bound_port(site) or self.port

    def stop(self) -> None:
        """Stop the controllers, the simulator and the server; idempotent."""
        if self.workloads is not None:
            try:
                self.workloads.stop()
            finally:
                self.workloads = None
        if self.simulator is not None:
            try:
                self.simulator.stop()
            finally:
                self.simulator = None
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._runner is not None and not loop.is_closed():
            fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop)
            try:
                fut.result(10)
            except Exception:  # noqa: BLE001 - stopping must not raise
                log.exception("sandbox shutdown")
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- kubeconfig ------------------------------------------------------------------------------

    def kubeconfig(self) -> dict[str, Any]:
        """A kubeconfig with contexts `sandbox` (admin) and `sandbox-readonly`."""
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sandbox", "cluster": {
                "server": self.url,
                "certificate-authority-data": base64.b64encode(self._cert_pem).decode(),
            }}],
            "users": [
                {"name": "sandbox-admin", "user": {"token": self.token}},
                {"name": "sandbox-readonly", "user": {"token": self.readonly_token}},
            ],
            "contexts": [
                {"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox-admin",
                                                "namespace": "default"}},
                {"name": "sandbox-readonly", "context": {"cluster": "sandbox", "user": "sandbox-readonly",
                                                         "namespace": "default"}},
            ],
            "current-context": "sandbox",
            "preferences": {},
        }

    def write_kubeconfig(self, path: str | Path) -> None:
        """Write kubeconfig() to path (mode 0600: it holds tokens); see write_private_file."""
        p = Path(path)
        write_private_file(p, yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        self.kubeconfig_path = p
