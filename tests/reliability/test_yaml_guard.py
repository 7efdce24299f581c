"""Issue 14 item 2: every YAML read goes through one guarded reader (multus/manifests.load_yaml).

Where there was no guard: the sandbox's server-side apply took a 445-byte `application/apply-patch+yaml`
alias bomb (201 after ~21 s and 1.5 GB, a 471 MB stored object), and restoring a builder draft used
plain `yaml.safe_load_all` (10,000 nested `[` ended the TUI with a RecursionError on every Restore).
kube-apiserver refuses the bomb with 400 "error decoding YAML: error converting YAML to JSON: yaml:
document contains excessive aliasing" (go-yaml's allowedAliasRatio, the CVE-2019-11253 fix)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from multus_tui import drafts
from multus_tui.multus.manifests import read_documents
from multus_tui.multus.yamlread import MAX_DEPTH, YAMLLimitError, load_yaml, load_yaml_all
from multus_tui.sandbox.runner import Sandbox
from tests.conftest import need

KUBECTL = shutil.which("kubectl")


def bomb(levels: int = 9, fanout: int = 9, top: str = "") -> str:
    """A 'billion laughs': `levels` anchors, each a list of `fanout` aliases of the previous one."""
    lines = [f"a0: &a0 [{','.join(['lol'] * fanout)}]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * fanout)}]")
    return top + "\n".join(lines) + "\n"


def nad_apply_bomb(name: str) -> str:
    # what the probe sent: a NAD whose metadata.labels-free body carries the laughs under spec
    body = bomb(9, 9).replace("\n", "\n  ")
    return (f"apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: {name}\n"
            f"spec:\n  {body}\n  config: '{{}}'\n")


@pytest.fixture(scope="module")
def sb():
    with Sandbox("empty") as s:
        yield s


def raw(sb: Sandbox, method: str, path: str, body: bytes, ctype: str) -> tuple[int, dict]:
    ctx = ssl.create_default_context(cadata=sb.ca_pem.decode())
    req = urllib.request.Request(sb.url + path, data=body, method=method, headers={
        "Authorization": f"Bearer {sb.token}", "Content-Type": ctype, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


NADS = "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions"


def test_server_side_apply_of_an_alias_bomb_is_refused_as_kube_does(sb, tmp_path, probe):
    p = probe("sandbox: apply-patch+yaml alias bomb", fixed=True)
    body = nad_apply_bomb("laughs").encode()
    assert len(body) < 1024
    t0 = time.monotonic()
    code, status = raw(sb, "PATCH", f"{NADS}/laughs?fieldManager=probe", body, "application/apply-patch+yaml")
    took = time.monotonic() - t0
    assert code == 400, status
    assert status["reason"] == "BadRequest"
    assert status["message"] == ("error decoding YAML: error converting YAML to JSON: yaml: document contains "
                                 "excessive aliasing"), status["message"]
    assert took < 5, took
    # the same through create with a YAML body
    code, status = raw(sb, "POST", NADS, body, "application/yaml")
    assert code == 400 and "excessive aliasing" in status["message"], status
    # nothing was stored, and the real kubectl still gets its answers
    if KUBECTL:
        sb.write_kubeconfig(tmp_path / "kc")
        out = subprocess.run([KUBECTL, "--kubeconfig", str(tmp_path / "kc"), "get", "net-attach-def", "-A",
                              "-o", "name"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and "laughs" not in out.stdout, out
    p.survived()


def test_ordinary_aliases_and_apply_still_work(sb, tmp_path):
    need(KUBECTL is not None, "kubectl is not installed")
    sb.write_kubeconfig(tmp_path / "kc")
    manifest = tmp_path / "nad.yaml"
    manifest.write_text("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n"
                        "  name: anchored\n  labels: &l {team: net}\n  annotations: *l\n"
                        "spec:\n  config: '{\"cniVersion\":\"0.3.1\",\"type\":\"bridge\"}'\n")
    out = subprocess.run([KUBECTL, "--kubeconfig", str(tmp_path / "kc"), "apply", "--server-side", "-f",
                          str(manifest)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    got = sb.store.get("network-attachment-definitions", "default", "anchored")
    assert got["metadata"]["annotations"] == {"team": "net"}


@pytest.mark.parametrize("ctype", ["application/apply-patch+yaml", "application/yaml"])
def test_deep_yaml_body_is_a_400_not_a_500(sb, ctype, probe):
    p = probe(f"sandbox: {ctype} nested 10,000 levels", fixed=True)
    body = ("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: deep}\n"
            "spec: {x: " + "[" * 10_000 + "]" * 10_000 + "}\n").encode()
    if ctype == "application/yaml":
        code, status = raw(sb, "POST", NADS, body, ctype)
    else:
        code, status = raw(sb, "PATCH", f"{NADS}/deep?fieldManager=probe", body, ctype)
    assert code == 400, status
    assert f"exceeded max depth of {MAX_DEPTH}" in status["message"], status
    p.survived()


def test_the_reader_refuses_what_go_yaml_refuses(probe):
    p = probe("reader: go-yaml's aliasing rule, self-containing anchors, depth", fixed=True)
    # go-yaml accepts 10^3 laughs and refuses 10^4 (allowedAliasRatio); so does the reader
    assert load_yaml(bomb(3, 10))["a2"][0][0] == ["lol"] * 10
    with pytest.raises(YAMLLimitError, match="excessive aliasing"):
        load_yaml(bomb(4, 10))
    # an anchor inside its own value: PyYAML builds a recursive list, go-yaml refuses it
    with pytest.raises(YAMLLimitError, match="contains itself"):
        load_yaml("a: &a [1, *a]\n")
    with pytest.raises(YAMLLimitError, match="exceeded max depth"):
        load_yaml("[" * 10_000 + "]" * 10_000)
    with pytest.raises(YAMLLimitError, match="exceeded max depth"):
        load_yaml_all("a: 1\n---\n" + "- " * 10_000 + "x\n")
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_yaml(ok) is not None
    # lint's reader says so on one line, for block and flow nesting alike
    for text in ("[" * 10_000, "- " * 10_000 + "x\n"):
        doc = read_documents(text)[0]
        assert doc.obj is None and "exceeded max depth" in (doc.error or ""), doc.error
    # ordinary YAML reads as PyYAML reads it (merge keys, tags, timestamps)
    text = "base: &b {x: 1}\nm:\n  <<: *b\n  y: !!str 2\nt: 2020-01-02\n"
    assert load_yaml(text) == yaml.safe_load(text)
    p.survived()


def test_a_kubeconfig_bomb_is_refused_with_a_clear_message(sb, tmp_path, probe):
    from tests.reliability.test_cli_options import cli

    p = probe("kubeconfig: alias bomb / nesting (kubectl refuses both)", fixed=True)
    cfg = yaml.safe_dump(sb.kubeconfig())
    for name, extra in (("bomb", bomb(9, 9, top="preferences:\n  x:\n").replace("\na", "\n  a")),
                        ("deep", "preferences: {x: " + "[" * 10_000 + "]" * 10_000 + "}\n")):
        kc = tmp_path / f"{name}.yaml"
        kc.write_text(cfg + extra)
        proc = cli(tmp_path, "status", "--kubeconfig", str(kc), "-A")
        assert proc.returncode == 1, proc.stderr
        assert "cannot read kubeconfig" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert ("excessive aliasing" if name == "bomb" else "exceeded max depth") in proc.stderr
    p.survived()


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.mark.parametrize("kind", ["nested", "bomb"])
async def test_restoring_a_hostile_draft_keeps_the_tui_up(state_home, kind, probe):
    from multus_tui.ui.builder import NadBuilderScreen
    from multus_tui.ui.builder.modals import ConfirmScreen
    from tests.reliability.test_drafts_builder import offline_ctx
    from tests.ui.test_builder_harness import SIZE, BuilderApp, builder, settle, wait_for

    p = probe(f"draft restore: {kind}", fixed=True)
    text = "[" * 10_000 if kind == "nested" else nad_apply_bomb("laughs")
    drafts.save_draft(text, namespace="default", name="hostile")
    app = BuilderApp(offline_ctx())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5, what="restore offer")
        await pilot.pause(0.3)
        await pilot.press("enter")  # Restore
        await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen))
        await settle(pilot)
        screen = builder(pilot)
        # back in raw mode with the text as it was saved: nothing lost, nothing expanded
        await wait_for(pilot, lambda: screen.raw_mode, 5, what="raw mode")
        from textual.widgets import TextArea

        assert screen.query_one("#raw-yaml", TextArea).text == text
        assert app.is_running
    p.survived()
