"""doctor against the sandbox: one situation per check (tests/fixtures/doctor/*.yaml, applied with
the real kubectl to the `empty` scenario and left to the simulated Multus), a healthy one that
produces nothing but info, the seed scenario, the LiveStore path and `multus-tui doctor` itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.doctor import collect_findings
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.store import LiveStore
from multus_tui.multus.diagnose import DoctorFinding
from tests.conftest import FIXTURES, need
from tests.waiting import TIMEOUT

DOCTOR = FIXTURES / "doctor"
KUBECTL = shutil.which("kubectl")
ROOT = Path(__file__).resolve().parents[2]


def expected(path: Path) -> set[str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} must start with '# expect:'"
    return {c.strip() for c in first.removeprefix("# expect:").split(",") if c.strip()}


def kubectl(kubeconfig: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    need(KUBECTL is not None, "kubectl is not installed")
    proc = subprocess.run([str(KUBECTL), "--kubeconfig", kubeconfig, *args], input=input, capture_output=True,
                          text=True, timeout=60, env={"HOME": str(Path(kubeconfig).parent), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, f"kubectl {' '.join(args)} failed:\n{proc.stderr}{proc.stdout}"
    return proc


def settled(cluster: Cluster, timeout: float = TIMEOUT) -> None:
    """Wait until the simulated Multus has dealt with every pod: Running, or a Warning event
    about its network (it stays ContainerCreating)."""
    deadline = time.monotonic() + timeout
    while True:
        pods = cluster.list_raw("pod", None).get("items") or []
        events = cluster.list_raw("event", None).get("items") or []
        warned = {((e.get("involvedObject") or {}).get("namespace"), (e.get("involvedObject") or {}).get("name"))
                  for e in events if e.get("reason") in ("FailedCreatePodSandBox", "NoNetworkFound")}
        pending = [p["metadata"]["name"] for p in pods
                   if (p.get("status") or {}).get("phase") != "Running"
                   and (p["metadata"]["namespace"], p["metadata"]["name"]) not in warned]
        if not pending:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"pods never settled: {pending}")
        time.sleep(0.2)


def cordon_node_4(kubeconfig: str) -> None:
    """node-4 has no k8s-vlan1 (its NodeNetworkState says so): cordoned, it is out of the scheduler's way
    and a situation is only about its own check, not also about that node."""
    kubectl(kubeconfig, "cordon", "node-4")


def problems(findings: list[DoctorFinding]) -> set[str]:
    return {f.check for f in findings if f.severity != "info"}


def _open(kubeconfig: str) -> Cluster:
    return Cluster(load_cluster(kubeconfig, None))


SITUATIONS = sorted(p for p in DOCTOR.glob("*.yaml") if p.name != "06-namespace-isolation.yaml")


@pytest.mark.parametrize("path", SITUATIONS, ids=lambda p: p.stem)
def test_each_situation_produces_its_check(path: Path, sandbox_factory: Any) -> None:
    sb, kc = sandbox_factory("empty")
    if path.stem != "11-host-link-missing":
        cordon_node_4(kc)
    kubectl(kc, "apply", "-f", str(path))
    cluster = _open(kc)
    try:
        settled(cluster)
        findings = collect_findings(cluster, None)
    finally:
        cluster.close()
    assert problems(findings) == expected(path), "\n".join(f"{f.severity} {f.check}: {f.message}" for f in findings)
    if path.stem == "11-host-link-missing":
        by_nad = {f.objects[0]: f for f in findings if f.check == "host-link-missing"}
        assert by_nad["nad/default/on-vlan1"].severity == "warning" and "node-4" in by_nad["nad/default/on-vlan1"].message
        assert by_nad["nad/default/on-vlan9"].severity == "error"
        assert "exists on no node" in by_nad["nad/default/on-vlan9"].message
    if path.stem == "healthy":
        assert {f.check for f in findings} <= {"pool-usage"}


def test_namespace_isolation_situation(sandbox_factory: Any) -> None:
    path = DOCTOR / "06-namespace-isolation.yaml"
    sb, kc = sandbox_factory("empty", namespace_isolation=True)
    cordon_node_4(kc)
    kubectl(kc, "apply", "-f", str(path))
    cluster = _open(kc)
    try:
        settled(cluster)
        # doctor is not told about isolation: Multus' own event says it
        findings = collect_findings(cluster, None)
    finally:
        cluster.close()
    assert problems(findings) == expected(path)
    iso = [f for f in findings if f.check == "namespace-isolation"]
    assert set(iso[0].objects) == {"pod/tenant-a/crosses-namespaces", "nad/kube-system/infra-net"}


def test_root_cause_names_the_nad_field(sandbox_factory: Any) -> None:
    sb, kc = sandbox_factory("empty")
    kubectl(kc, "apply", "-f", str(DOCTOR / "09-sandbox-failure.yaml"))
    cluster = _open(kc)
    try:
        settled(cluster)
        [f] = [f for f in collect_findings(cluster, None) if f.check == "sandbox-failure"]
    finally:
        cluster.close()
    assert f.objects == ("pod/default/no-master", "nad/default/wrong-master")
    assert "eth9" in f.message and "'master'" in f.fix


@pytest.fixture
def seed_cluster(sandbox_factory: Any) -> Any:
    sb, kc = sandbox_factory("seed")
    cluster = _open(kc)
    settled(cluster)
    yield sb, kc, cluster
    cluster.close()


def test_seed_scenario(seed_cluster: Any) -> None:
    sb, kc, cluster = seed_cluster
    findings = collect_findings(cluster, None)
    by = {f.check: f for f in findings}
    dup = by["duplicate-address"]
    assert "192.168.0.20" in dup.message
    assert {"pod/default/samplepod", "pod/default/pool-twin"} <= set(dup.objects)
    assert by["host-local-multi-node"].objects[0] == "nad/kube-system/vlan1-internal-pool"
    assert by["missing-nad"].objects == ("pod/tenant-a/waiting-for-nad", "nad/tenant-a/vlan1-later")
    # S1's static NAD serves one pod in the seed: the pitfall appears as soon as a second pod uses it
    assert "shared-static-address" not in by
    kubectl(kc, "apply", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "second-static", "namespace": "default",
                     "annotations": {"k8s.v1.cni.cncf.io/networks": "vlan1-internal-static"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "busybox"}]}}))
    settled(cluster)
    shared = [f for f in collect_findings(cluster, None) if f.check == "shared-static-address"]
    assert len(shared) == 1 and "pod/default/second-static" in shared[0].objects


def test_namespace_scope(seed_cluster: Any) -> None:
    sb, kc, cluster = seed_cluster
    tenant = collect_findings(cluster, "tenant-a")
    # S2's NAD uses k8s-vlan1, which node-4's NodeNetworkState does not list
    assert {f.check for f in tenant} == {"missing-nad", "host-link-missing"}
    default = collect_findings(cluster, "default")
    # the pool lives in kube-system but its pods are in default: listed NADs cluster-wide, so no false "missing"
    assert "missing-nad" not in {f.check for f in default}
    assert "duplicate-address" in {f.check for f in default}


def test_live_store_gives_the_same_findings(seed_cluster: Any) -> None:
    sb, kc, cluster = seed_cluster
    direct = collect_findings(cluster, None)
    store = LiveStore(cluster).start()
    try:
        assert store.wait_synced(TIMEOUT)
        from_store = collect_findings(store, None)
    finally:
        store.stop()
    assert [f.to_dict() for f in from_store] == [f.to_dict() for f in direct]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "multus_tui", "doctor", *args], capture_output=True, text=True,
                          timeout=60, env=env, cwd=ROOT)


def test_cli_json_on_a_running_sandbox(seed_cluster: Any) -> None:
    sb, kc, cluster = seed_cluster
    proc = _cli("--kubeconfig", kc, "-A", "-o", "json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert all(set(d) == {"check", "severity", "objects", "message", "fix"} for d in data)
    assert {"duplicate-address", "host-local-multi-node", "missing-nad"} <= {d["check"] for d in data}
    assert [d["severity"] for d in data] == sorted((d["severity"] for d in data),
                                                   key=["error", "warning", "info"].index)
    table = _cli("--kubeconfig", kc, "-A")
    assert table.returncode == 1 and table.stdout.startswith("ERROR") and "error(s)" in table.stdout


def test_cli_exit_0_without_errors(sandbox_factory: Any) -> None:
    sb, kc = sandbox_factory("empty")
    proc = _cli("--kubeconfig", kc, "-A", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_cli_unreachable_cluster(tmp_path: Path, sandbox_factory: Any) -> None:
    sb, kc = sandbox_factory("empty")
    sb.stop()
    proc = _cli("--kubeconfig", kc, "-A")
    assert proc.returncode == 2
    assert proc.stderr.startswith("multus-tui doctor: ") and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_no_multus_scenario(sandbox_factory: Any) -> None:
    sb, kc = sandbox_factory("no-multus")
    cluster = _open(kc)
    try:
        settled(cluster)
        direct = collect_findings(cluster, None)
        store = LiveStore(cluster).start()
        try:
            assert store.wait_synced(TIMEOUT)
            from_store = collect_findings(store, None)
        finally:
            store.stop()
    finally:
        cluster.close()
    assert [f.check for f in direct] == ["multus-not-installed"]
    assert "pod/default/samplepod" in direct[0].objects
    assert [f.to_dict() for f in from_store] == [f.to_dict() for f in direct]


ALL_AT_ONCE = DOCTOR / "all-at-once.json"
_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CUT_UID = re.compile(r"\(event: \.\.\.[0-9a-f-]+")  # an event text cut in the middle of a pod uid


def _stable(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding without what differs from run to run (the uids the sandbox gives pods)."""
    text = _CUT_UID.sub("(event: ...", _UID.sub("<uid>", finding["message"]))
    return {**finding, "message": text}


