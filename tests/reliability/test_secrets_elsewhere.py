"""Issue 14 item 7: secrets that are not in the kubeconfig.

* An exec credential plugin's stderr was copied verbatim into the error line and into the --debug
  log. Now it is scrubbed (known credential shapes, and any long word mixing letters and digits)
  before it is shown, and never handed to a log handler as it was.
* `multus-tui sandbox` printed its admin token: aiohttp logs a malformed request (a NUL after the
  bearer token) with a traceback quoting the header line. Now the line says what went wrong only."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import yaml

from multus_tui.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ["q8Zr2LmX0vTn4KpW7sYd1HbJ", "hunter2hunter2", "AKIAIOSFODNN7EXAMPLE",
           "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"]


def plugin(d: Path) -> Path:
    script = d / "cred-plugin"
    script.write_text("#!/bin/sh\n"
                      f"echo 'error: refresh failed for session {SECRETS[0]}' >&2\n"
                      f"echo 'debug: password={SECRETS[1]} key {SECRETS[2]}' >&2\n"
                      f"echo 'cached id token {SECRETS[3]} expired; run: login-tool sso login' >&2\n"
                      "exit 1\n")
    script.chmod(0o755)
    return script


def test_exec_plugin_stderr_is_scrubbed_on_screen_and_never_logged_raw(tmp_path, probe):
    p = probe("exec plugin stderr: error line and --debug log", fixed=True)
    with Sandbox("empty") as sb:
        cfg = sb.kubeconfig()
        user = cfg["users"][0]["user"]
        user.pop("token")
        user["exec"] = {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin(tmp_path)),
                        "interactiveMode": "Never"}
        kc = tmp_path / "kc.yaml"
        kc.write_text(yaml.safe_dump(cfg))
        state = tmp_path / "state"
        env = {**os.environ, "XDG_STATE_HOME": str(state), "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-m", "multus_tui", "--debug", "status", "--kubeconfig", str(kc), "-A"],
                              capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    log = (state / "multus-tui" / "debug.log").read_text(errors="replace")
    assert proc.returncode == 1
    assert "exec credential plugin" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    # still useful: what failed and what to do, in the plugin's words
    assert "refresh failed for session" in proc.stderr and "sso login" in proc.stderr, proc.stderr
    for s in SECRETS:
        assert s not in proc.stderr, (s, proc.stderr)
        assert s not in log, (s, log[-2000:])
    p.survived()


def bad_requests(url: str, token: str) -> list[bytes]:
    u = urlparse(url)
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    answers = []
    for hdr in (f"Authorization: Bearer {token}\x00\r\n", f"Authorization: Bearer {token}\r\nX-Bad: a\x00b\r\n",
                f"X-Bad: \x01\r\nAuthorization: Bearer {token}\r\n"):
        with socket.create_connection((u.hostname, u.port), timeout=10) as raw, \
                ctx.wrap_socket(raw, server_hostname=u.hostname) as s:
            s.sendall(f"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n{hdr}\r\n".encode())
            answers.append(s.recv(4096))
    return answers


def test_the_sandbox_never_logs_request_headers(tmp_path, probe):
    p = probe("sandbox: NUL in a header does not print the token", fixed=True)
    from tests.reliability.test_reload_stale import SandboxProcess

    kc = tmp_path / "kc.yaml"
    sb = SandboxProcess(kc, scenario="empty")  # its stderr comes with its stdout
    try:
        cfg = yaml.safe_load(kc.read_text())
        token = cfg["users"][0]["user"]["token"]
        answers = bad_requests(cfg["clusters"][0]["cluster"]["server"], token)
        assert all(a.startswith(b"HTTP/1.") and b" 400 " in a.split(b"\r\n")[0] for a in answers), answers
    finally:
        err = sb.stop()
    assert sb.proc.returncode == 0
    assert token not in err, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert err.count("Error handling request") == 3, err  # said, once per bad request, on one line each
    p.survived()


def test_in_process_sandbox_filter_keeps_the_line(caplog):
    """The in-process sandbox (--demo, tests) installs the same filter: the record keeps its first
    line, loses the exception's text."""
    import logging

    with Sandbox("empty") as sb:
        with caplog.at_level(logging.ERROR, logger="aiohttp.server"):
            bad_requests(sb.url, sb.token)
            deadline = time.monotonic() + 10
            while len([r for r in caplog.records if "Error handling request" in r.getMessage()]) < 3 \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
        texts = [r.getMessage() for r in caplog.records]
        assert any("Error handling request" in t and "request not logged" in t for t in texts), texts
        assert not any(sb.token in t for t in texts)
        assert not any(r.exc_info for r in caplog.records)
