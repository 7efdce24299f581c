"""What the screens show, derived from LiveStore snapshots (no Textual here, so it is easy to test).

Every screen re-derives its rows from the store's snapshot accessors when a StoreChanged arrives
and hands them to a keyed table, which applies only the difference (dolphie's habit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

# one shape for a namespace's home row, whether the LiveStore keeps it or it is counted here
from multus_tui.cluster.store import NamespaceCounts as NamespaceSummary
from multus_tui.multus import events
from multus_tui.multus.failures import distinct_failures, nad_for_network
from multus_tui.multus.ipam import pool_use

if TYPE_CHECKING:
    from multus_tui.cluster.store import LiveStore
    from multus_tui.cluster.views import EventView, NADView, PodView
    from multus_tui.multus.attachments import AttachmentState
    from multus_tui.multus.failures import Failure
    from multus_tui.multus.nad import NAD

__all__ = ["NamespaceSummary"]


def is_multus_event(ev: EventView) -> bool:
    return events.is_multus_event(ev.reason, ev.source_component)


def pod_attachments(store: LiveStore, pod: PodView) -> list[AttachmentState]:
    """The pod's attachment states (the store keeps each join until the pod or its events change)."""
    try:
        return store.pod_attachments(pod.namespace, pod.name)
    except Exception:  # a malformed annotation must not take the screen down; pod detail says why
        return []


def namespace_summaries(store: LiveStore) -> list[NamespaceSummary]:
    """Every namespace's row of the home screen: the LiveStore keeps the counts up to date as pods
    change (the cost is the number of namespaces, not of pods)."""
    return list(store.namespace_counts())


def plugin_chain(nad: NAD) -> str:
    if getattr(nad, "config_error", None):
        return "invalid config"
    try:
        types = [str(p.get("type", "?")) for p in nad.plugins]
    except Exception:
        return "?"
    return " → ".join(types) or "?"


def ipam_type(nad: NAD) -> str:
    try:
        ipam = nad.ipam
    except Exception:
        return "?"
    if not ipam:
        return "none"
    return str(ipam.get("type", "?"))


def master_or_bridge(nad: NAD) -> str:
    try:
        plugins = nad.plugins
    except Exception:
        return ""
    for p in plugins:
        for k in ("master", "bridge", "device", "pciBusID", "deviceID"):
            if p.get(k):
                return f"{k}={p[k]}" if k != "master" else str(p[k])
    return ""


def subnet_or_range(ipam: dict | None) -> str:
    if not ipam:
        return ""
    parts: list[str] = []
    t = ipam.get("type")
    if t == "static":
        parts = [str(a.get("address", "?")) for a in ipam.get("addresses") or () if isinstance(a, dict)]
        return ", ".join(parts) or "(from pod)"
    if t == "whereabouts":
        rng = ipam.get("range", "")
        if ipam.get("range_start") or ipam.get("range_end"):
            rng += f" ({ipam.get('range_start', '')}-{ipam.get('range_end', '')})"
        extra = [str(r.get("range", "")) for r in ipam.get("ipRanges") or () if isinstance(r, dict)]
        return ", ".join([r for r in [rng, *extra] if r])
    ranges: list[dict] = []
    for rs in ipam.get("ranges") or ():
        if isinstance(rs, list):
            ranges.extend(r for r in rs if isinstance(r, dict))
    if ipam.get("subnet"):
        ranges.append(ipam)
    for r in ranges:
        s = str(r.get("subnet", ""))
        if r.get("rangeStart") or r.get("rangeEnd"):
            s += f" ({r.get('rangeStart', '')}-{r.get('rangeEnd', '')})"
        parts.append(s)
    return ", ".join(parts) or str(t or "")


@dataclass
class NadUsage:
    pods: list[tuple[str, str]]  # (namespace, pod) using the NAD
    # (node, (namespace, pod, n), addresses) of each attached interface: what the NAD's pool holds, as
    # multus.ipam.pool_use counts it (host-local per node, the n-th attachment of that pod to the NAD)
    held: list[tuple[str | None, tuple[str, str, int], tuple[str, ...]]]


def network_usage(store: LiveStore, network: str) -> NadUsage | None:
    """One network's NadUsage: its pods from the store's index and the addresses its attached ones
    hold (only those pods are joined: a NAD's detail costs its users, not the cluster)."""
    pods = store.network_users(network)
    if not pods:
        return None
    u = NadUsage([(p.namespace, p.name) for p in pods], [])
    for p in pods:
        n = 0
        for net, ips in store.attached_addresses(p.namespace, p.name):
            if net == network:
                u.held.append((p.node, (p.namespace, p.name, n), tuple(str(ip) for ip in ips)))
                n += 1
    return u


