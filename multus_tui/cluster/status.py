"""The records of `multus-tui status`: every pod with its attachments and their state.

From a Cluster it costs two requests in parallel, whatever the number of pods: one list of pods
and one list of pod events (no per-pod request). From a LiveStore it costs none. The join of
annotations and events into attachment states is the domain's (multus.attachments); this module
only decodes, groups events by pod and shapes the output.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable
from typing import Any

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.gcpause import gc_paused as _gc_paused
from multus_tui.cluster.views import EventView, PodView
from multus_tui.cluster.wire import list_views
from multus_tui.multus.attachments import network_status_error

STATES = ("attached", "pending", "failed", "unknown")


def _attachment_record(a: Any) -> dict[str, Any]:
    state = a.state
    # "unknown": network-status cannot be parsed, so what attached cannot be told; said as such,
    # never shown as attached
    if state not in STATES:
        # "not-requested": present in network-status without a selection (a default network, a
        # hot-plugged one): it is there, so for a script it is attached
        state = "attached" if (a.ips or a.interface or a.default) else "pending"
    return {"network": a.network, "interface": a.interface, "ips": list(a.ips or []), "mac": a.mac,
            "default": bool(a.default), "state": state, "reason": a.reason}


def pod_record(pod: PodView, events: Iterable[EventView],
               pools: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """One pod's status record (the `multus-tui status -o json` element). `pools`: the IPPool holding each
    ("namespace/pod", ifname) allocation (whereabouts); attachments found there get `"pool"`."""
    atts = pod.attachments(list(events))
    attachments = [_attachment_record(a) for a in atts]
    if pools:
        ref = f"{pod.namespace}/{pod.name}"
        for rec in attachments:
            where = pools.get((ref, rec["interface"] or ""))
            if where is not None and not rec["default"]:
                rec["pool"] = where
    record = {"namespace": pod.namespace, "pod": pod.name, "node": pod.node, "phase": pod.phase,
              "attachments": attachments}
    bad = network_status_error(pod.annotations or {}, atts)
    if bad:
        record["networkStatusError"] = bad
    return record


def _pool_index(pools: Iterable[Any]) -> dict[tuple[str, str], str]:
    """(podref, ifname) -> "namespace/name" of the IPPool with that allocation; `pools` are raw IPPool
    objects or multus.whereabouts.Pool records (read straight from the JSON: no address arithmetic)."""
    out: dict[tuple[str, str], str] = {}
    for p in pools:
        if isinstance(p, dict):
            meta, spec = p.get("metadata") or {}, p.get("spec") or {}
            ref = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
            allocs = spec.get("allocations") if isinstance(spec.get("allocations"), dict) else {}
            for a in allocs.values():
                if isinstance(a, dict):
                    out.setdefault((str(a.get("podref") or ""), str(a.get("ifname") or "")), ref)
        else:
            for a in p.allocations:
                out.setdefault((a.pod_ref, a.ifname), p.ref)
    return out


def _events_by_pod(events: Iterable[EventView]) -> dict[tuple[str, str], list[EventView]]:
    out: dict[tuple[str, str], list[EventView]] = {}
    for e in events:
        if e.involved_kind not in ("Pod", ""):
            continue
        out.setdefault((e.involved_namespace, e.involved_name), []).append(e)
    return out


def _fetch_pools(cluster: Cluster) -> list[dict]:
    """whereabouts' IPPools, raw (none when not installed or not readable)."""
    try:
        return list_views(cluster, "ippool", None, raw=True)[0]
    except ClusterError as exc:
        if exc.code in (403, 404):
            return []
        raise


def _fetch(cluster: Cluster, namespace: str | None) -> tuple[list[PodView], list[EventView]]:
    def pods() -> list[PodView]:
        return list_views(cluster, "pod", namespace)[0]

    def events() -> list[EventView]:
        try:
            # Only Warning events can explain a failed attachment (failures_from_events reads no
            # other): the server drops the Normal ones (Scheduled, Pulled, Started...), most of them.
            return list_views(cluster, "event", namespace, field_selector="involvedObject.kind=Pod,type=Warning")[0]
        except ClusterError as exc:
            if exc.code == 403:
                return []  # status without reasons beats no status: events are an extra
            if exc.code != 400:
                raise
            return list_views(cluster, "event", namespace)[0]  # no field selector support

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        fp, fe = pool.submit(pods), pool.submit(events)
        return fp.result(), fe.result()


def collect_status(source: Any, namespace: str | None) -> list[dict[str, Any]]:
    """Status records of every pod in `namespace` (None: all namespaces), sorted by namespace and pod.

    `source` is a Cluster (two list requests) or a LiveStore (its current snapshot).
    """
    if isinstance(source, Cluster):
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool, _gc_paused():
            f_pools = pool.submit(_fetch_pools, source)
            pods, events = _fetch(source, namespace)
            return _records(pods, events, _pool_index(f_pools.result()))
    pools = [v.pool for v in source.ippools()] if hasattr(source, "ippools") else []  # a LiveStore
    return _records(source.pods(namespace), source.events(namespace), _pool_index(pools))


def _records(pods: list[PodView], events: Iterable[EventView],
             pools: dict[tuple[str, str], str] | None = None) -> list[dict[str, Any]]:
    by_pod = _events_by_pod(events)
    pods.sort(key=lambda p: (p.namespace, p.name))
    return [pod_record(p, by_pod.get((p.namespace, p.name), ()), pools) for p in pods]
