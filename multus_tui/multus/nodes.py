"""Which nodes can run an attachment: the host interfaces a NAD needs, and the nodes that have them.

A macvlan/ipvlan/vlan `master`, a host-device `device` or an OVS `bridge` must exist on the node the
pod lands on; otherwise the plugin fails at pod start (`failed to lookup master "k8s-vlan1": Link not
found`, reference 5.2) and the pod stays ContainerCreating. The API server does not know a node's
interfaces. Two sources tell them:

- kubernetes-nmstate's `NodeNetworkState` (one per node, `status.currentState.interfaces[].name`):
  the real answer, when nmstate is installed;
- otherwise the cluster's own history: a pod attached through a NAD on a node proves the node has
  that NAD's master; a "Link not found" failure there proves it lacks it. Everything else is unknown.

Pure domain: callers pass `NodeFacts` built from whatever their layer reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from multus_tui.multus.nad import NAD
from multus_tui.multus.validate import Finding

#: plugin type -> the config key naming a host interface the plugin needs to exist on the node
HOST_LINK_KEYS: dict[str, str] = {
    "macvlan": "master",
    "ipvlan": "master",
    "vlan": "master",
    "host-device": "device",
    "ovs": "bridge",
}
_LINK_NOT_FOUND = re.compile(r'failed to lookup master "([^"]+)": Link not found')


@dataclass(frozen=True)
class NodeFacts:
    """What the pre-checks need of a node: where a pod may land and which interfaces it has.

    `interfaces` is None when nothing reports them (no NodeNetworkState for this node).
    """

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    schedulable: bool = True
    interfaces: frozenset[str] | None = None


@dataclass(frozen=True)
class LinkNeed:
    """One host interface a NAD needs: `path` is the validator path of the key naming it."""

    link: str
    path: str
    plugin: str


def required_links(nad: NAD) -> list[LinkNeed]:
    """The host interfaces a NAD's plugins look up on the node (macvlan master, host-device, ...)."""
    out: list[LinkNeed] = []
    for i, plugin in enumerate(nad.plugins):
        if not isinstance(plugin, dict):
            continue
        ptype = plugin.get("type")
        key = HOST_LINK_KEYS.get(ptype) if isinstance(ptype, str) else None
        value = plugin.get(key) if key else None
        if isinstance(value, str) and value:
            path = f"plugins[{i}].{key}" if nad.is_conflist else key
            out.append(LinkNeed(value, path, str(ptype)))
    return out


def candidate_nodes(nodes: Iterable[NodeFacts], node_selector: Mapping[str, str] | None) -> list[NodeFacts]:
    """The schedulable nodes whose labels match the pod's nodeSelector (all of them without one)."""
    sel = dict(node_selector or {})
    return [n for n in nodes if n.schedulable and all(n.labels.get(k) == v for k, v in sel.items())]


@dataclass
class LinkPresence:
    """For one interface over a set of nodes: who has it, who lacks it, who is unknown."""

    link: str
    have: list[str] = field(default_factory=list)
    lack: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def presence(link: str, nodes: Iterable[NodeFacts], evidence: Mapping[str, Mapping[str, bool]] | None = None
             ) -> LinkPresence:
    """Which of `nodes` have `link`: from their reported interfaces, else from `evidence`
    (node -> link -> seen present/absent, see `evidence_from_pods`)."""
    out = LinkPresence(link)
    for n in nodes:
        if n.interfaces is not None:
            (out.have if link in n.interfaces else out.lack).append(n.name)
            continue
        seen = (evidence or {}).get(n.name, {}).get(link)
        if seen is None:
            out.unknown.append(n.name)
        else:
            (out.have if seen else out.lack).append(n.name)
    return out


