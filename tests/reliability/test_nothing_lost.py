"""Nothing lost: an apply that fails because of a fault (the API went away, a 500) keeps the form as it
was, says why, and applying again once the API is back lands exactly that NAD."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from multus_tui.ui.builder import NadBuilderScreen, ReviewScreen
from tests.ui.test_builder_harness import SIZE, BuilderApp, builder, online_ctx, settle, type_into, wait_for


async def review(pilot, app) -> ReviewScreen:
    await pilot.press("ctrl+s")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen, what="review")
    await wait_for(pilot, lambda: not screen.query_one("#review-apply", Button).disabled, what="dry run")
    return screen


@pytest.mark.parametrize("fault", ["away", "500"])  # 429 behaves as 500 here; the store tests cover it
async def test_failed_apply_keeps_the_form_then_applies(faulty, fault, tally):
    sb, proxy, kc = faulty("empty")
    ctx = online_ctx(kc)
    app = BuilderApp(ctx, template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "plugins[0].master", "k8s-vlan3")
        before = builder(pilot).current_yaml()
        await review(pilot, app)
        if fault == "away":
            proxy.go_away()
        elif fault == "500":
            proxy.fail(10, code=500)
        else:
            proxy.throttle(10, retry_after=1)
        await pilot.press("ctrl+s")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen) and app.screen,
                                what="back in the form after the failed apply")
        await settle(pilot)
        assert screen.current_yaml() == before, "the form changed after a failed apply"
        assert screen.query_one("#f-plugins_0__master").value == "k8s-vlan3"
        assert any(n[0] == "error" for n in app.notes), app.notes
        assert app.results == []
        assert not sb.store.list("network-attachment-definitions", "default")[0], "nothing was applied"
        # the API is back: the same form applies
        proxy.come_back()
        proxy.clear()
        await review(pilot, app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results, what="applied")
    items = sb.store.list("network-attachment-definitions", "default")[0]
    assert [o["metadata"]["name"] for o in items] == ["vlan1-internal-static"]
    assert "k8s-vlan3" in items[0]["spec"]["config"]
    tally.survived(proxy)
