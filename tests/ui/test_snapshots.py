"""Snapshot tests of every app-shell screen (pytest-textual-snapshot) on the sandbox's seed scenario.

Deterministic: fixed terminal size, the clock pinned (ages), the ephemeral port masked in the header,
cursor blink frozen, and every snapshot taken only once the data it shows has settled.
Update with `pytest tests/ui/test_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from multus_tui.ui.screens.dialogs import ConfirmScreen, HelpScreen, PickerScreen
from multus_tui.ui.screens.errors import NoKubeconfigScreen
from multus_tui.ui.screens.home import HomeScreen
from multus_tui.ui.screens.nad_detail import NadDetailScreen
from multus_tui.ui.screens.namespace import NamespaceScreen
from multus_tui.ui.screens.pod_detail import PodDetailScreen
from multus_tui.ui.widgets import LiveTable
from tests.ui.ui_harness import (
    SIZE,
    freeze_blink,
    freeze_sandbox,
    fully_mounted,
    make_app,
    start_sandbox,
    table_rows,
    wait_for,
)
from tests.waiting import TIMEOUT, wait_until


def wait_default_settled(sb) -> None:
    def settled() -> bool:
        pods, _ = sb.store.list("pods", "default")
        return bool(pods) and all("k8s.v1.cni.cncf.io/network-status" in (p["metadata"].get("annotations") or {})
                                  and p.get("status", {}).get("phase") == "Running" for p in pods)

    wait_until(settled, what="the seed scenario's default namespace settled")
    # and the simulator is done with them: nothing it still has queued may change the frozen data
    assert sb.simulator.wait_idle(TIMEOUT), "the simulator did not go idle"


@pytest.fixture(scope="module")
def seed_kc(tmp_path_factory):
    sb, kc = start_sandbox(tmp_path_factory.mktemp("snap"), "seed")
    wait_default_settled(sb)
    freeze_sandbox(sb)
    yield kc
    sb.stop()


async def settled(pilot) -> None:
    """The connection is live, Multus checked, samplepod attached: nothing left to change."""
    app = pilot.app
    await wait_for(pilot, lambda: app.connection[0] == "live" and app.multus_installed is not None, what="live")
    await wait_for(pilot, lambda: any(a.state == "attached" and "/" in a.network
                                      for a in app.ctx.store.pod_attachments("default", "samplepod")),
                   what="samplepod attached")
    # what the store has is final (the sandbox is settled and frozen): show it now rather than after
    # the store-to-screen throttle
    app.screen.refresh_from_store(None) if hasattr(app.screen, "refresh_from_store") else None
    await doctor_done(pilot)
    freeze_blink(app)
    await pilot.pause()


async def doctor_done(pilot) -> None:
    """The shared doctor diagnosis (home summary, detail panels) has run and nothing is pending."""
    app = pilot.app
    await wait_for(pilot, lambda: app.doctor.runs >= 1 and app.doctor.idle, what="the doctor's diagnosis")
    for panel in app.screen.query("#doctor-findings"):
        await wait_for(pilot, lambda panel=panel: getattr(panel, "ready", True), what="the findings panel")


def test_home(snap_compare, seed_kc):
    async def run_before(pilot):
        await settled(pilot)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))

    assert snap_compare(make_app(seed_kc, snapshot=True), run_before=run_before, terminal_size=SIZE)


@pytest.mark.parametrize("tab", ["attachments", "pods", "events"])
def test_namespace_tabs(snap_compare, seed_kc, tab):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.open_namespace_screen("default", tab)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, NamespaceScreen) and fully_mounted(pilot.app.screen)
                       and pilot.app.screen.active_tab == tab, what=f"the {tab} tab")
        screen = pilot.app.screen
        await wait_for(pilot, lambda: table_rows(screen.query_one(
            {"attachments": "#nads", "pods": "#pod-table", "events": "#event-table"}[tab], LiveTable)),
            what=f"the {tab} table filled")

    assert snap_compare(make_app(seed_kc, snapshot=True), run_before=run_before, terminal_size=SIZE)


@pytest.mark.parametrize("tab", ["tree", "yaml", "findings", "users"])
def test_nad_detail(snap_compare, seed_kc, tab):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.push_screen(NadDetailScreen("kube-system", "vlan1-internal-pool"))
        screen = await wait_for(pilot, lambda: isinstance(pilot.app.screen, NadDetailScreen)
                                and fully_mounted(pilot.app.screen) and pilot.app.screen)
        screen.action_show_tab(tab)
        await wait_for(pilot, lambda: screen.query_one("#tabs").active == tab, what=f"the {tab} tab")
        if tab == "users":
            await wait_for(pilot, lambda: table_rows(screen.query_one("#users-table", LiveTable)), what="its users")
        await doctor_done(pilot)

    assert snap_compare(make_app(seed_kc, snapshot=True), run_before=run_before, terminal_size=SIZE)


def test_pod_detail(snap_compare, seed_kc):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.push_screen(PodDetailScreen("default", "samplepod"))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PodDetailScreen) and fully_mounted(pilot.app.screen)
                       and pilot.app.screen.query("#doctor-findings"))
        await doctor_done(pilot)

    assert snap_compare(make_app(seed_kc, snapshot=True), run_before=run_before, terminal_size=SIZE)


def test_help(snap_compare, seed_kc):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.open_namespace_screen("default", "pods")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, NamespaceScreen), what="namespace screen")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="help")

    assert snap_compare(make_app(seed_kc, snapshot=True), run_before=run_before, terminal_size=SIZE)


def test_confirm_delete(snap_compare, seed_kc):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.confirm_delete_pod("default", "samplepod")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen) and fully_mounted(pilot.app.screen)
                       and pilot.app.focused is not None, what="the dialog, its cancel button focused")

    assert snap_compare(make_app(seed_kc, snapshot=True), run_before=run_before, terminal_size=SIZE)


def test_readonly_namespace(snap_compare, seed_kc):
    async def run_before(pilot):
        await settled(pilot)
        pilot.app.open_namespace_screen("default", "pods")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, NamespaceScreen), what="namespace screen")

    assert snap_compare(make_app(seed_kc, readonly=True, snapshot=True), run_before=run_before,
                        terminal_size=SIZE)


def test_namespace_picker(snap_compare, seed_kc):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PickerScreen), what="the namespace picker")
        freeze_blink(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(seed_kc, snapshot=True), run_before=run_before, terminal_size=SIZE)


def test_no_kubeconfig(snap_compare, tmp_path: Path):
    async def run_before(pilot):
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, NoKubeconfigScreen), what="the no-kubeconfig screen")

    # a fixed path so the message is the same on every machine
    assert snap_compare(make_app("/nonexistent/kubeconfig"), run_before=run_before, terminal_size=SIZE)


def test_unreachable(snap_compare, tmp_path: Path):
    kc = tmp_path / "kubeconfig"
    # port 1 on loopback: nothing listens there, the refusal is immediate and the message fixed
    kc.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "dead",
        "clusters": [{"name": "dead", "cluster": {"server": "http://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "unreachable-test-token-0123456789"}}],
        "contexts": [{"name": "dead", "context": {"cluster": "dead", "user": "u"}}]}))

    async def run_before(pilot):
        from multus_tui.ui.screens.errors import UnreachableScreen

        await wait_for(pilot, lambda: isinstance(pilot.app.screen, UnreachableScreen) and fully_mounted(pilot.app.screen)
                       and "refused" in str(pilot.app.screen.query_one("#reason").render()), what="the reason shown")

    assert snap_compare(make_app(str(kc)), run_before=run_before, terminal_size=SIZE)


def test_multus_not_installed(snap_compare, tmp_path: Path):
    sb, kc = start_sandbox(tmp_path, "no-multus")
    try:
        async def run_before(pilot):
            app = pilot.app
            await wait_for(pilot, lambda: app.multus_installed is False and app.connection[0] == "live")
            await wait_for(pilot, lambda: table_rows(app.screen.query_one("#namespaces", LiveTable)))
            await doctor_done(pilot)

        assert snap_compare(make_app(kc, snapshot=True), run_before=run_before, terminal_size=SIZE)
    finally:
        sb.stop()
