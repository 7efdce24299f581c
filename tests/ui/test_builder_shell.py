"""The builder inside the real app shell, and the delete confirmation naming the pods that use a NAD."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button

from multus_tui.multus import templates
from multus_tui.multus.nad import NAD
from multus_tui.ui.app import style_paths
from multus_tui.ui.builder import DeleteNadScreen, NadBuilderScreen, ReviewScreen, pods_using
from multus_tui.ui.screens.dialogs import ConfirmScreen
from tests.ui.test_builder_harness import SIZE, online_ctx, wait_for


@pytest.fixture
def seed(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    from multus_tui.sandbox.runner import Sandbox

    sb = Sandbox("seed")
    sb.start()
    path = tmp_path / "kubeconfig"
    sb.write_kubeconfig(str(path))
    yield sb, str(path)
    sb.stop()


async def test_builder_opened_from_the_app_shell_applies_a_template(seed: tuple[Any, str]) -> None:
    from multus_tui.ui.app import MultusApp

    ctx = online_ctx(seed[1])
    app = MultusApp(ctx)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.open_builder(namespace="default")
            screen = await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen) and app.screen,
                                    what="builder")
            template = await wait_for(pilot, lambda: screen.query_one("#template"), what="form mounted")
            template.value = "whereabouts-pool"
            await wait_for(pilot, lambda: screen.draft.nad.name == "vlan1-cluster-pool", what="template")
            # the shell loaded styles/builder.tcss: the side panel has its border
            assert screen.query_one("#builder-side").styles.border_left[0] == "solid"
            await pilot.press("ctrl+s")
            # node-4's NodeNetworkState has no k8s-vlan1: a warning to confirm (`y`) before the review
            confirm = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen,
                                     what="the warnings' confirmation")
            assert "node-4" in str(confirm.query_one("#confirm-body").render())
            await pilot.press("y")
            review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen,
                                    what="review")
            await wait_for(pilot, lambda: not review.query_one("#review-apply", Button).disabled, what="dry run")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not isinstance(app.screen, (ReviewScreen, NadBuilderScreen)),
                           what="back in the shell")
    finally:
        if ctx.store is not None:
            ctx.store.stop()
    live = ctx.cluster.get_raw("nad", "kube-system", "vlan1-cluster-pool")
    assert NAD.from_manifest(live).config == templates.whereabouts_pool().config


class DeleteApp(App[None]):
    CSS_PATH = style_paths()  # the app's whole cascade, as MultusApp loads it  # type: ignore[assignment]

    def __init__(self, ctx: Any, view: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.view = view
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(DeleteNadScreen(self.ctx, self.view), callback=self.results.append)


async def test_delete_names_the_pods_using_the_nad_and_deletes_after_confirmation(seed: tuple[Any, str]) -> None:
    ctx = online_ctx(seed[1])
    ctx.store.start()
    try:
        assert ctx.store.wait_synced(20)
        assert pods_using(ctx.store, "kube-system", "vlan1-internal-pool") == ["default/pool-twin",
                                                                               "default/samplepod"]
        view = next(v for v in ctx.store.nads("kube-system") if v.name == "vlan1-internal-pool")
        app = DeleteApp(ctx, view)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            body = str(app.screen.query_one("#delete-body").render())
            assert "default/pool-twin" in body and "default/samplepod" in body and "2 pod(s)" in body
            assert app.screen.focused is not None and app.screen.focused.id == "delete-no"  # safe default
            await pilot.click("#delete-yes")
            await wait_for(pilot, lambda: app.results, what="deleted")
        assert app.results == [True]
    finally:
        ctx.store.stop()
    assert ctx.cluster.get_or_none("nad", "kube-system", "vlan1-internal-pool") is None


async def test_delete_cancel_keeps_the_nad(seed: tuple[Any, str]) -> None:
    ctx = online_ctx(seed[1])
    nad = NAD.from_manifest(ctx.cluster.get_raw("nad", "default", "vlan1-internal-static"))
    app = DeleteApp(ctx, nad)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results == [False]
    assert ctx.cluster.get_or_none("nad", "default", "vlan1-internal-static") is not None


async def test_readonly_delete_offers_no_delete_button(seed: tuple[Any, str]) -> None:
    ctx = online_ctx(seed[1], readonly=True)
    nad = NAD.from_manifest(ctx.cluster.get_raw("nad", "default", "vlan1-internal-static"))
    app = DeleteApp(ctx, nad)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.screen.query_one("#delete-yes").display
