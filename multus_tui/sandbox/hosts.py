"""The machines behind the sandbox's nodes: their network interfaces and installed CNI binaries.

On a real cluster a node's interfaces exist on the host whether or not anything in the API reports
them; kubernetes-nmstate, when installed, publishes them as one `NodeNetworkState` per node
(`nmstate.io/v1beta1`, cluster-scoped, named after the node, `status.currentState.interfaces[]`).
The sandbox keeps the same split: `Hosts` is the hosts' truth (what the simulated Multus finds when a
plugin looks up its master), `node_network_state` renders the report the nmstate handler would write.
Delete the NodeNetworkState CRD and the hosts keep their interfaces, as on a real cluster.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from . import upstream

#: Binaries of a node with Multus pinned plugins v1.9 installed (containernetworking/plugins)
#: plus whereabouts; anything else fails with `failed to find plugin` (reference 5.2).
DEFAULT_CNI_PLUGINS = frozenset({
    "bandwidth", "bridge", "dhcp", "dummy", "firewall", "host-device", "host-local", "ipvlan",
    "loopback", "macvlan", "portmap", "ptp", "sbr", "static", "tap", "tuning", "vlan", "vrf",
    "whereabouts",
})
NNS_CRD_NAME = "nodenetworkstates.nmstate.io"
NNS_RESOURCE = "nodenetworkstates"
NNS_API_VERSION = "nmstate.io/v1beta1"
NMSTATE_MANAGER = "kubernetes-nmstate-handler"


@dataclass(frozen=True)
class Link:
    """One host interface as nmstate reports it (name, nmstate type, MTU)."""

    name: str
    type: str = "ethernet"
    mtu: int = 1500
    mac: str = ""
    ipv4: tuple[str, int] | None = None  # (address, prefix length)


@dataclass
class Host:
    """A node's machine: its interfaces (beyond `lo`) and the CNI binaries in /opt/cni/bin."""

    links: dict[str, Link] = field(default_factory=lambda: {"eth0": Link("eth0")})
    plugins: frozenset[str] = DEFAULT_CNI_PLUGINS

    def link_names(self) -> set[str]:
        return {"lo", *self.links}


class Hosts:
    """Node name -> Host. A node the scenario did not describe is a plain machine with `eth0`."""

    def __init__(self) -> None:
        self._hosts: dict[str, Host] = {}
        self._lock = threading.Lock()

    def set(self, node: str, host: Host) -> None:
        with self._lock:
            self._hosts[node] = host

    def get(self, node: str) -> Host:
        with self._lock:
            return self._hosts.get(node) or Host()

    def __contains__(self, node: str) -> bool:
        with self._lock:
            return node in self._hosts


def nns_crd() -> dict[str, Any]:
    """kubernetes-nmstate's NodeNetworkState CRD, as upstream ships it (crds/, with its origin)."""
    return upstream.crd(NNS_CRD_NAME)


def node_network_state(node: dict[str, Any], host: Host, stamp: str) -> dict[str, Any]:
    """The NodeNetworkState the nmstate handler writes for `node` (interfaces and a routes summary)."""
    meta = node.get("metadata") or {}
    interfaces: list[dict[str, Any]] = [{"name": "lo", "type": "loopback", "state": "up", "mtu": 65536,
                                         "ipv4": {"enabled": True, "address": [{"ip": "127.0.0.1", "prefix-length": 8}]}}]
    for link in host.links.values():
        iface: dict[str, Any] = {"name": link.name, "type": link.type, "state": "up", "mtu": link.mtu}
        if link.mac:
            iface["mac-address"] = link.mac
        if link.ipv4:
            iface["ipv4"] = {"enabled": True, "dhcp": False,
                             "address": [{"ip": link.ipv4[0], "prefix-length": link.ipv4[1]}]}
        else:
            iface["ipv4"] = {"enabled": False}
        interfaces.append(iface)
    return {
        "apiVersion": NNS_API_VERSION,
        "kind": "NodeNetworkState",
        "metadata": {
            "name": meta.get("name", ""),
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": meta.get("name", ""),
                                 "uid": meta.get("uid", "")}],
        },
        "status": {
            "currentState": {"interfaces": interfaces, "dns-resolver": {"config": {}, "running": {}},
                             "route-rules": {"config": []}, "routes": {"config": [], "running": []}},
            "lastSuccessfulUpdateTime": stamp,
            "handlerNmstateVersion": "2.2.38",
            "conditions": [{"type": "Available", "status": "True", "reason": "SuccessfullyConfigured",
                            "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}],
        },
    }


def publish_node_network_states(store: Any, hosts: Hosts, stamp: str) -> None:
    """Create one NodeNetworkState per node, as the nmstate handler does at start (status written
    through the status subresource: the CRD enables it, so a create drops status)."""
    for node in store.list(NNS_NODE_SOURCE)[0]:
        host = hosts.get(node["metadata"]["name"])
        obj = node_network_state(node, host, stamp)
        status = obj.pop("status")
        created = store.create(NNS_RESOURCE, obj, field_manager=NMSTATE_MANAGER)
        created["status"] = status
        store.update(NNS_RESOURCE, created, subresource="status", field_manager=NMSTATE_MANAGER)


NNS_NODE_SOURCE = "nodes"
