"""Logging for `--debug`, and `redact(text)`: credentials never reach a log, an error or the screen.

`setup(debug=True)` writes DEBUG records of every logger (ours, the kubernetes client's, urllib3's)
to `$XDG_STATE_HOME/multus-tui/debug.log` (mode 0600). Every record passes a `RedactingFilter` and
the file handler's formatter redacts again after formatting, so messages, their arguments,
tracebacks and stack info are all covered: bearer/basic credentials, `Authorization:` headers,
`token`/`password`/`client-key-data`/`*-certificate-data` values, PEM private keys and certificates,
and every secret registered with `register_secret` (the kubeconfig loader registers the token it read;
`multus_tui.cluster.errors` re-exports these two functions, so there is one registry).

`setup(debug=False)` installs a root handler that drops records: without any handler Python's
"last resort" would print library warnings (urllib3 retries...) onto the TUI's screen.

Standard library only: importable from every layer.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from pathlib import Path

from multus_tui.drafts import state_dir

_SECRETS: set[str] = set()
_LOCK = threading.Lock()

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # PEM blocks: private keys and certificates (client certs identify the user; keep them out too)
    (re.compile(r"-----BEGIN ([A-Z0-9 ]*?)-----.*?(?:-----END \1-----|\Z)", re.S), r"[redacted \1]"),
    # Authorization header in any spelling: "Authorization: Bearer x", "'authorization': 'Bearer x'"
    (re.compile(r"(?i)([\"']?(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+"), r"\1***"),
    # bare schemes with their credential
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=:-]{4,}"), r"\1 ***"),
    # key/value pairs in YAML, JSON, query strings or reprs
    (re.compile(r"(?i)([\"']?\b(?:access[_-]?token|id[_-]?token|refresh[_-]?token|token|password|passwd|secret"
                r"|client[_-]?key[_-]?data|client[_-]?key|client[_-]?certificate[_-]?data|clientKeyData"
                r"|certificate[_-]?authority[_-]?data)\b[\"']?\s*[:=]\s*)(?:\"[^\"]*\"|'[^']*'|[^\s,}&\]]+)"),
     r"\1***"),
    # JWTs (service-account tokens) wherever they appear
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), "***"),
]


def register_secret(value: str | None) -> None:
    """Remember a credential so `redact` removes it wherever it appears (values under 6 characters are
    ignored: removing "abc" from every line would destroy logs and protect nothing)."""
    if value and len(value) >= 6:
        with _LOCK:
            _SECRETS.add(value)
            if value.lower().startswith("bearer ") and len(value) >= 13:  # the token without its scheme too
                _SECRETS.add(value[7:])


def _registered() -> list[str]:
    with _LOCK:
        return sorted(_SECRETS, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every credential replaced by `***` (see the module docstring for what counts)."""
    if not text:
        return text
    for s in _registered():
        if s in text:
            text = text.replace(s, "***")
    for rx, repl in _PATTERNS:
        text = rx.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Redacts a record in place: the formatted message (arguments merged in) and any traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            msg = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(msg), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the final line as well (a handler's formatter sees what filters could not)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _Drop(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        pass


_INSTALLED: list[logging.Handler] = []


def log_path() -> Path:
    return state_dir() / "debug.log"


def setup(debug: bool = False, *, path: str | Path | None = None, announce: bool = True) -> Path | None:
    """Configure logging for a command; returns the debug log's path when `debug`.

    Idempotent: handlers installed by an earlier call are replaced.
    """
    root = logging.getLogger()
    for h in _INSTALLED:
        root.removeHandler(h)
        h.close()
    _INSTALLED.clear()
    if not debug:
        handler: logging.Handler = _Drop()
        root.addHandler(handler)
        _INSTALLED.append(handler)
        return None
    target = Path(path) if path else log_path()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(target, 0o600)
    handler = logging.FileHandler(target, encoding="utf-8", errors="backslashreplace")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter("%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.DEBUG)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    _INSTALLED.append(handler)
    if announce:
        print(f"multus-tui: debug log in {target}", file=sys.stderr)
    return target
