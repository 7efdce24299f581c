"""Validation rules (multus-reference.md 4.17 and the seed pitfalls), one case per rule."""

from __future__ import annotations

import json

import pytest

from multus_tui.multus.nad import NAD
from multus_tui.multus.selection import parse_networks
from multus_tui.multus.validate import Finding, validate_nad, validate_selections


def nad(config: dict | str, name: str = "net-a", **annotations: str) -> NAD:
    text = config if isinstance(config, str) else json.dumps(config)
    return NAD.from_manifest({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                              "metadata": {"name": name, "annotations": dict(annotations)},
                              "spec": {"config": text}})


def mv(ipam: dict | None = None, **fields: object) -> dict:
    cfg: dict = {"cniVersion": "1.0.0", "name": "net-a", "type": "macvlan", "master": "eth1", **fields}
    if ipam is not None:
        cfg["ipam"] = ipam
    return cfg


def find(n: NAD, code: str) -> list[Finding]:
    return [f for f in validate_nad(n) if f.code == code]


def only(n: NAD, code: str, severity: str, path: str | None = None) -> Finding:
    hits = find(n, code)
    assert hits, f"{code} not in {[(f.code, f.path) for f in validate_nad(n)]}"
    assert hits[0].severity == severity
    if path is not None:
        assert hits[0].path == path
    return hits[0]


STATIC = {"type": "static", "addresses": [{"address": "10.0.0.5/24"}]}


def test_a_good_nad_has_no_errors_or_warnings() -> None:
    n = nad(mv({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.10",
                                                  "rangeEnd": "10.0.0.20", "gateway": "10.0.0.1"}]]}))
    assert [f for f in validate_nad(n) if f.severity != "info"] == []


@pytest.mark.parametrize("name, severity", [("Bad_Name", "error"), ("", "error"), ("my.net", "warning"),
                                            ("a" * 64, "warning")])
def test_nad_name_rules(name: str, severity: str) -> None:
    n = nad(mv(STATIC, name=name or "x"), name=name)
    code = "nad-name-not-label" if severity == "warning" else "nad-name-invalid"
    only(n, code, severity, "metadata.name")


def test_cni_name_mismatch_and_missing() -> None:
    only(nad(mv(STATIC, name="other")), "cni-name-mismatch", "info", "name")  # a convention (policy)
    cfg = mv(STATIC)
    del cfg["name"]
    only(nad(cfg), "cni-name-missing", "info")
    only(nad(mv(STATIC, name="has space")), "cni-name-invalid", "error")


def test_config_must_be_json() -> None:
    only(nad('{"type": "macvlan",}'), "config-not-json", "error", "spec.config")


def test_cni_versions() -> None:
    only(nad(mv(STATIC, cniVersion="4.0.0")), "cni-version-invalid", "error", "cniVersion")
    only(nad(mv(STATIC, cniVersion="{{ CNI_VERSION }}")), "template-placeholder", "warning")
    cfg = mv(STATIC)
    del cfg["cniVersion"]
    only(nad(cfg), "cni-version-missing", "info")


def test_chain_order() -> None:
    cfg = {"cniVersion": "1.0.0", "name": "net-a", "plugins": [{"type": "tuning"}, mv(STATIC)]}
    only(nad(cfg), "chain-order", "error", "plugins[0].type")
    # a second interface-creating plugin fails too (real bridge: 'container veth name provided (net1) already
    # exists'; tests/cni proves it)
    assert [f.severity for f in find(nad(cfg), "chain-order")] == ["error", "error"]
    cfg = {"cniVersion": "1.0.0", "name": "net-a", "plugins": [{"type": "sbr"}]}
    only(nad(cfg), "chain-order", "error")


def test_conflist_structure() -> None:
    only(nad({"cniVersion": "1.0.0", "name": "net-a", "plugins": []}), "plugins-empty", "error")
    only(nad({"cniVersion": "1.0.0", "name": "net-a"}), "plugin-type-missing", "error")
    only(nad({"cniVersion": "1.0.0", "name": "net-a", "plugins": [{"master": "x"}]}), "plugin-type-missing",
         "error", "plugins[0].type")
    only(nad({"name": "net-a", "type": "host-local"}), "ipam-as-plugin", "error")


