"""The Doctor view wired into the real MultusApp on the sandbox's seed scenario: `D` on home and on a
namespace, `:doctor`, the palette, enter on a finding, the findings panels of the NAD and pod
detail screens and the home summary (one shared diagnosis), and the builders under --readonly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, DataTable, Static

from multus_tui.ui.doctor import DoctorScreen
from multus_tui.ui.screens.home import HomeScreen
from multus_tui.ui.screens.nad_detail import NadDetailScreen
from multus_tui.ui.screens.namespace import NamespaceScreen
from multus_tui.ui.screens.pod_detail import PodDetailScreen
from tests.ui.ui_harness import (
    SIZE,
    command_line,
    freeze_blink,
    freeze_sandbox,
    fully_mounted,
    make_app,
    start_sandbox,
    wait_for,
)
from tests.waiting import TIMEOUT, wait_until

NAD_RES = "network-attachment-definitions"


def _settled(sb: Any) -> bool:
    pods, _ = sb.store.list("pods")
    events, _ = sb.store.list("events")
    running = sum((p.get("status") or {}).get("phase") == "Running" for p in pods)
    return len(pods) >= 5 and running >= 4 and any(e.get("reason") == "NoNetworkFound" for e in events)


@pytest.fixture(scope="module")
def seed_kc(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The seed scenario, settled (the failing pod has its NoNetworkFound event) and frozen (MACs,
    event times) so the doctor screen's snapshot is the same on every run."""
    sb, kc = start_sandbox(tmp_path_factory.mktemp("doctor-wiring"), "seed")
    wait_until(lambda: _settled(sb), what="the seed scenario settled")
    assert sb.simulator.wait_idle(TIMEOUT), "the simulator did not go idle"  # nothing left to change
    freeze_sandbox(sb)
    yield sb, kc
    sb.stop()


async def live(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.connection[0] == "live" and app.multus_installed is not None, what="live")
    await wait_for(pilot, lambda: any(e.reason == "NoNetworkFound" for e in app.ctx.store.events()),
                   what="the store has the seed's failure event")


async def doctor_screen(pilot: Any) -> DoctorScreen:
    screen = await wait_for(pilot, lambda: isinstance(pilot.app.screen, DoctorScreen) and pilot.app.screen,
                            what="the doctor screen")
    await wait_for(pilot, lambda: screen.computed, what="the diagnosis")
    return screen


def row_keys(screen: DoctorScreen) -> list[str]:
    return [str(r.key.value) for r in screen.query_one(DataTable).ordered_rows]


async def test_D_on_home_lists_the_cluster_and_enter_opens_the_object(seed_kc: Any) -> None:
    _, kc = seed_kc
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("D")
        screen = await doctor_screen(pilot)
        assert screen.all_namespaces
        checks = {f.check for f in screen.findings}
        assert {"duplicate-address", "host-local-multi-node", "missing-nad"} <= checks
        missing = next(f for f in screen.findings if f.check == "missing-nad")
        assert "pod/tenant-a/waiting-for-nad" in missing.objects
        dup = next(f for f in screen.findings if f.check == "duplicate-address")
        assert any(o.startswith("pod/default/") for o in dup.objects)

        # enter on the missing-NAD finding: the pod's detail screen
        table = screen.query_one(DataTable)
        key = next(k for k, f in screen._rows.items() if f is missing)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause()
        await pilot.press("enter")
        pod_screen = await wait_for(pilot, lambda: isinstance(app.screen, PodDetailScreen) and app.screen,
                                    what="pod detail")
        assert (pod_screen.namespace, pod_screen.pod_name) == ("tenant-a", "waiting-for-nad")

        # back, then a finding whose first object is a NAD opens the NAD's detail screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        nad_key = next((k for k, f in screen._rows.items() if f.objects and f.objects[0].startswith("nad/")), None)
        if nad_key is not None:
            kind, ns, name = screen._rows[nad_key].objects[0].split("/", 2)
            table.move_cursor(row=table.get_row_index(nad_key))
            await pilot.pause()
            await pilot.press("enter")
            nad_screen = await wait_for(pilot, lambda: isinstance(app.screen, NadDetailScreen) and app.screen,
                                        what="NAD detail")
            assert (nad_screen.namespace, nad_screen.name_) == (ns, name)
        # an object that is gone: a notice, no screen
        before = len(app.screen_stack)
        app.open_object("pod", "default", "no-such-pod")
        await pilot.pause()
        assert len(app.screen_stack) == before


