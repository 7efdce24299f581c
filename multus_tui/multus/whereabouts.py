"""whereabouts' IPPools judged against the pods: which allocations are live, stale, duplicated or
orphaned, how many addresses are free, and when a pool will run out.

Pure domain (no kubernetes, no textual). Facts from k8snetworkplumbingwg/whereabouts @3a262bd:

* one IPPool per (network_name, range), in whereabouts' namespace (kube-system by default), named
  `IPPoolName`: the range's network in CIDR with ':' and '/' turned into '-', prefixed
  `<network_name>-` for a named network (pkg/storage/kubernetes/ipam.go);
* `spec.allocations` maps the offset of an address from the range's network address (decimal) to
  `{id: containerID, podref: "namespace/name", ifname}`;
* an OverlappingRangeIPReservation named after each address (`NormalizeIP`) guards it across the
  pools of one network_name;
* whereabouts' own reconciler (pkg/reconciler) calls an allocation orphaned when no pod of that
  podref exists, or the pod exists but its network-status does not carry the address (a Pending
  pod is looked at again rather than judged).

Words used here and in the UI: **stale** (whereabouts' "orphaned IP"): the pod is gone, or a pod of
that name exists but holds other addresses (a new pod, another container); **duplicate**: one address
allocated twice in one network, or one pod interface holding several allocations; **orphaned**: a
reservation object no pool allocation backs (it blocks its address forever), or a pool no NAD uses.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from multus_tui.multus.addr import network
from multus_tui.multus.errors import ConfigError
from multus_tui.multus.ipam import IPRange, ipam_ranges
from multus_tui.multus.nad import NAD
from multus_tui.multus.pod import is_normalised
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION

GROUP = "whereabouts.cni.cncf.io"
DEFAULT_NAMESPACE = "kube-system"

# allocation states
LIVE = "live"
PENDING = "pending"  # the pod exists but has not reported its addresses yet (attaching)
STALE_GONE = "stale: pod gone"
STALE_OTHER = "stale: held by another pod"  # a pod of that name exists without this address
OUTSIDE = "outside range"  # an offset that is not an address of the range (hand-edited?)
UNKNOWN = "unknown"  # the pod's namespace is not in view (namespace-scoped access): not judged
STALE_STATES = (STALE_GONE, STALE_OTHER)


# --- names (whereabouts' IPPoolName / NormalizeIP) --------------------------------------------------

def normalize_range(ip_range: str) -> str:
    """normalizeRange: '192.168.0.0/24' -> '192.168.0.0-24', 'fd00::/64' -> 'fd00---64'."""
    if ip_range.endswith(":"):
        ip_range += "0"
    return ip_range.replace(":", "-").replace("/", "-")


def pool_name(ip_range: str, network_name: str = "") -> str:
    """The IPPool a range of a network is kept in (no node slices)."""
    return f"{network_name}-{normalize_range(ip_range)}" if network_name else normalize_range(ip_range)


def reservation_name(ip: str, network_name: str = "") -> str:
    """The OverlappingRangeIPReservation name of an address."""
    text = ip + "0" if ip.endswith(":") else ip
    text = text.replace(":", "-")
    return f"{network_name}-{text}" if network_name else text


def ip_at(offset: int, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """IPAddOffset: the address `offset` after the range's network address."""
    value = int(network.network_address) + offset
    if network.version == 4 and 0 <= value < 1 << 32:
        return ".".join(map(str, value.to_bytes(4, "big")))  # a pool holds thousands: skip ipaddress' __str__
    return str(ipaddress.ip_address(value))


# --- what the API holds -------------------------------------------------------------------------------

