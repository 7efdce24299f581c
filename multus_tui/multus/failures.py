"""Why a pod has no secondary interface: read Multus' error out of pod events.

multus-reference.md section 5: a missing NAD gives a `NoNetworkFound` Warning from `multus`
(5.1); every attachment failure also (or only) appears inside kubelet's `FailedCreatePodSandBox`
text, whose anatomy is 5.2. `parse_failure` extracts the Multus error, the network it names and
classifies it into a `kind` plus the field a user should fix.

The `*_message` builders produce exactly those shapes; the sandbox's simulated Multus emits its
events with them so the parser and the simulator cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

# ---------------------------------------------------------------------------------- builders

MULTUS_CNI_NETWORK = "multus-cni-network"


def no_network_found_message(name: str, namespace: str, thick: bool = True) -> str:
    """`NoNetworkFound` event text (5.1); thick Multus reads NADs from an informer cache, whose
    not-found error names the resource differently from the thin plugin's API call."""
    resource = "networkattachmentdefinition.k8s.cni.cncf.io" if thick else "network-attachment-definitions.k8s.cni.cncf.io"
    return (
        f"cannot find a network-attachment-definition ({name}) in namespace ({namespace}): "
        f'{resource} "{name}" not found'
    )


def delegate_error(pod_ns: str, pod: str, uid: str, detail: str) -> str:
    """`Multus: [ns/pod/uid]: error loading k8s delegates ...` wrapping a NAD lookup/parse error (5.2)."""
    return (
        f"Multus: [{pod_ns}/{pod}/{uid}]: error loading k8s delegates k8s args: TryLoadPodDelegates: "
        f"error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: "
        f"getKubernetesDelegate: {detail}"
    )


def plugin_error(pod_ns: str, pod: str, uid: str, cni_network: str, detail: str) -> str:
    """A delegate's ADD failed: `[ns/pod/uid:net]: error adding container to network "net": ...` (5.2)."""
    return (
        f'[{pod_ns}/{pod}/{uid}:{cni_network}]: error adding container to network "{cni_network}": {detail}'
    )


def sandbox_failure_message(
    pod_ns: str, pod: str, multus_error: str, *, thick: bool = True,
    sandbox_id: str = "0" * 64, netns: str = "/var/run/netns/cni-0", uid: str = "",
) -> str:
    """The `FailedCreatePodSandBox` event text around a Multus error (5.2), thick or thin."""
    head = (
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
        f'sandbox "{sandbox_id}": '
    )
    if not thick:
        return head + f'plugin type="multus" name="{MULTUS_CNI_NETWORK}" failed (add): {multus_error}'
    args = (
        f"IgnoreUnknown=1;K8S_POD_NAMESPACE={pod_ns};K8S_POD_NAME={pod};"
        f"K8S_POD_INFRA_CONTAINER_ID={sandbox_id};K8S_POD_UID={uid}"
    )
    return head + (
        f'plugin type="multus-shim" name="{MULTUS_CNI_NETWORK}" failed (add): CmdAdd (shim): '
        f"CNI request failed with status 400: '&{{ContainerID:{sandbox_id} Netns:{netns} IfName:eth0 "
        f"Args:{args} Path: StdinData:[123 125]}} ERRORED: error configuring pod [{pod_ns}/{pod}] "
        f"networking: {multus_error}'"
    )


# ---------------------------------------------------------------------------------- parsing


@dataclass
class Failure:
    """One attachment failure read from an event message."""

    kind: str  # see _CLASSES below, "no-network-found", "namespace-isolation", ...
    cause: str  # short human text
    network: str | None = None  # "ns/name" when Multus names the NAD, else the CNI network name
    field: str | None = None  # what to fix: a NAD config path ("master", "ipam.ranges"), "spec.config",
    #                           or a pod-side key ("networks.default-route")
    namespace: str | None = None  # target namespace (namespace isolation) or the NAD's namespace
    pod: str | None = None  # "ns/pod" when the message names it
    detail: str = ""  # the full Multus error text
    nad_side: bool = True  # False when the fix is on the pod (annotation), not the NAD