def evidence_from_pods(pods: Iterable[tuple[str | None, list[str], list[str]]]) -> dict[str, dict[str, bool]]:
    """What the cluster's history proves about node interfaces, without nmstate.

    Each item is (node name, masters of the attachments that succeeded on it, failure messages of
    the pod's attachments). Success on a node proves its master exists there; "failed to lookup
    master X: Link not found" proves X is missing there.
    """
    out: dict[str, dict[str, bool]] = {}
    for node, attached_links, failures in pods:
        if not node:
            continue
        facts = out.setdefault(node, {})
        for link in attached_links:
            facts[link] = True
        for text in failures:
            for m in _LINK_NOT_FOUND.finditer(text or ""):
                facts.setdefault(m.group(1), False)
    return out


def _names(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def placement_findings(nads: Iterable[tuple[str, NAD]], nodes: list[NodeFacts] | None,
                       node_selector: Mapping[str, str] | None, *, reported: bool,
                       evidence: Mapping[str, Mapping[str, bool]] | None = None) -> list[Finding]:
    """Pre-checks for a pod that uses `nads` ((selection label, NAD) pairs): can it land on a node
    that has every host interface they need?

    - no node matches the nodeSelector: error (the pod stays Pending);
    - every candidate node lacks an interface: error (the pod fails at start on any of them);
    - some lack it: warning, naming them and the nodes to pin the pod to instead;
    - nothing tells (no NodeNetworkState and no history): info, saying so.
    `reported` says whether NodeNetworkState is installed (for the wording of the unknown case).
    """
    if nodes is None:
        return []
    findings: list[Finding] = []
    sel = dict(node_selector or {})
    candidates = candidate_nodes(nodes, sel)
    if not candidates:
        what = ", ".join(f"{k}={v}" for k, v in sel.items())
        findings.append(Finding(
            "error", "spec.nodeSelector",
            f"no schedulable node matches nodeSelector {what}: the pod would stay Pending" if sel
            else "no schedulable node: the pod would stay Pending", "node-none-matches"))
        return findings
    for label, nad in nads:
        for need in required_links(nad):
            p = presence(need.link, candidates, evidence)
            where = f"{label} ({need.plugin} {need.path.rsplit('.', 1)[-1]})"
            if p.lack and not p.have and not p.unknown:
                findings.append(Finding(
                    "error", "spec.nodeSelector",
                    f"{where}: {need.link} does not exist on {_names(p.lack)}, the node(s) this pod can land on: "
                    f'it would fail with \'failed to lookup master "{need.link}": Link not found\'. '
                    + (f"Pin it to a node that has it: {_names(have_all)}."
                       if (have_all := presence(need.link, [n for n in nodes if n.schedulable], evidence).have)
                       else "No node has it."),
                    "node-link-missing"))
            elif p.lack:
                findings.append(Finding(
                    "warning", "spec.nodeSelector",
                    f"{where}: the pod can land on {_names(p.lack)}, which has no {need.link}: it would fail "
                    f"there ('Link not found'). Pin it to a node that has it: {_names(p.have)}.",
                    "node-link-missing"))
            elif p.unknown:
                source = ("no NodeNetworkState reports" if reported else
                          "kubernetes-nmstate is not installed, so the API does not say")
                findings.append(Finding(
                    "info", "spec.nodeSelector",
                    f"{where}: {source} whether {need.link} exists on {_names(p.unknown)}"
                    + (f" (pods attached on {_names(p.have)} prove it exists there)" if p.have else ""),
                    "node-link-unknown"))
    return findings


def suggested_node(nads: Iterable[NAD], nodes: list[NodeFacts] | None,
                   evidence: Mapping[str, Mapping[str, bool]] | None = None) -> str | None:
    """A schedulable node known to have every host interface `nads` need (None when none is)."""
    if not nodes:
        return None
    needs = [n.link for nad in nads for n in required_links(nad)]
    if not needs:
        return None
    for node in sorted((n for n in nodes if n.schedulable), key=lambda n: n.name):
        if all(presence(link, [node], evidence).have for link in needs):
            return node.name
    return None


def link_census(nodes: Iterable[NodeFacts]) -> dict[str, list[str]]:
    """Interface name -> the nodes that report it (for offering masters in the NAD builder)."""
    out: dict[str, list[str]] = {}
    for n in nodes:
        for link in n.interfaces or ():
            if link != "lo":
                out.setdefault(link, []).append(n.name)
    return out


def interfaces_from_state(status: Any) -> frozenset[str] | None:
    """Interface names of a NodeNetworkState's `status` (None when it reports none)."""
    if not isinstance(status, dict):
        return None
    current = status.get("currentState")
    ifaces = current.get("interfaces") if isinstance(current, dict) else None
    if not isinstance(ifaces, list):
        return None
    return frozenset(str(i["name"]) for i in ifaces
                     if isinstance(i, dict) and isinstance(i.get("name"), str) and i.get("state") != "absent")


@dataclass(frozen=True)
class LinkGap:
    """A host interface a NAD needs that some reported nodes lack (`have` empty: no node has it)."""

    need: LinkNeed
    lack: tuple[str, ...]
    have: tuple[str, ...]

    @property
    def severity(self) -> str:
        # every pod using the NAD fails (error) vs. pods fail on some nodes (warning)
        return "error" if not self.have else "warning"

    def message(self, ref: str) -> str:
        key = self.need.path.rsplit(".", 1)[-1]
        if not self.have:
            return (f"{self.need.link} ({self.need.plugin} {key} of {ref}) exists on no node that reports its "
                    f"interfaces ({_names(list(self.lack))}): every pod using it fails with "
                    f"'failed to lookup master \"{self.need.link}\": Link not found'")
        return (f"{self.need.link} ({self.need.plugin} {key} of {ref}) does not exist on {_names(list(self.lack))}: "
                f"pods using it fail there ('Link not found'); it exists on {_names(list(self.have))}")

    def fix(self) -> str:
        if not self.have:
            return (f"set {self.need.path} to an interface the nodes have, or create {self.need.link} on them "
                    "(e.g. a NodeNetworkConfigurationPolicy)")
        return (f"pin the pods that use it to {_names(list(self.have))} (nodeSelector or node affinity), or create "
                f"{self.need.link} on {_names(list(self.lack))}")


def link_gaps(nad: NAD, nodes: Iterable[NodeFacts], cache: dict[str, LinkPresence] | None = None) -> list[LinkGap]:
    """The NAD's host interfaces missing on schedulable nodes that report their interfaces
    (NodeNetworkState); nodes that report nothing are not counted either way.

    `cache`: presences already computed over the same `nodes`, by link (filled here): 15,000 NADs
    naming the same master on 5,000 nodes look at the nodes once, not 15,000 times."""
    needs = required_links(nad)
    if not needs:
        return []
    reported: list[NodeFacts] | None = None
    out = []
    for need in needs:
        p = cache.get(need.link) if cache is not None else None
        if p is None:
            if reported is None:
                reported = [n for n in nodes if n.schedulable and n.interfaces is not None]
            p = presence(need.link, reported)
            if cache is not None:
                cache[need.link] = p
        if p.lack:
            out.append(LinkGap(need, tuple(p.lack), tuple(p.have)))
    return out


def nad_link_findings(nad: NAD, nodes: Iterable[NodeFacts]) -> list[Finding]:
    """What the nodes' reported interfaces say about the NAD's master/device, at its path: a gap as
    `LinkGap.severity`, else that every reporting node has it. Empty when no node reports interfaces
    (then the validator's "must exist on every node" note stands)."""
    reported = [n for n in nodes if n.schedulable and n.interfaces is not None]
    if not reported:
        return []
    gaps = {g.need.path: g for g in link_gaps(nad, reported)}
    out = []
    ref = f"{nad.namespace}/{nad.name}" if nad.name else "this NAD"
    for need in required_links(nad):
        gap = gaps.get(need.path)
        if gap is not None:
            out.append(Finding(gap.severity, need.path, gap.message(ref), "node-link-missing"))
        else:
            out.append(Finding("info", need.path, f"{need.link} exists on all {len(reported)} nodes that report "
                               "their interfaces (NodeNetworkState)", "node-link-present"))
    return out
