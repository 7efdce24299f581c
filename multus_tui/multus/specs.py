"""Field specs for every CNI plugin and IPAM type the tool builds: the single source of truth.

The NAD builder form, the validator and `lint` all read these (design principle 1). Facts come
from docs/multus-reference.md section 4 (plugin code wins over plugin docs).

Shape:
* `FieldSpec`: one JSON key of a plugin/IPAM object: kind, default, choices, range, required,
  one-line help, placeholder, whether the form hides it under "advanced", and for containers the
  spec of their items (`item_spec` for list items / map values, `fields` for object members).
* `PluginSpec`: one plugin `type`: role (main / chained / ipam), its fields, the capabilities it
  honours (and what each enables), whether IPAM is required/optional/none, whether it needs the
  `k8s.v1.cni.cncf.io/resourceName` annotation, and cross-field `rules` that need more than one
  field (they live here, next to the fields they relate).
* `PLUGINS` (main), `CHAINED`, `IPAMS`: dicts keyed by type; `spec_for(type)` finds any of them.

Form helpers: `parse_value(field, text)` / `format_value(field, value)` convert between a text
input and the JSON value; `config_to_values(spec, obj)` / `apply_values(spec, obj, values)` move a
whole object between config and form without losing keys the spec does not know.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from multus_tui.multus.errors import ConfigError

FieldKind = Literal[
    "str", "int", "bool", "enum", "cidr", "ip", "ip-list", "cidr-list", "map", "list", "object", "mac", "ifname"
]
Severity = Literal["error", "warning", "info"]

#: CNI versions the reference plugins (and libcni) accept (cni:pkg/version/version.go).
CNI_VERSIONS = ("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")
#: what the builder proposes: 1.0.0 works with every plugin release Multus v4 ships with.
DEFAULT_CNI_VERSION = "1.0.0"

#: capability keys of cni:CONVENTIONS.md plus the one Multus adds.
KNOWN_CAPABILITIES: dict[str, str] = {
    "ips": "pod `ips` reach the IPAM (runtimeConfig.ips)",
    "mac": "pod `mac` sets the interface MAC (runtimeConfig.mac)",
    "portMappings": "pod `portMappings` become DNAT rules (portmap plugin)",
    "bandwidth": "pod `bandwidth` becomes a tc shaper (bandwidth plugin)",
    "ipRanges": "runtime IP ranges are prepended to the IPAM ranges",
    "dns": "runtime DNS settings are passed to the plugin",
    "infinibandGUID": "pod `infiniband-guid` sets the IB GUID (ib-sriov)",
    "deviceID": "the device allocated by the device plugin / DRA is passed in",
    "aliases": "runtime aliases are passed to the plugin",
    "cgroupPath": "the pod cgroup path is passed to the plugin",
    "CNIDeviceInfoFile": "Multus passes the path where device-info is written",
}


@dataclass(frozen=True)
class Issue:
    """What a cross-field rule reports; `path` is relative to the object the rule checked.

    validate.py turns it into a Finding with the absolute JSON path.
    """

    severity: Severity
    path: str
    message: str
    code: str


Rule = Callable[[dict[str, Any]], Iterable[Issue]]


@dataclass(frozen=True)
class FieldSpec:
    """One key of a plugin or IPAM object.

    `item_spec` describes list items (kind "list", "ip-list", "cidr-list") or map values
    (kind "map"); `fields` describes the members of an "object" (or of list items that are
    objects, via item_spec.fields). `min`/`max` bound ints (and list lengths for lists).
    `node_fact`: the value names something on the node (master, bridge) that the API can't see.
    `case_insensitive`: enum values compared ignoring case (the plugin does so).
    """

    name: str
    kind: FieldKind
    default: Any = None
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    required: bool = False
    help: str = ""
    placeholder: str = ""
    advanced: bool = False
    item_spec: FieldSpec | None = None
    fields: tuple[FieldSpec, ...] = ()
    node_fact: bool = False
    case_insensitive: bool = False

    def member(self, name: str) -> FieldSpec | None:
        """The member spec of an object field, by exact name."""
        for f in self.fields:
            if f.name == name:
                return f
        return None


@dataclass(frozen=True)
class PluginSpec:
    """One CNI plugin or IPAM type."""

    type: str
    role: Literal["main", "chained", "ipam"]
    title: str
    help: str
    fields: tuple[FieldSpec, ...]
    #: capability key -> what declaring it enables for this plugin
    capabilities: Mapping[str, str] = field(default_factory=dict)
    ipam: Literal["required", "optional", "none"] = "none"
    needs_resource_name: bool = False
    #: keys read from `args.cni` (reachable from the pod's `cni-args`)
    cni_args: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    #: where the facts come from (multus-reference.md section)
    source: str = ""

    def field(self, name: str) -> FieldSpec | None:
        """The spec of a top-level key, by exact name."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field_ci(self, name: str) -> FieldSpec | None:
        """The spec whose name matches ignoring case (Go's encoding/json matches that way)."""
        low = name.lower()
        for f in self.fields:
            if f.name.lower() == low:
                return f
        return None

    def defaults(self) -> dict[str, Any]:
        """Values a new form starts with: `type`, then required fields that have a default."""
        out: dict[str, Any] = {"type": self.type}
        for f in self.fields:
            if f.required and f.default is not None:
                out[f.name] = f.default
        return out


# ------------------------------------------------------------------ small value checks
def is_cidr(value: Any, strict: bool = False) -> bool:
    """True for `a.b.c.d/n` or `x::/n` (strict: host bits must be zero)."""
    if not isinstance(value, str) or "/" not in value:
        return False
    try:
        ipaddress.ip_network(value, strict=strict)
    except ValueError:
        return False
    return True


def is_ip(value: Any) -> bool:
    """True for a bare IPv4/IPv6 address."""
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def is_mac(value: Any) -> bool:
    """True for a 6-byte colon-separated MAC."""
    return isinstance(value, str) and bool(MAC_RE.match(value))


