"""Simulated IPAM plugins: static, host-local and whereabouts, as each really allocates.

Ground truth is multus-reference.md 4.13-4.16 plus the real plugin binaries (Debian's
containernetworking-plugins 1.1.1, run by hand while writing this): every error text below is
the one those binaries print, or the one the cited source prints (whereabouts).

What each one does, and what the simulation keeps:

* static: returns exactly the addresses it is given. Sources (plugins:ipam/static/main.go
  `LoadIPAMConfig`): the config's `addresses`, then CNI_ARGS `IP=a,b` **appended** (verified with
  the binary: config address + CNI_ARGS address both come back), then `args.cni.ips` and finally
  `runtimeConfig.ips` each **replacing** the list. Every entry must be CIDR.
* host-local: state is per node and per CNI network name (its data dir
  `/var/lib/cni/networks/<name>` is a directory on each node), so two pods on two nodes can get
  the same address. Allocation is round-robin from the last reserved address of each range set,
  skipping the gateway; requested addresses (runtimeConfig `ips`, `args.cni.ips`, CNI_ARGS `IP`,
  merged) are matched to the range set that contains them.
* whereabouts: one pool per (network_name, range) for the whole cluster; lowest free address
  first, skipping excludes and addresses ending in .0; with `enable_overlapping_ranges` (default
  true) an address is never handed out twice across pools of the same network_name. CNI_ARGS
  `IP` become extra static addresses. In the sandbox its state lives where whereabouts keeps it,
  in IPPool and OverlappingRangeIPReservation objects (whereabouts_sim.WhereaboutsBackend);
  without a backend (the plugins tested alone) this class keeps the leases in memory.

Allocations belong to an owner (pod uid + interface) and are released together on pod deletion
or when Multus rolls a failed sandbox back.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from multus_tui.multus.errors import ConfigError
from multus_tui.multus.ipam import IPRange, ipam_ranges

IPAddr = ipaddress.IPv4Address | ipaddress.IPv6Address

DHCP_ERROR = "error dialing DHCP daemon: dial unix /run/cni/dhcp.sock: connect: no such file or directory"


class CniError(Exception):
    """A CNI plugin failed; `str(err)` is the plugin's own message."""


@dataclass
class IpamRequest:
    """What reaches the IPAM plugin of one attachment (2.3, 2.7)."""

    runtime_ips: list[str] | None = None  # runtimeConfig.ips: only when a plugin declares the capability
    args_ips: list[str] | None = None  # args.cni.ips (pod `cni-args` merged over the NAD's)
    cni_args_ip: str | None = None  # CNI_ARGS IP=<comma-joined>, which Multus always sends
    # What every CNI call carries: CNI_CONTAINERID (the sandbox), CNI_IFNAME, and Multus' CNI_ARGS
    # K8S_POD_NAMESPACE/K8S_POD_NAME (whereabouts records `podref` = "<namespace>/<name>").
    container_id: str = ""
    ifname: str = ""
    pod_ref: str = ""


@dataclass
class IpamResult:
    """The part of a CNI result an IPAM plugin produces."""

    ips: list[dict[str, str]] = field(default_factory=list)  # {"address": "ip/prefix", "gateway"?: ip}
    routes: list[dict[str, Any]] = field(default_factory=list)
    dns: dict[str, Any] = field(default_factory=dict)

    @property
    def addresses(self) -> list[str]:
        return [ip["address"] for ip in self.ips]


