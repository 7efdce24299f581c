"""The simulated whereabouts' Kubernetes backend: IPPool and OverlappingRangeIPReservation objects,
read and written exactly as whereabouts does (k8snetworkplumbingwg/whereabouts @3a262bd,
pkg/storage/kubernetes/ipam.go, pkg/allocate/allocate.go, pkg/config/config.go).

* One IPPool per (network_name, range) in whereabouts' namespace (its kubeconfig context's
  namespace, kube-system by default), named by `IPPoolName`: the range with ':' and '/' turned
  into '-' (`192.168.0.0-24`, `fd00---64`), prefixed `<network_name>-` for a named network.
  `spec.range` is the range's network in CIDR form; `spec.allocations` maps the offset of each
  address from the network address (a decimal string) to `{id: containerID, podref: ns/name,
  ifname}`.
* ADD (`IPManagementKubernetesUpdate`): get the pool (create it when missing, then retry), build the
  reservation list, `AssignIP`: an allocation with the same podref and ifname is reused (its id
  updated), else the lowest free address; with overlapping ranges (default on) the
  OverlappingRangeIPReservation named after the address (`NormalizeIP`) is checked, and one held by
  another podref puts the address aside and retries. The pool is written with a JSON patch whose
  first op tests `metadata.resourceVersion` (and each added path for null): a concurrent writer
  makes the test fail (422), which whereabouts treats as temporary and retries, up to 100 times.
  Then the reservation object is created.
* DEL: the allocation with the container ID and ifname is removed the same way (none: nothing to
  do), then the reservation object is deleted.

Only the API is touched: what whereabouts knows is what the IPPools say, so an allocation no pod
holds any more (a node crashed before CNI DEL ran) still blocks its address.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from multus_tui.multus.ipam import IPRange
from multus_tui.multus.whereabouts import ip_at, pool_name, reservation_name

from . import errors, patch
from .ipam_sim import CniError
from .store import ObjectStore

IPPOOLS = "ippools"
RESERVATIONS = "overlappingrangeipreservations"
GROUP = "whereabouts.cni.cncf.io"
API_VERSION = f"{GROUP}/v1alpha1"
DATASTORE_RETRIES = 100  # pkg/storage: DatastoreRetries
DEFAULT_NAMESPACE = "kube-system"  # wbNamespaceFromCtx: metav1.NamespaceSystem when the context has none
__all__ = ["WhereaboutsBackend", "pool_name", "reservation_name"]
FIELD_MANAGER = "whereabouts"


class _Temporary(Exception):
    """whereabouts' temporaryError: retry the allocation loop."""