def test_field_types_enums_ranges_from_the_specs() -> None:
    only(nad(mv(STATIC, mode="bridged")), "field-enum", "error", "mode")
    only(nad(mv(STATIC, mtu="1500")), "field-type", "error", "mtu")
    only(nad(mv(STATIC, mtu=-1)), "mtu-range", "error", "mtu")
    only(nad(mv(STATIC, mtu=67)), "mtu-range", "error", "mtu")  # the kernel's floor is 68
    assert not find(nad(mv(STATIC, mtu=68)), "mtu-range") and not find(nad(mv(STATIC, mtu=0)), "mtu-range")
    only(nad({"cniVersion": "1.0.0", "name": "net-a", "type": "bridge", "portIsolation": "true"}),
         "field-type", "error", "portIsolation")
    vlan = {"cniVersion": "1.0.0", "name": "net-a", "type": "vlan", "master": "eth0", "vlanId": 4095,
            "ipam": STATIC}
    only(nad(vlan), "field-range", "error", "vlanId")
    ovs = {"cniVersion": "1.0.0", "name": "net-a", "type": "ovs", "bridge": "br1", "vlan": 4095}
    assert not find(nad(ovs), "field-range")  # ovs tags go to 4095


def test_key_case_and_unknown_keys() -> None:
    vlan = {"cniVersion": "1.0.0", "name": "net-a", "type": "vlan", "master": "eth0", "vlanid": 5,
            "ipam": STATIC}
    only(nad(vlan), "key-case", "info", "vlanid")  # works: Go matches keys ignoring case
    assert not find(nad(vlan), "field-required")  # vlanid satisfies vlanId, as in Go
    no_master = {k: v for k, v in mv(STATIC).items() if k != "master"}
    typo = only(nad({**no_master, "mastr": "eth1"}), "unknown-key", "warning", "mastr")
    assert "did you mean 'master'" in typo.message
    routes = only(nad(mv({**STATIC, "route": [{"dst": "0.0.0.0/0"}]})), "unknown-key", "warning", "ipam.route")
    assert "did you mean 'routes'" in routes.message and routes.fix is not None
    assert "did you mean" not in only(nad(mv(STATIC, vendorx=1)), "unknown-key", "warning").message


def test_unknown_plugin_is_info_only() -> None:
    n = nad({"cniVersion": "0.3.1", "name": "net-a", "type": "flannel", "delegate": {"x": 1}})
    assert {f.severity for f in validate_nad(n)} == {"info"}
    only(n, "plugin-unknown", "info", "type")


def test_required_ipam_and_l2_only() -> None:
    only(nad({"cniVersion": "1.0.0", "name": "net-a", "type": "ptp"}), "ipam-required", "error", "ipam")
    only(nad({"cniVersion": "1.0.0", "name": "net-a", "type": "ipvlan", "ipam": {}}), "ipam-required", "error")
    only(nad(mv()), "ipam-none", "info")
    only(nad(mv({"subnet": "10.0.0.0/24"})), "ipam-type-missing", "error", "ipam.type")
    only(nad({"cniVersion": "1.0.0", "name": "net-a", "type": "vlan", "master": "e", "vlanId": 1}),
         "ipam-required", "error")


