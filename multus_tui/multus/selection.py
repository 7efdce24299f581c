"""The pod annotation `k8s.v1.cni.cncf.io/networks`: parse, validate, render.

Rules come from multus-reference.md section 2 (which cites multus:pkg/k8sclient/k8sclient.go
`parsePodNetworkAnnotation` / `parsePodNetworkObjectName` and nad-client types.go):

* 2.1 the value is JSON when it contains any of ``[ { "``, otherwise the short form;
* 2.2 short form ``[ns/]name[@ifname]`` items separated by commas, whitespace trimmed, ns and name
  matching the DNS-1123 label regex, ifname <= 15 bytes without ``/`` or whitespace;
* 2.3 every JSON key, decoded the way Go's encoding/json does (case-insensitive key match,
  unknown keys ignored by Multus but kept here in ``Selection.extra`` and reported).

`parse_networks` raises `AnnotationError` exactly where Multus would refuse the annotation (so the
sandbox can use it as its parser); everything Multus accepts but that will not do what the user
expects is reported by `selection_problems` instead.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.names import LABEL_RE, SUBDOMAIN_RE

NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks"

IFNAMSIZ = 16  # kernel limit incl. the NUL byte: names are at most 15 bytes

_SHORT_MISMATCH = (
    "parsePodNetworkObjectName: Failed to parse: one or more items did not match comma-delimited "
    "format (must consist of lower case alphanumeric characters). Must start and end with an "
    "alphanumeric character), mismatch @ '{}'"
)
_JSON_PREFIX = (
    "parsePodNetworkAnnotation: failed to parse pod Network Attachment Selection Annotation JSON format: "
)

# JSON key -> Selection attribute, in the canonical render order (2.3).
_KEYS: dict[str, str] = {
    "name": "name",
    "namespace": "namespace",
    "interface": "interface",
    "ips": "ips",
    "mac": "mac",
    "default-route": "default_route",
    "cni-args": "cni_args",
    "portMappings": "port_mappings",
    "bandwidth": "bandwidth",
    "infiniband-guid": "infiniband_guid",
    "ipam-claim-reference": "ipam_claim_reference",
    "deviceID": "device_id",
}
# Deprecated alias Multus still honours (2.3, 6): used only when `interface` is empty.
_ALIAS_INTERFACE = "interfaceRequest"

# Keys people write by mistake -> the key they meant (2.3, 5.3; corpus macvlan-pod.yml uses gateway).
_SUGGEST = {
    "gateway": "default-route",
    "gateways": "default-route",
    "defaultroute": "default-route",
    "default_route": "default-route",
    "defaultRoute": "default-route",
    "ip": "ips",
    "ipaddress": "ips",
    "address": "ips",
    "addresses": "ips",
    "ifname": "interface",
    "iface": "interface",
    "interfacename": "interface",
    "macaddress": "mac",
    "mac-address": "mac",
    "mac_address": "mac",
    "cniargs": "cni-args",
    "cni_args": "cni-args",
    "args": "cni-args",
    "portmappings": "portMappings",
    "port-mappings": "portMappings",
    "ns": "namespace",
    "network": "name",
    "infinibandguid": "infiniband-guid",
    "infinibandGUID": "infiniband-guid",
    "deviceid": "deviceID",
    "device-id": "deviceID",
}


@dataclass(slots=True)
class Selection:
    """One element of the networks annotation (multus-reference.md 2.3)."""

    name: str
    namespace: str | None = None
    interface: str | None = None
    ips: list[str] | None = None
    mac: str | None = None
    default_route: list[str] | None = None
    cni_args: dict | None = None
    port_mappings: list | None = None
    bandwidth: dict | None = None
    infiniband_guid: str | None = None
    ipam_claim_reference: str | None = None
    device_id: str | None = None
    extra: dict = field(default_factory=dict)
    # JSON keys as the user wrote them when they differ from the canonical spelling
    # (case variants, `interfaceRequest`); informational, never rendered.
    key_spelling: dict = field(default_factory=dict, compare=False, repr=False)

    def target(self, pod_namespace: str | None) -> tuple[str, str]:
        """(namespace, name) of the NAD this selects; empty namespace means the pod's (2.4)."""
        return (self.namespace or pod_namespace or "default", self.name)

    def ref(self, pod_namespace: str | None) -> str:
        """`ns/name`, the form network-status uses for secondaries."""
        ns, name = self.target(pod_namespace)
        return f"{ns}/{name}"

    def short_form_ok(self) -> bool:
        """True when this element can be written as `[ns/]name[@ifname]` and read back by both
        Multus and nad-client (2.2: only when ifname also matches the label regex)."""
        if any(getattr(self, attr) not in (None, [], {}) for attr in _SHORT_FORBIDDEN):
            return False
        if self.extra:
            return False
        if not LABEL_RE.match(self.name):
            return False
        if self.namespace and not LABEL_RE.match(self.namespace):
            return False
        if self.interface and (
            not LABEL_RE.match(self.interface) or len(self.interface.encode()) >= IFNAMSIZ
        ):
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """The JSON object, canonical key order, unknown keys last in their original order."""
        out: dict[str, Any] = {}
        for key, attr in _KEYS.items():
            value = getattr(self, attr)
            if value is None:
                continue
            if attr in ("namespace", "interface", "mac", "infiniband_guid", "device_id",
                        "ipam_claim_reference") and value == "":
                continue  # Go's omitempty: an empty string means "not given"
            out[key] = value
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


