"""Validation of NADs (and pod selections): findings with severity, JSON path, advice and a stable code.

Severities follow the policy written in policy.py: "error" = Multus or the plugin refuses it (pod
creation fails); "warning" = accepted, but it does not do what it says; "info" = worth knowing
(facts the API cannot check). `policy.CODES` lists every code with the severities it may carry.

Paths: `metadata.*` / `spec*` are manifest paths; every other path is inside `spec.config`
(e.g. `plugins[0].ipam.addresses[0].address`, or `ipam.ranges[0][0].subnet` for a single plugin).

Type/enum/range/required checks are driven by the field specs (specs.py); cross-field rules live
next to the specs as `PluginSpec.rules`; the NAD-wide rules (names, versions, chain order,
capabilities, resourceName, OVN-Kubernetes' NAD name) are here. A finding may carry a `Fix`
(policy.py): the change its message proposes, which `apply_fix` makes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from multus_tui.multus.nad import NAD
from multus_tui.multus.names import LABEL_RE, SUBDOMAIN_RE
from multus_tui.multus.paths import split_path
from multus_tui.multus.policy import (
    EINVAL_TEXT,
    ERANGE_TEXT,
    IFNAME_MAX,
    SEVERITY_ORDER,
    Fix,
    Severity,
    did_you_mean,
    severity_rank,
)
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
    ipam_interface_networks,
    is_cidr,
    is_ifname,
    is_ip,
    is_mac,
    route_problems,
    spec_for,
)

__all__ = ["SEVERITY_ORDER", "Finding", "Severity", "apply_fix", "check_object", "check_value", "has_errors",
           "sort_findings", "validate_nad", "validate_selections"]

CNI_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$")
#: what libcni reads at list level (cni:libcni/conf.go NetworkConfigList)
CONFLIST_KEYS = ("cniVersion", "cniVersions", "name", "plugins", "disableCheck", "disableGC",
                 "loadOnlyInlinedPlugins")
#: capabilities that only do something on a plugin that declares it honours them
_CONSUMED_CAPS = ("mac", "portMappings", "bandwidth", "infinibandGUID", "ips", "ipRanges")
RESOURCE_NAME_PATH = 'metadata.annotations["k8s.v1.cni.cncf.io/resourceName"]'


@dataclass(frozen=True)
class Finding:
    """One validation result. `code` is stable per rule (tests and `lint --format json` key on it).

    `fix`, when present, is the mechanical change the message proposes (not part of the JSON output).
    """

    severity: Severity
    path: str
    message: str
    code: str
    fix: Fix | None = None

    def to_dict(self) -> dict[str, str]:
        """Plain dict for JSON output."""
        return {"severity": self.severity, "path": self.path, "message": self.message, "code": self.code}


def _join(prefix: str, rel: str) -> str:
    """Join JSON path parts: `plugins[0].` + `ipam` -> `plugins[0].ipam`; `x` + `[1]` -> `x[1]`."""
    prefix = prefix.rstrip(".")
    if not prefix:
        return rel
    if not rel:
        return prefix
    return prefix + rel if rel.startswith("[") else f"{prefix}.{rel}"


# ---------------------------------------------------------------------- spec-driven checks
def _refused(spec: FieldSpec, value: Any) -> str:
    """` (the plugin: '...')` with the plugin's words for a refused value, or ''."""
    if not spec.refusal:
        return ""
    return f" (the plugin: '{spec.refusal.replace('{value}', str(value))}')"


