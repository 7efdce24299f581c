"""The real-terminal harness: the installed `multus-tui` console script in tmux, against a sandbox it
starts as a separate process (`multus-tui sandbox`), driven with send-keys like a person and read with
capture-pane; every result is also checked with the real kubectl.

`Term` counts what the user had to press: `keys` (Tab, Enter, arrows, shortcuts) apart from the
characters of typed values (`typed`), so a test can report the cost of a story from the keyboard.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SOCKET = f"multus-tui-e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}"
WIDTH, HEIGHT = 170, 50


def _tmux(*args: str, check: bool = True) -> str:
    # A clean environment: pytest or a plugin may export COLUMNS/LINES, which Textual would obey
    # over the real window size.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color",
           "HOME": os.environ.get("HOME", "/root")}
    return subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True,
                          check=check, env=env).stdout


def installed_script() -> str:
    """The `multus-tui` console script, after checking it runs this checkout's code."""
    need(shutil.which("tmux") is not None, "tmux is not installed")
    script = shutil.which("multus-tui")
    need(script is not None, "the multus-tui console script is not on PATH (pip install -e .)")
    assert script is not None
    first = Path(script).read_text(errors="replace").splitlines()[0]
    python = first[2:].strip() if first.startswith("#!") else sys.executable
    where = subprocess.run([python, "-c", "import multus_tui.cli, sys; sys.stdout.write(multus_tui.cli.__file__)"],
                           capture_output=True, text=True, cwd="/").stdout
    need(Path(where).resolve().is_relative_to(ROOT),
         f"the installed multus-tui runs {where or 'nothing'}, not this checkout ({ROOT}): pip install -e .")
    return script


