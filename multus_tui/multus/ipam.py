"""IPAM pool arithmetic shared by the sandbox's allocator, the UI and `doctor`.

Rules from multus-reference.md:

* 4.13 static: `addresses[].address` must be CIDR; every pod gets exactly those addresses.
* 4.14 host-local: `ranges` is a list of range-sets (one address per set per attachment); the legacy
  top-level `subnet`/`rangeStart`/`rangeEnd`/`gateway` is prepended as one set. The subnet must be
  the network address, /31 /32 /127 /128 are too small, the gateway defaults to the first host
  (.1), rangeStart defaults to .1, rangeEnd to the last usable address (IPv4: before broadcast);
  allocation walks rangeStart..rangeEnd skipping the gateway.
* 4.16 whereabouts: `range` is a CIDR with host bits allowed (masked) or `first-last/prefix`;
  `range_start`/`range_end` bound it, `exclude` CIDRs are skipped, `ipRanges` add more ranges
  (one address each; the top-level `range` comes first); network and broadcast addresses are
  never handed out, nor IPv4 addresses ending in `.0`.

Everything here is exact arithmetic on integers: `IPRange.size()` counts without iterating and
`IPRange.iter_hosts()` is a generator, so a /8 or an IPv6 /64 costs nothing until consumed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from multus_tui.multus.addr import network
from multus_tui.multus.errors import ConfigError, MultusTuiError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class PoolExhausted(MultusTuiError):
    """No free address left; the message has the shape the real IPAM plugin prints (4.14, 4.16)."""


@dataclass(frozen=True)
class IPRange:
    """A contiguous allocation range of one IPAM type.

    `set_index` groups ranges that together yield ONE address per attachment (a host-local
    range-set, or one whereabouts `ipRanges` entry); different set indexes yield one address each.
    """

    kind: str  # "host-local" | "whereabouts" | "static"
    network: IPNetwork
    start: IPAddress
    end: IPAddress
    gateway: IPAddress | None = None
    exclude: tuple[IPNetwork, ...] = ()
    set_index: int = 0
    skip_gateway: bool = False
    skip_dot_zero: bool = False
    # (first, last) integer intervals removed from the range, merged and sorted (from `exclude`).
    _holes: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        lo, hi = int(self.start), int(self.end)
        spans = sorted(
            (max(int(n.network_address), lo), min(int(n.broadcast_address), hi))
            for n in self.exclude
            if n.version == self.version
        )
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if a > b:
                continue
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        object.__setattr__(self, "_holes", tuple(merged))

    @property
    def version(self) -> int:
        return self.network.version

    @property
    def prefixlen(self) -> int:
        return self.network.prefixlen

    def _excluded(self, value: int) -> bool:
        return any(a <= value <= b for a, b in self._holes)

    def _skipped(self, value: int) -> bool:
        if self.skip_gateway and self.gateway is not None and value == int(self.gateway):
            return True
        if self.skip_dot_zero and self.version == 4 and value % 256 == 0:
            return True
        return self._excluded(value)

    def __contains__(self, ip: object) -> bool:
        """True when `ip` (text, with or without prefix, or an address) can be handed out here."""
        addr = _as_address(ip)
        if addr is None or addr.version != self.version:
            return False
        value = int(addr)
        return int(self.start) <= value <= int(self.end) and not self._skipped(value)

    def iter_hosts(self, after: str | None = None) -> Iterator[str]:
        """Addresses in allocation order, lazily. With `after`, start just past that address and
        wrap around (host-local continues from the last reserved IP, round-robin)."""
        lo, hi = int(self.start), int(self.end)
        if lo > hi:
            return
        first = lo
        if after is not None:
            a = _as_address(after)
            if a is not None and a.version == self.version and lo <= int(a) < hi:
                first = int(a) + 1
        yield from self._walk(first, hi)
        if first > lo:
            yield from self._walk(lo, first - 1)

    def _walk(self, lo: int, hi: int) -> Iterator[str]:
        make = _v4_text if self.version == 4 else _v6_text
        gw = int(self.gateway) if (self.skip_gateway and self.gateway is not None) else None
        holes = [h for h in self._holes if h[1] >= lo and h[0] <= hi]
        h = 0
        value = lo
        dot_zero = self.skip_dot_zero and self.version == 4
        while value <= hi:
            if h < len(holes) and value >= holes[h][0]:
                value = max(value, holes[h][1] + 1)
                h += 1
                continue
            if value != gw and not (dot_zero and value % 256 == 0):
                yield make(value)
            value += 1

    def size(self) -> int:
        """Exact number of addresses `iter_hosts` yields, computed without iterating."""
        lo, hi = int(self.start), int(self.end)
        if lo > hi:
            return 0
        total = hi - lo + 1 - sum(b - a + 1 for a, b in self._holes)
        if self.skip_gateway and self.gateway is not None:
            g = int(self.gateway)
            if lo <= g <= hi and not self._excluded(g) and not (
                self.skip_dot_zero and self.version == 4 and g % 256 == 0
            ):
                total -= 1
        if self.skip_dot_zero and self.version == 4:
            total -= _multiples(lo, hi, 256) - sum(_multiples(a, b, 256) for a, b in self._holes)
        return total

    def describe(self) -> str:
        """`start-end` as host-local prints a range (`Range.String()`)."""
        return f"{self.start}-{self.end}"

    def cidr(self, ip: str) -> str:
        """`ip/prefix` of an address from this range (what a CNI result and AddedInterface carry)."""
        return f"{ip}/{self.prefixlen}"


def _v4_text(v: int) -> str:
    # 10x faster than str(IPv4Address(v)); iter_hosts over a /16 is on the sandbox's hot path.
    return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


def _v6_text(v: int) -> str:
    return str(ipaddress.IPv6Address(v))


def _multiples(lo: int, hi: int, k: int) -> int:
    """How many multiples of k lie in [lo, hi]."""
    if lo > hi:
        return 0
    return hi // k - (lo - 1) // k


def _as_address(ip: object) -> IPAddress | None:
    if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return ip
    if not isinstance(ip, str):
        return None
    text = ip.split("/", 1)[0]
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- parsing helpers


def _ip(value: Any, what: str) -> IPAddress:
    if not isinstance(value, str):
        raise ConfigError(f"{what}: expected an IP address string, got {value!r}")
    addr = _as_address(value) if "/" not in value else None
    if addr is None:
        raise ConfigError(f"{what}: invalid IP address: {value}")
    return addr


def _opt_ip(value: Any, what: str) -> IPAddress | None:
    if value is None or value == "":
        return None
    return _ip(value, what)


def _cidr_parts(value: Any, what: str) -> tuple[IPAddress, IPNetwork]:
    """(address, network) of `a.b.c.d/n` like Go's net.ParseCIDR."""
    if not isinstance(value, str) or "/" not in value:
        raise ConfigError(f"{what}: invalid CIDR address: {value!r}")
    addr_text, _, prefix = value.partition("/")
    addr = _as_address(addr_text)
    if addr is None or not prefix.isdigit() or int(prefix) > addr.max_prefixlen:
        raise ConfigError(f"{what}: invalid CIDR address: {value}")
    net = network(f"{addr}/{int(prefix)}")
    return addr, net


