"""Simulated Multus (thick plugin) CNI ADD for one pod sandbox, as multus-reference.md 2-5 say.

`MultusSim.add(pod, node, ...)` does what `multus-shim` -> multus daemon `CmdAdd` does:

1. parse the pod's `k8s.v1.cni.cncf.io/networks` (the domain's `parse_networks`, 2.1-2.3),
2. `GetNetworkDelegates`: for each element in order, the namespace-isolation check (2.4), the NAD
   lookup (missing -> `NoNetworkFound` event, 5.1), the config (`spec.config` JSON, on-disk
   fallback), `LoadDelegateNetConf` checks,
3. `CheckGatewayConfig` (ECMP refusal, 2.6),
4. ADD of the cluster default network (eth0) then each delegate in order, naming interfaces
   `net<index>` or as requested (2.5), checking the name is free (`validateIfName`), running the
   plugin chain on the node (binary present, host links for `master`/`device`, IPAM as each really
   allocates, capabilities and CNI_ARGS per 2.3/2.7), emitting `AddedInterface` after each,
5. on the first failure: roll back what was added (2.5) and report the error text Multus puts
   after `networking: ` in kubelet's `FailedCreatePodSandBox`.

Pure logic: no store, no threads. The simulator (kubelet.py) feeds it the pod, the node and a NAD
lookup, and turns the outcome into events and status writes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.failures import no_network_found_message, plugin_error
from multus_tui.multus.selection import NETWORKS_ANNOTATION, Selection, parse_networks
from multus_tui.multus.status import NetworkStatus, render_network_status

from .hosts import DEFAULT_CNI_PLUGINS, Host
from .ipam_sim import CniError, IpamRequest, IpamResult, IpamState

CLUSTER_NETWORK = "sandbox-pod-network"
CNI_BIN_DIR = "/opt/cni/bin"
MULTUS_CONF_DIR = "/etc/cni/multus/net.d"


# Chained plugins refuse to be first in a list (4.7, 4.8, 4.11).
_CHAINED_FIRST_ERRORS = {
    "tuning": "Required prevResult missing",
    "sbr": "This plugin must be called as chained plugin",
    "portmap": "must be called as chained plugin",
    "bandwidth": "must be called as chained plugin",
    "firewall": "must be called as chained plugin",
}
# Main plugins whose IPAM is mandatory (4.2, 4.5, 4.6): without one they still call the
# (empty) IPAM type, which fails as a missing binary.
_IPAM_REQUIRED = {"ipvlan", "vlan", "ptp"}


@dataclass
class NodeView:
    """What the simulated node offers a CNI plugin."""

    name: str
    links: set[str] = field(default_factory=lambda: {"lo", "eth0"})
    plugins: frozenset[str] = DEFAULT_CNI_PLUGINS
    pod_cidr: str | None = None
    default_link: str = "eth0"

    @classmethod
    def from_node(cls, node: dict[str, Any], host: Host | None = None) -> NodeView:
        """A Node object (its name, spec.podCIDR) on its machine (`host`: interfaces, CNI binaries;
        a plain machine with eth0 when the scenario did not describe one)."""
        meta = node.get("metadata") or {}
        host = host or Host()
        links = host.link_names()
        spec = node.get("spec") or {}
        default_link = "eth0" if "eth0" in links else next(iter(sorted(links - {"lo"})), "eth0")
        return cls(name=meta.get("name", ""), links=links, plugins=host.plugins, pod_cidr=spec.get("podCIDR"),
                   default_link=default_link)


@dataclass
class Attachment:
    """One interface Multus added (the cluster default included)."""

    network: str  # `ns/nad`, or the cluster network's CNI name
    cni_name: str
    interface: str
    ips: list[str]  # with prefix, as in AddedInterface
    mac: str | None = None
    gateway: list[str] = field(default_factory=list)
    dns: dict[str, Any] = field(default_factory=dict)
    mtu: int | None = None
    default: bool = False

    def status(self) -> NetworkStatus:
        """The network-status entry nad-client's CreateNetworkStatuses makes of it (3.1)."""
        return NetworkStatus(
            name=self.network,
            interface=self.interface,
            ips=[ip.split("/", 1)[0] for ip in self.ips],
            mac=self.mac,
            default=self.default,
            dns=dict(self.dns),
            gateway=list(self.gateway),
            mtu=self.mtu,
        )

    def event_message(self) -> str:
        """`Add <if> [<ip/prefix> ...] from <net>` (5.1; Go's %v of a []string)."""
        return f"Add {self.interface} [{' '.join(self.ips)}] from {self.network}"


