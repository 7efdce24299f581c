"""The NAD model: parse, inspect, edit, render; lossless for keys it does not know."""

from __future__ import annotations

import json

import pytest
import yaml

from multus_tui.multus.errors import ConfigError, ManifestError
from multus_tui.multus.nad import DESCRIPTION_ANNOTATION, NAD, RESOURCE_NAME_ANNOTATION, parse_config_text

CONFLIST = {
    "cniVersion": "0.3.1",
    "name": "net-a",
    "plugins": [
        {"type": "macvlan", "master": "eth1", "zz-vendor": {"keep": [1, 2]},
         "ipam": {"type": "host-local", "subnet": "10.1.0.0/24"}, "capabilities": {"ips": True}},
        {"type": "tuning", "capabilities": {"mac": True}},
        {"type": "sbr"},
    ],
}


def manifest(config: object, **meta: object) -> dict:
    return {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": "net-a", "namespace": "ns1", **meta},
        "spec": {"config": config if isinstance(config, str) else json.dumps(config)},
    }


def test_conflist_properties() -> None:
    nad = NAD.from_manifest(manifest(CONFLIST))
    assert nad.is_conflist
    assert nad.main_type == "macvlan"
    assert nad.chained_types == ["tuning", "sbr"]
    assert nad.ipam == {"type": "host-local", "subnet": "10.1.0.0/24"}
    assert nad.ipam_type == "host-local"
    assert nad.capabilities == {"ips": True, "mac": True}
    assert nad.cni_name == "net-a" and nad.cni_version == "0.3.1"
    assert [p["type"] for p in nad.plugins] == ["macvlan", "tuning", "sbr"]
    assert nad.key == "ns1/net-a"


def test_single_plugin_properties() -> None:
    cfg = {"cniVersion": "1.0.0", "type": "bridge", "bridge": "br0"}
    nad = NAD.from_manifest(manifest(cfg))
    assert not nad.is_conflist
    assert nad.plugins == [cfg]
    assert nad.ipam is None and nad.chained_types == []
    assert nad.cni_name is None and nad.effective_cni_name == "net-a"


def test_render_puts_config_in_a_literal_block_with_indent_2() -> None:
    text = NAD.from_manifest(manifest(CONFLIST)).render_yaml()
    assert text.startswith("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n")
    assert "  config: |-\n    {\n      \"cniVersion\": \"0.3.1\",\n" in text
    back = yaml.safe_load(text)
    assert json.loads(back["spec"]["config"]) == CONFLIST
    assert back["spec"]["config"] == json.dumps(CONFLIST, indent=2)


def test_unknown_keys_are_kept_in_place() -> None:
    obj = manifest(CONFLIST, uid="abc", labels={"a": "b"})
    obj["spec"]["future"] = {"x": 1}
    obj["status"] = {"observed": True}
    obj["metadata"] = {"uid": "abc", **obj["metadata"]}
    nad = NAD.from_manifest(obj)
    out = nad.to_manifest()
    assert list(out) == ["apiVersion", "kind", "metadata", "spec", "status"]
    assert list(out["metadata"]) == list(obj["metadata"])  # original order, uid first
    assert out["spec"]["future"] == {"x": 1}
    cfg = json.loads(out["spec"]["config"])
    assert list(cfg["plugins"][0]) == list(CONFLIST["plugins"][0])  # key order, vendor key kept
    assert cfg == CONFLIST


def test_edit_then_render_keeps_the_rest() -> None:
    nad = NAD.from_manifest(manifest(CONFLIST))
    nad.config["plugins"][0]["master"] = "eth2"
    nad.description = "lab network"
    nad.resource_name = "intel.com/sriov"
    out = nad.to_manifest()
    assert out["metadata"]["annotations"] == {DESCRIPTION_ANNOTATION: "lab network",
                                              RESOURCE_NAME_ANNOTATION: "intel.com/sriov"}
    assert json.loads(out["spec"]["config"])["plugins"][0]["zz-vendor"] == {"keep": [1, 2]}
    nad.description = None
    nad.resource_name = None
    assert "annotations" not in nad.to_manifest()["metadata"]


