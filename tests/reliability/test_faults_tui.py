"""Every fault injected into the running TUI (MultusApp via Pilot, through the same cluster layer, its
kubeconfig pointing at the FaultProxy): the header goes reconnecting/failed (with the reason) and
back to live, and the namespace screen's tables converge to the server's state."""

from __future__ import annotations

import asyncio

from multus_tui.ui.screens.namespace import NamespaceScreen, pod_of_key
from multus_tui.ui.widgets import LiveTable
from multus_tui.ui.widgets.header import ClusterHeader
from tests.reliability.helpers import Churn, diff
from tests.ui.ui_harness import SIZE, make_app, wait_for


def ui_pods(app) -> set[str]:
    return {pod_of_key(k) for k in app.screen.query_one("#pod-table", LiveTable).ordered_keys()}


def ui_nads(app) -> set[str]:
    return {k for k in app.screen.query_one("#nads", LiveTable).ordered_keys() if k.startswith("default/")}


def server_pods(sb) -> set[str]:
    return {o["metadata"]["name"] for o in sb.store.list("pods", "default")[0]}


def server_nads(sb) -> set[str]:
    return {f"default/{o['metadata']['name']}" for o in sb.store.list("network-attachment-definitions", "default")[0]}


async def converged(pilot, sb, what: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.connection[0] == "live", what=f"live after {what}")
    await wait_for(pilot, lambda: not diff(sb, app.ctx.store), what=f"store converged after {what}")
    try:  # only the visible tab follows the store: look at each
        await pilot.press("2")
        await wait_for(pilot, lambda: ui_pods(app) == server_pods(sb))
        await pilot.press("1")
        await wait_for(pilot, lambda: ui_nads(app) == server_nads(sb))
    except AssertionError:
        raise AssertionError(f"tables did not converge after {what}: pods ui-server "
                             f"{ui_pods(app) - server_pods(sb)} server-ui {server_pods(sb) - ui_pods(app)}; "
                             f"nads ui-server {ui_nads(app) - server_nads(sb)} "
                             f"server-ui {server_nads(sb) - ui_nads(app)}") from None


async def churn(pilot, sb, prefix: str, steps: int = 2) -> None:
    c = Churn(sb, prefix)
    for _ in range(steps):
        c.step()
        await pilot.pause(0.1)


async def test_tui_survives_every_fault(faulty, tally):
    sb, proxy, kc = faulty("seed")
    app = make_app(kc, namespace="default")
    store = app.ctx.store
    store.backoff_initial, store.backoff_max = 0.05, 0.3  # read at each retry: the test stays fast
    seen: list[str] = []

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, NamespaceScreen) and app.connection[0] == "live")
        app.watch(app, "connection", lambda v: seen.append(v[0]), init=False)
        await converged(pilot, sb, "start")

        # dropped watch streams
        await wait_for(pilot, lambda: proxy.open_watches >= 4)
        proxy.drop_watches()
        await churn(pilot, sb, "drop")
        await converged(pilot, sb, "dropped watches")

        # a 410 storm
        proxy.gone(12)
        proxy.drop_watches()
        await churn(pilot, sb, "gone")
        sb.store.compact()
        await converged(pilot, sb, "410 storm")

        # the API goes away: failed, with the reason on the header; then back
        proxy.go_away()
        await wait_for(pilot, lambda: app.connection[0] == "failed", what="failed while away")
        assert "refused" in (app.connection[1] or ""), app.connection
        await wait_for(pilot, lambda: "refused" in str(app.screen.query_one(ClusterHeader).render()),
                       what="the header says why")
        assert "failed" in str(app.screen.query_one(ClusterHeader).render())
        await churn(pilot, sb, "away")
        proxy.come_back()
        await converged(pilot, sb, "outage")
        assert "failed" in seen and seen[-1] == "live", seen

        # slow answers
        proxy.slow(0.3)
        proxy.drop_watches()
        await churn(pilot, sb, "slow")
        await converged(pilot, sb, "slow answers")
        proxy.clear()

        # 500s and 429s
        for kind in ("500", "429"):
            if kind == "500":
                proxy.fail(8, code=500)
            else:
                proxy.throttle(8, retry_after=1)
            proxy.drop_all()
            await churn(pilot, sb, f"e{kind}")
            await wait_for(pilot, lambda k=kind: proxy.injected["error" if k == "500" else "throttle"] >= 8)
            await converged(pilot, sb, kind)

        # (a "reconnecting" shorter than one store delivery batch is coalesced into what follows it)
        assert {"failed", "live"} <= set(seen), seen
        await asyncio.sleep(0)
    tally.survived(proxy)
