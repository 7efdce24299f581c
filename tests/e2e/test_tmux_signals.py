"""Issue 14 item 4: the terminal comes back when the TUI is ended by a signal (SIGTERM from `kill`,
SIGHUP from a closed ssh session, ...), with the conventional exit status 128 + the signal's number.

Before, Python's default action killed the process on the spot and the terminal stayed in the
alternate screen, cursor hidden, mouse reporting on: the user had to type `reset`.

In a real terminal: the TUI (`python3 -m multus_tui --demo`) runs in a tmux pane; the test sends the
signal with os.kill, then asks tmux about the pane (alternate screen, cursor, mouse modes) and the
shell about the tty (`stty -a`)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import need

# the demo test's private tmux server and helpers (its sessions and ours have distinct names)
from tests.e2e.test_tmux_demo import CLEAN_ENV, ROOT, SOCKET, tmux, wait_screen

__all__ = ["SOCKET", "tmux", "wait_screen"]


@pytest.fixture(scope="module", autouse=True)
def tmux_server():
    need(shutil.which("tmux") is not None, "tmux is not installed")
    yield
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True, env=CLEAN_ENV)


def pane_flags(session: str) -> dict[str, str]:
    names = ["alternate_on", "cursor_flag", "mouse_any_flag", "mouse_standard_flag", "mouse_button_flag",
             "mouse_all_flag", "mouse_sgr_flag", "wrap_flag"]
    out = tmux("display-message", "-p", "-t", session, " ".join(f"#{{{n}}}" for n in names)).split()
    return dict(zip(names, out, strict=True))


@pytest.mark.parametrize("signame, twice", [("SIGTERM", False), ("SIGHUP", False), ("SIGINT", False),
                                            ("SIGUSR1", False), ("SIGTERM", True)])
def test_terminal_is_restored_after_a_signal(tmp_path: Path, signame: str, twice: bool, probe):
    signum = getattr(signal, signame)
    p = probe(f"TUI: {signame}{' twice' if twice else ''} restores the terminal", fixed=True)
    session = f"sig-{uuid.uuid4().hex[:8]}"
    marker = "SHELL-BACK"
    pid_file, rc_file, stty_file = tmp_path / "pid", tmp_path / "rc", tmp_path / "stty"
    env = {"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path / "state"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    # the inner shell writes its pid and becomes the app (exec): the pid to signal is the app's
    app = f"echo $$ > {shlex.quote(str(pid_file))}; exec {shlex.quote(sys.executable)} -m multus_tui --demo"
    script = (f"cd {shlex.quote(str(ROOT))} && bash --norc -c {shlex.quote(app)}; "
              f"echo $? > {shlex.quote(str(rc_file))}; stty -a > {shlex.quote(str(stty_file))}; "
              f"echo {marker}; exec sleep 120")
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "35", *env_args, "bash", "--norc", "-c", script)
    try:
        wait_screen(session, lambda s: "Namespaces" in s and "live" in s, 60, "the home screen")
        # the app is up: alternate screen, hidden cursor, mouse reporting (what must be undone)
        before = pane_flags(session)
        assert before["alternate_on"] == "1" and before["cursor_flag"] == "0", before
        assert before["mouse_any_flag"] == "1" or before["mouse_all_flag"] == "1", before
        pid = int(pid_file.read_text())
        os.kill(pid, signum)
        if twice:
            os.kill(pid, signum)
        after_screen = wait_screen(session, lambda s: marker in s, 30, "the shell after the signal")
        assert rc_file.read_text().strip() == str(128 + signum)
        flags = pane_flags(session)
        assert flags == {**flags, "alternate_on": "0", "cursor_flag": "1", "mouse_any_flag": "0",
                         "mouse_standard_flag": "0", "mouse_button_flag": "0", "mouse_all_flag": "0",
                         "mouse_sgr_flag": "0", "wrap_flag": "1"}, flags
        assert "Namespaces" not in after_screen
        stty = set(stty_file.read_text().replace(";", " ").split())
        assert {"icanon", "echo", "isig", "icrnl", "ixon", "opost"} <= stty, stty  # cooked mode again
        assert not {"-icanon", "-echo", "-isig", "-icrnl"} & stty, stty
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True, env=CLEAN_ENV)
    p.survived()


def test_the_demo_sandbox_is_gone_after_sigterm(tmp_path: Path):
    """The clean exit also stops what the app started: no thread keeps the process (or a port) alive."""
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "XDG_STATE_HOME": str(tmp_path)}
    session = f"sig-{uuid.uuid4().hex[:8]}"
    pid_file = tmp_path / "pid"
    app = f"echo $$ > {shlex.quote(str(pid_file))}; exec {shlex.quote(sys.executable)} -m multus_tui --demo"
    env_args = [a for k, v in {k: env[k] for k in ("TERM", "PYTHONPATH", "XDG_STATE_HOME", "PATH")}.items()
                for a in ("-e", f"{k}={v}")]
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "35", *env_args, "bash", "--norc", "-c",
         f"cd {shlex.quote(str(ROOT))} && bash --norc -c {shlex.quote(app)}; exec sleep 120")
    try:
        wait_screen(session, lambda s: "Namespaces" in s and "live" in s, 60, "the home screen")
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
        assert not Path(f"/proc/{pid}").exists(), "the app is still running after SIGTERM"
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True, env=CLEAN_ENV)


def test_header_says_stale_when_the_server_is_frozen(tmp_path: Path, probe):
    """Issue 14 item 5 in a real terminal: the sandbox (its own process) is stopped with SIGSTOP; the
    header must stop saying live and say since when nothing was heard; SIGCONT brings it back."""
    from tests.reliability.test_reload_stale import SandboxProcess, free_port

    p = probe("TUI in tmux: frozen server -> header says stale", fixed=True)
    kc = tmp_path / "kubeconfig"
    sb = SandboxProcess(kc, free_port())
    session = f"stale-{uuid.uuid4().hex[:8]}"
    env = {"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path / "state"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    cmd = f"cd {shlex.quote(str(ROOT))} && exec {shlex.quote(sys.executable)} -m multus_tui --kubeconfig {shlex.quote(str(kc))}"
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "35", *env_args, "bash", "--norc", "-c", cmd)
    try:
        wait_screen(session, lambda s: "● live" in s and "default" in s, 60, "live")
        os.kill(sb.proc.pid, signal.SIGSTOP)
        try:
            screen = wait_screen(session, lambda s: "● stale" in s, 120, "the header saying stale")
            head = next(line for line in screen.splitlines() if "● stale" in line)
            assert "no event or bookmark since" in head, head
        finally:
            os.kill(sb.proc.pid, signal.SIGCONT)
        wait_screen(session, lambda s: "● live" in s, 60, "live again")
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True, env=CLEAN_ENV)
        sb.stop()
    p.survived()
