"""Builder drafts: saved while editing (debounced), offered back when a blank builder opens after a
crash or an accidental quit, discarded on request, deleted once applied or exported."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button

from multus_tui import drafts
from multus_tui.ui.builder import NadBuilderScreen
from multus_tui.ui.builder.modals import ConfirmScreen
from tests.ui.test_builder_harness import SIZE, BuilderApp, builder, settle, type_into, wait_for
from tests.ui.ui_harness import fully_mounted


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def offline_ctx():
    from multus_tui.ui.context import AppContext

    ctx = AppContext(None, None, False, None, None, "default")
    ctx.extra["drafts"] = True
    return ctx


async def edit_and_quit(name: str) -> None:
    app = BuilderApp(offline_ctx())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "metadata.name", name)
        await wait_for(pilot, lambda: any(name in d.text for d in drafts.list_drafts()), what="draft saved")
        # the test leaves without closing the builder: an accidental quit (or a crash) as far as it knows


async def test_draft_is_offered_back_and_restored(tally):
    await edit_and_quit("my-lost-nad")
    app = BuilderApp(offline_ctx())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and fully_mounted(app.screen),
                       what="restore offer")
        assert "my-lost-nad" in str(app.screen.query_one("#confirm-body").render())
        await wait_for(pilot, lambda: isinstance(app.focused, Button), what="the offer's focused button")
        await pilot.press("enter")  # "Restore" has the focus
        await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen))
        await settle(pilot)
        await wait_for(pilot, lambda: "name: my-lost-nad" in builder(pilot).current_yaml(), what="restored")
        # exporting it is the end of the draft
        assert builder(pilot).write_file(Path(drafts.state_dir()).parent / "out.yaml")
        assert drafts.list_drafts() == []
    tally.checked("draft: restored after quit")


async def test_discarding_the_offer_deletes_the_draft():
    await edit_and_quit("unwanted")
    app = BuilderApp(offline_ctx())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="restore offer")
        await wait_for(pilot, lambda: isinstance(app.focused, Button), what="the offer's focused button")
        await pilot.press("escape")  # = Discard
        await settle(pilot)
        assert "unwanted" not in builder(pilot).current_yaml()
    assert drafts.list_drafts() == []


async def test_no_drafts_without_opt_in():
    from multus_tui.ui.context import AppContext

    app = BuilderApp(AppContext(None, None, False, None, None, "default"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "metadata.name", "not-saved")
        await pilot.pause(1.5)
    assert drafts.list_drafts() == []


async def test_successful_apply_deletes_the_draft(faulty, tally):
    from tests.reliability.test_nothing_lost import review
    from tests.ui.test_builder_harness import online_ctx

    sb, proxy, kc = faulty("empty")
    ctx = online_ctx(kc)
    ctx.extra["drafts"] = True
    app = BuilderApp(ctx, template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "plugins[0].master", "k8s-vlan3")
        await wait_for(pilot, lambda: drafts.list_drafts(), what="draft saved")
        await review(pilot, app)
        proxy.go_away()  # the apply fails: the draft stays
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen) and app.notes)
        assert drafts.list_drafts(), "a failed apply must keep the draft"
        proxy.come_back()
        await review(pilot, app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results, what="applied")
    assert drafts.list_drafts() == []
    tally.survived(proxy)
