"""whereabouts' IPPools from a cluster or a LiveStore, judged by the domain (multus.whereabouts), and
the one write the Pool inspector makes: releasing a stale allocation.

A cluster without whereabouts' CRDs has no pools: `collect_pools` answers `installed=False` and
nothing else changes. Reading pools costs two list requests (IPPools and reservations, every
namespace: whereabouts keeps them in its own) plus the NADs and pods the judgement needs.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from typing import Any

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.views import NADView, PodView
from multus_tui.multus import whereabouts as wa


@dataclass
class PoolsData:
    """The judged pools, the orphaned reservations, and whether whereabouts is there at all."""

    installed: bool
    reports: list[wa.PoolReport] = field(default_factory=list)
    orphaned: list[wa.Reservation] = field(default_factory=list)
    reason: str = ""  # why nothing is shown (not installed, forbidden)

    def for_nad(self, namespace: str, name: str) -> list[wa.PoolReport]:
        return wa.reports_for_nad(self.reports, namespace, name)

    def to_dict(self) -> dict[str, Any]:
        return {"installed": self.installed, "pools": [r.to_dict() for r in self.reports],
                "orphanedReservations": [{"namespace": r.namespace, "name": r.name, "podref": r.pod_ref}
                                         for r in self.orphaned]}


def _facts(pods: list[PodView]) -> list[wa.PodFacts]:
    return [wa.PodFacts(p.namespace, p.name, p.phase, p.node, p.annotations, p.creation_timestamp) for p in pods]


def _list(cluster: Cluster, kind: str, namespace: str | None = None) -> list[dict] | None:
    """Items, or None when the API is absent (404) or forbidden (403)."""
    try:
        return cluster.list_raw(kind, namespace).get("items") or []
    except ClusterError as exc:
        if exc.code in (403, 404):
            return None
        raise


def collect_pools(source: Any, namespace: str | None = None, *, nads: list[NADView] | None = None) -> PoolsData:
    """Every IPPool judged against the pods. `source`: a Cluster (requests in parallel) or a LiveStore
    (its snapshot). `namespace`: the pods' scope when pods cannot be read cluster-wide. `nads` (LiveStore
    only): judge only the pools these NADs allocate from (the NAD detail)."""
    if isinstance(source, Cluster):
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
            f_pools = ex.submit(_list, source, "ippool")
            f_res = ex.submit(_list, source, "ipreservation")
            f_nads = ex.submit(_list, source, "nad")
            f_pods = ex.submit(_list, source, "pod")
            pools, reservations, nads, pods = f_pools.result(), f_res.result(), f_nads.result(), f_pods.result()
        if pools is None:
            return PoolsData(False, reason="IPPools are not served (whereabouts not installed) or not readable")
        scope = None
        if pods is None and namespace:
            pods, scope = _list(source, "pod", namespace), {namespace}
        pod_views = [PodView.from_raw(o) for o in pods or []]
        nad_models = [NADView.from_raw(o).nad for o in nads or []]
        reports = wa.inspect(pools, nad_models, _facts(pod_views), pod_scope=scope if pods is not None else set())
        return PoolsData(True, reports, wa.orphaned_reservations(reservations or [], reports))
    status = source.kind_status("ippool") if hasattr(source, "kind_status") else ""
    if status != "live":
        reason = {"absent": "whereabouts is not installed (no IPPool CRD) or IPPools are not readable"}.get(
            status, "IPPools are not loaded yet")
        return PoolsData(False, reason=reason)
    scope_ns = getattr(source, "namespace", None)
    pools = [v.pool for v in source.ippools()]
    nad_views = source.nads() if nads is None else nads
    if nads is not None:
        wanted = {name for v in nads for name in wa.pool_names_of(v.nad)}
        pools = [p for p in pools if p.name in wanted]
    reports = wa.inspect(pools, [v.nad for v in nad_views], _facts(source.pods()),
                         pod_scope={scope_ns} if scope_ns else None)
    return PoolsData(True, reports, wa.orphaned_reservations([v.reservation for v in source.ip_reservations()],
                                                             reports))


class ReleaseRefused(Exception):
    """The release did not happen; the message says why, for the user."""


def release(cluster: Cluster, report: wa.PoolReport, entry: wa.AllocationState) -> dict:
    """Remove one stale allocation from its IPPool with a JSON patch that applies only to the pool as
    loaded (resourceVersion test) and only if the entry is unchanged; then delete the address's
    OverlappingRangeIPReservation when it names the same podref (as whereabouts' DEL does). Returns
    the patched pool. Raises ReleaseRefused (never touches a live pod's address)."""
    try:
        ops = wa.release_patch(report.pool, entry)
    except ValueError as exc:
        raise ReleaseRefused(str(exc)) from None
    pool = report.pool
    path = cluster_path(pool.namespace, pool.name)
    try:
        out = cluster.request("PATCH", path, body=ops, content_type="application/json-patch+json")
    except ClusterError as exc:
        if exc.code == 422:
            raise ReleaseRefused(f"the pool {pool.ref} changed since it was loaded (resourceVersion "
                                 f"{pool.resource_version}): nothing was released; look again") from None
        if exc.code == 404:
            raise ReleaseRefused(f"the pool {pool.ref} no longer exists") from None
        raise ReleaseRefused(exc.message) from None
    a = entry.allocation
    if a.ip is not None:
        name = wa.reservation_name(a.ip, report.network_name)
        try:
            res = cluster.get_or_none("ipreservation", pool.namespace, name)
            if res is not None and (res.get("spec") or {}).get("podref") == a.pod_ref:
                rv = (res.get("metadata") or {}).get("resourceVersion")
                cluster.request("DELETE", _kind_path("ipreservation", pool.namespace, name),
                                body={"apiVersion": "v1", "kind": "DeleteOptions",
                                      "preconditions": {"resourceVersion": rv}})
        except ClusterError:
            pass  # the pool is released; a reservation left behind shows up as orphaned
    return out


def _kind_path(kind: str, namespace: str, name: str) -> str:
    from multus_tui.cluster.client import kind_of

    return kind_of(kind).path(namespace, name)


def cluster_path(namespace: str, name: str) -> str:
    """The API path of an IPPool."""
    return _kind_path("ippool", namespace, name)
