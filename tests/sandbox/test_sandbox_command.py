"""`multus-tui sandbox` as a user runs it: a subprocess, a kubeconfig, kubectl, SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import need
from tests.waiting import TIMEOUT, wait_until

KUBECTL = shutil.which("kubectl")
ROOT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    # stderr to a file, not a pipe nobody reads (a full pipe would block the process); faulthandler
    # on, so a process that does not stop can be asked where it hangs
    err = (tmp_path / "sandbox.stderr").open("w")
    return subprocess.Popen([sys.executable, "-m", "multus_tui", "sandbox", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=err,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONFAULTHANDLER": "1"})


def exit_code(proc: subprocess.Popen[str], tmp_path: Path) -> int:
    """The exit status once the process has stopped; if it does not stop within the (generous)
    timeout, every thread's stack (SIGABRT + faulthandler) goes into the failure message."""
    try:
        return proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        proc.wait(TIMEOUT)
        raise AssertionError(f"the sandbox did not stop; its threads:\n{_stderr(tmp_path)[-8000:]}") from None


def _stderr(tmp_path: Path) -> str:
    return (tmp_path / "sandbox.stderr").read_text()


def test_sigterm_stops_cleanly_and_kubeconfig_works_with_kubectl(tmp_path: Path) -> None:
    need(KUBECTL is not None, "kubectl is not installed")
    kc = tmp_path / "kc.yaml"
    proc = _start(tmp_path, "--kubeconfig", str(kc))
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on https://127.0.0.1:" in first, first + (_stderr(tmp_path) if proc.poll() else "")
        cfg = yaml.safe_load(kc.read_text())
        assert {c["name"] for c in cfg["contexts"]} == {"sandbox", "sandbox-readonly"}
        assert oct(kc.stat().st_mode & 0o777) == "0o600"
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

        def get_pods() -> subprocess.CompletedProcess[str]:
            out = subprocess.run([str(KUBECTL), "--kubeconfig", str(kc), "get", "pods", "-A"], capture_output=True,
                                 text=True, timeout=TIMEOUT, env=env)
            assert out.returncode == 0, out.stderr
            return out

        wait_until(lambda: "samplepod" in (o := get_pods().stdout) and "Running" in o,
                   what="kubectl showing samplepod Running")
        ro = subprocess.run([str(KUBECTL), "--kubeconfig", str(kc), "--context", "sandbox-readonly", "delete", "pod",
                             "samplepod"], capture_output=True, text=True, timeout=TIMEOUT, env=env)
        assert ro.returncode != 0 and "Forbidden" in ro.stderr
        proc.send_signal(signal.SIGTERM)
        assert exit_code(proc, tmp_path) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ctrl_c_exits_zero(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--kubeconfig", str(tmp_path / "kc.yaml"), "--scenario", "empty")
    try:
        assert proc.stdout is not None and "listening" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        assert exit_code(proc, tmp_path) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("scenario", ["bogus", "large:0"])
def test_unknown_scenario_is_one_line_exit_2(tmp_path: Path, scenario: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "multus_tui", "sandbox", "--kubeconfig", str(tmp_path / "k"),
                           "--scenario", scenario], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "scenario" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "k").exists()


def test_port_in_use_is_one_line_exit_1(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "multus_tui", "sandbox", "--kubeconfig", str(tmp_path / "k"),
                               "--port", str(port), "--scenario", "empty"], cwd=ROOT, capture_output=True, text=True,
                              timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "address already in use" in proc.stderr
