"""SR-IOV (and any device-plugin) resources of NADs: who advertises them, who cannot get them.

A NAD's `k8s.v1.cni.cncf.io/resourceName` annotation names an extended resource (for example
`intel.com/sriov_netdevice`) that a device plugin advertises in nodes' `status.allocatable`. The
network-resources-injector (k8snetworkplumbingwg/network-resources-injector, pkg/webhook) adds one of
it per network to the pod's first container, so the scheduler only places the pod on a node that has
one free; where no node advertises it the pod stays Pending, and kube-scheduler says why in a
FailedScheduling event: "0/4 nodes are available: 4 Insufficient intel.com/sriov_netdevice. ...".

Pure domain: nodes are anything with `name` and `allocatable` (a mapping of resource to quantity).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.nad import NAD
from multus_tui.multus.selection import NETWORKS_ANNOTATION, parse_networks

_INSUFFICIENT = re.compile(r"(\d+) Insufficient ([A-Za-z0-9./_-]+)")


def quantity(value: Any) -> int:
    """A whole-number resource.Quantity ("4", "1k"); 0 when it is not one."""
    text = str(value or "").strip()
    mult = {"k": 1000, "M": 1000**2, "G": 1000**3, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}
    for suffix in sorted(mult, key=len, reverse=True):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * mult[suffix]
    try:
        return int(text)
    except ValueError:
        return 0


def advertisers(resource: str, nodes: Iterable[Any]) -> list[tuple[str, int]]:
    """(node, allocatable count) of every node advertising `resource`, by node name."""
    out = []
    for node in nodes:
        alloc = getattr(node, "allocatable", None)
        if alloc is None and isinstance(node, Mapping):
            alloc = ((node.get("status") or {}).get("allocatable")) or node.get("allocatable")
        name = getattr(node, "name", None) or (node.get("name") if isinstance(node, Mapping) else "")
        count = quantity((alloc or {}).get(resource))
        if count > 0:
            out.append((str(name), count))
    return sorted(out)


def insufficient(message: str) -> dict[str, int]:
    """The resources a FailedScheduling message says are insufficient, with how many nodes lack them."""
    head = message.split(" preemption:", 1)[0]
    return {res.rstrip("."): int(n) for n, res in _INSUFFICIENT.findall(head)}


def advertised_text(resource: str, found: list[tuple[str, int]]) -> str:
    """"advertised by node-1 (4), node-2 (4)" or "advertised by no node"."""
    if not found:
        return f"{resource} is advertised by no node"
    return f"{resource} is advertised by " + ", ".join(f"{n} ({c})" for n, c in found)


@dataclass
class ResourceUse:
    """One resourceName: the NADs that name it, the nodes advertising it, the pods that cannot get it."""

    resource: str
    nads: list[str] = field(default_factory=list)  # "ns/name"
    advertised: list[tuple[str, int]] = field(default_factory=list)
    unschedulable: list[tuple[str, str]] = field(default_factory=list)  # ("ns/name", why)
    requested_by: list[str] = field(default_factory=list)  # pods ("ns/name") selecting those NADs

    def to_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "nads": self.nads,
                "advertisedBy": [{"node": n, "allocatable": c} for n, c in self.advertised],
                "pods": self.requested_by,
                "unschedulable": [{"pod": p, "reason": why} for p, why in self.unschedulable]}


def resource_uses(nads: Iterable[NAD], nodes: Iterable[Any], pods: Iterable[Any],
                  events: Iterable[Mapping[str, Any]] = ()) -> list[ResourceUse]:
    """Every resourceName a NAD names, with its advertisers and the pods it keeps Pending.

    A pod is unschedulable for a resource when it is Pending without a node and either no node
    advertises the resource of a NAD it selects, or its latest FailedScheduling event says the
    resource is insufficient."""
    node_list = list(nodes)
    uses: dict[str, ResourceUse] = {}
    by_nad: dict[tuple[str, str], str] = {}
    for nad in nads:
        res = nad.resource_name
        if not res:
            continue
        use = uses.setdefault(res, ResourceUse(res, advertised=advertisers(res, node_list)))
        use.nads.append(f"{nad.namespace or ''}/{nad.name}")
        by_nad[(nad.namespace or "", nad.name)] = res
    if not uses:
        return []
    scheduling: dict[tuple[str, str], tuple[str, str]] = {}  # pod -> (lastTimestamp, message) of the latest
    for ev in events:
        if ev.get("reason") != "FailedScheduling":
            continue
        io = ev.get("involvedObject") or {}
        key = (str(io.get("namespace") or ""), str(io.get("name") or ""))
        stamp = str(ev.get("lastTimestamp") or "")
        if key not in scheduling or stamp >= scheduling[key][0]:
            scheduling[key] = (stamp, str(ev.get("message") or ""))
    for pod in pods:
        get = pod.get if isinstance(pod, Mapping) else (lambda k, d=None, p=pod: getattr(p, k, d))
        ns, name = str(get("namespace", "") or ""), str(get("name", "") or "")
        value = (get("annotations", None) or {}).get(NETWORKS_ANNOTATION)
        if not value:
            continue
        try:
            targets = [s.target(ns) for s in parse_networks(value, ns)]
        except AnnotationError:
            continue
        wanted = {by_nad[t] for t in targets if t in by_nad}
        if not wanted:
            continue
        ref = f"{ns}/{name}"
        pending = not get("node", None) and (get("phase", "") or "Pending") == "Pending"
        said = insufficient(scheduling.get((ns, name), ("", ""))[1]) if pending else {}
        for res in sorted(wanted):
            use = uses[res]
            use.requested_by.append(ref)
            if not pending:
                continue
            if not use.advertised:
                use.unschedulable.append((ref, f"no node advertises {res}"))
            elif res in said:
                use.unschedulable.append((ref, f"{said[res]} node(s) have no free {res}"))
    return [uses[k] for k in sorted(uses)]
