"""The validator's verdicts proven with the real plugins (Debian containernetworking-plugins, /usr/lib/cni).

* Each error class: the validator reports an error whose message quotes what the plugin says, and
  the real plugin refuses the same config with those words.
* Each warning class: the plugin accepts the config but does not do what it says (shown in the
  namespaces), and the validator warns without an error.
* Each valid example of the new types: no error from the validator, a successful ADD and DEL.
  OpenShift's cnv-bridge / cnv-tuning run as the bridge / tuning binaries installed under those
  names, as cluster-network-addons-operator installs them.

Types whose plugin Debian does not ship (dummy, ovn-k8s-cni-overlay, bond, ib-sriov, sriov,
route-override, whereabouts) and the vlan/ipvlan plugins (their kernel modules are absent here)
are proven from their source: see the spec's `upstream` commit and tests/unit.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from multus_tui.multus.nad import NAD
from multus_tui.multus.validate import Finding, validate_nad
from tests.cni import cnirun
from tests.cni.netns import Namespaces, addresses, ip, ipj, link_exists

pytestmark = pytest.mark.root

STATIC = {"type": "static", "addresses": [{"address": "10.1.1.7/24"}]}


def macvlan(**kw: object) -> dict:
    return {"type": "macvlan", "master": "k8s-vlan1", "mode": "bridge", **kw}


def single(main: dict, name: str = "net") -> NAD:
    return NAD.from_config({"cniVersion": "1.0.0", "name": name, **main}, name=name, namespace="default")


def conflist(*plugins: dict, name: str = "net", **top: object) -> NAD:
    return NAD.from_config({"cniVersion": "1.0.0", "name": name, **top, "plugins": list(plugins)}, name=name,
                           namespace="default")


def errors(nad: NAD) -> list[Finding]:
    return [f for f in validate_nad(nad) if f.severity == "error"]


def only_code(nad: NAD, code: str, severity: str) -> Finding:
    hits = [f for f in validate_nad(nad) if f.code == code and f.severity == severity]
    assert hits, [(f.severity, f.code, f.path) for f in validate_nad(nad)]
    return hits[0]


# ------------------------------------------------------------------ errors: the plugin refuses
def _hl(tmp: Path, **ipam: object) -> dict:
    return {"type": "host-local", "dataDir": str(tmp), **ipam}


#: (case, config builder(tmp dir), finding code, words the plugin and the finding share)
REFUSED: list[tuple[str, Callable[[Path], NAD], str, str]] = [
    ("bridge-name-over-15-bytes", lambda t: single({"type": "bridge", "bridge": "a-very-long-bridge-name"}),
     "ifname-too-long", "numerical result out of range"),
    ("macvlan-master-over-15-bytes", lambda t: single(macvlan(master="k8s-vlan1-peer-long", ipam=STATIC)),
     "ifname-too-long", "numerical result out of range"),
    # a real cnv-bridge NAD's bridge name with a trailing space ("br1 "; run as bridge, the same binary)
    ("bridge-name-with-a-space", lambda t: single({"type": "bridge", "bridge": "br1 ", "vlan": 1223,
                                                   "macspoofchk": True}), "field-format", "invalid argument"),
    ("host-device-over-15-bytes", lambda t: single({"type": "host-device", "device": "hostdev-name-too-long"}),
     "ifname-too-long", "numerical result out of range"),
    ("bridge-mtu-below-68", lambda t: single({"type": "bridge", "bridge": "mtui-br0", "mtu": 67}),
     "mtu-range", "invalid argument"),
    ("bridge-mtu-above-65535", lambda t: single({"type": "bridge", "bridge": "mtui-br0", "mtu": 65536}),
     "mtu-range", "invalid argument"),
    ("tuning-mtu-below-68", lambda t: conflist(macvlan(ipam=STATIC), {"type": "tuning", "mtu": 60}),
     "mtu-range", "invalid argument"),
    ("bridge-vlan-4095", lambda t: single({"type": "bridge", "bridge": "mtui-br0", "vlan": 4095}),
     "field-range", "invalid VLAN ID 4095 (must be between 0 and 4094)"),
    ("static-route-off-link", lambda t: single(macvlan(ipam={**STATIC, "routes": [{"dst": "10.9.0.0/16",
                                                                                  "gw": "10.50.0.1"}]})),
     "route-unreachable", "network is unreachable"),
    ("host-local-gateway-off-link-used-by-a-route",
     lambda t: single(macvlan(ipam=_hl(t, ranges=[[{"subnet": "10.1.1.0/24", "gateway": "10.50.0.1"}]],
                                       routes=[{"dst": "10.9.0.0/16"}]))),
     "route-unreachable", "network is unreachable"),
    ("ptp-route-off-link", lambda t: single({"type": "ptp", "ipam": {**STATIC, "routes": [
        {"dst": "10.9.0.0/16", "gw": "10.50.0.1"}]}}), "route-unreachable", "network is unreachable"),
    ("second-interface-plugin", lambda t: conflist(macvlan(ipam=STATIC), {"type": "bridge", "bridge": "mtui-br0"}),
     "chain-order", "already exists"),
    ("args-not-an-object", lambda t: single({"type": "bridge", "bridge": "mtui-br0", "args": "x"}),
     "args-not-object", "cannot unmarshal string into Go struct field NetConf.args"),
    ("host-local-start-after-end",
     lambda t: single(macvlan(ipam=_hl(t, ranges=[[{"subnet": "10.1.1.0/24", "rangeStart": "10.1.1.50",
                                                   "rangeEnd": "10.1.1.20"}]]))),
     "range-order", "not in network 10.1.1.0/24"),
    ("host-local-overlapping-ranges",
     lambda t: single(macvlan(ipam=_hl(t, ranges=[
         [{"subnet": "10.1.1.0/24", "rangeStart": "10.1.1.10", "rangeEnd": "10.1.1.35"}],
         [{"subnet": "10.1.1.0/24", "rangeStart": "10.1.1.30", "rangeEnd": "10.1.1.40"}]]))),
     "subnet-overlap", "range set 0 overlaps with 1"),
    ("tuning-non-net-sysctl", lambda t: conflist(macvlan(ipam=STATIC),
                                                 {"type": "tuning", "sysctl": {"kernel.hostname": "x"}}),
     "field-format", 'invalid net sysctl key: "kernel.hostname"'),
    ("host-device-without-selector", lambda t: single({"type": "host-device"}),
     "host-device-selector", 'specify either "device", "hwaddr", "kernelpath" or "pciBusID"'),
    ("bridge-hairpin-and-promisc", lambda t: single({"type": "bridge", "bridge": "mtui-br0", "hairpinMode": True,
                                                     "promiscMode": True}),
     "bridge-hairpin-promisc", "cannot set hairpin mode and promiscuous mode at the same time"),
]


@pytest.mark.parametrize("case, build, code, words", REFUSED, ids=[c[0] for c in REFUSED])
def test_each_error_class_is_refused_by_the_real_plugin(netns: Namespaces, tmp_path: Path, case: str,
                                                         build: Callable[[Path], NAD], code: str, words: str) -> None:
    nad = build(tmp_path)
    finding = only_code(nad, code, "error")
    assert words in finding.message, finding.message
    with pytest.raises(cnirun.CNIError) as refused:
        cnirun.add(nad.config, netns.runtime())
    assert words in str(refused.value), str(refused.value)


# ------------------------------------------------------------------ warnings: accepted, not as written
def _kind(ns: str, dev: str) -> dict:
    (link,) = ipj("-d", "link", "show", "dev", dev, ns=ns)
    return link["linkinfo"]


def _sysctl(ns: str, path: str) -> str:
    return subprocess.run(["ip", "netns", "exec", ns, "cat", path], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_macvlan_vlan_key_is_ignored_and_the_traffic_stays_untagged(netns: Namespaces) -> None:
    nad = single(macvlan(vlan=100, ipam=STATIC))
    only_code(nad, "macvlan-vlan-ignored", "warning")
    assert not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    info = _kind(netns.pod, "net1")
    assert info["info_kind"] == "macvlan" and "id" not in info.get("info_data", {})  # no 802.1Q tag anywhere
    cnirun.delete(nad.config, rt, result)


def test_tuning_sysctl_naming_another_interface_changes_that_one(netns: Namespaces) -> None:
    # the pod's cluster interface: eth0 exists in every pod, so the plugin accepts the key
    ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer", ns=netns.pod)
    nad = conflist(macvlan(ipam=STATIC), {"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.arp_ignore": "1"}})
    warn = only_code(nad, "tuning-sysctl-fixed-ifname", "warning")
    assert "net.ipv4.conf.IFNAME.arp_ignore" in warn.message and not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert _sysctl(netns.pod, "/proc/sys/net/ipv4/conf/eth0/arp_ignore") == "1"
    assert _sysctl(netns.pod, "/proc/sys/net/ipv4/conf/net1/arp_ignore") == "0"  # not the attachment
    cnirun.delete(nad.config, rt, result)


def test_misspelled_ipam_routes_are_ignored(netns: Namespaces, tmp_path: Path) -> None:
    nad = single(macvlan(ipam=_hl(tmp_path, ranges=[[{"subnet": "10.1.1.0/24"}]], route=[{"dst": "10.9.0.0/16"}])))
    warn = only_code(nad, "unknown-key", "warning")
    assert warn.path == "ipam.route" and "did you mean 'routes'" in warn.message and not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert not any(r["dst"] == "10.9.0.0/16" for r in ipj("route", "show", ns=netns.pod))
    cnirun.delete(nad.config, rt, result)


def test_type_beside_plugins_runs_the_single_plugin_only(netns: Namespaces) -> None:
    # Multus (and cnirun, like it) takes the single-plugin path when `type` is set
    nad = NAD.from_config({"cniVersion": "1.0.0", "name": "net", **macvlan(ipam=STATIC),
                           "plugins": [macvlan(ipam=STATIC), {"type": "tuning", "mtu": 1400}]},
                          name="net", namespace="default")
    only_code(nad, "type-beside-plugins", "warning")
    assert not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    (link,) = ipj("link", "show", "dev", "net1", ns=netns.pod)
    assert link["mtu"] != 1400  # the list's tuning never ran
    cnirun.delete(nad.config, rt, result)


def test_capabilities_at_list_level_drop_the_pod_request(netns: Namespaces) -> None:
    nad = conflist(macvlan(ipam=STATIC), capabilities={"mac": True})
    warn = only_code(nad, "capabilities-list-level", "warning")
    assert warn.fix is not None and not errors(nad)
    rt = netns.runtime(runtime_config={"mac": "02:00:00:00:16:16"})
    result = cnirun.add(nad.config, rt)
    (link,) = ipj("link", "show", "dev", "net1", ns=netns.pod)
    assert link["address"] != "02:00:00:00:16:16"
    cnirun.delete(nad.config, rt, result)
    # moved where the fix puts it, the request arrives
    from multus_tui.multus.validate import apply_fix

    moved = NAD.from_config(apply_fix(nad.config, warn.fix), name="net", namespace="default")
    assert not [f for f in validate_nad(moved) if f.code == "capabilities-list-level"]
    rt = netns.runtime(runtime_config={"mac": "02:00:00:00:16:16"})
    result = cnirun.add(moved.config, rt)
    (link,) = ipj("link", "show", "dev", "net1", ns=netns.pod)
    assert link["address"] == "02:00:00:00:16:16"
    cnirun.delete(moved.config, rt, result)


def _hostdev(ns: Namespaces) -> None:
    ip("link", "add", "hostdev0", "type", "veth", "peer", "name", "hostdev0p", ns=ns.node)


def test_host_device_with_two_selectors_uses_device(netns: Namespaces) -> None:
    _hostdev(netns)
    nad = single({"type": "host-device", "device": "hostdev0", "hwaddr": "02:00:00:00:00:99", "ipam": STATIC})
    only_code(nad, "host-device-selector", "warning")
    assert not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert not link_exists(netns.node, "hostdev0") and link_exists(netns.pod, "net1")
    cnirun.delete(nad.config, rt, result)
    assert link_exists(netns.node, "hostdev0")


# ------------------------------------------------------------------ valid examples of the new types
@pytest.fixture
def cnv_path(tmp_path: Path) -> str:
    """A CNI_PATH with bridge and tuning installed as cnv-bridge and cnv-tuning (plus the IPAM plugins)."""
    d = tmp_path / "cnibin"
    d.mkdir()
    for name, target in (("cnv-bridge", "bridge"), ("cnv-tuning", "tuning"), ("host-local", "host-local"),
                         ("static", "static"), ("macvlan", "macvlan")):
        os.symlink(os.path.join(cnirun.CNI_PATH, target), d / name)
    return str(d)


def test_cnv_bridge_with_host_local_add_and_del(netns: Namespaces, tmp_path: Path, cnv_path: str) -> None:
    nad = single({"type": "cnv-bridge", "bridge": "mtui-br1", "isGateway": True, "mtu": 1400,
                  "ipam": _hl(tmp_path / "leases", ranges=[[{"subnet": "10.79.0.0/24"}]])})
    assert not errors(nad) and not [f for f in validate_nad(nad) if f.severity == "warning"]
    rt = netns.runtime(cni_path=cnv_path)
    result = cnirun.add(nad.config, rt)
    assert addresses(netns.pod, "net1") == ["10.79.0.2/24"]
    assert _kind(netns.node, "mtui-br1")["info_kind"] == "bridge"
    cnirun.delete(nad.config, rt, result)
    assert not link_exists(netns.pod, "net1")


def test_cnv_tuning_after_macvlan_add_and_del(netns: Namespaces, tmp_path: Path, cnv_path: str) -> None:
    nad = conflist(macvlan(ipam=STATIC), {"type": "cnv-tuning", "sysctl": {"net.ipv4.conf.IFNAME.arp_ignore": "1"},
                                          "dataDir": str(tmp_path)})
    assert not errors(nad)
    rt = netns.runtime(cni_path=cnv_path)
    result = cnirun.add(nad.config, rt)
    assert _sysctl(netns.pod, "/proc/sys/net/ipv4/conf/net1/arp_ignore") == "1"
    cnirun.delete(nad.config, rt, result)


def test_host_device_add_and_del(netns: Namespaces) -> None:
    _hostdev(netns)
    nad = single({"type": "host-device", "device": "hostdev0", "ipam": STATIC})
    assert not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert addresses(netns.pod, "net1") == ["10.1.1.7/24"]  # renamed to the pod's interface name
    cnirun.delete(nad.config, rt, result)
    assert link_exists(netns.node, "hostdev0") and not link_exists(netns.pod, "net1")


def test_disjoint_ranges_of_one_subnet_are_valid(netns: Namespaces, tmp_path: Path) -> None:
    """Formerly a false 'subnet-overlap' error: host-local compares ranges, not subnets."""
    nad = single(macvlan(ipam=_hl(tmp_path, ranges=[
        [{"subnet": "10.1.1.0/24", "rangeStart": "10.1.1.10", "rangeEnd": "10.1.1.20"}],
        [{"subnet": "10.1.1.0/24", "rangeStart": "10.1.1.30", "rangeEnd": "10.1.1.40"}]])))
    assert not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert sorted(addresses(netns.pod, "net1")) == ["10.1.1.10/24", "10.1.1.30/24"]
    cnirun.delete(nad.config, rt, result)


@pytest.mark.parametrize("mtu", [68, 65535])
def test_mtu_bounds_are_accepted(netns: Namespaces, mtu: int) -> None:
    nad = single({"type": "bridge", "bridge": "mtui-br0", "mtu": mtu})
    assert not errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert json.dumps(result)
    cnirun.delete(nad.config, rt, result)