def offset_of(ip: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    """IPGetOffset against the pool's first IP (the range's network address)."""
    return int(ipaddress.ip_address(ip)) - int(network.network_address)


class WhereaboutsBackend:
    """whereabouts' storage calls against the sandbox's store (as its clientset would make them)."""

    def __init__(self, store: ObjectStore, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.store = store
        self.namespace = namespace

    # ------------------------------------------------------------------ API calls
    def _status(self) -> None:
        """ipam.Status: list IPPools; without the CRD the API answers 404 as for any unknown resource."""
        try:
            self.store.resource_type(IPPOOLS)
        except errors.ApiError:
            raise CniError(f"the server could not find the requested resource (get {IPPOOLS}.{GROUP})") from None

    def _get_pool(self, name: str, ip_range: str) -> dict:
        try:
            return self.store.get(IPPOOLS, self.namespace, name)
        except errors.ApiError as exc:
            if exc.code != 404:
                raise CniError(f"k8s get error: {exc.message}") from None
        pool = {"apiVersion": API_VERSION, "kind": "IPPool", "metadata": {"name": name, "namespace": self.namespace},
                "spec": {"range": ip_range, "allocations": {}}}
        try:
            self.store.create(IPPOOLS, pool, namespace=self.namespace, field_manager=FIELD_MANAGER)
        except errors.ApiError as exc:
            if exc.reason == "AlreadyExists":
                raise _Temporary() from None
            raise CniError(f"k8s create error: {exc.message}") from None
        raise _Temporary()  # "k8s pool initialized": read it back on the next round

    def _update_pool(self, pool: dict, allocations: dict[str, dict[str, str]]) -> None:
        """KubernetesIPPool.Update: a JSON patch guarded by a test of the resourceVersion it was read at."""
        orig = pool["spec"].get("allocations") or {}
        ops: list[dict[str, Any]] = [{"op": "test", "path": "/metadata/resourceVersion",
                                      "value": pool["metadata"]["resourceVersion"]}]
        changes: list[dict[str, Any]] = []
        for key in sorted(set(orig) | set(allocations), key=lambda k: (len(k), k)):
            path = f"/spec/allocations/{key}"
            if key not in allocations:
                changes.append({"op": "remove", "path": path})
            elif key not in orig:
                ops.append({"op": "test", "path": path, "value": None})
                changes.append({"op": "add", "path": path, "value": allocations[key]})
            elif orig[key] != allocations[key]:
                changes.append({"op": "replace", "path": path, "value": allocations[key]})
        if not changes:
            return
        meta = pool["metadata"]
        try:
            live = self.store.get(IPPOOLS, meta["namespace"], meta["name"])
            new = patch.json_patch(live, ops + changes)
            self.store.update(IPPOOLS, new, namespace=meta["namespace"], field_manager=FIELD_MANAGER)
        except errors.ApiError as exc:
            if exc.reason in ("Invalid", "Conflict"):
                raise _Temporary() from None  # a "test" op failed: someone wrote the pool meanwhile
            raise CniError(exc.message) from None

    def _reservation(self, ip: str, network_name: str) -> dict | None:
        try:
            return self.store.get(RESERVATIONS, self.namespace, reservation_name(ip, network_name))
        except errors.ApiError as exc:
            if exc.code == 404:
                return None
            raise CniError(f"k8s get OverlappingRangeIPReservation error: {exc.message}") from None

    # ------------------------------------------------------------------ ADD / DEL
    def add(self, ipam: dict[str, Any], ranges: list[IPRange], *, container_id: str, pod_ref: str,
            ifname: str) -> list[tuple[str, IPRange]]:
        """IPManagement(Allocate): one address per range, written to the pools; raises CniError."""
        self._status()
        network_name = str(ipam.get("network_name") or "")
        overlapping = ipam.get("enable_overlapping_ranges", True) is not False
        out: list[tuple[str, IPRange]] = []
        try:
            for rng in ranges:
                ip = self._add_one(rng, network_name, overlapping, container_id, pod_ref, ifname)
                out.append((ip, rng))
        except CniError:
            for _ip, rng in out:  # the DEL kubelet sends after a failed ADD
                self._delete_one(rng, network_name, overlapping, container_id, ifname)
            raise
        return out

    def _add_one(self, rng: IPRange, network_name: str, overlapping: bool, container_id: str, pod_ref: str,
                 ifname: str) -> str:
        ip_range = str(rng.network)
        name = pool_name(ip_range, network_name)
        set_aside: set[str] = set()  # addresses another range holds (overlapping reservations)
        chosen: str | None = None
        skip_reservation = False
        for _ in range(DATASTORE_RETRIES):
            try:
                pool = self._get_pool(name, ip_range)
            except _Temporary:
                continue
            allocations = {k: dict(v) for k, v in (pool["spec"].get("allocations") or {}).items()}
            reserved = {}
            for key in allocations:
                try:
                    reserved[ip_at(int(key), rng.network)] = key
                except ValueError:
                    continue  # offsets that are not int64s are ignored (toIPReservationList)
            chosen = None
            for key, alloc in allocations.items():  # AssignIP: podRef + ifName already hold one
                if alloc.get("podref") == pod_ref and alloc.get("ifname", "") == ifname and key.isdigit():
                    chosen = ip_at(int(key), rng.network)
                    alloc["id"] = container_id
                    break
            if chosen is None:
                chosen = next((ip for ip in rng.iter_hosts() if ip not in reserved and ip not in set_aside), None)
                if chosen is None:
                    excludes = " ".join(str(n) for n in rng.exclude)
                    raise CniError("error at storage engine: Could not allocate IP in range: "
                                   f"ip: {rng.start} / - {rng.end} / range: {rng.network} / "
                                   f"excludeRanges: [{excludes}]")
                entry = {"id": container_id, "podref": pod_ref}
                if ifname:
                    entry["ifname"] = ifname
                allocations[str(offset_of(chosen, rng.network))] = entry
            if overlapping:
                held = self._reservation(chosen, network_name)
                if held is not None:
                    if (held.get("spec") or {}).get("podref") != pod_ref:
                        set_aside.add(chosen)
                        continue
                    skip_reservation = True
            try:
                self._update_pool(pool, allocations)
            except _Temporary:
                continue
            break
        else:
            raise CniError(f"error at storage engine: giving up after {DATASTORE_RETRIES} attempts to update "
                           f"IPPool {name}")
        assert chosen is not None
        if overlapping and not skip_reservation:
            body = {"apiVersion": API_VERSION, "kind": "OverlappingRangeIPReservation",
                    "metadata": {"name": reservation_name(chosen, network_name), "namespace": self.namespace},
                    "spec": {"podref": pod_ref, "ifname": ifname}}
            try:
                self.store.create(RESERVATIONS, body, namespace=self.namespace, field_manager=FIELD_MANAGER)
            except errors.ApiError as exc:
                raise CniError(exc.message) from None
        return chosen

    def delete(self, ipam: dict[str, Any], ranges: list[IPRange], *, container_id: str, ifname: str) -> None:
        """IPManagement(Deallocate): the allocation of this container and interface leaves each pool."""
        try:
            self.store.resource_type(IPPOOLS)
        except errors.ApiError:
            return
        network_name = str(ipam.get("network_name") or "")
        overlapping = ipam.get("enable_overlapping_ranges", True) is not False
        for rng in ranges:
            self._delete_one(rng, network_name, overlapping, container_id, ifname)

    def _delete_one(self, rng: IPRange, network_name: str, overlapping: bool, container_id: str,
                    ifname: str) -> None:
        name = pool_name(str(rng.network), network_name)
        released: str | None = None
        for _ in range(DATASTORE_RETRIES):
            try:
                pool = self.store.get(IPPOOLS, self.namespace, name)
            except errors.ApiError:
                return
            allocations = {k: dict(v) for k, v in (pool["spec"].get("allocations") or {}).items()}
            key = next((k for k, a in allocations.items()
                        if a.get("id") == container_id and a.get("ifname", "") == ifname), None)
            if key is None:
                return  # "Failed to find allocation for container ID": not an error
            del allocations[key]
            try:
                self._update_pool(pool, allocations)
            except (_Temporary, CniError):
                continue
            released = ip_at(int(key), rng.network) if key.isdigit() else None
            break
        if overlapping and released is not None:
            try:
                self.store.delete(RESERVATIONS, self.namespace, reservation_name(released, network_name))
            except errors.ApiError:
                pass
