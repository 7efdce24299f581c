"""Gather what `diagnose` needs from a cluster (three list requests in parallel) or a LiveStore
(its snapshot, no request) and run the domain's checks.

NADs are listed in every namespace even for `-n NS`, because pods may reference NADs of other
namespaces (`kube-system/vlan1-internal-pool`): a NAD we did not list must not be reported as
missing. When the user may not list NADs cluster-wide, the namespace's own NADs plus a GET of
each NAD referenced elsewhere are used instead.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from typing import Any

from multus_tui.cluster.apart import run_apart
from multus_tui.cluster.client import Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.gcpause import gc_paused
from multus_tui.cluster.placement import facts_of, node_facts
from multus_tui.cluster.views import EventView, NADView, NodeView, PodView
from multus_tui.cluster.wire import list_views
from multus_tui.multus.diagnose import Apart, DoctorFinding, diagnose
from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.nodes import NodeFacts
from multus_tui.multus.selection import NETWORKS_ANNOTATION, parse_networks


def _list_events(cluster: Cluster, namespace: str | None) -> list[EventView]:
    try:
        return list_views(cluster, "event", namespace, field_selector="involvedObject.kind=Pod")[0]
    except ClusterError as exc:
        if exc.code == 403:
            return []  # findings without root causes beat no findings: events are an extra
        if exc.code != 400:
            raise
        return list_views(cluster, "event", namespace)[0]


class _NoNadApi(Exception):
    """The NetworkAttachmentDefinition resource does not exist (Multus not installed)."""


def _list_nads(cluster: Cluster, namespace: str | None) -> tuple[list[NADView], set[str] | None]:
    """(NADs, namespaces covered or None for all). Raises _NoNadApi when the API is absent."""
    try:
        return list_views(cluster, "nad", None)[0], None
    except ClusterError as exc:
        if exc.code == 404:
            raise _NoNadApi() from None
        if exc.code != 403 or namespace is None:
            raise
    try:
        views = list_views(cluster, "nad", namespace)[0]
    except ClusterError as exc:
        if exc.code == 404:
            raise _NoNadApi() from None
        raise
    return views, {namespace}


def fetch_inputs(cluster: Cluster, namespace: str | None) -> tuple[list[NADView], list[PodView], list[EventView],
                                                                   set[str] | None]:
    """NADs (all namespaces when allowed), pods and pod events of `namespace` (None: all), and the
    namespaces whose NADs are known (None: all; an empty set when Multus is not installed)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        f_nads = pool.submit(_list_nads, cluster, namespace)
        f_pods = pool.submit(lambda: list_views(cluster, "pod", namespace)[0])
        f_events = pool.submit(_list_events, cluster, namespace)
        pods, events = f_pods.result(), f_events.result()
        try:
            nads, known = f_nads.result()
        except _NoNadApi:
            return [], pods, events, set()
    if known is not None:
        # Restricted to one namespace: fetch each foreign NAD the pods reference, one GET each.
        have = {(n.namespace, n.name) for n in nads}
        for ref in sorted(_referenced(pods) - have):
            if ref[0] in known:
                continue
            try:
                obj = cluster.get_or_none("nad", ref[0], ref[1])
            except ClusterError as exc:
                if exc.code == 403:
                    continue  # unknown: diagnose will not call it missing
                raise
            known.add(ref[0])
            if obj is not None:
                nads.append(NADView.from_raw(obj))
    return nads, pods, events, known


