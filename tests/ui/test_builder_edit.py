"""Editing: corpus NADs open in the form without losing a key; raw YAML mode; invalid input; export."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.widgets import Input, TextArea

from multus_tui.multus.nad import NAD
from multus_tui.ui.builder.modals import ConfirmScreen, PathPromptScreen
from tests.conftest import FIXTURES
from tests.ui.test_builder_harness import (
    SIZE,
    BuilderApp,
    builder,
    field_message,
    offline_ctx,
    preview,
    settle,
    type_into,
)

CORPUS = FIXTURES / "corpus"
SERVER_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")


def corpus_nads() -> list[tuple[str, dict[str, Any]]]:
    """Every NAD document of the corpus (one id per document)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(CORPUS.glob("*.y*ml")):
        if path.name.endswith(".snippets.yml"):
            continue
        try:
            docs = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError:
            continue  # the one upstream document that is not YAML at all
        for i, doc in enumerate(docs):
            if isinstance(doc, dict) and doc.get("kind") == "NetworkAttachmentDefinition":
                out.append((f"{path.stem}#{i}", doc))
    return out


def _representatives() -> list[tuple[str, dict[str, Any]]]:
    """One NAD per (plugin chain, IPAM type, has unknown keys): the corpus' variety, a test each."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for ident, doc in corpus_nads():
        nad = NAD.from_manifest(doc)
        key = (tuple(p.get("type") for p in nad.plugins), nad.ipam_type, nad.config_error is not None,
               nad.config is None)
        if key not in seen:
            seen.add(key)
            out.append((ident, doc))
    return out


def _without_server_fields(manifest: dict[str, Any]) -> dict[str, Any]:
    m = copy.deepcopy(manifest)
    for k in SERVER_METADATA:
        (m.get("metadata") or {}).pop(k, None)
    m.pop("status", None)
    return m


def _meaning(manifest: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(parsed config, the manifest without spec.config): what must survive a round trip."""
    m = _without_server_fields(manifest)
    nad = NAD.from_manifest(m)
    spec = m.get("spec")
    if isinstance(spec, dict):
        spec.pop("config", None)
        if not spec:
            m.pop("spec")
    return (nad.config if nad.config_error is None else nad.config_text), m


def test_corpus_has_nads_with_keys_the_form_does_not_know() -> None:
    # The lossless tests below only prove something if the corpus exercises unknown keys.
    from multus_tui.multus import specs

    unknown = 0
    for _, doc in corpus_nads():
        nad = NAD.from_manifest(doc)
        for p in nad.plugins:
            spec = specs.spec_for(p.get("type"))
            known = {f.name for f in spec.fields} if spec else set()
            unknown += sum(1 for k in p if k not in known | {"type", "ipam", "capabilities", "cniVersion", "name"})
    assert len(corpus_nads()) >= 60
    assert unknown >= 10


@pytest.mark.parametrize("ident,doc", _representatives(), ids=[i for i, _ in _representatives()])
async def test_corpus_nad_opens_in_the_form_and_loses_nothing(ident: str, doc: dict[str, Any]) -> None:
    nad = NAD.from_manifest(doc)
    app = BuilderApp(offline_ctx(), nad=nad)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        if nad.config_error:
            # A config that is not JSON cannot be shown as a form: raw mode, with the parse error.
            assert screen.raw_mode
            assert nad.config_error.split(":")[0] in str(screen.query_one("#raw-error").render())
            # ...and what would be written still carries the original text, byte for byte.
            assert yaml.safe_load(screen.current_yaml())["spec"]["config"] == doc["spec"]["config"]
            await pilot.press("f2")  # the form cannot show it: leaving raw mode is refused
            await settle(pilot)
            assert screen.raw_mode
            return
        out = yaml.safe_load(screen.current_yaml())
        assert _meaning(out) == _meaning(doc)
        # Unknown keys are listed in the "unknown keys (kept)" panel.
        panel = str(screen.query_one("#unknown-keys").render())
        for i, p in enumerate(nad.plugins):
            for k in p:
                if k not in ("type", "ipam", "capabilities", "cniVersion", "name") and screen.form.widget_for_path(
                        f"plugins[{i}].{k}") is None:
                    assert f"plugins[{i}].{k}:" in panel, (k, panel)


async def test_editing_a_field_of_a_corpus_nad_changes_that_field_only() -> None:
    docs = dict(corpus_nads())
    doc = docs["multus__examples__macvlan-pod#0"]  # conflist macvlan(caps ips)+static routes+tuning(caps mac)
    nad = NAD.from_manifest(doc)
    app = BuilderApp(offline_ctx(), nad=nad)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "plugins[0].master", "k8s-vlan9")
        await type_into(pilot, "metadata.description", "edited in the builder")
        out = yaml.safe_load(builder(pilot).current_yaml())
    want_config = copy.deepcopy(nad.config)
    want_config["plugins"][0]["master"] = "k8s-vlan9"
    got = NAD.from_manifest(out)
    assert got.config == want_config
    assert list(got.config["plugins"][0]) == list(want_config["plugins"][0])  # key order kept too
    assert got.description == "edited in the builder"


