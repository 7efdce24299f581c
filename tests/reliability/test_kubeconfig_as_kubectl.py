"""Issue 14 item 6: the kubeconfig read as kubectl reads it.

* A `tokenFile` that ends in a newline (as `echo TOKEN > file` writes it) failed every request with
  "Invalid header value"; client-go reads it with strings.TrimSpace (transport/token_source.go), and
  kubectl works with it. An empty one is refused as client-go words it ("read empty token from file").
* With a merged `KUBECONFIG=a:b` the app handed `--kubeconfig a:b` to kubectl for the shell key (one
  file named "a:b": kubectl fails) and to its own context switch and reload (same failure). kubectl
  now gets the environment, and the app reads the list as kubectl reads $KUBECONFIG."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from multus_tui.sandbox.runner import Sandbox
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
KUBECTL = shutil.which("kubectl")


@pytest.fixture(scope="module")
def sb():
    with Sandbox("seed") as s:
        yield s


def token_file_kubeconfig(sb: Sandbox, d: Path, content: str) -> Path:
    cfg = sb.kubeconfig()
    token = cfg["users"][0]["user"].pop("token")
    tf = d / "token"
    tf.write_text(content.replace("TOKEN", token))
    tf.chmod(0o600)
    cfg["users"][0]["user"]["tokenFile"] = str(tf)
    kc = d / "kubeconfig"
    kc.write_text(yaml.safe_dump(cfg))
    kc.chmod(0o600)
    return kc


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "multus_tui", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), **(env or {})}, cwd=ROOT)


@pytest.mark.parametrize("content", ["TOKEN\n", "  TOKEN \r\n\n"])
def test_token_file_with_a_trailing_newline_works_as_in_kubectl(sb, tmp_path, content, probe):
    need(KUBECTL is not None, "kubectl is not installed")
    p = probe(f"kubeconfig: tokenFile {content!r}", fixed=True)
    kc = token_file_kubeconfig(sb, tmp_path, content)
    out = subprocess.run([KUBECTL, "--kubeconfig", str(kc), "get", "pods", "-n", "default", "-o", "name"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr  # kubectl trims it
    proc = cli("status", "--kubeconfig", str(kc), "-n", "default")
    assert proc.returncode == 0, proc.stderr
    assert "samplepod" in proc.stdout
    p.survived()


def test_an_empty_token_file_is_named(sb, tmp_path, probe):
    p = probe("kubeconfig: empty tokenFile", fixed=True)
    kc = token_file_kubeconfig(sb, tmp_path, "\n")
    proc = cli("status", "--kubeconfig", str(kc), "-A")
    assert proc.returncode == 1
    assert "read empty token from file" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    p.survived()


def merged(sb: Sandbox, d: Path) -> tuple[Path, Path]:
    """a: the sandbox's kubeconfig; b: one more context, `other`, for the same cluster (namespace kube-system)."""
    a = d / "a.yaml"
    sb.write_kubeconfig(a)
    cfg = sb.kubeconfig()
    b = d / "b.yaml"
    b.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config",
                                 "clusters": [{"name": "other", "cluster": cfg["clusters"][0]["cluster"]}],
                                 "users": [{"name": "other", "user": cfg["users"][0]["user"]}],
                                 "contexts": [{"name": "other", "context": {"cluster": "other", "user": "other",
                                                                            "namespace": "kube-system"}}]}))
    b.chmod(0o600)
    return a, b


async def test_context_switch_and_reload_with_a_merged_kubeconfig(sb, tmp_path, monkeypatch, probe):
    from tests.ui.ui_harness import SIZE, make_app, wait_for

    p = probe("TUI: context switch / ctrl+r with KUBECONFIG=a:b", fixed=True)
    a, b = merged(sb, tmp_path)
    monkeypatch.setenv("KUBECONFIG", f"{a}{os.pathsep}{b}")
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.connection[0] == "live", what="live")
        assert os.pathsep in app.ctx.kubeconfig
        app.switch_context("other")
        await wait_for(pilot, lambda: app.ctx.context_name == "other" and app.connection[0] == "live",
                       what="switched to the context of the second file")
        assert app.ctx.namespace == "kube-system"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.connection[0] == "live", what="live after ctrl+r")
    p.survived()


def test_shell_command_with_a_merged_kubeconfig_uses_the_environment():
    from multus_tui.ui.app import kubectl_env, kubectl_exec_command
    from multus_tui.ui.context import AppContext

    ctx = AppContext(None, None, False, "ctx-a", "https://x", kubeconfig=f"/a{os.pathsep}/b")
    cmd = kubectl_exec_command(ctx, "default", "samplepod")
    assert "--kubeconfig" not in cmd and cmd[1:3] == ["--context", "ctx-a"]
    assert kubectl_env(ctx)["KUBECONFIG"] == f"/a{os.pathsep}/b"


def test_shell_key_in_a_real_terminal_with_a_merged_kubeconfig(sb, tmp_path, probe):
    """`s` on a pod runs the real kubectl exec against the sandbox: its simulated shell answers."""
    need(KUBECTL is not None, "kubectl is not installed")
    need(shutil.which("tmux") is not None, "tmux is not installed")
    from tests.e2e.test_tmux_signals import SOCKET, tmux, wait_screen

    p = probe("TUI in tmux: shell key with KUBECONFIG=a:b", fixed=True)
    a, b = merged(sb, tmp_path)
    session = f"shell-{uuid.uuid4().hex[:8]}"
    env = {"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path / "state"), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "KUBECONFIG": f"{a}{os.pathsep}{b}"}
    env_args = [x for k, v in env.items() for x in ("-e", f"{k}={v}")]
    cmd = f"cd {shlex.quote(str(ROOT))} && exec {shlex.quote(sys.executable)} -m multus_tui -n default"
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "40", *env_args, "bash", "--norc", "-c", cmd)
    try:
        wait_screen(session, lambda s: "Namespace default" in s and "live" in s, 60, "the namespace screen")
        tmux("send-keys", "-t", session, "2")
        wait_screen(session, lambda s: "samplepod" in s, 30, "the pods tab")
        tmux("send-keys", "-t", session, "/")
        wait_screen(session, lambda s: "filter (substring" in s, 10, "the filter input")
        tmux("send-keys", "-t", session, "-l", "samplepod")
        wait_screen(session, lambda s: "dns-override" not in s, 10, "the filtered pods")
        tmux("send-keys", "-t", session, "Enter")  # done filtering: back to the table, its keys in the footer
        wait_screen(session, lambda s: "s Shell" in s, 10, "the table's keys")
        tmux("send-keys", "-t", session, "s")
        wait_screen(session, lambda s: "/ #" in s, 30, "the pod's shell prompt")
        tmux("send-keys", "-t", session, "-l", "hostname")
        tmux("send-keys", "-t", session, "Enter")
        wait_screen(session, lambda s: "samplepod" in s.split("/ #", 1)[-1], 10, "hostname answered")
        tmux("send-keys", "-t", session, "-l", "exit")
        tmux("send-keys", "-t", session, "Enter")
        wait_screen(session, lambda s: "Namespace default" in s, 20, "back in the TUI")
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True)
    p.survived()
