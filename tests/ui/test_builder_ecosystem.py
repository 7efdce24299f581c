"""The builder offers the ecosystem plugin types from their specs (issue 16), with no UI code of their own."""

from __future__ import annotations

import json

import yaml

from multus_tui.ui.builder import field_id
from tests.ui.test_builder_harness import (
    SIZE,
    BuilderApp,
    builder,
    choose,
    field_message,
    offline_ctx,
    preview,
    settle,
    type_into,
)


async def test_ovn_k8s_cni_overlay_renders_and_validates_in_the_builder() -> None:
    app = BuilderApp(offline_ctx(), namespace="ns1")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_into(pilot, "metadata.name", "l2-network")
        await choose(pilot, "plugins[0].type", "ovn-k8s-cni-overlay")
        screen = builder(pilot)
        # the spec's fields became widgets; ipam is "none" for OVN, so no IPAM section
        for path in ("plugins[0].topology", "plugins[0].netAttachDefName", "plugins[0].subnets",
                     "plugins[0].vlanID"):
            assert screen.query(f"#{field_id(path)}"), path
        assert not screen.query("#sec-ipam")
        await choose(pilot, "plugins[0].topology", "layer2")
        await type_into(pilot, "plugins[0].subnets", "10.100.200.0/24")
        await type_into(pilot, "plugins[0].netAttachDefName", "ns1/other")
        # OVN-Kubernetes' refusal lands at the field that causes it
        assert "inconsistent with config" in field_message(pilot, "plugins[0].netAttachDefName")
        await type_into(pilot, "plugins[0].netAttachDefName", "ns1/l2-network")
        await settle(pilot)
        assert not [f for f in screen.findings if f.severity == "error"], screen.findings
        cfg = json.loads(yaml.safe_load(preview(pilot))["spec"]["config"])
        assert cfg["type"] == "ovn-k8s-cni-overlay" and cfg["topology"] == "layer2"
        assert cfg["netAttachDefName"] == "ns1/l2-network" and cfg["subnets"] == "10.100.200.0/24"
