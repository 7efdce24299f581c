"""The stale-reservation story end to end in a real terminal: the sandbox runs as its own process
(`python3 -m multus_tui sandbox --scenario stale-pools`, whose node-3 crashes and leaves whereabouts
allocations behind), the TUI runs in tmux on its kubeconfig, a person finds the stale allocation with
`:pools` and releases it (ctrl+d, then y); the real kubectl confirms the IPPool afterwards."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.conftest import need
from tests.e2e.test_tmux_demo import CLEAN_ENV, SOCKET, tmux, wait_screen
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _kubectl(kc: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["kubectl", "--kubeconfig", str(kc), *args], capture_output=True, text=True, timeout=30,
                          env={"HOME": str(kc.parent), "PATH": "/usr/bin:/bin"})


def _wait(predicate, timeout: float, what: str):
    return wait_until(predicate, timeout, what, interval=0.2)


def _allocations(kc: Path) -> list[str]:
    out = _kubectl(kc, "get", "ippool", "192.168.20.0-28", "-n", "kube-system", "-o", "json")
    return sorted(json.loads(out.stdout)["spec"]["allocations"]) if out.returncode == 0 else []


def test_stale_reservation_found_and_released_in_a_real_terminal(tmp_path: Path):
    need(shutil.which("tmux") is not None, "tmux is not installed")
    need(shutil.which("kubectl") is not None, "kubectl is not installed")
    kc = tmp_path / "kubeconfig"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sandbox = subprocess.Popen([sys.executable, "-m", "multus_tui", "sandbox", "--kubeconfig", str(kc),
                                "--scenario", "stale-pools"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    session = f"multus-tui-pools-{uuid.uuid4().hex[:8]}"
    try:
        _wait(lambda: kc.exists() and _kubectl(kc, "get", "pod", "wa-late", "-o",
                                               "jsonpath={.status.phase}").stdout == "Running",
              60, "the sandbox with its crashed node and wa-late running")
        assert _allocations(kc) == ["1", "2", "3", "4", "5"]
        script = (f"cd {shlex.quote(str(ROOT))} && {shlex.quote(sys.executable)} -m multus_tui --kubeconfig "
                  f"{shlex.quote(str(kc))}; exec sleep 60")
        tenv = {"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
                "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        env_args = [a for k, v in tenv.items() for a in ("-e", f"{k}={v}")]
        tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45", *env_args, "bash", "--norc", "-c", script)
        tmux("resize-window", "-t", session, "-x", "160", "-y", "45")
        wait_screen(session, lambda s: "Namespaces" in s and "live" in s, 60, "the home screen")
        tmux("send-keys", "-t", session, ":")
        # type once the prompt shows (keys on their way before it opens would go to the table)
        wait_screen(session, lambda s: ":pools" in s and ":doctor" in s, 10, "the command line")
        tmux("send-keys", "-t", session, "-l", "pools")
        tmux("send-keys", "-t", session, "Enter")
        screen = wait_screen(session, lambda s: "Pools (whereabouts)" in s and s.count("stale: pod gone") == 2, 30,
                             "the inspector with two stale allocations")
        assert "kube-system/192.168.20.0-28" in screen and "default/vlan1-wa-pool" in screen
        assert "192.168.20.9" in screen  # the orphaned reservation
        # to the allocations, down to .3 (rows by offset: .1 .2 .3 ...), release it
        tmux("send-keys", "-t", session, "Tab")
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "Down", "Down")
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "C-d")
        wait_screen(session, lambda s: "Release 192.168.20.3 from pool kube-system/192.168.20.0-28?" in s, 10,
                    "the confirmation")
        tmux("send-keys", "-t", session, "y")
        wait_screen(session, lambda s: "Released 192.168.20.3" in s, 20, "the release notice")
        assert _wait(lambda: _allocations(kc) == ["1", "2", "4", "5"], 10, "the pool without .3")
        names = _kubectl(kc, "get", "overlappingrangeipreservations", "-n", "kube-system", "-o", "name").stdout
        assert "/192.168.20.3\n" not in names and "/192.168.20.4\n" in names
        wait_screen(session, lambda s: s.count("stale: pod gone") == 1, 20, "one stale allocation left on screen")
        tmux("send-keys", "-t", session, "q")
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True, env=CLEAN_ENV)
        sandbox.terminate()
        try:
            sandbox.wait(10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
