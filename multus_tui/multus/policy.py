"""The severity policy of every finding, the kernel limits the checks use, and mechanical fixes.

Severity policy (applied by validate.py and the rules in specs.py; `CODES` records, per finding
code, the severity it may carry and why, and a test holds every emitted finding to it):

* **error**: the plugin or Multus refuses the config, so pod creation fails
  (`FailedCreatePodSandBox`). Only what the plugin's source or the real binary refuses is an
  error; a message that quotes the plugin says so in its own words.
* **warning**: accepted, but it does not do what it says: a key the plugin does not have (it is
  ignored), capabilities at list level, a top-level `type` beside `plugins` (Multus never reads
  the list), a selector or setting another one overrides, a macvlan `vlan` key, a tuning sysctl
  that names a fixed interface, a whereabouts bound outside its range.
* **info**: worth knowing, but the API cannot check it or nothing goes wrong by itself: node
  facts (the master exists on every node), what pods must supply (a resource, `ips`), and
  conventions (CNI name equal to the NAD name, spelling that only works because Go matches keys
  ignoring case).

One documented exception: a `{{ placeholder }}` cniVersion is a warning, not an error, because
the file is a template that is rendered before it is applied.

Fixes: a finding may carry a `Fix` (set / remove / rename at a JSON path of the config). Its
message proposes exactly that change, and a test applies every fix and re-validates: the finding
goes away and no new error appears.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
#: every severity, most severe first (the order findings are sorted and shown in)
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """Sort key of a severity: errors first, an unknown severity last."""
    return SEVERITY_ORDER.get(severity, len(SEVERITIES))


def count_by_severity(severities: Iterable[str]) -> dict[str, int]:
    """How many of each severity (every known severity present, 0 when absent)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for s in severities:
        counts[s] = counts.get(s, 0) + 1
    return counts


def has_errors(findings: Iterable[Any]) -> bool:
    """True when any finding (anything with a `severity`) is an error."""
    return any(f.severity == "error" for f in findings)

# ------------------------------------------------------------------ kernel limits
#: IFNAMSIZ is 16 including the NUL: a name has at most 15 bytes (dev_valid_name). Longer names
#: make netlink fail with ERANGE: the real bridge plugin says 'numerical result out of range'.
IFNAME_MAX = 15
#: 802.1Q ids usable on a link: 0 (none) .. 4094 (4095 is reserved); vlan and bridge check it.
VLAN_MAX = 4094
#: Ethernet MTU bounds (ETH_MIN_MTU 68, ETH_MAX_MTU 65535); 0 means "keep the kernel default".
#: The real bridge plugin with mtu 67 or 65536: 'could not add "br0": invalid argument'.
MTU_MIN = 68
MTU_MAX = 65535
#: the kernel's answers, as the plugins pass them on
ERANGE_TEXT = "numerical result out of range"
EINVAL_TEXT = "invalid argument"


# ------------------------------------------------------------------ fixes
FixOp = Literal["set", "remove", "rename", "move"]


@dataclass(frozen=True)
class Fix:
    """A mechanical change to the config that resolves a finding.

    `path` uses the validator's path syntax (`plugins[0].ipam.ranges[0][0].subnet`), relative to
    the object the rule checked until validate.py makes it absolute. `set` puts `value` at path,
    `remove` deletes path, `rename` moves path's value to the sibling key `value`, `move` moves it to
    the (absolute) path `value`, merging into an object already there.
    """

    op: FixOp
    path: str
    value: Any = None

    def moved(self, prefix_join: Any) -> Fix:
        """The same fix with its path made absolute by `prefix_join(path)`."""
        return Fix(self.op, prefix_join(self.path), self.value)


def did_you_mean(key: str, names: Iterable[str]) -> str | None:
    """The closest known name to a misspelled key (`route` -> `routes`), or None.

    Case differences are not near misses here (Go already matches them); plural/singular,
    transposed and dropped letters are.
    """
    names = [n for n in names if n.lower() != key.lower()]
    low = {n.lower(): n for n in names}
    hits = difflib.get_close_matches(key.lower(), list(low), n=1, cutoff=0.75)
    return low[hits[0]] if hits else None


# ------------------------------------------------------------------ the policy, per code
#: finding code -> (severities it may carry, why). Several severities mean the rule decides from
#: the context (e.g. `field-enum` is a warning where the plugin silently falls back to a default).
CODES: dict[str, tuple[frozenset[str], str]] = {}


def _code(code: str, severities: str, why: str) -> None:
    CODES[code] = (frozenset(severities.split()), why)