_COUNT_SUFFIX = re.compile(r"\s*\(x\d+ over [^)]*\)\s*$")
_COMBINED = re.compile(r"^\s*\(combined from similar events\):\s*")
_NETWORKING = "networking: "
_THIN_ADD = re.compile(r'plugin type="multus[^"]*" name="[^"]*" failed \(add\): ')
_ADDING = re.compile(
    r'\[(?P<pod>[^\]/]+/[^\]/]+)(?:/[^\]:]*)?(?::(?P<net>[^\]]*))?\]: error adding container to network "(?P<cni>[^"]*)": '
)
_NOT_FOUND = re.compile(
    r"cannot find a network-attachment-definition \((?P<name>[^)]*)\) in namespace \((?P<ns>[^)]*)\)"
)
_ISOLATION = re.compile(
    r"namespace isolation enabled, annotation violates permission, pod is in namespace (?P<pod_ns>\S+) "
    r"but refers to target namespace (?P<target>[^\s'\"]+)"
)
_POD_CONFIGURING = re.compile(r"error configuring pod \[(?P<pod>[^\]]+)\] networking")
_MULTUS_POD = re.compile(r"Multus: \[(?P<ns>[^/\]]+)/(?P<pod>[^/\]]+)")

# (pattern, kind, field, short cause, fix on NAD?) — plugin errors seen in practice (5.2, 4.x).
_CLASSES: list[tuple[re.Pattern[str], str, str | None, str, bool]] = [
    (re.compile(r'failed to find plugin "(?P<x>[^"]*)" in path'), "plugin-missing", "type",
     'CNI plugin binary "{x}" is not installed on the node', True),
    (re.compile(r'failed to lookup master "(?P<x>[^"]*)": Link not found'), "link-not-found", "master",
     'master interface "{x}" does not exist on the node', True),
    (re.compile(r'failed to lookup master "(?P<x>[^"]*)"'), "link-not-found", "master",
     'cannot use master interface "{x}" on the node', True),
    (re.compile(r"failed to find host device"), "link-not-found", "device",
     "host device not found on the node", True),
    (re.compile(r"Link not found"), "link-not-found", "master", "a link named in the config does not exist on the node",
     True),
    (re.compile(r"unknown (?P<x>macvlan|ipvlan) mode"), "invalid-mode", "mode", "unknown {x} mode", True),
    (re.compile(r"IPAM plugin returned missing IP config"), "missing-ip-config", "ipam.addresses",
     "IPAM returned no address: static IPAM without addresses and the pod passed no 'ips'", True),
    (re.compile(r"no IP addresses available in range set"), "ipam-exhausted", "ipam.ranges",
     "the host-local range is exhausted on this node", True),
    (re.compile(r"Could not allocate IP in range"), "ipam-exhausted", "ipam.range",
     "the whereabouts range is exhausted", True),
    (re.compile(r"requested IP address (?P<x>\S+) is not available in range set"), "ip-unavailable",
     "networks.ips", "requested IP {x} is outside the range or already in use", False),
    (re.compile(r"requested ip (?P<x>\S+) is subnet's gateway"), "ip-unavailable", "networks.ips",
     "requested IP {x} is the subnet's gateway", False),
    (re.compile(r'error parsing value of pair "IP='), "cni-args-ip", "networks.ips",
     "host-local accepts a single requested IP via CNI_ARGS; dual-stack 'ips' fail (multus-cni #647)", False),
    (re.compile(r"is NOT in CIDR notation|is expected to be in CIDR notation"), "ips-not-cidr", "networks.ips",
     "a requested IP has no prefix length; static IPAM needs CIDR", False),
    (re.compile(r"error dialing DHCP daemon"), "dhcp-daemon", "ipam.type",
     "the CNI dhcp daemon is not running on the node", True),
    (re.compile(r"you have not configured the storage engine"), "whereabouts-storage", "ipam",
     "whereabouts has no kubeconfig for its storage", True),
    (re.compile(r"VF pci addr is required"), "sriov-device", "k8s.v1.cni.cncf.io/resourceName",
     "no VF was allocated: the NAD needs a resourceName and the pod a matching resource request", True),
    (re.compile(r"pci address (?P<x>\S+) is already allocated"), "sriov-device", "k8s.v1.cni.cncf.io/resourceName",
     "VF {x} is already in use", True),
    (re.compile(r"validateIfName: interface name (?P<x>\S+) already exists"), "interface-exists",
     "networks.interface", "interface name {x} is already used in the pod", False),
    (re.compile(r"failed to unmarshal Spec.Config|LoadDelegateNetConf|GetCNIConfig: err|"
                r"error parsing configuration|invalid character"), "invalid-config", "spec.config",
     "the NAD's spec.config is not valid CNI JSON", True),
]