_SHORT_FORBIDDEN = (
    "ips", "mac", "default_route", "cni_args", "port_mappings", "bandwidth", "infiniband_guid",
    "ipam_claim_reference", "device_id",
)


class SelectionProblem(NamedTuple):
    """A finding about a selection that Multus accepts but that is wrong or surprising.

    A plain tuple so validate.py (which owns `Finding`) can wrap it without importing anything
    from here but this type: ``Finding(*problem)``.
    """

    severity: str  # "error" | "warning" | "info"
    path: str  # e.g. "networks[0].gateway"
    message: str
    code: str


# --------------------------------------------------------------------------- Go-style decoding


def go_match_keys(obj: dict, known: Iterable[str]) -> tuple[dict[str, tuple[str, Any]], dict]:
    """Assign the keys of a decoded JSON object to known field names the way Go's encoding/json
    does: an exact match wins, otherwise a case-insensitive one; a later duplicate overwrites an
    earlier one. Returns ({known_key: (key_as_written, value)}, {unknown_key: value})."""
    known = list(known)
    folded = {k.lower(): k for k in known}
    matched: dict[str, tuple[str, Any]] = {}
    extra: dict = {}
    for key, value in obj.items():
        target = key if key in known else folded.get(key.lower())
        if target is None:
            extra[key] = value
        else:
            matched[target] = (key, value)
    return matched, extra


def go_key(obj: Mapping[str, Any], name: str) -> str:
    """The key of `obj` whose value Go's encoding/json decodes into field `name`: the last key that
    matches it exactly or ignoring case (a later duplicate overwrites), `name` itself when none does."""
    matched, _ = go_match_keys({k: v for k, v in obj.items() if isinstance(k, str)}, [name])
    return matched[name][0] if name in matched else name


