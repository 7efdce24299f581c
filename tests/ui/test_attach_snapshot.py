"""Snapshot of the attach builder (offline, fixed data, fixed size: deterministic)."""

from __future__ import annotations

from tests.ui.test_attach_harness import AttachApp, offline_ctx


async def _fill(pilot) -> None:
    await pilot.pause()
    screen = pilot.app.screen
    screen.query_one("#attach-ips").value = "192.168.0.20/24"
    screen.query_one("#attach-default-route").value = "192.168.0.254"
    screen.query_one("#attach-dns").value = True
    await pilot.pause()
    screen.query_one("#attach-dns-nameservers").value = "192.168.0.1, 192.168.0.2"
    screen.query_one("#attach-dns-searches").value = "zencoffee.org"
    screen.query_one("#attach-output-tabs").active = "attach-tab-pod"
    screen.query_one("#attach-selections").focus()
    await pilot.pause()


def test_attach_builder_snapshot(snap_compare):
    app = AttachApp(offline_ctx(), preselect=[("default", "vlan1-internal-static"),
                                              ("kube-system", "vlan1-internal-pool")])
    assert snap_compare(app, terminal_size=(160, 50), run_before=_fill)