def nad_usage(store: LiveStore) -> dict[str, NadUsage]:
    """For each network "ns/name": the pods attached to (or requesting) it and the addresses in use,
    from the store's index and each pod's attached addresses (joined once per pod version): call it
    off the UI thread on a big cluster, the first time joins every pod."""
    out: dict[str, NadUsage] = {}
    for net in store.network_use():
        u = network_usage(store, net)
        if u is not None:
            out[net] = u
    return out


class UsageIndex:
    """nad_usage kept current by pod changes: a changed pod re-joins only the networks it uses now or
    used before (each from the store's index of that network's users), not every pod of the cluster."""

    def __init__(self) -> None:
        self.usage: dict[str, NadUsage] = {}
        self.ready = False  # a whole-cluster usage has been installed
        self._nets_of: dict[tuple[str, str], frozenset[str]] = {}

    def rebuild(self, usage: dict[str, NadUsage]) -> None:
        """Install a whole-cluster nad_usage (computed here, or in a worker and handed over)."""
        nets_of: dict[tuple[str, str], set[str]] = {}
        for net, u in usage.items():
            for pod in u.pods:
                nets_of.setdefault(pod, set()).add(net)
        self.usage = usage
        self._nets_of = {pod: frozenset(nets) for pod, nets in nets_of.items()}
        self.ready = True

    def update(self, store: LiveStore, pods: Iterable[tuple[str, str]]) -> set[str]:
        """Bring the usage up to date after these pods (namespace, name) changed or went; the networks
        whose usage was recomputed."""
        affected: set[str] = set()
        for pod in pods:
            now = frozenset(store.pod_networks(*pod))
            affected |= self._nets_of.pop(pod, frozenset()) | now
            if now:
                self._nets_of[pod] = now
        for net in affected:
            u = network_usage(store, net)
            if u is None:
                self.usage.pop(net, None)
            else:
                self.usage[net] = u
        return affected


def nads_for_namespace(store: LiveStore, namespace: str) -> list[NADView]:
    """The NADs a pod in `namespace` can use: its own first, then every other namespace's
    (reachable with the `ns/name` form unless Multus runs with namespaceIsolation)."""
    own = [v for v in store.nads() if v.namespace == namespace]
    other = [v for v in store.nads() if v.namespace != namespace]
    return sorted(own, key=lambda v: v.name) + sorted(other, key=lambda v: (v.namespace, v.name))


def pool_text(usage: NadUsage | None, ipam: dict | None) -> tuple[str, str]:
    """(text, style) for the pool column: `used/size` (host-local: the fullest node's pool, each node
    has its own: `used/size per node`), or for static IPAM whether pods share its fixed address (S1's
    pitfall: a static NAD serves one pod at a time)."""
    use = pool_use(ipam, usage.held if usage else ())
    if use is not None:
        text = f"{use.used}/{use.size}" + (" per node" if ipam and ipam.get("type") == "host-local" else "")
        return text, "bold red" if use.exhausted else ""
    if ipam and ipam.get("type") == "static" and ipam.get("addresses"):
        n = len(usage.pods) if usage else 0
        return ("fixed", "") if n <= 1 else (f"fixed, {n} pods share it", "bold red")
    return "", ""


def newest_first(events: Iterable[EventView]) -> list[EventView]:
    """Events newest first; ties (same second) by object name, then the later-created event first,
    so the order does not depend on which pod a simulator or kubelet happened to handle first."""
    from multus_tui.ui.text import parse_time

    out = sorted(events, key=lambda e: e.name, reverse=True)
    out.sort(key=lambda e: e.involved_name)
    out.sort(key=lambda e: str(parse_time(e.last_timestamp) or ""), reverse=True)
    return out


def multus_events(store: LiveStore, namespace: str | None = None,
                  involved_name: str | None = None) -> list[EventView]:
    """Multus-related events, newest first."""
    evs = [e for e in store.events(namespace) if is_multus_event(e)]
    if involved_name is not None:
        evs = [e for e in evs if e.involved_name == involved_name]
    return newest_first(evs)


def failure_for(store: LiveStore, pod: PodView,
                events: Iterable[EventView]) -> list[tuple[Failure, NADView | None, EventView]]:
    """Each failure found in the pod's Warning events: (Failure, NADView or None, event)."""
    return [(f, nad_for_network(store.nads(), f.network or "", pod.namespace), ev)
            for f, ev in distinct_failures(events)]
