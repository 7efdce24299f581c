"""Issue 14 item 3, files: `lint`/`fmt` read at most 10 MB + 1 byte (from a file, `-` and /dev/zero
alike) and their cost grows linearly with the input.

Before: `/dev/zero` and `-` were read entirely before the 10 MB check (a MemoryError traceback); a
9.6 MB file of 400k short lists took ~5 minutes and 2.9 GB in `lint` (PyYAML's pure-Python scanner,
~50 us a list, and the cyclic GC rescanning millions of parse objects); `fmt` of a 6.7 MB JSON NAD ran
past 30 s (PyYAML's pure-Python emitter looks at each character of the config ~10 times).

No wall-clock limits here (benchmarks/big_inputs.py prints the times, next to kubectl's): each
command runs under resource limits the old code exceeded by far, 1 GB of address space and 15 s of
CPU time (CPU time does not grow when the machine is busy; the commands now need 2-5 s, the old
code 18 s for fmt and minutes for lint)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT_AS = 1 << 30
LIMIT_CPU_S = 15


def cli(*args: str, stdin: int | None = None, limit: int = LIMIT_AS) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_CPU_S, LIMIT_CPU_S + 5))

    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "multus_tui", *args], stdin=stdin, capture_output=True, text=True,
                          timeout=600, env=env, cwd=ROOT, preexec_fn=cap)


def many_short_lists(path: Path, n: int = 400_000) -> Path:
    """A NAD whose spec carries n short flow lists (no aliases): ~9.6 MB."""
    with path.open("w") as f:
        f.write("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: lists\n"
                "spec:\n  config: '{\"cniVersion\":\"0.3.1\",\"type\":\"bridge\"}'\n  lists:\n")
        for _ in range(n):
            f.write("  - [aaaa, bbbb, ccccc]\n")
    return path


def big_json_nad(path: Path, target: int = 6_700_000) -> Path:
    entries = []
    size = 0
    i = 0
    while size < target:
        e = {f"k{i}": "v" * 20, "n": [1, 2, 3]}
        entries.append(e)
        size += len(json.dumps(e)) + 2
        i += 1
    cfg = {"cniVersion": "0.3.1", "type": "bridge", "name": "big", "x": entries}
    nad = {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition", "metadata": {"name": "big"},
           "spec": {"config": json.dumps(cfg)}}
    path.write_text(json.dumps(nad))
    return path


@pytest.mark.parametrize("command", ["lint", "fmt"])
@pytest.mark.parametrize("source", ["/dev/zero", "- < /dev/zero", "- < 11 MB pipe"])
def test_endless_or_huge_input_is_refused_after_10_mb(command, source, tmp_path, probe):
    p = probe(f"{command} {source}", fixed=source != "- < 11 MB pipe" or command == "lint")
    if source == "/dev/zero":
        proc = cli(command, "/dev/zero")
    elif source == "- < /dev/zero":
        with open("/dev/zero", "rb") as zero:
            proc = cli(command, "-", stdin=zero.fileno())
    else:
        big = tmp_path / "big"
        big.write_bytes(b"a: " + b"b" * (11 * 1024 * 1024) + b"\n")
        with big.open("rb") as fh:
            proc = cli(command, "-", stdin=fh.fileno())
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "too large" in proc.stderr, proc.stderr[-2000:]
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    p.survived()


def test_lint_of_400k_short_lists(tmp_path, probe):
    p = probe("lint: 9.6 MB of 400k short lists", fixed=True)
    path = many_short_lists(tmp_path / "lists.yaml")
    assert 9_000_000 < path.stat().st_size < 10 * 1024 * 1024
    proc = cli("lint", str(path))
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    p.survived()


def test_fmt_of_a_6_7_mb_json_nad(tmp_path, probe):
    p = probe("fmt: 6.7 MB JSON NAD", fixed=True)
    path = big_json_nad(tmp_path / "big.json")
    proc = cli("fmt", str(path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    import yaml

    out = yaml.load(proc.stdout, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert json.loads(out["spec"]["config"]) == json.loads(json.loads(path.read_text())["spec"]["config"])
    p.survived()
