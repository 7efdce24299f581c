"""`lint` and `fmt` on big inputs, next to kubectl reading the same file (issue 14).

    python benchmarks/big_inputs.py [--reps R]

Two files, as the adversarial pass made them: a 9.6 MB NAD manifest carrying 400,000 short flow
lists (no aliases), and a 6.7 MB JSON NAD whose config is one long JSON text. Each is timed as a
whole process (interpreter start included), CPU and wall time and peak RSS, for `multus-tui lint`,
`multus-tui fmt` and `kubectl create --dry-run=client -o name -f FILE` (kubectl decodes the file
client-side; it asks the API server only for discovery, here a sandbox). One JSON line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall time, CPU time and peak RSS of this one process (wait4 gives its own rusage)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "rc": proc.returncode, "max_rss_mb": round(usage.ru_maxrss / 1024)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    from multus_tui.sandbox.runner import Sandbox
    from tests.reliability.test_big_inputs import big_json_nad, many_short_lists

    d = Path(tempfile.mkdtemp(prefix="multus-tui-big-"))
    files = {"400k-short-lists": many_short_lists(d / "lists.yaml"), "json-nad-6.7mb": big_json_nad(d / "big.json")}
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    kubectl = shutil.which("kubectl")
    with Sandbox("empty") as sb:
        kc = d / "kubeconfig"
        sb.write_kubeconfig(kc)
        for name, path in files.items():
            runs = {"lint": [sys.executable, "-m", "multus_tui", "lint", str(path)],
                    "fmt": [sys.executable, "-m", "multus_tui", "fmt", str(path)]}
            if kubectl:
                runs["kubectl"] = [kubectl, "--kubeconfig", str(kc), "create", "--dry-run=client", "-o", "name",
                                   "--validate=false", "-f", str(path)]
            for label, cmd in runs.items():
                for rep in range(a.reps):
                    fig = {"figure": f"{name}/{label}", "rep": rep, "bytes": path.stat().st_size, **timed(cmd, env)}
                    print(json.dumps(fig), flush=True)
    shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
