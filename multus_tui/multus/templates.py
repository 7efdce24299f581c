"""Ready-made NADs (seed-scenarios.md) the builder offers as starting points.

* S1 `static_sbr`: macvlan + static IPAM with one fixed address + chained sbr (conflist).
* S2 `static_default_route`: single-plugin macvlan with capability `ips` and static IPAM without
  addresses; the pod passes `ips` and `default-route` (see `S2_POD_NETWORKS`).
* S4 `host_local_pool`: macvlan + host-local range set + sbr, in kube-system.
* `whereabouts_pool`: the cluster-wide alternative to S4 (no duplicate addresses across nodes).

Configs are built through the field specs (`specs.apply_values`), so a template never holds a
key the validator does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from multus_tui.multus.nad import NAD
from multus_tui.multus.specs import CHAINED, IPAMS, PLUGINS, apply_values

#: the JSON annotation a pod uses with the S2 NAD (seed-scenarios.md)
S2_POD_NETWORKS = '[{"name": "vlan1-internal-static", "ips": ["192.168.0.20/24"], "default-route": ["192.168.0.254"]}]'


def _macvlan(master: str, mode: str = "bridge") -> dict[str, Any]:
    return apply_values(PLUGINS["macvlan"], None, {"master": master, "mode": mode})


def _conflist(name: str, cni_version: str, plugins: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cniVersion": cni_version, "name": name, "plugins": plugins}


def static_sbr(name: str = "vlan1-internal-static", namespace: str | None = "default", master: str = "k8s-vlan1",
               address: str = "192.168.0.20/24", gateway: str = "192.168.0.254",
               cni_version: str = "0.3.1") -> NAD:
    """S1: one fixed address on macvlan, source-routed by sbr (not the default route)."""
    main = _macvlan(master)
    main["ipam"] = apply_values(IPAMS["static"], None, {"addresses": [{"address": address, "gateway": gateway}]})
    sbr = apply_values(CHAINED["sbr"], None, {})
    return NAD.from_config(_conflist(name, cni_version, [main, sbr]), name=name, namespace=namespace)


def static_default_route(name: str = "vlan1-internal-static", namespace: str | None = "default",
                         master: str = "k8s-vlan1", cni_version: str = "0.3.1") -> NAD:
    """S2: single-plugin macvlan; the pod supplies `ips` (CIDR) and `default-route`."""
    cfg: dict[str, Any] = {"cniVersion": cni_version, "name": name}
    cfg.update(_macvlan(master))
    cfg["capabilities"] = {"ips": True}
    cfg["ipam"] = apply_values(IPAMS["static"], None, {})
    return NAD.from_config(cfg, name=name, namespace=namespace)


def host_local_pool(name: str = "vlan1-internal-pool", namespace: str | None = "kube-system",
                    master: str = "k8s-vlan1", subnet: str = "192.168.0.0/24", range_start: str = "192.168.0.20",
                    range_end: str = "192.168.0.49", gateway: str = "192.168.0.254", cni_version: str = "0.3.1",
                    data_dir: str | None = None, sbr: bool = True) -> NAD:
    """S4: a per-node pool (host-local) shared by pods of every namespace."""
    main = _macvlan(master)
    rng = {"subnet": subnet, "rangeStart": range_start, "rangeEnd": range_end, "gateway": gateway}
    main["ipam"] = apply_values(IPAMS["host-local"], None, {"ranges": [[rng]], "dataDir": data_dir})
    plugins = [main]
    if sbr:
        plugins.append(apply_values(CHAINED["sbr"], None, {}))
    return NAD.from_config(_conflist(name, cni_version, plugins), name=name, namespace=namespace)


def whereabouts_pool(name: str = "vlan1-cluster-pool", namespace: str | None = "kube-system",
                     master: str = "k8s-vlan1", range_: str = "192.168.0.0/24", range_start: str = "192.168.0.20",
                     range_end: str = "192.168.0.49", gateway: str = "192.168.0.254",
                     cni_version: str = "0.3.1") -> NAD:
    """A cluster-wide pool (whereabouts): no address handed out twice across nodes."""
    main = _macvlan(master)
    main["ipam"] = apply_values(IPAMS["whereabouts"], None, {
        "range": range_, "range_start": range_start, "range_end": range_end, "gateway": gateway})
    return NAD.from_config(_conflist(name, cni_version, [main, apply_values(CHAINED["sbr"], None, {})]),
                           name=name, namespace=namespace)


@dataclass(frozen=True)
class Template:
    """A starting point the builder offers."""

    key: str
    title: str
    help: str
    build: Callable[..., NAD]


TEMPLATES: dict[str, Template] = {t.key: t for t in (
    Template("s1-static-sbr", "Fixed address, source routed (S1)",
             "macvlan + static address + sbr: the address's traffic uses this interface, the rest the cluster",
             static_sbr),
    Template("s2-static-default-route", "Per-pod address as default route (S2)",
             "macvlan with capability ips; each pod passes ips and default-route", static_default_route),
    Template("s4-host-local-pool", "Shared pool, per node (S4)",
             "macvlan + host-local range + sbr in kube-system; addresses are unique per node only",
             host_local_pool),
    Template("whereabouts-pool", "Shared pool, cluster-wide",
             "macvlan + whereabouts range: unique addresses across nodes", whereabouts_pool),
)}
