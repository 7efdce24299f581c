"""S1, S2, S4 (seed-scenarios.md) and the whereabouts pool: rendered as described, lint clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from multus_tui.multus import templates
from multus_tui.multus.nad import NAD
from multus_tui.multus.selection import parse_networks
from multus_tui.multus.validate import validate_nad


def rendered(nad: NAD) -> tuple[dict, dict]:
    text = nad.render_yaml()
    assert "  config: |-\n" in text
    obj = yaml.safe_load(text)
    return obj, json.loads(obj["spec"]["config"])


def not_info(nad: NAD) -> list:
    return [(f.severity, f.code) for f in validate_nad(nad) if f.severity != "info"]


def test_s1_fixed_address_with_sbr() -> None:
    obj, cfg = rendered(templates.static_sbr())
    assert obj["metadata"]["name"] == "vlan1-internal-static"
    assert cfg == {
        "cniVersion": "0.3.1",
        "name": "vlan1-internal-static",
        "plugins": [
            {"type": "macvlan", "master": "k8s-vlan1", "mode": "bridge",
             "ipam": {"type": "static", "addresses": [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]}},
            {"type": "sbr"},
        ],
    }
    assert not_info(templates.static_sbr()) == []
    # the pitfall (one address, one pod at a time) is said, as info
    assert "static-single-pod" in {f.code for f in validate_nad(templates.static_sbr())}


def test_s2_single_plugin_with_ips_capability() -> None:
    nad = templates.static_default_route()
    obj, cfg = rendered(nad)
    assert not nad.is_conflist and "plugins" not in cfg
    assert cfg["type"] == "macvlan" and cfg["master"] == "k8s-vlan1"
    assert cfg["capabilities"] == {"ips": True}
    assert cfg["ipam"] == {"type": "static"}
    assert not_info(nad) == [("warning", "static-no-addresses")]  # allowed: pods must pass ips
    (sel,) = parse_networks(templates.S2_POD_NETWORKS, "default")
    assert sel.name == "vlan1-internal-static" and sel.ips == ["192.168.0.20/24"]
    assert sel.default_route == ["192.168.0.254"]


def test_s4_shared_pool_in_kube_system() -> None:
    nad = templates.host_local_pool()
    obj, cfg = rendered(nad)
    assert obj["metadata"] == {"name": "vlan1-internal-pool", "namespace": "kube-system"}
    assert [p["type"] for p in cfg["plugins"]] == ["macvlan", "sbr"]
    assert cfg["plugins"][0]["ipam"] == {"type": "host-local", "ranges": [[{
        "subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20", "rangeEnd": "192.168.0.49",
        "gateway": "192.168.0.254"}]]}
    assert not_info(nad) == []
    assert "host-local-per-node" in {f.code for f in validate_nad(nad)}  # the pitfall, as info


def test_whereabouts_pool_is_clean() -> None:
    nad = templates.whereabouts_pool()
    _, cfg = rendered(nad)
    assert cfg["plugins"][0]["ipam"]["type"] == "whereabouts"
    assert not_info(nad) == []


def test_every_template_builds_and_has_metadata() -> None:
    for t in templates.TEMPLATES.values():
        assert t.title and t.help
        nad = t.build()
        assert nad.config is not None and nad.name


def test_seed_manifests_lint_clean_via_cli(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "samplepod", "namespace": "default",
           "annotations": {"k8s.v1.cni.cncf.io/networks": "kube-system/vlan1-internal-pool"}},
           "spec": {"containers": [{"name": "c", "image": "dougbtv/centos-network"}]}}
    s2pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "s2", "namespace": "default",
             "annotations": {"k8s.v1.cni.cncf.io/networks": templates.S2_POD_NETWORKS}},
             "spec": {"containers": [{"name": "c", "image": "x"}]}}
    s1 = templates.static_sbr(name="vlan1-s1")
    docs = [s1.render_yaml(), templates.host_local_pool().render_yaml(), yaml.safe_dump(pod),
            templates.static_default_route().render_yaml(), yaml.safe_dump(s2pod)]
    f = tmp_path / "seed.yaml"
    f.write_text("---\n".join(docs))
    out = subprocess.run([sys.executable, "-m", "multus_tui", "lint", str(f)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    warnings = [ln for ln in out.stdout.splitlines() if ": warning: " in ln]
    # only S2's "pods must pass ips" warning
    assert len(warnings) == 1, warnings
    assert "NetworkAttachmentDefinition/vlan1-internal-static" in warnings[0]
    assert "static IPAM without addresses" in warnings[0]