def is_ifname(value: Any) -> bool:
    """Linux `dev_valid_name`: 1–15 bytes, not `.`/`..`, no `/`, `:` or whitespace."""
    if not isinstance(value, str) or not value or value in (".", ".."):
        return False
    if len(value.encode()) > 15:
        return False
    return not any(c in value for c in "/:") and not any(c.isspace() for c in value)


# ------------------------------------------------------------------ shared field groups
def _route_fields() -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("dst", "cidr", required=True, help="destination network", placeholder="0.0.0.0/0"),
        FieldSpec("gw", "ip", help="next hop (default: the IPAM gateway)", placeholder="192.168.0.254"),
        FieldSpec("mtu", "int", min=0, help="route MTU", advanced=True),
        FieldSpec("advmss", "int", min=0, help="advertised MSS", advanced=True),
        FieldSpec("priority", "int", min=0, help="route metric", advanced=True),
        FieldSpec("table", "int", min=0, help="routing table", advanced=True),
        FieldSpec("scope", "int", min=0, max=255, help="route scope", advanced=True),
    )


ROUTES = FieldSpec(
    "routes",
    "list",
    help="routes to add in the pod for this interface",
    item_spec=FieldSpec("route", "object", fields=_route_fields()),
)
DNS = FieldSpec(
    "dns",
    "object",
    help="DNS reported in network-status (never applied to the pod's resolv.conf)",
    advanced=True,
    fields=(
        FieldSpec("nameservers", "ip-list", help="DNS servers"),
        FieldSpec("domain", "str", help="local domain"),
        FieldSpec("search", "list", item_spec=FieldSpec("search", "str"), help="search domains"),
        FieldSpec("options", "list", item_spec=FieldSpec("option", "str"), help="resolver options"),
    ),
)
MTU = FieldSpec("mtu", "int", min=0, max=65535, help="interface MTU (≤ the master's MTU; 0 = kernel default)")
LINK_IN_CONTAINER = FieldSpec(
    "linkInContainer", "bool", default=False, help="look the master up inside the pod netns", advanced=True
)
MASQ_BACKEND = FieldSpec(
    "ipMasqBackend", "enum", choices=("iptables", "nftables"), help="firewall backend for ipMasq", advanced=True
)
VLAN_TRUNK_ITEM = FieldSpec(
    "trunk",
    "object",
    fields=(
        FieldSpec("id", "int", min=1, max=4094, help="a single VLAN id"),
        FieldSpec("minID", "int", min=1, max=4094, help="first VLAN id of a span"),
        FieldSpec("maxID", "int", min=1, max=4094, help="last VLAN id of a span"),
    ),
)


# ------------------------------------------------------------------ cross-field rules
def _rule_bridge(cfg: dict[str, Any]) -> Iterable[Issue]:
    if cfg.get("hairpinMode") is True and cfg.get("promiscMode") is True:
        yield Issue("error", "promiscMode", "hairpinMode and promiscMode cannot both be true "
                    "(bridge: 'cannot set hairpin mode and promiscuous mode at the same time'); drop one",
                    "bridge-hairpin-promisc")
    if cfg.get("disableContainerInterface") is True and isinstance(cfg.get("ipam"), dict) and cfg["ipam"]:
        yield Issue("error", "ipam", "bridge rejects IPAM when disableContainerInterface is true; "
                    "remove ipam or the flag", "bridge-ipam-no-interface")
    yield from _rule_trunk(cfg, "vlanTrunk", 4094)


def _rule_trunk(cfg: dict[str, Any], key: str, top: int) -> Iterable[Issue]:
    trunk = cfg.get(key)
    if not isinstance(trunk, list):
        return
    for i, item in enumerate(trunk):
        if not isinstance(item, dict):
            continue
        lo, hi = item.get("minID"), item.get("maxID")
        if (lo is None) != (hi is None):
            yield Issue("error", f"{key}[{i}]", "set both minID and maxID (or use id)", "vlan-trunk")
        elif isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            yield Issue("error", f"{key}[{i}]", f"minID {lo} is above maxID {hi}; swap them", "vlan-trunk")
        if "id" not in item and lo is None and hi is None:
            yield Issue("error", f"{key}[{i}]", "a trunk entry needs id or minID/maxID", "vlan-trunk")
        for k in ("id", "minID", "maxID"):
            v = item.get(k)
            if isinstance(v, int) and not isinstance(v, bool) and not 0 <= v <= top:
                yield Issue("error", f"{key}[{i}].{k}", f"VLAN id must be 0..{top}", "field-range")


def _rule_host_device(cfg: dict[str, Any]) -> Iterable[Issue]:
    selectors = [k for k in ("device", "hwaddr", "kernelpath", "pciBusID") if cfg.get(k)]
    caps = cfg.get("capabilities") if isinstance(cfg.get("capabilities"), dict) else {}
    if len(selectors) > 1:
        yield Issue("error", selectors[1], f"host-device takes exactly one of device, hwaddr, kernelpath, "
                    f"pciBusID; found {', '.join(selectors)}", "host-device-selector")
    elif not selectors and caps.get("deviceID") is not True and not cfg.get("deviceID"):
        yield Issue("error", "device", 'host-device needs one of "device", "hwaddr", "kernelpath" or '
                    '"pciBusID" (or capability deviceID with a resourceName)', "host-device-selector")


def _rule_sriov(cfg: dict[str, Any]) -> Iterable[Issue]:
    vlan = cfg.get("vlan")
    no_vlan = not isinstance(vlan, int) or vlan == 0
    qos = cfg.get("vlanQoS")
    if isinstance(qos, int) and qos != 0 and no_vlan:
        yield Issue("error", "vlanQoS", "vlanQoS needs a non-zero vlan; set vlan or drop vlanQoS", "sriov-vlan-qos")
    proto = cfg.get("vlanProto")
    if isinstance(proto, str) and proto.lower() == "802.1ad" and no_vlan:
        yield Issue("error", "vlanProto", "vlanProto 802.1ad needs a non-zero vlan", "sriov-vlan-qos")
    lo, hi = cfg.get("min_tx_rate"), cfg.get("max_tx_rate")
    if isinstance(lo, int) and isinstance(hi, int) and hi != 0 and lo > hi:
        yield Issue("error", "min_tx_rate", f"min_tx_rate {lo} exceeds max_tx_rate {hi}", "sriov-tx-rate")