def check_value(value: Any, spec: FieldSpec, path: str, owner: str) -> list[Finding]:
    """Type, enum, range and format checks of one value against its FieldSpec."""
    out: list[Finding] = []
    if value is None:
        return out  # JSON null decodes to the zero value in Go: harmless
    kind = spec.kind
    # a value the plugin does not check is silently ignored (or acts as the default): a warning
    soft: Severity = "warning" if spec.lenient else "error"

    def bad_type(want: str) -> None:
        out.append(Finding("error", path, f"{owner}: '{spec.name}' must be {want}, not a JSON {json_type(value)} "
                           f"({value!r}); the plugin fails to parse the config", "field-type"))

    if kind in ("str", "enum", "cidr", "ip", "mac", "ifname"):
        if not isinstance(value, str):
            bad_type("a string")
            return out
        if kind == "enum":
            match = [c for c in spec.choices if c == value or (spec.case_insensitive and c.lower() == value.lower())]
            if not match:
                fix_to = did_you_mean(value, spec.choices) or next(
                    (c for c in spec.choices if c.lower() == value.lower()), None)
                hint = f"; did you mean '{fix_to}'?" if fix_to else ""
                what = ("the plugin does not check it and treats it as the default"
                        if spec.lenient else "the plugin refuses it")
                out.append(Finding(soft, path, f"{owner}: '{spec.name}' must be one of {', '.join(spec.choices)} "
                                   f"(got {value!r}): {what}{_refused(spec, value)}{hint}", "field-enum",
                                   Fix("set", path, fix_to) if fix_to else None))
        elif kind == "cidr" and not is_cidr(value):
            out.append(Finding(soft, path, f"{owner}: '{spec.name}' must be a CIDR like 192.168.0.0/24 "
                               f"(got {value!r})", "field-format"))
        elif kind == "ip" and not is_ip(value):
            ignored = "; the plugin ignores it" if spec.lenient else ""
            out.append(Finding(soft, path, f"{owner}: '{spec.name}' must be an IP address (got {value!r}){ignored}",
                               "field-format"))
        elif kind == "mac" and not is_mac(value):
            out.append(Finding(soft, path, f"{owner}: '{spec.name}' must be a MAC like 02:00:00:00:00:01 "
                               f"(got {value!r})", "field-format"))
        elif kind == "ifname" and len(value.encode()) > IFNAME_MAX:
            out.append(Finding("error", path, f"{owner}: '{spec.name}' {value!r} is {len(value.encode())} bytes; "
                               f"Linux interface names have at most {IFNAME_MAX} (the kernel answers "
                               f"'{spec.refusal or ERANGE_TEXT}')", "ifname-too-long"))
        elif kind == "ifname" and not is_ifname(value):
            out.append(Finding("error", path, f"{owner}: '{spec.name}' must be an interface name of 1-15 "
                               f"characters without '/', ':' or spaces (got {value!r}; the kernel answers "
                               f"'{EINVAL_TEXT}')", "field-format",
                               Fix("set", path, value.strip()) if is_ifname(value.strip()) else None))
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            bad_type("a whole number")
            return out
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            lo = "" if spec.min is None else str(spec.min)
            hi = "" if spec.max is None else str(spec.max)
            code = "mtu-range" if spec.nonzero_min is not None else "field-range"
            out.append(Finding("error", path, f"{owner}: '{spec.name}' must be in {lo}..{hi} (got {value})"
                               f"{_refused(spec, value)}", code))
        elif spec.nonzero_min is not None and 0 < value < spec.nonzero_min:
            out.append(Finding("error", path, f"{owner}: '{spec.name}' {value} is below {spec.nonzero_min}, the "
                               f"smallest Ethernet MTU (0 keeps the default){_refused(spec, value)}; set "
                               f"{spec.nonzero_min}", "mtu-range", Fix("set", path, spec.nonzero_min)))
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
    """Check every key of `obj` against `fields`: unknown keys (warning: the plugin ignores them; with
    "did you mean" for near misses), case-only matches (info: Go matches them), required keys, values."""
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
            fix = None if spec.name in obj else Fix("rename", path, spec.name)
            out.append(Finding("info", path, f"{owner}: '{key}' works only because Go matches JSON keys "
                               f"ignoring case; write '{spec.name}'", "key-case", fix))
        if spec is None:
            if key not in generic:
                out.append(_unknown_key(obj, key, path, owner, [f.name for f in fields]))
            continue
        present.add(spec.name)
        out.extend(check_value(value, spec, path, owner))
    for f in fields:
        if f.required and f.name not in present:
            fix = Fix("set", _join(prefix, f.name), f.default) if f.default is not None else None
            out.append(Finding("error", _join(prefix, f.name), f"{owner}: '{f.name}' is required ({f.help})",
                               "field-required", fix))
    return out


def _unknown_key(obj: dict[str, Any], key: str, path: str, owner: str, names: Sequence[str]) -> Finding:
    guess = did_you_mean(str(key), names)
    if guess is not None and guess not in obj:
        return Finding("warning", path, f"{owner}: '{key}' is not a {owner} key, so the plugin ignores it; did you "
                       f"mean '{guess}'?", "unknown-key", Fix("rename", path, guess))
    return Finding("warning", path, f"{owner}: '{key}' is not a {owner} key, so the plugin ignores it (kept as "
                   "is)", "unknown-key")


def _issues(issues: Iterable[Issue], prefix: str) -> list[Finding]:
    return [Finding(i.severity, _join(prefix, i.path), i.message, i.code,
                    i.fix.moved(lambda rel: _join(prefix, rel)) if i.fix is not None else None) for i in issues]


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
    return sort_findings(_once(out))


def _generic(code: str) -> bool:
    return code.startswith("field-") or code == "unknown-key"


