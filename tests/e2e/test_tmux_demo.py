"""One end-to-end run in a real terminal: `python3 -m multus_tui --demo` inside tmux, driven with
send-keys like a person, read with capture-pane; then quit and check the exit code and that the
terminal came back (no alternate screen left, the shell prompt visible, stty sane)."""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]


# A private tmux server per run: other tmux users (and their window-size settings) cannot interfere.
SOCKET = f"multus-tui-e2e-{uuid.uuid4().hex[:8]}"


# The tmux server inherits our environment; pytest (or a plugin) may export COLUMNS/LINES, which
# Textual would obey over the real window size. Start it from a clean one.
CLEAN_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color",
             "HOME": os.environ.get("HOME", "/root")}


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True,
                          check=True, env=CLEAN_ENV).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_screen(session: str, predicate, timeout: float, what: str) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if predicate(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")


def pool_address_row(screen: str) -> bool:
    for line in screen.splitlines():
        if "samplepod" in line and "vlan1-internal-pool" in line and "attached" in line:
            for m in re.finditer(r"\b192\.168\.0\.(\d+)\b", line):
                if ipaddress.ip_address("192.168.0.20") <= ipaddress.ip_address(m.group(0)) <= \
                        ipaddress.ip_address("192.168.0.49"):
                    return True
    return False


def test_demo_in_a_real_terminal(tmp_path: Path):
    need(shutil.which("tmux") is not None, "tmux is not installed")
    session = f"multus-tui-e2e-{uuid.uuid4().hex[:8]}"
    rc_file = tmp_path / "rc"
    marker = "E2E-SHELL-BACK"
    env = {"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    # The shell runs the app, records its exit code, then prints a marker and waits: capture-pane
    # after quitting must show the shell again (the alternate screen was left).
    script = (f"cd {shlex.quote(str(ROOT))} && {shlex.quote(sys.executable)} -m multus_tui --demo; "
              f"echo $? > {shlex.quote(str(rc_file))}; stty -a > {shlex.quote(str(tmp_path / 'stty'))}; "
              f"echo {marker}; exec sleep 60")
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "40", *env_args, "bash", "--norc", "-c", script)
    tmux("resize-window", "-t", session, "-x", "150", "-y", "40")
    try:
        wait_screen(session, lambda s: "Namespaces" in s and "default" in s and "live" in s, 60,
                    "the home screen on the demo cluster")
        # k9s-style: filter to the namespace, open it, switch to the Pods tab
        tmux("send-keys", "-t", session, "/")
        # keys already on their way to the table when `/` is handled stay there (Textual forwards a
        # burst to the widget focused at arrival): type once the filter shows, as a person would
        wait_screen(session, lambda s: "filter (substring" in s, 30, "the filter input")
        tmux("send-keys", "-t", session, "-l", "default")
        wait_screen(session, lambda s: "kube-system" not in s.split("NAMESPACE", 1)[-1], 30, "filtered home")
        tmux("send-keys", "-t", session, "Enter")
        # done typing: the focus is back on the table once the footer offers the one-letter keys again
        # (hidden while the filter takes letters); an Enter sent before that went to the filter
        wait_screen(session, lambda s: "q Quit" in s, 30, "the focus back on the table")
        tmux("send-keys", "-t", session, "Enter")
        wait_screen(session, lambda s: "Namespace default" in s, 30, "the namespace screen")
        tmux("send-keys", "-t", session, "2")
        wait_screen(session, pool_address_row, 30, "samplepod with its pool address")
        tmux("send-keys", "-t", session, "q")
        after = wait_screen(session, lambda s: marker in s, 30, "the shell after quitting")
        assert rc_file.read_text().strip() == "0"
        # the alternate screen is gone: the app's header is no longer on the terminal
        assert "Namespace default" not in after and "Multus:" not in after
        assert tmux("display-message", "-p", "-t", session, "#{alternate_on}").strip() == "0"
        stty = (tmp_path / "stty").read_text()
        assert " icanon" in stty and " echo" in stty and "-icanon" not in stty  # cooked mode restored
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True, env=CLEAN_ENV)
