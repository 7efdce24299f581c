"""The Pool inspector and the NAD detail's Pool/resources tab with Textual's Pilot against the
stale-pools sandbox (a node crash left whereabouts allocations behind; an SR-IOV pod is Pending):
found from the NAD detail, `:pools` and the palette; release confirmed and guarded; hidden under
--readonly; a live address refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from multus_tui.ui.screens.dialogs import ConfirmScreen
from multus_tui.ui.screens.nad_detail import NadDetailScreen
from multus_tui.ui.screens.pools import PoolsScreen
from multus_tui.ui.widgets import LiveTable
from tests.ui.ui_harness import SIZE, make_app, start_sandbox, table_rows, wait_for
from tests.waiting import toasts

POOL = "kube-system/192.168.20.0-28"


@pytest.fixture
def stale(tmp_path: Path):
    sb, kc = start_sandbox(tmp_path, "stale-pools")
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the scenario's crash step has run once wa-late is Running
        try:
            if sb.store.get("pods", "default", "wa-late")["status"].get("phase") == "Running":
                break
        except Exception:  # noqa: BLE001 - not created yet
            pass
        time.sleep(0.05)
    yield sb, kc
    sb.stop()


def allocations(app) -> dict[str, list[str]]:
    return table_rows(app.screen.query_one("#alloc-table", LiveTable))


async def open_pools(pilot) -> PoolsScreen:
    app = pilot.app
    await wait_for(pilot, lambda: app.connection[0] == "live", what="live")
    await pilot.press("colon", *"pools", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PoolsScreen), what="pool inspector")
    await wait_for(pilot, lambda: POOL in table_rows(app.screen.query_one("#pools-table", LiveTable)),
                   what="the pool row")
    return app.screen


async def test_inspector_lists_allocations_and_releases_a_stale_one(stale):
    sb, kc = stale
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pools(pilot)
        row = table_rows(screen.query_one("#pools-table", LiveTable))[POOL]
        assert row[:8] == [POOL, "192.168.20.0/28", "-", "default/vlan1-wa-pool", "5", "8", "2", "0"]
        await wait_for(pilot, lambda: len(allocations(app)) == 5, what="allocations")
        states = {cells[0]: cells[5] for cells in allocations(app).values()}
        assert states == {"192.168.20.1": "live", "192.168.20.2": "live", "192.168.20.3": "stale: pod gone",
                          "192.168.20.4": "stale: pod gone", "192.168.20.5": "live"}
        assert "192.168.20.9" in str(screen.query_one("#pool-orphans").render())
        # a live address: refused, nothing asked
        await pilot.press("tab")
        alloc = screen.query_one("#alloc-table", LiveTable)
        assert alloc.has_focus
        await pilot.press("ctrl+d")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sorted(sb.store.get("ippools", "kube-system", "192.168.20.0-28")["spec"]["allocations"]) == [
            "1", "2", "3", "4", "5"]
        # the stale .3: asked, Cancel has the focus (enter cancels), then confirmed with y
        alloc.move_cursor(row=list(allocations(app)).index("3"))
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert "Release 192.168.20.3 from pool kube-system/192.168.20.0-28?" in str(
            app.screen.query_one("#release-title").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PoolsScreen), what="back after cancel")
        assert "3" in sb.store.get("ippools", "kube-system", "192.168.20.0-28")["spec"]["allocations"]
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm again")
        await pilot.press("y")
        await wait_for(pilot, lambda: "3" not in allocations(app), what="the released row gone")
        assert sorted(sb.store.get("ippools", "kube-system", "192.168.20.0-28")["spec"]["allocations"]) == [
            "1", "2", "4", "5"]
        assert screen.released == [f"{POOL} 192.168.20.3"]
        await wait_for(pilot, lambda: table_rows(screen.query_one("#pools-table", LiveTable))[POOL][6] == "1",
                       what="one stale left")


async def test_a_pool_changed_meanwhile_is_not_touched(stale):
    sb, kc = stale
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pools(pilot)
        await wait_for(pilot, lambda: len(allocations(app)) == 5, what="allocations")
        report = screen.report()
        entry = next(e for e in report.entries if e.allocation.offset == "4")
        # someone else writes the pool after the screen loaded it: the screen's report is stale
        sb.store.mutate("ippools", "kube-system", "192.168.20.0-28",
                        lambda p: p["metadata"].setdefault("labels", {}).update(touched="yes"))
        screen.release(report, entry)
        await wait_for(pilot, lambda: any("changed since it was loaded" in t for t in toasts(app)),
                       what="refusal notice")
        assert "4" in sb.store.get("ippools", "kube-system", "192.168.20.0-28")["spec"]["allocations"]


async def test_nad_detail_shows_pool_and_resources_and_opens_the_inspector(stale):
    sb, kc = stale
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.connection[0] == "live", what="live")
        app.open_object("nad", "default", "vlan1-wa-pool")
        await wait_for(pilot, lambda: isinstance(app.screen, NadDetailScreen) and app.screen.query("#nad-ecosystem"),
                       what="NAD detail")
        await pilot.press("i")
        text = lambda: str(app.screen.query_one("#nad-ecosystem").render())  # noqa: E731
        await wait_for(pilot, lambda: "stale 2" in text(), what="pool summary")
        assert "pool kube-system/192.168.20.0-28  used 5 of 13  free 8  stale 2" in text()
        rows = table_rows(app.screen.query_one("#nad-pool-table", LiveTable))
        assert rows[f"{POOL}|3"][3] == "stale: pod gone"
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PoolsScreen) and app.screen.nad == (
            "default", "vlan1-wa-pool"), what="inspector on the NAD")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NadDetailScreen), what="back")
        await pilot.press("escape")
        app.open_object("nad", "default", "sriov-dpdk")
        await wait_for(pilot, lambda: isinstance(app.screen, NadDetailScreen) and app.screen.name_ == "sriov-dpdk"
                       and app.screen.query("#nad-ecosystem"), what="SR-IOV NAD")
        await pilot.press("i")
        await wait_for(pilot, lambda: "advertised by no node" in text(), what="resource line")
        assert "cannot be scheduled: default/dpdk-app (no node advertises intel.com/sriov_dpdk)" in text()
        app.open_object("nad", "default", "sriov-net")
        await wait_for(pilot, lambda: getattr(app.screen, "name_", "") == "sriov-net"
                       and app.screen.query("#nad-ecosystem"), what="advertised NAD")
        await pilot.press("i")
        await wait_for(pilot, lambda: "advertised by node-1 (4), node-2 (4)" in text(), what="advertisers")


async def test_readonly_hides_release(stale):
    sb, kc = stale
    app = make_app(kc, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pools(pilot)
        await wait_for(pilot, lambda: len(allocations(app)) == 5, what="allocations")
        keys = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert "release" not in keys
        footer = " ".join(b.binding.description for b in screen.active_bindings.values() if b.enabled)
        assert "Release" not in footer
        await pilot.press("tab")
        screen.query_one("#alloc-table", LiveTable).move_cursor(row=list(allocations(app)).index("3"))
        await pilot.press("ctrl+d")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        assert "3" in sb.store.get("ippools", "kube-system", "192.168.20.0-28")["spec"]["allocations"]


async def test_palette_and_doctor_reach_the_inspector(stale):
    sb, kc = stale
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.connection[0] == "live", what="live")
        from multus_tui.ui.commands import MultusCommands

        provider = MultusCommands(app.screen)
        names = [name for name, _cb, _help in provider._commands()]
        assert "Pools (whereabouts)" in names
        app.open_object("ippool", "kube-system", "192.168.20.0-28")
        await wait_for(pilot, lambda: isinstance(app.screen, PoolsScreen) and app.screen.selected_pool == POOL,
                       what="inspector from a doctor object")