def _referenced(pods: Sequence[PodView]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for p in pods:
        value = p.annotations.get(NETWORKS_ANNOTATION)
        if value is None:
            continue
        try:
            out.update(s.target(p.namespace) for s in parse_networks(value, p.namespace))
        except AnnotationError:
            continue
    return out


def collect_findings(source: Any, namespace: str | None, *, namespace_isolation: bool = False,
                     global_namespaces: Sequence[str] = ("default",)) -> list[DoctorFinding]:
    """Doctor's findings for `namespace` (None: the whole cluster), errors first.

    `source` is a Cluster (three list requests in parallel, plus one GET per foreign NAD only
    when NADs cannot be listed cluster-wide) or a LiveStore (its current snapshot). The
    namespace-isolation settings are Multus' own (the API cannot tell them; default off).
    """
    # a whole-cluster diagnosis decodes and allocates millions of acyclic objects: the collector would
    # walk them again and again (at 150,000 pods a third of the decoding time)
    with gc_paused():
        return _collect(source, namespace, namespace_isolation, global_namespaces)


def _collect(source: Any, namespace: str | None, namespace_isolation: bool,
             global_namespaces: Sequence[str]) -> list[DoctorFinding]:
    if isinstance(source, Cluster):
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            f_more = pool.submit(_fetch_ecosystem, source)  # IPPools, reservations, nodes (None: unknown)
            nads, pods, events, known = fetch_inputs(source, namespace)
            ippools, reservations, nodes = f_more.result()
        installed = known is None or bool(known)
        facts = fetch_node_facts(source, nodes)
    else:  # a LiveStore: what it watches is what we know
        nads = source.nads()
        pods = source.pods(namespace)
        events = [e for e in source.events(namespace) if e.involved_kind in ("Pod", "")]
        scope = getattr(source, "namespace", None)
        known = {scope} if isinstance(scope, str) and scope else None
        installed = _store_has_nad_api(source)
        ippools, reservations, nodes = _store_ecosystem(source)
        facts = node_facts(source).nodes
    # a command's own process, its fetch threads ended: the NADs' and pools' checks run on another core
    # (not from the TUI's LiveStore: a process with its threads running is not forked)
    apart: Apart | None = run_apart if isinstance(source, Cluster) and len(pods) >= APART_OVER else None
    return _diagnose(nads, pods, events, namespace, namespace_isolation, global_namespaces, known, installed,
                     ippools, reservations, nodes, facts, apart)


#: from this many pods a command's diagnosis splits its checks over two processes (below, the fork costs
#: more than it saves)
APART_OVER = 20_000


def _diagnose(nads: Any, pods: Any, events: Any, namespace: str | None, namespace_isolation: bool,
              global_namespaces: Sequence[str], known: Any, installed: bool, ippools: Any, reservations: Any,
              nodes: Any, facts: Any, apart: Apart | None = None) -> list[DoctorFinding]:
    return diagnose(
        [v.nad for v in nads], pods, [e.as_event_dict() for e in events], namespace=namespace,
        namespace_isolation=namespace_isolation, global_namespaces=global_namespaces,
        known_nad_namespaces=known, multus_installed=installed,
        pools=ippools, reservations=reservations or (), nodes=nodes, node_facts=facts,
        pod_scope={namespace} if namespace else None, apart=apart,
    )


def _fetch_ecosystem(cluster: Cluster) -> tuple[list[Any] | None, list[Any] | None, list[NodeView] | None]:
    """whereabouts' IPPools and reservations and the nodes; None for what the cluster does not serve
    (no whereabouts) or the account may not read: those checks are skipped, nothing else changes."""
    def views(kind: str) -> list[Any] | None:
        try:
            return list_views(cluster, kind, None)[0]
        except ClusterError as exc:
            if exc.code in (403, 404):
                return None
            raise

    pools, reservations, nodes = views("ippool"), views("ipreservation"), views("node")
    return ([v.pool for v in pools] if pools is not None else None,
            [v.reservation for v in reservations] if reservations is not None else None, nodes)


def _store_ecosystem(store: Any) -> tuple[list[Any] | None, list[Any], list[Any] | None]:
    known = getattr(store, "kind_known", lambda kind: False)
    pools = [v.pool for v in store.ippools()] if known("ippool") else None
    reservations = [v.reservation for v in store.ip_reservations()] if known("ipreservation") else []
    nodes = store.nodes() if known("node") else None
    return pools, reservations, nodes


def fetch_node_facts(cluster: Cluster, nodes: list[NodeView] | None) -> list[NodeFacts] | None:
    """`nodes` with the interfaces their NodeNetworkState reports (one list request); None when the
    nodes cannot be listed. Without kubernetes-nmstate every node's interfaces are unknown."""
    if nodes is None:
        return None
    try:
        states = {v.name: v for v in list_views(cluster, "nns", None)[0]}
    except ClusterError as exc:
        if exc.code not in (403, 404):
            raise
        states = {}
    return facts_of(nodes, states)


def _store_has_nad_api(store: Any) -> bool:
    """False only when the store's NAD watcher found the API absent (no Multus)."""
    try:
        nad = (store.watcher_stats() or {}).get("nad") or {}
    except Exception:  # noqa: BLE001 - diagnostics must not break on a store detail
        return True
    return nad.get("status") != "absent"
