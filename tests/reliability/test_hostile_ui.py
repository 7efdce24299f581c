"""Hostile cluster strings (Rich markup, ANSI/OSC escapes, control characters, bidi overrides, 100 KB
values) and malformed data (network-status, NAD JSON, events without fields) in the running TUI:
shown literally, never interpreted as markup, and no control character ever reaches the terminal.

What the terminal would receive is read from the screen's compositor: every segment of every line.
"""

from __future__ import annotations

import re

import pytest

from multus_tui.ui.widgets import LiveTable
from tests.reliability import hostile
from tests.ui.ui_harness import make_app, start_sandbox, wait_for

SIZE = (200, 60)
# C0 (but newline is never inside a line anyway), DEL and C1: ESC, BEL, CSI (0x9b), OSC (0x9d)...
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    sb, kc = start_sandbox(tmp_path_factory.mktemp("hostile"), "empty")
    hostile.load(sb)
    yield sb, kc
    sb.stop()


def screen_segments(app) -> list:
    return [seg for strip in app.screen._compositor.render_strips() for seg in strip]


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_safe(app, *literals: str, tally=None, kind: str = "") -> None:
    """No control character in any segment, no link or markup applied, and each literal shown."""
    segs = screen_segments(app)
    bad = [s.text for s in segs if CONTROL.search(s.text)]
    assert not bad, f"control characters reach the terminal: {bad[:3]!r}"
    assert not [s for s in segs if s.control], "control segments in the output"
    links = [s.text for s in segs if s.style is not None and s.style.link]
    assert not links, f"markup made a link: {links[:3]!r}"
    text = screen_text(app)
    for lit in literals:
        assert lit in text, f"{lit!r} not shown literally on {type(app.screen).__name__}"
    if tally is not None:
        tally.checked(kind, len(literals) + 1)


async def safe_once_shown(pilot, app, *literals: str, tally=None, kind: str = "", also: str = "") -> None:
    """Wait until the screen shows every literal (and `also`, a sign the view is drawn), then assert_safe."""
    want = [lit for lit in (*literals, also) if lit]
    await wait_for(pilot, lambda: all(lit in screen_text(app) for lit in want),
                   what=f"{want} on {type(app.screen).__name__}")
    assert_safe(app, *literals, tally=tally, kind=kind)


async def open_app(kc: str, pilot_fn):
    app = make_app(kc, namespace=hostile.NS)
    async with app.run_test(size=SIZE) as pilot:
        store = app.ctx.store
        # all of it: the pods with their hostile annotations (set after the simulator started them)
        # and the hostile events, not just the first of each
        await wait_for(pilot, lambda: app.connection[0] == "live"
                       and all("k8s.v1.cni.cncf.io/networks" in getattr(store.pod(hostile.NS, name), "annotations", {})
                               for name in ("victim", "garbled", "wrongshape"))
                       and {"victim.1", "victim.2", "bare"} <= {e.name for e in store.events(hostile.NS)},
                       what="live with the hostile data")
        await pilot_fn(app, pilot)


async def test_namespace_tabs(sandbox, tally):
    sb, kc = sandbox

    async def drive(app, pilot):
        await wait_for(pilot, lambda: "hostile/evil" in app.screen.query_one("#nads", LiveTable).ordered_keys())
        await safe_once_shown(pilot, app, hostile.MARKUP, "invalid config", tally=tally,
                              kind="markup (NAD config field)")
        await pilot.press("2")
        await wait_for(pilot, lambda: any(k.startswith("victim|") and hostile.MARKUP in k
                                          for k in app.screen.query_one("#pod-table", LiveTable).ordered_keys()))
        # malformed network-status and networks annotations: said so, per pod, no crash
        await safe_once_shown(pilot, app, hostile.MARKUP, hostile.CLEAR_SHOWN + "eth1", hostile.TITLE_SHOWN,
                              hostile.LINK, "malformed network-status", "malformed networks annotation",
                              tally=tally, kind="ANSI/OSC escapes + malformed network-status (pods tab)")
        await pilot.press("3")
        await safe_once_shown(pilot, app, "Add eth1 " + hostile.MARKUP + hostile.CLEAR_SHOWN + hostile.TITLE_SHOWN,
                              tally=tally, kind="event messages (events tab)")
        # the event without any field did not break the table (it is simply not a Multus event)
        assert app.ctx.store.events(hostile.NS)

    await open_app(kc, drive)


async def test_home(sandbox, tally):
    sb, kc = sandbox

    async def drive(app, pilot):
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen", what="home")
        await safe_once_shown(pilot, app, hostile.NS, tally=tally, kind="home with hostile namespace")

    await open_app(kc, drive)


async def test_nad_detail(sandbox, tally):
    sb, kc = sandbox

    async def drive(app, pilot):
        t = app.screen.query_one("#nads", LiveTable)
        await wait_for(pilot, lambda: "hostile/evil" in t.ordered_keys())
        t.move_cursor(row=t.get_row_index("hostile/evil"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NadDetailScreen")
        await safe_once_shown(pilot, app, hostile.MARKUP, hostile.LINK, hostile.CLEAR_SHOWN, tally=tally,
                              kind="NAD detail (findings quoting hostile values)")
        for key in ("y", "t"):  # the YAML and the tree views of the same config
            await pilot.press(key)
            await wait_for(pilot, lambda key=key: app.screen.query_one("#tabs").active == {"y": "yaml",
                                                                                        "t": "tree"}[key])
            await safe_once_shown(pilot, app, hostile.MARKUP, tally=tally, kind=f"NAD detail view {key}")
        await pilot.press("escape")
        t = await wait_for(pilot, lambda: app.screen.query_one("#nads", LiveTable), what="back on the namespace")
        t.move_cursor(row=t.get_row_index("hostile/badjson"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NadDetailScreen")
        await wait_for(pilot, lambda: re.search(r"(?i)invalid|not valid|JSON", screen_text(app)),
                       what="the invalid JSON said so")
        assert_safe(app, tally=tally, kind="invalid NAD JSON")
        # the builder on the hostile NAD: markup literal, no link, no control character
        await pilot.press("escape")
        t = await wait_for(pilot, lambda: app.screen.query_one("#nads", LiveTable), what="back on the namespace")
        t.move_cursor(row=t.get_row_index("hostile/evil"))
        await pilot.press("e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NadBuilderScreen")
        await safe_once_shown(pilot, app, hostile.MARKUP, hostile.LINK, tally=tally,
                              kind="builder edit of the hostile NAD")

    await open_app(kc, drive)


async def test_pod_detail(sandbox, tally):
    sb, kc = sandbox

    async def drive(app, pilot):
        await pilot.press("2")
        t = app.screen.query_one("#pod-table", LiveTable)
        await wait_for(pilot, lambda: any(k.startswith("victim|") for k in t.ordered_keys()))
        t.move_cursor(row=[i for i, k in enumerate(t.ordered_keys()) if k.startswith("victim|")][0])
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PodDetailScreen")
        await safe_once_shown(pilot, app, hostile.MARKUP, hostile.TITLE_SHOWN, hostile.LINK, tally=tally,
                              kind="pod detail (network-status, events, 100 KB annotation)")
        await pilot.press("escape")
        t = await wait_for(pilot, lambda: app.screen.query_one("#pod-table", LiveTable), what="back on the pods")
        t.move_cursor(row=[i for i, k in enumerate(t.ordered_keys()) if k.startswith("garbled|")][0])
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PodDetailScreen")
        await safe_once_shown(pilot, app, tally=tally, kind="pod detail, garbled annotations", also="garbled")

    await open_app(kc, drive)
