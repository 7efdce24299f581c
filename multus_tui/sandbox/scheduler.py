"""The simulated kube-scheduler: picks a node for a pod (nodeName, nodeSelector, round-robin)."""

from __future__ import annotations

from typing import Any


def node_ready(node: dict[str, Any]) -> bool:
    """A node takes new pods unless cordoned (spec.unschedulable)."""
    return not (node.get("spec") or {}).get("unschedulable")


def pick_node(pod: dict[str, Any], nodes: list[dict[str, Any]], turn: int) -> tuple[str | None, str]:
    """(node name, "") for the `turn`-th round-robin choice among the fitting nodes, or
    (None, why) with the scheduler's FailedScheduling message when none fits."""
    spec = pod.get("spec") or {}
    selector = spec.get("nodeSelector") or {}
    fits: list[str] = []
    mismatched = cordoned = 0
    for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
        labels = node["metadata"].get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            mismatched += 1
        elif not node_ready(node):
            cordoned += 1
        else:
            fits.append(node["metadata"]["name"])
    if fits:
        return fits[turn % len(fits)], ""
    total = len(nodes)
    if total == 0:
        return None, "no nodes available to schedule pods"
    reasons = []
    if mismatched:
        reasons.append(f"{mismatched} node(s) didn't match Pod's node affinity/selector")
    if cordoned:
        reasons.append(f"{cordoned} node(s) were unschedulable")
    return None, (
        f"0/{total} nodes are available: {', '.join(reasons)}. preemption: 0/{total} nodes are available: "
        f"{total} Preemption is not helpful for scheduling."
    )
