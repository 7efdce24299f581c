"""The upstream corpus (tests/fixtures/corpus): round trip of every NAD and lint's verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from multus_tui.commands.lint import lint
from multus_tui.multus.errors import ConfigError
from multus_tui.multus.manifests import is_nad, read_documents
from multus_tui.multus.nad import NAD, parse_config_text
from multus_tui.multus.validate import validate_nad
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "corpus"
MANIFESTS = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml") and ".snippets." not in p.name)


def corpus_nads() -> list[tuple[str, int, dict]]:
    out = []
    for path in MANIFESTS:
        for doc in read_documents(path.read_text()):
            if doc.error is None and is_nad(doc.obj):
                out.append((path.name, doc.number, doc.obj))
    return out


NADS = corpus_nads()


def test_corpus_is_complete() -> None:
    assert len(list(CORPUS.glob("*.y*ml"))) == 98 and (CORPUS / "INDEX.md").exists()
    # INDEX.md: 78 NAD documents (75 parseable configs, 2 without spec, 1 invalid JSON); the NAD in the
    # upstream-invalid YAML document is not readable and not counted
    assert len(NADS) == 78
    assert all(p.read_text().startswith("# origin:") for p in CORPUS.glob("*.y*ml"))


@pytest.mark.parametrize("fname, num, obj", NADS, ids=[f"{f}:{n}" for f, n, _ in NADS])
def test_every_nad_survives_parse_and_render(fname: str, num: int, obj: dict) -> None:
    nad = NAD.from_manifest(obj)
    back = yaml.safe_load(nad.render_yaml())
    assert back["metadata"] == obj["metadata"]
    raw = (obj.get("spec") or {}).get("config")
    if nad.config is not None:
        assert json.loads(back["spec"]["config"]) == json.loads(raw)
        assert "config: |-" in nad.render_yaml()
    else:
        assert (back.get("spec") or {}).get("config") == raw  # broken or absent config kept verbatim
    # rendering is a fixed point
    assert NAD.from_manifest(back).render_yaml() == nad.render_yaml()


def test_counts_match_the_index() -> None:
    parsed = [NAD.from_manifest(o) for _, _, o in NADS]
    assert sum(n.config is not None for n in parsed) == 75
    assert sum(n.config is None and n.config_error is None for n in parsed) == 2
    assert sum(n.config_error is not None for n in parsed) == 1


# lint exit status per corpus manifest: everything lints without errors except the upstream mistakes
EXPECTED_EXIT = {
    "ovs-cni__docs__vdpa.md.yml": 1,  # cniVersion 4.0.0
    "kubevirt-community__design-proposals__dynamic-primary-pod-nic-name.md.yml": 1,  # config not JSON
    "kubevirt-community__design-proposals__sriov-interfaces-mapping.md.yml": 2,  # invalid YAML document
    # fast-IPAM example: a /22 node slice of a /24 range (whereabouts' own iphelpers test expects that to fail)
    "whereabouts__README.md.yml": 1,
}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_lint_verdict(path: Path) -> None:
    reported, read_errors, unparseable = lint([str(path)])
    assert not read_errors
    rc = 2 if unparseable else int(any(r.finding.severity == "error" for r in reported))
    assert rc == EXPECTED_EXIT.get(path.name, 0), [r.line() for r in reported if r.finding.severity == "error"]


def findings_of(name: str) -> list[tuple[int, str, str, str]]:
    reported, _, _ = lint([str(CORPUS / name)])
    return [(r.doc, r.finding.severity, r.finding.code, r.finding.path) for r in reported]


ANNOT = 'metadata.annotations["k8s.v1.cni.cncf.io/networks"]'


def test_defect_gateway_instead_of_default_route() -> None:
    assert (2, "warning", "unknown-key", f"{ANNOT}[0].gateway") in findings_of("multus__examples__macvlan-pod.yml")


def test_defect_bond_pod_references_missing_nad() -> None:
    hits = [f for f in findings_of("bond-cni__README.md.yml") if f[2] == "nad-not-in-input"]
    assert hits == [(4, "warning", "nad-not-in-input", f"{ANNOT}[2].name")]


def test_defect_vlanid_spelling() -> None:
    # info since issue 16: Go matches keys ignoring case, so it works (policy.py)
    assert (1, "info", "key-case", "vlanid") in findings_of("multus-old__examples__npwg-demo-1__05_vlan1.yml")


def test_defect_whereabouts_node_slice_larger_than_range() -> None:
    found = findings_of("whereabouts__README.md.yml")
    assert (2, "error", "field-range", "ipam.node_slice_size") in found


def test_defect_cni_version_4() -> None:
    assert (1, "error", "cni-version-invalid", "cniVersion") in findings_of("ovs-cni__docs__vdpa.md.yml")


def test_defect_invalid_json_config() -> None:
    name = "kubevirt-community__design-proposals__dynamic-primary-pod-nic-name.md.yml"
    assert any(f[2] == "config-not-json" and f[1] == "error" for f in findings_of(name))


def test_defect_invalid_yaml_document_does_not_hide_the_others() -> None:
    found = findings_of("kubevirt-community__design-proposals__sriov-interfaces-mapping.md.yml")
    assert (2, "error", "yaml-invalid", "") in found
    assert any(f[0] == 3 for f in found)  # the document after the broken one is still checked


def test_defect_whereabouts_range_with_host_bits() -> None:
    # 192.168.2.225/24 allocates from 192.168.2.1, not .225 (whereabouts masks the host bits)
    name = "whereabouts__yamls__whereaboutsScaleNAD.yaml"
    assert any(f[2] == "range-host-bits" and f[1] == "warning" for f in findings_of(name)), name
    # 192.168.2.225/28: masked to .224, whose first usable address is .225 anyway: no difference, no finding
    assert not any(f[2] == "range-host-bits" and f[0] == 1 for f in findings_of("whereabouts__README.md.yml"))


def snippets(name: str) -> dict[str, str]:
    data = yaml.safe_load((CORPUS / name).read_text())
    return {s["id"]: s["text"] for s in data["snippets"]}


def test_defect_broken_pod_indentation(tmp_path: Path) -> None:
    f = tmp_path / "pod.yml"
    f.write_text(snippets("multus__docs__configuration.md.snippets.yml")["block-14"])
    reported, _, _ = lint([str(f)])
    assert [r.finding.code for r in reported] == ["misplaced-metadata"]


def test_defect_bridge_port_isolation_string() -> None:
    text = snippets("cni.dev__plugins__current__main__bridge.md.snippets.yml")["block-3"]
    codes = {(f.code, f.path) for f in validate_nad(NAD.from_config(text))}
    assert ("field-type", "portIsolation") in codes


@pytest.mark.parametrize("name, sid", [("cni.dev__plugins__current__meta__sbr.md.snippets.yml", "block-0"),
                                       ("whereabouts__doc__sample_config.json.snippets.yml", "whole-file")])
def test_defect_invalid_json_snippets(name: str, sid: str) -> None:
    with pytest.raises(ConfigError):
        parse_config_text(snippets(name)[sid])


def test_defect_spec_examples_are_not_json() -> None:
    bad = [t for t in snippets("multi-net-spec__v1.3__pod-annotation-examples.snippets.yml").values()
           if "“" in t or "//" in t or '"bandwidth:' in t]
    assert bad
    from multus_tui.multus.errors import MultusTuiError
    from multus_tui.multus.selection import parse_networks

    for text in bad:
        try:
            obj = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        value = ((obj or {}).get("annotations") or (obj or {}).get("metadata", {}).get("annotations") or {}).get(
            "k8s.v1.cni.cncf.io/networks")
        if isinstance(value, str) and value.lstrip().startswith("["):
            with pytest.raises(MultusTuiError):
                parse_networks(value, "ns")


def test_every_corpus_config_snippet_validates_without_crashing() -> None:
    n = 0
    for path in CORPUS.glob("*.snippets.yml"):
        for text in snippets(path.name).values():
            try:
                nad = NAD.from_config(text)
            except ConfigError:
                continue
            validate_nad(nad)
            n += 1
    assert n > 30
