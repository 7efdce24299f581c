"""Field specs for every CNI plugin and IPAM type the tool builds: the single source of truth.

The NAD builder form, the validator and `lint` all read these (design principle 1). Facts come
from docs/multus-reference.md section 4 (plugin code wins over plugin docs) and from each
plugin's configuration struct at the upstream commit named in `PluginSpec.upstream`;
tests/unit/test_upstream_structs.py fails when a spec and its struct disagree (the struct's JSON
keys are kept as data in tests/fixtures/upstream_structs/).

Shape:
* `FieldSpec`: one JSON key of a plugin/IPAM object: kind, default, choices, range, required,
  one-line help, placeholder, whether the form hides it under "advanced", and for containers the
  spec of their items (`item_spec` for list items / map values, `fields` for object members).
  `refusal` is the plugin's own words when it refuses a bad value (findings quote it).
* `PluginSpec`: one plugin `type`: role (main / chained / ipam), its fields, the capabilities it
  honours (and what each enables), whether IPAM is required/optional/none, whether it needs the
  `k8s.v1.cni.cncf.io/resourceName` annotation, and cross-field `rules` that need more than one
  field (they live here, next to the fields they relate). Severities follow policy.py.
* `PLUGINS` (main), `CHAINED`, `IPAMS`: read-only tables keyed by type, each spec complete where it
  is declared (rules included); `spec_for(type)` finds any of them.
  OpenShift's `cnv-bridge` and `cnv-tuning` are the bridge and tuning binaries installed under
  other names (kubevirt/cluster-network-addons-operator data/linux-bridge/002-linux-bridge.yaml):
  their specs are the same, with `alias_of` set.

Form helpers: `parse_value(field, text)` / `format_value(field, value)` convert between a text
input and the JSON value; `apply_values(spec, obj, values)` moves a
whole object between config and form without losing keys the spec does not know.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from multus_tui.multus.addr import network
from multus_tui.multus.errors import ConfigError
from multus_tui.multus.policy import (
    EINVAL_TEXT,
    ERANGE_TEXT,
    IFNAME_MAX,
    MTU_MAX,
    MTU_MIN,
    VLAN_MAX,
    Fix,
    Severity,
)
from multus_tui.multus.selection import go_key, go_match_keys

FieldKind = Literal[
    "str", "int", "bool", "enum", "cidr", "ip", "ip-list", "cidr-list", "map", "list", "object", "mac", "ifname"
]

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

#: upstream versions the specs were checked against (repo@commit); see PluginSpec.upstream
CNI_PLUGINS_AT = "containernetworking/plugins@3d27709faaa4e3619f299b962d9ea24589e28f9c"
WHEREABOUTS_AT = "k8snetworkplumbingwg/whereabouts@3a262bd0cd873e13d9b379342f8251b852a89b8f"
OVN_K8S_AT = "ovn-org/ovn-kubernetes@6c366bb49d6fa57c80d6b39834952ce1d4d9dbb6"
ROUTE_OVERRIDE_AT = "openshift/route-override-cni@391c1b0361e17c5718508810f0bdb6ff66ae6e81"
BOND_AT = "k8snetworkplumbingwg/bond-cni@258926ad54a78e3dc070ab416cf79055e79c279a"
IB_SRIOV_AT = "k8snetworkplumbingwg/ib-sriov-cni@543060da640ef8f23229e11a4a83631fa03d1499"
SRIOV_AT = "k8snetworkplumbingwg/sriov-cni@1b7acc5bfc6202672f0af47f9d18b7bed160a09e"
OVS_AT = "k8snetworkplumbingwg/ovs-cni@19262a0c9f304dc9cb04454afeed77e6ca77950b"


@dataclass(frozen=True)
class Issue:
    """What a cross-field rule reports; `path` is relative to the object the rule checked.

    validate.py turns it into a Finding with the absolute JSON path.
    """

    severity: Severity
    path: str
    message: str
    code: str
    fix: Fix | None = None


Rule = Callable[[dict[str, Any]], Iterable[Issue]]


@dataclass(frozen=True)
class FieldSpec:
    """One key of a plugin or IPAM object.

    `item_spec` describes list items (kind "list", "ip-list", "cidr-list") or map values
    (kind "map"); `fields` describes the members of an "object" (or of list items that are
    objects, via item_spec.fields). `min`/`max` bound ints (and list lengths for lists).
    `node_fact`: the value names something on the node (master, bridge) that the API can't see.
    `case_insensitive`: enum values compared ignoring case (the plugin does so).
    `lenient`: the plugin does not check the enum; another value silently acts as the default.
    `refusal`: what the plugin says when it refuses a bad value (`{value}` is filled in).
    `nonzero_min`: 0 means "default", and 1..nonzero_min-1 are refused (the kernel's MTU floor).
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
    lenient: bool = False
    refusal: str = ""
    nonzero_min: int | None = None

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
    #: the configuration struct these fields were checked against: `owner/repo@commit:path#Struct`
    upstream: str = ""
    #: struct keys the plugin decodes but overwrites (runtime state, not configuration)
    internal: tuple[str, ...] = ()
    #: the plugin this type is another name for (OpenShift's cnv-bridge is bridge)
    alias_of: str | None = None
    #: the plugin's words when it refuses any ipam block (ipam "none" is otherwise just ignored)
    ipam_refused: str = ""

    def field(self, name: str) -> FieldSpec | None:
        """The spec of a top-level key, by exact name."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field_ci(self, name: str) -> FieldSpec | None:
        """The spec whose name matches ignoring case (Go's encoding/json matches that way)."""
        matched, _ = go_match_keys({name: None}, [f.name for f in self.fields])
        return self.field(next(iter(matched))) if matched else None

    def known_keys(self, obj: Mapping[str, Any]) -> set[str]:
        """The keys of `obj` this spec describes, spelled as `obj` spells them (Go's encoding/json
        matches keys ignoring case: `vlanid` is vlanId); the others are kept but nothing edits them."""
        return {go_key(obj, f.name) for f in self.fields}

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
        network(value, strict)
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
    if len(value.encode()) > IFNAME_MAX:
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
#: 0 keeps the kernel default; 1..67 and >65535 are refused by the kernel (policy.MTU_MIN/MTU_MAX)
MTU = FieldSpec("mtu", "int", min=0, max=MTU_MAX, nonzero_min=MTU_MIN, refusal=EINVAL_TEXT,
                help=f"interface MTU ({MTU_MIN}..{MTU_MAX}, ≤ the master's MTU; 0 = kernel default)")
LINK_IN_CONTAINER = FieldSpec(
    "linkInContainer", "bool", default=False, help="look the master up inside the pod netns", advanced=True
)
MASQ_BACKEND = FieldSpec(
    "ipMasqBackend", "enum", choices=("iptables", "nftables"), help="firewall backend for ipMasq", advanced=True
)

#: the VF of sriov / ib-sriov: injected from the resourceName device, and its link state
VF_DEVICE_ID = FieldSpec("deviceID", "str", help="VF PCI address, injected by Multus from resourceName",
                         advanced=True)
VF_LINK_STATE = FieldSpec("link_state", "enum", choices=("auto", "enable", "disable"), help="VF link state",
                          advanced=True, refusal="invalid link_state value: {value}")


def _master(required: bool = False, help: str = "host interface (default: the node's default-route interface)",
            name: str = "master", placeholder: str = "eth1") -> FieldSpec:
    """A host interface name: a node fact, and at most 15 bytes (the kernel answers ERANGE)."""
    return FieldSpec(name, "ifname", required=required, node_fact=True, placeholder=placeholder, help=help,
                     refusal=ERANGE_TEXT)


def _trunk_item(lo: int, hi: int) -> FieldSpec:
    return FieldSpec("trunk", "object", fields=(
        FieldSpec("id", "int", min=lo, max=hi, help="a single VLAN id", refusal="incorrect trunk id parameter"),
        FieldSpec("minID", "int", min=lo, max=hi, help="first VLAN id of a span",
                  refusal="incorrect trunk minID parameter"),
        FieldSpec("maxID", "int", min=lo, max=hi, help="last VLAN id of a span",
                  refusal="incorrect trunk maxID parameter"),
    ))


# ------------------------------------------------------------------ cross-field rules
def _rule_bridge(cfg: dict[str, Any]) -> Iterable[Issue]:
    if cfg.get("hairpinMode") is True and cfg.get("promiscMode") is True:
        yield Issue("error", "promiscMode", "hairpinMode and promiscMode cannot both be true "
                    "(bridge: 'cannot set hairpin mode and promiscuous mode at the same time'); drop promiscMode",
                    "bridge-hairpin-promisc", Fix("remove", "promiscMode"))
    if cfg.get("disableContainerInterface") is True and isinstance(cfg.get("ipam"), dict) and cfg["ipam"]:
        yield Issue("error", "ipam", "bridge rejects IPAM when disableContainerInterface is true ('cannot use "
                    "IPAM when DisableContainerInterface flag is set'); remove ipam or the flag",
                    "bridge-ipam-no-interface", Fix("remove", "disableContainerInterface"))
    yield from _rule_trunk(cfg, "vlanTrunk", empty_is_error=False)


def _rule_trunk(cfg: dict[str, Any], key: str, empty_is_error: bool) -> Iterable[Issue]:
    """Trunk entries as bridge and ovs read them (ids are range-checked by the item spec)."""
    trunk = cfg.get(key)
    if not isinstance(trunk, list):
        return
    useful = 0
    for i, item in enumerate(trunk):
        if not isinstance(item, dict):
            continue
        lo, hi = item.get("minID"), item.get("maxID")
        if (lo is None) != (hi is None):
            missing = "minID" if lo is None else "maxID"
            yield Issue("error", f"{key}[{i}]", f"set both minID and maxID, or use id (bridge: 'minID and maxID "
                        f"should be configured simultaneously, {missing} is missing')", "vlan-trunk")
        elif isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            yield Issue("error", f"{key}[{i}]", f"minID {lo} is above maxID {hi}: 'minID is greater than maxID in "
                        "trunk parameter'; swap them", "vlan-trunk",
                        Fix("set", f"{key}[{i}]", {**item, "minID": hi, "maxID": lo}))
        if "id" in item or (lo is not None and hi is not None):
            useful += 1
        else:
            yield Issue("warning", f"{key}[{i}]", "this trunk entry has neither id nor minID/maxID, so it adds no "
                        "VLAN; remove it", "vlan-trunk", Fix("remove", f"{key}[{i}]"))
    if empty_is_error and trunk and not useful:
        yield Issue("error", key, "no trunk entry names a VLAN: ovs fails with 'trunk parameter is "
                    "misconfigured'", "vlan-trunk")


HOST_DEVICE_SELECTORS = ("device", "hwaddr", "kernelpath", "pciBusID")


def _rule_host_device(cfg: dict[str, Any]) -> Iterable[Issue]:
    selectors = [k for k in HOST_DEVICE_SELECTORS if cfg.get(k)]
    caps = cfg.get("capabilities") if isinstance(cfg.get("capabilities"), dict) else {}
    if len(selectors) > 1:
        # host-device's getLink takes the first of device, hwaddr, kernelpath, pciBusID that is set
        for k in selectors[1:]:
            yield Issue("warning", k, f"host-device uses '{selectors[0]}' and ignores '{k}' (it takes the first "
                        "of device, hwaddr, kernelpath, pciBusID); remove it", "host-device-selector",
                        Fix("remove", k))
    elif not selectors and caps.get("deviceID") is not True and not (
            isinstance(cfg.get("runtimeConfig"), dict) and cfg["runtimeConfig"].get("deviceID")):
        # (a literal runtimeConfig.deviceID is read too: libcni keeps it when no capability replaces it)
        yield Issue("error", "device", 'host-device needs one of "device", "hwaddr", "kernelpath" or "pciBusID", '
                    "or a resourceName (Multus then injects pciBusID) or capability deviceID (host-device: "
                    '\'specify either "device", "hwaddr", "kernelpath" or "pciBusID"\')', "host-device-selector")


def _rule_sriov(cfg: dict[str, Any]) -> Iterable[Issue]:
    # sriov-cni LoadConf: vlanQoS / vlanProto need a vlan key at all; non-zero qos and 802.1ad a non-zero vlan
    vlan = cfg.get("vlan")
    for key in ("vlanQoS", "vlanProto"):
        if cfg.get(key) is not None and vlan is None:
            yield Issue("error", key, f"{key} needs a vlan (sriov: 'vlan id must be configured to set vlan "
                        f"{'QoS' if key == 'vlanQoS' else 'proto'} to a non-nil value'); remove {key} or set vlan",
                        "sriov-vlan-qos", Fix("remove", key))
    if vlan is not None and vlan == 0:
        qos = cfg.get("vlanQoS")
        if isinstance(qos, int) and qos != 0:
            yield Issue("error", "vlanQoS", "a non-zero vlanQoS needs a non-zero vlan (sriov: 'non-zero vlan id "
                        "must be configured to set vlan QoS to a non-zero value'); set vlanQoS to 0 or a vlan",
                        "sriov-vlan-qos", Fix("set", "vlanQoS", 0))
        proto = cfg.get("vlanProto")
        if isinstance(proto, str) and proto.lower() == "802.1ad":
            yield Issue("error", "vlanProto", "vlanProto 802.1ad needs a non-zero vlan", "sriov-vlan-qos",
                        Fix("set", "vlanProto", "802.1q"))
    lo, hi = cfg.get("min_tx_rate"), cfg.get("max_tx_rate")
    if isinstance(lo, int) and isinstance(hi, int) and hi != 0 and lo > hi:
        yield Issue("error", "min_tx_rate", f"min_tx_rate {lo} exceeds max_tx_rate {hi} (the kernel refuses it); "
                    f"set min_tx_rate to {hi}", "sriov-tx-rate", Fix("set", "min_tx_rate", hi))


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
        yield Issue("error", "markMasqBit", "markMasqBit cannot be combined with externalSetMarkChain; remove "
                    "markMasqBit", "portmap-mark", Fix("remove", "markMasqBit"))


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


def _rule_macvlan(cfg: dict[str, Any]) -> Iterable[Issue]:
    if "vlan" in cfg or "vlanId" in cfg:
        key = "vlan" if "vlan" in cfg else "vlanId"
        master = cfg.get("master") if isinstance(cfg.get("master"), str) else "<master>"
        yield Issue("warning", key, f"macvlan has no VLAN setting: '{key}' is ignored and the traffic leaves "
                    f"untagged on {master}; put the macvlan on a VLAN interface of the node (master: "
                    f"{master}.{cfg.get(key)}) or use the vlan plugin", "macvlan-vlan-ignored")


#: sysctl paths whose next element names an interface (net.ipv4.conf.<if>.x, net.ipv6.neigh.<if>.x, ...)
_SYSCTL_IFACE_PREFIXES = ("net/ipv4/conf/", "net/ipv6/conf/", "net/ipv4/neigh/", "net/ipv6/neigh/")


def _rule_tuning(cfg: dict[str, Any]) -> Iterable[Issue]:
    sysctl = cfg.get("sysctl")
    if not isinstance(sysctl, dict):
        return
    for key in sysctl:
        # tuning (getSysctlFilename): dots become '/', the first IFNAME becomes the attachment's name,
        # and the file must lie under /proc/sys/net/
        k = str(key)
        sep = "/" if "/" in k else "."
        path = k.replace(".", "/")
        if not path.replace("IFNAME", "x", 1).startswith("net/"):
            yield Issue("error", f"sysctl[{key!r}]", f"tuning only writes net.* sysctls: 'invalid net sysctl key: "
                        f"\"{k}\"'", "field-format")
            continue
        prefix = next((pre for pre in _SYSCTL_IFACE_PREFIXES if path.startswith(pre)), None)
        if prefix is None:
            continue
        segs = path.split("/")
        idx = prefix.count("/")
        iface = segs[idx] if len(segs) > idx + 1 else ""
        if iface and iface not in ("all", "default", "IFNAME"):
            better = sep.join(segs[:idx] + ["IFNAME"] + segs[idx + 1:])
            yield Issue("warning", f"sysctl[{key!r}]", f"'{k}' names the interface '{iface}', so tuning writes it "
                        "there, not on this attachment (whose name the pod chooses); write "
                        f"'{better}'", "tuning-sysctl-fixed-ifname", Fix("rename", f"sysctl[{key!r}]", better))


def _rule_ib_sriov(cfg: dict[str, Any]) -> Iterable[Issue]:
    ipam = cfg.get("ipam")
    if isinstance(ipam, dict) and ipam.get("type") == "dhcp":
        yield Issue("error", "ipam.type", "ib-sriov refuses dhcp ('ipam type dhcp is not supported'); use static, "
                    "host-local or whereabouts", "ib-sriov-dhcp")


def _rule_bond(cfg: dict[str, Any]) -> Iterable[Issue]:
    links = cfg.get("links")
    if isinstance(links, list):
        named = [ln for ln in links if isinstance(ln, dict) and isinstance(ln.get("name"), str) and ln["name"]]
        for i, ln in enumerate(links):
            if not (isinstance(ln, dict) and isinstance(ln.get("name"), str)):
                yield Issue("error", f"links[{i}]", "each link needs a name (bond: 'failed to find link name')",
                            "bond-links")
        if len(named) < 2:
            yield Issue("error", "links", f"bond needs at least two links (bond: 'bonding requires at least two "
                        f"links, we have {len(named)}')", "bond-links")
    miimon = cfg.get("miimon")
    if isinstance(miimon, str) and not re.fullmatch(r"[+-]?\d+", miimon):
        yield Issue("error", "miimon", f"miimon must be a whole number in a string, e.g. \"100\" (bond: 'failed "
                    f"to convert bondMiimon value ({miimon}) to an int')", "field-format", Fix("set", "miimon", "100"))
    if cfg.get("tlbDynamicLb") is not None and cfg.get("mode") not in ("balance-tlb", "balance-alb"):
        yield Issue("error", "tlbDynamicLb", f"tlbDynamicLb only works in balance-tlb or balance-alb mode (bond: "
                    f"'tlbDynamicLb is only supported in balance-tlb or balance-alb mode, actual: {cfg.get('mode')}'"
                    "); remove it", "bond-option", Fix("remove", "tlbDynamicLb"))


def ovn_subnet_problems(value: str, topology: str) -> tuple[list[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    """OVN-Kubernetes' parse of `subnets` (config.ParseClusterSubnetEntries[WithDefaults]): messages and networks.

    layer3 entries are `cidr[/hostPrefix]` (host prefix defaults to 24 for IPv4, 64 for IPv6, and must
    be longer than the cidr's); layer2 and localnet entries are plain CIDRs.
    """
    problems: list[str] = []
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in value.split(","):
        entry = entry.strip()
        parts = entry.split("/")
        if len(parts) < 2 or len(parts) > 3 or (len(parts) == 3 and topology != "layer3"):
            problems.append(f"CIDR {entry!r} not properly formatted")
            continue
        try:
            net = ipaddress.ip_network(f"{parts[0]}/{parts[1]}", strict=False)
        except ValueError:
            problems.append(f"invalid CIDR address: {entry}")
            continue
        nets.append(net)
        if topology != "layer3":
            continue
        if len(parts) == 3:
            if not parts[2].isdigit():
                problems.append(f"invalid host prefix in {entry!r}")
                continue
            host = int(parts[2])
        else:
            host = 64 if net.version == 6 else 24
        if net.version == 6 and host != 64:
            problems.append("IPv6 only supports /64 host subnets")
        elif net.version == 4 and host > 32:
            problems.append("invalid host subnet, IPv4 subnet must be < 32")
        elif host <= net.prefixlen:
            problems.append(f"cannot use a host subnet length mask shorter than or equal to the cluster subnet mask. "
                            f"host subnet length: {host}, cluster subnet length: {net.prefixlen}")
    return problems, nets


#: OVN-Kubernetes NetConf keys that only one topology reads
_OVN_TOPOLOGY_ONLY = {"vlanID": ("localnet",), "physicalNetworkName": ("localnet",),
                      "excludeSubnets": ("layer2", "localnet"), "allowPersistentIPs": ("layer2", "localnet")}


def _rule_ovn(cfg: dict[str, Any]) -> Iterable[Issue]:
    """ovn-kubernetes ValidateNetConf / NewNetInfo (go-controller/pkg/util/multi_network.go)."""
    topo = cfg.get("topology")
    if topo in (None, ""):
        yield Issue("warning", "topology", "without topology OVN-Kubernetes takes this NAD for its default "
                    "network, not a secondary network; set topology (layer2, layer3 or localnet) and "
                    "netAttachDefName", "ovn-topology")
        return
    if topo not in OVN_TOPOLOGIES:
        return  # field-enum reports it with OVN's words
    role = cfg.get("role")
    for key, topos in _OVN_TOPOLOGY_ONLY.items():
        if cfg.get(key) not in (None, "", 0, False) and topo not in topos:
            if key == "allowPersistentIPs":
                yield Issue("error", key, "OVN-Kubernetes: 'layer3 topology does not allow persistent IPs'; remove "
                            "allowPersistentIPs", "ovn-field-topology", Fix("remove", key))
            else:
                yield Issue("warning", key, f"{key} is only read for {' and '.join(topos)} topologies; on {topo} it "
                            "is ignored; remove it", "ovn-field-topology", Fix("remove", key))
    if topo == "localnet":
        if role not in (None, "", "secondary"):
            yield Issue("error", "role", f"OVN-Kubernetes: 'unexpected network field \"role\" {role} for "
                        "\"localnet\" topology'; localnet is always secondary: remove role", "ovn-field-topology",
                        Fix("remove", "role"))
        if cfg.get("joinSubnet"):
            yield Issue("error", "joinSubnet", "OVN-Kubernetes: 'localnet topology does not allow specifying "
                        "join-subnet as services are not supported'; remove joinSubnet", "ovn-field-topology",
                        Fix("remove", "joinSubnet"))
    subnets = cfg.get("subnets")
    if role == "primary" and topo == "layer2" and not subnets:
        yield Issue("error", "subnets", "OVN-Kubernetes: 'the subnet attribute must be defined for layer2 primary "
                    "user defined networks'", "ovn-subnets")
    nets: list[Any] = []
    if isinstance(subnets, str) and subnets.strip():
        problems, nets = ovn_subnet_problems(subnets, topo)
        for msg in problems:
            yield Issue("error", "subnets", f"OVN-Kubernetes cannot parse subnets: '{msg}'", "ovn-subnets")
    exclude = cfg.get("excludeSubnets")
    if isinstance(exclude, str) and exclude.strip() and topo != "layer3":
        for entry in (e.strip() for e in exclude.split(",")):
            ex = _net(entry, strict=False)
            if ex is None:
                yield Issue("error", "excludeSubnets", f"OVN-Kubernetes cannot parse excludeSubnets entry "
                            f"{entry!r}", "ovn-subnets")
            elif not any(ex.version == n.version and ex.subnet_of(n) for n in nets):
                yield Issue("error", "excludeSubnets", f"{entry} is not inside subnets (OVN-Kubernetes: 'the "
                            "provided network subnets ... do not contain exluded subnets')", "ovn-subnets")


# ------------------------------------------------------------------ main plugins
_MACVLAN = PluginSpec(
    type="macvlan",
    role="main",
    title="macvlan",
    help="A new MAC address on a host interface (master); pods appear on the master's L2 network.",
    fields=(
        _master(help="host interface to attach to (default: the node's default-route interface)"),
        FieldSpec("mode", "enum", default="bridge", choices=("bridge", "private", "vepa", "passthru"),
                  refusal="unknown macvlan mode", help="bridge lets macvlan pods on one master talk to each other"),
        MTU,
        FieldSpec("mac", "mac", help="fixed MAC (every pod gets the same one)", advanced=True),
        FieldSpec("bcqueuelen", "int", min=0, max=2**32 - 1, help="broadcast queue length", advanced=True),
        LINK_IN_CONTAINER,
    ),
    capabilities={"mac": "pod `mac` sets the macvlan MAC"},
    ipam="optional",
    rules=(_rule_macvlan,),
    source="4.1",
    upstream=f"{CNI_PLUGINS_AT}:plugins/main/macvlan/macvlan.go#NetConf",
)
_IPVLAN = PluginSpec(
    type="ipvlan",
    role="main",
    title="ipvlan",
    help="Share the master's MAC; pods are separated by IP (no DHCP, no pod MAC, no host reachability).",
    fields=(
        _master(help="host interface (default: default-route interface)"),
        FieldSpec("mode", "enum", default="l2", choices=("l2", "l3", "l3s"), refusal="unknown ipvlan mode",
                  help="ipvlan mode"),
        MTU,
        LINK_IN_CONTAINER,
    ),
    ipam="required",
    source="4.2",
    upstream=f"{CNI_PLUGINS_AT}:plugins/main/ipvlan/ipvlan.go#NetConf",
)
_BRIDGE = PluginSpec(
    type="bridge",
    role="main",
    title="Linux bridge",
    help="A veth from the pod into a Linux bridge on the node (created if missing).",
    fields=(
        _master(name="bridge", placeholder="br0", help="bridge name on the node (created if missing; default cni0)"),
        FieldSpec("isGateway", "bool", default=False, help="give the bridge the IPAM gateway address"),
        FieldSpec("isDefaultGateway", "bool", default=False, help="also make it the pod's default route"),
        FieldSpec("forceAddress", "bool", default=False, help="replace a different bridge address", advanced=True),
        FieldSpec("ipMasq", "bool", default=False, help="masquerade traffic leaving the bridge subnet"),
        MASQ_BACKEND,
        MTU,
        FieldSpec("hairpinMode", "bool", default=False, help="let traffic hairpin back on the same port",
                  advanced=True),
        FieldSpec("promiscMode", "bool", default=False, help="bridge in promiscuous mode", advanced=True),
        FieldSpec("vlan", "int", min=0, max=VLAN_MAX, help="access VLAN on the bridge port (0 = none)",
                  refusal="invalid VLAN ID {value} (must be between 0 and 4094)"),
        FieldSpec("vlanTrunk", "list", item_spec=_trunk_item(1, VLAN_MAX), help="trunk VLANs: {id} or {minID,maxID}",
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
    upstream=f"{CNI_PLUGINS_AT}:plugins/main/bridge/bridge.go#NetConf",
)
_HOST_DEVICE = PluginSpec(
    type="host-device",
    role="main",
    title="host-device",
    help="Move an existing host device into the pod (one pod per device per node); renamed to the pod ifname.",
    fields=(
        _master(name="device", placeholder="eth2", help="device name on the node (takes precedence)"),
        FieldSpec("hwaddr", "mac", help="select the device by MAC", advanced=True),
        FieldSpec("kernelpath", "str", help="select the device by sysfs path (/sys/devices/...)", advanced=True),
        FieldSpec("pciBusID", "str", help="select the device by PCI address", placeholder="0000:3b:00.1",
                  advanced=True),
    ),
    capabilities={"deviceID": "the device allocated via resourceName is moved in"},
    ipam="optional",
    rules=(_rule_host_device,),
    source="4.4",
    upstream=f"{CNI_PLUGINS_AT}:plugins/main/host-device/host-device.go#NetConf",
    internal=("DPDKMode",),
)
_VLAN = PluginSpec(
    type="vlan",
    role="main",
    title="VLAN sub-interface",
    help="An 802.1Q sub-interface of master moved into the pod (one pod per node per VLAN).",
    fields=(
        _master(required=True, help="host interface carrying the VLAN (required)"),
        FieldSpec("vlanId", "int", required=True, min=0, max=VLAN_MAX, help="802.1Q VLAN id",
                  refusal="invalid VLAN ID {value} (must be between 0 and 4095 inclusive)"),
        MTU,
        LINK_IN_CONTAINER,
        DNS,
    ),
    ipam="required",
    rules=(_rule_vlan,),
    source="4.5",
    upstream=f"{CNI_PLUGINS_AT}:plugins/main/vlan/vlan.go#NetConf",
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
    upstream=f"{CNI_PLUGINS_AT}:plugins/main/ptp/ptp.go#NetConf",
)
_DUMMY = PluginSpec(
    type="dummy",
    role="main",
    title="dummy interface",
    help="A dummy interface inside the pod, linked to nothing: an address the pod owns (a VIP, a router id).",
    fields=(),
    ipam="required",
    source="plugins/main/dummy (v1.2.0+): 'dummy interface requires an IPAM configuration'",
    upstream=f"{CNI_PLUGINS_AT}:plugins/main/dummy/dummy.go#types.NetConf",
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
        FieldSpec("trunk", "list", item_spec=_trunk_item(0, 4095), help="allowed VLANs on a trunk port",
                  advanced=True),
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
    rules=(lambda cfg: _rule_trunk(cfg, "trunk", empty_is_error=True),),
    source="4.9",
    upstream=f"{OVS_AT}:pkg/types/types.go#NetConf",
)
_SRIOV = PluginSpec(
    type="sriov",
    role="main",
    title="SR-IOV VF",
    help="A virtual function allocated by the SR-IOV device plugin (resourceName) moved into the pod.",
    fields=(
        VF_DEVICE_ID,
        FieldSpec("vlan", "int", min=0, max=VLAN_MAX, help="VF VLAN (0 = untagged)",
                  refusal="vlan id {value} invalid: value must be in the range 0-4094"),
        FieldSpec("vlanQoS", "int", min=0, max=7, help="VLAN priority (needs vlan)", advanced=True,
                  refusal="vlan QoS PCP {value} invalid: value must be in the range 0-7"),
        FieldSpec("vlanProto", "enum", choices=("802.1q", "802.1ad"), case_insensitive=True,
                  help="VLAN protocol (needs vlan)", advanced=True,
                  refusal="vlan Proto {value} invalid: value must be '802.1Q' or '802.1ad'"),
        FieldSpec("mac", "mac", help="fixed VF MAC", advanced=True),
        # sriov-cni sets the flag only for "on"; any other value silently means off
        FieldSpec("spoofchk", "enum", choices=("on", "off"), lenient=True, help="MAC spoof checking"),
        FieldSpec("trust", "enum", choices=("on", "off"), lenient=True, help="trusted VF (promisc/multicast)"),
        VF_LINK_STATE,
        FieldSpec("min_tx_rate", "int", min=0, help="minimum TX rate, Mbps (0 = none)", advanced=True),
        FieldSpec("max_tx_rate", "int", min=0, help="maximum TX rate, Mbps (0 = unlimited)", advanced=True),
        MTU,
        FieldSpec("logLevel", "enum", choices=("panic", "error", "warning", "info", "debug"), advanced=True,
                  lenient=True, help="plugin log level"),
        FieldSpec("logFile", "str", advanced=True, help="plugin log file"),
    ),
    capabilities={"mac": "pod `mac` sets the VF MAC"},
    ipam="optional",
    needs_resource_name=True,
    rules=(_rule_sriov,),
    source="4.10",
    # MAC and MTU have no json tag: Go decodes "mac" and "mtu" into them (names match ignoring case)
    upstream=f"{SRIOV_AT}:pkg/types/types.go#NetConf",
    internal=("OrigVfState", "Master", "VFID"),
)
_IB_SRIOV = PluginSpec(
    type="ib-sriov",
    role="main",
    title="InfiniBand SR-IOV VF",
    help="An InfiniBand virtual function (resourceName) moved into the pod; GUID per pod or from ib-kubernetes.",
    fields=(
        VF_DEVICE_ID,
        FieldSpec("pkey", "str", placeholder="0x7fff", help="InfiniBand partition key (set by ib-kubernetes)",
                  advanced=True),
        VF_LINK_STATE,
        FieldSpec("rdmaIsolation", "bool", default=False, help="isolate the RDMA device (node in exclusive mode)",
                  advanced=True),
        FieldSpec("ibKubernetesEnabled", "bool", default=False,
                  help="wait for ib-kubernetes to set the GUID/pkey", advanced=True),
        FieldSpec("vfioPciMode", "bool", default=False, help="VF bound to vfio-pci: skip netdev setup",
                  advanced=True),
    ),
    capabilities={"infinibandGUID": "pod `infiniband-guid` sets the VF GUID"},
    ipam="optional",
    needs_resource_name=True,
    rules=(_rule_ib_sriov,),
    source="4.10 (ib-sriov-cni pkg/config/config.go, cmd/ib-sriov-cni/main.go)",
    upstream=f"{IB_SRIOV_AT}:pkg/types/types.go#NetConf",
    internal=("Master", "VFID", "HostIFNames", "HostIFGUID", "ContIFNames", "RdmaNetState"),
)
#: netlink StringToBondModeMap / StringToBondXmitHashPolicyMap (vishvananda/netlink v1.3.1, as bond-cni pins)
BOND_MODES = ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb")
_BOND = PluginSpec(
    type="bond",
    role="main",
    title="bond",
    help="Bond two or more interfaces of the pod (e.g. two SR-IOV VFs from other NADs) into one.",
    fields=(
        FieldSpec("mode", "enum", required=True, default="active-backup", choices=BOND_MODES,
                  refusal="bonding mode ({value}) is not supported", help="bonding mode"),
        FieldSpec("miimon", "str", required=True, default="100", placeholder="100",
                  help="link monitoring interval in ms, as a string (bond-cni reads it with Atoi)"),
        FieldSpec("links", "list", required=True, help="the interfaces to bond: [{name: net1}, {name: net2}]",
                  item_spec=FieldSpec("link", "object", fields=(
                      FieldSpec("name", "ifname", required=True, help="interface name", refusal=ERANGE_TEXT),
                  ))),
        FieldSpec("linksInContainer", "bool", default=False,
                  help="the links are already in the pod (from earlier NADs of the pod)"),
        FieldSpec("failOverMac", "int", min=0, max=2, help="fail_over_mac: 0 none, 1 active, 2 follow",
                  advanced=True, refusal="FailOverMac mode should be 0, 1 or 2 actual: {value}"),
        FieldSpec("mtu", "int", min=0, max=MTU_MAX, nonzero_min=MTU_MIN, help="bond MTU (default 1500)",
                  refusal="invalid bond MTU value ({value}), should be 68 or bigger"),
        FieldSpec("allSlavesActive", "int", min=0, max=1, advanced=True, help="deliver frames on inactive links",
                  refusal="allSlavesActive should be 0 or 1, actual: {value}"),
        FieldSpec("tlbDynamicLb", "int", min=0, max=1, advanced=True,
                  help="dynamic load balancing (balance-tlb/alb only)",
                  refusal="tlbDynamicLb should be 0 or 1, actual: {value}"),
        FieldSpec("xmitHashPolicy", "enum", advanced=True, help="transmit hash policy",
                  choices=("layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"),
                  refusal="xmitHashPolicy is not supported, actual: {value}"),
    ),
    ipam="optional",
    rules=(_rule_bond,),
    source="bond-cni bond/bond.go loadConfigFile, bond/util/validation.go",
    upstream=f"{BOND_AT}:bond/bond.go#bondingConfig",
)
OVN_TOPOLOGIES = ("layer3", "layer2", "localnet")
_OVN = PluginSpec(
    type="ovn-k8s-cni-overlay",
    role="main",
    title="OVN-Kubernetes secondary network",
    help="A network of OVN-Kubernetes (layer2, layer3 or localnet); OVN allocates from `subnets` (no ipam).",
    fields=(
        FieldSpec("topology", "enum", default="layer2", choices=OVN_TOPOLOGIES,
                  refusal="topology {value} not supported", help="layer2, layer3 (per-node subnets) or localnet"),
        FieldSpec("netAttachDefName", "str", placeholder="default/my-net",
                  help="namespace/name of this NAD (OVN-Kubernetes checks it)"),
        FieldSpec("subnets", "str", placeholder="10.100.200.0/24",
                  help="comma-separated CIDRs; layer3 may add /hostPrefix (10.128.0.0/14/23)"),
        FieldSpec("excludeSubnets", "str", help="comma-separated CIDRs inside subnets never handed out "
                  "(layer2, localnet)", advanced=True),
        FieldSpec("joinSubnet", "str", advanced=True, help="join subnet of a primary UDN (layer2/layer3)"),
        FieldSpec("role", "enum", choices=("primary", "secondary"), refusal="invalid network role value {value}",
                  help="secondary (default) or primary user-defined network", advanced=True),
        FieldSpec("vlanID", "int", min=0, max=4095, help="VLAN of the localnet (localnet only)"),
        FieldSpec("mtu", "int", min=0, max=MTU_MAX, nonzero_min=MTU_MIN, help="network MTU"),
        FieldSpec("allowPersistentIPs", "bool", default=False, advanced=True,
                  help="keep IPs across restarts via IPAMClaims (layer2, localnet)"),
        FieldSpec("physicalNetworkName", "str", advanced=True,
                  help="bridge mapping to use (localnet only; default: the network name)"),
        FieldSpec("deviceID", "str", advanced=True, help="SR-IOV VF / SF for hardware offload"),
        FieldSpec("logFile", "str", advanced=True, help="cni shim log file"),
        FieldSpec("logLevel", "str", advanced=True, help="cni shim log verbosity"),
        FieldSpec("logfile-maxsize", "int", min=0, advanced=True, help="log size before rolling, bytes"),
        FieldSpec("logfile-maxbackups", "int", min=0, advanced=True, help="rolled logs kept"),
        FieldSpec("logfile-maxage", "int", min=0, advanced=True, help="days rolled logs are kept"),
    ),
    ipam="none",
    rules=(_rule_ovn,),
    ipam_refused="IPAM key is not supported. Use OVN-K provided IPAM via the `subnets` attribute",
    source="ovn-kubernetes go-controller/pkg/util/multi_network.go ValidateNetConf, pkg/config/cni.go",
    upstream=f"{OVN_K8S_AT}:go-controller/pkg/cni/types/types.go#NetConf",
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
    rules=(_rule_tuning,),
    source="4.7",
    upstream=f"{CNI_PLUGINS_AT}:plugins/meta/tuning/tuning.go#TuningConf",
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
    upstream=f"{CNI_PLUGINS_AT}:plugins/meta/sbr/main.go#PluginConf",
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
    upstream=f"{CNI_PLUGINS_AT}:plugins/meta/portmap/main.go#PortMapConf",
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
    upstream=f"{CNI_PLUGINS_AT}:plugins/meta/bandwidth/main.go#PluginConf",
)
_ROUTE_OVERRIDE = PluginSpec(
    type="route-override",
    role="chained",
    title="route override",
    help="Edit the routes the previous plugin set: flush, delete, add (OpenShift, k8snetworkplumbingwg).",
    fields=(
        FieldSpec("flushroutes", "bool", default=False, help="delete every route of the interface"),
        FieldSpec("flushgateway", "bool", default=False, help="delete the default routes and the gateway"),
        FieldSpec("delroutes", "list", help="routes to delete (matched by dst)",
                  item_spec=FieldSpec("route", "object", fields=_route_fields())),
        FieldSpec("addroutes", "list", help="routes to add (a failure is only logged)",
                  item_spec=FieldSpec("route", "object", fields=_route_fields())),
        FieldSpec("skipcheck", "bool", default=False, help="skip CNI CHECK", advanced=True),
    ),
    cni_args=("flushroutes", "flushgateway", "delroutes", "addroutes", "skipcheck"),
    source="route-override cmd/route-override/route-override.go",
    upstream=f"{ROUTE_OVERRIDE_AT}:cmd/route-override/route-override.go#RouteOverrideConfig",
)

# ------------------------------------------------------------------ IPAM cross-field rules
def _net(value: Any, strict: bool) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return network(value, strict)
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
    # (path, set index, effective first..last) of every range, as host-local's Canonicalize fills them in
    spans: list[tuple[str, int, Any, Any]] = []
    for si, (set_path, rs) in enumerate(sets):
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
                            f"address: write {net}", "subnet-host-bits", Fix("set", f"{p}subnet", str(net)))
            if net.prefixlen >= net.max_prefixlen - 1:
                yield Issue("error", f"{p}subnet", f"{subnet} is too small to allocate from (host-local rejects "
                            "/31, /32, /127, /128)", "subnet-too-small")
                continue
            families.add(net.version)
            start, end, gw = _addr(r.get("rangeStart")), _addr(r.get("rangeEnd")), _addr(r.get("gateway"))
            outside = {key for key, a in (("rangeStart", start), ("rangeEnd", end)) if a is not None and a not in net}
            for key in sorted(outside, reverse=True):
                a = start if key == "rangeStart" else end
                yield Issue("error", f"{p}{key}", f"{a} is outside subnet {net} (host-local: '{key[0].upper()}"
                            f"{key[1:]} {a} not in network {net}')", "range-outside-subnet")
            if gw is not None and gw not in net:
                yield Issue("warning", f"{p}gateway", f"gateway {gw} is outside subnet {net}: host-local hands it "
                            "out as the gateway but nothing can reach it", "gateway-outside-subnet")
            if not outside and start is not None and end is not None and start.version == end.version and start > end:
                # host-local checks rangeEnd against [rangeStart, end of subnet] and says it is not in the network
                # host-local says one bound is 'not in network' (which one depends on the release)
                yield Issue("error", f"{p}rangeStart", f"rangeStart {start} is after rangeEnd {end}: host-local "
                            f"refuses it (a bound '... not in network {net}'); swap them", "range-order",
                            Fix("set", p.rstrip(".") if p else "", {**r, "rangeStart": str(end), "rangeEnd": str(start)})
                            if p else Fix("set", "", {**ipam, "rangeStart": str(end), "rangeEnd": str(start)}))
                continue
            if not outside:
                first = start if start is not None else net.network_address + 1
                last = end if end is not None else _last_ip(net)
                spans.append((f"{p}subnet", si, first, last))
        if len(families) > 1:
            yield Issue("error", set_path or "subnet", "a range set must not mix IPv4 and IPv6; put each family "
                        "in its own set", "range-family-mix")
    # host-local refuses ranges whose first..last overlap, within a set and across sets
    for i, (path, si, first, last) in enumerate(spans):
        for other_path, sj, ofirst, olast in spans[:i]:
            if first.version == ofirst.version and first <= olast and ofirst <= last:
                where = "in the same range set" if si == sj else f"(range set {sj} and {si})"
                yield Issue("error", path, f"{first}-{last} overlaps {ofirst}-{olast} at {other_path} {where}; "
                            "host-local rejects overlapping ranges ('range set 0 overlaps with 1' / 'subnets ... "
                            "overlap')", "subnet-overlap")
                break
    yield Issue("info", "type", "host-local allocates per node: pods on different nodes can get the same "
                "address on a shared L2; use whereabouts for a cluster-wide pool", "host-local-per-node")


def _last_ip(net: Any) -> Any:
    """host-local's default rangeEnd: the broadcast address minus one (IPv4), the last address (IPv6)."""
    return net.broadcast_address - 1 if net.version == 4 else net.broadcast_address


def ipam_interface_networks(ipam: dict[str, Any]) -> tuple[list[Any], dict[int, Any]] | None:
    """The networks the interface gets addresses in, and the default gateway per family, as the main
    plugin will see them in the IPAM result; None when they depend on the pod (static without addresses)."""
    itype = ipam.get("type")
    nets: list[Any] = []
    gws: dict[int, Any] = {}
    if itype == "host-local":
        for _path, rs in host_local_ranges(ipam):
            for r in rs:
                net = _net(r.get("subnet"), strict=False)
                if net is None:
                    continue
                nets.append(net)
                gw = _addr(r.get("gateway")) or (net.network_address + 1)
                gws.setdefault(net.version, gw)
    elif itype == "static":
        addrs = ipam.get("addresses")
        if not isinstance(addrs, list) or not addrs:
            return None
        for a in addrs:
            if isinstance(a, dict) and _net(a.get("address"), strict=False) is not None:
                iface = ipaddress.ip_interface(a["address"])
                nets.append(iface.network)
                gw = _addr(a.get("gateway"))
                if gw is not None:
                    gws.setdefault(gw.version, gw)
    elif itype == "whereabouts":
        ranges = [ipam] + [r for r in ipam.get("ipRanges") or [] if isinstance(r, dict)]
        for r in ranges:
            parsed = parse_whereabouts_range(r.get("range"))
            if parsed is not None:
                nets.append(parsed[0])
        addrs = ipam.get("addresses")
        for a in addrs if isinstance(addrs, list) else []:  # another type is the schema check's finding
            if isinstance(a, dict) and _net(a.get("address"), strict=False) is not None:
                nets.append(ipaddress.ip_interface(a["address"]).network)
        gw = _addr(ipam.get("gateway"))
        if gw is not None:
            gws[gw.version] = gw
    else:
        return None
    return (nets, gws) if nets else None


def route_problems(routes: Any, nets: list[Any], gws: dict[int, Any]) -> Iterable[tuple[int, Any, bool]]:
    """(index, next hop, explicit) of each route whose next hop lies on none of the interface's networks.

    The plugins add routes with the interface as device (ipam.ConfigureIface): the kernel refuses an
    off-link next hop ('network is unreachable'). A route without gw uses the IPAM gateway of its family.
    """
    if not isinstance(routes, list):
        return
    for i, r in enumerate(routes):
        if not isinstance(r, dict):
            continue
        dst = _net(r.get("dst"), strict=False)
        explicit = _addr(r.get("gw"))
        gw = explicit if explicit is not None else (gws.get(dst.version) if dst is not None else None)
        if gw is None:
            continue
        if not any(gw.version == n.version and gw in n for n in nets):
            yield i, gw, explicit is not None


def _rule_ipam_routes(ipam: dict[str, Any]) -> Iterable[Issue]:
    known = ipam_interface_networks(ipam)
    if known is None:
        return
    nets, gws = known
    shown = ", ".join(str(n) for n in nets)
    for i, gw, explicit in route_problems(ipam.get("routes"), nets, gws):
        via = f"gw {gw}" if explicit else f"the IPAM gateway {gw} (the route has no gw)"
        yield Issue("error", f"routes[{i}]", f"route via {via} is on none of the interface's networks ({shown}): "
                    "the kernel refuses it and the ADD fails ('network is unreachable'); use a next hop inside "
                    f"{nets[0]}", "route-unreachable")


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


def _rule_whereabouts_range(r: dict[str, Any], p: str, gateway: Any, slice_size: Any) -> Iterable[Issue]:
    raw = r.get("range")
    parsed = parse_whereabouts_range(raw)
    if raw is None:
        return
    if parsed is None:
        yield Issue("error", f"{p}range", f"'{raw}' is not a CIDR or first-last/prefix range (whereabouts: "
                    f"'invalid CIDR {raw}')", "field-format")
        return
    net, first, last = parsed
    host = str(raw).split("/")[0]
    # whereabouts starts a CIDR range at its network address (first usable: +1), so host bits only change
    # the result when they name a later address
    if first is None and _net(raw, strict=True) is None and _addr(host) != net.network_address + 1:
        if slice_size:
            yield Issue("error", f"{p}range", f"{raw} has host bits set, which node_slice_size refuses (whereabouts: "
                        f"'netCIDR is not a valid network address'); write range: {net}", "range-host-bits",
                        Fix("set", f"{p}range", str(net)))
        else:
            yield Issue("warning", f"{p}range", f"{raw} has host bits set: whereabouts uses all of {net}, not "
                        f"from {host}; write range: {net} with range_start: {host} if that was meant",
                        "range-host-bits", Fix("set", f"{p}range", str(net)))
    # whereabouts (iphelpers.GetIPRange) keeps range_start / range_end only inside the usable part of the
    # range, and range_end only from range_start on; a bound it cannot use is dropped silently
    start, end = _addr(r.get("range_start")), _addr(r.get("range_end"))
    for key, a in (("range_start", start), ("range_end", end)):
        if a is not None and (a.version != net.version or a not in net):
            yield Issue("warning", f"{p}{key}", f"{a} is outside range {net}: whereabouts ignores this bound and "
                        "allocates from the whole range; remove it", "range-outside-subnet", Fix("remove", f"{p}{key}"))
    lo, hi = start or first, end or last
    inside = all(a is None or (a.version == net.version and a in net) for a in (lo, hi))
    if inside and lo is not None and hi is not None and lo.version == hi.version and lo > hi:
        key = "range_end" if end is not None else "range"
        yield Issue("warning", f"{p}{key}", f"{hi} is before {lo}: whereabouts ignores that end and allocates from "
                    f"{lo} to the end of {net}", "range-order",
                    Fix("remove", f"{p}range_end") if end is not None else None)
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
        inside_gw = (lo is None or gw >= lo) and (hi is None or gw <= hi)
        if inside_gw and not any(gw in en for en in excluded):
            exclude = [*(excl if isinstance(excl, list) else []), f"{gw}/{gw.max_prefixlen}"]
            yield Issue("warning", f"{p}range", f"gateway {gw} lies in the allocation range: whereabouts may "
                        f"hand it to a pod; add exclude: [{gw}/{gw.max_prefixlen}] or narrow the range",
                        "gateway-in-range", Fix("set", f"{p}exclude", exclude))


def _rule_whereabouts(ipam: dict[str, Any]) -> Iterable[Issue]:
    ranges = ipam.get("ipRanges")
    if not ipam.get("range") and not (isinstance(ranges, list) and ranges):
        yield Issue("error", "range", "whereabouts needs range (or ipRanges): there is nothing to allocate from",
                    "whereabouts-no-range")
    slice_size = ipam.get("node_slice_size")
    if isinstance(slice_size, str) and slice_size:
        if not re.fullmatch(r"/?\d+", slice_size.strip()):
            yield Issue("error", "node_slice_size", f"node_slice_size {slice_size!r} must be a prefix length like "
                        "/22 (whereabouts cannot divide the range and no node gets a slice)", "field-format")
        else:
            size = int(slice_size.strip().lstrip("/"))
            parsed = parse_whereabouts_range(ipam.get("range") or (ranges[0].get("range") if isinstance(ranges, list)
                                                                  and ranges and isinstance(ranges[0], dict)
                                                                  else None))
            if parsed is not None and size < parsed[0].prefixlen:
                yield Issue("error", "node_slice_size", f"slice /{size} is larger than the range {parsed[0]} "
                            "(whereabouts: 'subnetMaskSize must be greater or equal than netMaskSize')",
                            "field-range", Fix("set", "node_slice_size", f"/{parsed[0].prefixlen}"))
    yield from _rule_whereabouts_range(ipam, "", ipam.get("gateway"), slice_size)
    if isinstance(ranges, list):
        for i, r in enumerate(ranges):
            if isinstance(r, dict):
                yield from _rule_whereabouts_range(r, f"ipRanges[{i}].", ipam.get("gateway"), None)
    yield from _rule_ipam_routes(ipam)


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
            # the more precise finding at this path: validate drops the generic field-format one
            bare = a["address"]
            prefix = 32 if is_ip(bare) and ipaddress.ip_address(bare).version == 4 else 64
            yield Issue("error", f"addresses[{i}].address", f"'{bare}' is NOT in CIDR notation (static refuses "
                        f"it); write {bare}/{prefix} or the prefix of its subnet", "static-not-cidr",
                        Fix("set", f"addresses[{i}].address", f"{bare}/{prefix}") if is_ip(bare) else None)
        if isinstance(a, dict):
            net = _net(a.get("address"), strict=False)
            gw = _addr(a.get("gateway"))
            if net is not None and gw is not None:
                iface = ipaddress.ip_interface(a["address"])
                if gw.version == iface.version and gw not in iface.network:
                    yield Issue("warning", f"addresses[{i}].gateway", f"gateway {gw} is outside {iface.network}: "
                                "nothing can reach it", "gateway-outside-subnet")
    yield from _rule_ipam_routes(ipam)


def _rule_dhcp(ipam: dict[str, Any]) -> Iterable[Issue]:
    yield Issue("info", "type", "dhcp needs the CNI dhcp daemon on every node and a DHCP server on the "
                "master's L2 ('error dialing DHCP daemon' otherwise)", "dhcp-daemon")


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
    upstream=f"{CNI_PLUGINS_AT}:plugins/ipam/static/main.go#IPAMConfig",
    rules=(_rule_static,),
    internal=("Name",),
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
    upstream=f"{CNI_PLUGINS_AT}:plugins/ipam/host-local/backend/allocator/config.go#IPAMConfig",
    rules=(_rule_host_local, _rule_ipam_routes),
    internal=("Name",),
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
    upstream=f"{CNI_PLUGINS_AT}:plugins/ipam/dhcp/main.go#IPAMConfig",
    rules=(_rule_dhcp,),
)
# whereabouts reads range_start/range_end as strings and drops what does not parse as an IP
# (types.go backwardsCompatibleIPAddress): a bad bound is ignored, not refused.
_WB_RANGE_FIELDS = (
    FieldSpec("range", "str", required=True, placeholder="192.168.2.0/24",
              help="CIDR, or first-last/prefix (e.g. 192.168.2.225-192.168.2.230/28)"),
    FieldSpec("range_start", "ip", lenient=True, help="first address inside range"),
    FieldSpec("range_end", "ip", lenient=True, help="last address inside range"),
    FieldSpec("exclude", "cidr-list", help="CIDRs never handed out"),
)
_WHEREABOUTS = PluginSpec(
    type="whereabouts",
    role="ipam",
    title="whereabouts",
    help="Cluster-wide pool (IPPool CRDs): no address is handed out twice across nodes.",
    fields=(
        # `range` is required unless ipRanges is given: the whereabouts rule says so once
        replace(_WB_RANGE_FIELDS[0], required=False),
        *_WB_RANGE_FIELDS[1:],
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
                  lenient=True, help="log level (another value keeps the default)"),
        FieldSpec("reconciler_cron_expression", "str", advanced=True, help="ip-reconciler schedule"),
        FieldSpec("sleep_for_race", "int", min=0, advanced=True, help="test hook"),
        FieldSpec("configuration_path", "str", advanced=True, help="flat config file"),
        FieldSpec("kubernetes", "object", advanced=True, help="API access (normally from the flat file)",
                  fields=(FieldSpec("kubeconfig", "str", help="kubeconfig path"),
                          FieldSpec("k8s_api_root", "str", help="API root"))),
    ),
    source="4.16",
    upstream=f"{WHEREABOUTS_AT}:pkg/types/types.go#IPAMConfig",
    rules=(_rule_whereabouts,),
    # decoded, then overwritten (Gateway from gateway, Name from the network, pod from CNI_ARGS)
    internal=("Name", "Gateway", "PodName", "PodNamespace"),
)



def _alias(spec: PluginSpec, name: str, who: str) -> PluginSpec:
    return replace(spec, type=name, alias_of=spec.type, title=f"{spec.title} ({who})",
                   help=f"{who}'s name for the {spec.type} plugin (the same binary). {spec.help}")


_CNV_BRIDGE = _alias(_BRIDGE, "cnv-bridge", "OpenShift Virtualization")
_CNV_TUNING = _alias(_TUNING, "cnv-tuning", "OpenShift Virtualization")


def _table(*plugin_specs: PluginSpec) -> Mapping[str, PluginSpec]:
    """A read-only table by type: each spec is complete where it is declared, nothing patches it later."""
    return MappingProxyType({s.type: s for s in plugin_specs})


#: main (interface-creating) plugins
PLUGINS = _table(_MACVLAN, _IPVLAN, _BRIDGE, _HOST_DEVICE, _VLAN, _PTP, _OVS, _SRIOV, _DUMMY, _BOND, _IB_SRIOV, _OVN,
                 _CNV_BRIDGE)
#: chained (meta) plugins: need a prevResult, must come after a main plugin
CHAINED = _table(_TUNING, _SBR, _PORTMAP, _BANDWIDTH, _ROUTE_OVERRIDE, _CNV_TUNING)
#: IPAM types
IPAMS = _table(_STATIC, _HOST_LOCAL, _WHEREABOUTS, _DHCP)

#: plugins known to be chained-only besides those we spec (ovs mirrors, firewall, vrf)
OTHER_CHAINED = frozenset({"ovs-mirror-producer", "ovs-mirror-consumer", "firewall", "vrf"})

#: keys every plugin object may carry beyond its own fields: libcni's types.NetConf (cniVersion, name,
#: type, capabilities, ipam, dns, prevResult, cni.dev/valid-attachments), what libcni and Multus add
#: (args, runtimeConfig) and what Multus injects from a resourceName (deviceID, pciBusID)
GENERIC_KEYS = ("cniVersion", "name", "type", "capabilities", "ipam", "dns", "args", "runtimeConfig",
                "prevResult", "cni.dev/valid-attachments", "deviceID", "pciBusID")


def spec_for(type_: str | None) -> PluginSpec | None:
    """The spec of a main, chained or IPAM type, or None when we have none."""
    if not isinstance(type_, str):
        return None
    return PLUGINS.get(type_) or CHAINED.get(type_) or IPAMS.get(type_)


# ------------------------------------------------------------------ form <-> config helpers
# text kinds kept as typed once they pass their check: kind -> (check, what the field needs)
_TEXT_KINDS: Mapping[str, tuple[Callable[[str], bool], str]] = MappingProxyType({
    "cidr": (is_cidr, "CIDR needed, e.g. 192.168.0.0/24"),
    "ip": (is_ip, "an IP address is needed"),
    "mac": (is_mac, "MAC like 02:00:00:00:00:01 needed"),
    "ifname": (is_ifname, "1-15 characters, no '/', ':' or spaces"),
})


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
    if kind in _TEXT_KINDS:
        ok, need = _TEXT_KINDS[kind]
        if not ok(text):
            raise ConfigError(f"{spec.name}: {need}")
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
