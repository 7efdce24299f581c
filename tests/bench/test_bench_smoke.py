"""Smoke test of benchmarks/run.py: a tiny cluster end to end, the summary line complete.

No timing is asserted (figures on a shared machine are not pass/fail material): only that every
stage ran and the last stdout line is the summary with all its keys, each a number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"status_vs_kubectl", "status_vs_floor", "first_table_s", "burst_reflect_s", "key_latency_p99_ms", "rss_mb",
        "status_cmd_vs_floor", "status_vs_kubectl_table", "doctor_s", "bytes_per_pod", "home_usable_s"}
# without kubectl on PATH there are no kubectl figures; the home screen is timed only with --home
MAYBE_NONE = {"status_vs_kubectl", "status_vs_kubectl_table", "home_usable_s"}


@pytest.mark.timeout(240)
def test_run_produces_the_summary_line():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        # --stage-timeout 60: a stalled stage fails naming itself, a stuck loop prints its threads' stacks
        p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--pods", "300", "--quick",
                            "--burst", "200", "--stage-timeout", "60"], capture_output=True, text=True,
                           cwd=str(ROOT), env=env, timeout=230)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        pytest.fail(f"benchmarks/run.py did not finish in 230 s; its stderr:\n{err[-6000:]}")
    assert p.returncode == 0, p.stderr[-3000:]
    lines = [json.loads(line) for line in p.stdout.strip().splitlines()]
    figures = {rec.get("figure") for rec in lines[:-1]}
    assert {"sandbox", "floor", "status_cmd", "doctor_cmd", "store_sync", "first_table", "burst", "key_latency",
            "rss", "scale_goals"} <= figures
    sandbox = next(rec for rec in lines if rec.get("figure") == "sandbox")
    assert sandbox["layout_ok"], sandbox
    summary = lines[-1]
    assert set(summary) == KEYS, summary
    for key in KEYS - MAYBE_NONE:
        assert isinstance(summary[key], (int, float)), (key, summary)
    burst = next(rec for rec in lines if rec.get("figure") == "burst")
    assert burst["errors"] == 0 and burst["store_missing"] == 0, burst