def _list(value: Any, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{what}: expected a list, got {type(value).__name__}")
    return value


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _first_host(net: IPNetwork) -> IPAddress:
    return net.network_address + 1


def _last_usable(net: IPNetwork) -> IPAddress:
    # host-local lastIP(): IPv4 excludes the broadcast address, IPv6 does not (4.14).
    return net.broadcast_address - 1 if net.version == 4 else net.broadcast_address


# --------------------------------------------------------------------------- per type


def _host_local_range(r: Mapping[str, Any], set_index: int, what: str) -> IPRange:
    addr, net = _cidr_parts(r.get("subnet"), f"{what}.subnet")
    if addr != net.network_address:
        raise ConfigError(
            f"{what}.subnet: Network has host bits set. For a subnet mask of length "
            f"{net.prefixlen} the network address is {net.network_address}"
        )
    if net.prefixlen > net.max_prefixlen - 2:
        raise ConfigError(f"{what}.subnet: Network {net} too small to allocate from")
    start = _opt_ip(r.get("rangeStart"), f"{what}.rangeStart")
    end = _opt_ip(r.get("rangeEnd"), f"{what}.rangeEnd")
    gateway = _opt_ip(r.get("gateway"), f"{what}.gateway")
    for key, ip in (("rangeStart", start), ("rangeEnd", end)):
        if ip is not None and ip not in net:
            raise ConfigError(f"{what}.{key}: {key[0].upper()}{key[1:]} {ip} not in network {net}")
    return IPRange(
        kind="host-local",
        network=net,
        start=start if start is not None else _first_host(net),
        end=end if end is not None else _last_usable(net),
        gateway=gateway if gateway is not None else _first_host(net),
        set_index=set_index,
        skip_gateway=True,
    )


def _host_local(ipam: Mapping[str, Any]) -> list[IPRange]:
    sets: list[list[Mapping[str, Any]]] = []
    if ipam.get("subnet"):
        legacy = {k: ipam.get(k) for k in ("subnet", "rangeStart", "rangeEnd", "gateway")}
        sets.append([legacy])
    for i, rs in enumerate(_list(ipam.get("ranges"), "ipam.ranges")):
        sets.append([_obj(r, f"ipam.ranges[{i}][{j}]") for j, r in enumerate(_list(rs, f"ipam.ranges[{i}]"))])
    if not sets or not any(sets):
        raise ConfigError("ipam: no IP ranges specified")
    out: list[IPRange] = []
    offset = 1 if ipam.get("subnet") else 0
    for si, rs in enumerate(sets):
        if not rs:
            raise ConfigError(f"ipam.ranges[{si - offset}]: no IP ranges specified")
        what_base = "ipam" if (offset and si == 0) else f"ipam.ranges[{si - offset}]"
        ranges = [
            _host_local_range(r, si, what_base if (offset and si == 0) else f"{what_base}[{j}]")
            for j, r in enumerate(rs)
        ]
        if len({r.version for r in ranges}) > 1:
            raise ConfigError(f"{what_base}: mixed address families")
        for a in range(len(ranges)):
            for b in range(a + 1, len(ranges)):
                if ranges[a].network.overlaps(ranges[b].network):
                    raise ConfigError(
                        f"{what_base}: subnets {ranges[a].network} and {ranges[b].network} overlap"
                    )
        for prev in out:
            for r in ranges:
                if prev.network.overlaps(r.network):
                    raise ConfigError(f"ipam: range set {prev.set_index} overlaps with {si}")
        out.extend(ranges)
    return out


def _whereabouts_one(
    rng: Any, start_v: Any, end_v: Any, exclude_v: Any, set_index: int, gateway: IPAddress | None, what: str
) -> IPRange:
    if not isinstance(rng, str) or not rng:
        raise ConfigError(f"{what}.range: invalid CIDR (do you have the 'range' parameter set for Whereabouts?)")
    start = _opt_ip(start_v, f"{what}.range_start")
    end = _opt_ip(end_v, f"{what}.range_end")
    first_last = rng.split("-", 1)
    if len(first_last) == 2:
        first = _ip(first_last[0].strip(), f"{what}.range")
        last, net = _cidr_parts(first_last[1].strip(), f"{what}.range")
        if first not in net:
            raise ConfigError(f"{what}.range: invalid range start for CIDR {net}: {first}")
        start, end = first, last
    else:
        _, net = _cidr_parts(rng, f"{what}.range")
    excludes = []
    for k, ex in enumerate(_list(exclude_v, f"{what}.exclude")):
        if isinstance(ex, str) and "/" not in ex:
            excludes.append(ipaddress.ip_network(_ip(ex, f"{what}.exclude[{k}]")))
        else:
            excludes.append(_cidr_parts(ex, f"{what}.exclude[{k}]")[1])
    # GetIPRange (L2): never the network or broadcast address; bounds honoured only inside.
    if net.prefixlen > net.max_prefixlen - 2:
        raise ConfigError(f"{what}.range: {net} is too small to allocate from (no address besides network/broadcast)")
    lo = net.network_address + 1
    hi = net.broadcast_address - 1
    if start is not None and start.version == net.version and lo <= start <= hi:
        lo = start
    if end is not None and end.version == net.version and lo <= end <= hi:
        hi = end
    return IPRange(
        kind="whereabouts",
        network=net,
        start=lo,
        end=hi,
        gateway=gateway,
        exclude=tuple(excludes),
        set_index=set_index,
        skip_gateway=False,
        skip_dot_zero=True,
    )


def _whereabouts(ipam: Mapping[str, Any]) -> list[IPRange]:
    gateway = _opt_ip(ipam.get("gateway"), "ipam.gateway")
    out: list[IPRange] = []
    if ipam.get("range"):
        out.append(_whereabouts_one(
            ipam.get("range"), ipam.get("range_start"), ipam.get("range_end"), ipam.get("exclude"),
            0, gateway, "ipam",
        ))
    for i, r in enumerate(_list(ipam.get("ipRanges"), "ipam.ipRanges")):
        r = _obj(r, f"ipam.ipRanges[{i}]")
        out.append(_whereabouts_one(
            r.get("range"), r.get("range_start"), r.get("range_end"), r.get("exclude"),
            len(out), None, f"ipam.ipRanges[{i}]",
        ))
    if not out:
        raise ConfigError("ipam.range: invalid CIDR (do you have the 'range' parameter set for Whereabouts?)")
    return out


def _static(ipam: Mapping[str, Any]) -> list[IPRange]:
    out = []
    for i, a in enumerate(_list(ipam.get("addresses"), "ipam.addresses")):
        a = _obj(a, f"ipam.addresses[{i}]")
        text = a.get("address")
        if not isinstance(text, str) or "/" not in text:
            raise ConfigError(f"ipam.addresses[{i}].address: the 'address' field {text!r} is NOT in CIDR notation")
        addr, net = _cidr_parts(text, f"ipam.addresses[{i}].address")
        gw = _opt_ip(a.get("gateway"), f"ipam.addresses[{i}].gateway")
        out.append(IPRange(kind="static", network=net, start=addr, end=addr, gateway=gw, set_index=i))
    return out


_PARSERS = {"host-local": _host_local, "whereabouts": _whereabouts, "static": _static}


def ipam_ranges(ipam: Mapping[str, Any] | None) -> list[IPRange]:
    """The allocation ranges of an IPAM block, in allocation order (4.13, 4.14, 4.16).

    Types without a pool (dhcp, unknown, absent) give []. Raises ConfigError (message shaped
    like the plugin's own) when the block is malformed.
    """
    if ipam is None:
        return []
    if not isinstance(ipam, Mapping):
        raise ConfigError(f"ipam: expected an object, got {type(ipam).__name__}")
    parser = _PARSERS.get(ipam.get("type")) if isinstance(ipam.get("type"), str) else None
    if parser is None:
        return []
    try:
        return parser(ipam)
    except ConfigError:
        raise
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # A shape we did not foresee must still be a clear message, never a traceback.
        raise ConfigError(f"ipam: {exc}") from None


def _sets(ranges: Iterable[IPRange]) -> dict[int, list[IPRange]]:
    out: dict[int, list[IPRange]] = {}
    for r in ranges:
        out.setdefault(r.set_index, []).append(r)
    return out


def pool_size(ipam: Mapping[str, Any] | None) -> int | None:
    """How many attachments this IPAM can serve before it is exhausted: each attachment takes one
    address from every set, so the smallest set decides. None when there is no pool (static:
    every pod gets the same addresses; dhcp; no IPAM). Raises ConfigError on a malformed block."""
    if not isinstance(ipam, Mapping) or ipam.get("type") not in ("host-local", "whereabouts"):
        return None
    sets = _sets(ipam_ranges(ipam))
    return min(sum(r.size() for r in rs) for rs in sets.values())


def pool_sizes(ipam: Mapping[str, Any] | None) -> list[int]:
    """Size of each set (e.g. [IPv4 pool, IPv6 pool] for dual stack)."""
    return [sum(r.size() for r in rs) for rs in _sets(ipam_ranges(ipam)).values()]


def ipam_gateway(ipam: Mapping[str, Any] | None) -> str | None:
    """The gateway pods get: host-local's first range (explicit or .1), static's first address
    gateway, whereabouts' `gateway`. None when there is none or the block is malformed."""
    try:
        ranges = ipam_ranges(ipam)
    except ConfigError:
        return None
    for r in ranges:
        if r.gateway is not None:
            return str(r.gateway)
    return None


def contains(ipam: Mapping[str, Any] | None, ip: str) -> bool:
    """True when `ip` (with or without prefix) is an address this IPAM can hand out (static:
    one of its addresses). False for malformed blocks and pool-less types."""
    try:
        ranges = ipam_ranges(ipam)
    except ConfigError:
        return False
    return any(ip in r for r in ranges)


def allocate(
    ipam: Mapping[str, Any] | None, taken: Iterable[str], last: Mapping[int, str] | None = None
) -> list[str]:
    """Addresses (`ip/prefix`) for one new attachment, as the plugin would choose them: one per
    set, the first free one in allocation order (host-local continues after `last[set_index]`,
    its last reserved IP). `taken` holds plain IPs already in use in the pool's scope (the node
    for host-local, the cluster for whereabouts). Static returns its addresses. Raises
    PoolExhausted with the plugin's message shape, ConfigError on a malformed block."""
    ranges = ipam_ranges(ipam)
    taken_set = {t.split("/", 1)[0] for t in taken}
    out: list[str] = []
    for si, rs in _sets(ranges).items():
        if rs[0].kind == "static":
            out.extend(f"{r.start}/{r.prefixlen}" for r in rs)
            continue
        found = None
        for r in rs:
            after = (last or {}).get(si)
            for ip in r.iter_hosts(after=after if after and after in r else None):
                if ip not in taken_set:
                    found = r.cidr(ip)
                    break
            if found:
                break
        if found is None:
            raise PoolExhausted(_exhausted_message(rs))
        out.append(found)
    return out


def _exhausted_message(rs: list[IPRange]) -> str:
    r = rs[0]
    if r.kind == "whereabouts":
        excl = " ".join(str(n) for n in r.exclude)
        return (
            f"error at storage engine: Could not allocate IP in range: ip: {r.start} / - {r.end} "
            f"/ range: {r.network} / excludeRanges: [{excl}]"
        )
    return "no IP addresses available in range set: " + ",".join(x.describe() for x in rs)


@dataclass(frozen=True)
class PoolUse:
    """How full a NAD's pool is: `used` attachments of `size`; `node` names the node of a per-node
    pool (host-local keeps one pool per node, reference 4.14), None for a cluster-wide one."""

    used: int
    size: int
    node: str | None = None

    @property
    def exhausted(self) -> bool:
        return self.used >= self.size


Holder = tuple[str | None, Any, Iterable[str]]  # (node, attachment key, its addresses)


def _held(ipam: Mapping[str, Any] | None, holders: Iterable[Holder]) -> tuple[int, dict[str | None, set[Any]]] | None:
    """(pool size, the attachments holding each pool: by node for host-local, under None for the
    cluster's), or None when there is no pool or the block cannot be read."""
    try:
        size = pool_size(ipam)
        ranges = ipam_ranges(ipam) if size else []
    except ConfigError:
        return None
    if not size or ipam is None:
        return None
    per_node = ipam.get("type") == "host-local"
    held: dict[str | None, set[Any]] = {}
    for node, key, addresses in holders:
        if per_node and not node:
            continue  # not scheduled: no node's pool holds it
        if any(addr in r for addr in addresses for r in ranges):
            held.setdefault(node if per_node else None, set()).add(key)
    return size, held


def pool_uses(ipam: Mapping[str, Any] | None, holders: Iterable[Holder]) -> list[PoolUse]:
    """The use of an IPAM's pool(s) by the attachments holding their addresses. `holders`: (node,
    attachment key, addresses) of each attached pod interface. An attachment counts once (a dual-stack
    one takes one address from each set; `pool_size` is per attachment) and only when one of its
    addresses lies in the pool's ranges (a pod's own `ips` outside them take nothing from it).
    host-local: one PoolUse per node holding some (each node has its own pool), by node name;
    whereabouts: one for the cluster when it holds any. [] when there is no pool, none is held, or
    the block cannot be read. The Doctor and the NAD views both count with this."""
    found = _held(ipam, holders)
    if found is None:
        return []
    size, held = found
    return [PoolUse(len(keys), size, node) for node, keys in sorted(held.items(), key=lambda kv: str(kv[0]))]


def pool_use(ipam: Mapping[str, Any] | None, holders: Iterable[Holder]) -> PoolUse | None:
    """The fullest pool of `pool_uses` (0 used when none is held), None when there is no pool."""
    found = _held(ipam, holders)
    if found is None:
        return None
    size, held = found
    if not held:
        return PoolUse(0, size)
    node, keys = max(held.items(), key=lambda kv: len(kv[1]))
    return PoolUse(len(keys), size, node)
