"""`multus-tui sandbox` as a user runs it: a subprocess, a kubeconfig, kubectl, SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import need

KUBECTL = shutil.which("kubectl")
ROOT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "multus_tui", "sandbox", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_sigterm_stops_cleanly_and_kubeconfig_works_with_kubectl(tmp_path: Path) -> None:
    need(KUBECTL is not None, "kubectl is not installed")
    kc = tmp_path / "kc.yaml"
    proc = _start(tmp_path, "--kubeconfig", str(kc))
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on https://127.0.0.1:" in first, first + (proc.stderr.read() if proc.poll() else "")
        cfg = yaml.safe_load(kc.read_text())
        assert {c["name"] for c in cfg["contexts"]} == {"sandbox", "sandbox-readonly"}
        assert oct(kc.stat().st_mode & 0o777) == "0o600"
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        deadline = time.monotonic() + 5
        while True:
            out = subprocess.run([str(KUBECTL), "--kubeconfig", str(kc), "get", "pods", "-A"], capture_output=True,
                                 text=True, timeout=20, env=env)
            if "samplepod" in out.stdout and "Running" in out.stdout or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert out.returncode == 0, out.stderr
        assert "samplepod" in out.stdout and "Running" in out.stdout
        ro = subprocess.run([str(KUBECTL), "--kubeconfig", str(kc), "--context", "sandbox-readonly", "delete", "pod",
                             "samplepod"], capture_output=True, text=True, timeout=20, env=env)
        assert ro.returncode != 0 and "Forbidden" in ro.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ctrl_c_exits_zero(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--kubeconfig", str(tmp_path / "kc.yaml"), "--scenario", "empty")
    try:
        assert proc.stdout is not None and "listening" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
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