def test_description_read_from_fallback_and_rewritten_there() -> None:
    nad = NAD.from_manifest(manifest(CONFLIST, annotations={"description": "old"}))
    assert nad.description == "old"
    nad.description = "new"
    assert nad.annotations == {"description": "new"}


def test_invalid_json_config_is_kept_verbatim() -> None:
    bad = '{"type": "macvlan" "master": "eth0",}'
    nad = NAD.from_manifest(manifest(bad))
    assert nad.config is None and nad.config_error and "not valid JSON" in nad.config_error
    assert yaml.safe_load(nad.render_yaml())["spec"]["config"] == bad


@pytest.mark.parametrize("text", ["[]", "1", '"x"', "", "   ", '{"a": NaN}', "{"])
def test_parse_config_text_rejects_non_objects(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_config_text(text)


def test_no_spec_means_no_config() -> None:
    obj = manifest(CONFLIST)
    del obj["spec"]
    nad = NAD.from_manifest(obj)
    assert nad.config is None and nad.config_text is None and nad.config_error is None
    assert "spec" not in nad.to_manifest()


def test_yaml_object_as_config_is_an_error_not_a_crash() -> None:
    obj = manifest(CONFLIST)
    obj["spec"]["config"] = {"type": "macvlan"}
    nad = NAD.from_manifest(obj)
    assert nad.config is None and "must be a string" in (nad.config_error or "")


@pytest.mark.parametrize("obj", [None, [], "x", {"kind": "Pod"}, {"kind": "NetworkAttachmentDefinition", "metadata": []}])
def test_not_a_nad_raises_manifest_error(obj: object) -> None:
    with pytest.raises(ManifestError):
        NAD.from_manifest(obj)


def test_from_config_text_and_dict() -> None:
    nad = NAD.from_config('{"cniVersion": "1.0.0", "name": "raw", "type": "ptp", "ipam": {"type": "dhcp"}}')
    assert nad.name == "raw" and nad.main_type == "ptp" and nad.ipam_type == "dhcp"
    nad2 = NAD.from_config({"type": "bridge"}, name="b", namespace="x", resource_name="r/x")
    assert nad2.to_manifest()["metadata"] == {"name": "b", "namespace": "x",
                                              "annotations": {RESOURCE_NAME_ANNOTATION: "r/x"}}
    with pytest.raises(ConfigError):
        NAD.from_config("[1]")


def test_non_printable_characters_still_give_a_block_scalar() -> None:
    cfg = {"name": "n", "type": "macvlan", "note": "a\u2028b\x1b"}
    text = NAD.from_config(cfg, name="n").render_yaml()
    assert "config: |-" in text
    assert json.loads(yaml.safe_load(text)["spec"]["config"]) == cfg


# ------------------------------------------------------------------ parsers never raise foreign errors
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from multus_tui.multus.errors import MultusTuiError  # noqa: E402
from multus_tui.multus.manifests import read_documents  # noqa: E402

_any = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda k: st.lists(k, max_size=3) | st.dictionaries(st.text(max_size=8), k, max_size=3),
                    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(meta=_any, spec=_any, kind=st.sampled_from(["NetworkAttachmentDefinition", "Pod", None]))
def test_from_manifest_gives_a_nad_or_our_error(meta, spec, kind) -> None:
    try:
        n = NAD.from_manifest({"kind": kind, "metadata": meta, "spec": spec})
    except MultusTuiError:
        return
    yaml.safe_load(n.render_yaml())
    _ = (n.plugins, n.ipam, n.capabilities, n.chained_types, n.main_type, n.description, n.resource_name)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parse_config_text_gives_a_dict_or_config_error(text: str) -> None:
    try:
        assert isinstance(parse_config_text(text), dict)
    except ConfigError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:- \n#{}[]'\"|>&*!%.\t")), max_size=80))
def test_read_documents_never_raises(text: str) -> None:
    for d in read_documents(text):
        assert d.number >= 1 and (d.error is None or isinstance(d.error, str))