E, W, I = "error", "warning", "info"  # noqa: E741
for _c, _s, _why in (
    # manifest and config shape
    ("nad-name-invalid", E, "the API server refuses the object"),
    ("nad-name-not-label", W, "accepted, but the short annotation form cannot name it"),
    ("resource-name-invalid", E, "Multus cannot look up an empty resource"),
    ("config-not-json", E, "Multus: 'failed to unmarshal Spec.Config'"),
    ("config-missing", I, "Multus looks on the node (cannot be checked here)"),
    ("cni-version-missing", I, "plugins assume 0.1.0 and work"),
    ("template-placeholder", W, "a template: rendered before it is applied"),
    ("cni-version-invalid", E, "the plugin refuses an unknown version"),
    ("cni-name-missing", I, "Multus uses the NAD name"),
    ("cni-name-invalid", E, "libcni refuses the name"),
    ("cni-name-mismatch", I, "a convention: leases and messages use the CNI name"),
    ("plugins-empty", E, "libcni: no plugins in the list"),
    ("plugin-type-missing", E, "Multus: delegate must have the 'type' field"),
    ("type-beside-plugins", W, "Multus takes the single-plugin path and never reads plugins"),
    ("list-key-ignored", W, "libcni does not read this key at list level"),
    ("conflist-override", W, "libcni overwrites the plugin's value with the list's"),
    # plugins and chains
    ("chain-order", E, "a chained plugin without prevResult, or a second interface of the same name"),
    ("ipam-as-plugin", E, "an IPAM binary run as a plugin fails"),
    ("plugin-unknown", I, "no spec: only generic checks"),
    ("unknown-key", W, "the plugin ignores a key it does not have"),
    ("key-case", I, "works, because Go matches JSON keys ignoring case"),
    ("key-overridden", W, "another key of the config takes precedence"),
    ("field-type", E, "Go cannot decode the value: the plugin fails to parse the config"),
    ("field-enum", "error warning", "refused, or (where the plugin does not check) silently the default"),
    ("field-range", E, "the plugin or the kernel refuses the value"),
    ("field-format", E, "the plugin cannot parse the value"),
    ("field-required", E, "the plugin refuses the config without it"),
    ("ifname-too-long", E, "the kernel refuses names over 15 bytes (ERANGE)"),
    ("mtu-range", E, "the kernel refuses MTUs below 68 or above 65535"),
    ("node-fact", I, "only the node knows whether it exists"),
    ("args-not-object", E, "plugins fail to decode a non-object args"),
    ("capabilities-list-level", W, "libcni reads each plugin's own capabilities"),
    ("capability-unknown", W, "nothing supplies it, so declaring it does nothing"),
    ("capability-ignored", W, "the plugin does not read it: pod requests are dropped"),
    ("ipam-required", E, "the plugin runs IPAM and fails without it"),
    ("ipam-ignored", W, "the plugin never runs IPAM"),
    ("ipam-refused", E, "the plugin refuses an ipam block (OVN-Kubernetes)"),
    ("ipam-none", I, "L2 only: no address"),
    ("ipam-type-missing", E, "the plugin cannot run an IPAM without type"),
    ("resource-name-missing", "error info", "no device without it, unless a DRA driver passes it"),
    ("resource-name-pods", I, "pods must request the resource"),
    ("route-unreachable", "error warning", "the kernel refuses a route whose gateway is off-link"),
    # plugin rules
    ("bridge-hairpin-promisc", E, "bridge refuses both"),
    ("bridge-ipam-no-interface", E, "bridge refuses IPAM without an interface"),
    ("vlan-trunk", "error warning", "bridge/ovs refuse bad trunks; an empty entry is ignored"),
    ("vlan-one-per-node", I, "a second pod on the node fails"),
    ("macvlan-vlan-ignored", W, "macvlan has no VLAN setting"),
    ("host-device-selector", "error warning", "none: refused; several: the first one wins"),
    ("sriov-vlan-qos", E, "sriov refuses qos/proto without a vlan"),
    ("sriov-tx-rate", E, "the kernel refuses min above max"),
    ("bandwidth-rate-burst", E, "bandwidth refuses a rate without burst"),
    ("portmap-mark", E, "portmap refuses both"),
    ("sbr-gateways", E, "sbr refuses more than one gateway per family"),
    ("sbr-no-ip", W, "sbr has nothing to route"),
    ("tuning-sysctl-fixed-ifname", W, "applied to that interface, not this attachment's"),
    ("ovn-topology", "error warning", "OVN-Kubernetes refuses unknown topologies; none means the default network"),
    ("ovn-nad-name", E, "OVN-Kubernetes: net-attach-def name is inconsistent with config"),
    ("ovn-field-topology", "error warning", "refused, or ignored on this topology"),
    ("ovn-subnets", E, "OVN-Kubernetes cannot parse or place the subnets"),
    ("ovn-network-name", E, "OVN-Kubernetes refuses an empty or reserved network name"),
    ("bond-links", E, "bond needs at least two named links"),
    ("bond-option", E, "bond refuses the option in this mode"),
    ("ib-sriov-dhcp", E, "ib-sriov refuses dhcp"),
    ("route-override-chained", E, "route-override needs a prevResult"),
    # IPAM
    ("hostlocal-no-ranges", E, "host-local: 'no IP ranges specified'"),
    ("subnet-host-bits", E, "host-local: 'Network has host bits set'"),
    ("subnet-too-small", E, "host-local: 'too small to allocate from'"),
    ("subnet-overlap", E, "host-local: ranges overlap"),
    ("range-outside-subnet", "error warning", "host-local refuses; whereabouts ignores the bound"),
    ("gateway-outside-subnet", W, "accepted; nothing can reach the gateway"),
    ("range-order", "error warning", "host-local refuses; whereabouts ignores range_end"),
    ("range-family-mix", E, "host-local: 'mixed address families'"),
    ("host-local-per-node", I, "pools are per node"),
    ("range-host-bits", W, "whereabouts masks the host bits"),
    ("exclude-outside-range", W, "excludes nothing"),
    ("gateway-in-range", W, "whereabouts may hand out the gateway"),
    ("whereabouts-no-range", E, "whereabouts has nothing to allocate from"),
    ("static-no-addresses", W, "works only when every pod passes ips"),
    ("static-single-pod", I, "one address, one pod at a time"),
    ("static-not-cidr", E, "static: 'is NOT in CIDR notation'"),
    ("static-one-per-family", E, "CNI < 0.3.0 carries one address per family"),
    ("ipam-dns-not-applied", W, "reported, never written to resolv.conf"),
    ("dhcp-ipvlan", E, "DHCP cannot work on a shared MAC"),
    ("dhcp-daemon", I, "needs the daemon on every node"),
):
    _code(_c, _s, _why)


def allowed(code: str, severity: str) -> bool:
    """True when the policy allows `severity` for `code` (unregistered codes are never allowed)."""
    entry = CODES.get(code)
    return entry is not None and severity in entry[0]