def _clean(message: str) -> str:
    message = _COMBINED.sub("", message.strip())
    return _COUNT_SUFFIX.sub("", message)


def extract_multus_error(message: str) -> str:
    """The Multus part of a FailedCreatePodSandBox text: after the last `networking: ` (thick),
    else after `failed (add): ` (thin); the message itself otherwise."""
    message = _clean(message)
    if _NETWORKING in message:
        text = message.rsplit(_NETWORKING, 1)[1].rstrip()
        # the shim's quoted error ends with `'`, sometimes after a newline
        return (text[:-1] if text.endswith("'") else text).rstrip()
    adds = list(_THIN_ADD.finditer(message))
    if adds:
        return message[adds[-1].end():]
    return message


def parse_failure(event_message: str, reason: str | None = None) -> Failure | None:
    """Read a `NoNetworkFound` or `FailedCreatePodSandBox` message (5.1, 5.2). Returns None when
    the text is not a network setup failure (e.g. an image pull error)."""
    if not isinstance(event_message, str) or not event_message.strip():
        return None
    message = _clean(event_message)
    is_sandbox = "failed to setup network for sandbox" in message or "Failed to create pod sandbox" in message
    if reason == "FailedCreatePodSandBox" and not is_sandbox and "network" not in message:
        return None
    detail = extract_multus_error(message)
    pod = None
    if m := _POD_CONFIGURING.search(message):
        pod = m.group("pod")
    elif m := _MULTUS_POD.search(detail):
        pod = f"{m.group('ns')}/{m.group('pod')}"

    if m := _NOT_FOUND.search(detail):
        ns, name = m.group("ns"), m.group("name")
        return Failure("no-network-found", f"NetworkAttachmentDefinition {ns}/{name} does not exist",
                       network=f"{ns}/{name}", field=None, namespace=ns, pod=pod, detail=detail,
                       nad_side=False)
    if m := _ISOLATION.search(detail):
        target = m.group("target")
        return Failure("namespace-isolation",
                       f"namespace isolation: pods in {m.group('pod_ns')} may not use NADs of namespace {target}",
                       network=None, field="networks.namespace", namespace=target, pod=pod, detail=detail,
                       nad_side=False)
    if "multus does not support ECMP for default-route" in detail:
        return Failure("ecmp-default-route", "more than one default-route per IP family in the pod",
                       field="networks.default-route", pod=pod, detail=detail, nad_side=False)
    if "parsePodNetworkAnnotation" in detail or "parsePodNetworkObjectName" in detail or (
        "failed to parse CIDR" in detail or "failed to parse IP address" in detail or "failed to mac" in detail
    ):
        return Failure("annotation-syntax", "the k8s.v1.cni.cncf.io/networks annotation cannot be parsed",
                       field="networks", pod=pod, detail=detail, nad_side=False)
    if "readinessindicatorfile" in detail:
        return Failure("default-network-not-ready", "the cluster default network is not ready yet",
                       pod=pod, detail=detail, nad_side=False)

    network = None
    plugin_text = detail
    if m := _ADDING.search(detail):
        network = m.group("cni")
        plugin_text = detail[m.end():]
        pod = pod or m.group("pod")
    for pattern, kind, fix, cause, nad_side in _CLASSES:
        if pm := pattern.search(plugin_text):
            x = pm.groupdict().get("x") or ""
            return Failure(kind, cause.format(x=x), network=network, field=fix, pod=pod, detail=detail,
                           nad_side=nad_side)
    if network is not None:
        return Failure("plugin-error", _first_clause(plugin_text), network=network, pod=pod, detail=detail)
    if is_sandbox or reason in ("FailedCreatePodSandBox", "NoNetworkFound"):
        return Failure("sandbox-error", _first_clause(detail), pod=pod, detail=detail)
    return None


