"""The builder form, offline: the seed scenarios built by typing into the spec-driven widgets."""

from __future__ import annotations

import yaml

from multus_tui.multus import templates
from tests.ui.test_builder_harness import (
    SIZE,
    BuilderApp,
    build_s1,
    build_s2,
    build_s4,
    build_whereabouts,
    builder,
    offline_ctx,
    preview,
)


async def _build(steps, namespace: str = "default"):
    app = BuilderApp(offline_ctx(), namespace=namespace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await steps(pilot)
        screen = builder(pilot)
        return preview(pilot), screen.draft.nad, screen.current_yaml()


async def test_s1_built_through_the_form_matches_the_seed_scenario() -> None:
    text, nad, _ = await _build(build_s1)
    want = templates.static_sbr()
    assert nad.config == want.config
    assert text == want.render_yaml()


async def test_s2_built_through_the_form_matches_the_seed_scenario() -> None:
    text, nad, _ = await _build(build_s2)
    want = templates.static_default_route()
    assert nad.config == want.config
    assert not nad.is_conflist
    assert text == want.render_yaml()


async def test_s4_built_through_the_form_matches_the_seed_scenario() -> None:
    text, nad, _ = await _build(build_s4)
    want = templates.host_local_pool()
    assert nad.namespace == "kube-system"
    assert nad.config == want.config
    assert text == want.render_yaml()


async def test_whereabouts_pool_built_through_the_form() -> None:
    text, nad, exported = await _build(build_whereabouts)
    want = templates.whereabouts_pool()
    assert nad.config == want.config
    assert text == want.render_yaml()
    assert yaml.safe_load(exported) == want.to_manifest()
