"""What a user sees of the simulated Multus with the real kubectl: describe, get -w, events."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from multus_tui.sandbox.runner import Sandbox
from tests.conftest import need
from tests.waiting import TIMEOUT, wait_until

KUBECTL = shutil.which("kubectl")


def _kubectl(sb: Sandbox, *args: str, timeout: float = TIMEOUT) -> str:
    need(KUBECTL is not None, "kubectl is not installed")
    proc = subprocess.run([str(KUBECTL), "--kubeconfig", str(sb.kubeconfig_path), *args], capture_output=True,
                          text=True, timeout=timeout, env={"HOME": str(Path(str(sb.kubeconfig_path)).parent),
                                                           "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _wait_phase(sb: Sandbox, ns: str, name: str, phase: str) -> None:
    wait_until(lambda: sb.store.get("pods", ns, name)["status"].get("phase") == phase, what=f"{ns}/{name} {phase}")


@pytest.mark.kubectl
def test_describe_shows_multus_events_and_network_status(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox("seed", pod_start_delay_s=0.0, retry_interval_s=0.3)
    _wait_phase(sb, "default", "samplepod", "Running")
    out = _kubectl(sb, "describe", "pod", "samplepod", "-n", "default")
    assert "Status:           Running" in out
    assert "k8s.v1.cni.cncf.io/network-status:" in out
    assert '"name": "kube-system/vlan1-internal-pool"' in out
    assert "AddedInterface" in out and "Add net1 [192.168.0.20/24] from kube-system/vlan1-internal-pool" in out
    assert "multus" in out and "Successfully assigned default/samplepod to node-1" in out

    out = wait_until(lambda: (o := _kubectl(sb, "describe", "pod", "waiting-for-nad", "-n", "tenant-a"))
                     and "FailedCreatePodSandBox" in o and "NoNetworkFound" in o and o,
                     what="waiting-for-nad's failure events in kubectl describe")
    assert "ContainerCreating" in out
    assert "NoNetworkFound" in out and "FailedCreatePodSandBox" in out
    assert 'networkattachmentdefinition.k8s.cni.cncf.io "vlan1-later" not found' in out

    events = _kubectl(sb, "get", "events", "-n", "tenant-a", "--field-selector",
                      "involvedObject.name=waiting-for-nad,reason=NoNetworkFound", "-o", "json")
    assert {e["reason"] for e in json.loads(events)["items"]} == {"NoNetworkFound"}


@pytest.mark.kubectl
def test_get_pods_watch_shows_the_attachment_arrive(make_sandbox: Callable[..., Sandbox]) -> None:
    need(KUBECTL is not None, "kubectl is not installed")
    # a slow kubelet so the watch sees the pod before and after Multus writes network-status
    sb = make_sandbox("seed", pod_start_delay_s=1.5)
    sb.store.create("pods", {"metadata": {"name": "late", "namespace": "default",
                                          "annotations": {"k8s.v1.cni.cncf.io/networks": "kube-system/vlan1-internal-pool"}},
                             "spec": {"nodeName": "node-3", "containers": [{"name": "c", "image": "busybox"}]}})
    proc = subprocess.Popen([str(KUBECTL), "--kubeconfig", str(sb.kubeconfig_path), "get", "pod", "late", "-w",
                             "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"HOME": str(Path(str(sb.kubeconfig_path)).parent), "PATH": "/usr/bin:/bin"})
    seen: list[dict] = []
    buf = ""

    def read() -> None:
        nonlocal buf
        dec = json.JSONDecoder()
        assert proc.stdout is not None
        for line in proc.stdout:
            buf += line
            while buf.strip():
                try:
                    obj, end = dec.raw_decode(buf.lstrip())
                except ValueError:
                    break
                seen.append(obj)
                buf = buf.lstrip()[end:]

    t = threading.Thread(target=read, daemon=True)
    t.start()
    try:
        key = "k8s.v1.cni.cncf.io/network-status"
        wait_until(lambda: any(key in (o["metadata"].get("annotations") or {}) for o in seen),
                   what=f"a version with network-status on the watch (saw {len(seen)})")
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)
    assert key not in (seen[0]["metadata"].get("annotations") or {})  # first: before the sandbox existed
    arrived = next(o for o in seen if key in (o["metadata"].get("annotations") or {}))
    status = json.loads(arrived["metadata"]["annotations"][key])
    assert [s["name"] for s in status] == ["sandbox-pod-network", "kube-system/vlan1-internal-pool"]
    assert status[1]["ips"] == ["192.168.0.20"]  # node-3's first lease from the pool
