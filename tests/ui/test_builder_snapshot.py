"""Snapshots of the builder and of the review screen (fixed size, fixed data: deterministic)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button

from multus_tui.ui.builder import ReviewScreen
from tests.ui.test_builder_harness import BuilderApp, offline_ctx, online_ctx, settle, type_into, wait_for
from tests.ui.ui_harness import freeze_blink

SNAP_SIZE = (140, 48)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    from multus_tui.sandbox.runner import Sandbox

    sb = Sandbox("empty")
    sb.start()
    path = tmp_path / "kubeconfig"
    sb.write_kubeconfig(str(path))
    yield sb, str(path)
    sb.stop()


def test_builder_snapshot_with_a_field_error(snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await type_into(pilot, "plugins[0].ipam.ranges[0][0].rangeEnd", "192.168.1.49")
        pilot.app.screen.query_one("#builder-form").scroll_home(animate=False)
        pilot.app.screen.query_one("#f-metadata_name").focus()
        freeze_blink(pilot.app)  # a blinking cursor made this snapshot flip between two renderings
        await settle(pilot)

    app = BuilderApp(offline_ctx(), template="s4-host-local-pool")
    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=run_before)


def test_review_screen_snapshot(snap_compare, sandbox: tuple[Any, str]) -> None:
    ctx = online_ctx(sandbox[1])
    ctx.context_name = "sandbox"

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("ctrl+s")
        review = await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen) and pilot.app.screen)
        await wait_for(pilot, lambda: not review.query_one("#review-apply", Button).disabled, what="dry run")
        await pilot.pause()

    app = BuilderApp(ctx, template="s1-static-sbr")
    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=run_before)