class Sandbox:
    """`multus-tui sandbox` in its own process; `kubectl(...)` talks to it."""

    def __init__(self, tmp: Path, scenario: str) -> None:
        self.kubeconfig = tmp / "kubeconfig"
        self.log = tmp / "sandbox.log"
        self.proc = subprocess.Popen(
            [installed_script(), "sandbox", "--kubeconfig", str(self.kubeconfig), "--scenario", scenario],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the sandbox exited: {self.log.read_text()}")
            if self.kubeconfig.exists() and self.kubectl_ok("get", "--raw", "/readyz"):
                return
            time.sleep(0.2)
        raise AssertionError(f"the sandbox did not come up: {self.log.read_text()}")

    def kubectl_ok(self, *args: str) -> bool:
        return subprocess.run(["kubectl", "--kubeconfig", str(self.kubeconfig), *args],
                              capture_output=True, timeout=30).returncode == 0

    def kubectl(self, *args: str, stdin: str | None = None) -> str:
        proc = subprocess.run(["kubectl", "--kubeconfig", str(self.kubeconfig), *args], input=stdin,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def get(self, kind: str, name: str, namespace: str = "default") -> dict:
        return json.loads(self.kubectl("get", kind, name, "-n", namespace, "-o", "json"))

    def wait(self, cond: Callable[[], object], timeout: float, what: str) -> object:
        return wait_until(cond, timeout, what, interval=0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Term:
    """The installed console script in a tmux pane, driven like a person."""

    def __init__(self, tmp: Path, args: list[str]) -> None:
        self.session = f"e2e-{uuid.uuid4().hex[:8]}"
        self.rc_file = tmp / "rc"
        self.keys_pressed = 0
        self.typed = 0
        self.log: list[str] = []
        home = tmp / "home"
        home.mkdir(exist_ok=True)
        env = {"TERM": "xterm-256color", "HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "LANG": "C.UTF-8"}
        cmd = " ".join(shlex.quote(a) for a in [installed_script(), *args])
        # Textual draws on stderr: it stays the terminal. A traceback lands there after the app leaves
        # the alternate screen, which `history()` reads back.
        # The exit code lands in a temporary file first and is renamed into place, so the rc file never
        # exists empty (the redirection creates it before echo writes it; a reader in between saw "").
        rc_tmp = shlex.quote(str(self.rc_file) + ".tmp")
        script = f"{cmd}; echo $? > {rc_tmp}; mv {rc_tmp} {shlex.quote(str(self.rc_file))}; exec sleep 600"
        env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
        _tmux("new-session", "-d", "-s", self.session, "-x", str(WIDTH), "-y", str(HEIGHT), *env_args,
              "bash", "--norc", "-c", script)
        _tmux("resize-window", "-t", self.session, "-x", str(WIDTH), "-y", str(HEIGHT))
        self.tmp = tmp

    # -- reading ---------------------------------------------------------------------------------
    def screen(self) -> str:
        return _tmux("capture-pane", "-p", "-t", self.session)

    def history(self) -> str:
        """Everything the pane printed outside the app's alternate screen (scrollback included)."""
        return _tmux("capture-pane", "-p", "-S", "-", "-t", self.session)

    def wait(self, cond: str | re.Pattern[str] | Callable[[str], object], timeout: float = 20,
             what: str | None = None) -> str:
        """Wait until the screen shows `cond` (a substring, a regex, or a predicate of the screen)."""
        if isinstance(cond, str):
            text = cond

            def check(s: str) -> object:
                return text in s
        elif isinstance(cond, re.Pattern):
            pattern = cond

            def check(s: str) -> object:
                return pattern.search(s)
        else:
            check = cond
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            self.assert_alive(screen)
            time.sleep(0.15)
        raise AssertionError(f"timed out waiting for {what or cond!r}; screen was:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 20) -> str:
        return self.wait(lambda s: text not in s, timeout, f"{text!r} to disappear")

    def alive(self) -> bool:
        return not self.rc_file.exists()

    def assert_alive(self, screen: str | None = None) -> None:
        if not self.alive():
            raise AssertionError(f"the app exited (rc {self.rc_file.read_text().strip()}):\n"
                                 f"{self.history()[-4000:]}")

    # -- acting ----------------------------------------------------------------------------------
    def keys(self, *keys: str, pause: float = 0.12) -> None:
        """Press keys (tmux names: Tab, BTab, Enter, Escape, Up, C-s, ...), one at a time."""
        for k in keys:
            self.assert_alive()
            _tmux("send-keys", "-t", self.session, k)
            self.keys_pressed += 1
            self.log.append(k)
            time.sleep(pause)

    def type(self, text: str) -> None:
        """Type a value (counted apart from the keys)."""
        self.assert_alive()
        _tmux("send-keys", "-t", self.session, "-l", text)
        self.typed += len(text)
        self.log.append(repr(text))
        time.sleep(0.15)

    def quit(self) -> None:
        """`q` from wherever we are (escape out of inputs first); the app must exit 0."""
        for _ in range(6):
            if not self.alive():
                break
            _tmux("send-keys", "-t", self.session, "Escape")
            time.sleep(0.3)
            _tmux("send-keys", "-t", self.session, "q")
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and self.alive():
                time.sleep(0.1)
        assert not self.alive(), "the app did not quit on q"
        rc = self.rc_file.read_text().strip()
        after = self.history()
        assert rc == "0", f"exit code {rc}:\n{after[-4000:]}"
        assert "Traceback" not in after and "Error" not in after, after[-4000:]
        assert _tmux("display-message", "-p", "-t", self.session, "#{alternate_on}").strip() == "0"

    def close(self) -> None:
        _tmux("kill-session", "-t", self.session, check=False)


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[[str], Sandbox]]:
    started: list[Sandbox] = []

    def make(scenario: str = "seed") -> Sandbox:
        need(shutil.which("kubectl") is not None, "kubectl is not installed")
        d = tmp_path / f"sandbox-{len(started)}"
        d.mkdir()
        sb = Sandbox(d, scenario)
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def term_factory(tmp_path: Path) -> Iterator[Callable[..., Term]]:
    terms: list[Term] = []

    def make(sandbox: Sandbox, *args: str) -> Term:
        d = tmp_path / f"term-{len(terms)}"
        d.mkdir()
        t = Term(d, ["--kubeconfig", str(sandbox.kubeconfig), *args])
        terms.append(t)
        return t

    yield make
    for t in terms:
        t.close()
    _tmux("kill-server", check=False)