def _rule_bandwidth(cfg: dict[str, Any]) -> Iterable[Issue]:
    for rate, burst in (("ingressRate", "ingressBurst"), ("egressRate", "egressBurst")):
        r, b = cfg.get(rate), cfg.get(burst)
        if bool(r) != bool(b):
            missing = burst if r else rate
            yield Issue("error", missing, f"bandwidth needs {rate} and {burst} together; set {missing}",
                        "bandwidth-rate-burst")
        if isinstance(b, int) and b // 8 >= 1 << 32:
            yield Issue("error", burst, f"{burst}/8 must be below 4 GiB", "field-range")


def _rule_portmap(cfg: dict[str, Any]) -> Iterable[Issue]:
    if cfg.get("markMasqBit") is not None and cfg.get("externalSetMarkChain"):
        yield Issue("error", "markMasqBit", "markMasqBit cannot be combined with externalSetMarkChain",
                    "portmap-mark")


def _rule_sbr(cfg: dict[str, Any]) -> Iterable[Issue]:
    gws = cfg.get("gateways")
    if not isinstance(gws, list):
        return
    fams = [ipaddress.ip_address(g).version for g in gws if is_ip(g)]
    if len(gws) > 2 or fams.count(4) > 1 or fams.count(6) > 1:
        yield Issue("error", "gateways", "sbr accepts at most one IPv4 and one IPv6 gateway", "sbr-gateways")


def _rule_vlan(cfg: dict[str, Any]) -> Iterable[Issue]:
    # vlan only works as one pod per node per master+vlanId (the kernel refuses a second link).
    yield Issue("info", "vlanId", "each pod needs its own master+vlanId pair on a node: a second pod on the "
                "same node fails; use macvlan on a VLAN interface for many pods", "vlan-one-per-node")