async def test_D_on_a_namespace_scopes_it_and_the_command_line_and_palette_open_it(seed_kc: Any) -> None:
    _, kc = seed_kc
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot)
        app.open_namespace_screen("tenant-a")
        await wait_for(pilot, lambda: isinstance(app.screen, NamespaceScreen))
        await wait_for(pilot, lambda: any(ab.binding.action == "doctor" for ab in app.screen.active_bindings.values()),
                       what="D among the namespace screen's keys")
        await pilot.press("D")
        screen = await doctor_screen(pilot)
        assert not screen.all_namespaces and screen.scope == "tenant-a"
        # tenant-a's S2 NAD is on k8s-vlan1, which node-4's NodeNetworkState does not list
        assert {f.check for f in screen.findings} == {"missing-nad", "host-link-missing"}
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NamespaceScreen))

        # :doctor -A from the namespace: the whole cluster
        await command_line(pilot, "doctor -A")
        screen = await doctor_screen(pilot)
        assert screen.all_namespaces and "duplicate-address" in {f.check for f in screen.findings}
        await pilot.press("escape")

        # the palette offers both scopes
        from multus_tui.ui.commands import MultusCommands

        names = [name for name, _, _ in MultusCommands(app.screen)._commands()]
        assert "Doctor: all namespaces" in names and "Doctor: namespace tenant-a" in names
        assert not any(n.startswith("Edit NAD ") for n in names)  # nothing to edit from a namespace

        # on a NAD's detail screen the palette (ctrl+p, as a user opens it: the palette is then the
        # app's top screen, the commands are about the one under it) offers to edit that NAD
        app.push_screen(NadDetailScreen("kube-system", "vlan1-internal-pool"))
        await wait_for(pilot, lambda: isinstance(app.screen, NadDetailScreen) and app.screen.is_mounted)
        await pilot.press("ctrl+p")
        palette = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, CommandPalette) else None,
                                 what="the command palette")
        await pilot.press(*"Edit")

        def offered() -> list[str]:
            results = palette.query_one(CommandList)
            return [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]

        await wait_for(pilot, lambda: any("Edit NAD kube-system/vlan1-internal-pool" in o for o in offered()),
                       what="the palette's Edit NAD of the NAD on screen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, NadDetailScreen))
        await pilot.press("escape")

        # detail screens have no D (their findings are on the screen itself)
        app.push_screen(PodDetailScreen("tenant-a", "waiting-for-nad"))
        await wait_for(pilot, lambda: isinstance(app.screen, PodDetailScreen) and app.screen.is_mounted
                       and app.screen.query("#doctor-findings"))
        assert not any(ab.binding.action == "doctor" for ab in app.screen.active_bindings.values())


@pytest.fixture
def own_seed(tmp_path: Path) -> Any:
    """A seed sandbox of this test only: it creates the missing NAD, which attaches the waiting pod
    for good (the module's sandbox must stay as the snapshot shows it)."""
    sb, kc = start_sandbox(tmp_path, "seed")
    yield sb, kc
    sb.stop()


async def test_detail_panels_and_home_summary_share_one_diagnosis(own_seed: Any) -> None:
    sb, kc = own_seed
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot)
        summary = app.screen.query_one("#doctor-summary", Static)
        await wait_for(pilot, lambda: "error" in str(summary.render()), what="home summary")
        text = str(summary.render())
        assert text.startswith("doctor: ") and "warning" in text and "D to open" in text
        n_errors = sum(f.severity == "error" for f in app.doctor.findings)
        assert f"{n_errors} error" in text

        app.push_screen(PodDetailScreen("tenant-a", "waiting-for-nad"))
        panel = await wait_for(pilot, lambda: isinstance(app.screen, PodDetailScreen)
                               and app.screen.query_one("#doctor-findings"), what="panel")
        await wait_for(pilot, lambda: panel.ready, what="the pod's findings")
        rendered = str(panel.render())
        assert "missing-nad" in rendered and "fix:" in rendered
        assert {f.check for f in panel.findings} == {"missing-nad"}

        app.push_screen(NadDetailScreen("kube-system", "vlan1-internal-pool"))
        nad_panel = await wait_for(pilot, lambda: isinstance(app.screen, NadDetailScreen)
                                   and app.screen.query_one("#doctor-findings"), what="NAD panel")
        await wait_for(pilot, lambda: nad_panel.ready, what="the NAD's findings")
        assert "host-local-multi-node" in {f.check for f in nad_panel.findings}

        # one shared diagnosis: a burst of store changes is diagnosed a few times, not once per change
        runs = app.doctor.runs
        for i in range(8):
            cfg = ('{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth9", '
                   f'"ipam": {{"type": "host-local", "subnet": "10.77.{i}.0/24"}}}}')
            sb.store.create(NAD_RES, {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                                      "metadata": {"name": f"burst-{i}", "namespace": "default"},
                                      "spec": {"config": cfg}})
        await wait_for(pilot, lambda: app.ctx.store.nad("default", "burst-7") is not None, what="the burst")
        await wait_for(pilot, lambda: app.doctor.runs > runs and not app.doctor.stale and not app.doctor.running,
                       what="a fresh diagnosis")
        # fewer diagnoses than changes (how many fewer depends on how fast a loaded machine made them)
        assert app.doctor.runs - runs < 8

        # creating the missing NAD clears the pod's finding (once back on its screen)
        assert any(f.check == "missing-nad" for f in app.doctor.findings or ())
        sb.store.create(NAD_RES, {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                                  "metadata": {"name": "vlan1-later", "namespace": "tenant-a"},
                                  "spec": {"config": '{"cniVersion": "0.3.1", "type": "macvlan", "master": '
                                                     '"k8s-vlan1", "ipam": {"type": "whereabouts", "range": '
                                                     '"10.40.0.0/24"}}'}})
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PodDetailScreen))
        await wait_for(pilot, lambda: "missing-nad" not in {f.check for f in panel.findings}, timeout=30,
                       what="the finding cleared")
        assert "doctor: no findings" in str(panel.render())


