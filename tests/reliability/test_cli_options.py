"""Issue 14 item 1: every command-line option means the same wherever it is placed, or is refused
(exit 2). `multus-tui --kubeconfig X --context Y status` used to read `$KUBECONFIG`'s current
context instead, with exit 0: the subcommand's defaults overwrote the global options.

Proven against two real sandboxes (two clusters that hold different namespaces), with a third
kubeconfig in $KUBECONFIG pointing at the wrong one, so the namespace printed says which cluster
was read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from multus_tui.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def clusters(tmp_path_factory):
    """Two sandboxes: `one` holds namespace ns-one (pod p1), `two` holds ns-two (pod p2); kubeconfigs:
    one.yaml, two.yaml, and merged.yaml with contexts `one` and `two` (current: two)."""
    d = tmp_path_factory.mktemp("clusters")
    with Sandbox("empty") as one, Sandbox("empty") as two:
        for sb, tag in ((one, "one"), (two, "two")):
            sb.store.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{tag}"}})
            sb.store.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                     "metadata": {"name": f"p-{tag}", "namespace": f"ns-{tag}"},
                                     "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
            sb.write_kubeconfig(d / f"{tag}.yaml")
        merged = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": [],
                  "current-context": "two"}
        for sb, tag in ((one, "one"), (two, "two")):
            cfg = sb.kubeconfig()
            merged["clusters"].append({"name": tag, "cluster": cfg["clusters"][0]["cluster"]})
            merged["users"].append({"name": tag, "user": cfg["users"][0]["user"]})
            merged["contexts"].append({"name": tag, "context": {"cluster": tag, "user": tag, "namespace": f"ns-{tag}"}})
        (d / "merged.yaml").write_text(yaml.safe_dump(merged))
        (d / "merged.yaml").chmod(0o600)
        yield d


def cli(d: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # $KUBECONFIG names the *wrong* cluster: whatever ignores an option reads cluster two
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), "KUBECONFIG": str(d / "two.yaml"),
           "XDG_STATE_HOME": str(d / "state")}
    return subprocess.run([sys.executable, "-m", "multus_tui", *args], capture_output=True, text=True,
                          timeout=60, env=env, cwd=ROOT)


def pods_read(proc: subprocess.CompletedProcess[str]) -> set[str]:
    assert proc.returncode == 0, proc.stderr
    return {r["pod"] for r in json.loads(proc.stdout)}


@pytest.mark.parametrize("where", ["before", "after"])
def test_kubeconfig_option_before_or_after_the_command(clusters, where, probe):
    p = probe(f"cli: --kubeconfig {where} status", fixed=where == "before")
    opt = ["--kubeconfig", str(clusters / "one.yaml")]
    args = [*opt, "status", "-A", "-o", "json"] if where == "before" else ["status", *opt, "-A", "-o", "json"]
    assert pods_read(cli(clusters, *args)) == {"p-one"}
    p.survived()


@pytest.mark.parametrize("command", ["status", "doctor"])
def test_context_and_namespace_before_the_command(clusters, command, probe):
    p = probe(f"cli: --kubeconfig --context -n before {command}", fixed=True)
    merged = str(clusters / "merged.yaml")
    if command == "status":
        # the context's namespace (ns-one) is used: cluster one was read
        assert pods_read(cli(clusters, "--kubeconfig", merged, "--context", "one", "status", "-o", "json")) == {"p-one"}
        # -n before the command picks the namespace on that cluster (nothing there on cluster one)
        proc = cli(clusters, "--kubeconfig", merged, "--context", "one", "-n", "ns-two", "status", "-o", "json")
        assert pods_read(proc) == set()
        proc = cli(clusters, "--kubeconfig", merged, "--context", "two", "-n", "ns-two", "status", "-o", "json")
        assert pods_read(proc) == {"p-two"}
    else:
        proc = cli(clusters, "--kubeconfig", merged, "--context", "one", "doctor", "-A", "-o", "json")
        assert proc.returncode in (0, 1), proc.stderr
        assert "ns-two" not in proc.stdout
        # the wrong context on purpose: doctor must name what it could not read, not read cluster two
        proc = cli(clusters, "--kubeconfig", merged, "--context", "nope", "doctor", "-A")
        assert proc.returncode == 2 and "nope" in proc.stderr, proc.stderr
    p.survived()


@pytest.mark.parametrize("args, says", [
    # the same option twice with different values: which one was meant is unknowable
    (["--kubeconfig", "A", "status", "--kubeconfig", "B"], "--kubeconfig"),
    (["-n", "x", "status", "-A"], "-A"),
    # options that do not apply to the command are refused, never silently ignored
    (["--kubeconfig", "A", "lint", "f.yaml"], "--kubeconfig"),
    (["--context", "c", "fmt", "f.yaml"], "--context"),
    (["--demo", "status"], "--demo"),
    (["--readonly", "lint", "f.yaml"], "--readonly"),
    (["-n", "x", "sandbox", "--kubeconfig", "k"], "--namespace"),
    # sandbox's own --kubeconfig is where it *writes*; before the command it would mean "read from"
    (["--kubeconfig", "A", "sandbox", "--kubeconfig", "k"], "--kubeconfig"),
])
def test_misplaced_or_conflicting_options_are_refused(clusters, args, says, probe):
    p = probe(f"cli: refused {' '.join(args)}", fixed=True)
    proc = cli(clusters, *args)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert says in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    p.survived()


def test_same_value_twice_and_debug_after_the_command(clusters, probe):
    p = probe("cli: same value twice / --debug after status", fixed=True)
    one = str(clusters / "one.yaml")
    assert pods_read(cli(clusters, "--kubeconfig", one, "status", "--kubeconfig", one, "-A", "-o", "json")) == {"p-one"}
    proc = cli(clusters, "status", "--kubeconfig", one, "--debug", "-A", "-o", "json")
    assert pods_read(proc) == {"p-one"}
    assert (clusters / "state" / "multus-tui" / "debug.log").exists()
    p.survived()
