"""Everything that can go wrong talking to a cluster, as one exception with a message a person understands.

`from_exception` maps what the kubernetes client and urllib3 raise (ApiException with a metav1.Status
body, connection refused, timeouts, TLS failures, kubeconfig errors) to a `ClusterError` whose
`message` is one line. Credentials never reach a message: every text that leaves this module goes
through `redact` (multus_tui.logs: bearer tokens, token/password values, PEM blocks, JWTs and any secret
registered with `register_secret`; the kubeconfig loader registers the token it read).
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any

# One registry of credentials and one redactor for the whole program (multus_tui.logs, standard
# library only): what the kubeconfig loader registers is removed from errors, logs and the screen alike.
from multus_tui.logs import redact, register_secret

__all__ = ["ClusterError", "from_exception", "redact", "register_secret"]

class ClusterError(Exception):
    """A failure talking to the cluster, with a one-line `message` fit for a status bar.

    `code` is the HTTP status (None for transport errors), `reason` the metav1.Status reason
    ("NotFound", "Conflict", "Invalid", ...) or a transport reason ("ConnectionRefused", "Timeout",
    "TLS", "NoKubeconfig", "ContextNotFound", ...), `causes` the Status details' causes as
    "field: message" lines (for 422 and server-side apply conflicts).
    """

    def __init__(self, message: str, code: int | None = None, reason: str | None = None,
                 causes: list[str] | None = None, owners: list[tuple[str, str]] | None = None) -> None:
        self.message = redact(" ".join(str(message).split()))
        self.code = code
        self.reason = reason
        self.causes = [redact(c) for c in (causes or [])]
        # server-side apply conflicts: (field path, manager that owns it), in the server's order
        self.owners = list(owners or [])
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def details(self) -> str:
        """The message followed by one line per cause (for a dialog, where there is room)."""
        return "\n".join([self.message, *(f"  - {c}" for c in self.causes)])

    @property
    def is_conflict(self) -> bool:
        return self.code == 409

    @property
    def is_stale(self) -> bool:
        """A write refused because the object changed since the version it was based on."""
        return self.code == 409 and self.reason == "Conflict" and not self.owners and \
            "changed on the server" in self.message

    @property
    def is_gone(self) -> bool:
        return self.code == 410

    @property
    def retryable(self) -> bool:
        """Whether trying again later may help (transport trouble, 429, 5xx, 410 via relist)."""
        return self.code is None or self.code in (408, 410, 429) or (self.code or 0) >= 500


def _status_body(body: Any) -> dict | None:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    return body if isinstance(body, dict) else None


def _causes(status: dict) -> list[str]:
    out = []
    for c in ((status.get("details") or {}).get("causes") or []):
        if not isinstance(c, dict):
            continue
        field, msg = c.get("field"), c.get("message") or c.get("reason") or ""
        out.append(f"{field}: {msg}" if field else str(msg))
    return out


_SSA_CONFLICT = re.compile(r'conflict with "([^"]+)"(?: using ([^:]+))?')


def _conflict_message(status: dict, msg: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    """Server-side apply conflicts: say which manager owns which field, so the user can decide to
    take the field over (force) or leave it. Returns (message, causes, [(field, manager)])."""
    owners: list[tuple[str, str]] = []
    for c in ((status.get("details") or {}).get("causes") or []):
        if not isinstance(c, dict):
            continue
        m = _SSA_CONFLICT.search(c.get("message") or "")
        if not m and c.get("reason") != "FieldManagerConflict":
            continue
        owners.append((str(c.get("field") or "?"), m.group(1) if m else "another field manager"))
    if not owners:  # no causes: kube's message alone says `conflict with "mgr" using v1: .spec.config`
        for m in re.finditer(r'conflict with "([^"]+)"(?: using [^:]+)?: (\S+)', msg):
            owners.append((m.group(2), m.group(1)))
    if owners:
        lines = [f"{f} is owned by {mgr!r}" for f, mgr in owners]
        return ("apply conflict: " + "; ".join(lines)
                + " (multus-tui does not take over fields another manager owns unless forced)", lines, owners)
    if "the object has been modified" in msg:
        return ("conflict: the object changed on the server since it was read; reload and try again", [], [])
    return (f"conflict: {msg}", _causes(status), [])


def from_api_status(code: int | None, status: dict | None, fallback: str = "") -> ClusterError:
    """Build a ClusterError from an HTTP status code and a metav1.Status body (or None)."""
    status = status or {}
    msg = str(status.get("message") or fallback or "").strip()
    reason = status.get("reason") or None
    code = int(status.get("code") or code or 0) or None
    causes = _causes(status)
    owners: list[tuple[str, str]] = []
    if code == 401:
        text = "the cluster rejected the credentials (401 Unauthorized): the token or certificate is invalid or expired"
    elif code == 403:
        text = f"forbidden: {msg}" if msg else "forbidden (403): this user may not do that"
    elif code == 404:
        text = f"not found: {msg}" if msg else "not found (404)"
    elif code == 409 and reason == "AlreadyExists":
        text = f"already exists: {msg}"
    elif code == 409:
        text, causes, owners = _conflict_message(status, msg)
    elif code == 410:
        text = f"gone: {msg or 'the requested resourceVersion is too old'}"
    elif code == 422:
        text = f"invalid: {msg}" if msg else "invalid (422)"
    elif code == 400:
        text = f"bad request: {msg}"
    elif code == 429:
        text = f"the cluster is throttling requests (429): {msg}".rstrip(": ")
    elif code == 504 or reason == "Timeout":
        text = f"the cluster timed out: {msg}".rstrip(": ")
    elif code and code >= 500:
        text = f"server error {code}: {msg}".rstrip(": ")
    else:
        text = f"cluster error {code}: {msg}" if code else (msg or "cluster error")
    return ClusterError(text, code=code, reason=reason, causes=causes, owners=owners)


def _transport_message(exc: BaseException, server: str | None) -> ClusterError | None:
    """urllib3/socket failures: the reason is buried a few levels deep; dig it out."""
    import urllib3.exceptions as ux

    where = f" at {server}" if server else ""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = getattr(cur, "reason", None) if isinstance(getattr(cur, "reason", None), BaseException) else (
            cur.__cause__ or cur.__context__)
    for e in seen:
        text = str(e)
        if isinstance(e, ConnectionRefusedError) or "Connection refused" in text or "Errno 111" in text:
            return ClusterError(f"cannot reach the cluster{where}: connection refused (is it running?)",
                                reason="ConnectionRefused")
        if isinstance(e, (ux.ConnectTimeoutError,)):
            return ClusterError(f"cannot reach the cluster{where}: connection timed out", reason="Timeout")
        if isinstance(e, (ux.ReadTimeoutError, socket.timeout, TimeoutError)):
            return ClusterError(f"the cluster{where} did not answer in time", reason="Timeout")
        if isinstance(e, ux.SSLError) or "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text:
            if "UNEXPECTED_EOF" in text or "EOF occurred" in text:
                return ClusterError(f"the cluster{where} closed the connection", reason="ConnectionLost")
            if "CERTIFICATE_VERIFY_FAILED" in text:
                m = re.search(r"certificate verify failed: ([^(')]+)", text)
                detail = "certificate verify failed" + (f" ({m.group(1).strip()})" if m else "")
            elif "WRONG_VERSION_NUMBER" in text:
                detail = "the server does not speak TLS (should the URL be http://?)"
            else:
                m = re.search(r"\[SSL: [A-Z0-9_]+\] ([^(')]+)", text)
                detail = m.group(1).strip() if m else text.splitlines()[-1][:200]
            return ClusterError(f"TLS error talking to the cluster{where}: {detail}", reason="TLS")
        if isinstance(e, socket.gaierror) or "Name or service not known" in text or "nodename nor servname" in text:
            return ClusterError(f"cannot resolve the cluster's host name{where}", reason="DNS")
        if isinstance(e, (ux.ProtocolError, ConnectionResetError, BrokenPipeError)):
            return ClusterError(f"the connection to the cluster{where} was lost", reason="ConnectionLost")
    if isinstance(exc, (ux.HTTPError, OSError)):
        return ClusterError(f"cannot reach the cluster{where}: {exc}", reason="Connection")
    return None


def from_exception(exc: BaseException, server: str | None = None) -> ClusterError:
    """Map any exception raised while talking to a cluster to a ClusterError (idempotent)."""
    if isinstance(exc, ClusterError):
        return exc
    try:
        from kubernetes.client.exceptions import ApiException
        from kubernetes.config.config_exception import ConfigException
    except ImportError:  # pragma: no cover - the client is a hard dependency of this layer
        ApiException = ConfigException = ()  # type: ignore[assignment,misc]
    if ApiException and isinstance(exc, ApiException):
        if not exc.status:  # status 0: the client wraps SSL errors this way
            t = _transport_message(exc, server)
            if t:
                return t
            return ClusterError(f"cannot talk to the cluster{' at ' + server if server else ''}: "
                                f"{str(exc.reason).splitlines()[-1] if exc.reason else exc}", reason="Connection")
        return from_api_status(exc.status, _status_body(exc.body), fallback=str(exc.reason or ""))
    if ConfigException and isinstance(exc, ConfigException):
        return ClusterError(f"kubeconfig problem: {exc}", reason="Kubeconfig")
    t = _transport_message(exc, server)
    if t:
        return t
    return ClusterError(f"{type(exc).__name__}: {exc}", reason=type(exc).__name__)