async def test_above_the_limit_the_home_summary_waits_for_the_doctor_view(seed_kc: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """On a very big cluster the home summary starts no whole-cluster diagnosis of its own (seconds of
    CPU and hundreds of MB while the user browses): it says the checks run when the Doctor is opened;
    D runs them, and back home the summary shows that run's findings. (The limit is lowered to the
    seed's size: the behaviour, not the number, is under test.)"""
    from multus_tui.ui import doctor_cache

    monkeypatch.setattr(doctor_cache, "AUTO_LIMIT_PODS", 1)  # before the app makes its DoctorCache
    _sb, kc = seed_kc
    app = make_app(kc)
    async with app.run_test(size=SIZE) as pilot:
        assert app.doctor.auto_limit == 1
        await live(pilot)
        summary = app.screen.query_one("#doctor-summary", Static)
        await wait_for(pilot, lambda: "so the checks run when you open it" in str(summary.render()),
                       what="the summary says why it has no findings")
        n = app.ctx.store.pod_count()
        assert f"doctor: {n:,} pods" in str(summary.render())
        await wait_for(pilot, lambda: app.doctor.idle, what="nothing scheduled")
        assert app.doctor.runs == 0 and not app.doctor.running
        await pilot.press("D")
        screen = await doctor_screen(pilot)
        await wait_for(pilot, lambda: app.doctor.runs >= 1 and screen.findings, what="the Doctor's run")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await wait_for(pilot, lambda: "error" in str(app.screen.query_one("#doctor-summary", Static).render()),
                       what="the summary shows the run's findings")


async def test_readonly_opens_the_builders_without_writes(seed_kc: Any) -> None:
    _, kc = seed_kc
    app = make_app(kc, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot)
        app.open_namespace_screen("default")
        await wait_for(pilot, lambda: isinstance(app.screen, NamespaceScreen))
        await wait_for(pilot, lambda: "attach" in {ab.binding.action for ab in app.screen.active_bindings.values()},
                       what="the namespace screen's keys")
        labels = {ab.binding.action: ab.binding.description for ab in app.screen.active_bindings.values()}
        assert labels.get("attach") == "Attach (offline)" and labels.get("create_nad") == "Build (offline)"
        assert "delete" not in labels and "shell" not in labels  # writes stay hidden
        ns_screen = app.screen
        await pilot.press("a")
        from multus_tui.ui.attach import AttachBuilderScreen

        # (each builder is closed, or the app ends, once it has fully mounted: see fully_mounted)
        attach = await wait_for(pilot, lambda: isinstance(app.screen, AttachBuilderScreen)
                                and fully_mounted(app.screen) and app.screen, what="the attach builder")
        assert not attach.query_one("#attach-create-btn", Button).display
        assert not attach.query_one("#attach-patch-btn", Button).display
        app.pop_screen()
        await wait_for(pilot, lambda: app.screen is ns_screen)
        await pilot.press("c")
        from multus_tui.ui.builder import NadBuilderScreen

        builder = await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen)
                                 and fully_mounted(app.screen) and app.screen, what="the NAD builder")
        assert not builder.can_apply


def test_doctor_screen_snapshot(snap_compare: Any, seed_kc: Any, tmp_path: Path) -> None:
    _, kc = seed_kc

    async def run_before(pilot: Any) -> None:
        await live(pilot)
        await pilot.press("D")
        screen = await doctor_screen(pilot)
        screen.query_one(DataTable).move_cursor(row=1)  # the first finding, its fix in the detail pane
        await wait_for(pilot, lambda: screen.selected is not None
                       and screen.selected.check in str(screen.query_one("#doctor-detail", Static).render()),
                       what="the first finding in the detail pane")
        freeze_blink(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(kc, snapshot=True), run_before=run_before, terminal_size=SIZE)