def _once(findings: list[Finding]) -> list[Finding]:
    """One message per problem: where a rule explains a path, drop the generic field-* / unknown-key
    finding of the same severity there (static's CIDR wording, whereabouts' missing range, macvlan's vlan)."""
    specific = {(f.path, f.severity) for f in findings if not _generic(f.code)}
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        if _generic(f.code) and (f.path, f.severity) in specific:
            continue
        key = (f.path, f.code, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


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
                           "set \"cniVersion\": \"1.0.0\"", "cni-version-missing", Fix("set", "cniVersion", "1.0.0")))
    elif isinstance(ver, str) and "{{" in ver:
        out.append(Finding("warning", "cniVersion", f"cniVersion {ver!r} is a template placeholder; render the "
                           "template before applying", "template-placeholder"))
    elif ver not in CNI_VERSIONS:
        guess = did_you_mean(str(ver), CNI_VERSIONS)
        hint = f"; did you mean '{guess}'?" if guess else ""
        out.append(Finding("error", "cniVersion", f"cniVersion {ver!r} is not a CNI version ({', '.join(CNI_VERSIONS)})"
                           f"; the plugin refuses it{hint}", "cni-version-invalid",
                           Fix("set", "cniVersion", guess) if guess else None))
    cname = cfg.get("name")
    ovn = _main_type(cfg) == "ovn-k8s-cni-overlay"
    if cname is None or cname == "":
        if not ovn:  # OVN-Kubernetes reads the name itself: _check_ovn says what it refuses
            out.append(Finding("info", "name", f"no CNI name: Multus uses the NAD name '{nad.name}'",
                               "cni-name-missing"))
    elif not isinstance(cname, str) or not CNI_NAME_RE.match(cname):
        out.append(Finding("error", "name", f"CNI name {cname!r} must start with a letter or digit and contain "
                           "only letters, digits, '_', '.', '-'", "cni-name-invalid"))
    elif nad.name and cname != nad.name and not ovn:
        # (OVN-Kubernetes: `name` is the network's name, shared by the NADs of that network)
        out.append(Finding("info", "name", f"CNI name '{cname}' differs from the NAD name '{nad.name}': "
                           "Multus errors and host-local leases use the CNI name; consider making them equal",
                           "cni-name-mismatch", Fix("set", "name", nad.name)))
    if nad.is_conflist:
        out.extend(_check_list_keys(nad, cfg))
    elif "plugins" in cfg:
        n = len(cfg["plugins"]) if isinstance(cfg["plugins"], list) else 0
        out.append(Finding("warning", "plugins", f"the config has a top-level type ('{cfg.get('type')}') beside "
                           f"plugins: Multus runs that single plugin and never reads the {n} plugin(s) of the list; "
                           "remove the top-level type and its fields to run the list, or remove plugins",
                           "type-beside-plugins"))
    return out


def _main_type(cfg: dict[str, Any]) -> str | None:
    if cfg.get("type"):
        return str(cfg["type"])
    plugins = cfg.get("plugins")
    if isinstance(plugins, list) and plugins and isinstance(plugins[0], dict):
        t = plugins[0].get("type")
        return t if isinstance(t, str) else None
    return None


def _check_list_keys(nad: NAD, cfg: dict[str, Any]) -> list[Finding]:
    """Keys at conflist level that libcni does not read (it reads each plugin's own)."""
    out: list[Finding] = []
    plugins = [p for p in cfg.get("plugins") or [] if isinstance(p, dict)]
    for k, v in cfg.items():
        if k in CONFLIST_KEYS:
            continue
        if k == "capabilities" and isinstance(v, dict):
            target = _capability_home(plugins, [c for c, on in v.items() if on is True])
            move = (f"; move it into plugins[{target}]" if target is not None
                    else "; declare each capability on the plugin that reads it")
            fix = Fix("move", "capabilities", f"plugins[{target}].capabilities") if target is not None else None
            out.append(Finding("warning", k, "capabilities at list level are ignored: libcni passes runtime data "
                               "only to plugins that declare the capability themselves, so pod requests "
                               f"({', '.join(map(str, v)) or 'none'}) are dropped{move}", "capabilities-list-level",
                               fix))
            continue
        home = None
        if k == "ipam" and plugins and "ipam" not in plugins[0]:
            home = "plugins[0].ipam"
        elif plugins and "type" in plugins[0] and k not in plugins[0] and spec_for(plugins[0].get("type")) and \
                spec_for(plugins[0].get("type")).field(k) is not None:  # type: ignore[union-attr]
            home = f"plugins[0].{k}"
        move = f"; move it into {home}" if home else " (plugin fields belong inside plugins[])"
        out.append(Finding("warning", k, f"'{k}' at list level is ignored: libcni reads only {', '.join(CONFLIST_KEYS)}"
                           f" there{move}", "list-key-ignored", Fix("move", k, home) if home else None))
    return out


