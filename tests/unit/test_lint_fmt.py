"""`multus-tui lint` and `fmt`: output format, exit codes (via the real CLI), idempotence, meaning."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multus_tui.commands.fmt import format_text
from multus_tui.commands.lint import escape, lint
from multus_tui.multus.manifests import read_documents
from multus_tui.multus.nad import NAD
from multus_tui.multus.templates import host_local_pool, static_sbr
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "corpus"


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "multus_tui", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


GOOD = static_sbr().render_yaml()
BAD_NAD = """apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: bad
spec:
  config: '{"cniVersion": "0.3.1", "type": "macvlan", "mode": "bridged", "ipam": {"type": "static",
    "addresses": [{"address": "10.0.0.1"}]}}'
"""
POD = """apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    k8s.v1.cni.cncf.io/networks: '[{"name": "vlan1-internal-static", "gateway": ["1.2.3.4"]}]'
spec:
  containers: [{name: c, image: x}]
"""


def test_lint_clean_file_exits_0(tmp_path: Path) -> None:
    f = tmp_path / "good.yaml"
    f.write_text(GOOD)
    out = cli("lint", str(f))
    assert out.returncode == 0, out.stdout
    assert all(": info: " in ln for ln in out.stdout.splitlines())


def test_lint_errors_exit_1_with_the_line_format(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD_NAD)
    out = cli("lint", str(f))
    assert out.returncode == 1
    assert f"{f}:1: NetworkAttachmentDefinition/bad: error: plugins[0].mode:" not in out.stdout
    assert f"{f}:1: NetworkAttachmentDefinition/bad: error: mode: macvlan: 'mode' must be one of" in out.stdout
    assert f"{f}:1: NetworkAttachmentDefinition/bad: error: ipam.addresses[0].address:" in out.stdout


def test_lint_stdin_and_json_format() -> None:
    out = cli("lint", "--format", "json", "-", stdin=GOOD + "---\n" + POD)
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert {"file", "doc", "kind", "name", "namespace", "severity", "path", "message", "code"} <= set(data[0])
    pod = [d for d in data if d["kind"] == "Pod"]
    assert [(d["doc"], d["code"], d["path"]) for d in pod if d["severity"] == "warning"] == [
        (2, "unknown-key", 'metadata.annotations["k8s.v1.cni.cncf.io/networks"][0].gateway')]
    assert all(d["file"] == "-" for d in data)


def test_lint_reference_to_a_nad_in_the_input_is_resolved() -> None:
    out = cli("lint", "-", stdin=GOOD + "---\n" + POD)
    assert "nad-not-in-input" not in out.stdout and "is not defined in this input" not in out.stdout
    out = cli("lint", "-", stdin=POD)
    assert "is not defined in this input" in out.stdout and out.returncode == 0


def test_lint_unreadable_and_unparseable_exit_2(tmp_path: Path) -> None:
    out = cli("lint", str(tmp_path / "missing.yaml"))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "cannot read" in out.stderr and "Traceback" not in out.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD + "---\nkind: [unclosed\n---\n" + BAD_NAD)
    out = cli("lint", str(broken))
    assert out.returncode == 2, out.stdout  # 2 wins over the errors of doc 3
    assert f"{broken}:2: -/-: error: -: invalid YAML at line" in out.stdout
    assert f"{broken}:3: NetworkAttachmentDefinition/bad: error:" in out.stdout
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    out = cli("lint", str(binary))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    assert cli("lint", str(scalar)).returncode == 2


def test_lint_workload_templates(tmp_path: Path) -> None:
    annot = {"k8s.v1.cni.cncf.io/networks": "nope@@"}
    tpl = {"metadata": {"annotations": annot}, "spec": {"containers": []}}
    docs = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": tpl}},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"}, "spec": {"template": tpl}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"}, "spec": {"template": tpl}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": tpl}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
         "spec": {"jobTemplate": {"spec": {"template": tpl}}}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "wrong", "annotations": annot},
         "spec": {"template": {"metadata": {"annotations": {"k8s.v1.cni.cncf.io/network": "x"}}}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hn", "annotations": {
            "k8s.v1.cni.cncf.io/networks": "x"}}, "spec": {"hostNetwork": True}},
    ]
    f = tmp_path / "w.yaml"
    f.write_text(yaml.safe_dump_all(docs))
    reported, _, _ = lint([str(f)])
    got = {(r.kind, r.name, r.finding.code) for r in reported}
    for kind, name in (("Deployment", "d"), ("StatefulSet", "s"), ("DaemonSet", "ds"), ("Job", "j"),
                       ("CronJob", "c")):
        assert (kind, name, "annotation-syntax") in got
    cron = [r for r in reported if r.kind == "CronJob"][0]
    assert cron.finding.path.startswith("spec.jobTemplate.spec.template.metadata.annotations[")
    assert ("Deployment", "wrong", "annotation-on-workload") in got
    assert ("Deployment", "wrong", "annotation-key-typo") in got
    assert ("Pod", "hn", "host-network") in got


def test_lint_resource_name_needs_a_request(tmp_path: Path) -> None:
    nad = NAD.from_config({"cniVersion": "1.0.0", "name": "sr", "type": "sriov"}, name="sr",
                          resource_name="intel.com/sriov")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {
        "k8s.v1.cni.cncf.io/networks": "sr"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    f = tmp_path / "r.yaml"
    f.write_text(nad.render_yaml() + "---\n" + yaml.safe_dump(pod))
    assert "resource-not-requested" in {r.finding.code for r in lint([str(f)])[0]}
    pod["spec"]["containers"][0]["resources"] = {"limits": {"intel.com/sriov": "1"}}
    f.write_text(nad.render_yaml() + "---\n" + yaml.safe_dump(pod))
    assert "resource-not-requested" not in {r.finding.code for r in lint([str(f)])[0]}


def test_lint_escapes_terminal_control_characters() -> None:
    evil = GOOD.replace("name: vlan1-internal-static\n  namespace", 'name: "evil\\e[31mred\\u202e"\n  namespace', 1)
    out = cli("lint", "-", stdin=evil)
    assert "\x1b" not in out.stdout and "\u202e" not in out.stdout
    assert "evil\\x1b[31mred\\u202e" in out.stdout
    assert escape("a\tb\nc") == "a\\x09b\\x0ac"


def test_lint_duplicate_nad() -> None:
    reported, _, _ = lint_text(GOOD + "---\n" + GOOD)
    assert "nad-duplicate" in {r.finding.code for r in reported}


def lint_text(text: str):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        fh.write(text)
    try:
        return lint([fh.name])
    finally:
        Path(fh.name).unlink()


# ------------------------------------------------------------------ fmt
def test_fmt_output_and_check_exit_codes(tmp_path: Path) -> None:
    src = CORPUS / "multus__docs__quickstart.md.yml"
    out = cli("fmt", str(src))
    assert out.returncode == 0 and "config: |-" in out.stdout
    canon = tmp_path / "canon.yaml"
    canon.write_text(out.stdout)
    assert cli("fmt", "--check", str(canon)).returncode == 0
    res = cli("fmt", "--check", str(src))
    assert res.returncode == 1 and res.stdout == "" and "not canonical" in res.stderr
    assert cli("fmt", str(canon)).stdout == out.stdout  # idempotent through the CLI
    assert cli("fmt", "-", stdin=src.read_text()).stdout == out.stdout


def test_fmt_refuses_unparseable_input(tmp_path: Path) -> None:
    bad = CORPUS / "kubevirt-community__design-proposals__sriov-interfaces-mapping.md.yml"
    res = cli("fmt", str(bad))
    assert res.returncode == 2 and res.stdout == "" and "invalid YAML" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert cli("fmt", str(tmp_path / "nope.yaml")).returncode == 2


def _data(text: str) -> list:
    """Each document as data, with NAD configs decoded (meaning)."""
    out = []
    for d in read_documents(text):
        obj = d.obj
        if isinstance(obj, dict) and obj.get("kind") == "NetworkAttachmentDefinition":
            spec = obj.get("spec") or {}
            cfg = spec.get("config")
            try:
                cfg = json.loads(cfg) if isinstance(cfg, str) else cfg
            except ValueError:
                pass
            obj = {**obj, "spec": {**spec, "config": cfg}} if "spec" in obj else obj
        if obj is not None:
            out.append(obj)
    return out


CORPUS_OK = [p for p in sorted(CORPUS.glob("*.y*ml")) if ".snippets." not in p.name
             and "sriov-interfaces-mapping" not in p.name]


@pytest.mark.parametrize("path", CORPUS_OK, ids=lambda p: p.name)
def test_fmt_corpus_idempotent_and_meaning_preserving(path: Path) -> None:
    text = path.read_text()
    once = format_text(text)
    assert format_text(once) == once
    assert _data(once) == _data(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extra=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
       meta=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=3))
def test_fmt_property_idempotent_and_meaning_preserving(extra: dict, meta: dict) -> None:
    cfg = {"cniVersion": "1.0.0", "name": "n", "type": "macvlan", **extra}
    doc = {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
           "metadata": {"name": "n", "annotations": meta}, "spec": {"config": json.dumps(cfg)}}
    text = yaml.safe_dump(doc) + "---\n" + yaml.safe_dump({"kind": "ConfigMap", "data": meta})
    once = format_text(text)
    assert format_text(once) == once
    assert _data(once) == _data(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_lint_and_fmt_never_crash_on_any_text(text: str) -> None:
    from multus_tui.commands.fmt import FmtError

    reported, _, _ = lint_text(text)
    for r in reported:
        r.line()
    try:
        format_text(text)
    except FmtError:
        pass


def test_seed_template_is_already_canonical() -> None:
    text = host_local_pool().render_yaml()
    assert format_text(text) == text
