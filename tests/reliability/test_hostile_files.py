"""Files given to `lint` and `fmt`: binary, invalid UTF-8, huge, a directory, missing, a YAML bomb,
hostile strings — a clear one-line message, a non-zero exit, no traceback, quickly. And
`multus-tui status` on malformed cluster data: no crash, no control character in the output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from multus_tui.multus.manifests import read_documents
from tests.reliability import hostile

ROOT = Path(__file__).resolve().parents[2]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "multus_tui", *args], capture_output=True, text=True,
                          errors="replace", timeout=timeout, env=env, cwd=ROOT)


def bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for n in "bcdefghij"[:levels - 1]:
        lines.append(f"{n}: &{n} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = n
    return "\n".join(lines) + "\n"


def make(kind: str, d: Path) -> tuple[str, str]:
    """(path, what the message must say)."""
    p = d / f"{kind}.yaml"
    if kind == "binary":
        p.write_bytes(bytes(range(256)) * 8)
        return str(p), "cannot read"
    if kind == "invalid-utf8":
        p.write_bytes(b"apiVersion: v1\nkind: \xff\xfe\n")
        return str(p), "cannot read"
    if kind == "huge":
        p.write_text("a: " + "A" * (11 * 1024 * 1024) + "\n")
        return str(p), "too large"
    if kind == "directory":
        p.mkdir()
        return str(p), "directory"
    if kind == "missing":
        return str(p), "No such file"
    if kind == "yaml-bomb":
        p.write_text(bomb())
        return str(p), "aliases expand"
    raise AssertionError(kind)


KINDS = ["binary", "invalid-utf8", "huge", "directory", "missing", "yaml-bomb"]


@pytest.mark.parametrize("command", ["lint", "fmt"])
@pytest.mark.parametrize("kind", KINDS)
def test_bad_files_get_a_clear_message(tmp_path, kind, command, tally):
    path, says = make(kind, tmp_path)
    proc = cli(command, path)  # its timeout bounds a hang (a bomb expanded, /dev/zero read): no wall-clock limit
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Traceback" not in out, out
    assert says in out, out
    assert len(proc.stderr.splitlines()) <= 3, proc.stderr
    tally.checked(f"file: {kind}")


def test_yaml_bomb_guard_in_the_domain_reader(tally):
    docs = read_documents(bomb())  # refused, not expanded (expanded, it would not come back)
    assert docs[0].obj is None and "aliases expand" in (docs[0].error or "")
    # ordinary aliases (a few anchors reused) are still fine
    ok = read_documents("base: &b {x: 1}\nuse: [*b, *b]\n")
    assert ok[0].error is None and ok[0].obj["use"] == [{"x": 1}, {"x": 1}]
    tally.checked("file: yaml-bomb (reader)")


def test_hostile_strings_in_a_linted_file_are_escaped(tmp_path, tally):
    p = tmp_path / "evil.yaml"
    p.write_text(json.dumps({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                             "metadata": {"name": "evil", "namespace": "x"},
                             "spec": {"config": hostile.hostile_config()}}))
    for command in ("lint", "fmt"):
        proc = cli(command, str(p))
        assert "Traceback" not in proc.stderr
        assert not CONTROL.search(proc.stdout + proc.stderr), (proc.stdout + proc.stderr)[:500]
    tally.checked("file: hostile strings (lint, fmt)", 2)


def test_status_on_malformed_cluster_data(tmp_path, tally):
    from multus_tui.sandbox.runner import Sandbox

    with Sandbox("empty") as sb:
        hostile.load(sb)
        kc = tmp_path / "kc.yaml"
        sb.write_kubeconfig(kc)
        for fmt in ("table", "json"):
            proc = cli("status", "--kubeconfig", str(kc), "-n", hostile.NS, "-o", fmt)
            assert proc.returncode == 0, proc.stderr
            assert "Traceback" not in proc.stderr
            if fmt == "json":
                records = json.loads(proc.stdout)  # escapes stay inside JSON strings
                assert {r["pod"] for r in records} >= {"victim", "garbled", "wrongshape"}
            else:
                assert not CONTROL.search(proc.stdout), proc.stdout[:500]
                assert hostile.MARKUP in proc.stdout and "malformed" in proc.stdout
    tally.checked("status: malformed network-status/networks", 2)
