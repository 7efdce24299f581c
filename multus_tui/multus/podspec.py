"""The pod side of an attachment: what a pod (or a pod template) must carry, and what to check first.

Everything here is pure data in, data out, so the attach builder (UI), a future `attach` command
and the tests share one implementation:

* `networks_annotation(selections)`: the `k8s.v1.cni.cncf.io/networks` value (delegates to
  `selection.render_networks`: short form only when every element allows it, JSON otherwise;
  there is deliberately no second renderer here).
* `DnsOverride`: the S3 `dnsPolicy: None` + `dnsConfig` block and its checks, including the
  warning that cluster names stop resolving in that pod.
* `TestPod` + `pod_manifest(...)`: the full test pod with the S5 defaults; `template_snippet(...)`
  the part to paste into a Deployment/StatefulSet/DaemonSet pod template.
* `precheck(...)`: the findings to show before anything is created (missing NAD, namespace
  isolation, default routes, interface names, `ips` vs. capability/subnet/range, addresses other
  pods already hold). Selection-only rules come from `selection.selection_problems` and the
  syntax from `selection.parse_networks` (one source of truth: Multus' own refusals); this module
  adds the rules that need the NADs and the other pods.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from multus_tui.multus import ipam as ipam_mod
from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.nad import NAD, dump_yaml
from multus_tui.multus.names import LABEL_RE, SUBDOMAIN_RE
from multus_tui.multus.selection import (
    NETWORKS_ANNOTATION,
    Selection,
    parse_networks,
    render_networks,
    selection_problems,
)
from multus_tui.multus.status import status_from_annotations
from multus_tui.multus.validate import Finding

# S5 defaults (seed-scenarios.md): the test pod the field report used.
DEFAULT_POD_NAME = "samplepod"
DEFAULT_IMAGE = "dougbtv/centos-network"
DEFAULT_COMMAND: tuple[str, ...] = ("/bin/bash", "-c", "trap : TERM INT; sleep infinity & wait")

#: shown whenever a DNS override is on (S3): the consequence users did not expect.
DNS_WARNING = (
    "dnsPolicy None replaces the cluster DNS: cluster names (*.svc.cluster.local) "
    "stop resolving in this pod."
)

#: what patching a workload's pod template does, said before it is done.
ROLLOUT_WARNING = (
    "Changing the pod template rolls the workload: every pod is replaced by a new one "
    "(Multus reads the annotation only when a pod starts)."
)

# Kubernetes' own limits for pod dnsConfig (apis/core/validation: validatePodDNSConfig).
MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCHES = 32
MAX_DNS_SEARCH_CHARS = 2048

# IPAM types that honour a pod's `ips` request as the address itself (reference 4.13/4.14);
# whereabouts only adds them as *extra* addresses, dhcp ignores them.
_IPS_IPAMS = ("static", "host-local")


def split_list(text: str) -> list[str]:
    """Split a user-typed list ("a, b c") on commas and whitespace, dropping empties."""
    return [p for p in re.split(r"[,\s]+", text or "") if p]


def parse_key_values(text: str) -> dict[str, str]:
    """Parse `k=v, k2=v2` (node selectors); raises ValueError naming the bad item."""
    out: dict[str, str] = {}
    for item in [p.strip() for p in (text or "").split(",") if p.strip()]:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{item!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


# ---------------------------------------------------------------------- the annotation
def networks_annotation(selections: Iterable[Selection]) -> str | None:
    """The `k8s.v1.cni.cncf.io/networks` value for these selections, or None when there are none.

    Multus treats an empty value as an error, so "no selection" means "no annotation".
    """
    sels = list(selections)
    if not sels:
        return None
    return render_networks(sels)


# ---------------------------------------------------------------------- DNS override (S3)
@dataclass
class DnsOverride:
    """`dnsPolicy: None` with an explicit resolver configuration for the pod.

    `options` are `name` or `name:value` strings as in resolv.conf (`ndots:2`, `edns0`).
    """

    nameservers: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)

    def dns_config(self) -> dict[str, Any]:
        """The `dnsConfig` object (keys only when they have values)."""
        cfg: dict[str, Any] = {}
        if self.nameservers:
            cfg["nameservers"] = list(self.nameservers)
        if self.searches:
            cfg["searches"] = list(self.searches)
        if self.options:
            opts = []
            for opt in self.options:
                name, sep, value = opt.partition(":")
                opts.append({"name": name, "value": value} if sep else {"name": name})
            cfg["options"] = opts
        return cfg

    def pod_spec_fields(self) -> dict[str, Any]:
        """The two pod spec fields: `dnsPolicy: None` and `dnsConfig`."""
        return {"dnsPolicy": "None", "dnsConfig": self.dns_config()}

    def findings(self, path: str = "spec.dnsConfig") -> list[Finding]:
        """What the API server would reject (errors) plus the cluster-names warning."""
        out: list[Finding] = []
        if not self.nameservers:
            out.append(Finding("error", f"{path}.nameservers",
                               "dnsPolicy None needs at least one nameserver", "dns-no-nameserver"))
        if len(self.nameservers) > MAX_DNS_NAMESERVERS:
            out.append(Finding("error", f"{path}.nameservers",
                               f"at most {MAX_DNS_NAMESERVERS} nameservers are allowed", "dns-too-many-nameservers"))
        for i, ns in enumerate(self.nameservers):
            try:
                ipaddress.ip_address(ns)
            except ValueError:
                out.append(Finding("error", f"{path}.nameservers[{i}]",
                                   f"{ns!r} is not an IP address", "dns-nameserver-not-ip"))
        if len(self.searches) > MAX_DNS_SEARCHES:
            out.append(Finding("error", f"{path}.searches",
                               f"at most {MAX_DNS_SEARCHES} search domains are allowed", "dns-too-many-searches"))
        if len(" ".join(self.searches)) > MAX_DNS_SEARCH_CHARS:
            out.append(Finding("error", f"{path}.searches",
                               f"the search list must be at most {MAX_DNS_SEARCH_CHARS} characters", "dns-search-too-long"))
        for i, s in enumerate(self.searches):
            # A trailing dot (absolute name) is accepted by Kubernetes.
            if len(s) > 253 or not SUBDOMAIN_RE.match(s.rstrip(".").lower()):
                out.append(Finding("error", f"{path}.searches[{i}]",
                                   f"{s!r} is not a DNS domain name", "dns-search-invalid"))
        for i, opt in enumerate(self.options):
            if not opt.partition(":")[0]:
                out.append(Finding("error", f"{path}.options[{i}]", "a DNS option needs a name", "dns-option-invalid"))
        out.append(Finding("warning", "spec.dnsPolicy", DNS_WARNING, "dns-cluster-names"))
        return out


# ---------------------------------------------------------------------- manifests
@dataclass
class TestPod:
    """The editable test pod (S5 defaults)."""

    __test__ = False  # not a pytest test class, whatever its name says

    name: str = DEFAULT_POD_NAME
    namespace: str = "default"
    image: str = DEFAULT_IMAGE
    command: list[str] = field(default_factory=lambda: list(DEFAULT_COMMAND))
    node_selector: dict[str, str] = field(default_factory=dict)

    def findings(self, exists: bool = False) -> list[Finding]:
        """Name/namespace/image problems the API server would reject (`exists`: a pod of that name is
        already there, which the API server refuses with AlreadyExists)."""
        out: list[Finding] = []
        if exists:
            out.append(Finding("error", "metadata.name",
                               f"pod {self.namespace}/{self.name} already exists: choose another name",
                               "pod-exists"))
        if len(self.name) > 253 or not SUBDOMAIN_RE.match(self.name):
            out.append(Finding("error", "metadata.name",
                               f"pod name {self.name!r} must be a DNS subdomain (lower case, digits, '-', '.')",
                               "pod-name-invalid"))
        if len(self.namespace) > 63 or not LABEL_RE.match(self.namespace):
            out.append(Finding("error", "metadata.namespace",
                               f"namespace {self.namespace!r} is not a valid namespace name", "pod-namespace-invalid"))
        if not self.image.strip():
            out.append(Finding("error", "spec.containers[0].image", "an image is required", "pod-image-missing"))
        return out


def _container_name(pod_name: str) -> str:
    # Container names are DNS labels; a dotted pod name cannot be reused as is.
    return pod_name if len(pod_name) <= 63 and LABEL_RE.match(pod_name) else "main"


def template_snippet(selections: Iterable[Selection], dns: DnsOverride | None = None) -> dict[str, Any]:
    """The fragment of a pod template carrying the attachments (and the DNS override).

    Shaped like `spec.template` of a Deployment: `metadata.annotations` and, with DNS, `spec`.
    """
    snippet: dict[str, Any] = {}
    value = networks_annotation(selections)
    if value is not None:
        snippet["metadata"] = {"annotations": {NETWORKS_ANNOTATION: value}}
    if dns is not None:
        snippet["spec"] = dns.pod_spec_fields()
    return snippet


def pod_manifest(selections: Iterable[Selection], pod: TestPod | None = None,
                 dns: DnsOverride | None = None) -> dict[str, Any]:
    """The complete test pod manifest (apiVersion v1, kind Pod)."""
    pod = pod or TestPod()
    meta: dict[str, Any] = {"name": pod.name, "namespace": pod.namespace}
    value = networks_annotation(selections)
    if value is not None:
        meta["annotations"] = {NETWORKS_ANNOTATION: value}
    spec: dict[str, Any] = {}
    if pod.node_selector:
        spec["nodeSelector"] = dict(pod.node_selector)
    if dns is not None:
        spec.update(dns.pod_spec_fields())
    container: dict[str, Any] = {"name": _container_name(pod.name), "image": pod.image}
    if pod.command:
        container["command"] = list(pod.command)
    spec["containers"] = [container]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def render_yaml(obj: Mapping[str, Any]) -> str:
    """YAML for a manifest or snippet (same dumper as NADs: key order kept, block style)."""
    return dump_yaml(copy.deepcopy(dict(obj)))


# ---------------------------------------------------------------------- pre-checks
@dataclass(frozen=True)
class Isolation:
    """Multus' namespace isolation setting, as the user believes it is configured.

    Multus does not publish its configuration through the API, so this is an assumption the
    user can toggle. With isolation on, a pod may reference NADs only in its own namespace or
    in a global namespace (default `default`; setting the list replaces it).
    """

    enabled: bool = False
    global_namespaces: tuple[str, ...] = ("default",)

    def allows(self, pod_namespace: str, target_namespace: str) -> bool:
        """Would Multus accept a pod in `pod_namespace` referencing a NAD in `target_namespace`?"""
        return (not self.enabled or target_namespace == pod_namespace
                or target_namespace in self.global_namespaces)


@dataclass(frozen=True)
class Holder:
    """A pod holding (or asking for) an address on a secondary network."""

    pod: str  # "namespace/name"
    network: str  # "namespace/nad" as in network-status, or the requested target
    requested: bool = False  # True: from a pending pod's `ips` request, not yet in its status


def held_addresses(pods: Iterable[tuple[str, str, Mapping[str, str]]]) -> dict[str, list[Holder]]:
    """Map each secondary-network address (no prefix) to the pods holding or requesting it.

    `pods` are (namespace, name, annotations). Addresses come from `network-status` (what Multus
    reported) and, for pods without a status entry yet, from the `ips` of their `networks`
    selection (a pending pod will take that address). The cluster default network is skipped:
    its addresses belong to the pod network, not to a NAD. Malformed annotations are skipped
    (other screens report them).
    """
    out: dict[str, list[Holder]] = {}
    for ns, name, annots in pods:
        key = f"{ns}/{name}"
        annotations = dict(annots or {})
        reported: set[str] = set()
        try:
            statuses = status_from_annotations(annotations)
        except AnnotationError:
            statuses = []
        for st in statuses:
            if st.default:
                continue
            reported.add(st.name)
            for ip in st.ips:
                out.setdefault(_bare(ip), []).append(Holder(key, st.name))
        value = annotations.get(NETWORKS_ANNOTATION)
        if not value:
            continue
        try:
            sels = parse_networks(value, ns)
        except AnnotationError:
            continue
        for sel in sels:
            tns, tname = sel.target(ns)
            network = f"{tns}/{tname}"
            if network in reported:
                continue
            for ip in sel.ips or []:
                out.setdefault(_bare(ip), []).append(Holder(key, network, requested=True))
    return out


def _bare(ip: str) -> str:
    """The address without its prefix length, normalised ("192.168.0.20/24" -> "192.168.0.20")."""
    try:
        return str(ipaddress.ip_interface(ip.strip()).ip)
    except ValueError:
        return ip.strip()


NadLookup = Callable[[str, str], "NAD | None"]


def _lookup(nads: Mapping[tuple[str, str], NAD] | NadLookup) -> NadLookup:
    if callable(nads):
        return nads
    return lambda ns, name: nads.get((ns, name))


def precheck(
    selections: list[Selection],
    pod_namespace: str,
    nads: Mapping[tuple[str, str], NAD] | NadLookup,
    *,
    isolation: Isolation | None = None,
    held: Mapping[str, list[Holder]] | None = None,
    pod_name: str | None = None,
    nads_known: bool = True,
    advertised: Mapping[str, list[tuple[str, int]]] | None = None,
) -> list[Finding]:
    """Everything worth saying before a pod with these selections is created.

    `nads` maps (namespace, name) to the NADs the user can see (or is a lookup function);
    `nads_known=False` (offline, or the store not synced) turns off the checks that need them.
    `held` is `held_addresses(...)` of the other pods; `pod_name` is excluded from it (re-creating
    the same pod is not a conflict). Paths are `selections[i].<key>`; severities: "error" means
    Multus (or the API server) would refuse it, "warning" means it would be silently not what
    the user asked for, or wait (a missing NAD: the pod waits until it exists).
    `advertised` maps extended resources to the (node, allocatable) advertising them (None: the nodes
    are not known); a NAD whose resourceName no node advertises keeps the pod Pending.
    """
    findings: list[Finding] = []
    if not selections:
        findings.append(Finding("error", "selections", "select at least one NetworkAttachmentDefinition",
                                "no-selection"))
        return findings
    findings.extend(_selection_findings(selections, pod_namespace))
    lookup = _lookup(nads)
    me = f"{pod_namespace}/{pod_name}" if pod_name else None
    for i, sel in enumerate(selections):
        path = f"selections[{i}]"
        tns, tname = sel.target(pod_namespace)
        target = f"{tns}/{tname}"
        if isolation is not None and not isolation.allows(pod_namespace, tns):
            findings.append(Finding(
                "error", f"{path}.namespace",
                f"namespace isolation is on: a pod in {pod_namespace} may not use {target} "
                f"(only its own namespace and {', '.join(isolation.global_namespaces) or 'no global namespace'})",
                "namespace-isolation"))
        nad = lookup(tns, tname) if nads_known else None
        if nads_known and nad is None:
            findings.append(Finding(
                "warning", f"{path}.name",
                f"NetworkAttachmentDefinition {target} does not exist: the pod will wait in "
                "ContainerCreating (NoNetworkFound) until it is created",
                "nad-missing"))
        if nad is not None and nad.config_error:
            findings.append(Finding("error", f"{path}.name",
                                    f"{target} has an unusable config: {nad.config_error}", "nad-config-invalid"))
        findings.extend(_check_ips(sel, path, target, nad, held or {}, me))
        if nad is not None and advertised is not None and nad.resource_name:
            findings.append(_resource_finding(path, target, nad.resource_name, advertised.get(nad.resource_name)))
        if sel.default_route and nad is not None and nad.ipam is None:
            findings.append(Finding("warning", f"{path}.default-route",
                                    f"{target} has no IPAM: the interface gets no address to reach a gateway with",
                                    "default-route-no-ipam"))
        if nad is not None and nad.ipam_type == "static":
            # selection_problems can only say "static IPAM rejects it"; here we know it is static.
            findings = [Finding("error", f.path, f.message, f.code)
                        if f.code == "ips-no-prefix" and f.path.startswith(f"{path}.") else f
                        for f in findings]
    return findings


def _resource_finding(path: str, target: str, resource: str, nodes: list[tuple[str, int]] | None) -> Finding:
    """SR-IOV and other device-plugin networks: which nodes can take the pod (multus.sriov)."""
    if not nodes:
        return Finding("error", f"{path}.name",
                       f"{target} needs {resource} (its k8s.v1.cni.cncf.io/resourceName), which no node advertises: "
                       f"the pod will stay Pending (FailedScheduling: Insufficient {resource})", "resource-unadvertised")
    where = ", ".join(f"{n} ({c})" for n, c in nodes)
    return Finding("info", f"{path}.name", f"{target} needs {resource}: only {where} advertise it, so the pod can only "
                   "run there (the network-resources-injector adds the request)", "resource-nodes")


def _selection_findings(selections: list[Selection], pod_namespace: str) -> list[Finding]:
    """Multus' own refusal of the rendered annotation (if any), then the domain's selection rules."""
    out: list[Finding] = []
    try:
        parse_networks(render_networks(selections), pod_namespace)
    except AnnotationError as exc:
        out.append(Finding("error", "selections", f"Multus would refuse this annotation: {exc}",
                           "annotation-invalid"))
    out.extend(Finding(*p) for p in selection_problems(selections, prefix="selections"))
    return out


def _check_ips(sel: Selection, path: str, target: str, nad: NAD | None,
               held: Mapping[str, list[Holder]], me: str | None) -> list[Finding]:
    out: list[Finding] = []
    ips = sel.ips or []
    if not ips:
        if nad is not None and nad.ipam_type == "static" and not _static_addresses(nad):
            out.append(Finding("error", f"{path}.ips",
                               f"{target} uses static IPAM without addresses: the pod must pass ips "
                               "(otherwise: IPAM plugin returned missing IP config)", "static-needs-ips"))
        return out
    if nad is not None:
        ipam_type = nad.ipam_type
        if not nad.capabilities.get("ips"):
            out.append(Finding("warning", f"{path}.ips",
                               f"{target} does not declare the \"ips\" capability: the request is dropped "
                               "(only the legacy CNI_ARGS path may still carry it)", "ips-capability-missing"))
        if ipam_type not in _IPS_IPAMS:
            out.append(Finding("warning", f"{path}.ips",
                               f"{target} uses {ipam_type or 'no'} IPAM, which does not honour requested ips "
                               "(static and host-local do)", "ips-ipam-unsupported"))
        if ipam_type == "host-local" and len(ips) > 1:
            out.append(Finding("error", f"{path}.ips",
                               "host-local takes a single requested address: Multus also passes IP=a,b "
                               "which host-local cannot parse (multus-cni #647)", "ips-host-local-multiple"))
    for j, ip in enumerate(ips):
        jp = f"{path}.ips[{j}]"
        try:
            iface = ipaddress.ip_interface(ip)
        except ValueError:
            continue  # _selection_findings reports the syntax (Multus refuses it)
        # host-local refuses a requested address outside its range set; whereabouts merely adds it.
        if nad is not None and nad.ipam_type == "host-local" and nad.ipam is not None:
            if not ipam_mod.contains(nad.ipam, str(iface.ip)):
                out.append(Finding("error", jp, f"{iface.ip} is outside {target}'s subnet or range",
                                   "ips-outside-range"))
        for holder in held.get(str(iface.ip), []):
            if holder.pod == me:
                continue
            verb = "asks for" if holder.requested else "already holds"
            if holder.network == target:
                out.append(Finding("error", jp, f"{holder.pod} {verb} {iface.ip} on {target}",
                                   "ips-in-use"))
            else:
                out.append(Finding("warning", jp,
                                   f"{holder.pod} {verb} {iface.ip} on {holder.network} (another network: "
                                   "a conflict if both share the same L2)", "ips-in-use-elsewhere"))
    return out


def _static_addresses(nad: NAD) -> list[Any]:
    ipam = nad.ipam or {}
    addrs = ipam.get("addresses")
    return addrs if isinstance(addrs, list) else []


def suggested_gateway(nad: NAD | None) -> str | None:
    """The gateway to offer as `default-route` for this NAD (its IPAM's), or None."""
    if nad is None or nad.ipam is None:
        return None
    return ipam_mod.ipam_gateway(nad.ipam)


def can_request_ips(nad: NAD | None) -> bool:
    """True when the NAD honours a pod's `ips` (capability declared and static/host-local IPAM)."""
    return nad is not None and bool(nad.capabilities.get("ips")) and nad.ipam_type in _IPS_IPAMS


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that must stop a create/patch (errors)."""
    return [f for f in findings if f.severity == "error"]
