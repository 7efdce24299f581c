"""network-status (multus-reference.md section 3): tolerant parsing, Multus' rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.status import (
    LEGACY_NETWORKS_STATUS_ANNOTATION,
    NETWORK_STATUS_ANNOTATION,
    NetworkStatus,
    parse_network_status,
    render_network_status,
    status_from_annotations,
)

PODSIDE = Path(__file__).parent.parent / "fixtures" / "podside"


def snippets(name: str) -> list[str]:
    return [s["text"] for s in yaml.safe_load((PODSIDE / name).read_text())["snippets"]]


def harvester_annotations() -> dict[str, str]:
    (text,) = snippets("network-status__harvester-docs__docs__advanced__storagenetwork.md.snippets.yml")
    head = text.split("\nOmitted")[0]
    return yaml.safe_load(head)["metadata"]["annotations"]


def quickstart_status() -> str:
    (text,) = snippets("network-status__multus__docs__quickstart.md.snippets.yml")
    # kubectl describe output: the JSON starts at the first '[' after the key
    return text[text.index("[", text.index("network-status:")):]


def test_harvester_has_both_annotations_and_singular_is_preferred():
    ann = harvester_annotations()
    assert NETWORK_STATUS_ANNOTATION in ann and LEGACY_NETWORKS_STATUS_ANNOTATION in ann
    sts = status_from_annotations(ann)
    assert [s.name for s in sts] == ["k8s-pod-network", "harvester-system/storagenetwork-95bj4"]
    assert sts[0].default and sts[0].interface is None and sts[0].ips == ["10.52.2.122"]
    assert (sts[1].interface, sts[1].mac, sts[1].namespace, sts[1].nad_name) == (
        "lhnet1", "2e:51:e6:31:96:40", "harvester-system", "storagenetwork-95bj4")
    # the legacy key alone is read too
    legacy_only = {LEGACY_NETWORKS_STATUS_ANNOTATION: ann[LEGACY_NETWORKS_STATUS_ANNOTATION]}
    assert status_from_annotations(legacy_only) == sts
    # and the singular wins when they differ
    mixed = {NETWORK_STATUS_ANNOTATION: "[]", LEGACY_NETWORKS_STATUS_ANNOTATION: ann[LEGACY_NETWORKS_STATUS_ANNOTATION]}
    assert status_from_annotations(mixed) == []


def test_harvester_render_is_byte_identical():
    """What we render is what Multus wrote on a real cluster."""
    value = harvester_annotations()[NETWORK_STATUS_ANNOTATION]
    assert render_network_status(parse_network_status(value)) == value


def test_quickstart_sample_bare_secondary_name():
    sts = parse_network_status(quickstart_status())
    assert sts[0] == NetworkStatus(name="cbr0", ips=["10.244.1.73"], default=True)
    assert (sts[1].name, sts[1].namespace, sts[1].interface) == ("macvlan-conf", None, "net1")


def test_kubevirt_default_without_interface_and_secondary_without_ips():
    texts = snippets("network-status__kubevirt-community__design-proposals__dynamic-primary-pod-nic-name.md.snippets.yml")
    first, second = (parse_network_status(t) for t in texts)
    assert first[0].interface == "custom-iface" and first[0].default
    assert second[0].interface is None and second[0].ips == ["10.244.196.146", "fd10:244::c491"]
    assert second[1].ips == [] and second[1].mac == "8a:37:d9:e7:0f:18"


def test_kubevirt_sriov_device_info():
    texts = snippets("network-status__kubevirt-community__design-proposals__sriov-interfaces-mapping.md.snippets.yml")
    first, second = (yaml.safe_load(t)[NETWORK_STATUS_ANNOTATION] for t in texts)
    sts = parse_network_status(first)
    assert sts[0].name == "kindnet" and sts[0].interface == "eth0" and sts[0].default
    assert [s.device_info["pci"]["pci-address"] for s in sts[1:]] == ["0000:04:02.5", "0000:04:02.2"]
    # the second upstream sample lost a closing brace: a clear error, not a crash
    with pytest.raises(AnnotationError, match="not valid JSON.*line"):
        parse_network_status(second)


def test_spec_examples():
    """The v1.3 spec examples: one has a smart quote (invalid JSON), others carry keys no Go type has."""
    texts = snippets("network-status__multi-net-spec__v1.3.snippets.yml")
    ok = bad = 0
    for t in texts:
        value = yaml.safe_load(t)["metadata"]["annotations"][NETWORK_STATUS_ANNOTATION]
        try:
            sts = parse_network_status(value)
        except AnnotationError as exc:
            assert "not valid JSON" in str(exc)
            bad += 1
            continue
        ok += 1
        assert any("default-route" in s.extra or "infiniband-guid" in s.extra for s in sts)
    assert bad >= 1 and ok >= 1


def test_tolerates_missing_and_unknown_keys():
    (s,) = parse_network_status('[{"name":"x","gateway":["10.0.0.1"],"mtu":9000,"future":{"a":1},"DNS":null}]')
    assert (s.gateway, s.mtu, s.extra, s.dns, s.default) == (["10.0.0.1"], 9000, {"future": {"a": 1}}, {}, False)
    (s,) = parse_network_status("[{}]")
    assert s.name == "" and s.ips == []


@pytest.mark.parametrize(
    "value,match",
    [("", "not valid JSON"), ("{", "not valid JSON"), ('{"name":"a"}', "list"), ('"x"', "list"),
     ("[1]", "not an object"), ('[{"ips":"1.2.3.4"}]', "ips"), ('[{"default":"yes"}]', "default"),
     ('[{"mtu":1.5}]', "mtu")],
)
def test_malformed(value, match):
    with pytest.raises(AnnotationError, match=match):
        parse_network_status(value)


def test_render_shape():
    sts = [
        NetworkStatus(name="kindnet", ips=["10.244.1.7"], default=True),
        NetworkStatus(name="infra/mv", interface="net1", ips=["10.1.1.21"], mac="86:1d:96:ff:55:0d",
                      mtu=9000, dns={"nameservers": ["10.1.1.1"], "search": []}, gateway=["10.1.1.254"],
                      device_info={"type": "pci"}),
    ]
    out = render_network_status(sts)
    assert out.startswith('[{\n    "name": "kindnet",') and "},{" in out
    second = json.loads(out)[1]
    # Go struct order of nad-client NetworkStatus; empty dns members omitted, dns always present
    assert list(second) == ["name", "interface", "ips", "mac", "mtu", "dns", "device-info", "gateway"]
    assert second["dns"] == {"nameservers": ["10.1.1.1"]}
    assert "default" not in second and json.loads(out)[0]["dns"] == {}
    assert parse_network_status(out)[1].gateway == ["10.1.1.254"]


def test_render_escapes_like_go():
    out = render_network_status([NetworkStatus(name="a<b>&c")])
    assert "\\u003c" in out and parse_network_status(out)[0].name == "a<b>&c"


def test_absent_annotation_is_empty():
    assert status_from_annotations({}) == [] and status_from_annotations(None) == []