# ------------------------------------------------------------------ main plugins
_MACVLAN = PluginSpec(
    type="macvlan",
    role="main",
    title="macvlan",
    help="A new MAC address on a host interface (master); pods appear on the master's L2 network.",
    fields=(
        FieldSpec("master", "str", required=False, node_fact=True, placeholder="eth1",
                  help="host interface to attach to (default: the node's default-route interface)"),
        FieldSpec("mode", "enum", default="bridge", choices=("bridge", "private", "vepa", "passthru"),
                  help="bridge lets macvlan pods on one master talk to each other"),
        MTU,
        FieldSpec("mac", "mac", help="fixed MAC (every pod gets the same one)", advanced=True),
        FieldSpec("bcqueuelen", "int", min=0, max=2**32 - 1, help="broadcast queue length", advanced=True),
        LINK_IN_CONTAINER,
    ),
    capabilities={"mac": "pod `mac` sets the macvlan MAC"},
    ipam="optional",
    source="4.1",
)
_IPVLAN = PluginSpec(
    type="ipvlan",
    role="main",
    title="ipvlan",
    help="Share the master's MAC; pods are separated by IP (no DHCP, no pod MAC, no host reachability).",
    fields=(
        FieldSpec("master", "str", node_fact=True, placeholder="eth1",
                  help="host interface (default: default-route interface)"),
        FieldSpec("mode", "enum", default="l2", choices=("l2", "l3", "l3s"), help="ipvlan mode"),
        MTU,
        LINK_IN_CONTAINER,
    ),
    ipam="required",
    source="4.2",
)
_BRIDGE = PluginSpec(
    type="bridge",
    role="main",
    title="Linux bridge",
    help="A veth from the pod into a Linux bridge on the node (created if missing).",
    fields=(
        FieldSpec("bridge", "str", default="cni0", node_fact=True, placeholder="br0",
                  help="bridge name on the node (created if missing)"),
        FieldSpec("isGateway", "bool", default=False, help="give the bridge the IPAM gateway address"),
        FieldSpec("isDefaultGateway", "bool", default=False, help="also make it the pod's default route"),
        FieldSpec("forceAddress", "bool", default=False, help="replace a different bridge address", advanced=True),
        FieldSpec("ipMasq", "bool", default=False, help="masquerade traffic leaving the bridge subnet"),
        MASQ_BACKEND,
        MTU,
        FieldSpec("hairpinMode", "bool", default=False, help="let traffic hairpin back on the same port",
                  advanced=True),
        FieldSpec("promiscMode", "bool", default=False, help="bridge in promiscuous mode", advanced=True),
        FieldSpec("vlan", "int", min=0, max=4094, help="access VLAN on the bridge port (0 = none)"),
        FieldSpec("vlanTrunk", "list", item_spec=VLAN_TRUNK_ITEM, help="trunk VLANs: {id} or {minID,maxID}",
                  advanced=True),
        FieldSpec("preserveDefaultVlan", "bool", default=False, help="keep VLAN 1 on the port", advanced=True),
        FieldSpec("macspoofchk", "bool", default=False, help="drop frames with a foreign source MAC",
                  advanced=True),
        FieldSpec("enabledad", "bool", default=False, help="IPv6 duplicate address detection", advanced=True),
        FieldSpec("disableContainerInterface", "bool", default=False,
                  help="leave the pod side down (no IPAM allowed)", advanced=True),
        FieldSpec("portIsolation", "bool", default=False, help="isolate bridge ports from each other",
                  advanced=True),
    ),
    capabilities={"mac": "pod `mac` sets the veth MAC"},
    ipam="optional",
    cni_args=("mac",),
    rules=(_rule_bridge,),
    source="4.3",
)
_HOST_DEVICE = PluginSpec(
    type="host-device",
    role="main",
    title="host-device",
    help="Move an existing host device into the pod (one pod per device per node); renamed to the pod ifname.",
    fields=(
        FieldSpec("device", "str", node_fact=True, placeholder="eth2", help="device name on the node"),
        FieldSpec("hwaddr", "mac", help="select the device by MAC", advanced=True),
        FieldSpec("kernelpath", "str", help="select the device by sysfs path", advanced=True),
        FieldSpec("pciBusID", "str", help="select the device by PCI address", placeholder="0000:3b:00.1",
                  advanced=True),
    ),
    capabilities={"deviceID": "the device allocated via resourceName is moved in"},
    ipam="optional",
    rules=(_rule_host_device,),
    source="4.4",
)
_VLAN = PluginSpec(
    type="vlan",
    role="main",
    title="VLAN sub-interface",
    help="An 802.1Q sub-interface of master moved into the pod (one pod per node per VLAN).",
    fields=(
        FieldSpec("master", "str", required=True, node_fact=True, placeholder="eth1",
                  help="host interface carrying the VLAN (required)"),
        FieldSpec("vlanId", "int", required=True, min=0, max=4094, help="802.1Q VLAN id"),
        MTU,
        LINK_IN_CONTAINER,
        DNS,
    ),
    ipam="required",
    rules=(_rule_vlan,),
    source="4.5",
)
_PTP = PluginSpec(
    type="ptp",
    role="main",
    title="point-to-point veth",
    help="A veth pair to the host with host routes; no L2 sharing.",
    fields=(
        FieldSpec("ipMasq", "bool", default=False, help="masquerade traffic leaving the node"),
        MASQ_BACKEND,
        MTU,
        DNS,
    ),
    ipam="required",
    source="4.6",
)
_OVS = PluginSpec(
    type="ovs",
    role="main",
    title="Open vSwitch",
    help="A port on an existing OVS bridge, access (vlan) or trunk.",
    fields=(
        FieldSpec("bridge", "str", node_fact=True, placeholder="br1",
                  help="existing OVS bridge (required unless deviceID/ovnPort)"),
        FieldSpec("vlan", "int", min=0, max=4095, help="access VLAN tag (absent = trunk)"),
        FieldSpec("trunk", "list", item_spec=VLAN_TRUNK_ITEM, help="allowed VLANs on a trunk port", advanced=True),
        MTU,
        FieldSpec("ofport_request", "int", min=1, max=65279, help="requested OpenFlow port", advanced=True),
        FieldSpec("interface_type", "str", help="OVS interface type (empty = default)", advanced=True),
        FieldSpec("deviceID", "str", help="VF PCI address (normally injected from resourceName)", advanced=True),
        FieldSpec("configuration_path", "str", advanced=True, help="flat config file"),
        FieldSpec("socket_file", "str", advanced=True, help="OVSDB socket"),
        FieldSpec("link_state_check_retries", "int", min=0, advanced=True, help="link state retries"),
        FieldSpec("link_state_check_interval", "int", min=0, advanced=True, help="ms between link checks"),
    ),
    capabilities={"CNIDeviceInfoFile": "device-info for vDPA / HW offload"},
    ipam="optional",
    cni_args=("mac", "ovnPort"),
    rules=(lambda cfg: _rule_trunk(cfg, "trunk", 4095),),
    source="4.9",
)
_SRIOV = PluginSpec(
    type="sriov",
    role="main",
    title="SR-IOV VF",
    help="A virtual function allocated by the SR-IOV device plugin (resourceName) moved into the pod.",
    fields=(
        FieldSpec("deviceID", "str", help="VF PCI address, injected by Multus from resourceName", advanced=True),
        FieldSpec("vlan", "int", min=0, max=4094, help="VF VLAN (0 = untagged)"),
        FieldSpec("vlanQoS", "int", min=0, max=7, help="VLAN priority (needs vlan)", advanced=True),
        FieldSpec("vlanProto", "enum", choices=("802.1q", "802.1ad"), case_insensitive=True,
                  help="VLAN protocol", advanced=True),
        FieldSpec("mac", "mac", help="fixed VF MAC", advanced=True),
        FieldSpec("spoofchk", "enum", choices=("on", "off"), help="MAC spoof checking"),
        FieldSpec("trust", "enum", choices=("on", "off"), help="trusted VF (promisc/multicast)"),
        FieldSpec("link_state", "enum", choices=("auto", "enable", "disable"), help="VF link state",
                  advanced=True),
        FieldSpec("min_tx_rate", "int", min=0, help="minimum TX rate, Mbps (0 = none)", advanced=True),
        FieldSpec("max_tx_rate", "int", min=0, help="maximum TX rate, Mbps (0 = unlimited)", advanced=True),
        MTU,
        FieldSpec("logLevel", "enum", choices=("panic", "error", "warning", "info", "debug"), advanced=True,
                  help="plugin log level"),
        FieldSpec("logFile", "str", advanced=True, help="plugin log file"),
    ),
    capabilities={"mac": "pod `mac` sets the VF MAC"},
    ipam="optional",
    needs_resource_name=True,
    rules=(_rule_sriov,),
    source="4.10",
)

