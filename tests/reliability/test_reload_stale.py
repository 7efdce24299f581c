"""Issue 14 item 5: recovery and staleness, against a sandbox running as its own process
(`python3 -m multus_tui sandbox --kubeconfig PATH --port N`), so it can be restarted and frozen.

* ctrl+r reads the kubeconfig again: after the sandbox restarted with a new CA and new tokens (the
  same port, the same kubeconfig path rewritten), ctrl+r used to keep failing with a TLS error.
* With the server frozen (SIGSTOP) the header kept saying `● live`; now it says the data is stale and
  since when, once nothing (no event, no bookmark) arrived for twice the bookmark period, and goes
  back to live when the server answers again (SIGCONT)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from multus_tui.ui.screens.home import HomeScreen
from multus_tui.ui.widgets import LiveTable
from multus_tui.ui.widgets.header import ClusterHeader
from tests.ui.ui_harness import SIZE, make_app, table_rows, wait_for

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxProcess:
    """`python3 -m multus_tui sandbox` as its own process, started once it says it listens."""

    def __init__(self, kubeconfig: Path, port: int = 0, scenario: str = "seed", *, fresh: bool = True) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if fresh and kubeconfig.exists():
            kubeconfig.unlink()
        self.proc = subprocess.Popen([sys.executable, "-m", "multus_tui", "sandbox", "--kubeconfig", str(kubeconfig),
                                      "--port", str(port), "--scenario", scenario],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # waits for the sandbox to say it listens (the kubeconfig is written)
            if "Ctrl-C to stop" in line:
                break
        else:
            raise AssertionError(f"the sandbox did not start (exit {self.proc.wait()})")

    def stop(self) -> str:
        """Stop it (SIGTERM, after a SIGCONT in case it was frozen); returns what it wrote to stdout/stderr."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        return out or ""


def kubectl(kc: Path, *args: str) -> None:
    subprocess.run(["kubectl", "--kubeconfig", str(kc), *args], check=True, capture_output=True, timeout=30)


def header(app) -> str:
    return app.screen.query_one(ClusterHeader).header_text().plain


def namespaces_shown(app) -> set[str]:
    return set(table_rows(app.screen.query_one("#namespaces", LiveTable))) if isinstance(app.screen, HomeScreen) else set()


async def test_ctrl_r_reads_the_kubeconfig_again_after_a_restart(tmp_path, probe):
    import shutil

    from tests.conftest import need

    need(shutil.which("kubectl") is not None, "kubectl is not installed")
    p = probe("TUI: ctrl+r after the server restarted with a new CA and tokens", fixed=True)
    kc, port = tmp_path / "kubeconfig", free_port()
    first = SandboxProcess(kc, port)
    second = None
    app = make_app(str(kc))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "● live" in header(app) and "default" in namespaces_shown(app), 60,
                           what="live on the first sandbox")
            first.stop()
            second = SandboxProcess(kc, port)  # new CA, new tokens, same address and kubeconfig path
            kubectl(kc, "create", "namespace", "after-restart")
            # the old credentials cannot work: the header stops saying live
            await wait_for(pilot, lambda: "● live" not in header(app), 60, what="the connection fails")
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: "● live" in header(app) and "after-restart" in namespaces_shown(app), 60,
                           what="live again on the restarted sandbox, its data shown")
    finally:
        first.stop()
        if second is not None:
            second.stop()
    p.survived()


async def test_a_frozen_server_makes_the_header_say_stale_and_since_when(tmp_path, probe):
    p = probe("TUI: server frozen (SIGSTOP) -> header says stale and since when", fixed=True)
    kc = tmp_path / "kubeconfig"
    sb = SandboxProcess(kc, free_port())
    app = make_app(str(kc))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "● live" in header(app), 60, what="live")
            store = app.ctx.store
            # a bookmark after a quiet moment teaches the store the server's period (the sandbox: 5 s)
            await wait_for(pilot, lambda: store.bookmark_period is not None, 30, what="a bookmark period learnt")
            frozen_at = time.time()
            os.kill(sb.proc.pid, signal.SIGSTOP)
            try:
                text = await wait_for(pilot, lambda: "stale" in header(app) and header(app), 60, what="stale shown")
                assert "● stale" in text and "no event or bookmark since" in text, text
                shown = text.split("since ", 1)[1][:8]
                # "since" is when the server was last heard from: before it was frozen, and not long before
                t = time.strptime(time.strftime("%Y-%m-%d ", time.localtime(frozen_at)) + shown, "%Y-%m-%d %H:%M:%S")
                assert frozen_at - 15 <= time.mktime(t) <= frozen_at + 1, (shown, frozen_at)
            finally:
                os.kill(sb.proc.pid, signal.SIGCONT)
            await wait_for(pilot, lambda: "● live" in header(app), 60, what="live again after SIGCONT")
    finally:
        sb.stop()
    p.survived()


@pytest.mark.parametrize("period, expected", [(None, 90.0), (1.0, 10.0), (5.0, 10.0), (60.0, 120.0)])
def test_stale_threshold_follows_the_bookmark_period(period, expected):
    from multus_tui.cluster.store import LiveStore

    store = LiveStore.__new__(LiveStore)
    store.bookmark_period = period
    assert store.stale_after == expected
