"""Which Kubernetes events tell the story of a secondary attachment (multus-reference.md 5.1, 5.2).

Multus (thick or thin) reports `AddedInterface`/`NoNetworkFound` and friends with the source
component `multus`; kubelet reports a failed attachment inside `FailedCreatePodSandBox`. The screens
list these events; the doctor and the failure parser read their text (failures.py).
"""

from __future__ import annotations

MULTUS_EVENT_REASONS = frozenset({
    "AddedInterface", "NoNetworkFound", "FailedCreatePodSandBox", "FailedAddingInterface",
    "RemovedInterface", "FailedRemovingInterface", "InterfaceAddRejected",
})


def is_multus_event(reason: str | None, source_component: str | None) -> bool:
    """An event about a secondary attachment: one of the reasons above, or anything Multus itself said."""
    return reason in MULTUS_EVENT_REASONS or (source_component or "").lower() == "multus"