def json_type(value: Any, *, go: bool = False) -> str:
    """The JSON type of a decoded value: null, boolean, number, string, array or object.

    `go=True` names a boolean "bool", as Go's encoding/json errors do (the messages here quote them).
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool" if go else "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_error(key: str, value: Any, gotype: str, struct: str = "NetworkSelectionElement") -> AnnotationError:
    # Same wording as Go's *json.UnmarshalTypeError, so users can search for it.
    return AnnotationError(
        f"{_JSON_PREFIX}json: cannot unmarshal {json_type(value, go=True)} into Go struct field "
        f"{struct}.{key} of type {gotype}"
    )


def _want_str(key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _type_error(key, value, "string")


def _want_int(key: str, value: Any, struct: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _type_error(key, value, "int", struct)
    if isinstance(value, float):
        if not value.is_integer():
            raise AnnotationError(
                f"{_JSON_PREFIX}json: cannot unmarshal number {value} into Go struct field {struct}.{key} of type int"
            )
        value = int(value)
    if not -(2**63) <= value < 2**63:
        raise AnnotationError(
            f"{_JSON_PREFIX}json: cannot unmarshal number {value} into Go struct field {struct}.{key} of type int"
        )
    return value


def _want_str_list(key: str, value: Any, gotype: str = "[]string") -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _type_error(key, value, gotype)
    out = []
    for item in value:
        if item is None:
            item = ""  # Go leaves the zero value for a null element
        if not isinstance(item, str):
            raise _type_error(key, item, gotype[2:])
        out.append(item)
    return out


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP the way Go's net.ParseIP reads it (no zone, no prefix), or None."""
    if "%" in text or "/" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_ip_or_cidr(text: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface | None:
    """`ip` or `ip/prefix` as Multus accepts in `ips` (net.ParseIP / net.ParseCIDR), or None."""
    if "%" in text:
        return None
    if "/" in text:
        addr, _, prefix = text.partition("/")
        if not prefix.isdigit() or parse_ip(addr) is None:
            return None
        try:
            return ipaddress.ip_interface(f"{addr}/{int(prefix)}")
        except ValueError:
            return None
    ip = parse_ip(text)
    return ipaddress.ip_interface(ip) if ip is not None else None


_MAC_COLON = re.compile(r"^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2})*$")
_MAC_DOT = re.compile(r"^[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4})*$")


def parse_mac(text: str) -> bytes | None:
    """Bytes of a hardware address as Go's net.ParseMAC accepts it (6, 8 or 20 bytes; `:`, `-`
    or `.`-separated groups), else None. Multus validates `mac` and `infiniband-guid` with it."""
    if _MAC_COLON.match(text):
        raw = bytes(int(p, 16) for p in re.split("[:-]", text))
    elif _MAC_DOT.match(text):
        raw = bytes.fromhex(text.replace(".", ""))
    else:
        return None
    return raw if len(raw) in (6, 8, 20) else None


# --------------------------------------------------------------------------- parse


# Short-form value -> ((name, namespace or None, interface or None), ...): only values that parsed.
_SHORT_CACHE: dict[str, tuple[tuple[str, str | None, str | None], ...]] = {}
_SHORT_CACHE_MAX = 4096


def parse_networks(value: str, pod_namespace: str | None = None) -> list[Selection]:
    """Parse the value of `k8s.v1.cni.cncf.io/networks` like Multus does (2.1-2.3).

    When `pod_namespace` is given, elements without a namespace get it (as Multus does); without
    it they keep ``namespace=None`` so rendering gives back what was written.
    Raises AnnotationError (message shaped like Multus' own) where Multus would reject the pod.
    """
    if not isinstance(value, str):
        raise AnnotationError("parsePodNetworkAnnotation: annotation value is not a string")
    if value == "":
        raise AnnotationError('parsePodNetworkAnnotation: pod annotation does not have "network" as key')
    if "[" in value or "{" in value or '"' in value:
        selections = _parse_json(value)
    else:
        # Replicas share their annotation: the short form is parsed once per distinct value, and
        # each call gets Selections of its own (callers may mutate them; the cache holds tuples).
        parsed = _SHORT_CACHE.get(value)
        if parsed is None:
            parsed = tuple((s.name, s.namespace, s.interface)
                           for s in (_parse_short_item(item, i) for i, item in enumerate(value.split(","))))
            if len(_SHORT_CACHE) >= _SHORT_CACHE_MAX:
                _SHORT_CACHE.clear()  # bounded; a cluster has far fewer distinct values than this
            _SHORT_CACHE[value] = parsed
        ns_default = pod_namespace or None
        return [Selection(name, namespace or ns_default, interface) for name, namespace, interface in parsed]
    if pod_namespace:
        for sel in selections:
            if not sel.namespace:
                sel.namespace = pod_namespace
    return selections


def _parse_short_item(item: str, index: int) -> Selection:
    item = item.strip()
    slash = item.split("/")
    if len(slash) == 2:
        namespace, rest = slash[0].strip(), slash[1]
    elif len(slash) == 1:
        namespace, rest = "", slash[0]
    else:
        raise AnnotationError(
            "parsePodNetworkAnnotation: parsePodNetworkObjectName: Invalid network object (failed at '/')"
        )
    at = rest.split("@")
    name = at[0].strip()
    ifname = ""
    if len(at) == 2:
        ifname = at[1].strip()
    elif len(at) != 1:
        raise AnnotationError(
            "parsePodNetworkAnnotation: parsePodNetworkObjectName: Invalid network object (failed at '@')"
        )
    for part in (namespace, name):
        if part and not LABEL_RE.match(part):
            raise AnnotationError("parsePodNetworkAnnotation: " + _SHORT_MISMATCH.format(part))
    if not name:
        # Multus lets an empty name through and then fails the NAD lookup; say it plainly.
        raise AnnotationError(
            f"parsePodNetworkAnnotation: item {index + 1} has an empty network name "
            f"(stray comma or '/'?) in {item!r}"
        )
    if ifname and (len(ifname.encode()) > IFNAMSIZ - 1 or re.search(r"[\s/]", ifname)):
        raise AnnotationError(
            "parsePodNetworkAnnotation: parsePodNetworkObjectName: Failed to parse interface name: must be "
            f"less than 15 chars and not contain '/' or spaces. interface name '{ifname}'"
        )
    return Selection(name=name, namespace=namespace or None, interface=ifname or None)


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity; Go's does not.
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _parse_json(value: str) -> list[Selection]:
    try:
        data = json.loads(value, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        where = f" (line {exc.lineno} column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise AnnotationError(f"{_JSON_PREFIX}{msg}{where}") from None
    if data is None:
        return []  # Go decodes `null` into a nil slice: no networks
    if not isinstance(data, list):
        raise AnnotationError(
            f"{_JSON_PREFIX}json: cannot unmarshal {json_type(data, go=True)} into Go value of type "
            "[]*types.NetworkSelectionElement"
        )
    out = []
    for i, element in enumerate(data):
        if not isinstance(element, dict):
            raise AnnotationError(
                f"{_JSON_PREFIX}json: cannot unmarshal {json_type(element, go=True)} into Go value of type "
                f"types.NetworkSelectionElement (element {i})"
            )
        out.append(selection_from_dict(element))
    return out


def selection_from_dict(obj: dict) -> Selection:
    """One decoded JSON element -> Selection, with Multus' per-key validation (2.3)."""
    matched, extra = go_match_keys(obj, [*_KEYS, _ALIAS_INTERFACE])
    spelling = {k: written for k, (written, _) in matched.items() if written != k}

    def get(key: str) -> Any:
        return matched[key][1] if key in matched else None

    # Go semantics: an empty string is the zero value, i.e. "not given" (omitempty on the way out).
    sel = Selection(name=_want_str("name", get("name")) or "", extra=extra, key_spelling=spelling)
    sel.namespace = _want_str("namespace", get("namespace")) or None
    sel.interface = _want_str("interface", get("interface")) or None
    alias = _want_str("interfaceRequest", get(_ALIAS_INTERFACE))
    if alias and not sel.interface:
        sel.interface = alias
        spelling["interface"] = matched[_ALIAS_INTERFACE][0]
    sel.mac = _want_str("mac", get("mac")) or None
    sel.infiniband_guid = _want_str("infiniband-guid", get("infiniband-guid")) or None
    sel.ipam_claim_reference = _want_str("ipam-claim-reference", get("ipam-claim-reference")) or None
    sel.device_id = _want_str("deviceID", get("deviceID")) or None
    sel.ips = _want_str_list("ips", get("ips"))
    sel.default_route = _want_str_list("default-route", get("default-route"), "[]net.IP")
    if "default-route" in matched and matched["default-route"][1] is not None and sel.default_route is None:
        sel.default_route = []
    cni_args = get("cni-args")
    if cni_args is not None and not isinstance(cni_args, dict):
        raise _type_error("cni-args", cni_args, "map[string]interface {}")
    sel.cni_args = cni_args
    sel.port_mappings = _port_mappings(get("portMappings"))
    sel.bandwidth = _bandwidth(get("bandwidth"))

    # Multus' own checks after decoding (parsePodNetworkAnnotation).
    for gw in sel.default_route or []:
        if parse_ip(gw) is None:
            raise AnnotationError(f"{_JSON_PREFIX}invalid IP address: {gw}")
    if sel.mac and parse_mac(sel.mac) is None:
        raise AnnotationError(f"parsePodNetworkAnnotation: failed to mac: address {sel.mac}: invalid MAC address")
    if sel.infiniband_guid and parse_mac(sel.infiniband_guid) is None:
        raise AnnotationError(
            "parsePodNetworkAnnotation: failed to validate infiniband GUID: "
            f"address {sel.infiniband_guid}: invalid MAC address"
        )
    for ip in sel.ips or []:
        if parse_ip_or_cidr(ip) is None:
            if "/" in ip:
                raise AnnotationError(f'failed to parse CIDR "{ip}": invalid CIDR address: {ip}')
            raise AnnotationError(f'failed to parse IP address "{ip}"')
    return sel


def _port_mappings(value: Any) -> list | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _type_error("portMappings", value, "[]*types.PortMapEntry")
    out = []
    for entry in value:
        if entry is None:
            out.append(None)
            continue
        if not isinstance(entry, dict):
            raise _type_error("portMappings", entry, "types.PortMapEntry")
        matched, extra = go_match_keys(entry, ["hostPort", "containerPort", "protocol", "hostIP"])
        # Keep the user's dict (lossless), but type-check what Go would decode.
        for key in ("hostPort", "containerPort"):
            if key in matched:
                _want_int(key, matched[key][1], "PortMapEntry")
        for key in ("protocol", "hostIP"):
            if key in matched and not isinstance(matched[key][1], (str, type(None))):
                raise _type_error(key, matched[key][1], "string", "PortMapEntry")
        out.append(entry)
    return out


def _bandwidth(value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _type_error("bandwidth", value, "types.BandwidthEntry")
    matched, _ = go_match_keys(value, ["ingressRate", "ingressBurst", "egressRate", "egressBurst"])
    for key, (_, v) in matched.items():
        _want_int(key, v, "BandwidthEntry")
    return value


# --------------------------------------------------------------------------- render


def render_networks(selections: Sequence[Selection]) -> str:
    """The annotation value: short form when every element allows it (2.2), else compact JSON
    with keys in a stable order (name, namespace, interface, ips, mac, default-route, ...)."""
    if selections and all(s.short_form_ok() for s in selections):
        parts = []
        for s in selections:
            item = f"{s.namespace}/{s.name}" if s.namespace else s.name
            if s.interface:
                item += f"@{s.interface}"
            parts.append(item)
        return ",".join(parts)
    return json.dumps([s.to_dict() for s in selections], separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------- problems


def expected_interfaces(selections: Sequence[Selection], default_networks: int = 0) -> list[str]:
    """Interface name each selection will get (2.5): its requested name, else `net<index>` where
    index is its position in [cluster default, defaultNetworks..., selections...]."""
    return [
        s.interface or f"net{i + 1 + default_networks}" for i, s in enumerate(selections)
    ]


def _valid_ifname(name: str) -> str | None:
    """Why the kernel (dev_valid_name) would refuse this name, or None."""
    if not name:
        return "is empty"
    if len(name.encode()) > IFNAMSIZ - 1:
        return f"is {len(name.encode())} bytes long; Linux allows at most 15"
    if name in (".", ".."):
        return "cannot be '.' or '..'"
    if re.search(r"[\s/:]", name):
        return "cannot contain '/', ':' or whitespace"
    return None


def selection_problems(
    selections: Sequence[Selection], prefix: str = "networks", default_networks: int = 0
) -> list[SelectionProblem]:
    """Everything Multus accepts in these selections but that is wrong or will silently not do
    what the user expects (2.3-2.6, 5.3). Paths look like ``networks[0].gateway``."""
    out: list[SelectionProblem] = []

    def add(sev: str, i: int, key: str | None, msg: str, code: str) -> None:
        path = f"{prefix}[{i}]" + (f".{key}" if key else "")
        out.append(SelectionProblem(sev, path, msg, code))

    gateways: dict[int, list[tuple[int, str]]] = {4: [], 6: []}
    names = expected_interfaces(selections, default_networks)
    seen_if: dict[str, int] = {}
    for i, s in enumerate(selections):
        _name_problems(s, i, add)
        for key, value in s.extra.items():
            _unknown_key(key, value, i, add)
        for canon, written in s.key_spelling.items():
            if written == _ALIAS_INTERFACE or written.lower() == _ALIAS_INTERFACE.lower():
                add("info", i, written, "'interfaceRequest' is a deprecated alias; write 'interface'",
                    "deprecated-key")
            else:
                add("info", i, written,
                    f"Multus matches keys case-insensitively, other implementations may not; write '{canon}'",
                    "key-case")
        # interfaces (2.5): valid Linux names, unique inside the pod, not the pod's own.
        ifname = names[i]
        if s.interface is not None:
            why = _valid_ifname(s.interface)
            if why:
                add("error", i, "interface", f"interface name '{s.interface}' {why}", "bad-interface")
            elif s.interface in ("eth0", "lo"):
                add("error", i, "interface",
                    f"'{s.interface}' already exists in every pod (cluster network / loopback); "
                    "Multus fails with 'validateIfName: interface name "
                    f"{s.interface} already exists'", "interface-taken")
        if ifname in seen_if:
            j = seen_if[ifname]
            add("error", i, "interface" if s.interface else None,
                f"interface name '{ifname}' is also used by networks[{j}]; the second ADD fails "
                f"with 'validateIfName: interface name {ifname} already exists'", "duplicate-interface")
        else:
            seen_if[ifname] = i
        # ips (2.3, 4.13)
        for k, ip in enumerate(s.ips or []):
            if "/" not in ip:
                example = f"{ip}/64" if ":" in ip else f"{ip}/24"
                add("warning", i, f"ips[{k}]",
                    f"'{ip}' has no prefix length; static IPAM rejects it ('is NOT in CIDR notation'); "
                    f"write e.g. '{example}'", "ips-no-prefix")
        if s.ips is not None and not s.ips:
            add("warning", i, "ips", "empty 'ips' list requests nothing; remove the key", "empty-ips")
        if s.ips and s.ipam_claim_reference:
            add("error", i, "ipam-claim-reference",
                "'ipam-claim-reference' cannot be combined with 'ips' (multi-net spec v1.3)",
                "ipam-claim-with-ips")
        elif s.ipam_claim_reference:
            add("info", i, "ipam-claim-reference",
                "Multus ignores 'ipam-claim-reference'; only OVN-Kubernetes (allowPersistentIPs) consumes it",
                "ipam-claim-ignored")
        # mac (2.3): 6-byte unicast
        if s.mac:
            raw = parse_mac(s.mac)
            if raw is not None and len(raw) != 6:
                add("warning", i, "mac",
                    f"'{s.mac}' is a {len(raw)}-byte address; an Ethernet MAC has 6 bytes (xx:xx:xx:xx:xx:xx)",
                    "mac-length")
            elif raw is not None and raw[0] & 1:
                add("error", i, "mac",
                    f"'{s.mac}' is a multicast address (lowest bit of the first octet set); "
                    "an interface needs a unicast MAC, e.g. with first octet 02", "mac-multicast")
            elif raw is not None and raw == bytes(6):
                add("error", i, "mac", "all-zero MAC cannot be assigned to an interface", "mac-zero")
        if s.infiniband_guid:
            raw = parse_mac(s.infiniband_guid)
            if raw is not None and len(raw) != 8:
                add("warning", i, "infiniband-guid",
                    f"an InfiniBand GUID has 8 bytes; '{s.infiniband_guid}' has {len(raw)}", "guid-length")
        # default-route (2.6)
        if s.default_route is not None:
            if not s.default_route:
                add("warning", i, "default-route",
                    "an empty 'default-route' list removes every default route in the pod (2.6)",
                    "default-route-empty")
            for gw in s.default_route:
                ip = parse_ip(gw)
                if ip is not None:
                    gateways[ip.version].append((i, gw))
            _gateway_reachability(s, i, add)
        _port_problems(s, i, add)
        _bandwidth_problems(s, i, add)
    for fam, gws in gateways.items():
        if len(gws) > 1:
            for i, _gw in gws[1:]:
                add("error", i, "default-route",
                    f"more than one IPv{fam} default-route in the pod ({', '.join(g for _, g in gws)}): "
                    "multus does not support ECMP for default-route", "ecmp-default-route")
    return out


def _name_problems(s: Selection, i: int, add: Any) -> None:
    if not s.name:
        add("error", i, "name", "'name' is required (the NAD to attach)", "missing-name")
    elif not SUBDOMAIN_RE.match(s.name) or len(s.name) > 253:
        add("error", i, "name",
            f"'{s.name}' cannot be a NAD name (lower-case DNS-1123 subdomain); no NAD will be found",
            "bad-name")
    if s.namespace and (not LABEL_RE.match(s.namespace) or len(s.namespace) > 63):
        add("error", i, "namespace",
            f"'{s.namespace}' is not a valid namespace name (DNS-1123 label)", "bad-namespace")


def _unknown_key(key: str, value: Any, i: int, add: Any) -> None:
    if "." in key:
        add("info", i, key, f"vendor key '{key}' is ignored by Multus", "vendor-key")
        return
    known = [*_KEYS, _ALIAS_INTERFACE]
    meant = _SUGGEST.get(key) or _SUGGEST.get(key.lower())
    if meant is None:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        meant = close[0] if close else None
    hint = f"; did you mean '{meant}'?" if meant else f"; known keys: {', '.join(_KEYS)}"
    add("warning", i, key, f"unknown key '{key}' is silently ignored by Multus{hint}", "unknown-key")


def _gateway_reachability(s: Selection, i: int, add: Any) -> None:
    """A default-route gateway outside every requested `ips` subnet of its family cannot be
    reached through this attachment (2.6: Multus does not check)."""
    nets = [n for n in (parse_ip_or_cidr(ip) for ip in s.ips or []) if n is not None and "/" in str(n)]
    for gw in s.default_route or []:
        ip = parse_ip(gw)
        if ip is None:
            continue
        fam = [n for n in nets if n.version == ip.version]
        if fam and not any(ip in n.network for n in fam):
            add("warning", i, "default-route",
                f"gateway {gw} is outside the requested {', '.join(str(n) for n in fam)}; "
                "the pod will lose its default route", "default-route-unreachable")


def _port_problems(s: Selection, i: int, add: Any) -> None:
    for k, pm in enumerate(s.port_mappings or []):
        path = f"portMappings[{k}]"
        if not isinstance(pm, dict):
            add("error", i, path, "port mapping must be an object", "bad-port-mapping")
            continue
        matched, extra = go_match_keys(pm, ["hostPort", "containerPort", "protocol", "hostIP"])
        for key in ("hostPort", "containerPort"):
            v = matched.get(key, (key, None))[1]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 1 <= v <= 65535:
                add("error", i, f"{path}.{key}", f"{key} must be a port 1-65535 (got {v!r})", "bad-port")
        proto = matched.get("protocol", ("protocol", None))[1]
        if proto and proto.lower() not in ("tcp", "udp", "sctp"):
            add("error", i, f"{path}.protocol", f"protocol must be TCP, UDP or SCTP (got {proto!r})",
                "bad-protocol")
        host_ip = matched.get("hostIP", ("hostIP", None))[1]
        if host_ip and parse_ip(host_ip) is None:
            add("error", i, f"{path}.hostIP", f"hostIP '{host_ip}' is not an IP address", "bad-host-ip")
        for key in extra:
            add("warning", i, f"{path}.{key}", f"unknown port mapping key '{key}' is ignored", "unknown-key")


def _bandwidth_problems(s: Selection, i: int, add: Any) -> None:
    if s.bandwidth is None:
        return
    matched, extra = go_match_keys(s.bandwidth, ["ingressRate", "ingressBurst", "egressRate", "egressBurst"])
    vals = {k: v for k, (_, v) in matched.items() if v is not None}
    for key, v in vals.items():
        if v < 0:
            add("error", i, f"bandwidth.{key}", f"{key} cannot be negative", "bad-bandwidth")
    for d in ("ingress", "egress"):
        rate, burst = vals.get(f"{d}Rate", 0), vals.get(f"{d}Burst", 0)
        if bool(rate) != bool(burst):
            add("error", i, "bandwidth",
                f"the bandwidth plugin needs {d}Rate and {d}Burst together (got rate={rate}, burst={burst})",
                "bandwidth-pair")
        if burst and burst // 8 >= 2**32:
            add("error", i, f"bandwidth.{d}Burst", f"{d}Burst/8 must be below 4 GiB", "bad-bandwidth")
    for key in extra:
        add("warning", i, f"bandwidth.{key}", f"unknown bandwidth key '{key}' is ignored", "unknown-key")
