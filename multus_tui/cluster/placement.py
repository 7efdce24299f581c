"""Node facts for the placement pre-checks, read from a LiveStore.

`node_facts(store)` turns the store's nodes and NodeNetworkStates into the domain's `NodeFacts`, plus,
for nodes no NodeNetworkState reports, what the cluster's own pods prove (`multus.nodes.evidence_from_pods`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from multus_tui.cluster.views import NodeNetworkStateView, NodeView
from multus_tui.multus.nodes import NodeFacts, evidence_from_pods, required_links

if TYPE_CHECKING:
    from multus_tui.cluster.store import LiveStore


@dataclass
class Placement:
    """What is known about where pods can run: `nodes` is None when nodes cannot be read at all."""

    nodes: list[NodeFacts] | None
    reported: bool  # kubernetes-nmstate is installed (NodeNetworkState served)
    evidence: dict[str, dict[str, bool]] = field(default_factory=dict)


def facts_of(nodes: Iterable[NodeView], states: Mapping[str, NodeNetworkStateView]) -> list[NodeFacts]:
    """Nodes with the interfaces their NodeNetworkState reports (None where none does)."""
    return [NodeFacts(n.name, n.labels, not n.unschedulable and n.ready,
                      states[n.name].interfaces if n.name in states else None) for n in nodes]


def node_facts(store: LiveStore | None) -> Placement:
    """Nodes (labels, schedulable) with their reported interfaces, and pod evidence where unreported."""
    if store is None or not store.kind_known("node"):
        return Placement(None, False)
    reported = store.kind_known("nns")
    nodes = facts_of(store.nodes(), store.node_network_states())
    evidence: dict[str, dict[str, bool]] = {}
    if any(n.interfaces is None for n in nodes):
        evidence = evidence_from_pods(_pod_history(store, {n.name for n in nodes if n.interfaces is None}))
    return Placement(nodes, reported, evidence)


def _pod_history(store: LiveStore, unreported: set[str]) -> list[tuple[str | None, list[str], list[str]]]:
    out = []
    for pod in store.pods():
        if pod.node not in unreported:
            continue
        links: list[str] = []
        failures: list[str] = []
        for att in store.pod_attachments(pod.namespace, pod.name):
            if att.state == "attached" and "/" in (att.network or ""):
                ns, _, name = att.network.partition("/")
                view = store.nad(ns, name)
                if view is not None:
                    links += [need.link for need in required_links(view.nad)]
            elif att.state == "failed":
                failures.append(att.failure.detail if att.failure is not None else (att.reason or ""))
        out.append((pod.node, links, failures))
    return out