# ------------------------------------------------------------------ chained plugins
_TUNING = PluginSpec(
    type="tuning",
    role="chained",
    title="tuning",
    help="Adjust the interface the previous plugin created: sysctls, MAC, MTU, promisc.",
    fields=(
        FieldSpec("sysctl", "map", item_spec=FieldSpec("value", "str"), placeholder="net.ipv4.conf.IFNAME.arp_filter",
                  help="net.* sysctls (values are strings; IFNAME is replaced by the interface name)"),
        FieldSpec("mac", "mac", help="set the interface MAC"),
        MTU,
        FieldSpec("promisc", "bool", help="promiscuous mode"),
        FieldSpec("allmulti", "bool", help="receive all multicast", advanced=True),
        FieldSpec("txQLen", "int", min=0, help="TX queue length", advanced=True),
        FieldSpec("dataDir", "str", help="where original values are kept for DEL", advanced=True),
    ),
    capabilities={"mac": "pod `mac` is applied by tuning (for plugins that ignore it)"},
    cni_args=("sysctl", "mac", "mtu", "promisc", "allmulti", "txQLen"),
    source="4.7",
)
_SBR = PluginSpec(
    type="sbr",
    role="chained",
    title="source-based routing",
    help="Traffic from this interface's address leaves through it (policy rule + own table).",
    fields=(
        FieldSpec("table", "int", min=1, help="use this table and only add rules (default: first free ≥100)",
                  advanced=True),
        FieldSpec("gateways", "ip-list", max=2, help="at most one IPv4 and one IPv6 gateway", advanced=True),
        FieldSpec("addSourceHints", "bool", help="add src hints to routes", advanced=True),
    ),
    rules=(_rule_sbr,),
    source="4.8",
)
_PORTMAP = PluginSpec(
    type="portmap",
    role="chained",
    title="port mapping",
    help="Forward host ports to the pod (pod `portMappings`).",
    fields=(
        FieldSpec("snat", "bool", default=True, help="SNAT hairpin traffic"),
        FieldSpec("masqAll", "bool", help="masquerade all mapped traffic", advanced=True),
        FieldSpec("markMasqBit", "int", min=0, max=31, help="mark bit for masquerade", advanced=True),
        FieldSpec("externalSetMarkChain", "str", help="existing chain that sets the mark", advanced=True),
        FieldSpec("conditionsV4", "list", item_spec=FieldSpec("cond", "str"), advanced=True,
                  help="extra iptables match conditions (IPv4)"),
        FieldSpec("conditionsV6", "list", item_spec=FieldSpec("cond", "str"), advanced=True,
                  help="extra iptables match conditions (IPv6)"),
        FieldSpec("backend", "enum", choices=("iptables", "nftables"), help="firewall backend", advanced=True),
    ),
    capabilities={"portMappings": "pod `portMappings` become DNAT rules"},
    rules=(_rule_portmap,),
    source="4.11",
)
_BANDWIDTH = PluginSpec(
    type="bandwidth",
    role="chained",
    title="bandwidth",
    help="Shape traffic with tc (static rates here or per pod with the capability).",
    fields=(
        FieldSpec("ingressRate", "int", min=0, help="ingress rate, bits/s"),
        FieldSpec("ingressBurst", "int", min=0, help="ingress burst, bits"),
        FieldSpec("egressRate", "int", min=0, help="egress rate, bits/s"),
        FieldSpec("egressBurst", "int", min=0, help="egress burst, bits"),
    ),
    capabilities={"bandwidth": "pod `bandwidth` sets the shaper"},
    rules=(_rule_bandwidth,),
    source="4.11",
)

