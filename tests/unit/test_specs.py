"""Field specs: coverage of the required types, shape, and the form helpers."""

from __future__ import annotations

import pytest

from multus_tui.multus.errors import ConfigError
from multus_tui.multus.specs import (
    CHAINED,
    IPAMS,
    PLUGINS,
    FieldSpec,
    apply_values,
    format_value,
    parse_value,
    parse_whereabouts_range,
    spec_for,
)

KINDS = {"str", "int", "bool", "enum", "cidr", "ip", "ip-list", "cidr-list", "map", "list", "object", "mac", "ifname"}


def test_every_required_type_has_a_spec() -> None:
    assert set(PLUGINS) == {"macvlan", "ipvlan", "bridge", "host-device", "vlan", "ptp", "ovs", "sriov", "dummy",
                            "bond", "ib-sriov", "ovn-k8s-cni-overlay", "cnv-bridge"}
    assert set(CHAINED) == {"tuning", "sbr", "portmap", "bandwidth", "route-override", "cnv-tuning"}
    assert set(IPAMS) == {"static", "host-local", "whereabouts", "dhcp"}
    assert all(s.role == "main" for s in PLUGINS.values())
    assert all(s.role == "chained" for s in CHAINED.values())
    assert all(s.role == "ipam" for s in IPAMS.values())


def test_the_tables_are_read_only() -> None:
    # each spec is complete where it is declared: nothing (at import or later) patches a table
    for table in (PLUGINS, CHAINED, IPAMS):
        with pytest.raises(TypeError):
            table["static"] = IPAMS["dhcp"]  # type: ignore[index]
    assert IPAMS["static"].type == "static"


def _walk(fields: tuple[FieldSpec, ...]):
    for f in fields:
        yield f
        if f.item_spec is not None:
            yield from _walk((f.item_spec,))
        yield from _walk(f.fields)


@pytest.mark.parametrize("spec", [*PLUGINS.values(), *CHAINED.values(), *IPAMS.values()], ids=lambda s: s.type)
def test_every_field_is_well_formed(spec) -> None:
    assert spec.title and spec.help and spec.source
    names = [f.name for f in spec.fields]
    assert len(names) == len(set(names)), "duplicate field"
    for f in _walk(spec.fields):
        assert f.kind in KINDS
        if f.kind == "enum":
            assert f.choices and (f.default is None or f.default in f.choices)
        if f.min is not None and f.max is not None:
            assert f.min <= f.max
        if f.kind in ("list", "map"):
            assert f.item_spec is not None, f.name
        if f.kind == "object" and f.name != "kubernetes":
            assert f.fields, f.name
    for f in spec.fields:
        assert f.help, f"{spec.type}.{f.name} has no help"


def test_facts_from_the_reference() -> None:
    assert PLUGINS["macvlan"].field("mode").choices == ("bridge", "private", "vepa", "passthru")
    assert PLUGINS["macvlan"].field("mode").default == "bridge"
    assert not PLUGINS["macvlan"].field("master").required  # optional in code (4.1)
    assert PLUGINS["vlan"].field("master").required and PLUGINS["vlan"].ipam == "required"
    assert (PLUGINS["vlan"].field("vlanId").min, PLUGINS["vlan"].field("vlanId").max) == (0, 4094)
    assert PLUGINS["ovs"].field("vlan").max == 4095
    assert PLUGINS["ipvlan"].ipam == "required" and not PLUGINS["ipvlan"].capabilities
    assert PLUGINS["ptp"].ipam == "required"
    assert PLUGINS["sriov"].needs_resource_name
    assert PLUGINS["sriov"].field("vlanQoS").max == 7
    assert "portMappings" in CHAINED["portmap"].capabilities
    assert "bandwidth" in CHAINED["bandwidth"].capabilities
    assert "mac" in CHAINED["tuning"].capabilities
    assert CHAINED["tuning"].field("sysctl").item_spec.kind == "str"
    assert IPAMS["static"].field("addresses").item_spec.member("address").kind == "cidr"
    assert IPAMS["whereabouts"].field("enable_overlapping_ranges").default is True
    assert spec_for("host-local") is IPAMS["host-local"] and spec_for("flannel") is None
    assert PLUGINS["vlan"].field_ci("vlanid").name == "vlanId"
    # OpenShift's names for bridge and tuning are the same binaries (cluster-network-addons-operator)
    assert PLUGINS["cnv-bridge"].fields == PLUGINS["bridge"].fields and PLUGINS["cnv-bridge"].alias_of == "bridge"
    assert CHAINED["cnv-tuning"].fields == CHAINED["tuning"].fields and CHAINED["cnv-tuning"].alias_of == "tuning"
    assert PLUGINS["dummy"].ipam == "required" and PLUGINS["ovn-k8s-cni-overlay"].ipam == "none"
    assert PLUGINS["ovn-k8s-cni-overlay"].field("topology").choices == ("layer3", "layer2", "localnet")
    assert PLUGINS["bond"].field("mode").required and PLUGINS["ib-sriov"].needs_resource_name
    assert IPAMS["whereabouts"].field("datastore") is None  # gone from whereabouts v0.9.4's struct


