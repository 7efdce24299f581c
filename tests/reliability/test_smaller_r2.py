"""Issue 14 item 8, the smaller findings, each with its test:

* bidi overrides were drawn raw in the NAD YAML tab, zero-width characters everywhere: escaped now,
  on every screen (read from the composed screen: what the terminal receives);
* a 253-character name pushed every other column off the screen: tables cut names with "…", the
  detail screen shows them whole;
* `status`/`doctor` showed a network-status of the wrong shape as `"network": ""` / nothing: they
  say it cannot be parsed;
* `lint` of YAML holding no Kubernetes object exited 0: it says nothing was checked, exit 2;
* a draft was saved for an edit that ended where it began, and drafts were never pruned;
* the sandbox followed a symlink when writing its kubeconfig: it writes a new file, atomically."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from multus_tui import drafts
from multus_tui.ui.widgets import LiveTable
from tests.reliability.test_hostile_ui import screen_text
from tests.ui.ui_harness import make_app, start_sandbox, table_rows, wait_for

ROOT = Path(__file__).resolve().parents[2]
SIZE = (150, 40)
NS = "odd"
LONG = "a" * 240 + "-long-name"  # 250 characters: a valid pod and NAD name (DNS subdomain, 253 max)
ZW = "zero\u200bwidth\u2060joined\ufeffbom\u00adsoft"
BIDI = "\u202eevil\u202c\u2066iso\u2069"
INVISIBLE = "\u200b\u2060\ufeff\u00ad\u202e\u202c\u2066\u2069"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    sb, kc = start_sandbox(tmp_path_factory.mktemp("odd"), "seed")
    s = sb.store
    s.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    cfg = json.dumps({"cniVersion": "0.3.1", "type": "macvlan", "master": "eth0", "note": ZW + BIDI})
    s.create("network-attachment-definitions", {
        "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": LONG, "namespace": NS, "annotations": {"description": BIDI + " " + ZW}},
        "spec": {"config": cfg}})
    s.create("pods", {"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": LONG, "namespace": NS,
                                   "annotations": {"k8s.v1.cni.cncf.io/networks": LONG, "note": ZW}},
                      "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    s.create("events", {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "odd.1", "namespace": NS},
                        "involvedObject": {"kind": "Pod", "name": LONG, "namespace": NS},
                        "reason": "AddedInterface", "type": "Normal", "count": 1, "source": {"component": "multus"},
                        "message": "Add net1 " + ZW + BIDI, "lastTimestamp": "2026-01-01T00:00:00Z"})
    yield sb, kc
    sb.stop()


def no_invisible(app) -> None:
    text = screen_text(app)
    found = sorted({f"U+{ord(c):04X}" for c in text if c in INVISIBLE})
    assert not found, f"invisible/bidi characters reach the terminal: {found}"


async def open_first_row(pilot, tab: str, table_id: str, screen: str) -> None:
    """On the namespace screen: switch to a tab and open its first row's detail screen."""
    app = pilot.app
    await pilot.press(tab)
    table = app.screen.query_one(table_id, LiveTable)
    await wait_for(pilot, lambda: table.ordered_keys(), what=table_id)
    table.move_cursor(row=0)
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(app.screen).__name__ == screen, what=screen)


async def test_bidi_and_zero_width_are_escaped_everywhere(sandbox, probe):
    p = probe("TUI: bidi in the NAD YAML tab, zero-width characters everywhere", fixed=True)
    _sb, kc = sandbox
    app = make_app(kc, namespace=NS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.connection[0] == "live" and app.ctx.store.pods(NS) and app.ctx.store.events(NS))
        for tab in ("1", "2", "3"):
            await pilot.press(tab)
            await pilot.pause(0.3)
            no_invisible(app)
        assert "\\u200b" in screen_text(app)  # the event message: shown escaped, not dropped
        await open_first_row(pilot, "1", "#nads", "NadDetailScreen")
        for key in ("y", "t"):
            await pilot.press(key)
            await pilot.pause(0.4)
            no_invisible(app)
        assert "\\u202e" in screen_text(app) or "\\\\u202e" in screen_text(app)
        await pilot.press("escape")
        await open_first_row(pilot, "2", "#pod-table", "PodDetailScreen")
        await pilot.pause(0.4)
        no_invisible(app)
        await pilot.press("y")  # the pod's YAML
        await wait_for(pilot, lambda: type(app.screen).__name__ == "YamlScreen", 10)
        await pilot.pause(0.3)
        no_invisible(app)
    p.survived()


async def test_long_names_are_cut_in_tables_and_whole_in_the_detail(sandbox, probe):
    from multus_tui.ui.text import NAME_MAX

    p = probe("TUI: 250-character names keep the columns on screen", fixed=True)
    _sb, kc = sandbox
    app = make_app(kc, namespace=NS)
    wide = (200, 40)
    async with app.run_test(size=wide) as pilot:
        await wait_for(pilot, lambda: app.connection[0] == "live" and app.ctx.store.pods(NS))
        for tab, table_id in (("1", "#nads"), ("2", "#pod-table")):
            await pilot.press(tab)
            table = app.screen.query_one(table_id, LiveTable)
            await wait_for(pilot, lambda table=table: table.ordered_keys(), what=table_id)
            await pilot.pause(0.3)
            rows = table_rows(table)
            first = next(iter(rows.values()))
            assert first[0].endswith("…") and len(first[0]) == NAME_MAX, first[0]
            widths = [col.get_render_width(table) for col in table.columns.values()]
            assert widths[0] <= NAME_MAX + 2, (table_id, widths)  # the name column stays a name column
            if table_id == "#pod-table":  # and the pods' STATE column is on a 200-column screen
                assert sum(widths) <= wide[0], (table_id, widths)
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PodDetailScreen")
        await pilot.pause(0.3)
        assert LONG in "".join(screen_text(app).split())  # whole (wrapped) in the Requested section
    p.survived()


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "multus_tui", *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=cwd)