async def test_invalid_address_is_reported_at_the_field_and_blocks_apply() -> None:
    app = BuilderApp(offline_ctx(), template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = "plugins[0].ipam.addresses[0].address"
        widget = await type_into(pilot, path, "192.168.0.20")
        screen = builder(pilot)
        message = field_message(pilot, path)
        assert "CIDR" in message
        assert widget.has_class("-invalid")
        errors = screen.errors()
        assert errors and errors[0][1] == path
        # The preview shows what was typed (the form never silently drops input).
        assert '"address": "192.168.0.20"' in preview(pilot)
        await type_into(pilot, path, "192.168.0.20/24")
        assert field_message(pilot, path) == ""
        assert screen.errors() == []


async def test_an_invalid_nad_name_is_an_error_at_the_name_field() -> None:
    app = BuilderApp(offline_ctx(), template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "metadata.name", "Vlan_1")
        assert "metadata.name" in [p for _, p, _ in builder(pilot).errors()]
        assert field_message(pilot, "metadata.name")


async def test_raw_yaml_round_trips_both_ways_and_invalid_yaml_keeps_the_form() -> None:
    app = BuilderApp(offline_ctx(), template="s4-host-local-pool")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        before = screen.current_yaml()
        await pilot.press("f2")
        await settle(pilot)
        assert screen.raw_mode
        area = screen.query_one("#raw-yaml", TextArea)
        assert area.text == preview(pilot)
        # form -> raw -> form without an edit changes nothing
        await pilot.press("f2")
        await settle(pilot)
        assert not screen.raw_mode and screen.current_yaml() == before

        # an edit in raw mode reaches the form
        await pilot.press("f2")
        await settle(pilot)
        area.text = area.text.replace("192.168.0.49", "192.168.0.59").replace("k8s-vlan1", "k8s-vlan7")
        screen.sync_raw()
        await settle(pilot)
        assert '"rangeEnd": "192.168.0.59"' in preview(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert screen.query_one("#f-plugins_0__master", Input).value == "k8s-vlan7"
        assert screen.query_one("#f-plugins_0__ipam_ranges_0__0__rangeEnd", Input).value == "192.168.0.59"
        good = screen.current_yaml()

        # invalid YAML: the parse error is shown and the form state survives
        await pilot.press("f2")
        await settle(pilot)
        area.text = "metadata: [unclosed\n"
        screen.sync_raw()
        await settle(pilot)
        error = str(screen.query_one("#raw-error").render())
        assert "YAML error" in error and "line" in error
        assert screen.current_yaml() == good
        await pilot.press("f2")
        await settle(pilot)
        assert not screen.raw_mode
        assert screen.current_yaml() == good
        assert screen.query_one("#f-plugins_0__master", Input).value == "k8s-vlan7"


async def test_export_writes_a_file_and_asks_before_overwriting(tmp_path: Path) -> None:
    target = tmp_path / "nad.yaml"
    app = BuilderApp(offline_ctx(), template="whereabouts-pool")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, PathPromptScreen)
        app.screen.query_one("#path-input", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert yaml.safe_load(target.read_text()) == yaml.safe_load(screen.current_yaml())

        target.write_text("something else\n")
        await pilot.press("ctrl+l")
        await settle(pilot)
        app.screen.query_one("#path-input", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#confirm-no")
        await settle(pilot)
        assert target.read_text() == "something else\n"

        await pilot.press("ctrl+l")
        await settle(pilot)
        app.screen.query_one("#path-input", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert target.read_text() == screen.current_yaml()

        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.copied == [screen.current_yaml()]


async def test_offline_builder_offers_no_apply() -> None:
    app = BuilderApp(offline_ctx(), template="s1-static-sbr")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        assert not screen.query_one("#btn-apply").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen


async def test_control_characters_never_reach_the_terminal_and_are_kept() -> None:
    doc = {
        "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": "evil", "namespace": "default",
                     "annotations": {"kubernetes.io/description": "ring\x07 the \x1b[31mbell"},
                     "labels": {"x": "\x1b]8;;http://x\x07link"}},
        "spec": {"config": '{"cniVersion": "1.0.0", "type": "macvlan", "master": "eth\\u001b[2J1", '
                           '"ipam": {"type": "static", "addresses": [{"address": "10.0.0.1/24"}]}}'},
    }
    app = BuilderApp(offline_ctx(), nad=NAD.from_manifest(doc))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        for widget in screen.query(Input):
            assert widget.value.isprintable(), (widget.id, widget.value)
        master = screen.query_one("#f-plugins_0__master", Input)
        assert master.value == '"eth\\u001b[2J1"'
        assert "\x1b" not in str(screen.query_one("#unknown-keys").render())
        # untouched: the output is the input
        assert _meaning(yaml.safe_load(screen.current_yaml())) == _meaning(doc)
        # edited as a JSON string literal
        await type_into(pilot, "plugins[0].master", '"eth1"')
        assert screen.draft.config["master"] == "eth1"
