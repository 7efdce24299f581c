"""The attach builder against the sandbox cluster (seed scenario), through the real cluster layer.

Creates pods with the builder, follows them live (attaching -> attached with an address, or failed
with the reason), refuses what the pre-checks refuse, and patches a Deployment's pod template.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest

from multus_tui.multus.selection import NETWORKS_ANNOTATION
from multus_tui.ui.attach import AttachBuilderScreen, PodFollowScreen
from multus_tui.ui.attach.modals import ConfirmScreen, WorkloadScreen
from multus_tui.ui.context import AppContext
from multus_tui.ui.widgets import ClusterHeader
from tests.ui.test_attach_harness import AttachApp
from tests.ui.ui_harness import fully_mounted
from tests.waiting import TIMEOUT, wait_for

SIZE = (160, 60)


@pytest.fixture
def online(tmp_path: Path) -> Iterator[tuple[AppContext, Any]]:
    """(AppContext on a live store, the sandbox) for the seed scenario; retries fast."""
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.kubeconfig import load_cluster
    from multus_tui.cluster.store import LiveStore
    from multus_tui.sandbox.runner import Sandbox, SandboxSettings

    sb = Sandbox("seed", settings=SandboxSettings(retry_interval_s=0.3, pod_start_delay_s=0.8))
    sb.start()
    store = None
    try:
        path = tmp_path / "kubeconfig"
        sb.write_kubeconfig(str(path))
        cluster = Cluster(load_cluster(str(path), "sandbox"))
        store = LiveStore(cluster, watch_timeout=30, batch_interval=0.02).start()
        assert store.wait_synced(TIMEOUT), "the store did not sync with the sandbox"
        ctx = AppContext(cluster=cluster, store=store, readonly=False, context_name="sandbox", server=sb.url)
        yield ctx, sb
    finally:
        if store is not None:
            store.stop()
        sb.stop()


async def _until(pilot, cond, timeout: float = TIMEOUT, what: str = "condition") -> None:
    await wait_for(pilot, cond, timeout, what)


def _builder(app) -> AttachBuilderScreen:
    for s in app.screen_stack:
        if isinstance(s, AttachBuilderScreen):
            return s
    raise AssertionError("no attach builder on the stack")


async def _set(pilot, selector: str, value: Any) -> None:
    pilot.app.screen.query_one(selector).value = value
    await pilot.pause()


async def _create(pilot) -> None:
    """ctrl+s, then confirm the modal."""
    await pilot.press("ctrl+s")
    await _until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen) and fully_mounted(pilot.app.screen),
                 what="the confirm modal")
    await pilot.click("#attach-confirm-yes")
    # mounted, not just pushed: the test reads its PodFollow next (pushed only, it has no children yet)
    await _until(pilot, lambda: isinstance(pilot.app.screen, PodFollowScreen) and fully_mounted(pilot.app.screen),
                 what="the pod follow screen")
    # a browsing screen: it carries the cluster header (screens.md)
    assert pilot.app.screen.query(ClusterHeader)


async def test_samplepod_created_and_seen_attaching_from_the_pool(online):
    ctx, sb = online
    # the follow screen must see the pod before the kubelet starts it: with 0.8 s a loaded machine
    # mounted the screen after the pod had attached (history ['attached']); 5 s is a wide margin
    sb.settings.pod_start_delay_s = 5.0
    app = AttachApp(ctx, "default", preselect=[("kube-system", "vlan1-internal-pool")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        b = _builder(app)
        # node-4 has no k8s-vlan1: pin the node like a user would
        await _set(pilot, "#attach-pod-name", "samplepod-2")
        await _set(pilot, "#attach-pod-node-selector", "kubernetes.io/hostname=node-1")
        assert b.annotation() == "kube-system/vlan1-internal-pool"
        assert [f for f in b.findings if f.severity == "error"] == []
        await _create(pilot)
        follow = app.screen.follow
        await _until(pilot, lambda: follow.state == "attached", what="samplepod-2 attached")
        assert "pending" in follow.history and follow.history[-1] == "attached", follow.history
        # updated in place: the attachment's row was never removed and re-added
        stats = follow.query_one("#attach-follow-table").stats
        assert stats["removed"] == 0 and stats["updated"] >= 1, stats
        atts = [a for a in ctx.store.pod_attachments("default", "samplepod-2") if "/" in (a.network or "")]
        (att,) = atts
        assert att.network == "kube-system/vlan1-internal-pool" and att.interface == "net1"
        (ip,) = att.ips
        assert ip_address("192.168.0.20") <= ip_address(ip.split("/")[0]) <= ip_address("192.168.0.49")
        table_text = " ".join(str(c) for row in follow.query_one("#attach-follow-table").cells.values() for c in row)
        assert ip.split("/")[0] in table_text and "attached" in table_text
        pod = ctx.cluster.get_raw("pod", "default", "samplepod-2")
        assert pod["spec"]["containers"][0]["image"] == "dougbtv/centos-network"
        assert pod["metadata"]["annotations"][NETWORKS_ANNOTATION] == "kube-system/vlan1-internal-pool"


async def test_missing_nad_shown_failed_then_attached_once_created(online):
    ctx, _sb = online
    from multus_tui.cluster import writes

    app = AttachApp(ctx, "tenant-a", preselect=[("tenant-a", "vlan1-soon")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        b = _builder(app)
        await _set(pilot, "#attach-pod-name", "waits-for-nad")
        await _set(pilot, "#attach-pod-node-selector", "kubernetes.io/hostname=node-1")
        missing = [f for f in b.findings if f.code == "nad-missing"]
        assert missing and missing[0].severity == "warning"
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and fully_mounted(app.screen),
                     what="the confirm modal")
        body = str(app.screen.query_one("#attach-confirm-body").render())
        assert "tenant-a/vlan1-soon does not exist" in body  # the warning is in front of the user
        await pilot.click("#attach-confirm-yes")
        await _until(pilot, lambda: isinstance(app.screen, PodFollowScreen) and fully_mounted(app.screen),
                     what="the pod follow screen")
        follow = app.screen.follow
        await _until(pilot, lambda: follow.state == "failed", what="the failure")
        assert "vlan1-soon" in (follow.reason or "")
        state_line = str(follow.query_one("#attach-follow-state").render())
        assert "failed" in state_line and "vlan1-soon" in state_line
        # Create the NAD through the API: the pod attaches (the sandbox retries like kubelet).
        writes.apply_nad(ctx.cluster, {
            "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": "vlan1-soon", "namespace": "tenant-a"},
            "spec": {"config": json.dumps({
                "cniVersion": "0.3.1", "name": "vlan1-soon", "type": "macvlan", "master": "k8s-vlan1",
                "ipam": {"type": "host-local", "ranges": [[{"subnet": "192.168.5.0/24"}]]}})},
        }, dry_run=False)
        await _until(pilot, lambda: follow.state == "attached", what="attached after the NAD appeared")
        (att,) = [a for a in ctx.store.pod_attachments("tenant-a", "waits-for-nad") if "/" in (a.network or "")]
        assert att.ips and att.ips[0].startswith("192.168.5.")


async def test_prechecks_refuse_against_the_live_cluster(online):
    ctx, _sb = online
    app = AttachApp(ctx, "default", preselect=[("kube-system", "vlan1-internal-pool")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        b = _builder(app)
        await _set(pilot, "#attach-pod-name", "refused")

        async def refused_with(code: str) -> None:
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen), f"{code}: create was not refused"
            assert code in [f.code for f in b.refused or []], (code, b.refused)

        # namespace isolation (assumption toggled by the user)
        await _set(pilot, "#attach-isolation", True)
        await refused_with("namespace-isolation")
        await _set(pilot, "#attach-isolation", False)
        # interface names
        for name, code in (("averyverylongname", "bad-interface"), ("eth0", "interface-taken")):
            await _set(pilot, "#attach-interface", name)
            await refused_with(code)
        await _set(pilot, "#attach-interface", "")
        # ips outside the pool's range (the pool has no ips capability: also a warning)
        b.add_selection("tenant-a", "vlan1-internal-static-dr")
        await pilot.pause()
        await _set(pilot, "#attach-ips", "192.168.0.10/24")
        # static address held by tenant-a/static-default-route (seed) on the same NAD
        await refused_with("ips-in-use")
        await _set(pilot, "#attach-ips", "192.168.0.11/24")
        # two default routes in IPv4
        await _set(pilot, "#attach-default-route", "192.168.0.254")
        b.query_one("#attach-selections").move_cursor(row=0)
        await pilot.pause()
        await _set(pilot, "#attach-default-route", "192.168.0.254")
        await refused_with("ecmp-default-route")
        await _set(pilot, "#attach-default-route", "")
        # duplicate interface names
        await _set(pilot, "#attach-interface", "net2")
        await refused_with("duplicate-interface")
        await _set(pilot, "#attach-interface", "")
        # ips outside a host-local range (a pool NAD with the ips capability)
        from multus_tui.cluster import writes

        writes.apply_nad(ctx.cluster, {
            "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": "pool-ips", "namespace": "default"},
            "spec": {"config": json.dumps({
                "cniVersion": "0.3.1", "name": "pool-ips", "type": "macvlan", "master": "k8s-vlan1",
                "capabilities": {"ips": True},
                "ipam": {"type": "host-local", "ranges": [[{"subnet": "192.168.7.0/24", "rangeStart": "192.168.7.20",
                                                            "rangeEnd": "192.168.7.49"}]]}})},
        }, dry_run=False)
        await _until(pilot, lambda: ctx.store.nad("default", "pool-ips") is not None, what="the NAD in the store")
        b.add_selection("default", "pool-ips")
        await pilot.pause()
        await _set(pilot, "#attach-ips", "192.168.7.60/24")
        await refused_with("ips-outside-range")
        await _set(pilot, "#attach-ips", "192.168.7.21/24")
        # with every problem fixed the confirm modal appears; cancel it: nothing is created
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and fully_mounted(app.screen),
                     what="the confirm modal")
        await pilot.click("#attach-confirm-no")
        await pilot.pause()
        assert ctx.store.pod("default", "refused") is None


async def test_ips_offer_and_gateway_follow_the_nad(online):
    ctx, _sb = online
    app = AttachApp(ctx, "tenant-a", preselect=[("tenant-a", "vlan1-internal-static-dr"),
                                                ("kube-system", "vlan1-internal-pool")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        b = _builder(app)
        assert "ips honoured" in str(b.query_one("#attach-ips-hint").render())
        # S2: the static NAD without addresses needs ips
        assert "static-needs-ips" in [f.code for f in b.findings]
        await _set(pilot, "#attach-ips", "192.168.0.30/24")
        b.query_one("#attach-selections").move_cursor(row=1)
        await pilot.pause()
        assert "does not declare the \"ips\" capability" in str(b.query_one("#attach-ips-hint").render())
        await pilot.click("#attach-use-gateway")
        await pilot.pause()
        assert b.query_one("#attach-default-route").value == "192.168.0.254"
        assert json.loads(b.annotation()) == [
            {"name": "vlan1-internal-static-dr", "ips": ["192.168.0.30/24"]},
            {"name": "vlan1-internal-pool", "namespace": "kube-system", "default-route": ["192.168.0.254"]},
        ]


async def test_patch_deployment_template_after_the_rollout_warning(online):
    ctx, _sb = online
    from multus_tui.cluster import writes  # noqa: F401  (the write under test goes through it)

    ctx.cluster.request("POST", "/apis/apps/v1/namespaces/default/deployments", body={
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
    })
    app = AttachApp(ctx, "default", preselect=[("kube-system", "vlan1-internal-pool")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+b")
        await _until(pilot, lambda: isinstance(app.screen, WorkloadScreen) and fully_mounted(app.screen),
                     what="the workload modal")
        assert "rolls the workload" in str(app.screen.query_one("#attach-workload-warning").render())
        await _set(pilot, "#attach-workload-name", "web")
        await pilot.click("#attach-workload-yes")

        def patched() -> bool:
            dep = ctx.cluster.get_raw("deployment", "default", "web")
            ann = ((dep["spec"]["template"].get("metadata") or {}).get("annotations") or {})
            return ann.get(NETWORKS_ANNOTATION) == "kube-system/vlan1-internal-pool"

        await _until(pilot, patched, what="the patched template")
        # a workload that does not exist is a one-line error, not a traceback
        await pilot.press("ctrl+b")
        await _until(pilot, lambda: isinstance(app.screen, WorkloadScreen) and fully_mounted(app.screen),
                     what="the workload modal")
        await _set(pilot, "#attach-workload-name", "nope")
        await pilot.click("#attach-workload-yes")
        await _until(pilot, lambda: isinstance(app.screen, AttachBuilderScreen), what="back to the builder")


async def test_readonly_online_hides_writes(online):
    ctx, _sb = online
    ctx.readonly = True
    app = AttachApp(ctx, "default", preselect=[("kube-system", "vlan1-internal-pool")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        b = _builder(app)
        assert not b.query_one("#attach-create-btn").display and not b.query_one("#attach-patch-btn").display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is b
        assert b.annotation() == "kube-system/vlan1-internal-pool"
        # building stays possible: pick a NAD from the store's list by filtering it to one row
        await pilot.press("ctrl+g")
        await _until(pilot, lambda: app.screen is not b and fully_mounted(app.screen), what="the NAD picker")
        picker_table = app.screen.query_one("#attach-picker-table")
        assert picker_table.row_count >= 3  # every namespace's NADs
        await _set(pilot, "#attach-picker-input", "static-dr")
        assert picker_table.row_count == 1
        await pilot.press("enter")
        await _until(pilot, lambda: app.screen is b, what="back to the builder")
        assert b.annotation() == "kube-system/vlan1-internal-pool,tenant-a/vlan1-internal-static-dr"
        assert "found" in str(b.query_one("#attach-selections").get_row_at(1)[-1])
