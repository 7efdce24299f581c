"""The pod annotation `k8s.v1.cni.cncf.io/network-status` (and the legacy `networks-status`).

Rules from multus-reference.md section 3: the Go type is nad-client `NetworkStatus`; `interface`,
`ips`, `mac`, `mtu`, `default`, `gateway`, `device-info` are all optional (3.1), the cluster
default entry usually lacks `interface` and carries a bare CNI network name, older Multus wrote
bare NAD names for secondaries (the quickstart sample), spec examples carry `default-route` and
`infiniband-guid` that no Go type has. The parser tolerates all of that; it raises
AnnotationError only when the value is not JSON or not a list of objects, or when a known key
has a type Go could not decode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.selection import go_match_keys

NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status"
LEGACY_NETWORKS_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/networks-status"

# Go struct order of nad-client NetworkStatus (3.1); json.Marshal writes fields in this order.
_KEYS = ("name", "interface", "ips", "mac", "mtu", "default", "dns", "device-info", "gateway")
_DNS_KEYS = ("nameservers", "domain", "search", "options")
_KEY_SET = frozenset(_KEYS)


@dataclass(slots=True)
class NetworkStatus:
    """One entry of network-status (3.1)."""

    name: str
    interface: str | None = None
    ips: list[str] = field(default_factory=list)
    mac: str | None = None
    default: bool = False
    dns: dict = field(default_factory=dict)
    gateway: list[str] = field(default_factory=list)
    mtu: int | None = None
    device_info: dict | None = None
    extra: dict = field(default_factory=dict)

    @property
    def namespace(self) -> str | None:
        """Namespace part of `name` (None for bare names: cluster default or old Multus)."""
        return self.name.split("/", 1)[0] if "/" in self.name else None

    @property
    def nad_name(self) -> str:
        """Name part of `name`."""
        return self.name.split("/", 1)[1] if "/" in self.name else self.name

    def to_dict(self) -> dict[str, Any]:
        """The JSON object Multus writes: Go field order, omitempty honoured, `dns` always."""
        out: dict[str, Any] = {"name": self.name}
        if self.interface:
            out["interface"] = self.interface
        if self.ips:
            out["ips"] = list(self.ips)
        if self.mac:
            out["mac"] = self.mac
        if self.mtu:
            out["mtu"] = self.mtu
        if self.default:
            out["default"] = True
        out["dns"] = {k: self.dns[k] for k in _DNS_KEYS if self.dns.get(k)}
        if self.device_info:
            out["device-info"] = self.device_info
        if self.gateway:
            out["gateway"] = list(self.gateway)
        return out


def _type_err(key: str, value: Any, gotype: str) -> AnnotationError:
    kind = type(value).__name__
    return AnnotationError(
        f"network-status: '{key}' must be {gotype}, got {kind} {json.dumps(value)[:40]}"
    )


def _str(key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise _type_err(key, value, "a string")


def _str_list(key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if type(value) is list:  # the usual case, a list of strings, without a generator per call
        for v in value:
            if type(v) is not str:
                break
        else:
            return list(value)
    if not isinstance(value, list) or not all(isinstance(v, (str, type(None))) for v in value):
        raise _type_err(key, value, "a list of strings")
    return [v or "" for v in value]


def status_from_dict(obj: Mapping[str, Any]) -> NetworkStatus:
    """One decoded JSON object -> NetworkStatus (keys matched case-insensitively like Go)."""
    get: Any
    if _KEY_SET.issuperset(obj):
        # Every key exactly as Multus writes it (the usual case): no case folding to do, nothing
        # extra. This function runs once per entry of every pod (10,000-pod status).
        get, extra = obj.get, {}
    else:
        matched, extra = go_match_keys(dict(obj), _KEYS)

        def get(key: str) -> Any:
            return matched[key][1] if key in matched else None

    # Validated in the order the fields were always checked (the first bad one is reported), then
    # built in one constructor call: no default factories, no attribute writes after __init__.
    name = _str("name", get("name")) or ""
    interface = _str("interface", get("interface"))
    mac = _str("mac", get("mac"))
    ips = _str_list("ips", get("ips"))
    gateway = _str_list("gateway", get("gateway"))
    default = get("default")
    if default is not None and not isinstance(default, bool):
        raise _type_err("default", default, "true or false")
    mtu = get("mtu")
    if mtu is not None:
        if isinstance(mtu, bool) or not isinstance(mtu, (int, float)) or int(mtu) != mtu:
            raise _type_err("mtu", mtu, "an integer")
        mtu = int(mtu) or None
    dns = get("dns")
    if dns is not None and not isinstance(dns, dict):
        raise _type_err("dns", dns, "an object")
    info = get("device-info")
    if info is not None and not isinstance(info, dict):
        raise _type_err("device-info", info, "an object")
    return NetworkStatus(name, interface, ips, mac, bool(default), dict(dns) if dns else {}, gateway, mtu,
                         info, extra)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# One decoder for every call: json.loads(..., parse_constant=...) builds a new JSONDecoder per call,
# a measurable share of the per-pod cost of a 10,000-pod status.
_DECODE = json.JSONDecoder(parse_constant=_reject_constant).decode


class _Wire(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One entry exactly as Multus writes it (every key in its Go spelling, every value of its Go
    type): the fast path of parse_network_status. Anything else (another spelling, an extra key, a
    type Go would refuse) is left to the general path, which decides."""

    name: str | None = None
    interface: str | None = None
    ips: list[str] | None = None
    mac: str | None = None
    mtu: int | None = None
    default: bool | None = None
    dns: dict[str, Any] | None = None
    device_info: dict[str, Any] | None = msgspec.field(default=None, name="device-info")
    gateway: list[str] | None = None


