"""Credentials: never in output, logs or errors (--debug included); TLS verification stays on unless
the kubeconfig turns it off; the sandbox listens on 127.0.0.1 only and wants its token."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.sandbox.auth import self_signed_certificate
from multus_tui.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seed():
    with Sandbox("seed") as sb:
        yield sb


def client_key_kubeconfig(sb: Sandbox, path: Path, *, token: str | None = None) -> tuple[str, list[str]]:
    """The sandbox kubeconfig whose admin user also carries a client certificate and key (the sandbox
    ignores client certificates; they are there to be leaked, or not). Returns (path, secrets)."""
    cert, key = self_signed_certificate(("127.0.0.1",))
    cfg = sb.kubeconfig()
    user = cfg["users"][0]["user"]
    user["client-certificate-data"] = base64.b64encode(cert).decode()
    user["client-key-data"] = base64.b64encode(key).decode()
    if token is not None:
        user["token"] = token
    path.write_text(yaml.safe_dump(cfg))
    path.chmod(0o600)
    key_body = [ln for ln in key.decode().splitlines() if ln and not ln.startswith("-----")]
    return str(path), [user["token"], user["client-key-data"], *key_body]


def run_cli(args: list[str], state: Path, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], str]:
    env = {**os.environ, "XDG_STATE_HOME": str(state), "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "multus_tui", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    log = state / "multus-tui" / "debug.log"
    return proc, (log.read_text(errors="replace") if log.exists() else "")


def assert_no_secret(secrets: list[str], *texts: str) -> None:
    for s in secrets:
        for t in texts:
            assert s not in t, f"a credential leaked: ...{t[max(0, t.find(s) - 80):t.find(s) + 20]!r}"


@pytest.mark.parametrize("command", ["status", "doctor"])
def test_cli_with_debug_never_writes_credentials(seed, tmp_path, command, tally):
    kc, secrets = client_key_kubeconfig(seed, tmp_path / "kc.yaml")
    proc, log = run_cli(["--debug", command, "--kubeconfig", kc, "-A", "-o", "json"], tmp_path / "state")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert log, "--debug wrote no debug log"
    assert "GET" in log or "urllib3" in log or "multus_tui" in log, "the debug log holds no requests"
    assert_no_secret(secrets, proc.stdout, proc.stderr, log)
    tally.checked("credential scan: CLI --debug")


def test_rejected_token_error_does_not_echo_it(seed, tmp_path, tally):
    bad = "not-the-sandbox-token-" + "x" * 20
    kc, secrets = client_key_kubeconfig(seed, tmp_path / "kc.yaml", token=bad)
    proc, log = run_cli(["--debug", "status", "--kubeconfig", kc], tmp_path / "state")
    assert proc.returncode == 1
    assert "401" in proc.stderr or "credentials" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert_no_secret([*secrets, seed.token], proc.stdout, proc.stderr, log)
    tally.checked("credential scan: rejected token")


async def test_tui_with_debug_never_writes_credentials(seed, tmp_path, monkeypatch, tally):
    from multus_tui import logs
    from multus_tui.ui.screens.namespace import NamespaceScreen
    from tests.ui.ui_harness import SIZE, make_app, wait_for

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    kc, secrets = client_key_kubeconfig(seed, tmp_path / "kc.yaml")
    path = logs.setup(True, announce=False)
    try:
        app = make_app(kc, namespace="default")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, NamespaceScreen) and app.connection[0] == "live")
            await pilot.press("2")
            await wait_for(pilot, lambda: app.ctx.store.pods("default"))
            await pilot.pause(0.2)
            screen_text = app.export_screenshot()
            await pilot.press("q")
    finally:
        logs.setup(False)
    log = Path(path).read_text(errors="replace")
    assert log
    assert_no_secret(secrets, log, screen_text)
    tally.checked("credential scan: TUI --debug")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_is_verified_unless_the_kubeconfig_turns_it_off(seed, tmp_path, tally):
    cfg = seed.kubeconfig()
    del cfg["clusters"][0]["cluster"]["certificate-authority-data"]
    no_ca = tmp_path / "no-ca.yaml"
    no_ca.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ClusterError) as err:
        Cluster(load_cluster(str(no_ca))).server_version()
    assert err.value.reason == "TLS" and "certificate verify failed" in err.value.message, err.value.message
    assert seed.token not in err.value.message
    # the same through the CLI: one clear line, no traceback
    proc, _ = run_cli(["status", "--kubeconfig", str(no_ca)], tmp_path / "state")
    assert proc.returncode == 1 and "certificate verify failed" in proc.stderr and "Traceback" not in proc.stderr

    cfg["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True
    insecure = tmp_path / "insecure.yaml"
    insecure.write_text(yaml.safe_dump(cfg))
    assert Cluster(load_cluster(str(insecure))).server_version()
    tally.checked("TLS: unverified server refused")


def test_sandbox_listens_on_loopback_only_and_wants_its_token(seed, tally):
    addrs = seed._runner.addresses  # the bound sockets
    assert addrs and all(a[0] == "127.0.0.1" for a in addrs), addrs
    with pytest.raises(ValueError):
        Sandbox("empty", host="0.0.0.0")
    ctx = ssl.create_default_context(cadata=seed.ca_pem.decode())

    def get(headers: dict[str, str]) -> int:
        req = urllib.request.Request(seed.url + "/api/v1/namespaces", headers=headers)
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            body = json.loads(e.read() or b"{}")
            assert body.get("kind") == "Status" and body.get("code") == e.code
            return e.code

    assert get({}) == 401
    assert get({"Authorization": "Bearer wrong-token"}) == 401
    assert get({"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}) == 401
    assert get({"Authorization": f"Bearer {seed.token}"}) == 200
    tally.checked("sandbox: unauthenticated request refused", 3)