def test_status_and_doctor_say_network_status_cannot_be_parsed(tmp_path, probe):
    from multus_tui.sandbox.runner import Sandbox
    from tests.reliability import hostile

    p = probe("status/doctor: network-status of the wrong shape", fixed=True)
    with Sandbox("empty") as sb:
        hostile.load(sb)
        kc = tmp_path / "kc.yaml"
        sb.write_kubeconfig(kc)
        out = cli("status", "--kubeconfig", str(kc), "-n", hostile.NS, "-o", "json")
        doc = cli("doctor", "--kubeconfig", str(kc), "-n", hostile.NS, "-o", "json")
        table = cli("status", "--kubeconfig", str(kc), "-n", hostile.NS)
    rec = next(r for r in json.loads(out.stdout) if r["pod"] == "wrongshape")
    assert "network-status must be a JSON list of objects" in rec["networkStatusError"], rec
    assert [a["state"] for a in rec["attachments"] if not a["default"]] == ["unknown"], rec
    line = next(ln for ln in table.stdout.splitlines() if "wrongshape" in ln and "hostile/evil" in ln)
    assert "unknown" in line and "malformed network-status" in line, line
    findings = json.loads(doc.stdout)
    assert any(f["check"] == "malformed-annotation" and "pod/hostile/wrongshape" in f["objects"]
               and "network-status annotation cannot be parsed" in f["message"] for f in findings), findings
    p.survived()


@pytest.mark.parametrize("text, says", [
    ("foo: bar\nbaz: [1, 2]\n", "not a Kubernetes object"),
    ("# only a comment\n", "nothing checked"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n", "nothing checked"),
])
def test_lint_of_yaml_without_anything_to_check_says_so(tmp_path, text, says, probe):
    p = probe(f"lint: {says} ({text.splitlines()[0][:20]})", fixed=True)
    f = tmp_path / "x.yaml"
    f.write_text(text)
    proc = cli("lint", str(f))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert says in proc.stdout + proc.stderr
    p.survived()


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


async def test_an_edit_changed_back_leaves_no_draft(sandbox, state_home, probe):
    from multus_tui.ui.builder import NadBuilderScreen
    from tests.ui.test_builder_harness import SIZE as BSIZE
    from tests.ui.test_builder_harness import builder, settle, type_into

    p = probe("drafts: an edit that ends where it began leaves none", fixed=True)
    _sb, kc = sandbox
    app = make_app(kc, namespace="default")
    app.ctx.extra["drafts"] = True
    async with app.run_test(size=BSIZE) as pilot:
        await wait_for(pilot, lambda: app.connection[0] == "live" and app.ctx.store.nad("default", "vlan1-internal-static"))
        view = app.ctx.store.nad("default", "vlan1-internal-static")
        app.open_builder(view)
        await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen))
        await settle(pilot)
        screen = builder(pilot)
        master = screen.draft.get("plugins[0].master")
        await type_into(pilot, "plugins[0].master", master + "x")
        await wait_for(pilot, lambda: drafts.list_drafts(), 10, what="a draft of the change")
        await type_into(pilot, "plugins[0].master", master)
        await wait_for(pilot, lambda: not drafts.list_drafts(), 10, what="no draft once changed back")
        # and a save of the unchanged builder (what the debounce timer runs) writes none
        screen._save_draft()
        assert drafts.list_drafts() == []
    p.survived()


def test_drafts_are_pruned_by_age_and_count(state_home, probe):
    p = probe("drafts: pruned by age and count", fixed=True)
    now = time.time()
    ids = []
    for i in range(25):
        d = drafts.save_draft(f"kind: x{i}\n", name=f"n{i}")
        ids.append(d.id)
        path = drafts.drafts_dir() / f"{d.id}.json"
        os.utime(path, (now - 3600 * (25 - i), now - 3600 * (25 - i)))  # older first
    old = drafts.save_draft("kind: old\n", name="old")
    old_path = drafts.drafts_dir() / f"{old.id}.json"
    os.utime(old_path, (now - 40 * 86400, now - 40 * 86400))
    leftover = drafts.drafts_dir() / ".draft-crash.tmp"
    leftover.write_text("half")
    os.utime(leftover, (now - 2 * 86400, now - 2 * 86400))
    newest = drafts.save_draft("kind: newest\n", name="newest")
    kept = {d.id for d in drafts.list_drafts()}
    assert newest.id in kept and old.id not in kept and not leftover.exists()
    assert len(kept) == drafts.KEEP_DRAFTS
    assert set(ids[-(drafts.KEEP_DRAFTS - 1):]) <= kept  # the newest ones stay
    p.survived()


def test_sandbox_kubeconfig_replaces_a_symlink_instead_of_writing_through_it(tmp_path, probe):
    p = probe("sandbox: kubeconfig path is a symlink", fixed=True)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    link = tmp_path / "kubeconfig"
    link.symlink_to(victim)
    from tests.reliability.test_reload_stale import SandboxProcess

    SandboxProcess(link, scenario="empty", fresh=False).stop()
    assert victim.read_text() == "precious\n"
    assert not link.is_symlink() and link.is_file()
    assert (link.stat().st_mode & 0o777) == 0o600
    assert "current-context: sandbox" in link.read_text()
    assert not list(tmp_path.glob(".kubeconfig.*.tmp"))
    p.survived()