def _first_clause(text: str) -> str:
    text = text.strip().rstrip("'")
    return text if len(text) <= 200 else text[:197] + "..."


# ---------------------------------------------------------------------------------- events


def event_time(event: Mapping[str, Any]) -> str:
    """Sortable timestamp of an event dict (lastTimestamp, then eventTime, then firstTimestamp)."""
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        value = event.get(key)
        if value:
            return str(value)
    series = event.get("series")
    if isinstance(series, Mapping) and series.get("lastObservedTime"):
        return str(series["lastObservedTime"])
    return ""


FAILURE_REASONS = ("NoNetworkFound", "FailedCreatePodSandBox")


def failures_from_events(events: list[Mapping[str, Any]] | None) -> list[Failure]:
    """Failures of Warning events with a network-failure reason, newest first."""
    picked = []
    for ev in events or []:
        if not isinstance(ev, Mapping):
            continue
        if ev.get("type", "Warning") != "Warning" or ev.get("reason") not in FAILURE_REASONS:
            continue
        failure = parse_failure(str(ev.get("message") or ""), str(ev.get("reason")))
        if failure is not None:
            picked.append((event_time(ev), failure))
    picked.sort(key=lambda tf: tf[0], reverse=True)
    return [f for _, f in picked]


# Read-only members (properties), so that frozen views such as the cluster layer's EventView and
# NADView satisfy them.
class _Event(Protocol):
    @property
    def type(self) -> str: ...

    @property
    def message(self) -> str: ...


class _NadLike(Protocol):
    @property
    def namespace(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def nad(self) -> Any: ...


E = TypeVar("E", bound=_Event)
N = TypeVar("N", bound=_NadLike)


def distinct_failures(events: Iterable[E]) -> list[tuple[Failure, E]]:
    """Each distinct (network, cause) failure read out of the Warning events, with the first event
    that said it (events as the cluster layer's EventView, or anything with `type` and `message`)."""
    out: list[tuple[Failure, E]] = []
    seen: set[tuple[str, str]] = set()
    for ev in events:
        if ev.type != "Warning":
            continue
        f = parse_failure(ev.message or "")
        if f is None:
            continue
        k = (str(f.network), str(f.cause))
        if k not in seen:
            seen.add(k)
            out.append((f, ev))
    return out


def nad_for_network(nads: Iterable[N], network: str, pod_namespace: str) -> N | None:
    """The NAD a network name from a failure refers to: `ns/name`, a bare name in the pod's namespace,
    or a CNI network name (the `name` inside spec.config, which is what plugin errors print)."""
    if not network:
        return None
    nads = list(nads)
    if "/" in network:
        ns, name = network.split("/", 1)
        for v in nads:
            if v.namespace == ns and v.name == name:
                return v
    for v in nads:
        if v.namespace == pod_namespace and v.name == network:
            return v
    for v in nads:
        if v.nad.cni_name == network:  # None for a config that cannot be read
            return v
    return None
