"""Chained plugins (add, reorder, remove), the sysctl map, dual-stack range sets, lazy advanced fields."""

from __future__ import annotations

from textual.widgets import Collapsible, Input

from multus_tui.ui.builder import field_id
from tests.ui.test_builder_harness import (
    SIZE,
    BuilderApp,
    add_chained,
    builder,
    choose,
    offline_ctx,
    press,
    settle,
    type_into,
)


async def test_chained_plugins_are_added_reordered_and_removed_with_a_sysctl_map() -> None:
    app = BuilderApp(offline_ctx(), template="s2-static-default-route")  # single plugin to start with
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        assert not screen.draft.is_conflist
        await add_chained(pilot, "tuning")
        assert screen.draft.is_conflist  # adding a chained plugin turns the config into a conflist
        await press(pilot, field_id("plugins[1].sysctl") + "-add")
        key = screen.query_one(f"#{field_id('plugins[1].sysctl')}-k0", Input)
        key.value = "net.ipv4.conf.IFNAME.arp_filter"
        await settle(pilot)
        screen.query_one(f"#{field_id('plugins[1].sysctl')}-v0", Input).value = "1"
        await settle(pilot)
        await type_into(pilot, "plugins[1].mtu", "1400")
        await add_chained(pilot, "portmap")
        types = [p["type"] for p in screen.draft.config["plugins"]]
        assert types == ["macvlan", "tuning", "portmap"]
        await press(pilot, "chain-up-2")
        assert [p["type"] for p in screen.draft.config["plugins"]] == ["macvlan", "portmap", "tuning"]
        tuning = screen.draft.config["plugins"][2]
        assert tuning == {"type": "tuning", "sysctl": {"net.ipv4.conf.IFNAME.arp_filter": "1"}, "mtu": 1400}
        await press(pilot, "chain-remove-1")
        assert [p["type"] for p in screen.draft.config["plugins"]] == ["macvlan", "tuning"]
        # list-level keys stayed at list level, plugin keys in the plugin
        assert set(screen.draft.config) == {"cniVersion", "name", "plugins"}
        assert '"net.ipv4.conf.IFNAME.arp_filter": "1"' in str(screen.query_one("#preview").render())


async def test_host_local_dual_stack_with_two_range_sets() -> None:
    app = BuilderApp(offline_ctx(), template="s4-host-local-pool")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        await press(pilot, field_id("plugins[0].ipam.ranges") + "-add")
        await type_into(pilot, "plugins[0].ipam.ranges[1][0].subnet", "fd00:10::/64")
        await press(pilot, field_id("plugins[0].ipam.ranges[1]") + "-add")
        await type_into(pilot, "plugins[0].ipam.ranges[1][1].subnet", "fd00:20::/64")
        ranges = screen.draft.config["plugins"][0]["ipam"]["ranges"]
        assert ranges[1] == [{"subnet": "fd00:10::/64"}, {"subnet": "fd00:20::/64"}]
        await press(pilot, field_id("plugins[0].ipam.ranges[1][0]") + "-remove")
        assert screen.draft.config["plugins"][0]["ipam"]["ranges"][1] == [{"subnet": "fd00:20::/64"}]
        assert screen.errors() == []


async def test_whereabouts_excludes_and_a_lazily_built_advanced_field() -> None:
    app = BuilderApp(offline_ctx(), template="whereabouts-pool")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = builder(pilot)
        await type_into(pilot, "plugins[0].ipam.exclude", "192.168.0.30/32, 192.168.0.31/32")
        assert screen.draft.config["plugins"][0]["ipam"]["exclude"] == ["192.168.0.30/32", "192.168.0.31/32"]
        level = "plugins[0].ipam.log_level"
        assert len(screen.query(f"#{field_id(level)}")) == 0  # advanced: not built until the section opens
        screen.query_one(f"#{field_id('plugins[0].ipam')}-advanced", Collapsible).collapsed = False
        await settle(pilot)
        await choose(pilot, level, "debug")
        assert screen.draft.config["plugins"][0]["ipam"]["log_level"] == "debug"
        # once set, the field is shown in the open (a hidden value is how values get lost)
        await screen.form.rebuild()
        await settle(pilot)
        field = screen.query_one(f"#{field_id(level)}")
        assert not any(isinstance(a, Collapsible) for a in field.ancestors)
