"""Cluster-wide diagnosis: what Multus gets wrong without a word.

Pure domain: the inputs are plain values (NAD models, pod records, event dicts), so every check
is testable without a cluster; `multus_tui.cluster.doctor` gathers them from a cluster or a
LiveStore. Every rule reuses the domain's single source of truth: `parse_networks` and
`selection_problems` (selection.py) for what pods ask, `join_attachments` (attachments.py) for
what they got, `parse_failure` (failures.py, via join_attachments) for why they did not,
`ipam_ranges`/`pool_size` (ipam.py) for pools and `validate_nad` (validate.py) for NAD configs.

Checks (the numbers of issue 8; ids are stable, tests and `doctor -o json` key on them):

1. ``duplicate-address``      one address held by several pods on the same L2 (master/bridge)
2. ``host-local-multi-node``  a host-local pool used on more than one node (4.14: per node)
3. ``pool-usage``             pool use (host-local per node, whereabouts per pool), >=80 %, exhausted
4. ``shared-static-address``  a static NAD with fixed addresses used by more than one pod (S1 pitfall)
5. ``overlapping-subnets``    NADs on the same master whose subnets/ranges overlap
6. ``missing-nad``, ``namespace-isolation``  requests of NADs that do not exist / are refused (2.4)
7. ``dropped-ips``, ``dropped-mac``, ``unknown-selection-key``, ``misspelled-annotation``,
   ``host-network-annotation``, ``malformed-annotation``, ``selection-problem``  (2.3, 2.7, 5.3)
8. ``default-route-unreachable``, ``default-route-ecmp``  (2.6)
9. ``sandbox-failure``        pods stuck creating: the root cause from the event, mapped to the NAD
10. ``invalid-nad``           live NADs whose config does not parse or fails lint
11. ``whereabouts-stale-reservation``, ``whereabouts-duplicate``, ``whereabouts-orphaned-reservation``,
    ``whereabouts-orphaned-pool``  IPPool allocations judged against the pods (multus.whereabouts);
    with IPPools known, whereabouts' ``pool-usage`` counts their allocations (stale ones too)
12. ``sriov-resource-unadvertised``, ``sriov-unschedulable``  a NAD's resourceName no node
    advertises / pods the scheduler cannot place for it (multus.sriov)
13. ``host-link-missing``     a NAD's master/device missing on nodes that report their interfaces
    (kubernetes-nmstate's NodeNetworkState): its pods fail there with "Link not found"

Objects are named ``pod/<ns>/<name>``, ``nad/<ns>/<name>`` and ``ippool/<ns>/<name>``.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
import ipaddress
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from multus_tui.multus.attachments import ATTACHED, AttachmentState, join_attachments, network_status_error
from multus_tui.multus.errors import AnnotationError, ConfigError
from multus_tui.multus.failures import Failure
from multus_tui.multus.ipam import IPRange, ipam_ranges, pool_use, pool_uses
from multus_tui.multus.nad import NAD, RESOURCE_NAME_ANNOTATION
from multus_tui.multus.nodes import NodeFacts, link_gaps
from multus_tui.multus.pod import is_normalised
from multus_tui.multus.policy import severity_rank
from multus_tui.multus.selection import (
    NETWORKS_ANNOTATION,
    Selection,
    parse_ip,
    parse_ip_or_cidr,
    parse_networks,
    selection_problems,
)
from multus_tui.multus.status import LEGACY_NETWORKS_STATUS_ANNOTATION, NETWORK_STATUS_ANNOTATION
from multus_tui.multus.validate import validate_nad

#: check id -> (issue 8 number, title). The order of this dict is the display order.
CHECKS: dict[str, tuple[int, str]] = {
    "duplicate-address": (1, "duplicate address on one L2"),
    "host-local-multi-node": (2, "host-local pool shared across nodes"),
    "pool-usage": (3, "IPAM pool use"),
    "shared-static-address": (4, "static address shared by several pods"),
    "overlapping-subnets": (5, "overlapping subnets on one master"),
    "missing-nad": (6, "NAD does not exist"),
    "namespace-isolation": (6, "refused by namespace isolation"),
    "multus-not-installed": (6, "no NetworkAttachmentDefinition API"),
    "dropped-ips": (7, "ips dropped"),
    "dropped-mac": (7, "mac dropped"),
    "unknown-selection-key": (7, "unknown selection key"),
    "misspelled-annotation": (7, "misspelled annotation key"),
    "host-network-annotation": (7, "networks on a hostNetwork pod"),
    "malformed-annotation": (7, "malformed networks annotation"),
    "selection-problem": (7, "selection problem"),
    "default-route-unreachable": (8, "default-route gateway unreachable"),
    "default-route-ecmp": (8, "more than one default-route per family"),
    "sandbox-failure": (9, "pod stuck creating"),
    "invalid-nad": (10, "NAD config invalid"),
    "whereabouts-stale-reservation": (11, "whereabouts allocation outlived its pod"),
    "whereabouts-duplicate": (11, "whereabouts address allocated twice"),
    "whereabouts-orphaned-reservation": (11, "whereabouts reservation without allocation"),
    "whereabouts-orphaned-pool": (11, "whereabouts pool no NAD uses"),
    "sriov-resource-unadvertised": (12, "resourceName advertised by no node"),
    "sriov-unschedulable": (12, "pod cannot be scheduled for its resourceName"),
    "host-link-missing": (13, "master/device missing on nodes"),
}

#: warning threshold of pool use (warning at >= 80 %)
POOL_WARN_RATIO = 0.8

_TERMINAL_PHASES = ("Succeeded", "Failed")
# Annotation keys close to the networks key that are legitimate (3.x, 1.5, 2.4).
_KNOWN_KEYS = frozenset({
    NETWORKS_ANNOTATION, NETWORK_STATUS_ANNOTATION, LEGACY_NETWORKS_STATUS_ANNOTATION,
    RESOURCE_NAME_ANNOTATION, "v1.multus-cni.io/default-network",
})
# Main plugins that honour the legacy CNI_ARGS MAC Multus always sends (5.3).
_CNI_ARGS_MAC_TYPES = frozenset({"macvlan", "bridge", "sriov", "tuning", "ovs"})


@dataclass(frozen=True)
class DoctorFinding:
    """One diagnosis: `check` (stable id, see CHECKS), `severity`, the objects involved
    (``pod/ns/name``, ``nad/ns/name``), what is wrong and how to fix it."""

    check: str
    severity: str  # "error" | "warning" | "info"
    objects: tuple[str, ...]
    message: str
    fix: str

    @property
    def number(self) -> int:
        """The issue-8 check number (1-10), 0 for an unknown id."""
        return CHECKS.get(self.check, (0, ""))[0]

    def to_dict(self) -> dict[str, Any]:
        """The `doctor -o json` element."""
        return {"check": self.check, "severity": self.severity, "objects": list(self.objects),
                "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class PodRecord:
    """What diagnosis needs of a pod (the cluster layer's PodView has the same attributes)."""

    namespace: str
    name: str
    node: str | None = None
    phase: str = "Pending"
    annotations: Mapping[str, str] = field(default_factory=dict)
    host_network: bool = False
    uid: str = ""


def pod_ref(namespace: str, name: str) -> str:
    """Object name of a pod in findings."""
    return f"pod/{namespace}/{name}"


def nad_ref(namespace: str, name: str) -> str:
    """Object name of a NAD in findings."""
    return f"nad/{namespace}/{name}"


def findings_for(findings: Iterable[DoctorFinding], kind: str, namespace: str, name: str) -> list[DoctorFinding]:
    """The findings that concern one object; `kind` is "pod" or "nad" (also accepts "Pod",
    "NetworkAttachmentDefinition")."""
    k = {"networkattachmentdefinition": "nad", "network-attachment-definition": "nad"}.get(kind.lower(), kind.lower())
    ref = f"{k}/{namespace}/{name}"
    return [f for f in findings if ref in f.objects]


#: where some checks run (see diagnose's `apart`): given what makes their findings, it starts it and
#: returns what waits for them
Apart = Callable[[Callable[[], list[DoctorFinding]]], Callable[[], list[DoctorFinding]]]


def sort_findings(findings: Iterable[DoctorFinding]) -> list[DoctorFinding]:
    """Errors first, then by check number, objects and message (deterministic output)."""
    return sorted(findings, key=lambda f: (severity_rank(f.severity), f.number, f.check,
                                           f.objects, f.message))


def has_errors(findings: Iterable[DoctorFinding]) -> bool:
    """True when any finding is an error (`doctor` exits 1)."""
    return any(f.severity == "error" for f in findings)


# ------------------------------------------------------------------------------------ inputs


def _as_pod(obj: Any) -> PodRecord:
    if isinstance(obj, PodRecord) or is_normalised(obj):
        return obj  # every attribute is there, normalised (the cluster's PodView): no copy of 150,000
    get = obj.get if isinstance(obj, Mapping) else (lambda k, d=None: getattr(obj, k, d))
    return PodRecord(
        namespace=str(get("namespace", "") or ""), name=str(get("name", "") or ""), node=get("node"),
        phase=str(get("phase", "") or "Pending"), annotations=dict(get("annotations", None) or {}),
        host_network=bool(get("host_network", False)), uid=str(get("uid", "") or ""),
    )


def _event_target(ev: Mapping[str, Any]) -> tuple[str, str, str, str] | None:
    io = ev.get("involvedObject") or ev.get("regarding") or {}
    if not isinstance(io, Mapping):
        return None
    kind = io.get("kind") or ""
    if kind not in ("Pod", ""):
        return None
    meta = ev.get("metadata") if isinstance(ev.get("metadata"), Mapping) else {}
    ns = io.get("namespace") or (meta or {}).get("namespace") or ev.get("namespace") or ""
    return (str(kind), str(ns), str(io.get("name") or ""), str(io.get("uid") or ""))


@dataclass(slots=True)
class _Pod:
    rec: PodRecord
    selections: list[Selection]
    parse_error: str | None
    states: list[AttachmentState]
    # derived once per pod, asked for by several checks
    live: bool = True
    running: bool = False
    attached: list[tuple[AttachmentState, NAD | None]] = field(default_factory=list)  # with each one's NAD

    @property
    def ref(self) -> str:
        return pod_ref(self.rec.namespace, self.rec.name)


class _Out:
    """Collects findings, dropping exact duplicates."""

    def __init__(self) -> None:
        self.items: list[DoctorFinding] = []
        self._seen: set[tuple] = set()

    def add(self, check: str, severity: str, objects: Iterable[str], message: str, fix: str) -> None:
        objs = tuple(dict.fromkeys(objects))
        key = (check, severity, objs, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.items.append(DoctorFinding(check, severity, objs, message, fix))


# ------------------------------------------------------------------------------------ NAD facts


# Parsed ranges per NAD for the duration of one `diagnose` call (checks ask for the same NAD's
# ranges once per attachment and pair): a context variable, so runs in other threads (the TUI's
# worker) never share it.
_RANGE_CACHE: contextvars.ContextVar[dict[int, tuple[NAD, list[IPRange]]] | None] = \
    contextvars.ContextVar("diagnose_ranges", default=None)


def _ranges(nad: NAD | None) -> list[IPRange]:
    if nad is None:
        return []
    cache = _RANGE_CACHE.get()
    hit = cache.get(id(nad)) if cache is not None else None
    if hit is not None and hit[0] is nad:
        return hit[1]
    try:
        out = ipam_ranges(nad.ipam)
    except ConfigError:
        out = []  # check 10 reports the malformed IPAM
    if cache is not None:
        cache[id(nad)] = (nad, out)  # the NAD is kept alive, so its id cannot be reused meanwhile
    return out


# Facts of a NAD asked for once per attached pod (150,000 times in a big cluster): derived once per
# NAD per diagnosis (NAD's properties re-derive them from its config at every access).
_NAD_MEMO: contextvars.ContextVar[dict[tuple[int, str], tuple[NAD, Any]] | None] = \
    contextvars.ContextVar("diagnose_nad_memo", default=None)


@contextlib.contextmanager
def _memos() -> Iterator[None]:
    """The per-diagnosis memos of NAD facts and ranges (a process of its own keeps its own)."""
    token, memo = _RANGE_CACHE.set({}), _NAD_MEMO.set({})
    try:
        yield
    finally:
        _RANGE_CACHE.reset(token)
        _NAD_MEMO.reset(memo)


def _memo(nad: NAD, what: str, fn: Any) -> Any:
    cache = _NAD_MEMO.get()
    if cache is None:
        return fn(nad)
    hit = cache.get((id(nad), what))
    if hit is not None and hit[0] is nad:
        return hit[1]
    value = fn(nad)
    cache[(id(nad), what)] = (nad, value)  # the NAD is kept alive: its id is not reused meanwhile
    return value


def _ipam_type(nad: NAD) -> str | None:
    return _memo(nad, "ipam_type", lambda n: n.ipam_type)


def l2_key(nad: NAD | None) -> tuple[str, ...] | None:
    """What makes two attachments share a broadcast domain: the main plugin's master (macvlan,
    ipvlan), master + VLAN id (vlan), bridge + VLAN (bridge, ovs). None when unknown."""
    if nad is None:
        return None
    return _memo(nad, "l2_key", _l2_key)


def _l2_key(nad: NAD) -> tuple[str, ...] | None:
    if not nad.plugins:
        return None
    p = nad.plugins[0]
    t = nad.main_type
    if t in ("macvlan", "ipvlan"):
        return ("master", str(p.get("master") or "(default-route interface)"))
    if t == "vlan":
        vid = p.get("vlanId", p.get("vlanid", 0))
        return ("vlan", str(p.get("master") or "?"), str(vid))
    if t == "bridge":
        return ("bridge", str(p.get("bridge") or "cni0"), str(p.get("vlan") or 0))
    if t == "ovs":
        return ("ovs", str(p.get("bridge") or "?"), str(p.get("vlan", "trunk")))
    return None


def describe_l2(key: tuple[str, ...]) -> str:
    """Human text of an `l2_key`."""
    kind = key[0]
    if kind == "master":
        return f"master {key[1]}"
    if kind == "vlan":
        return f"VLAN {key[2]} on master {key[1]}"
    if kind in ("bridge", "ovs"):
        tag = f", VLAN {key[2]}" if key[2] not in ("0", "trunk") else ""
        return f"{'OVS ' if kind == 'ovs' else ''}bridge {key[1]}{tag}"
    return f"network {key[1]}"


def _subnet_of(nad: NAD | None, ip: str) -> str | None:
    for r in _ranges(nad):
        addr = parse_ip(ip)
        if addr is not None and addr.version == r.version and addr in r.network:
            return str(r.network)
    return None


# ------------------------------------------------------------------------------------ main


def diagnose(
    nads: Iterable[NAD],
    pods: Iterable[Any],
    events: Iterable[Mapping[str, Any]] = (),
    *,
    namespace: str | None = None,
    namespace_isolation: bool = False,
    global_namespaces: Sequence[str] = ("default",),
    known_nad_namespaces: Collection[str] | None = None,
    multus_installed: bool = True,
    pools: Iterable[Any] | None = None,
    reservations: Iterable[Any] = (),
    nodes: Iterable[Any] | None = None,
    pod_scope: Collection[str] | None = None,
    node_facts: Sequence[NodeFacts] | None = None,
    apart: Apart | None = None,
) -> list[DoctorFinding]:
    """Run every check and return the findings, sorted (errors first).

    `nads`: NAD models (namespace set) — every namespace the pods may reference, so a missing
    NAD is told from one we could not see; `known_nad_namespaces` lists the namespaces whose NADs
    were listed (None: all), requests into other namespaces are then not reported as missing.
    `pods`: PodRecord, PodView or dicts with namespace, name, node, phase, annotations,
    host_network (and uid). `events`: pod events as plain dicts (reason, message, type,
    involvedObject{kind,namespace,name,uid}, lastTimestamp...).
    `namespace`: keep only findings involving an object of that namespace (or a NAD one of its
    pods uses). `namespace_isolation`/`global_namespaces`: Multus' settings of that name (2.4).
    `multus_installed=False` (the cluster has no NAD API): one finding naming the pods whose
    requests are ignored, instead of one "missing NAD" per request.
    `pools`/`reservations`: whereabouts' IPPools and OverlappingRangeIPReservations (raw objects or
    multus.whereabouts records; None: not known, check 11 is skipped); `pod_scope`: the namespaces
    whose pods are all in `pods` (None: all), allocations of other namespaces are not judged.
    `nodes`: objects with `name` and `allocatable` (None: not known, check 12 is skipped).
    `node_facts`: the nodes with the interfaces NodeNetworkState reports (None, or interfaces None:
    check 13 is skipped).
    `apart`: how to run the NADs' checks (5, 10: from the start) and the pools' (11: once the pods are
    joined) beside the pods' ones: given the function that makes some findings, it starts it and
    returns the function that waits for them (the caller's choice of where, e.g. another process;
    None: here, after the others). The findings do not depend on it.
    """
    nad_list = [n for n in nads if isinstance(n, NAD)]
    by_key: dict[tuple[str, str], NAD] = {(n.namespace or "", n.name): n for n in nad_list}
    cni_names = {f"{ns}/{name}": n.effective_cni_name for (ns, name), n in by_key.items()}

    def nad_checks() -> list[DoctorFinding]:  # the NADs alone: they need no pod
        out = _Out()
        _check_overlaps(nad_list, out)
        _check_nads(nad_list, out)
        return out.items

    def pool_checks() -> list[DoctorFinding]:  # the IPPools against the pods
        if pools is None:
            return []
        return _check_whereabouts(pools, reservations, nad_list, [c.rec for c in ctxs], ctxs, pod_scope)

    with _memos():  # one set for the whole diagnosis (a forked child works on its copy)
        nads_later = apart(nad_checks) if apart is not None else None

        evs: dict[tuple[str, str], list[tuple[str, Mapping[str, Any]]]] = {}
        for ev in events:
            if not isinstance(ev, Mapping):
                continue
            t = _event_target(ev)
            if t is not None:
                evs.setdefault((t[1], t[2]), []).append((t[3], ev))

        ctxs: list[_Pod] = []
        for raw in pods:
            rec = _as_pod(raw)
            named = evs.get((rec.namespace, rec.name)) if evs else None
            pod_events = [e for uid, e in named if not uid or not rec.uid or uid == rec.uid] if named else []
            # (events of an older pod of that name are not this pod's)
            sels: list[Selection] = []
            err = None
            value = rec.annotations.get(NETWORKS_ANNOTATION)
            if value is not None:
                try:
                    sels = parse_networks(value, rec.namespace)
                except AnnotationError as exc:
                    err = str(exc)
            states = join_attachments(rec.namespace, rec.annotations, rec.phase, pod_events, cni_names,
                                      sels if err is None and value is not None else None)
            attached = [(s, _nad_of(s, by_key)) for s in states
                        if s.state == ATTACHED and not s.default and s.index is not None]
            ctxs.append(_Pod(rec, sels, err, states, rec.phase not in _TERMINAL_PHASES, rec.phase == "Running", attached))

        pools_later = apart(pool_checks) if apart is not None else None
        found = _run_checks(by_key, ctxs, namespace_isolation, list(global_namespaces),
                            known_nad_namespaces if multus_installed else set(), pools_known=pools is not None)
        found.extend(nads_later() if nads_later is not None else nad_checks())
        found.extend(pools_later() if pools_later is not None else pool_checks())
    if nodes is not None:
        found.extend(_check_sriov(nad_list, nodes, [c.rec for c in ctxs], events))
    if node_facts:
        found.extend(_check_host_links(nad_list, node_facts))
    if not multus_installed:
        asking = [c for c in ctxs if c.live and c.selections and not c.rec.host_network]
        if asking:
            found.append(DoctorFinding(
                "multus-not-installed", "error", tuple(c.ref for c in asking),
                f"the cluster has no NetworkAttachmentDefinition API (Multus is not installed): the networks of "
                f"{len(asking)} pod(s) are ignored ({_pods_text(c.rec.namespace + '/' + c.rec.name for c in asking)})",
                "install Multus (its daemonset creates the network-attachment-definitions.k8s.cni.cncf.io CRD), "
                "then recreate the pods."))
    if namespace is not None:
        used = {nad_ref(*s.target(c.rec.namespace)) for c in ctxs if c.rec.namespace == namespace
                for s in c.selections}

        def concerns(f: DoctorFinding) -> bool:
            return any(o.split("/", 2)[1] == namespace or o in used for o in f.objects)

        found = [f for f in found if concerns(f)]
    return sort_findings(found)


def _run_checks(by_key: Mapping[tuple[str, str], NAD], ctxs: list[_Pod], namespace_isolation: bool,
                global_namespaces: list[str], known_nad_namespaces: Collection[str] | None,
                pools_known: bool = False) -> list[DoctorFinding]:
    """The checks of what pods ask and got (the NADs' and pools' own checks run apart)."""
    out = _Out()
    _check_duplicates(ctxs, by_key, out)
    _check_host_local_nodes(ctxs, by_key, out)
    _check_pools(ctxs, by_key, out, whereabouts=not pools_known)
    _check_shared_static(ctxs, by_key, out)
    _check_requests(ctxs, by_key, out, namespace_isolation, global_namespaces, known_nad_namespaces)
    _check_silent(ctxs, by_key, out)
    _check_sandbox_failures(ctxs, by_key, out, known_nad_namespaces)
    return out.items


def _check_host_links(nads: list[NAD], nodes: Sequence[NodeFacts]) -> list[DoctorFinding]:
    out = []
    cache: dict[str, Any] = {}  # presence by link name, over these nodes
    for nad in nads:
        ref = f"{nad.namespace}/{nad.name}"
        for gap in link_gaps(nad, nodes, cache):
            out.append(DoctorFinding("host-link-missing", gap.severity, (nad_ref(nad.namespace or "", nad.name),),
                                     gap.message(ref), gap.fix()))
    return out


def _nad_of(state: AttachmentState, by_key: Mapping[tuple[str, str], NAD]) -> NAD | None:
    ns, _, name = state.network.partition("/")
    return by_key.get((ns, name))


def _pods_text(items: Iterable[str], limit: int = 6) -> str:
    items = list(items)
    text = ", ".join(items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


# ------------------------------------------------------------------------------------ check 1


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}").fullmatch  # no leading zeros, each < 256


def _is_ip(text: str) -> bool:
    """parse_ip(text) is not None, without building the address for the usual dotted quad."""
    return _DOTTED_QUAD(text) is not None or parse_ip(text) is not None


def _check_duplicates(ctxs: list[_Pod], by_key: Mapping[tuple[str, str], NAD], out: _Out) -> None:
    holders: dict[tuple[tuple[str, ...], str], list[tuple[_Pod, AttachmentState, NAD | None]]] = {}
    for c in ctxs:
        if not c.live:
            continue
        for st, nad in c.attached:
            key = l2_key(nad) or ("nad", st.network)
            for ip in st.ips:
                if not _is_ip(ip):
                    continue
                holders.setdefault((key, ip), []).append((c, st, nad))
    shared = [(k, hs) for k, hs in holders.items() if len(hs) > 1]  # 150,000 addresses, a handful shared
    for (key, ip), hs in sorted(shared, key=lambda kv: (kv[0][0], kv[0][1])):
        if len({(h[0].rec.namespace, h[0].rec.name, h[1].interface) for h in hs}) < 2:
            continue
        nodes = {h[0].rec.node for h in hs}
        # A Linux bridge is node-local unless an uplink is enslaved: cross-node duplicates there
        # collide only if the bridges are connected, so they are a warning.
        severity = "warning" if key[0] == "bridge" and len(nodes) == len(hs) else "error"
        subnet = next((s for s in (_subnet_of(h[2], ip) for h in hs) if s), None)
        where = describe_l2(key) if key[0] != "nad" else f"network {key[1]}"
        who = [f"{h[0].rec.namespace}/{h[0].rec.name} ({h[1].interface or '?'} via {h[1].network}, "
               f"node {h[0].rec.node or '?'})" for h in hs]
        msg = (f"{ip}{' in ' + subnet if subnet else ''} is held by {len(hs)} pods on the same L2 "
               f"({where}): {_pods_text(who)}")
        types = {h[2].ipam_type for h in hs if h[2] is not None}
        nads_used = {h[1].network for h in hs}
        fixes = []
        if "host-local" in types and len(nodes) > 1:
            fixes.append("host-local allocates per node: switch the NAD to whereabouts (cluster-wide) or give "
                         "each node a disjoint range")
        if "static" in types:
            fixes.append("a static address can serve one pod: give each pod its own address (one static NAD "
                         "per pod, or capabilities.ips and per-pod 'ips')")
        if len(nads_used) > 1:
            fixes.append("make the ranges of the NADs on this L2 disjoint (" + ", ".join(sorted(nads_used)) + ")")
        if not fixes:
            fixes.append("give each pod a distinct address (per-pod 'ips' or a pool IPAM)")
        objs = [h[0].ref for h in hs] + [nad_ref(*n.split("/", 1)) for n in sorted(nads_used)]
        out.add("duplicate-address", severity, objs, msg, "; ".join(fixes) + ".")


# ------------------------------------------------------------------------------------ check 2


def _check_host_local_nodes(ctxs: list[_Pod], by_key: Mapping[tuple[str, str], NAD], out: _Out) -> None:
    users: dict[str, list[_Pod]] = {}
    for c in ctxs:
        if not c.live or not c.rec.node:
            continue
        for st, nad in c.attached:
            if nad is not None and _ipam_type(nad) == "host-local":
                users.setdefault(st.network, []).append(c)
    for ref, cs in sorted(users.items()):
        nodes = sorted({c.rec.node or "" for c in cs})
        if len(nodes) < 2:
            continue
        ns, name = ref.split("/", 1)
        out.add("host-local-multi-node", "warning", [nad_ref(ns, name), *(c.ref for c in cs)],
                f"host-local pool of {ref} is used on {len(nodes)} nodes ({', '.join(nodes)}): host-local "
                "allocates per node, so pods on different nodes can receive the same address on the shared L2",
                "use whereabouts IPAM (cluster-wide allocation) for a network shared across nodes, or give each "
                "node its own NAD with a disjoint rangeStart-rangeEnd.")


# ------------------------------------------------------------------------------------ check 3


def _pool_finding(out: _Out, objs: list[str], label: str, used: int, size: int, exhausted_pods: list[_Pod],
                  fix_more: str, more: str = "") -> None:
    """`more`: what else is known of the pool (stale allocations, a forecast), said after its use."""
    pct = 100 * used // size if size else 100
    if exhausted_pods:
        out.add("pool-usage", "error", objs + [c.ref for c in exhausted_pods],
                f"{label}: pool exhausted, {used} of {size} addresses in use and "
                f"{len(exhausted_pods)} pod(s) failing: {_pods_text(c.rec.namespace + '/' + c.rec.name for c in exhausted_pods)}"
                + more, f"free addresses (delete unused pods) or {fix_more}.")
    elif size and used >= size:
        out.add("pool-usage", "error", objs, f"{label}: pool exhausted, {used} of {size} addresses in use; "
                "the next pod will fail" + more, f"{fix_more}.")
    elif size and used / size >= POOL_WARN_RATIO:
        out.add("pool-usage", "warning", objs, f"{label}: {used} of {size} addresses in use ({pct} %)" + more,
                f"{fix_more} before it runs out.")
    elif used:
        out.add("pool-usage", "info", objs, f"{label}: {used} of {size} addresses in use ({pct} %)" + more,
                "nothing to do.")


def _check_pools(ctxs: list[_Pod], by_key: Mapping[tuple[str, str], NAD], out: _Out, *,
                 whereabouts: bool = True) -> None:
    # host-local: per NAD and node; whereabouts: per pool (same ranges and network_name = one IPPool)
    # (node, attachment, addresses) of each attached interface, per NAD (host-local) or per pool
    hl_held: dict[str, list[tuple[str | None, tuple[str, str], Sequence[str]]]] = {}
    wa_held: dict[tuple, list[tuple[str | None, tuple[str, str], Sequence[str]]]] = {}
    wa_nads: dict[tuple, set[str]] = {}
    exhausted: dict[str, list[_Pod]] = {}
    wa_key: dict[int, tuple | None] = {}  # _wa_pool per NAD, computed once
    for c in ctxs:
        for st in c.states:
            f = st.failure
            if f is not None and f.kind == "ipam-exhausted" and st.index is not None and c.live:
                exhausted.setdefault(st.network, [])
                if c not in exhausted[st.network]:
                    exhausted[st.network].append(c)
        if not c.live:
            continue
        for st, nad in c.attached:
            if nad is None:
                continue
            itype = _ipam_type(nad)
            if itype == "host-local" and c.rec.node:
                hl_held.setdefault(st.network, []).append((c.rec.node, (c.ref, st.interface or ""), st.ips))
            elif itype == "whereabouts" and whereabouts:  # else its IPPools tell (check 11)
                key = wa_key.get(id(nad)) if id(nad) in wa_key else wa_key.setdefault(id(nad), _wa_pool(nad))
                if key is not None:
                    wa_held.setdefault(key, []).append((c.rec.node, (c.ref, st.interface or ""), st.ips))
    for (ns, name), nad in by_key.items():
        if nad.ipam_type == "whereabouts" and whereabouts:  # else its IPPools tell (check 11)
            key = _wa_pool(nad)
            if key is not None:
                wa_nads.setdefault(key, set()).add(f"{ns}/{name}")
    reported: set[str] = set()
    for ref, holders in sorted(hl_held.items()):
        ns, name = ref.split("/", 1)
        for use in pool_uses(by_key[(ns, name)].ipam, holders):  # one per node: each has its own pool
            ex = [c for c in exhausted.get(ref, []) if c.rec.node == use.node]
            if ex:
                reported.add(ref)
            _pool_finding(out, [nad_ref(ns, name)], f"host-local pool of {ref} on {use.node}", use.used, use.size,
                          ex, "widen the range (rangeStart/rangeEnd or a larger subnet) or spread pods over more "
                          "nodes")
    for key, refs in sorted(wa_nads.items(), key=lambda kv: sorted(kv[1])):
        first = sorted(refs)[0]
        ns, name = first.split("/", 1)
        use = pool_use(by_key[(ns, name)].ipam, wa_held.get(key, ()))
        if use is None:
            continue
        ex = [c for r in sorted(refs) for c in exhausted.get(r, [])]
        reported.update(refs)
        label = f"whereabouts pool {', '.join(key[0])}" + (f" ({key[1]})" if key[1] else "") + \
            f" used by {', '.join(sorted(refs))}"
        _pool_finding(out, [nad_ref(*r.split("/", 1)) for r in sorted(refs)], label, use.used, use.size, ex,
                      "widen the range (or add ipRanges), or remove excludes")
    # exhaustion reported by pods on a pool we could not size (e.g. a NAD since deleted)
    for ref, cs in sorted(exhausted.items()):
        if ref in reported or "/" not in ref:
            continue
        ns, name = ref.split("/", 1)
        out.add("pool-usage", "error", [nad_ref(ns, name), *(c.ref for c in cs)],
                f"the IPAM pool of {ref} is exhausted: {_pods_text(c.rec.namespace + '/' + c.rec.name for c in cs)} "
                "cannot get an address", "widen the NAD's range or free addresses.")


def _wa_pool(nad: NAD) -> tuple | None:
    rs = _ranges(nad)
    if not rs:
        return None
    ipam = nad.ipam or {}
    return (tuple(f"{r.network}" + ("" if (int(r.start) == int(r.network.network_address) + 1 and
                                           int(r.end) == int(r.network.broadcast_address) - 1)
                                    else f" ({r.start}-{r.end})") for r in rs),
            str(ipam.get("network_name") or ""))


# ------------------------------------------------------------------------------------ check 4


def _fixed_addresses(nad: NAD) -> list[str]:
    if nad.ipam_type != "static":
        return []
    addrs = (nad.ipam or {}).get("addresses")
    if not isinstance(addrs, list):
        return []
    return [str(a.get("address")) for a in addrs if isinstance(a, Mapping) and a.get("address")]


def _check_shared_static(ctxs: list[_Pod], by_key: Mapping[tuple[str, str], NAD], out: _Out) -> None:
    users: dict[tuple[str, str], list[_Pod]] = {}
    for c in ctxs:
        if not c.live or c.rec.host_network:
            continue
        for s in c.selections:
            target = s.target(c.rec.namespace)
            nad = by_key.get(target)
            # A pod passing `ips` replaces the configured addresses (capability or CNI_ARGS, 4.13).
            if nad is None or s.ips or not _memo(nad, "fixed", _fixed_addresses):
                continue
            if c not in users.setdefault(target, []):
                users[target].append(c)
    for (ns, name), cs in sorted(users.items()):
        if len(cs) < 2:
            continue
        addrs = ", ".join(_fixed_addresses(by_key[(ns, name)]))
        out.add("shared-static-address", "error", [nad_ref(ns, name), *(c.ref for c in cs)],
                f"static NAD {ns}/{name} has the fixed address {addrs} and is used by {len(cs)} pods "
                f"({_pods_text(c.rec.namespace + '/' + c.rec.name for c in cs)}): every one of them gets the same "
                "address", "keep one pod per static NAD (a NAD per pod), or use host-local/whereabouts, or declare "
                "capabilities {\"ips\": true} with static IPAM and give each pod its own 'ips'.")


# ------------------------------------------------------------------------------------ check 5


def _check_overlaps(nads: list[NAD], out: _Out) -> None:
    groups: dict[tuple[str, ...], list[NAD]] = {}
    for n in nads:
        key = l2_key(n)
        if key is not None and _ranges(n):
            groups.setdefault(key, []).append(n)
    for key, members in sorted(groups.items()):
        members.sort(key=lambda n: (n.namespace or "", n.name))
        order = {id(n): i for i, n in enumerate(members)}
        # Sweep over subnets sorted by first address: only NADs whose subnets really overlap are
        # compared (a thousand NADs with disjoint subnets on one master cost n log n, not n^2).
        spans = sorted((r.version, int(r.network.network_address), int(r.network.broadcast_address), order[id(n)])
                        for n in members for r in _ranges(n))
        pairs: set[tuple[int, int]] = set()
        active: list[tuple[int, int, int]] = []  # (version, last address, member index)
        for version, lo, hi, idx in spans:
            active = [a for a in active if a[0] == version and a[1] >= lo]
            for _, _, other in active:
                if other != idx:
                    pairs.add((min(idx, other), max(idx, other)))
            active.append((version, hi, idx))
        for i, j in sorted(pairs):
            _overlap_pair(key, members[i], members[j], out)


def _overlap_pair(key: tuple[str, ...], a: NAD, b: NAD, out: _Out) -> None:
    ra, rb = _ranges(a), _ranges(b)
    if a.ipam_type == "whereabouts" and b.ipam_type == "whereabouts" and _wa_pool(a) == _wa_pool(b):
        return  # one IPPool: whereabouts coordinates the allocations
    differ: list[str] = []
    shared: list[str] = []
    for x in ra:
        for y in rb:
            if x.version != y.version or not x.network.overlaps(y.network):
                continue
            if x.network != y.network:
                differ.append(f"{x.network} vs {y.network}")
            lo, hi = max(int(x.start), int(y.start)), min(int(x.end), int(y.end))
            if lo <= hi:
                first, last = ipaddress.ip_address(lo), ipaddress.ip_address(hi)
                shared.append(str(first) if lo == hi else f"{first}-{last}")
    if not differ and not shared:
        return  # same subnet, disjoint ranges: a sound way to share an L2
    ka, kb = f"{a.namespace}/{a.name}", f"{b.namespace}/{b.name}"
    parts = []
    if shared:
        parts.append(f"both can hand out {', '.join(dict.fromkeys(shared))} and nothing coordinates the two "
                     f"IPAMs ({a.ipam_type} and {b.ipam_type}), so one address can go to two pods")
    if differ:
        parts.append(f"their subnets overlap with different prefixes ({', '.join(dict.fromkeys(differ))}), so pods "
                     "on one L2 disagree on what is on-link")
    out.add("overlapping-subnets", "warning", [nad_ref(a.namespace or "", a.name), nad_ref(b.namespace or "", b.name)],
            f"{ka} and {kb} share {describe_l2(key)}: " + "; ".join(parts),
            "give the NADs disjoint ranges of one subnet (rangeStart/rangeEnd, exclude), or one whereabouts pool "
            "(same range and network_name) for both.")


# ------------------------------------------------------------------------------------ check 6


def _check_requests(ctxs: list[_Pod], by_key: Mapping[tuple[str, str], NAD], out: _Out, isolation: bool,
                    global_ns: list[str], known: Collection[str] | None) -> None:
    for c in ctxs:
        if not c.live or c.rec.host_network:
            continue
        for i, s in enumerate(c.selections):
            tns, name = s.target(c.rec.namespace)
            if isolation and tns != c.rec.namespace and tns not in global_ns:
                out.add("namespace-isolation", "error", [c.ref, nad_ref(tns, name)],
                        f"{c.rec.namespace}/{c.rec.name} requests {tns}/{name}, but with namespace isolation a pod "
                        f"may only use NADs of its own namespace or of {', '.join(global_ns) or 'no global namespace'}",
                        f"create the NAD in namespace {c.rec.namespace} and reference it without a namespace, or add "
                        f"{tns} to Multus' globalNamespaces.")
                continue
            if (tns, name) in by_key or (known is not None and tns not in known):
                continue
            running = " (the pod runs without it: it was added after the sandbox started?)" if c.running else ""
            out.add("missing-nad", "error", [c.ref, nad_ref(tns, name)],
                    f"{c.rec.namespace}/{c.rec.name} requests networks[{i}] {tns}/{name}, which does not exist"
                    f"{running}",
                    f"create NetworkAttachmentDefinition {name} in namespace {tns}, or correct the name/namespace in "
                    f"the pod's {NETWORKS_ANNOTATION} annotation.")
        # Multus itself says isolation is on (the event), even when we were not told.
        for st in c.states:
            f = st.failure
            if f is not None and f.kind == "namespace-isolation" and not c.running:
                target = [nad_ref(*s.target(c.rec.namespace)) for s in c.selections
                          if s.target(c.rec.namespace)[0] == f.namespace]
                out.add("namespace-isolation", "error", [c.ref, *target],
                        f"{c.rec.namespace}/{c.rec.name} is refused by Multus: {f.cause}",
                        f"create the NAD in namespace {c.rec.namespace}, or add {f.namespace} to Multus' "
                        "globalNamespaces.")


# ------------------------------------------------------------------------------------ check 7 and 8


@functools.lru_cache(maxsize=4096)
def pod_annotation_read(key: str) -> bool:
    """Whether multus-tui reads a pod annotation with this key: the Multus ones (networks,
    network-status and its legacy plural) and the look-alikes doctor reports as misspellings. A
    compact mirror of 150,000 pods keeps only these (issue 18); keys repeat across pods, hence
    the cache."""
    return key in _KNOWN_KEYS or misspelled_key(key)


@functools.lru_cache(maxsize=4096)
def misspelled_key(key: str) -> bool:
    """True when an annotation key looks like a misspelling of `k8s.v1.cni.cncf.io/networks`
    (similarity test; the legitimate Multus keys are excluded)."""
    if not isinstance(key, str) or key in _KNOWN_KEYS:
        return False
    low = key.strip().lower()
    if low in {k.lower() for k in _KNOWN_KEYS - {NETWORKS_ANNOTATION}}:
        return False
    if low.endswith(("-status", "status")):
        return False  # network-status look-alikes are written by tools, not typed by users
    if difflib.SequenceMatcher(None, low, NETWORKS_ANNOTATION).ratio() >= 0.8:
        return True
    prefix, _, name = low.rpartition("/")
    return bool(prefix) and ("cni" in prefix or "multus" in prefix) and \
        difflib.SequenceMatcher(None, name, "networks").ratio() >= 0.75


def _check_silent(ctxs: list[_Pod], by_key: Mapping[tuple[str, str], NAD], out: _Out) -> None:
    # replicas share their networks annotation: its problems are judged once per value and namespace
    problems_of: dict[tuple[str | None, str], list[Any]] = {}
    for c in ctxs:
        if not c.live:
            continue
        rec = c.rec
        who = f"{rec.namespace}/{rec.name}"
        for key in sorted(rec.annotations):
            if misspelled_key(key):
                out.add("misspelled-annotation", "warning", [c.ref],
                        f"{who} has the annotation '{key}', which Multus never reads; it looks like a misspelling of "
                        f"'{NETWORKS_ANNOTATION}'", f"rename the annotation key to {NETWORKS_ANNOTATION} and recreate "
                        "the pod (Multus reads it only at sandbox creation).")
        status_error = network_status_error(rec.annotations, c.states)
        if status_error:  # said, not shown as an empty network
            out.add("malformed-annotation", "error", [c.ref],
                    f"{who}: the {NETWORK_STATUS_ANNOTATION} annotation cannot be parsed "
                    f"({status_error.removeprefix('malformed network-status: ')}): what attached cannot be told",
                    "Multus writes this annotation; when another controller (or a person) overwrote it, find who "
                    "in the pod's managedFields and stop it; recreating the pod makes Multus write it again.")
        if NETWORKS_ANNOTATION in rec.annotations and rec.host_network:
            out.add("host-network-annotation", "warning", [c.ref],
                    f"{who} uses hostNetwork: Multus never attaches networks to it, its {NETWORKS_ANNOTATION} "
                    "annotation is ignored", "drop hostNetwork: true from the pod spec, or remove the annotation.")
            continue
        if c.parse_error is not None:
            out.add("malformed-annotation", "error", [c.ref],
                    f"{who}: the {NETWORKS_ANNOTATION} annotation cannot be parsed: {c.parse_error}",
                    "fix the annotation: short form ns/name@ifname,... or a JSON list of {\"name\": ...} objects.")
            continue
        judged = (rec.annotations.get(NETWORKS_ANNOTATION), rec.namespace)
        problems = problems_of.get(judged)
        if problems is None:
            problems = problems_of[judged] = selection_problems(c.selections)
        for p in problems:
            if p.severity == "info":
                continue
            idx = _index_of(p.path)
            target = [nad_ref(*c.selections[idx].target(rec.namespace))] if idx is not None else []
            if p.code == "unknown-key":
                check = "unknown-selection-key"
            elif p.code == "ecmp-default-route":
                check = "default-route-ecmp"
            elif p.code == "default-route-unreachable":
                check = "default-route-unreachable"
            else:
                check = "selection-problem"
            out.add(check, p.severity, [c.ref, *target], f"{who} {p.path}: {p.message}",
                    _selection_fix(p.code))
        for i, s in enumerate(c.selections):
            nad = by_key.get(s.target(rec.namespace))
            if nad is None or nad.config is None:
                continue
            _dropped(c, i, s, nad, out)
            _gateway_vs_ipam(c, i, s, nad, out)


def _index_of(path: str) -> int | None:
    if "[" not in path:
        return None
    try:
        return int(path.split("[", 1)[1].split("]", 1)[0])
    except ValueError:
        return None


def _selection_fix(code: str) -> str:
    return {
        "unknown-key": "use the key Multus knows (see the message); unknown keys are dropped without a word.",
        "ecmp-default-route": "keep 'default-route' on one selection per IP family.",
        "default-route-unreachable": "use a gateway inside the attachment's subnet, or request an address in the "
                                     "gateway's subnet.",
        "ips-no-prefix": "write each address with its prefix length (CIDR).",
    }.get(code, "correct the selection in the pod's networks annotation.")


def _dropped(c: _Pod, i: int, s: Selection, nad: NAD, out: _Out) -> None:
    if not s.ips and not s.mac:
        return  # nothing asked for that a NAD could drop (the usual selection)
    who = f"{c.rec.namespace}/{c.rec.name}"
    ref = f"{nad.namespace}/{nad.name}"
    caps = nad.capabilities
    objs = [c.ref, nad_ref(nad.namespace or "", nad.name)]
    fix_cap = "declare it on the plugin that consumes it"
    if s.ips and not caps.get("ips"):
        itype = nad.ipam_type
        if itype == "static":
            why = ("it reaches static IPAM only through Multus' deprecated CNI_ARGS IP (runtimeConfig drops it)")
        elif itype == "host-local":
            why = ("host-local sees it only through CNI_ARGS IP, which takes a single address"
                   + ("; with two addresses the ADD fails" if len(s.ips) > 1 else ""))
        elif itype == "whereabouts":
            why = "whereabouts adds it as an extra address on top of the one it allocates"
        else:
            why = "it is dropped: nothing in this NAD reads the requested addresses"
        if itype in ("static", "host-local"):
            fix = f"add \"capabilities\": {{\"ips\": true}} to {ref}'s main plugin ({fix_cap})."
        else:
            fix = (f"{itype or 'this IPAM'} cannot take per-pod addresses: use a NAD with static IPAM and "
                   "\"capabilities\": {\"ips\": true} for pods that need a fixed address, or drop 'ips'.")
        out.add("dropped-ips", "warning", objs,
                f"{who} networks[{i}] asks for ips {', '.join(s.ips)} but {ref} does not declare the 'ips' "
                f"capability: {why}", fix)
    if s.mac and not caps.get("mac"):
        honoured = any(str(p.get("type")) in _CNI_ARGS_MAC_TYPES for p in nad.plugins)
        why = ("it reaches the plugin only through Multus' deprecated CNI_ARGS MAC" if honoured
               else "it is dropped: no plugin of this NAD sets the MAC")
        out.add("dropped-mac", "warning" if not honoured else "info", objs,
                f"{who} networks[{i}] asks for mac {s.mac} but {ref} does not declare the 'mac' capability: {why}",
                f"add \"capabilities\": {{\"mac\": true}} to {ref}'s main plugin, or chain "
                "{\"type\": \"tuning\", \"capabilities\": {\"mac\": true}}.")


def _gateway_vs_ipam(c: _Pod, i: int, s: Selection, nad: NAD, out: _Out) -> None:
    """2.6: the IPAM must put an address in a subnet that reaches the default-route gateway;
    requested `ips` are judged by selection_problems, the NAD's IPAM here."""
    if not s.default_route:
        return
    if any(ip for ip in (s.ips or []) if "/" in ip and parse_ip_or_cidr(ip) is not None) and nad.capabilities.get("ips"):
        return
    who = f"{c.rec.namespace}/{c.rec.name}"
    ref = f"{nad.namespace}/{nad.name}"
    objs = [c.ref, nad_ref(nad.namespace or "", nad.name)]
    itype = nad.ipam_type
    if itype in (None, "") and not s.ips:
        out.add("default-route-unreachable", "warning", objs,
                f"{who} networks[{i}] sets default-route {', '.join(s.default_route)} but {ref} has no IPAM: the "
                "interface gets no address, so the gateway cannot be reached and the pod loses its default route",
                f"add IPAM to {ref} with an address in the gateway's subnet, or drop default-route.")
        return
    if itype not in ("static", "host-local", "whereabouts"):
        return  # dhcp & co: the subnet is not known before the lease
    nets = [r.network for r in _ranges(nad)]
    for gw in s.default_route:
        addr = parse_ip(gw)
        if addr is None:
            continue
        fam = [n for n in nets if n.version == addr.version]
        if not nets and itype == "static" and not s.ips:
            continue  # static without addresses: check 9 / missing-ip-config is the real problem
        if not fam or not any(addr in n for n in fam):
            have = ", ".join(str(n) for n in fam) or f"no IPv{addr.version} subnet"
            out.add("default-route-unreachable", "warning", objs,
                    f"{who} networks[{i}] sets default-route {gw}, but {ref}'s IPAM gives addresses in {have}: the "
                    "gateway is not on-link, Multus removes the other default routes and the pod loses egress",
                    f"use a gateway inside {have} (e.g. the IPAM gateway), or change {ref}'s range.")


# ------------------------------------------------------------------------------------ check 9


def _failure_nad(c: _Pod, f: Failure, by_key: Mapping[tuple[str, str], NAD]) -> NAD | None:
    if not f.network:
        return None
    for s in c.selections:
        t = s.target(c.rec.namespace)
        nad = by_key.get(t)
        if nad is None:
            continue
        if f.network in (f"{t[0]}/{t[1]}", nad.effective_cni_name, nad.name):
            return nad
    return None


def _check_sandbox_failures(ctxs: list[_Pod], by_key: Mapping[tuple[str, str], NAD], out: _Out,
                            known: Collection[str] | None) -> None:
    for c in ctxs:
        if c.running or not c.live:
            continue
        seen: set[tuple[str, str | None]] = set()
        for st in c.states:
            f = st.failure
            if f is None or (f.kind, f.network) in seen:
                continue
            seen.add((f.kind, f.network))
            if f.kind in ("namespace-isolation", "annotation-syntax", "ecmp-default-route"):
                continue  # checks 6, 7 and 8 say it with the fix
            if f.kind == "no-network-found":
                ns, _, name = (f.network or "").partition("/")
                if (ns, name) not in by_key and (known is None or ns in known):
                    continue  # check 6 reports the missing NAD
                if (ns, name) in by_key:
                    continue  # created since: Multus retries the sandbox and the pod attaches
            nad = _failure_nad(c, f, by_key)
            who = f"{c.rec.namespace}/{c.rec.name}"
            objs = [c.ref]
            target = f.network or "the pod's networks"
            if nad is not None:
                objs.append(nad_ref(nad.namespace or "", nad.name))
                target = f"{nad.namespace}/{nad.name}"
            fieldname = f.field
            if f.nad_side:
                fix = (f"in NAD {target}, change {fieldname!r} of spec.config" if fieldname and nad is not None else
                       f"change {fieldname!r} of the NAD" if fieldname else "correct the NAD's config")
                fix += _KIND_HINTS.get(f.kind, "")
            else:
                key = (fieldname or "networks").removeprefix("networks.")
                fix = f"change {key!r} in the pod's {NETWORKS_ANNOTATION} annotation" + _KIND_HINTS.get(f.kind, "")
            node = f" on {c.rec.node}" if c.rec.node else ""
            out.add("sandbox-failure", "error", objs,
                    f"{who} is stuck in ContainerCreating{node}: {target}: {f.cause} "
                    f"(event: {_short(f.detail)})", fix + ".")


_KIND_HINTS = {
    "link-not-found": ": the master interface must exist on every node the pod can land on (or pin the pod "
                      "with a nodeSelector)",
    "plugin-missing": ": install the CNI plugin binary in /opt/cni/bin on the node, or use a plugin type it has",
    "missing-ip-config": ": give static IPAM an address, or pass 'ips' from the pod with capabilities.ips",
    "ipam-exhausted": ": widen the range or free addresses",
    "invalid-config": ": spec.config must be valid CNI JSON (multus-tui lint shows where)",
    "ecmp-default-route": ": keep one default-route per IP family",
    "interface-exists": ": give every selection a distinct interface name",
    "ip-unavailable": ": request a free address inside the range",
    "cni-args-ip": ": request a single address per host-local attachment",
    "ips-not-cidr": ": write the address with its prefix length",
}


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else "..." + text[-(limit - 3):]


# ------------------------------------------------------------------------------------ check 10


def _check_nads(nads: list[NAD], out: _Out) -> None:
    for n in nads:
        errors = [f for f in validate_nad(n) if f.severity == "error"]
        if not errors:
            continue
        ref = f"{n.namespace}/{n.name}"
        if n.config_error:
            msg = f"{ref}: spec.config does not parse: {n.config_error}; every pod using it fails"
        else:
            shown = "; ".join(f"{e.path}: {e.message}" for e in errors[:3])
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            msg = f"{ref} fails lint with {len(errors)} error(s): {shown}{more}"
        out.add("invalid-nad", "error", [nad_ref(n.namespace or "", n.name)], msg,
                "edit the NAD (multus-tui lint lists every finding with its path) and re-apply it; pods already "
                "stuck retry on their own.")


# ------------------------------------------------------------------------------------ check 11


def pool_ref(namespace: str, name: str) -> str:
    """Object name of an IPPool in findings."""
    return f"ippool/{namespace}/{name}"


def _check_whereabouts(pools: Iterable[Any], reservations: Iterable[Any], nads: list[NAD], recs: list[PodRecord],
                       ctxs: list[_Pod], pod_scope: Collection[str] | None) -> list[DoctorFinding]:
    from multus_tui.multus import whereabouts as wa

    out = _Out()
    facts = [r if is_normalised(r) else
             wa.PodFacts(r.namespace, r.name, r.phase, r.node, r.annotations, getattr(r, "creation_timestamp", None))
             for r in recs]
    reports = wa.inspect(pools, nads, facts, pod_scope=pod_scope, ranges_of=_ranges)
    exhausted: dict[str, list[_Pod]] = {}  # NAD "ns/name" -> pods failing for an exhausted pool
    for c in ctxs:
        if not c.live:
            continue
        for st in c.states:
            if st.failure is not None and st.failure.kind == "ipam-exhausted" and c not in exhausted.get(st.network, []):
                exhausted.setdefault(st.network, []).append(c)
    for r in reports:
        objs = [pool_ref(r.pool.namespace, r.pool.name), *(nad_ref(*n.split("/", 1)) for n in r.nads)]
        label = f"whereabouts pool {r.pool.ref} ({r.pool.range}" + (f", network {r.network_name}" if r.network_name
                                                                      else "") + ")"
        stale = r.stale
        if stale:
            items = [f"{e.allocation.ip} ({e.allocation.pod_ref or 'no podref'}: {e.state.split(': ', 1)[1]})"
                     for e in stale]
            out.add("whereabouts-stale-reservation", "warning",
                    objs + [pod_ref(*e.allocation.pod) for e in stale if e.allocation.pod],
                    f"{label}: {len(stale)} allocation(s) outlived their pod and still block their address: "
                    f"{_pods_text(items)}",
                    "release them in the Pool inspector (:pools, or p on the NAD) — it removes only allocations "
                    "whose pod is gone or holds other addresses, guarded by the pool's resourceVersion — or delete "
                    "the entries from spec.allocations by hand.")
        dups = r.duplicates
        if dups:
            out.add("whereabouts-duplicate", "error",
                    objs + [pod_ref(*e.allocation.pod) for e in dups if e.allocation.pod],
                    f"{label}: {_pods_text(sorted({e.duplicate for e in dups}))}",
                    "two pods may get the same address: delete the stale one of the pair (Pool inspector), and keep "
                    "enable_overlapping_ranges on for ranges that overlap within one network_name.")
        if r.orphaned and r.pool.allocations:
            out.add("whereabouts-orphaned-pool", "info", objs,
                    f"{label}: no NAD allocates from this pool any more, yet it keeps {len(r.pool.allocations)} "
                    "allocation(s)", "delete the IPPool once no pod holds its addresses.")
        if r.size:
            pods_failing = list(dict.fromkeys(c for n in r.nads for c in exhausted.get(n, [])))
            extra = f"; {len(stale)} of them stale (releasable)" if stale else ""
            if r.forecast is not None and r.forecast.days_left is not None and r.used < r.size:
                extra += f"; {r.forecast.text()}"
            _pool_finding(out, objs, label, r.used, r.size, pods_failing,
                          "release stale allocations, widen the range (or add ipRanges), or remove excludes", extra)
    for res in wa.orphaned_reservations(reservations, reports):
        out.add("whereabouts-orphaned-reservation", "warning", [f"ipreservation/{res.namespace}/{res.name}"],
                f"OverlappingRangeIPReservation {res.namespace}/{res.name} (podref {res.pod_ref or '-'}) has no "
                "allocation in any IPPool: whereabouts will never hand its address out again",
                f"delete it (kubectl -n {res.namespace} delete overlappingrangeipreservation {res.name}) if no pod "
                "holds that address.")
    return out.items


# ------------------------------------------------------------------------------------ check 12


def _check_sriov(nads: list[NAD], nodes: Iterable[Any], recs: list[PodRecord],
                 events: Iterable[Mapping[str, Any]]) -> list[DoctorFinding]:
    from multus_tui.multus import sriov

    out = _Out()
    for use in sriov.resource_uses(nads, nodes, recs, [e for e in events if isinstance(e, Mapping)]):
        objs = [nad_ref(*n.split("/", 1)) for n in use.nads]
        stuck = [p for p, _ in use.unschedulable]
        if not use.advertised:
            out.add("sriov-resource-unadvertised", "error" if stuck else "warning",
                    objs + [pod_ref(*p.split("/", 1)) for p in stuck],
                    f"{', '.join(use.nads)} need(s) {use.resource}, which no node advertises in status.allocatable"
                    + (f": {_pods_text(stuck)} stay Pending" if stuck else ""),
                    f"install or fix the device plugin that provides {use.resource} (SR-IOV network device plugin "
                    "resource list), or correct the NAD's k8s.v1.cni.cncf.io/resourceName annotation.")
        elif stuck:
            out.add("sriov-unschedulable", "error", objs + [pod_ref(*p.split("/", 1)) for p in stuck],
                    f"{_pods_text(stuck)} cannot be scheduled: {sriov.advertised_text(use.resource, use.advertised)}, "
                    f"none free ({'; '.join(sorted({why for _, why in use.unschedulable}))})",
                    f"free a {use.resource} (delete pods holding one) or create more (more VFs per node policy).")
    return out.items

