"""The simulated kube-scheduler: picks a node for a pod (nodeSelector, cordons, taints, extended
resources such as SR-IOV VFs, then round-robin).

FailedScheduling messages follow kube-scheduler 1.32's FitError.Error(): "0/N nodes are available:"
then " <count> <reason>, ..." sorted, "." after each part (SeparatorFormat " %v."), then the
preemption post-filter's own "preemption: 0/N nodes are available: ..." part. Filters whose failure
preemption cannot fix (selector, taints, cordon: UnschedulableAndUnresolvable) say "Preemption is not
helpful for scheduling"; NodeResourcesFit's "Insufficient <resource>" (Unschedulable) gets "No
preemption victims found for incoming pod" when no lower-priority pod could make room (the sandbox
has none to evict).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


def node_ready(node: dict[str, Any]) -> bool:
    """A node takes new pods unless cordoned (spec.unschedulable)."""
    return not (node.get("spec") or {}).get("unschedulable")


def _quantity(value: Any) -> int:
    """An integer resource.Quantity (extended resources are whole numbers)."""
    text = str(value or "0").strip()
    for suffix, mult in (("k", 1000), ("M", 10**6), ("G", 10**9), ("Ki", 1024), ("Mi", 1024**2)):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * mult
    try:
        return int(float(text))
    except ValueError:
        return 0


def extended_requests(pod: dict[str, Any]) -> dict[str, int]:
    """The extended resources (names with a '/', e.g. intel.com/sriov_netdevice) a pod requests:
    the sum over its containers, or the largest of an init container (the pod's effective request)."""
    spec = pod.get("spec") or {}
    total: dict[str, int] = {}
    for c in spec.get("containers") or []:
        for name, value in _requests(c).items():
            total[name] = total.get(name, 0) + value
    for c in spec.get("initContainers") or []:
        for name, value in _requests(c).items():
            total[name] = max(total.get(name, 0), value)
    return total


def _requests(container: Any) -> dict[str, int]:
    if not isinstance(container, dict):
        return {}
    res = container.get("resources") or {}
    merged = {**(res.get("limits") or {}), **(res.get("requests") or {})}
    return {k: _quantity(v) for k, v in merged.items() if "/" in k and not k.startswith("kubernetes.io/")}


def _untolerated_taint(node: dict[str, Any], pod: dict[str, Any]) -> dict[str, Any] | None:
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not any(_tolerates(t, taint) for t in tolerations if isinstance(t, dict)):
            return taint
    return None


def _tolerates(tol: dict[str, Any], taint: dict[str, Any]) -> bool:
    if tol.get("effect") and tol["effect"] != taint.get("effect"):
        return False
    if tol.get("operator") == "Exists":
        return not tol.get("key") or tol["key"] == taint.get("key")
    return tol.get("key") == taint.get("key") and (tol.get("value") or "") == (taint.get("value") or "")


def pick_node(pod: dict[str, Any], nodes: list[dict[str, Any]], turn: int,
              bound_pods: Iterable[dict[str, Any]] = ()) -> tuple[str | None, str]:
    """(node name, "") for the `turn`-th round-robin choice among the fitting nodes, or
    (None, why) with the scheduler's FailedScheduling message when none fits. `bound_pods` are the
    pods already on nodes (their extended resources are taken); only needed when the pod requests
    extended resources."""
    spec = pod.get("spec") or {}
    selector = spec.get("nodeSelector") or {}
    wanted = extended_requests(pod)
    used: dict[str, dict[str, int]] = {}
    if wanted:
        for other in bound_pods:
            node_name = (other.get("spec") or {}).get("nodeName")
            if not node_name or (other.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            slot = used.setdefault(node_name, {})
            for name, value in extended_requests(other).items():
                slot[name] = slot.get(name, 0) + value
    fits: list[str] = []
    reasons: dict[str, int] = {}
    preemption: dict[str, int] = {}

    def fail(reason: str, helpful: bool) -> None:
        reasons[reason] = reasons.get(reason, 0) + 1
        key = NO_VICTIMS if helpful else NOT_HELPFUL
        preemption[key] = preemption.get(key, 0) + 1

    for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        labels = node["metadata"].get("labels") or {}
        taint = _untolerated_taint(node, pod)
        if any(labels.get(k) != v for k, v in selector.items()):
            fail("node(s) didn't match Pod's node affinity/selector", False)
        elif not node_ready(node):
            fail("node(s) were unschedulable", False)
        elif taint is not None:
            fail(f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value') or ''}}}", False)
        else:
            allocatable = (node.get("status") or {}).get("allocatable") or {}
            short = [r for r, n in sorted(wanted.items())
                     if _quantity(allocatable.get(r)) - used.get(name, {}).get(r, 0) < n]
            if short:
                for r in short:  # NodeResourcesFit reports each insufficient resource
                    reasons[f"Insufficient {r}"] = reasons.get(f"Insufficient {r}", 0) + 1
                preemption[NO_VICTIMS] = preemption.get(NO_VICTIMS, 0) + 1
            else:
                fits.append(name)
    if fits:
        return fits[turn % len(fits)], ""
    total = len(nodes)
    if total == 0:
        return None, "no nodes available to schedule pods"
    parts = ", ".join(sorted(f"{n} {r}" for r, n in reasons.items()))
    post = ", ".join(sorted(f"{n} {r}" for r, n in preemption.items()))
    return None, f"0/{total} nodes are available: {parts}. preemption: 0/{total} nodes are available: {post}.."
