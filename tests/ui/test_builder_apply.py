"""Review and apply against the sandbox cluster: what the form builds is what lands in the cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.widgets import Button

from multus_tui.multus import templates
from multus_tui.multus.nad import NAD
from multus_tui.ui.builder import NadBuilderScreen, ReviewScreen
from multus_tui.ui.builder.modals import ConfirmScreen
from tests.ui.test_builder_harness import (
    SIZE,
    BuilderApp,
    build_s1,
    build_s2,
    build_s4,
    build_whereabouts,
    builder,
    field_message,
    online_ctx,
    preview,
    settle,
    type_into,
    wait_for,
)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    from multus_tui.sandbox.runner import Sandbox

    sb = Sandbox("empty")
    sb.start()
    path = tmp_path / "kubeconfig"
    sb.write_kubeconfig(str(path))
    yield sb, str(path)
    sb.stop()


async def _review_and_apply(pilot: Any, app: BuilderApp) -> dict[str, Any]:
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, (ReviewScreen, ConfirmScreen)), what="review")
    if isinstance(app.screen, ConfirmScreen):  # S2's warning: pods must pass `ips`
        await pilot.click("#confirm-yes")
    review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen, what="review")
    await wait_for(pilot, lambda: not review.query_one("#review-apply", Button).disabled, what="dry run")
    assert "Accepted by the server" in str(review.query_one("#review-dryrun").render())
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: app.results, what="applied")
    return app.results[-1]


CASES = {
    "s1": (build_s1, templates.static_sbr),
    "s2": (build_s2, templates.static_default_route),
    "s4": (build_s4, templates.host_local_pool),
    "whereabouts": (build_whereabouts, templates.whereabouts_pool),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_scenario_built_in_the_form_lands_in_the_cluster(case: str, sandbox: tuple[Any, str]) -> None:
    steps, template = CASES[case]
    want: NAD = template()
    ctx = online_ctx(sandbox[1])
    app = BuilderApp(ctx, namespace="default")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await steps(pilot)
        assert preview(pilot) == want.render_yaml()
        applied = await _review_and_apply(pilot, app)
        assert applied["metadata"]["name"] == want.name
        assert any(n[1] == "Applied" for n in app.notes)
    live = ctx.cluster.get_raw("nad", want.namespace, want.name)
    assert json.loads(live["spec"]["config"]) == want.config
    assert NAD.from_manifest(live).config == NAD.from_manifest(yaml.safe_load(want.render_yaml())).config


async def test_errors_refuse_apply_with_the_message_at_the_field(sandbox: tuple[Any, str]) -> None:
    ctx = online_ctx(sandbox[1])
    app = BuilderApp(ctx, template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = "plugins[0].ipam.addresses[0].address"
        await type_into(pilot, path, "192.168.0.20")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NadBuilderScreen)  # no review was opened
        severity, title, message = app.notes[-1]
        assert severity == "error" and "Apply refused" in title and path in message and "CIDR" in message
        assert "CIDR" in field_message(pilot, path)
        assert app.screen.focused is not None and app.screen.focused.id == "f-plugins_0__ipam_addresses_0__address"
    assert ctx.cluster.get_or_none("nad", "default", "vlan1-internal-static") is None


async def test_warnings_need_a_confirmation(sandbox: tuple[Any, str]) -> None:
    ctx = online_ctx(sandbox[1])
    app = BuilderApp(ctx, template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # a gateway outside the address's subnet: accepted, but nothing can reach it (a warning)
        await type_into(pilot, "plugins[0].ipam.addresses[0].gateway", "10.9.9.9")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#confirm-no")
        await settle(pilot)
        assert isinstance(app.screen, NadBuilderScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")


async def test_a_failed_apply_keeps_the_form_and_shows_the_servers_message(sandbox: tuple[Any, str]) -> None:
    ctx = online_ctx(sandbox[1])
    app = BuilderApp(ctx, template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "plugins[0].master", "k8s-vlan3")
        before = builder(pilot).current_yaml()
        await pilot.press("ctrl+s")
        review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen, what="review")
        await wait_for(pilot, lambda: not review.query_one("#review-apply", Button).disabled, what="dry run")
        # Someone else (kubectl) takes ownership of spec.config between the dry run and the apply.
        other = templates.static_sbr().to_manifest()
        ctx.cluster.request("PATCH", "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/"
                            "vlan1-internal-static", query={"fieldManager": "kubectl"}, body=other,
                            content_type="application/apply-patch+yaml")
        await pilot.press("ctrl+s")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen) and app.screen,
                                what="back in the form")
        await settle(pilot)
        message = str(screen.query_one("#server-message").render())
        assert "conflict" in message.lower()
        assert screen.current_yaml() == before
        assert screen.query_one("#f-plugins_0__master").value == "k8s-vlan3"
        assert any(n[0] == "error" and "failed" in n[1] for n in app.notes)
        assert app.results == []


async def test_readonly_hides_apply(sandbox: tuple[Any, str]) -> None:
    ctx = online_ctx(sandbox[1], readonly=True)
    app = BuilderApp(ctx, template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not builder(pilot).query_one("#btn-apply").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NadBuilderScreen)


@pytest.mark.parametrize("ident", ["ovs-cni__examples__mirror-producer#0", "multus-old__examples__npwg-demo-1__05_vlan1#0"])
async def test_editing_a_corpus_nad_and_applying_it_loses_no_key(ident: str, sandbox: tuple[Any, str]) -> None:
    # ovs-mirror-producer has no field spec (every key of it is unknown to the form); the vlan NAD
    # spells vlanId as `vlanid` (Go matches keys ignoring case), which must survive as written.
    from tests.ui.test_builder_edit import corpus_nads

    doc = dict(corpus_nads())[ident]
    nad = NAD.from_manifest(doc)
    ctx = online_ctx(sandbox[1])
    app = BuilderApp(ctx, nad=nad)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = str(builder(pilot).query_one("#unknown-keys").render())
        if nad.chained_types:
            assert "plugins[1].mirrors:" in panel
        await type_into(pilot, "metadata.namespace", "default")
        await type_into(pilot, "metadata.description", "edited by multus-tui")
        await _review_and_apply(pilot, app)
    live = NAD.from_manifest(ctx.cluster.get_raw("nad", "default", nad.name))
    assert live.config == nad.config
    assert json.dumps(live.config) == json.dumps(nad.config)  # same key order too
    assert live.description == "edited by multus-tui"


async def test_a_dry_run_refusal_is_shown_and_carried_back_to_the_form(sandbox: tuple[Any, str]) -> None:
    ctx = online_ctx(sandbox[1])
    app = BuilderApp(ctx, template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "metadata.namespace", "no-such-namespace")
        await pilot.press("ctrl+s")
        review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen, what="review")
        await wait_for(pilot, lambda: review.query_one("#review-dryrun").has_class("-refused"), what="refusal")
        refusal = str(review.query_one("#review-dryrun").render())
        assert "no-such-namespace" in refusal
        assert review.query_one("#review-apply", Button).disabled
        await pilot.press("escape")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, NadBuilderScreen) and app.screen)
        await settle(pilot)
        assert "no-such-namespace" in str(screen.query_one("#server-message").render())
        assert screen.query_one("#f-metadata_namespace").value == "no-such-namespace"