# ------------------------------------------------------------------ IPAM
_STATIC = PluginSpec(
    type="static",
    role="ipam",
    title="static",
    help="Fixed addresses from the NAD, or per pod via `ips` (CIDR notation).",
    # Declared on the main plugin (the IPAM sees its parent's runtimeConfig, reference 2.7).
    capabilities={"ips": "pod `ips` become this pod's addresses (replacing the NAD's)"},
    fields=(
        FieldSpec("addresses", "list", help="fixed addresses (every pod using this NAD gets them)",
                  item_spec=FieldSpec("address", "object", fields=(
                      FieldSpec("address", "cidr", required=True, placeholder="192.168.0.20/24",
                                help="address with prefix length (CIDR)"),
                      FieldSpec("gateway", "ip", placeholder="192.168.0.254", help="gateway for this address"),
                  ))),
        ROUTES,
        DNS,
    ),
    source="4.13",
)
_RANGE_FIELDS = (
    FieldSpec("subnet", "cidr", required=True, placeholder="192.168.0.0/24", help="network address with prefix"),
    FieldSpec("rangeStart", "ip", placeholder="192.168.0.20", help="first address handed out (default .1)"),
    FieldSpec("rangeEnd", "ip", placeholder="192.168.0.49", help="last address handed out (default: last usable)"),
    FieldSpec("gateway", "ip", placeholder="192.168.0.254", help="gateway (default: first host), never handed out"),
)
_HOST_LOCAL = PluginSpec(
    type="host-local",
    role="ipam",
    title="host-local",
    help="Allocate from a range, tracked per node in a local file (pools are NOT shared across nodes).",
    fields=(
        FieldSpec("ranges", "list", help="range sets; one address per set (add a set for IPv6)",
                  item_spec=FieldSpec("rangeset", "list", item_spec=FieldSpec("range", "object",
                                                                               fields=_RANGE_FIELDS))),
        FieldSpec("subnet", "cidr", help="legacy single range: subnet", advanced=True),
        FieldSpec("rangeStart", "ip", help="legacy single range: first address", advanced=True),
        FieldSpec("rangeEnd", "ip", help="legacy single range: last address", advanced=True),
        FieldSpec("gateway", "ip", help="legacy single range: gateway", advanced=True),
        ROUTES,
        FieldSpec("dataDir", "str", default="/var/lib/cni/networks", help="lease directory on the node",
                  advanced=True),
        FieldSpec("resolvConf", "str", help="resolv.conf to report DNS from", advanced=True),
    ),
    capabilities={"ips": "pod `ips` request specific addresses", "ipRanges": "runtime ranges are prepended"},
    source="4.14",
)
_DHCP = PluginSpec(
    type="dhcp",
    role="ipam",
    title="DHCP",
    help="Lease from a DHCP server on the master's L2; needs the CNI dhcp daemon on every node.",
    fields=(
        FieldSpec("daemonSocketPath", "str", default="/run/cni/dhcp.sock", help="dhcp daemon socket",
                  advanced=True),
        FieldSpec("request", "list", advanced=True, help="options to request",
                  item_spec=FieldSpec("request", "object", fields=(
                      FieldSpec("option", "str", required=True, help="DHCP option name or number"),
                      FieldSpec("skipDefault", "bool", help="do not request the default set"),
                  ))),
        FieldSpec("provide", "list", advanced=True, help="options to send",
                  item_spec=FieldSpec("provide", "object", fields=(
                      FieldSpec("option", "str", required=True, help="DHCP option name or number"),
                      FieldSpec("value", "str", help="literal value"),
                      FieldSpec("fromArg", "str", help="take the value from this CNI arg"),
                  ))),
        FieldSpec("priority", "int", min=0, help="metric of the routes from the lease", advanced=True),
    ),
    source="4.15",
)
_WB_RANGE_FIELDS = (
    FieldSpec("range", "str", required=True, placeholder="192.168.2.0/24",
              help="CIDR, or first-last/prefix (e.g. 192.168.2.225-192.168.2.230/28)"),
    FieldSpec("range_start", "ip", help="first address inside range"),
    FieldSpec("range_end", "ip", help="last address inside range"),
    FieldSpec("exclude", "cidr-list", help="CIDRs never handed out"),
)
_WHEREABOUTS = PluginSpec(
    type="whereabouts",
    role="ipam",
    title="whereabouts",
    help="Cluster-wide pool (IPPool CRDs): no address is handed out twice across nodes.",
    fields=(
        *_WB_RANGE_FIELDS[:1],
        *(FieldSpec(f.name, f.kind, help=f.help) for f in _WB_RANGE_FIELDS[1:]),
        FieldSpec("ipRanges", "list", help="more ranges (dual stack / several pools)",
                  item_spec=FieldSpec("ipRange", "object", fields=_WB_RANGE_FIELDS), advanced=True),
        FieldSpec("gateway", "ip", help="gateway reported for allocated addresses"),
        ROUTES,
        DNS,
        FieldSpec("addresses", "list", advanced=True, help="static addresses added on top",
                  item_spec=FieldSpec("address", "object", fields=(
                      FieldSpec("address", "cidr", required=True, help="address with prefix"),
                      FieldSpec("gateway", "ip", help="gateway"),
                  ))),
        FieldSpec("enable_overlapping_ranges", "bool", default=True, advanced=True,
                  help="never hand out one IP twice across overlapping ranges"),
        FieldSpec("network_name", "str", advanced=True, help="separate pool for an identical CIDR (multi-tenant)"),
        FieldSpec("node_slice_size", "str", advanced=True, placeholder="/22", help="Fast IPAM slice (experimental)"),
        FieldSpec("leader_lease_duration", "int", min=0, default=1500, advanced=True, help="ms"),
        FieldSpec("leader_renew_deadline", "int", min=0, default=1000, advanced=True, help="ms"),
        FieldSpec("leader_retry_period", "int", min=0, default=500, advanced=True, help="ms"),
        FieldSpec("log_file", "str", advanced=True, help="log file on the node"),
        FieldSpec("log_level", "enum", choices=("debug", "verbose", "error", "panic"), advanced=True,
                  help="log level"),
        FieldSpec("reconciler_cron_expression", "str", advanced=True, help="ip-reconciler schedule"),
        FieldSpec("sleep_for_race", "int", min=0, advanced=True, help="test hook"),
        FieldSpec("configuration_path", "str", advanced=True, help="flat config file"),
        FieldSpec("kubernetes", "object", advanced=True, help="API access (normally from the flat file)",
                  fields=(FieldSpec("kubeconfig", "str", help="kubeconfig path"),
                          FieldSpec("k8s_api_root", "str", help="API root"))),
        FieldSpec("datastore", "str", advanced=True, help="only 'kubernetes' exists in code"),
    ),
    source="4.16",
)

#: main (interface-creating) plugins
PLUGINS: dict[str, PluginSpec] = {s.type: s for s in (_MACVLAN, _IPVLAN, _BRIDGE, _HOST_DEVICE, _VLAN, _PTP,
                                                     _OVS, _SRIOV)}
#: chained (meta) plugins: need a prevResult, must come after a main plugin
CHAINED: dict[str, PluginSpec] = {s.type: s for s in (_TUNING, _SBR, _PORTMAP, _BANDWIDTH)}
#: IPAM types
IPAMS: dict[str, PluginSpec] = {s.type: s for s in (_STATIC, _HOST_LOCAL, _WHEREABOUTS, _DHCP)}

#: plugins known to be chained-only besides those we spec (ovs mirrors, firewall, vrf)
OTHER_CHAINED = frozenset({"ovs-mirror-producer", "ovs-mirror-consumer", "firewall", "vrf"})

#: keys every plugin object may carry (libcni / Multus level), beyond its own fields
GENERIC_KEYS = ("cniVersion", "name", "type", "capabilities", "ipam", "dns", "args", "runtimeConfig",
                "prevResult", "deviceID", "pciBusID", "logLevel", "logFile")


def spec_for(type_: str | None) -> PluginSpec | None:
    """The spec of a main, chained or IPAM type, or None when we have none."""
    if not isinstance(type_, str):
        return None
    return PLUGINS.get(type_) or CHAINED.get(type_) or IPAMS.get(type_)