def _capability_home(plugins: list[dict[str, Any]], caps: list[str]) -> int | None:
    """The one plugin of the list that honours every capability in `caps` (the first plugin for none)."""
    if not plugins:
        return None
    if not caps:
        return 0
    for i, p in enumerate(plugins):
        spec = spec_for(p.get("type"))
        if spec is None:
            continue
        ipam = p.get("ipam") if isinstance(p.get("ipam"), dict) else {}
        ispec = IPAMS.get(str(ipam.get("type")))
        honours = set(spec.capabilities) | (set(ispec.capabilities) if ispec else set())
        if ispec is not None and ispec.type == "static":
            honours.add("ips")
        if all(c in honours or c not in _CONSUMED_CAPS for c in caps):
            return i
    return None


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
        out.append(Finding("error", _join(prefix, "type"), f"'{ptype}' creates the pod interface again, after "
                           f"plugins[0] made it: the ADD fails (bridge: 'container veth name provided (net1) already "
                           f"exists', macvlan: 'file exists'); keep one interface-creating plugin, first",
                           "chain-order"))
    if ptype in IPAMS:
        out.append(Finding("error", _join(prefix, "type"), f"'{ptype}' is an IPAM type: use it as "
                           f"\"ipam\": {{\"type\": \"{ptype}\"}} inside a plugin such as macvlan", "ipam-as-plugin"))
        return out
    if nad.is_conflist:
        for k in ("cniVersion", "name"):
            listed = cfg.get(k) or (nad.name if k == "name" else None)  # Multus fills in a missing name
            if k in p and p[k] != listed:
                out.append(Finding("warning", _join(prefix, k), f"libcni overwrites a plugin's '{k}' with the "
                                   f"list's ({listed!r}), so {p[k]!r} is never used; remove it here",
                                   "conflist-override", Fix("remove", _join(prefix, k))))
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
            for issue in rule(p):
                if issue.code == "host-device-selector" and issue.severity == "error" and nad.resource_name:
                    continue  # Multus injects pciBusID from the resourceName device
                out.extend(_issues([issue], prefix))
        if (spec.alias_of or ptype) == "ovn-k8s-cni-overlay":
            out.extend(_check_ovn(nad, p, prefix))
    out.extend(_check_capabilities(p, spec, prefix, ptype))
    args = p.get("args")
    if args is not None and not isinstance(args, dict):
        out.append(Finding("error", _join(prefix, "args"), f"'args' must be an object, not a JSON {json_type(args)}: "
                           "the plugin (or its IPAM) fails to decode it (bridge: 'json: cannot unmarshal string into "
                           "Go struct field NetConf.args'); remove it", "args-not-object",
                           Fix("remove", _join(prefix, "args"))))
    out.extend(_check_ipam(nad, p, spec, prefix, ptype))
    if spec is not None and spec.needs_resource_name and not nad.resource_name and not p.get("deviceID"):
        if ptype == "sriov":
            out.append(Finding("info", RESOURCE_NAME_PATH, "no resourceName: this works only where a DRA driver "
                               "passes the VF (e.g. k8snetworkplumbingwg/dra-driver-sriov, KubeVirt "
                               "NetworkDevicesWithDRA); through Multus with the SR-IOV device plugin, pods fail with "
                               "'VF pci addr is required' until the NAD names the device plugin resource",
                               "resource-name-missing"))
        else:
            out.append(Finding("error", RESOURCE_NAME_PATH, f"{ptype} needs the k8s.v1.cni.cncf.io/resourceName "
                               "annotation (or a deviceID); without it the plugin fails ('deviceID is required')",
                               "resource-name-missing"))
    return out