def test_parse_and_format_values_round_trip() -> None:
    mtu = PLUGINS["macvlan"].field("mtu")
    assert parse_value(mtu, " 1500 ") == 1500
    assert format_value(mtu, 1500) == "1500"
    assert parse_value(mtu, "") is None
    with pytest.raises(ConfigError, match="whole number"):
        parse_value(mtu, "15x")
    vid = PLUGINS["vlan"].field("vlanId")
    with pytest.raises(ConfigError, match="4094"):
        parse_value(vid, "5000")
    mode = PLUGINS["macvlan"].field("mode")
    with pytest.raises(ConfigError, match="bridge"):
        parse_value(mode, "bridged")
    proto = PLUGINS["sriov"].field("vlanProto")
    assert parse_value(proto, "802.1AD") == "802.1ad"
    gws = CHAINED["sbr"].field("gateways")
    assert parse_value(gws, "10.0.0.1, fd00::1") == ["10.0.0.1", "fd00::1"]
    assert format_value(gws, ["10.0.0.1", "fd00::1"]) == "10.0.0.1, fd00::1"
    with pytest.raises(ConfigError):
        parse_value(gws, "10.0.0.1, nope")
    flag = PLUGINS["bridge"].field("isGateway")
    assert parse_value(flag, "true") is True and format_value(flag, False) == "false"
    sysctl = CHAINED["tuning"].field("sysctl")
    assert parse_value(sysctl, '{"net.ipv4.ip_forward": "1"}') == {"net.ipv4.ip_forward": "1"}
    with pytest.raises(ConfigError):
        parse_value(sysctl, "[1]")
    addr = FieldSpec("address", "cidr")
    with pytest.raises(ConfigError, match="CIDR"):
        parse_value(addr, "192.168.0.20")


def test_apply_values_is_lossless_and_ordered() -> None:
    spec = PLUGINS["macvlan"]
    obj = {"type": "macvlan", "vendor.x": 1, "master": "eth0", "ipam": {"type": "dhcp"}}
    out = apply_values(spec, obj, {"master": "eth1", "mode": "vepa", "mtu": None})
    assert list(out) == ["type", "vendor.x", "master", "ipam", "mode"]
    assert out["master"] == "eth1" and out["mode"] == "vepa"
    assert apply_values(spec, out, {"mode": None}).get("mode") is None
    assert obj["master"] == "eth0"  # input untouched
    assert apply_values(spec, None, {"master": "x"}) == {"type": "macvlan", "master": "x"}


def test_defaults_for_a_new_form() -> None:
    assert PLUGINS["macvlan"].defaults() == {"type": "macvlan"}


@pytest.mark.parametrize("value, ok", [("192.168.2.225/28", True), ("192.168.2.225-192.168.2.230/28", True),
                                      ("fd00::/64", True), ("nope", False), ("1.2.3.4", False), (5, False)])
def test_whereabouts_range_forms(value, ok) -> None:
    assert (parse_whereabouts_range(value) is not None) is ok


def test_known_keys_are_the_specs_fields_as_the_config_spells_them():
    """The builder lists every other key as kept-but-not-edited (Go matches keys ignoring case)."""
    from multus_tui.multus import specs

    obj = {"type": "macvlan", "Master": "eth0", "mode": "bridge", "futureKey": 1}
    known = specs.spec_for("macvlan").known_keys(obj)
    assert {"Master", "mode"} <= known and "futureKey" not in known and "master" not in known