@dataclass
class AddOutcome:
    """What one CNI ADD produced: events Multus emitted (even when it then failed), the
    attachments, and on failure the error text (after `networking: `)."""

    attachments: list[Attachment] = field(default_factory=list)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (type, reason, message)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def network_status(self) -> str:
        """The network-status annotation value (cluster default first)."""
        return render_network_status([a.status() for a in self.attachments])


class _Fail(Exception):
    """Internal: abort the ADD with this Multus error text."""


@dataclass
class _Delegate:
    sel: Selection
    network: str  # ns/name
    cni_name: str
    plugins: list[dict[str, Any]]


def make_mac(*parts: str) -> str:
    """A stable, locally administered unicast MAC (what the kernel's random_ether_addr gives,
    but reproducible per pod and interface)."""
    raw = bytearray(hashlib.sha256("/".join(parts).encode()).digest()[:6])
    raw[0] = (raw[0] & 0xFC) | 0x02
    return ":".join(f"{b:02x}" for b in raw)


def go_json_error(text: str) -> str:
    """A Go encoding/json error for a string Python's json rejected (close to Go's wording)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            return "unexpected end of JSON input"
        ch = text[exc.pos]
        context = {
            "Expecting value": "looking for beginning of value",
            "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
            "Expecting ':' delimiter": "after object key",
            "Expecting ',' delimiter": "after object key:value pair" if "{" in text[: exc.pos] else "after array element",
            "Extra data": "after top-level value",
        }.get(exc.msg, "looking for beginning of value")
        return f"invalid character {ch!r} {context}".replace('"', "'")
    except ValueError as exc:
        return str(exc)
    return "cannot unmarshal"


GO_JSON_MAX_DEPTH = 10000  # encoding/json's maxNestingDepth


def deep_json_error(text: str) -> str:
    """The error for a config Python's json cannot parse for its nesting: Go's own ("invalid character
    '[' exceeded max depth") past Go's 10000 levels; below that Multus would read it, the sandbox cannot,
    and says so rather than pretend."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > GO_JSON_MAX_DEPTH:
                return f"invalid character '{ch}' exceeded max depth"
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return (f"config nested {deepest} levels deep: more than the sandbox's simulated Multus reads (Multus "
            f"reads up to {GO_JSON_MAX_DEPTH})")


class MultusSim:
    """Multus' CmdAdd/CmdDel for simulated pods. Thread-compatible (the simulator calls it from
    one worker thread); address state lives in the shared IpamState."""

    def __init__(self, ipam: IpamState, *, namespace_isolation: bool = False,
                 global_namespaces: list[str] | None = None) -> None:
        self.ipam = ipam
        self.namespace_isolation = namespace_isolation
        self.global_namespaces = list(global_namespaces if global_namespaces is not None else ["default"])
        # per node: links created by plugins (bridge), host devices moved into pods, vlan links
        self._node_links: dict[str, set[str]] = {}
        self._taken_devices: dict[tuple[str, str], str] = {}  # (node, device) -> pod uid
        self._vlan_links: dict[tuple[str, str, int], str] = {}  # (node, master, vlanId) -> pod uid
        self._container_id = ""  # the sandbox of the ADD in progress (CNI_CONTAINERID)

    # ------------------------------------------------------------------ cluster default
    def default_network_add(self, pod: dict[str, Any], node: NodeView) -> Attachment:
        """eth0 from the cluster network: host-local on the node's podCIDR (raises CniError)."""
        uid = pod["metadata"]["uid"]
        cidr = node.pod_cidr or "10.244.0.0/24"
        ipam = {"type": "host-local", "ranges": [[{"subnet": cidr}]]}
        res = self.ipam.allocate(ipam, node=node.name, cni_name=CLUSTER_NETWORK, req=IpamRequest(),
                                 owner=(uid, "eth0"))
        return Attachment(network=CLUSTER_NETWORK, cni_name=CLUSTER_NETWORK, interface="eth0",
                          ips=res.addresses, mac=make_mac(uid, "eth0"), default=True)

    # ------------------------------------------------------------------ ADD
    def add(self, pod: dict[str, Any], node: NodeView, lookup_nad: Callable[[str, str], dict[str, Any] | None],
            container_id: str = "") -> AddOutcome:
        """One sandbox's CNI ADD through Multus. `lookup_nad(ns, name)` returns the NAD object
        or None when it does not exist; `container_id` is the sandbox's (CNI_CONTAINERID). Never
        raises for pod/NAD content: failures come back in `AddOutcome.error`, with everything
        already added rolled back."""
        self._container_id = container_id
        out = AddOutcome()
        meta = pod.get("metadata") or {}
        ns, name, uid = meta.get("namespace", "default"), meta.get("name", ""), meta.get("uid", "")
        prefix = f"Multus: [{ns}/{name}/{uid}]: "
        try:
            delegates = self._load_delegates(pod, out, lookup_nad)
        except _Fail as exc:
            out.error = f"{prefix}error loading k8s delegates k8s args: {exc}"
            return out
        try:
            out.attachments.append(self.default_network_add(pod, node))
            out.events.append(("Normal", "AddedInterface", out.attachments[0].event_message()))
            used = {"eth0", "lo"}
            for idx, d in enumerate(delegates, start=1):
                ifname = d.sel.interface or f"net{idx}"
                try:
                    if ifname in used:
                        raise CniError(
                            f'DelegateAdd: cannot set "{d.plugins[0].get("type", "")}" interface name to "{ifname}": '
                            f"validateIfName: interface name {ifname} already exists"
                        )
                    att = self._delegate_add(pod, node, d, ifname)
                except CniError as exc:
                    raise _Fail(plugin_error(ns, name, uid, d.cni_name, str(exc))) from None
                used.add(ifname)
                out.attachments.append(att)
                out.events.append(("Normal", "AddedInterface", att.event_message()))
        except CniError as exc:  # the cluster network itself failed
            self.delete(pod)
            out.attachments = []
            out.error = plugin_error(ns, name, uid, CLUSTER_NETWORK, str(exc))
            return out
        except _Fail as exc:
            self.delete(pod)
            out.attachments = []
            out.error = str(exc)
        return out

    def delete(self, pod: dict[str, Any], *, cni_del: bool = True) -> None:
        """CNI DEL of every attachment of the pod: addresses, devices and links are freed. With
        cni_del=False (the pod's node is gone, nobody runs DEL) only this simulator forgets the pod:
        what the node's plugins recorded (whereabouts' IPPool allocations) stays."""
        uid = (pod.get("metadata") or {}).get("uid", "")
        for owner in [o for o in self.ipam.owners() if isinstance(o, tuple) and o and o[0] == uid]:
            if cni_del:
                self.ipam.release(owner)
            else:
                self.ipam.forget(owner)
        for key in [k for k, v in self._taken_devices.items() if v == uid]:
            del self._taken_devices[key]
        for key in [k for k, v in self._vlan_links.items() if v == uid]:
            del self._vlan_links[key]

    # ------------------------------------------------------------------ delegates
    def _load_delegates(self, pod: dict[str, Any], out: AddOutcome,
                        lookup_nad: Callable[[str, str], dict[str, Any] | None]) -> list[_Delegate]:
        meta = pod.get("metadata") or {}
        pod_ns = meta.get("namespace", "default")
        value = (meta.get("annotations") or {}).get(NETWORKS_ANNOTATION)
        if value is None:
            return []
        try:
            selections = parse_networks(value, pod_ns)
        except AnnotationError as exc:
            raise _Fail(f"TryLoadPodDelegates: error in getting k8s network for pod: {exc}") from None
        pre = "TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: "
        delegates = []
        for sel in selections:
            target_ns, nad_name = sel.target(pod_ns)
            if (self.namespace_isolation and target_ns != pod_ns
                    and target_ns not in self.global_namespaces):
                raise _Fail(
                    f"{pre}namespace isolation enabled, annotation violates permission, pod is in namespace "
                    f"{pod_ns} but refers to target namespace {target_ns}"
                )
            nad = lookup_nad(target_ns, nad_name)
            if nad is None:
                # thick Multus reads NADs from an informer cache: the singular kind in the error (5.1)
                msg = no_network_found_message(nad_name, target_ns, thick=True)
                out.events.append(("Warning", "NoNetworkFound", msg))
                raise _Fail(f"{pre}failed getting the delegate: getKubernetesDelegate: {msg}")
            delegates.append(self._delegate_from_nad(sel, target_ns, nad_name, nad, pre))
        self._check_gateways(selections)
        return delegates

    @staticmethod
    def _delegate_from_nad(sel: Selection, ns: str, name: str, nad: dict[str, Any], pre: str) -> _Delegate:
        pre = f"{pre}failed getting the delegate: getKubernetesDelegate: "
        spec = nad.get("spec") or {}
        text = spec.get("config") if isinstance(spec, dict) else None
        if not text:
            # 1.3: no spec.config -> a file named like the NAD in Multus' confDir; the sandbox has none
            raise _Fail(f"{pre}GetCNIConfig: err in GetCNIConfigFromFile: No networks found in {MULTUS_CONF_DIR}")
        try:
            config = json.loads(text)
        except ValueError:
            raise _Fail(
                f"{pre}GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: {go_json_error(text)}"
            ) from None
        except RecursionError:  # nested deeper than Python's parser goes: a failure event, never a crash
            raise _Fail(f"{pre}GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: "
                        f"{deep_json_error(text)}") from None
        if not isinstance(config, dict):
            raise _Fail(
                f"{pre}GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: "
                f"json: cannot unmarshal {type(config).__name__} into Go value of type map[string]interface {{}}"
            )
        if not config.get("name"):
            config["name"] = name  # nad-client injects the NAD name (1.3)
        if config.get("type"):
            plugins = [config]
        else:
            raw = config.get("plugins")
            if not isinstance(raw, list) or not raw:
                raise _Fail(f"{pre}LoadDelegateNetConf: delegate must have the 'type' or 'plugin' field")
            plugins = [p if isinstance(p, dict) else {} for p in raw]
            if not plugins[0].get("type"):
                raise _Fail(f"{pre}LoadDelegateNetConf: a plugin delegate must have the 'type' field")
        return _Delegate(sel=sel, network=f"{ns}/{name}", cni_name=str(config["name"]), plugins=plugins)

    @staticmethod
    def _check_gateways(selections: list[Selection]) -> None:
        """CheckGatewayConfig (2.6): at most one IPv4 and one IPv6 default-route gateway per pod."""
        if not any(sel.default_route is not None for sel in selections):
            return
        v4 = v6 = 0
        for sel in selections:
            for gw in sel.default_route or []:
                try:
                    version = ipaddress.ip_address(gw).version
                except ValueError:
                    continue
                v4 += version == 4
                v6 += version == 6
        if v4 > 1 or v6 > 1:
            raise _Fail("multus does not support ECMP for default-route")

    # ------------------------------------------------------------------ plugin chain
    def _delegate_add(self, pod: dict[str, Any], node: NodeView, d: _Delegate, ifname: str) -> Attachment:
        sel = d.sel
        cni_args_ip = ",".join(sel.ips) if sel.ips else None  # Multus' legacy CNI_ARGS IP (2.3)
        pod_cni_args = sel.cni_args or {}
        att = Attachment(network=d.network, cni_name=d.cni_name, interface=ifname, ips=[])
        for pos, plugin in enumerate(d.plugins):
            ptype = str(plugin.get("type", ""))
            if ptype not in node.plugins:
                raise CniError(f'failed to find plugin "{ptype}" in path [{CNI_BIN_DIR}]')
            caps = plugin.get("capabilities") if isinstance(plugin.get("capabilities"), dict) else {}
            runtime = _runtime_config(caps, sel)
            args = plugin.get("args") if isinstance(plugin.get("args"), dict) else {}
            args_cni = dict(args.get("cni") or {}) if isinstance(args.get("cni"), dict) else {}
            args_cni.update(pod_cni_args)
            if pos == 0:
                if ptype in _CHAINED_FIRST_ERRORS:
                    raise CniError(_CHAINED_FIRST_ERRORS[ptype])
                self._main_plugin(pod, node, plugin, ptype, ifname, att, runtime, args_cni, cni_args_ip, sel)
            elif ptype == "tuning":
                mac = runtime.get("mac") or args_cni.get("mac") or plugin.get("mac") or sel.mac
                if mac:
                    att.mac = str(mac)
                if isinstance(plugin.get("mtu"), int):
                    att.mtu = plugin["mtu"]
        return att

    def _main_plugin(self, pod: dict[str, Any], node: NodeView, plugin: dict[str, Any], ptype: str, ifname: str,
                     att: Attachment, runtime: dict[str, Any], args_cni: dict[str, Any], cni_args_ip: str | None,
                     sel: Selection) -> None:
        uid = pod["metadata"]["uid"]
        links = node.links | self._node_links.get(node.name, set())
        # MAC: runtimeConfig.mac (capability) or the legacy CNI_ARGS MAC, which the
        # macvlan/bridge family honour (5.3); otherwise the kernel picks one.
        att.mac = make_mac(uid, ifname)
        if ptype in ("macvlan", "ipvlan", "vlan"):
            master = plugin.get("master")
            if ptype == "vlan" and not master:
                raise CniError('"master" field is required. It specifies the host interface name to create the VLAN for.')
            master = str(master or node.default_link)
            if ptype == "macvlan":
                mode = str(plugin.get("mode") or "bridge")
                if mode not in ("bridge", "private", "vepa", "passthru"):
                    raise CniError(f"unknown macvlan mode: {mode}")
            if ptype == "ipvlan":
                mode = str(plugin.get("mode") or "l2")
                if mode not in ("l2", "l3", "l3s"):
                    raise CniError(f"unknown ipvlan mode: {mode}")
            if master not in links:
                raise CniError(f'failed to lookup master "{master}": Link not found')
            if ptype == "ipvlan":
                att.mac = make_mac(node.name, master)  # ipvlan slaves share the master's MAC (4.2)
            if ptype == "vlan":
                vid = _int(plugin.get("vlanId", plugin.get("vlanid", 0)))
                key = (node.name, master, vid)
                if key in self._vlan_links and self._vlan_links[key] != uid:
                    raise CniError("failed to create vlan: file exists")
                self._vlan_links[key] = uid
        elif ptype == "bridge":
            if plugin.get("hairpinMode") and plugin.get("promiscMode"):
                raise CniError("cannot set hairpin mode and promiscuous mode at the same time.")
            ipam = plugin.get("ipam") if isinstance(plugin.get("ipam"), dict) else {}
            if plugin.get("disableContainerInterface") and ipam.get("type"):
                raise CniError("cannot use IPAM when DisableContainerInterface flag is set")
            # the bridge plugin creates its bridge on the node when missing (4.3)
            self._node_links.setdefault(node.name, set()).add(str(plugin.get("bridge") or "cni0"))
        elif ptype == "host-device":
            selectors = [k for k in ("device", "hwaddr", "kernelpath", "pciBusID") if plugin.get(k)]
            if not selectors and not runtime.get("deviceID"):
                raise CniError('specify either "device", "hwaddr", "kernelpath" or "pciBusID"')
            device = plugin.get("device")
            if device:
                device = str(device)
                taken = self._taken_devices.get((node.name, device))
                if device not in links or (taken is not None and taken != uid):
                    # moved into another pod's netns: gone from the host (4.4)
                    raise CniError("failed to find host device: Link not found")
                self._taken_devices[(node.name, device)] = uid
        if ptype in ("macvlan", "bridge"):
            mac = runtime.get("mac") or args_cni.get("mac") or sel.mac or plugin.get("mac")
            if mac:
                att.mac = str(mac)
        if isinstance(plugin.get("mtu"), int) and plugin["mtu"] > 0:
            att.mtu = plugin["mtu"]
        ipam = plugin.get("ipam") if isinstance(plugin.get("ipam"), dict) else None
        ipam_type = ipam.get("type") if ipam else None
        if not ipam_type:
            if ptype in _IPAM_REQUIRED:
                raise CniError(f'failed to find plugin "" in path [{CNI_BIN_DIR}]')
            return  # L2 only: interface, no address (5.3)
        if str(ipam_type) not in node.plugins:
            raise CniError(f'failed to find plugin "{ipam_type}" in path [{CNI_BIN_DIR}]')
        args_ips = args_cni.get("ips") if isinstance(args_cni.get("ips"), list) else None
        meta = pod.get("metadata") or {}
        req = IpamRequest(runtime_ips=runtime.get("ips"), args_ips=args_ips, cni_args_ip=cni_args_ip,
                          container_id=self._container_id or uid, ifname=ifname,
                          pod_ref=f"{meta.get('namespace', 'default')}/{meta.get('name', '')}")
        result: IpamResult = self.ipam.allocate(ipam, node=node.name, cni_name=att.cni_name, req=req,
                                                owner=(uid, ifname))
        if not result.ips:
            raise CniError("IPAM plugin returned missing IP config")
        att.ips = result.addresses
        dns = plugin.get("dns") if isinstance(plugin.get("dns"), dict) and plugin.get("dns") else result.dns
        att.dns = dict(dns or {})
        att.gateway = _default_route_gateways(result)


def _runtime_config(caps: dict[str, Any], sel: Selection) -> dict[str, Any]:
    """libcni's injectRuntimeConfig: only capabilities the plugin declares reach it (2.7)."""
    values = {
        "ips": sel.ips,
        "mac": sel.mac,
        "portMappings": sel.port_mappings,
        "bandwidth": sel.bandwidth,
        "infinibandGUID": sel.infiniband_guid,
        "deviceID": sel.device_id,
    }
    return {k: v for k, v in values.items() if v and caps.get(k) is True}


def _default_route_gateways(result: IpamResult) -> list[str]:
    """network-status `gateway`: default routes in the plugin's result (3.1), a route without
    `gw` going through the IPAM gateway of its family."""
    out: list[str] = []
    for route in result.routes:
        if not isinstance(route, dict) or route.get("dst") not in ("0.0.0.0/0", "::/0"):
            continue
        gw = route.get("gw")
        if not gw:
            family = 4 if route["dst"] == "0.0.0.0/0" else 6
            gw = next((ip.get("gateway") for ip in result.ips if ip.get("gateway")
                       and ipaddress.ip_address(ip["gateway"]).version == family), None)
        if gw and gw not in out:
            out.append(str(gw))
    return out


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