class Allocation(msgspec.Struct, frozen=True, gc=False):
    """One entry of an IPPool's spec.allocations. (A frozen msgspec Struct, not a dataclass: a big
    cluster's pools hold 150,000 of them, and a frozen dataclass' __init__ costs ten times more.)"""

    offset: str
    container_id: str
    pod_ref: str
    ifname: str = ""
    ip: str | None = None  # None when the offset is not an integer (whereabouts ignores those)

    @property
    def pod(self) -> tuple[str, str] | None:
        ns, sep, name = self.pod_ref.partition("/")
        return (ns, name) if sep and ns and name else None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return network(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Pool:
    """An IPPool (whereabouts.cni.cncf.io/v1alpha1)."""

    namespace: str
    name: str
    range: str
    allocations: tuple[Allocation, ...] = ()
    resource_version: str = ""
    created: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        return _network(self.range)

    @classmethod
    def from_raw(cls, obj: Mapping[str, Any]) -> Pool:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        raw = spec.get("allocations") if isinstance(spec.get("allocations"), Mapping) else {}
        entries = []
        for key, a in raw.items():
            a = a if isinstance(a, Mapping) else {}
            entries.append((str(key), str(a.get("id") or ""), str(a.get("podref") or ""), str(a.get("ifname") or "")))
        return cls.from_entries(str(meta.get("namespace") or ""), str(meta.get("name") or ""),
                                str(spec.get("range") or ""), entries, str(meta.get("resourceVersion") or ""),
                                meta.get("creationTimestamp"))

    @classmethod
    def from_entries(cls, namespace: str, name: str, range_: str, entries: Iterable[tuple[str, str, str, str]],
                     resource_version: str = "", created: str | None = None) -> Pool:
        """A pool from its spec.allocations as (offset, id, podref, ifname), in any order (what
        `from_raw` reads of an object; the cluster's typed decoder reads the same from the wire)."""
        net = _network(range_)
        allocs = []
        for key, container_id, pod_ref, ifname in sorted(entries, key=lambda e: (len(e[0]), e[0])):
            ip = None
            if net is not None and key.isdigit():
                try:
                    ip = ip_at(int(key), net)
                except ValueError:
                    ip = None
            # offsets and interface names repeat across pools (150,000 allocations: ~15 MB shared)
            allocs.append(Allocation(sys.intern(key), container_id, pod_ref, sys.intern(ifname), ip))
        return cls(namespace, name, range_, tuple(allocs), resource_version, created)


@dataclass(frozen=True)
class Reservation:
    """An OverlappingRangeIPReservation."""

    namespace: str
    name: str
    pod_ref: str
    ifname: str = ""
    resource_version: str = ""

    @classmethod
    def from_raw(cls, obj: Mapping[str, Any]) -> Reservation:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        return cls(str(meta.get("namespace") or ""), str(meta.get("name") or ""), str(spec.get("podref") or ""),
                   str(spec.get("ifname") or ""), str(meta.get("resourceVersion") or ""))


@dataclass(frozen=True)
class PodFacts:
    """What judging an allocation needs of a pod (PodView has these attributes)."""

    namespace: str
    name: str
    phase: str = "Running"
    node: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    creation_timestamp: str | None = None


# --- judging ------------------------------------------------------------------------------------------

class AllocationState(msgspec.Struct, frozen=True, gc=False):
    """One allocation and what the cluster says about it (one per allocation, a Struct as Allocation)."""

    allocation: Allocation
    state: str  # LIVE, PENDING, STALE_GONE, STALE_OTHER, OUTSIDE
    node: str | None = None
    detail: str = ""
    duplicate: str = ""  # why it is a duplicate ("" when it is not)

    @property
    def stale(self) -> bool:
        return self.state in STALE_STATES

    @property
    def releasable(self) -> bool:
        """Stale and not a live pod's address: the only allocations a release may remove."""
        return self.stale


@dataclass(frozen=True)
class Forecast:
    """When a pool runs out at the rate its addresses were handed out lately."""

    rate_per_day: float
    days_left: float | None  # None: no allocation observed in the window (no growth)
    window_days: float

    def text(self) -> str:
        if self.days_left is None:
            return f"no new allocation in the last {_days(self.window_days)}: not running out"
        if self.days_left <= 0:
            return "exhausted"
        return (f"~{_days(self.days_left)} left at {self.rate_per_day:.1f} allocation(s)/day "
                f"(last {_days(self.window_days)})")


def _days(d: float) -> str:
    if d < 1:
        hours = max(1, round(d * 24))
        return f"{hours} hour" + ("s" if hours != 1 else "")
    n = round(d)
    return f"{n} day" + ("s" if n != 1 else "")


@dataclass(frozen=True)
class PoolReport:
    """One pool with its allocations judged."""

    pool: Pool
    nads: tuple[str, ...]  # "ns/name" of the NADs whose ranges map to this pool
    network_name: str
    size: int | None  # addresses whereabouts can hand out from the NADs' range (None: no NAD to tell)
    entries: tuple[AllocationState, ...]
    forecast: Forecast | None = None

    @property
    def used(self) -> int:
        return sum(1 for e in self.entries if e.state != OUTSIDE)

    @property
    def free(self) -> int | None:
        return None if self.size is None else max(0, self.size - self.used)

    @property
    def stale(self) -> list[AllocationState]:
        return [e for e in self.entries if e.stale]

    @property
    def duplicates(self) -> list[AllocationState]:
        return [e for e in self.entries if e.duplicate]

    @property
    def orphaned(self) -> bool:
        """No NAD uses this pool any more."""
        return not self.nads

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (`status -o json`'s pools, the inspector's data)."""
        return {
            "pool": self.pool.ref, "range": self.pool.range, "networkName": self.network_name,
            "nads": list(self.nads), "size": self.size, "used": self.used, "free": self.free,
            "stale": len(self.stale), "duplicates": len(self.duplicates), "orphaned": self.orphaned,
            "resourceVersion": self.pool.resource_version,
            "forecast": self.forecast.text() if self.forecast else None,
            "allocations": [{"offset": e.allocation.offset, "ip": e.allocation.ip, "podref": e.allocation.pod_ref,
                             "ifname": e.allocation.ifname, "id": e.allocation.container_id, "state": e.state,
                             "node": e.node, "detail": e.detail, "duplicate": e.duplicate or None}
                            for e in self.entries],
        }


_DECODE = msgspec.json.Decoder().decode


class _Addresses(msgspec.Struct, gc=False):
    """The two keys of a network-status entry getFlatIPSet reads, in their usual types."""

    default: bool | None = None
    ips: list[str] | None = None


_ADDRESSES = msgspec.json.Decoder(list[_Addresses]).decode


def _pod_ips(pod: PodFacts) -> set[str]:
    """getFlatIPSet: every address of the pod's non-default network-status entries."""
    raw = (pod.annotations or {}).get(NETWORK_STATUS_ANNOTATION)
    if not raw:
        return set()
    try:  # the usual shape, decoding nothing else (every pod of every pool is read)
        return {ip.split("/", 1)[0] for e in _ADDRESSES(raw) if not e.default for ip in e.ips or ()}
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass  # another shape: read generically below, as it always was
    try:
        entries = _DECODE(raw)
    except msgspec.DecodeError:  # what msgspec refuses json may still read (NaN...): as before
        try:
            entries = json.loads(raw)
        except ValueError:
            return set()
    out: set[str] = set()
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and not e.get("default"):
            out.update(str(ip).split("/", 1)[0] for ip in e.get("ips") or [])
    return out


def _as_facts(p: Any) -> PodFacts:
    if isinstance(p, PodFacts) or is_normalised(p):
        return p  # every attribute is there (the cluster's PodView): no copy of 150,000
    get = p.get if isinstance(p, Mapping) else (lambda k, d=None: getattr(p, k, d))
    return PodFacts(str(get("namespace", "") or ""), str(get("name", "") or ""), str(get("phase", "Running") or ""),
                    get("node", None), dict(get("annotations", None) or {}), get("creation_timestamp", None))


def judge(alloc: Allocation, pods: Mapping[tuple[str, str], PodFacts],
          pod_scope: Collection[str] | None = None) -> AllocationState:
    """The state of one allocation (whereabouts' isOrphanedIP, with Pending pods left alone).
    `pod_scope`: the namespaces whose pods are all in `pods` (None: every namespace)."""
    if alloc.ip is None:
        return AllocationState(alloc, OUTSIDE, detail=f"offset {alloc.offset!r} is not an address of the range")
    key = alloc.pod
    if key is not None and pod_scope is not None and key[0] not in pod_scope:
        return AllocationState(alloc, UNKNOWN, detail=f"pods of namespace {key[0]} are not in view")
    pod = pods.get(key) if key else None
    if pod is None:
        return AllocationState(alloc, STALE_GONE, detail=f"no pod {alloc.pod_ref or '(no podref)'} exists")
    ips = _pod_ips(pod)
    if alloc.ip in ips:
        return AllocationState(alloc, LIVE, pod.node)
    if pod.phase == "Pending":
        return AllocationState(alloc, PENDING, pod.node, "the pod is attaching (no network-status with it yet)")
    held = ", ".join(sorted(ips)) or "no secondary address"
    return AllocationState(alloc, STALE_OTHER, pod.node,
                           f"pod {alloc.pod_ref} exists but holds {held}: a later pod of that name, or another "
                           "container")


def _nad_pools(nad: NAD, ranges_of: Any = None) -> list[tuple[str, str, IPRange]]:
    """(pool name, network_name, range) of each range of a whereabouts NAD (`ranges_of`: how to get a
    NAD's ranges, ipam_ranges of its IPAM by default; the doctor passes the ones it derived)."""
    if nad.ipam_type != "whereabouts":
        return []
    try:
        ranges = ranges_of(nad) if ranges_of is not None else ipam_ranges(nad.ipam)
    except (ConfigError, ValueError, TypeError):
        return []
    network_name = str((nad.ipam or {}).get("network_name") or "")
    return [(pool_name(str(r.network), network_name), network_name, r) for r in ranges]


def pool_names_of(nad: NAD) -> list[str]:
    """The IPPool names a whereabouts NAD allocates from (one per range)."""
    return [name for name, _, _ in _nad_pools(nad)]


@functools.lru_cache(maxsize=4096)  # pods created in one second share it: 150,000 holders, few distinct
def _created(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        t = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def forecast(free: int | None, holders_created: Iterable[str | None], *, now: datetime | None = None,
             window_days: float = 7.0) -> Forecast | None:
    """When `free` addresses run out at the rate of the last `window_days` (the creation times of the
    pods holding live allocations tell when they were handed out)."""
    if free is None:
        return None
    now = now or datetime.now(UTC)
    recent = 0
    for ts in holders_created:
        t = _created(ts)
        if t is not None and 0 <= (now - t).total_seconds() <= window_days * 86400:
            recent += 1
    if free <= 0:
        return Forecast(recent / window_days, 0.0, window_days)
    if recent == 0:
        return Forecast(0.0, None, window_days)
    rate = recent / window_days
    return Forecast(rate, free / rate, window_days)


def inspect(pools: Iterable[Pool | Mapping[str, Any]], nads: Iterable[NAD], pods: Iterable[Any], *,
            now: datetime | None = None, pod_scope: Collection[str] | None = None,
            ranges_of: Any = None) -> list[PoolReport]:
    """Every pool, judged: its NADs, size, each allocation's state, duplicates, free and forecast.

    `pods`: PodFacts, PodView or dicts (namespace, name, phase, node, annotations,
    creation_timestamp) — every pod of `pod_scope` (namespaces; None: all), so that a pod missing
    from them is gone; allocations of pods in other namespaces are not judged (UNKNOWN)."""
    pool_list = [p if isinstance(p, Pool) else Pool.from_raw(p) for p in pools]
    by_pod = {(f.namespace, f.name): f for f in (_as_facts(p) for p in pods)}
    users: dict[str, list[tuple[str, str, IPRange]]] = {}
    for nad in nads:
        for name, network_name, rng in _nad_pools(nad, ranges_of):
            users.setdefault(name, []).append((f"{nad.namespace or ''}/{nad.name}", network_name, rng))
    # addresses per network_name across pools (overlapping ranges hand out one address once)
    reports: list[PoolReport] = []
    seen_ip: dict[tuple[str, str], list[str]] = {}
    pool_list.sort(key=lambda p: (p.namespace, p.name))
    network_names = []
    for pool in pool_list:
        using = users.get(pool.name, [])
        network_name = using[0][1] if using else _network_name_of(pool)
        network_names.append(network_name)
        ref = pool.ref
        for a in pool.allocations:
            if a.ip is not None:
                seen_ip.setdefault((network_name, a.ip), []).append(ref)
    for pool, network_name in zip(pool_list, network_names, strict=True):
        using = users.get(pool.name, [])
        size = using[0][2].size() if using else None
        per_iface: dict[tuple[str, str], int] = {}
        for a in pool.allocations:
            per_iface[(a.pod_ref, a.ifname)] = per_iface.get((a.pod_ref, a.ifname), 0) + 1
        entries = []
        holders = []  # when the pods holding live allocations were created
        for a in pool.allocations:
            st = judge(a, by_pod, pod_scope)
            if st.state == LIVE:  # judged live: its pod is in by_pod
                holders.append(by_pod[a.pod].creation_timestamp)  # type: ignore[index]
            dup = ""
            if a.ip is not None and len(seen_ip.get((network_name, a.ip), [])) > 1:
                others = [r for r in seen_ip[(network_name, a.ip)] if r != pool.ref]
                dup = f"{a.ip} is also allocated in {', '.join(others)} (network {network_name or '(unnamed)'})"
            elif per_iface.get((a.pod_ref, a.ifname), 0) > 1:
                dup = f"{a.pod_ref} {a.ifname or ''} holds {per_iface[(a.pod_ref, a.ifname)]} allocations here".replace(
                    "  ", " ")
            if dup:
                st = AllocationState(st.allocation, st.state, st.node, st.detail, dup)
            entries.append(st)
        report = PoolReport(pool, tuple(sorted({u[0] for u in using})), network_name, size, tuple(entries))
        reports.append(PoolReport(report.pool, report.nads, report.network_name, report.size, report.entries,
                                  forecast(report.free, holders, now=now)))
    return reports


def _network_name_of(pool: Pool) -> str:
    """The network_name a pool's name carries (its prefix before the normalised range)."""
    suffix = normalize_range(str(pool.network)) if pool.network is not None else ""
    if suffix and pool.name.endswith("-" + suffix):
        return pool.name[: -len(suffix) - 1]
    return ""


def orphaned_reservations(reservations: Iterable[Reservation | Mapping[str, Any]],
                          reports: Sequence[PoolReport]) -> list[Reservation]:
    """Reservation objects no pool allocation backs (same namespace, name from its address and
    network): whereabouts never hands their address out again until someone deletes them."""
    reservations = list(reservations)
    if not reservations:
        return []  # nothing to back: no allocation needs its reservation name
    backed: set[tuple[str, str]] = set()
    for r in reports:
        for e in r.entries:
            if e.allocation.ip is not None:
                backed.add((r.pool.namespace, reservation_name(e.allocation.ip, r.network_name)))
    out = []
    for res in reservations:
        res = res if isinstance(res, Reservation) else Reservation.from_raw(res)
        if (res.namespace, res.name) not in backed:
            out.append(res)
    return sorted(out, key=lambda r: (r.namespace, r.name))


def reports_for_nad(reports: Iterable[PoolReport], namespace: str, name: str) -> list[PoolReport]:
    """The pools a NAD allocates from."""
    ref = f"{namespace}/{name}"
    return [r for r in reports if ref in r.nads]


def release_patch(pool: Pool, entry: AllocationState) -> list[dict[str, Any]]:
    """The JSON patch that releases one stale allocation and nothing else: it applies only to the
    pool as it was loaded (resourceVersion) and only if the entry is still exactly what was judged."""
    if not entry.releasable:
        raise ValueError(f"{entry.allocation.ip or entry.allocation.offset} is {entry.state}: only stale "
                         "allocations are released")
    a = entry.allocation
    value: dict[str, str] = {"id": a.container_id, "podref": a.pod_ref}
    if a.ifname:
        value["ifname"] = a.ifname
    path = f"/spec/allocations/{a.offset}"
    return [{"op": "test", "path": "/metadata/resourceVersion", "value": pool.resource_version},
            {"op": "test", "path": path, "value": value},
            {"op": "remove", "path": path}]
