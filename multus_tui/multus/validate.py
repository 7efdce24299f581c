"""Validation of NADs (and pod selections): findings with severity, JSON path, advice and a stable code.

Severities: "error" = Multus or the plugin will reject it; "warning" = it will silently not do
what the user expects; "info" = worth knowing.

Paths: `metadata.*` / `spec*` are manifest paths; every other path is inside `spec.config`
(e.g. `plugins[0].ipam.addresses[0].address`, or `ipam.ranges[0][0].subnet` for a single plugin).

Type/enum/range/required checks are driven by the field specs (specs.py); cross-field rules live
next to the specs as `PluginSpec.rules`; the NAD-wide rules (names, versions, chain order,
capabilities, resourceName) are here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from multus_tui.multus.nad import NAD
from multus_tui.multus.selection import json_type
from multus_tui.multus.specs import (
    CHAINED,
    CNI_VERSIONS,
    GENERIC_KEYS,
    IPAMS,
    KNOWN_CAPABILITIES,
    OTHER_CHAINED,
    PLUGINS,
    FieldSpec,
    Issue,
    PluginSpec,
    is_cidr,
    is_ifname,
    is_ip,
    is_mac,
    spec_for,
)

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
CNI_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$")
CONFLIST_KEYS = ("cniVersion", "cniVersions", "name", "plugins", "disableCheck", "disableGC",
                 "loadOnlyInlinedPlugins")
#: capabilities that only do something on a plugin that declares it honours them
_CONSUMED_CAPS = ("mac", "portMappings", "bandwidth", "infinibandGUID", "ips", "ipRanges")


@dataclass(frozen=True)
class Finding:
    """One validation result. `code` is stable per rule (tests and `lint --format json` key on it)."""

    severity: Severity
    path: str
    message: str
    code: str

    def to_dict(self) -> dict[str, str]:
        """Plain dict for JSON output."""
        return asdict(self)


def _join(prefix: str, rel: str) -> str:
    """Join JSON path parts: `plugins[0].` + `ipam` -> `plugins[0].ipam`; `x` + `[1]` -> `x[1]`."""
    prefix = prefix.rstrip(".")
    if not prefix:
        return rel
    if not rel:
        return prefix
    return prefix + rel if rel.startswith("[") else f"{prefix}.{rel}"


# ---------------------------------------------------------------------- spec-driven checks
def check_value(value: Any, spec: FieldSpec, path: str, owner: str) -> list[Finding]:
    """Type, enum, range and format checks of one value against its FieldSpec."""
    out: list[Finding] = []
    if value is None:
        return out  # JSON null decodes to the zero value in Go: harmless
    kind = spec.kind

    def bad_type(want: str) -> None:
        out.append(Finding("error", path, f"{owner}: '{spec.name}' must be {want}, not a JSON {json_type(value)} "
                           f"({value!r}); the plugin fails to parse the config", "field-type"))

    if kind in ("str", "enum", "cidr", "ip", "mac", "ifname"):
        if not isinstance(value, str):
            bad_type("a string")
            return out
        if kind == "enum":
            ok = value in spec.choices or (spec.case_insensitive and value.lower() in
                                          [c.lower() for c in spec.choices])
            if not ok:
                out.append(Finding("error", path, f"{owner}: '{spec.name}' must be one of "
                                   f"{', '.join(spec.choices)} (got {value!r})", "field-enum"))
        elif kind == "cidr" and not is_cidr(value):
            out.append(Finding("error", path, f"{owner}: '{spec.name}' must be a CIDR like 192.168.0.0/24 "
                               f"(got {value!r})", "field-format"))
        elif kind == "ip" and not is_ip(value):
            out.append(Finding("error", path, f"{owner}: '{spec.name}' must be an IP address (got {value!r})",
                               "field-format"))
        elif kind == "mac" and not is_mac(value):
            out.append(Finding("error", path, f"{owner}: '{spec.name}' must be a MAC like 02:00:00:00:00:01 "
                               f"(got {value!r})", "field-format"))
        elif kind == "ifname" and not is_ifname(value):
            out.append(Finding("error", path, f"{owner}: '{spec.name}' must be an interface name of 1-15 "
                               f"characters without '/', ':' or spaces (got {value!r})", "field-format"))
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            bad_type("a whole number")
            return out
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            lo = "" if spec.min is None else str(spec.min)
            hi = "" if spec.max is None else str(spec.max)
            out.append(Finding("error", path, f"{owner}: '{spec.name}' must be in {lo}..{hi} (got {value})",
                               "field-range"))
    elif kind == "bool":
        if not isinstance(value, bool):
            bad_type("true or false")
    elif kind in ("list", "ip-list", "cidr-list"):
        if not isinstance(value, list):
            bad_type("an array")
            return out
        if spec.max is not None and len(value) > spec.max:
            out.append(Finding("error", path, f"{owner}: '{spec.name}' takes at most {spec.max} items",
                               "field-range"))
        item = spec.item_spec
        if kind == "ip-list":
            item = FieldSpec(spec.name, "ip")
        elif kind == "cidr-list":
            item = FieldSpec(spec.name, "cidr")
        if item is not None:
            for i, v in enumerate(value):
                out.extend(check_value(v, item, f"{path}[{i}]", owner))
    elif kind == "map":
        if not isinstance(value, dict):
            bad_type("an object")
            return out
        if spec.item_spec is not None:
            for k, v in value.items():
                out.extend(check_value(v, spec.item_spec, f"{path}[{k!r}]", owner))
    elif kind == "object":
        if not isinstance(value, dict):
            bad_type("an object")
            return out
        out.extend(check_object(value, spec.fields, path + ".", owner, generic=()))
    return out


def check_object(obj: dict[str, Any], fields: Sequence[FieldSpec], prefix: str, owner: str,
                 generic: Iterable[str] = GENERIC_KEYS) -> list[Finding]:
    """Check every key of `obj` against `fields`: unknown keys (info), case-only matches
    (warning), required keys, and each value."""
    out: list[Finding] = []
    by_name = {f.name: f for f in fields}
    by_lower = {f.name.lower(): f for f in fields}
    generic = set(generic)
    present: set[str] = set()
    for key, value in obj.items():
        path = _join(prefix, key)
        spec = by_name.get(key)
        if spec is None and isinstance(key, str) and key.lower() in by_lower and key not in generic:
            spec = by_lower[key.lower()]
            out.append(Finding("warning", path, f"{owner}: '{key}' only works because Go matches JSON keys "
                               f"ignoring case; write '{spec.name}'", "key-case"))
        if spec is None:
            if key not in generic:
                out.append(Finding("info", path, f"{owner}: '{key}' is not a known field; kept as is, but check "
                                   "the spelling (unknown keys are ignored by the plugin)", "unknown-key"))
            continue
        present.add(spec.name)
        out.extend(check_value(value, spec, path, owner))
    for f in fields:
        if f.required and f.name not in present:
            out.append(Finding("error", _join(prefix, f.name), f"{owner}: '{f.name}' is required ({f.help})",
                               "field-required"))
    return out


def _issues(issues: Iterable[Issue], prefix: str) -> list[Finding]:
    return [Finding(i.severity, _join(prefix, i.path), i.message, i.code) for i in issues]


# ---------------------------------------------------------------------- NAD
def validate_nad(nad: NAD) -> list[Finding]:
    """Every finding about one NAD (metadata, config JSON, plugins, IPAM, capabilities)."""
    out: list[Finding] = []
    out.extend(_check_metadata(nad))
    if nad.config_error:
        out.append(Finding("error", "spec.config", f"{nad.config_error}; Multus fails with 'failed to unmarshal "
                           "Spec.Config' for every pod using it", "config-not-json"))
        return out
    cfg = nad.config
    if cfg is None:
        out.append(Finding("info", "spec.config", f"no spec.config: Multus looks for a CNI config named "
                           f"'{nad.name}' in /etc/cni/multus/net.d on the node", "config-missing"))
        return out
    out.extend(_check_top(nad, cfg))
    if nad.is_conflist:
        plugins = cfg.get("plugins")
        if not isinstance(plugins, list) or not plugins:
            out.append(Finding("error", "plugins", "a conflist needs a non-empty plugins array", "plugins-empty"))
            return out
        for i, p in enumerate(plugins):
            if not isinstance(p, dict):
                out.append(Finding("error", f"plugins[{i}]", "each plugin must be a JSON object",
                                   "field-type"))
                continue
            out.extend(_check_plugin(nad, p, i, f"plugins[{i}].", cfg))
    else:
        if not cfg.get("type"):
            out.append(Finding("error", "type", "the config has neither 'type' nor 'plugins' (Multus: delegate "
                               "must have the 'type' or 'plugin' field)", "plugin-type-missing"))
            return out
        out.extend(_check_plugin(nad, cfg, 0, "", cfg))
    out.extend(_check_chain(nad))
    return sort_findings(out)


def _check_metadata(nad: NAD) -> list[Finding]:
    out: list[Finding] = []
    name = nad.name
    if not name:
        out.append(Finding("error", "metadata.name", "metadata.name is required", "nad-name-invalid"))
    elif not SUBDOMAIN_RE.match(name) or len(name) > 253:
        out.append(Finding("error", "metadata.name", f"'{name}' is not a valid Kubernetes name: use lower-case "
                           "letters, digits and '-' (DNS-1123 label)", "nad-name-invalid"))
    elif not LABEL_RE.match(name) or len(name) > 63:
        out.append(Finding("warning", "metadata.name", f"'{name}' is accepted by the API server but pods can "
                           "only reference it with the JSON annotation form (the short form needs a "
                           "DNS-1123 label: no dots, ≤63 characters)", "nad-name-not-label"))
    rn = nad.annotations.get("k8s.v1.cni.cncf.io/resourceName")
    if rn is not None and not (isinstance(rn, str) and rn.strip()):
        out.append(Finding("error", 'metadata.annotations["k8s.v1.cni.cncf.io/resourceName"]',
                           "resourceName is empty; set the device plugin resource (e.g. intel.com/sriov)",
                           "resource-name-invalid"))
    return out


def _check_top(nad: NAD, cfg: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    ver = cfg.get("cniVersion")
    if ver is None:
        out.append(Finding("info", "cniVersion", "no cniVersion: plugins assume 0.1.0 (one address per family); "
                           "set \"cniVersion\": \"1.0.0\"", "cni-version-missing"))
    elif isinstance(ver, str) and "{{" in ver:
        out.append(Finding("warning", "cniVersion", f"cniVersion {ver!r} is a template placeholder; render the "
                           "template before applying", "template-placeholder"))
    elif ver not in CNI_VERSIONS:
        out.append(Finding("error", "cniVersion", f"cniVersion {ver!r} is not a CNI version ({', '.join(CNI_VERSIONS)})"
                           "; the plugin refuses it", "cni-version-invalid"))
    cname = cfg.get("name")
    if cname is None or cname == "":
        out.append(Finding("info", "name", f"no CNI name: Multus uses the NAD name '{nad.name}'",
                           "cni-name-missing"))
    elif not isinstance(cname, str) or not CNI_NAME_RE.match(cname):
        out.append(Finding("error", "name", f"CNI name {cname!r} must start with a letter or digit and contain "
                           "only letters, digits, '_', '.', '-'", "cni-name-invalid"))
    elif nad.name and cname != nad.name:
        out.append(Finding("warning", "name", f"CNI name '{cname}' differs from the NAD name '{nad.name}': "
                           "Multus errors and host-local leases use the CNI name; make them equal",
                           "cni-name-mismatch"))
    if nad.is_conflist:
        for k in cfg:
            if k not in CONFLIST_KEYS:
                out.append(Finding("info", k, f"'{k}' is not a conflist key (plugin fields belong inside "
                                   "plugins[])", "unknown-key"))
    return out


def _check_plugin(nad: NAD, p: dict[str, Any], index: int, prefix: str, cfg: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    ptype = p.get("type")
    if not isinstance(ptype, str) or not ptype:
        out.append(Finding("error", _join(prefix, "type"), "a plugin delegate must have the 'type' field",
                           "plugin-type-missing"))
        return out
    spec = spec_for(ptype)
    # Chain order (4.17): the first plugin creates the interface; helpers need its prevResult.
    if index == 0 and (ptype in CHAINED or ptype in OTHER_CHAINED):
        out.append(Finding("error", _join(prefix, "type"), f"'{ptype}' must follow a plugin that creates the "
                           "interface (it fails with 'Required prevResult missing'); put macvlan/bridge/... first",
                           "chain-order"))
    elif index > 0 and ptype in PLUGINS:
        out.append(Finding("warning", _join(prefix, "type"), f"'{ptype}' creates an interface but is chained at "
                           f"position {index}; only the first plugin should create it", "chain-order"))
    if ptype in IPAMS:
        out.append(Finding("error", _join(prefix, "type"), f"'{ptype}' is an IPAM type: use it as "
                           f"\"ipam\": {{\"type\": \"{ptype}\"}} inside a plugin such as macvlan", "ipam-as-plugin"))
        return out
    if nad.is_conflist:
        for k in ("cniVersion", "name"):
            if k in p and p[k] != cfg.get(k):
                out.append(Finding("info", _join(prefix, k), f"libcni overwrites a plugin's '{k}' with the "
                                   "list's; remove it here", "conflist-override"))
    if spec is None:
        out.append(Finding("info", _join(prefix, "type"), f"no field spec for plugin '{ptype}': only generic "
                           "checks were done", "plugin-unknown"))
    else:
        out.extend(check_object(p, spec.fields, prefix, ptype))
        for f in spec.fields:
            v = p.get(f.name)
            if f.node_fact and isinstance(v, str) and v:
                # 4.17: node facts are free text; only the node knows whether they exist
                out.append(Finding("info", _join(prefix, f.name), f"{f.name} '{v}' must exist on every node that "
                                   "runs pods using this NAD (the API cannot check it)", "node-fact"))
        for rule in spec.rules:
            out.extend(_issues(rule(p), prefix))
    out.extend(_check_capabilities(p, spec, prefix, ptype))
    args = p.get("args")
    if args is not None and not isinstance(args, dict):
        out.append(Finding("warning", _join(prefix, "args"), "'args' must be an object (Multus merges pod "
                           "cni-args into args.cni)", "field-type"))
    out.extend(_check_ipam(nad, p, spec, prefix, ptype))
    if spec is not None and spec.needs_resource_name and not nad.resource_name and not p.get("deviceID"):
        out.append(Finding("error", 'metadata.annotations["k8s.v1.cni.cncf.io/resourceName"]',
                           f"{ptype} needs the k8s.v1.cni.cncf.io/resourceName annotation (or a deviceID); "
                           "without it the plugin fails with 'VF pci addr is required'", "resource-name-missing"))
    return out


def _check_capabilities(p: dict[str, Any], spec: PluginSpec | None, prefix: str, ptype: str) -> list[Finding]:
    out: list[Finding] = []
    caps = p.get("capabilities")
    if caps is None:
        return out
    path = _join(prefix, "capabilities")
    if not isinstance(caps, dict):
        out.append(Finding("error", path, "capabilities must be an object of name: true", "field-type"))
        return out
    ipam = p.get("ipam") if isinstance(p.get("ipam"), dict) else None
    ipam_spec = IPAMS.get(str(ipam.get("type"))) if ipam else None
    for k, v in caps.items():
        kp = f"{path}.{k}"
        if not isinstance(v, bool):
            out.append(Finding("error", kp, f"capability '{k}' must be true or false", "field-type"))
            continue
        if k not in KNOWN_CAPABILITIES:
            out.append(Finding("info", kp, f"'{k}' is not a well-known capability", "capability-unknown"))
            continue
        if not v or spec is None or k not in _CONSUMED_CAPS:
            continue
        honoured = k in spec.capabilities or (ipam_spec is not None and k in ipam_spec.capabilities)
        if k == "ips" and ipam_spec is not None and ipam_spec.type == "static":
            honoured = True  # static reads runtimeConfig.ips (4.13) though cni.dev does not list it
        if not honoured:
            where = {"portMappings": "chain the portmap plugin", "bandwidth": "chain the bandwidth plugin",
                     "mac": "chain tuning with capabilities {mac: true}",
                     "ips": "use static or host-local IPAM on this plugin"}.get(k, "move it to a plugin that reads it")
            out.append(Finding("warning", kp, f"{ptype} does not read the '{k}' capability, so pod requests for it "
                               f"are dropped; {where}", "capability-ignored"))
    return out


def _check_ipam(nad: NAD, p: dict[str, Any], spec: PluginSpec | None, prefix: str, ptype: str) -> list[Finding]:
    out: list[Finding] = []
    path = _join(prefix, "ipam")
    ipam = p.get("ipam")
    empty = ipam is None or ipam == {}
    if ipam is not None and not isinstance(ipam, dict):
        out.append(Finding("error", path, "ipam must be an object with a type", "field-type"))
        return out
    if spec is not None:
        if spec.ipam == "required" and empty:
            out.append(Finding("error", path, f"{ptype} requires IPAM (e.g. \"ipam\": {{\"type\": \"host-local\", "
                               "...}}); without it the ADD fails", "ipam-required"))
        elif spec.ipam == "none" and not empty:
            out.append(Finding("warning", path, f"{ptype} ignores ipam; put it on the first plugin",
                               "ipam-ignored"))
        elif spec.ipam == "optional" and empty and spec.role == "main":
            out.append(Finding("info", path, "no IPAM: the interface is L2 only and gets no IP address "
                               "(network-status will list no ips)", "ipam-none"))
    if empty or not isinstance(ipam, dict):
        return out
    itype = ipam.get("type")
    if not isinstance(itype, str) or not itype:
        out.append(Finding("error", _join(path, "type"), "ipam needs a type (static, host-local, whereabouts, "
                           "dhcp, ...)", "ipam-type-missing"))
        return out
    ispec = IPAMS.get(itype)
    ipfx = path + "."
    if ispec is None:
        out.append(Finding("info", _join(ipfx, "type"), f"no field spec for IPAM '{itype}': only generic checks",
                           "plugin-unknown"))
        return out
    out.extend(check_object(ipam, ispec.fields, ipfx, itype, generic=("type",)))
    for rule in ispec.rules:
        out.extend(_issues(rule(ipam), ipfx))
    ver = nad.cni_version
    if itype == "static" and ver in ("0.1.0", "0.2.0") and isinstance(ipam.get("addresses"), list):
        fams = [str(a.get("address", "")).count(":") > 0 for a in ipam["addresses"] if isinstance(a, dict)]
        if fams.count(True) > 1 or fams.count(False) > 1:
            out.append(Finding("error", _join(ipfx, "addresses"), f"cniVersion {ver} allows one address per "
                               "family; use cniVersion 0.3.1 or later", "static-one-per-family"))
    if ipam.get("dns"):
        out.append(Finding("warning", _join(ipfx, "dns"), "IPAM dns is only reported in network-status, never "
                           "written to the pod's resolv.conf; use the pod's dnsConfig", "ipam-dns-not-applied"))
    if itype == "dhcp" and ptype == "ipvlan":
        out.append(Finding("error", _join(ipfx, "type"), "dhcp cannot work with ipvlan (all pods share the "
                           "master's MAC); use static, host-local or whereabouts", "dhcp-ipvlan"))
    return out


def _check_chain(nad: NAD) -> list[Finding]:
    out: list[Finding] = []
    types = [p.get("type") for p in nad.plugins]
    prefix = "plugins" if nad.is_conflist else ""
    if "sbr" in types and not nad.ipam:
        i = types.index("sbr")
        out.append(Finding("warning", f"{prefix}[{i}]" if prefix else "type", "sbr routes by source address but "
                           "the interface gets none (no IPAM on the first plugin)", "sbr-no-ip"))
    if nad.resource_name:
        out.append(Finding("info", 'metadata.annotations["k8s.v1.cni.cncf.io/resourceName"]',
                           f"pods using this NAD must request {nad.resource_name} in resources.requests/limits "
                           "(or have the resources injector add it)", "resource-name-pods"))
    return out


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable otherwise."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 3))


# ---------------------------------------------------------------------- pod selections
def validate_selections(selections: Sequence[Any], pod_namespace: str | None = None,
                        prefix: str = "networks", default_networks: int = 0) -> list[Finding]:
    """Findings about parsed selections alone (unknown keys, interface names, ips, default-route...).

    The rules live in selection.py (`selection_problems`, the pod-side owner); this wraps them
    as Findings so every caller gets one type.
    """
    from multus_tui.multus.selection import selection_problems

    return [Finding(p.severity, p.path, p.message, p.code)  # type: ignore[arg-type]
            for p in selection_problems(list(selections), prefix=prefix, default_networks=default_networks)]


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error."""
    return any(f.severity == "error" for f in findings)