def test_host_local_rules() -> None:
    def hl(**r: str) -> NAD:
        return nad(mv({"type": "host-local", "ranges": [[r]]}))

    only(hl(subnet="10.0.0.5/24"), "subnet-host-bits", "error", "ipam.ranges[0][0].subnet")
    only(hl(subnet="10.0.0.0/31"), "subnet-too-small", "error")
    only(hl(subnet="10.0.0.0/24", rangeStart="10.0.1.1"), "range-outside-subnet", "error",
         "ipam.ranges[0][0].rangeStart")
    only(hl(subnet="10.0.0.0/24", rangeStart="10.0.0.50", rangeEnd="10.0.0.20"), "range-order", "error")
    only(hl(subnet="10.0.0.0/24", gateway="10.9.9.9"), "gateway-outside-subnet", "warning")
    only(hl(subnet="10.0.0.0/24x"), "field-format", "error")
    only(nad(mv({"type": "host-local"})), "hostlocal-no-ranges", "error")
    mixed = mv({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24"}, {"subnet": "fd00::/64"}]]})
    only(nad(mixed), "range-family-mix", "error")
    overlap = mv({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24"}], [{"subnet": "10.0.0.0/16"}]]})
    only(nad(overlap), "subnet-overlap", "error")
    legacy = mv({"type": "host-local", "subnet": "10.0.0.0/24", "rangeStart": "10.0.0.9"})
    assert not [f for f in validate_nad(nad(legacy)) if f.severity == "error"]
    only(hl(subnet="10.0.0.0/24"), "host-local-per-node", "info")  # S4 pitfall


def test_whereabouts_rules() -> None:
    def wb(**ipam: object) -> NAD:
        return nad(mv({"type": "whereabouts", **ipam}))

    only(wb(range="192.168.2.230/28"), "range-host-bits", "warning", "ipam.range")
    assert not find(wb(range="192.168.2.225/28"), "range-host-bits")  # .225 is the first usable address anyway
    assert not find(wb(range="192.168.2.225-192.168.2.230/28"), "range-host-bits")
    only(wb(range="10.0.0.0/24", exclude=["10.1.0.0/28"]), "exclude-outside-range", "warning",
         "ipam.exclude[0]")
    # whereabouts drops a bound outside the range (iphelpers.GetIPRange) and allocates from all of it
    only(wb(range="10.0.0.0/24", range_start="10.0.1.5"), "range-outside-subnet", "warning")
    only(wb(range="10.0.0.0/24", range_start="10.0.0.50", range_end="10.0.0.20"), "range-order", "warning")
    only(wb(range="10.0.0.0/24", gateway="10.0.0.1"), "gateway-in-range", "warning")
    assert not find(wb(range="10.0.0.0/24", gateway="10.0.0.1", exclude=["10.0.0.1/32"]), "gateway-in-range")
    only(wb(), "whereabouts-no-range", "error")
    only(wb(range="garbage/x"), "field-format", "error")


def test_static_rules() -> None:
    only(nad(mv({"type": "static", "addresses": [{"address": "10.0.0.5"}]})), "static-not-cidr", "error",
         "ipam.addresses[0].address")
    only(nad(mv({"type": "static"})), "static-no-addresses", "warning")  # S2 pitfall
    only(nad(mv(STATIC)), "static-single-pod", "info")  # S1 pitfall
    two = {"type": "static", "addresses": [{"address": "10.0.0.5/24"}, {"address": "10.0.1.5/24"}]}
    only(nad(mv(two, cniVersion="0.2.0")), "static-one-per-family", "error")
    assert not find(nad(mv(two, cniVersion="0.3.1")), "static-one-per-family")


def test_capabilities() -> None:
    only(nad(mv(STATIC, capabilities={"portMappings": True})), "capability-ignored", "warning",
         "capabilities.portMappings")
    ptp = {"cniVersion": "1.0.0", "name": "net-a", "type": "ptp", "ipam": STATIC, "capabilities": {"mac": True}}
    only(nad(ptp), "capability-ignored", "warning")
    assert not find(nad(mv({"type": "static"}, capabilities={"ips": True})), "capability-ignored")
    only(nad(mv({"type": "dhcp"}, capabilities={"ips": True})), "capability-ignored", "warning")
    only(nad(mv(STATIC, capabilities={"ips": "yes"})), "field-type", "error")
    only(nad(mv(STATIC, capabilities={"weird": True})), "capability-unknown", "warning")
    near = only(nad(mv(STATIC, capabilities={"portMapping": True})), "capability-unknown", "warning")
    assert "did you mean 'portMappings'" in near.message
    chained = {"cniVersion": "1.0.0", "name": "net-a",
               "plugins": [mv(STATIC), {"type": "portmap", "capabilities": {"portMappings": True}}]}
    assert not find(nad(chained), "capability-ignored")


def test_plugin_cross_field_rules() -> None:
    br = {"cniVersion": "1.0.0", "name": "net-a", "type": "bridge", "hairpinMode": True, "promiscMode": True}
    only(nad(br), "bridge-hairpin-promisc", "error")
    br2 = {"cniVersion": "1.0.0", "name": "net-a", "type": "bridge", "disableContainerInterface": True,
           "ipam": STATIC}
    only(nad(br2), "bridge-ipam-no-interface", "error")
    br3 = {"cniVersion": "1.0.0", "name": "net-a", "type": "bridge", "vlanTrunk": [{"minID": 20, "maxID": 10}]}
    only(nad(br3), "vlan-trunk", "error")
    hd = {"cniVersion": "1.0.0", "name": "net-a", "type": "host-device"}
    only(nad(hd), "host-device-selector", "error")
    hd2 = {"cniVersion": "1.0.0", "name": "net-a", "type": "host-device", "device": "eth2", "hwaddr": "02:00:00:00:00:01"}
    only(nad(hd2), "host-device-selector", "warning", "hwaddr")  # device wins; hwaddr is ignored (tests/cni)
    assert not find(nad(hd, **{"k8s.v1.cni.cncf.io/resourceName": "x/y"}), "host-device-selector")
    bw = {"cniVersion": "1.0.0", "name": "net-a", "plugins": [mv(STATIC), {"type": "bandwidth", "ingressRate": 1000}]}
    only(nad(bw), "bandwidth-rate-burst", "error", "plugins[1].ingressBurst")
    sbr = {"cniVersion": "1.0.0", "name": "net-a",
           "plugins": [mv(STATIC), {"type": "sbr", "gateways": ["10.0.0.1", "10.0.0.2"]}]}
    only(nad(sbr), "sbr-gateways", "error")
    no_ip = {"cniVersion": "1.0.0", "name": "net-a", "plugins": [mv(), {"type": "sbr"}]}
    only(nad(no_ip), "sbr-no-ip", "warning")


def test_sriov_and_resource_name() -> None:
    sriov = {"cniVersion": "1.0.0", "name": "net-a", "type": "sriov", "vlanQoS": 3}
    # valid where a DRA driver passes the VF (KubeVirt DRA SR-IOV): said, not refused
    dra = only(nad(sriov), "resource-name-missing", "info")
    assert "DRA" in dra.message and "VF pci addr is required" in dra.message
    only(nad(sriov), "sriov-vlan-qos", "error", "vlanQoS")
    only(nad({**sriov, "vlanQoS": 0}), "sriov-vlan-qos", "error", "vlanQoS")  # any qos needs a vlan key
    assert not find(nad({**sriov, "vlan": 0, "vlanQoS": 0}), "sriov-vlan-qos")
    ok = nad({"cniVersion": "1.0.0", "name": "net-a", "type": "sriov", "vlan": 10},
             **{"k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov"})
    assert not find(ok, "resource-name-missing")
    only(ok, "resource-name-pods", "info")
    rate = {"cniVersion": "1.0.0", "name": "net-a", "type": "sriov", "min_tx_rate": 100, "max_tx_rate": 10,
            "deviceID": "0000:3b:02.0"}
    only(nad(rate), "sriov-tx-rate", "error")


def test_ipam_dns_and_dhcp() -> None:
    only(nad(mv({**STATIC, "dns": {"nameservers": ["1.1.1.1"]}})), "ipam-dns-not-applied", "warning")
    ipv = {"cniVersion": "1.0.0", "name": "net-a", "type": "ipvlan", "ipam": {"type": "dhcp"}}
    only(nad(ipv), "dhcp-ipvlan", "error")
    only(nad(mv({"type": "dhcp"})), "dhcp-daemon", "info")


def test_findings_sorted_errors_first() -> None:
    fs = validate_nad(nad(mv({"type": "static"}, cniVersion="9", name="zz")))
    sev = [f.severity for f in fs]
    assert sev == sorted(sev, key=["error", "warning", "info"].index)


def test_validate_selections_wraps_the_selection_rules() -> None:
    sels = parse_networks('[{"name": "a", "gateway": ["10.0.0.1"]}, {"name": "b", "interface": "eth0"}]', "ns")
    fs = validate_selections(sels, pod_namespace="ns")
    assert all(isinstance(f, Finding) for f in fs)
    codes = {(f.code, f.path) for f in fs}
    assert ("unknown-key", "networks[0].gateway") in codes
    assert ("interface-taken", "networks[1].interface") in codes


def test_node_facts_are_info() -> None:
    only(nad(mv(STATIC)), "node-fact", "info", "master")


# ------------------------------------------------------------------ robustness (hypothesis)
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from multus_tui.multus.policy import allowed  # noqa: E402
from multus_tui.multus.specs import CHAINED, IPAMS, PLUGINS  # noqa: E402
from multus_tui.multus.validate import apply_fix  # noqa: E402

_leaf = st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(allow_nan=False) | st.sampled_from(
    ["", "10.0.0.0/24", "10.0.0.5", "fd00::/64", "10.0.0.1-10.0.0.9/24", "x", "02:00:00:00:00:01", "on", "bridge"])
_json = st.recursive(_leaf, lambda k: st.lists(k, max_size=3) | st.dictionaries(st.text(max_size=5), k, max_size=3),
                     max_leaves=10)
_names = sorted({f.name for s in (*PLUGINS.values(), *CHAINED.values(), *IPAMS.values()) for f in s.fields})
_plugin = st.fixed_dictionaries(
    {"type": st.sampled_from(sorted({*PLUGINS, *CHAINED, *IPAMS, "flannel"}))},
    optional={"ipam": st.fixed_dictionaries({"type": st.sampled_from(sorted(IPAMS))},
                                            optional={n: _json for n in _names[:40]}) | _json,
              "capabilities": st.dictionaries(st.sampled_from(["ips", "mac", "portMappings", "zz"]), _json),
              **{n: _json for n in _names}},
)


@settings(max_examples=120, deadline=None)
@given(st.one_of(_plugin, st.fixed_dictionaries({"plugins": st.lists(_plugin | _json, max_size=3)}), _json))
@example({"type": "bandwidth", "ipam": {"type": "whereabouts", "addresses": 1}})  # found by this test once
def test_validate_never_crashes(config) -> None:
    n = NAD.from_manifest({"kind": "NetworkAttachmentDefinition", "metadata": {"name": "n"},
                           "spec": {"config": json.dumps(config)}})
    for f in validate_nad(n):
        assert f.severity in ("error", "warning", "info") and f.code and f.message
        assert allowed(f.code, f.severity), (f.code, f.severity, f.message)  # the policy holds on any input
        if f.fix is not None:
            apply_fix(n.config, f.fix)  # every fix applies to the config it was found in


def test_messages_say_each_problem_once_and_never_propose_a_worse_config() -> None:
    # an out-of-subnet rangeEnd below rangeStart: only "outside subnet", not "swap them" (swapping
    # would move the bad address into rangeStart)
    typo = nad(mv({"type": "host-local", "ranges": [[{"subnet": "10.0.1.0/24", "rangeStart": "10.0.1.50",
                                                     "rangeEnd": "10.0.0.20"}]]}))
    assert [f.code for f in validate_nad(typo) if f.severity == "error"] == ["range-outside-subnet"]
    assert not any("swap" in f.message for f in validate_nad(typo))
    # a whereabouts IPAM without range: one finding, not field-required and whereabouts-no-range both
    missing = [f for f in validate_nad(nad(mv({"type": "whereabouts"}))) if f.path == "ipam.range"]
    assert [f.code for f in missing] == ["whereabouts-no-range"]
    # a macvlan vlan key: one warning that says what to do, not a generic unknown-key beside it
    vlan = [f for f in validate_nad(nad(mv(STATIC, vlan=100))) if f.path == "vlan"]
    assert [f.code for f in vlan] == ["macvlan-vlan-ignored"] and "master: eth1.100" in vlan[0].message


def test_list_level_keys_and_type_beside_plugins_are_warnings() -> None:
    caps = {"cniVersion": "1.0.0", "name": "net-a", "capabilities": {"mac": True}, "plugins": [mv(STATIC)]}
    f = only(nad(caps), "capabilities-list-level", "warning", "capabilities")
    assert f.fix is not None and f.fix.value == "plugins[0].capabilities"
    both = {**mv(STATIC), "plugins": [mv(STATIC)]}
    only(nad(both), "type-beside-plugins", "warning", "plugins")


def test_tuning_sysctl_rules() -> None:
    def tuned(sysctl: dict) -> NAD:
        return nad({"cniVersion": "1.0.0", "name": "net-a", "plugins": [mv(STATIC), {"type": "tuning",
                                                                                   "sysctl": sysctl}]})

    fixed = only(tuned({"net.ipv4.conf.eth0.arp_ignore": "1"}), "tuning-sysctl-fixed-ifname", "warning")
    assert fixed.fix is not None and fixed.fix.value == "net.ipv4.conf.IFNAME.arp_ignore"
    for ok in ({"net.ipv4.conf.IFNAME.arp_ignore": "1"}, {"net.ipv4.conf.all.arp_ignore": "1"},
               {"net.ipv4.ip_forward": "1"}, {"net/ipv6/conf/IFNAME/accept_ra": "0"}):
        assert not find(tuned(ok), "tuning-sysctl-fixed-ifname"), ok
    only(tuned({"kernel.hostname": "x"}), "field-format", "error")


def test_ovn_rules() -> None:
    def ovn(**kw: object) -> NAD:
        cfg = {"cniVersion": "0.3.1", "name": "tenant", "type": "ovn-k8s-cni-overlay", "topology": "layer2",
               "netAttachDefName": "default/net-a", **kw}
        return NAD.from_manifest({"kind": "NetworkAttachmentDefinition", "metadata": {"name": "net-a",
                                  "namespace": "default"}, "spec": {"config": json.dumps(cfg)}})

    assert not [f for f in validate_nad(ovn(subnets="10.100.0.0/24")) if f.severity != "info"]
    assert not find(ovn(), "cni-name-mismatch")  # the network name is shared by NADs: no convention
    only(ovn(topology="layer4"), "field-enum", "error", "topology")
    only(ovn(netAttachDefName="default/other"), "ovn-nad-name", "error", "netAttachDefName")
    only(ovn(topology="layer3", subnets="10.128.0.0/24"), "ovn-subnets", "error", "subnets")  # host /24 = /24
    assert not find(ovn(topology="layer3", subnets="10.128.0.0/14/23"), "ovn-subnets")
    only(ovn(subnets="10.0.0.0/24", excludeSubnets="10.1.0.0/28"), "ovn-subnets", "error", "excludeSubnets")
    only(ovn(vlanID=10), "ovn-field-topology", "warning", "vlanID")
    only(ovn(role="primary"), "ovn-subnets", "error", "subnets")
    only(ovn(ipam={"type": "host-local", "subnet": "10.0.0.0/24"}), "ipam-refused", "error", "ipam")
    only(ovn(topology=None), "ovn-topology", "warning", "topology")


def test_bond_rules() -> None:
    def bond(**kw: object) -> NAD:
        return nad({"cniVersion": "0.3.1", "name": "net-a", "type": "bond", "mode": "active-backup",
                    "miimon": "100", "links": [{"name": "net1"}, {"name": "net2"}], **kw})

    assert not [f for f in validate_nad(bond()) if f.severity == "error"]
    only(bond(links=[{"name": "net1"}]), "bond-links", "error", "links")
    only(bond(mode="lacp"), "field-enum", "error", "mode")
    only(bond(miimon=100), "field-type", "error", "miimon")  # bond-cni reads miimon as a string
    only(bond(mtu=60), "mtu-range", "error", "mtu")