def _check_ovn(nad: NAD, p: dict[str, Any], prefix: str) -> list[Finding]:
    """What OVN-Kubernetes checks against the NAD object itself (ValidateNetConf, ValidateNetConfNameFields)."""
    out: list[Finding] = []
    if not p.get("topology"):
        return out  # taken as the default network: the topology warning says so
    name = p.get("name")
    if name in (None, "", "default", "ovn-kubernetes"):
        out.append(Finding("error", _join(prefix, "name"), f"OVN-Kubernetes refuses the network name {name!r} "
                           "('invalid name in in secondary network netconf'); name the network (NADs of one network "
                           "share it)", "ovn-network-name", Fix("set", _join(prefix, "name"), nad.name)
                           if nad.name and nad.name not in ("default", "ovn-kubernetes") else None))
    want_name = nad.name
    ns = nad.namespace
    got = p.get("netAttachDefName")
    path = _join(prefix, "netAttachDefName")
    expected = f"{ns}/{want_name}" if ns else None
    if not got:
        out.append(Finding("error", path, f"OVN-Kubernetes needs netAttachDefName (the NAD's namespace/name; "
                           f"'missing NADName in secondary network netconf {name}')", "ovn-nad-name",
                           Fix("set", path, expected) if expected else None))
    elif isinstance(got, str) and want_name:
        got_ns, _, got_name = got.rpartition("/")
        if got_name != want_name or (ns and got_ns != ns) or not got_ns:
            shown = expected or f"<namespace>/{want_name}"
            out.append(Finding("error", path, f"netAttachDefName {got!r} is not this NAD ({shown}): OVN-Kubernetes "
                               f"refuses it ('net-attach-def name ({shown}) is inconsistent with config ({got})')",
                               "ovn-nad-name", Fix("set", path, expected) if expected else None))
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
            guess = did_you_mean(str(k), KNOWN_CAPABILITIES)
            if guess is not None and guess not in caps:
                out.append(Finding("warning", kp, f"'{k}' is not a capability anything supplies, so declaring it does "
                                   f"nothing; did you mean '{guess}'?", "capability-unknown", Fix("rename", kp, guess)))
            else:
                out.append(Finding("warning", kp, f"'{k}' is not a capability Multus or libcni supplies, so declaring "
                                   "it does nothing (unless your runtime passes it)", "capability-unknown"))
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
        elif spec.ipam == "none" and not empty and spec.ipam_refused:
            out.append(Finding("error", path, f"{ptype} refuses an ipam block ('{spec.ipam_refused}'); remove it",
                               "ipam-refused", Fix("remove", path)))
            return out
        elif spec.ipam == "none" and not empty:
            out.append(Finding("warning", path, f"{ptype} never runs IPAM, so this ipam is ignored; remove it (the "
                               "first plugin's ipam gives the addresses)", "ipam-ignored", Fix("remove", path)))
            return out
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
        out.append(Finding("info", RESOURCE_NAME_PATH,
                           f"pods using this NAD must request {nad.resource_name} in resources.requests/limits "
                           "(or have the resources injector add it)", "resource-name-pods"))
    out.extend(_check_added_routes(nad, types, prefix))
    return out


def _check_added_routes(nad: NAD, types: list[Any], prefix: str) -> list[Finding]:
    """route-override's addroutes whose next hop is off the interface's networks: route-override only logs the
    kernel's refusal ('failed to add route') and carries on, so the route is silently missing."""
    out: list[Finding] = []
    ipam = nad.ipam
    known = ipam_interface_networks(ipam) if ipam else None
    if known is None:
        return out
    nets, gws = known
    for i, t in enumerate(types):
        if t != "route-override" or i == 0:
            continue
        conf = nad.plugins[i]
        for j, gw, _explicit in route_problems(conf.get("addroutes"), nets, gws):
            path = f"{prefix}[{i}].addroutes[{j}]" if prefix else f"addroutes[{j}]"
            out.append(Finding("warning", path, f"next hop {gw} is on none of the interface's networks "
                               f"({', '.join(map(str, nets))}): the kernel refuses the route and route-override only "
                               "logs it, so the route is missing", "route-unreachable"))
    return out


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable otherwise."""
    return sorted(findings, key=lambda f: severity_rank(f.severity))


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


# ---------------------------------------------------------------------- fixes
def apply_fix(config: dict[str, Any], fix: Fix) -> dict[str, Any]:
    """A copy of the CNI config (spec.config as data) with `fix` applied; paths are config paths."""
    out = copy.deepcopy(config)
    segs = split_path(fix.path)
    parent: Any = out
    for s in segs[:-1]:
        parent = parent[s]
    last = segs[-1]
    if fix.op == "set":
        parent[last] = copy.deepcopy(fix.value)
    elif fix.op == "remove":
        del parent[last]
    elif fix.op == "rename":
        # keep the key's position: rebuild the mapping with the new name in place
        items = [(fix.value if k == last else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
    elif fix.op == "move":
        value = parent.pop(last)
        dest = split_path(str(fix.value))
        target: Any = out
        for s in dest[:-1]:
            target = target[s]
        current = target.get(dest[-1]) if isinstance(target, dict) else None
        target[dest[-1]] = {**value, **current} if isinstance(current, dict) and isinstance(value, dict) else value
    return out