def test_every_situation_at_once_gives_the_recorded_findings(sandbox_factory: Any) -> None:
    """Every fixture applied to one cluster: `doctor -A -o json` gives exactly the findings recorded
    in all-at-once.json (sorted, uids out), messages and fixes included. The record pins what the
    doctor says while its checks are made faster; a deliberate change to a check's text
    rewrites it: MULTUS_TUI_RECORD_DOCTOR=1 pytest -k at_once."""
    sb, kc = sandbox_factory("empty")
    cordon_node_4(kc)
    for path in sorted(DOCTOR.glob("*.yaml")):
        kubectl(kc, "apply", "-f", str(path))
    cluster = _open(kc)
    try:
        settled(cluster)
    finally:
        cluster.close()
    proc = _cli("--kubeconfig", kc, "-A", "-o", "json")
    assert proc.returncode == 1, proc.stderr
    got = sorted((_stable(f) for f in json.loads(proc.stdout)), key=lambda f: json.dumps(f, sort_keys=True))
    if os.environ.get("MULTUS_TUI_RECORD_DOCTOR") == "1":
        ALL_AT_ONCE.write_text(json.dumps(got, indent=1) + "\n")
    want = json.loads(ALL_AT_ONCE.read_text())
    assert len({f["check"] for f in want}) >= 15  # the record covers most checks, not a lucky few
    assert got == want
    # the same command with the NADs' and pools' checks in a forked child (what a big cluster gets):
    # the same findings, in the same order
    apart = subprocess.run(
        [sys.executable, "-c", "import sys; import multus_tui.cluster.doctor as d; d.APART_OVER = 0; "
         "from multus_tui.cli import main; sys.exit(main(sys.argv[1:]))", "doctor", "--kubeconfig", kc, "-A",
         "-o", "json"], capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT)
    assert apart.returncode == 1, apart.stderr
    assert json.loads(apart.stdout) == json.loads(proc.stdout)