_WIRE = msgspec.json.Decoder(list[_Wire])


def _fast(value: str) -> list[NetworkStatus] | None:
    """What status_from_dict makes of each entry, when every entry is the usual shape (one C
    decode, no validation left to do); None: take the general path. 150,000 pods' statuses are
    read as the store fills."""
    try:
        entries = _WIRE.decode(value)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return [NetworkStatus(e.name or "", e.interface or None, list(e.ips) if e.ips else [], e.mac or None,
                          bool(e.default), dict(e.dns) if e.dns else {}, list(e.gateway) if e.gateway else [],
                          e.mtu or None, e.device_info, {}) for e in entries]


def parse_network_status(value: str) -> list[NetworkStatus]:
    """Parse a network-status (or networks-status) value (3.1, 3.3). Tolerant of missing and
    unknown keys; raises AnnotationError when it is not a JSON list of objects."""
    if not isinstance(value, str):
        raise AnnotationError("network-status: annotation value is not a string")
    if not value.startswith("\ufeff"):
        fast = _fast(value)
        if fast is not None:
            return fast
    try:
        if value.startswith("\ufeff"):  # what json.loads refuses before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", value, 0)
        data = _DECODE(value)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise AnnotationError(
                f"network-status is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
            ) from None
        raise AnnotationError(f"network-status is not valid JSON: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise AnnotationError(
            f"network-status must be a JSON list of objects, got {type(data).__name__ if not isinstance(data, dict) else 'an object'}"
        )
    out = []
    for i, element in enumerate(data):
        if not isinstance(element, dict):
            raise AnnotationError(f"network-status element {i} is not an object")
        out.append(status_from_dict(element))
    return out


def status_from_annotations(annotations: Mapping[str, str] | None) -> list[NetworkStatus]:
    """Statuses from pod annotations, preferring the singular key over the legacy plural (3.2).
    Raises AnnotationError when the chosen annotation is malformed; an absent one gives []."""
    annotations = annotations or {}
    for key in (NETWORK_STATUS_ANNOTATION, LEGACY_NETWORKS_STATUS_ANNOTATION):
        value = annotations.get(key)
        if value is not None:
            return parse_network_status(value)
    return []


def _go_escape(text: str) -> str:
    # Go's json.Marshal escapes HTML-significant characters and line/paragraph separators.
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def render_network_status(statuses: Sequence[NetworkStatus]) -> str:
    """The annotation value Multus writes: each entry `json.MarshalIndent(..., "", "    ")`, joined
    as ``[{...},{...}]`` (the shape of every real sample in the corpus, 3.3)."""
    parts = [json.dumps(s.to_dict(), indent=4, ensure_ascii=False) for s in statuses]
    return _go_escape("[" + ",".join(parts) + "]")
