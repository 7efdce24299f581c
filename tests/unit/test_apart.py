"""run_apart: a computation runs in a forked child and its result comes back; where forking is unsafe
(other threads run) or the child fails, the same result is computed in process. Each case runs in a
fresh interpreter, since pytest's own process has threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def _run(body: str) -> dict:
    code = "import json, os, threading, time\nfrom multus_tui.cluster.apart import run_apart\n" + body
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_result_comes_from_a_child_while_the_parent_works() -> None:
    got = _run("wait = run_apart(lambda: (os.getpid(), [n * n for n in range(5)]))\n"
               "mine = sum(range(1000))\n"
               "pid, squares = wait()\n"
               "print(json.dumps({'parent': os.getpid(), 'child': pid, 'squares': squares, 'mine': mine}))")
    assert got["child"] != got["parent"]
    assert got["squares"] == [0, 1, 4, 9, 16] and got["mine"] == 499500


def test_with_other_threads_running_it_computes_in_process() -> None:
    got = _run("stop = threading.Event()\nt = threading.Thread(target=stop.wait); t.start()\n"
               "wait = run_apart(os.getpid)\nstop.set(); t.join()\n"
               "print(json.dumps({'parent': os.getpid(), 'ran_in': wait()}))")
    assert got["ran_in"] == got["parent"]


def test_a_failing_child_leaves_the_computation_to_the_parent() -> None:
    # the child raises (it is not the parent); the parent computes the same function itself
    got = _run("parent = os.getpid()\n"
               "def fn():\n"
               "    if os.getpid() != parent:\n"
               "        raise RuntimeError('boom')\n"
               "    return 'computed here'\n"
               "print(json.dumps({'result': run_apart(fn)()}))")
    assert got["result"] == "computed here"
