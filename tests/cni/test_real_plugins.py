"""Generated configs run through the real CNI plugins (/usr/lib/cni) in throwaway network namespaces.

Each test creates a *node* namespace (the plugins run there, with a veth or bridge as master)
and a *pod* namespace (CNI_NETNS), builds its config from the templates/specs (never hand-written
JSON), runs ADD like libcni, asserts interface, address and routes with `ip -j`, runs DEL and
asserts the cleanup. Fixture finalizers always delete the namespaces. Nothing touches the
host's own interfaces and no packet leaves the namespaces.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from multus_tui.multus import templates
from multus_tui.multus.nad import NAD
from multus_tui.multus.specs import CHAINED, IPAMS, PLUGINS, apply_values
from multus_tui.multus.validate import validate_nad
from tests.cni import cnirun
from tests.cni.netns import Namespaces, addresses, ipj, link_exists

pytestmark = pytest.mark.root


def _no_errors(nad: NAD) -> None:
    errors = [f for f in validate_nad(nad) if f.severity == "error"]
    assert not errors, errors


def test_s1_macvlan_static_sbr(netns: Namespaces) -> None:
    nad = templates.static_sbr(master="k8s-vlan1")
    _no_errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert result is not None and [i["address"] for i in result["ips"]] == ["192.168.0.20/24"]
    assert addresses(netns.pod, "net1") == ["192.168.0.20/24"]
    (link,) = ipj("-d", "link", "show", "dev", "net1", ns=netns.pod)
    assert link["linkinfo"]["info_kind"] == "macvlan"
    rules = ipj("rule", "show", ns=netns.pod)
    sbr = [r for r in rules if r.get("src") == "192.168.0.20"]
    assert sbr and str(sbr[0]["table"]) == "100", rules
    table = ipj("route", "show", "table", "100", ns=netns.pod)
    assert any(r["dst"] == "default" and r.get("gateway") == "192.168.0.254" and r.get("dev") == "net1"
               for r in table), table
    # the main table keeps no default route through net1: only the source rule sends traffic there
    main = ipj("route", "show", "table", "main", ns=netns.pod)
    assert not any(r["dst"] == "default" for r in main), main
    cnirun.delete(nad.config, rt, result)
    assert not link_exists(netns.pod, "net1")
    assert not [r for r in ipj("rule", "show", ns=netns.pod) if r.get("src") == "192.168.0.20"]


def test_s4_host_local_two_adds_get_20_and_21(netns: Namespaces, tmp_path: Path) -> None:
    nad = templates.host_local_pool(master="k8s-vlan1", data_dir=str(tmp_path / "ipam"))
    _no_errors(nad)
    rt1, rt2 = netns.runtime("net1"), netns.runtime("net2")
    r1 = cnirun.add(nad.config, rt1)
    r2 = cnirun.add(nad.config, rt2)
    assert r1 and r2
    assert addresses(netns.pod, "net1") == ["192.168.0.20/24"]
    assert addresses(netns.pod, "net2") == ["192.168.0.21/24"]
    leases = sorted(p.name for p in (tmp_path / "ipam" / nad.effective_cni_name).iterdir()
                    if p.name.startswith("192."))
    assert leases == ["192.168.0.20", "192.168.0.21"]
    cnirun.delete(nad.config, rt2, r2)
    cnirun.delete(nad.config, rt1, r1)
    assert not link_exists(netns.pod, "net1") and not link_exists(netns.pod, "net2")
    assert not [p for p in (tmp_path / "ipam" / nad.effective_cni_name).iterdir() if p.name.startswith("192.")]


def _single(main: dict, name: str, cni_version: str = "1.0.0") -> NAD:
    cfg = {"cniVersion": cni_version, "name": name}
    cfg.update(main)
    return NAD.from_config(cfg, name=name, namespace="default")


def test_bridge_with_host_local(netns: Namespaces, tmp_path: Path) -> None:
    main = apply_values(PLUGINS["bridge"], None, {"bridge": "mtui-br0", "isGateway": True})
    main["ipam"] = apply_values(IPAMS["host-local"], None, {
        "ranges": [[{"subnet": "10.77.0.0/24", "gateway": "10.77.0.1"}]], "dataDir": str(tmp_path)})
    nad = _single(main, "bridge-net")
    _no_errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert result is not None
    assert addresses(netns.pod, "net1") == ["10.77.0.2/24"]
    (br,) = ipj("-d", "link", "show", "dev", "mtui-br0", ns=netns.node)
    assert br["linkinfo"]["info_kind"] == "bridge"
    assert addresses(netns.node, "mtui-br0") == ["10.77.0.1/24"]  # isGateway
    routes = ipj("route", "show", ns=netns.pod)
    assert any(r["dst"] == "10.77.0.0/24" and r.get("dev") == "net1" for r in routes), routes
    cnirun.delete(nad.config, rt, result)
    assert not link_exists(netns.pod, "net1")


def test_ptp_with_host_local(netns: Namespaces, tmp_path: Path) -> None:
    main = apply_values(PLUGINS["ptp"], None, {})
    main["ipam"] = apply_values(IPAMS["host-local"], None, {
        "ranges": [[{"subnet": "10.78.0.0/24"}]], "dataDir": str(tmp_path),
        "routes": [{"dst": "10.99.0.0/16"}]})
    nad = _single(main, "ptp-net")
    _no_errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert result is not None
    assert addresses(netns.pod, "net1") == ["10.78.0.2/24"]
    (link,) = ipj("-d", "link", "show", "dev", "net1", ns=netns.pod)
    assert link["linkinfo"]["info_kind"] == "veth"
    routes = ipj("route", "show", ns=netns.pod)
    # ptp routes the IPAM routes via the gateway (the host side of the veth)
    assert any(r["dst"] == "10.99.0.0/16" and r.get("gateway") == "10.78.0.1" for r in routes), routes
    host_routes = ipj("route", "show", ns=netns.node)
    assert any(r["dst"] == "10.78.0.2" for r in host_routes), host_routes
    cnirun.delete(nad.config, rt, result)
    assert not link_exists(netns.pod, "net1")
    assert not any(r["dst"] == "10.78.0.2" for r in ipj("route", "show", ns=netns.node))


def test_tuning_sysctl_after_macvlan(netns: Namespaces, tmp_path: Path) -> None:
    main = apply_values(PLUGINS["macvlan"], None, {"master": "k8s-vlan1", "mode": "bridge"})
    main["ipam"] = apply_values(IPAMS["static"], None, {"addresses": [{"address": "192.168.5.7/24"}]})
    tuning = apply_values(CHAINED["tuning"], None, {
        "sysctl": {"net.ipv4.conf.IFNAME.arp_ignore": "1"}, "mtu": 1400, "dataDir": str(tmp_path)})
    cfg = {"cniVersion": "1.0.0", "name": "tuned", "plugins": [main, tuning]}
    nad = NAD.from_config(cfg, name="tuned", namespace="default")
    _no_errors(nad)
    rt = netns.runtime()
    result = cnirun.add(nad.config, rt)
    assert result is not None
    value = subprocess.run(["ip", "netns", "exec", netns.pod, "cat", "/proc/sys/net/ipv4/conf/net1/arp_ignore"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert value == "1"
    (link,) = ipj("link", "show", "dev", "net1", ns=netns.pod)
    assert link["mtu"] == 1400
    assert addresses(netns.pod, "net1") == ["192.168.5.7/24"]
    cnirun.delete(nad.config, rt, result)
    assert not link_exists(netns.pod, "net1")


def test_a_finding_error_is_a_real_plugin_error(netns: Namespaces) -> None:
    """The validator's `static-not-cidr` error is what the real static plugin rejects."""
    main = apply_values(PLUGINS["macvlan"], None, {"master": "k8s-vlan1"})
    main["ipam"] = {"type": "static", "addresses": [{"address": "192.168.0.20"}]}
    nad = _single(main, "bad-static")
    assert "static-not-cidr" in {f.code for f in validate_nad(nad)}
    with pytest.raises(cnirun.CNIError, match="CIDR"):
        cnirun.add(nad.config, netns.runtime())