# ------------------------------------------------------------------ form <-> config helpers
def parse_value(spec: FieldSpec, text: str) -> Any:
    """Turn form text into the JSON value for `spec`; "" means "unset" (None).

    Raises ConfigError with a one-line message the form can show next to the field.
    """
    text = text.strip()
    if text == "":
        return None
    kind = spec.kind
    if kind == "int":
        try:
            value = int(text, 10)
        except ValueError:
            raise ConfigError(f"{spec.name}: a whole number is needed") from None
        if spec.min is not None and value < spec.min:
            raise ConfigError(f"{spec.name}: must be ≥ {spec.min}")
        if spec.max is not None and value > spec.max:
            raise ConfigError(f"{spec.name}: must be ≤ {spec.max}")
        return value
    if kind == "bool":
        low = text.lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise ConfigError(f"{spec.name}: true or false")
    if kind == "enum":
        for c in spec.choices:
            if c == text or (spec.case_insensitive and c.lower() == text.lower()):
                return c
        raise ConfigError(f"{spec.name}: one of {', '.join(spec.choices)}")
    if kind == "cidr":
        if not is_cidr(text):
            raise ConfigError(f"{spec.name}: CIDR needed, e.g. 192.168.0.0/24")
        return text
    if kind == "ip":
        if not is_ip(text):
            raise ConfigError(f"{spec.name}: an IP address is needed")
        return text
    if kind == "mac":
        if not is_mac(text):
            raise ConfigError(f"{spec.name}: MAC like 02:00:00:00:00:01 needed")
        return text
    if kind == "ifname":
        if not is_ifname(text):
            raise ConfigError(f"{spec.name}: 1-15 characters, no '/', ':' or spaces")
        return text
    if kind in ("ip-list", "cidr-list"):
        items = [t.strip() for t in text.split(",") if t.strip()]
        check = is_ip if kind == "ip-list" else is_cidr
        bad = [i for i in items if not check(i)]
        if bad:
            raise ConfigError(f"{spec.name}: not {'an IP' if kind == 'ip-list' else 'a CIDR'}: {bad[0]}")
        return items
    if kind in ("list", "map", "object"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{spec.name}: JSON needed ({exc})") from None
        want = list if kind == "list" else dict
        if not isinstance(value, want):
            raise ConfigError(f"{spec.name}: a JSON {'array' if want is list else 'object'} is needed")
        return value
    return text


def format_value(spec: FieldSpec, value: Any) -> str:
    """The form text for a JSON value (inverse of parse_value; None -> "")."""
    if value is None:
        return ""
    if spec.kind == "bool" and isinstance(value, bool):
        return "true" if value else "false"
    if spec.kind in ("ip-list", "cidr-list") and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return json.dumps(value)


def config_to_values(spec: PluginSpec, obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a plugin/IPAM object into (values of spec'd fields, every other key).

    The second dict holds generic keys (type, ipam, capabilities, ...) and unknown keys, so the
    form can show them and `apply_values` can keep them.
    """
    known: dict[str, Any] = {}
    other: dict[str, Any] = {}
    for k, v in obj.items():
        if spec.field(k) is not None:
            known[k] = v
        else:
            other[k] = v
    return known, other


def apply_values(spec: PluginSpec, obj: dict[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of `obj` with the spec'd fields set from `values` (None removes a key).

    Existing keys keep their position and unknown keys are kept (lossless editing); new keys
    are appended in spec order. `type` is set first when absent.
    """
    out: dict[str, Any] = {"type": spec.type}
    if obj:
        out = dict(obj)
        out.setdefault("type", spec.type)
    for f in spec.fields:
        if f.name not in values:
            continue
        v = values[f.name]
        if v is None or v == "":
            out.pop(f.name, None)
        else:
            out[f.name] = v
    return out


# ------------------------------------------------------------------ IPAM cross-field rules
def _net(value: Any, strict: bool) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.ip_network(value, strict=strict)
    except ValueError:
        return None


def _addr(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    return ipaddress.ip_address(value) if is_ip(value) else None


def host_local_ranges(ipam: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(path, range-set) pairs of a host-local IPAM: the legacy top-level range first, as host-local does."""
    sets: list[tuple[str, list[dict[str, Any]]]] = []
    if ipam.get("subnet"):
        legacy = {k: ipam[k] for k in ("subnet", "rangeStart", "rangeEnd", "gateway") if k in ipam}
        sets.append(("", [legacy]))
    ranges = ipam.get("ranges")
    if isinstance(ranges, list):
        for i, rs in enumerate(ranges):
            if isinstance(rs, list):
                sets.append((f"ranges[{i}]", [r for r in rs if isinstance(r, dict)]))
    return sets


def _rule_host_local(ipam: dict[str, Any]) -> Iterable[Issue]:
    sets = host_local_ranges(ipam)
    if not sets:
        yield Issue("error", "ranges", "host-local needs at least one range: add ranges: [[{subnet: ...}]] "
                    "(host-local: 'no IP ranges specified')", "hostlocal-no-ranges")
        return
    seen: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for set_path, rs in sets:
        if not rs:
            yield Issue("error", set_path, "empty range set; add a {subnet: ...}", "hostlocal-no-ranges")
        families: set[int] = set()
        for j, r in enumerate(rs):
            p = f"{set_path}[{j}]." if set_path else ""
            subnet = r.get("subnet")
            net = _net(subnet, strict=False)
            if net is None:
                continue  # field check reports the format
            if _net(subnet, strict=True) is None:
                yield Issue("error", f"{p}subnet", f"{subnet} has host bits set; host-local needs the network "
                            f"address: write {net}", "subnet-host-bits")
            if net.prefixlen >= net.max_prefixlen - 1:
                yield Issue("error", f"{p}subnet", f"{subnet} is too small to allocate from (host-local rejects "
                            "/31, /32, /127, /128)", "subnet-too-small")
            families.add(net.version)
            for other_path, other in seen:
                if other.version == net.version and other.overlaps(net):
                    yield Issue("error", f"{p}subnet", f"{net} overlaps {other} ({other_path or 'subnet'}); "
                                "host-local rejects overlapping ranges", "subnet-overlap")
            seen.append((f"{p}subnet", net))
            start, end, gw = _addr(r.get("rangeStart")), _addr(r.get("rangeEnd")), _addr(r.get("gateway"))
            for key, a in (("rangeStart", start), ("rangeEnd", end)):
                if a is not None and a not in net:
                    yield Issue("error", f"{p}{key}", f"{a} is outside subnet {net}", "range-outside-subnet")
            if gw is not None and gw not in net:
                yield Issue("warning", f"{p}gateway", f"gateway {gw} is outside subnet {net}; pods cannot reach it",
                            "gateway-outside-subnet")
            if start is not None and end is not None and start.version == end.version and start > end:
                yield Issue("error", f"{p}rangeStart", f"rangeStart {start} is after rangeEnd {end}: nothing can "
                            "be allocated; swap them", "range-order")
        if len(families) > 1:
            yield Issue("error", set_path or "subnet", "a range set must not mix IPv4 and IPv6; put each family "
                        "in its own set", "range-family-mix")
    yield Issue("info", "type", "host-local allocates per node: pods on different nodes can get the same "
                "address on a shared L2; use whereabouts for a cluster-wide pool", "host-local-per-node")


def parse_whereabouts_range(value: Any) -> tuple[Any, Any, Any] | None:
    """(network, first, last) of a whereabouts `range`: a CIDR (host bits masked) or
    `first-last/prefix`; None when it is neither."""
    if not isinstance(value, str) or "/" not in value:
        return None
    body, _, prefix = value.rpartition("/")
    if "-" in body:
        a, _, b = body.partition("-")
        first, last = _addr(a.strip()), _addr(b.strip())
        net = _net(f"{a.strip()}/{prefix}", strict=False)
        if first is None or last is None or net is None:
            return None
        return net, first, last
    net = _net(value, strict=False)
    if net is None:
        return None
    return net, None, None


def _rule_whereabouts_range(r: dict[str, Any], p: str, gateway: Any) -> Iterable[Issue]:
    raw = r.get("range")
    parsed = parse_whereabouts_range(raw)
    if raw is None:
        return
    if parsed is None:
        yield Issue("error", f"{p}range", f"'{raw}' is not a CIDR or first-last/prefix range", "field-format")
        return
    net, first, last = parsed
    if first is None and _net(raw, strict=True) is None:
        host = str(raw).split("/")[0]
        yield Issue("warning", f"{p}range", f"{raw} has host bits set: whereabouts uses all of {net}, not "
                    f"from {host}; write range: {net} with range_start: {host} if that was meant",
                    "range-host-bits")
    start, end = _addr(r.get("range_start")), _addr(r.get("range_end"))
    for key, a in (("range_start", start), ("range_end", end)):
        if a is not None and a not in net:
            yield Issue("error", f"{p}{key}", f"{a} is outside range {net}", "range-outside-subnet")
    lo, hi = start or first, end or last
    if lo is not None and hi is not None and lo.version == hi.version and lo > hi:
        yield Issue("error", f"{p}range_start", f"{lo} is after {hi}: nothing can be allocated", "range-order")
    excl = r.get("exclude")
    excluded: list[Any] = []
    if isinstance(excl, list):
        for k, e in enumerate(excl):
            en = _net(e, strict=False)
            if en is None:
                continue
            excluded.append(en)
            if en.version != net.version or not en.subnet_of(net):  # type: ignore[arg-type]
                yield Issue("warning", f"{p}exclude[{k}]", f"{e} is not inside range {net}; it excludes nothing",
                            "exclude-outside-range")
    gw = _addr(gateway)
    if gw is not None and gw.version == net.version and gw in net:
        inside = (lo is None or gw >= lo) and (hi is None or gw <= hi)
        if inside and not any(gw in en for en in excluded):
            yield Issue("warning", f"{p}range", f"gateway {gw} lies in the allocation range: whereabouts may "
                        f"hand it to a pod; add exclude: [{gw}/{gw.max_prefixlen}] or narrow the range",
                        "gateway-in-range")


def _rule_whereabouts(ipam: dict[str, Any]) -> Iterable[Issue]:
    ranges = ipam.get("ipRanges")
    if not ipam.get("range") and not (isinstance(ranges, list) and ranges):
        yield Issue("error", "range", "whereabouts needs range (or ipRanges)", "whereabouts-no-range")
    yield from _rule_whereabouts_range(ipam, "", ipam.get("gateway"))
    if isinstance(ranges, list):
        for i, r in enumerate(ranges):
            if isinstance(r, dict):
                yield from _rule_whereabouts_range(r, f"ipRanges[{i}].", ipam.get("gateway"))


def _rule_static(ipam: dict[str, Any]) -> Iterable[Issue]:
    addrs = ipam.get("addresses")
    if not isinstance(addrs, list) or not addrs:
        yield Issue("warning", "addresses", "static IPAM without addresses: every pod must pass ips (CIDR) in "
                    "its selection (and the plugin should declare capability ips), otherwise 'IPAM plugin "
                    "returned missing IP config'", "static-no-addresses")
        return
    fixed = [a.get("address") for a in addrs if isinstance(a, dict) and a.get("address")]
    if fixed:
        yield Issue("info", "addresses", f"every pod using this NAD gets {', '.join(map(str, fixed))}: only one "
                    "pod can use it at a time (a second pod duplicates the address)", "static-single-pod")
    for i, a in enumerate(addrs):
        if isinstance(a, dict) and isinstance(a.get("address"), str) and "/" not in a["address"]:
            # field-format reports it too; this message says how static words it
            yield Issue("error", f"addresses[{i}].address", f"'{a['address']}' is NOT in CIDR notation; "
                        "write e.g. 192.168.0.20/24", "static-not-cidr")
        if isinstance(a, dict):
            net = _net(a.get("address"), strict=False)
            gw = _addr(a.get("gateway"))
            if net is not None and gw is not None:
                iface = ipaddress.ip_interface(a["address"])
                if gw.version == iface.version and gw not in iface.network:
                    yield Issue("warning", f"addresses[{i}].gateway", f"gateway {gw} is outside {iface.network}",
                                "gateway-outside-subnet")


def _rule_dhcp(ipam: dict[str, Any]) -> Iterable[Issue]:
    yield Issue("info", "type", "dhcp needs the CNI dhcp daemon on every node and a DHCP server on the "
                "master's L2 ('error dialing DHCP daemon' otherwise)", "dhcp-daemon")


def _with_rules(spec: PluginSpec, *rules: Rule) -> PluginSpec:
    from dataclasses import replace

    return replace(spec, rules=spec.rules + rules)


IPAMS["static"] = _with_rules(_STATIC, _rule_static)
IPAMS["host-local"] = _with_rules(_HOST_LOCAL, _rule_host_local)
IPAMS["whereabouts"] = _with_rules(_WHEREABOUTS, _rule_whereabouts)
IPAMS["dhcp"] = _with_rules(_DHCP, _rule_dhcp)
