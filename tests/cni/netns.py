"""Throwaway network namespaces for the real-plugin tests (shared by tests/cni; the fixture is in conftest.py).

A *node* namespace (the plugins run there, with a veth `k8s-vlan1` as master) and a *pod*
namespace (CNI_NETNS). Nothing touches the host's own interfaces and no packet leaves them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from tests.cni import cnirun
from tests.conftest import need

NEEDED = ("macvlan", "static", "sbr", "host-local", "bridge", "ptp", "tuning")


def _require() -> None:
    need(os.geteuid() == 0, "needs root to create network namespaces")
    missing = [p for p in NEEDED if not os.access(os.path.join(cnirun.CNI_PATH, p), os.X_OK)]
    need(not missing, f"CNI plugins missing in {cnirun.CNI_PATH}: {', '.join(missing)}")
    need(shutil.which("ip") is not None, "iproute2 `ip` is not installed")


def ip(*args: str, ns: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    argv = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=30)


def ipj(*args: str, ns: str) -> list[dict]:
    out = ip("-j", *args, ns=ns).stdout.strip()
    return json.loads(out) if out else []


@dataclass
class Namespaces:
    node: str
    pod: str

    @property
    def pod_path(self) -> str:
        return f"/run/netns/{self.pod}"

    def runtime(self, ifname: str = "net1", **kw) -> cnirun.Runtime:
        return cnirun.Runtime(container_id=f"ctr-{uuid.uuid4().hex[:12]}", netns=self.pod_path, ifname=ifname,
                              node_netns=self.node, **kw)


def make_netns() -> Iterator[Namespaces]:
    _require()
    tag = uuid.uuid4().hex[:8]
    ns = Namespaces(node=f"mtui-node-{tag}", pod=f"mtui-pod-{tag}")
    created: list[str] = []
    try:
        for name in (ns.node, ns.pod):
            ip("netns", "add", name)
            created.append(name)
        ip("link", "set", "lo", "up", ns=ns.node)
        ip("link", "set", "lo", "up", ns=ns.pod)
        # The "node's" VLAN interface: one end of a veth pair that stays inside the node netns.
        ip("link", "add", "k8s-vlan1", "type", "veth", "peer", "name", "k8s-vlan1-peer", ns=ns.node)
        ip("link", "set", "k8s-vlan1", "up", ns=ns.node)
        ip("link", "set", "k8s-vlan1-peer", "up", ns=ns.node)
        yield ns
    finally:
        for name in created:
            ip("netns", "del", name, check=False)


def addresses(ns: str, dev: str) -> list[str]:
    links = ipj("addr", "show", "dev", dev, ns=ns)
    return [f"{a['local']}/{a['prefixlen']}" for link in links for a in link.get("addr_info", [])
            if a.get("family") == "inet"]


def link_exists(ns: str, dev: str) -> bool:
    return ip("link", "show", "dev", dev, ns=ns, check=False).returncode == 0


