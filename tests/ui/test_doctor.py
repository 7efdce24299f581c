"""DoctorScreen and FindingsPanel with Textual's Pilot, in a tiny host App, on a real sandbox
(seed scenario) through a real LiveStore; and offline."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.store import LiveStore
from multus_tui.multus.diagnose import PodRecord, diagnose, findings_for
from multus_tui.multus.nad import NAD
from multus_tui.ui.context import AppContext
from multus_tui.ui.doctor import DoctorScreen, FindingsPanel, object_findings
from tests.waiting import TIMEOUT, wait_for, wait_until

SIZE = (160, 40)


class Host(App[None]):
    """The smallest app that can show DoctorScreen; records open_object calls like the shell would."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.opened: list[tuple[str, str, str]] = []

    def on_mount(self) -> None:
        self.push_screen(DoctorScreen(self.ctx))

    def open_object(self, kind: str, namespace: str, name: str) -> None:
        self.opened.append((kind, namespace, name))


def _seed_pods_settled(store: LiveStore) -> bool:
    pods = store.pods()
    return len(pods) == 5 and sum(p.phase == "Running" for p in pods) == 4 and any(
        e.reason == "NoNetworkFound" for e in store.events())


@pytest.fixture
def seed_ctx(tmp_path: Path) -> Any:
    from multus_tui.sandbox.runner import Sandbox

    sb = Sandbox("seed")
    sb.start()
    path = tmp_path / "kubeconfig"
    sb.write_kubeconfig(str(path))
    info = load_cluster(str(path), None)
    cluster = Cluster(info)
    store = LiveStore(cluster).start()
    assert store.wait_synced(TIMEOUT)
    wait_until(lambda: _seed_pods_settled(store), what="the seed settled in the store")
    ctx = AppContext(cluster=cluster, store=store, readonly=False, context_name=info.context, server=info.server,
                     namespace="tenant-a")
    yield sb, ctx
    store.stop()
    cluster.close()
    sb.stop()


async def test_doctor_screen_lists_seed_findings_grouped_by_severity(seed_ctx: Any) -> None:
    sb, ctx = seed_ctx
    app = Host(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DoctorScreen) and app.screen.computed)
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        table = screen.query_one(DataTable)
        keys = [str(r.key.value) for r in table.ordered_rows]
        # group headers in severity order, each followed by its findings
        assert keys[0] == "group:error" and "group:warning" in keys
        assert keys.index("group:error") < keys.index("group:warning")
        checks = {f.check for f in screen.findings}
        assert {"duplicate-address", "host-local-multi-node", "missing-nad"} <= checks
        title = str(screen.query_one("#doctor-title", Static).render())
        assert "all namespaces" in title and "error(s)" in title
        # the cursor starts on the first finding, whose fix is in the detail pane
        assert screen.selected is not None and screen.selected.severity == "error"
        detail = str(screen.query_one("#doctor-detail", Static).render())
        assert "fix:" in detail and screen.selected.check in detail

        # enter opens the first object through the app's open_object
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.opened, what="open_object called")
        kind, ns, name = app.opened[-1]
        assert f"{kind}/{ns}/{name}" == screen.selected.objects[0]

        # n: only the context's namespace (tenant-a): the missing NAD, and its NAD's master missing on node-4
        screen.computed = False
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.computed)
        assert {f.check for f in screen.findings} == {"missing-nad", "host-link-missing"}
        assert "namespace tenant-a" in str(screen.query_one("#doctor-title", Static).render())

        # the store changes (the missing NAD appears): the screen recomputes by itself
        screen.computed = False
        sb.store.create("network-attachment-definitions", {
            "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": "vlan1-later", "namespace": "tenant-a"},
            "spec": {"config": '{"cniVersion": "0.3.1", "name": "vlan1-later", "type": "macvlan", '
                               '"master": "k8s-vlan1", "ipam": {"type": "whereabouts", "range": "10.40.0.0/24"}}'}})

        def refreshed() -> bool:
            screen.refresh_from_store(None)  # what the app shell does on StoreChanged
            return ctx.store.nad("tenant-a", "vlan1-later") is not None

        await wait_for(pilot, refreshed)
        await wait_for(pilot, lambda: screen.computed and "missing-nad" not in {f.check for f in screen.findings})


async def test_doctor_screen_offline() -> None:
    ctx = AppContext(cluster=None, store=None, readonly=True, context_name=None, server=None)
    app = Host(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DoctorScreen) and app.screen.computed)
        assert "not connected" in str(app.screen.query_one("#doctor-title", Static).render())
        assert app.screen.findings == []


def test_object_findings_from_the_store(seed_ctx: Any) -> None:
    sb, ctx = seed_ctx
    pod = {f.check for f in object_findings(ctx, "pod", "default", "pool-twin")}
    assert {"duplicate-address", "host-local-multi-node"} <= pod
    nad = {f.check for f in object_findings(ctx, "nad", "kube-system", "vlan1-internal-pool")}
    assert "host-local-multi-node" in nad
    assert object_findings(ctx, "pod", "tenant-a", "static-default-route") == []


class PanelHost(App[None]):
    def __init__(self, panel: FindingsPanel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield self.panel


async def test_findings_panel_for_one_object() -> None:
    nad = NAD.from_config({"cniVersion": "0.3.1", "name": "s", "type": "macvlan", "master": "k8s-vlan1",
                           "ipam": {"type": "static", "addresses": [{"address": "10.1.0.5/24"}]}},
                          name="s", namespace="default")
    pods = [PodRecord("default", n, "node-1", "Running", {"k8s.v1.cni.cncf.io/networks": "s"}) for n in ("a", "b")]
    pods.append(PodRecord("default", "[red]evil[/red]", "node-1", "Pending",
                          {"k8s.v1.cni.cncf.io/networks": "nope"}))
    found = diagnose([nad], pods)
    panel = FindingsPanel(findings_for(found, "nad", "default", "s"))
    app = PanelHost(panel)
    async with app.run_test(size=SIZE) as pilot:
        text = await wait_for(pilot, lambda: (t := str(panel.render())) and "fix:" in t and t, what="findings")
        assert "shared-static-address" in text
        panel.show(findings_for(found, "pod", "default", "[red]evil[/red]"))
        # literal, not markup
        await wait_for(pilot, lambda: "[red]evil[/red]" in str(panel.render()), what="the pod's findings, literal")
        panel.show([])
        await wait_for(pilot, lambda: "no findings" in str(panel.render()), what="no findings")
    await asyncio.sleep(0)