def _parse_cidr(text: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface | None:
    """Go's net.ParseCIDR: `ip/prefix` only."""
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        return None


def _parse_ip_or_cidr(text: str) -> IPAddr | None:
    """plugins/pkg/ip.ParseIP: an address with or without a prefix."""
    try:
        return ipaddress.ip_interface(text.strip()).ip if "/" in text else ipaddress.ip_address(text.strip())
    except ValueError:
        return None


# ---------------------------------------------------------------------------- static


def static_add(ipam: dict[str, Any], req: IpamRequest) -> IpamResult:
    """The static IPAM plugin's ADD (4.13; texts verified with the real binary)."""
    addresses: list[dict[str, str]] = []
    for entry in ipam.get("addresses") or []:
        text = entry.get("address") if isinstance(entry, dict) else None
        iface = _parse_cidr(text or "")
        if iface is None:
            raise CniError(f"the 'address' field is expected to be in CIDR notation, got: '{text}'")
        item = {"address": str(iface)}
        gw = entry.get("gateway")
        if gw:
            item["gateway"] = str(gw)
        addresses.append(item)
    if req.cni_args_ip:
        for raw in req.cni_args_ip.split(","):
            text = raw.strip()
            iface = _parse_cidr(text)
            if iface is None:
                raise CniError(f"the 'ip' field is expected to be in CIDR notation, got: '{text}'")
            addresses.append({"address": str(iface)})
    for source in (req.args_ips, req.runtime_ips):
        if source:
            replaced = []
            for text in source:
                iface = _parse_cidr(text)
                if iface is None:
                    raise CniError(f"an entry in the 'ips' field is NOT in CIDR notation, got: '{text}'")
                replaced.append({"address": str(iface)})
            addresses = replaced
    return IpamResult(ips=addresses, routes=list(ipam.get("routes") or []), dns=dict(ipam.get("dns") or {}))


# ---------------------------------------------------------------------------- pools


class IpamState:
    """Address leases of the whole simulated cluster (thread-safe).

    `allocate(...)` returns an IpamResult and records leases under `owner`; `release(owner)`
    frees them. Owners are opaque hashable keys (the simulator uses (pod uid, ifname)).
    Addresses are kept as text, as the domain's IPRange.iter_hosts yields them.
    """

    def __init__(self, whereabouts: Any = None) -> None:
        # whereabouts' Kubernetes backend (whereabouts_sim.WhereaboutsBackend): its IPPools are the state.
        # Without one (unit tests of the plugins alone), whereabouts keeps its leases in memory here.
        self.whereabouts = whereabouts
        self._wb_leases: dict[Any, list[tuple[dict[str, Any], str, str]]] = {}  # owner -> (ipam, cid, ifname)
        self._lock = threading.Lock()
        # pool key -> {ip: owner}; host-local pools are ("host-local", node, dataDir, name) because
        # its lease files live on each node; whereabouts pools ("whereabouts", network_name, range).
        self._pools: dict[tuple, dict[str, Any]] = {}
        # host-local round-robin cursor: (pool key, range-set index) -> last reserved ip
        self._last: dict[tuple, str] = {}
        # whereabouts overlapping-range reservations: (network_name, ip) -> owner
        self._overlap: dict[tuple[str, str], Any] = {}
        self._by_owner: dict[Any, list[tuple[tuple, str]]] = {}

    # ------------------------------------------------------------------ bookkeeping
    def release(self, owner: Any) -> None:
        """Free every address `owner` holds (idempotent, like CNI DEL)."""
        with self._lock:
            self._drop(owner, 0)
            for ipam, container_id, ifname in self._wb_leases.pop(owner, []):
                try:
                    ranges = _cached_ranges(ipam)
                except ConfigError:
                    continue
                self.whereabouts.delete(ipam, ranges, container_id=container_id, ifname=ifname)

    def forget(self, owner: Any) -> None:
        """Drop what `owner` holds without a CNI DEL (its node died): host-local leases stay on the
        node's disk, whereabouts allocations stay in their IPPools."""
        with self._lock:
            self._wb_leases.pop(owner, None)

    def _drop(self, owner: Any, mark: int) -> None:
        leases = self._by_owner.get(owner)
        if not leases:
            return
        for pool_key, ip in leases[mark:]:
            pool = self._pools.get(pool_key)
            if pool is not None and pool.get(ip) == owner:
                del pool[ip]
            if pool_key[0] == "whereabouts" and self._overlap.get((pool_key[1], ip)) == owner:
                del self._overlap[(pool_key[1], ip)]
        del leases[mark:]
        if not leases:
            del self._by_owner[owner]

    def _take(self, pool_key: tuple, ip: str, owner: Any) -> None:
        self._pools.setdefault(pool_key, {})[ip] = owner
        self._by_owner.setdefault(owner, []).append((pool_key, ip))
        if pool_key[0] == "whereabouts":
            self._overlap[(pool_key[1], ip)] = owner

    def owners(self) -> list[Any]:
        """Owners currently holding addresses."""
        with self._lock:
            return list(dict.fromkeys([*self._by_owner, *self._wb_leases]))

    def leases(self, pool_key: tuple) -> dict[str, Any]:
        """{ip: owner} of one pool (for tests and debugging)."""
        with self._lock:
            return dict(self._pools.get(pool_key, {}))

    def restore(self, ipam: dict[str, Any], *, node: str, cni_name: str, ips: Iterable[str], owner: Any) -> None:
        """Record addresses a pod already holds (pods loaded into the store before the simulator
        started), so new pods do not get them again. Malformed configs are ignored."""
        kind = ipam.get("type")
        if kind not in ("host-local", "whereabouts") or (kind == "whereabouts" and self.whereabouts is not None):
            return  # whereabouts with its backend: the IPPools already say who holds what
        try:
            ranges = _cached_ranges(ipam)
        except ConfigError:
            return
        with self._lock:
            for text in ips:
                ip = text.split("/", 1)[0]
                rng = next((r for r in ranges if ip in r), None)
                if rng is None:
                    continue
                if kind == "host-local":
                    key = self._host_local_pool(ipam, node, cni_name)
                    self._take(key, ip, owner)
                    self._last[(key, rng.set_index)] = ip
                else:
                    self._take(("whereabouts", str(ipam.get("network_name") or ""), str(rng.network)), ip, owner)

    # ------------------------------------------------------------------ dispatch
    def allocate(self, ipam: dict[str, Any], *, node: str, cni_name: str, req: IpamRequest, owner: Any) -> IpamResult:
        """Run the IPAM plugin named by `ipam["type"]` for one attachment (raises CniError)."""
        kind = ipam.get("type")
        if kind == "static":
            return static_add(ipam, req)
        if kind == "host-local":
            return self.host_local_add(ipam, node=node, cni_name=cni_name, req=req, owner=owner)
        if kind == "whereabouts":
            return self.whereabouts_add(ipam, req=req, owner=owner)
        if kind == "dhcp":
            raise CniError(DHCP_ERROR)
        raise CniError(f'failed to find plugin "{kind or ""}" in path [/opt/cni/bin]')

    # ------------------------------------------------------------------ host-local
    @staticmethod
    def _host_local_pool(ipam: dict[str, Any], node: str, cni_name: str) -> tuple:
        return ("host-local", node, str(ipam.get("dataDir") or "/var/lib/cni/networks"), cni_name)

    def host_local_add(self, ipam: dict[str, Any], *, node: str, cni_name: str, req: IpamRequest, owner: Any) -> IpamResult:
        """host-local ADD on `node` (4.14; texts verified with the real binary)."""
        sets = _sets(_ranges(ipam))
        requested: list[str] = []
        if req.cni_args_ip:
            ip = _parse_ip_or_cidr(req.cni_args_ip)
            if ip is None:
                # ip.IP's UnmarshalText sees the whole comma list: dual-stack `ips` fail here (4.14)
                raise CniError(
                    f'ARGS: error parsing value of pair "IP={req.cni_args_ip}": invalid IP address {req.cni_args_ip}'
                )
            requested.append(str(ip))
        for source in (req.args_ips, req.runtime_ips):
            for text in source or []:
                ip = _parse_ip_or_cidr(text)
                if ip is None:
                    raise CniError(f"invalid IP address: {text}")
                if str(ip) not in requested:
                    requested.append(str(ip))
        pool_key = self._host_local_pool(ipam, node, cni_name)
        result = IpamResult(routes=list(ipam.get("routes") or []), dns=dict(ipam.get("dns") or {}))
        with self._lock:
            mark = len(self._by_owner.get(owner, []))
            pool = self._pools.setdefault(pool_key, {})
            try:
                for idx, rset in enumerate(sets):
                    want = next((ip for ip in requested if any(_in_bounds(r, ip) for r in rset)), None)
                    if want is not None:
                        requested.remove(want)
                        rng = next(r for r in rset if _in_bounds(r, want))
                        if rng.gateway is not None and want == str(rng.gateway):
                            raise CniError(f"failed to allocate for range {idx}: requested ip {want} is subnet's gateway")
                        if want in pool:
                            raise CniError(
                                f"failed to allocate for range {idx}: requested IP address {want} "
                                f"is not available in range set {_set_text(rset)}"
                            )
                        ip = want
                    else:
                        found = _round_robin(rset, pool, self._last.get((pool_key, idx)))
                        if found is None:
                            raise CniError(
                                f"failed to allocate for range {idx}: no IP addresses available in range set: "
                                f"{_set_text(rset)}"
                            )
                        ip, rng = found
                    self._take(pool_key, ip, owner)
                    self._last[(pool_key, idx)] = ip
                    item = {"address": rng.cidr(ip)}
                    if rng.gateway is not None:
                        item["gateway"] = str(rng.gateway)
                    result.ips.append(item)
                if requested:
                    raise CniError("failed to allocate all requested IPs: " + " ".join(requested))
            except CniError:
                self._drop(owner, mark)  # host-local releases what it reserved on failure
                raise
        return result

    # ------------------------------------------------------------------ whereabouts
    def whereabouts_add(self, ipam: dict[str, Any], *, req: IpamRequest, owner: Any) -> IpamResult:
        """whereabouts ADD (4.16): cluster-wide, lowest free first, one address per range."""
        ranges = _ranges(ipam)
        network_name = str(ipam.get("network_name") or "")
        overlapping = ipam.get("enable_overlapping_ranges", True) is not False
        result = IpamResult(routes=list(ipam.get("routes") or []), dns=dict(ipam.get("dns") or {}))
        if self.whereabouts is not None:
            container_id = req.container_id or str(owner)
            ifname = req.ifname or (owner[1] if isinstance(owner, tuple) and len(owner) > 1 else "")
            with self._lock:
                got = self.whereabouts.add(ipam, ranges, container_id=container_id, pod_ref=req.pod_ref,
                                           ifname=ifname)
                self._wb_leases.setdefault(owner, []).append((ipam, container_id, ifname))
            for ip, rng in got:
                item = {"address": rng.cidr(ip)}
                if rng.gateway is not None:
                    item["gateway"] = str(rng.gateway)
                result.ips.append(item)
            self._whereabouts_extras(ipam, req, result)
            return result
        with self._lock:
            mark = len(self._by_owner.get(owner, []))
            try:
                for rng in ranges:
                    pool_key = ("whereabouts", network_name, str(rng.network))
                    pool = self._pools.setdefault(pool_key, {})
                    chosen = None
                    for ip in rng.iter_hosts():
                        if ip in pool or (overlapping and (network_name, ip) in self._overlap):
                            continue
                        chosen = ip
                        break
                    if chosen is None:
                        excludes = " ".join(str(n) for n in rng.exclude)
                        raise CniError(
                            "error at storage engine: Could not allocate IP in range: "
                            f"ip: {rng.start} / - {rng.end} / range: {rng.network} / excludeRanges: [{excludes}]"
                        )
                    self._take(pool_key, chosen, owner)
                    item = {"address": rng.cidr(chosen)}
                    if rng.gateway is not None:
                        item["gateway"] = str(rng.gateway)
                    result.ips.append(item)
            except CniError:
                self._drop(owner, mark)
                raise
        self._whereabouts_extras(ipam, req, result)
        return result

    @staticmethod
    def _whereabouts_extras(ipam: dict[str, Any], req: IpamRequest, result: IpamResult) -> None:
        # `addresses` and CNI_ARGS IP come on top of the allocated ones (4.16)
        for entry in ipam.get("addresses") or []:
            iface = _parse_cidr(str(entry.get("address", ""))) if isinstance(entry, dict) else None
            if iface is not None:
                item = {"address": str(iface)}
                if entry.get("gateway"):
                    item["gateway"] = str(entry["gateway"])
                result.ips.append(item)
        if req.cni_args_ip:
            for raw in req.cni_args_ip.split(","):
                iface = _parse_cidr(raw.strip())
                if iface is not None:
                    result.ips.append({"address": str(iface)})


# ---------------------------------------------------------------------------- range helpers
# The pool arithmetic (subnets, rangeStart/End, gateway skip, excludes, .0 skip) is the domain's
# multus_tui.multus.ipam; these helpers only walk its ranges the way each plugin does.


_RANGE_CACHE: dict[str, list[IPRange]] = {}
_ID_CACHE: dict[int, tuple[dict[str, Any], list[IPRange]]] = {}


def _cached_ranges(ipam: dict[str, Any]) -> list[IPRange]:
    """ipam_ranges, memoised by the config's JSON (IPRange is immutable): adopting 10,000 pods
    or allocating in a loop must not re-parse the same few configs each time."""
    same = _ID_CACHE.get(id(ipam))
    if same is not None and same[0] is ipam:
        return same[1]
    key = json.dumps(ipam, sort_keys=True, default=str)
    ranges = _RANGE_CACHE.get(key)
    if ranges is None:
        if len(_RANGE_CACHE) > 4096:
            _RANGE_CACHE.clear()
        ranges = _RANGE_CACHE[key] = ipam_ranges(ipam)
    if len(_ID_CACHE) > 4096:
        _ID_CACHE.clear()
    _ID_CACHE[id(ipam)] = (ipam, ranges)  # the dict is kept alive, so its id is not reused
    return ranges


def _ranges(ipam: dict[str, Any]) -> list[IPRange]:
    try:
        ranges = _cached_ranges(ipam)
    except ConfigError as exc:
        msg = str(exc)
        raise CniError(msg[len("ipam: "):] if msg.startswith("ipam: ") else msg) from None
    if not ranges:
        raise CniError("no IP ranges specified")
    return ranges


def _sets(ranges: list[IPRange]) -> list[list[IPRange]]:
    sets: dict[int, list[IPRange]] = {}
    for rng in ranges:
        sets.setdefault(rng.set_index, []).append(rng)
    return [sets[k] for k in sorted(sets)]


def _in_bounds(rng: IPRange, ip: str) -> bool:
    """Inside rangeStart..rangeEnd (the gateway included, so asking for it gets its own error)."""
    try:
        value = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return value.version == rng.version and rng.start <= value <= rng.end  # type: ignore[operator]


def _set_text(rset: list[IPRange]) -> str:
    return ",".join(r.describe() for r in rset)


def _round_robin(rset: list[IPRange], pool: dict[str, Any], last: str | None) -> tuple[str, IPRange] | None:
    """host-local's RangeIter: continue after the last reserved address (in its range), then the
    other ranges of the set; the domain's iter_hosts(after=...) does the wrap inside a range."""
    start = next((i for i, r in enumerate(rset) if last is not None and _in_bounds(r, last)), 0)
    for n, i in enumerate(list(range(start, len(rset))) + list(range(0, start))):
        rng = rset[i]
        for ip in rng.iter_hosts(after=last if n == 0 and last is not None and _in_bounds(rng, last) else None):
            if ip not in pool:
                return ip, rng
    return None
