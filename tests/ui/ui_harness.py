"""Shared plumbing for the app shell's UI tests: a real sandbox, the app on it, polling helpers.

(Not a conftest.py: tests/conftest.py already owns that module name without a package around it.)
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.waiting import wait_for  # noqa: F401 - the UI tests import it from here (one shared helper)

SIZE = (150, 40)
# Ages: a clock far after every timestamp the sandbox writes makes every age read the same number of
# days, whatever second the test ran at; snapshots also pin the timestamps (freeze_sandbox).
_T0 = datetime.now(UTC)
FROZEN_TIME = "2026-01-01T00:00:00Z"


def fixed_clock() -> datetime:
    return _T0 + timedelta(days=1000)


def frozen_clock() -> datetime:
    return datetime(2026, 1, 2, tzinfo=UTC)


def freeze_sandbox(sb: Any) -> None:
    """Make what a snapshot shows independent of the run: the simulator derives MACs from pod uids
    (random) and stamps events with the wall clock. Rewrite both in the sandbox (through its store,
    so the UI sees ordinary cluster updates): MACs from namespace/name/interface, one fixed time."""
    import hashlib
    import json

    def fix_macs(pod: dict) -> None:
        ann = pod["metadata"].get("annotations") or {}
        key = "k8s.v1.cni.cncf.io/network-status"
        if key not in ann:
            return
        statuses = json.loads(ann[key])
        for s in statuses:
            if s.get("mac"):
                h = hashlib.sha256(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}/{s.get('interface')}"
                                   .encode()).digest()
                s["mac"] = "02:" + ":".join(f"{b:02x}" for b in h[:5])
        ann[key] = json.dumps(statuses, indent=4)

    def fix_time(ev: dict) -> None:
        ev["firstTimestamp"] = ev["lastTimestamp"] = FROZEN_TIME

    pods, _ = sb.store.list("pods")
    for p in pods:
        sb.store.mutate("pods", p["metadata"]["namespace"], p["metadata"]["name"], fix_macs)
    events, _ = sb.store.list("events")
    for e in events:
        sb.store.mutate("events", e["metadata"]["namespace"], e["metadata"]["name"], fix_time)


def start_sandbox(tmp_path: Path, scenario: str = "seed", **settings: Any) -> tuple[Any, str]:
    from multus_tui.sandbox.runner import Sandbox

    kwargs: dict[str, Any] = {}
    if settings:
        from multus_tui.sandbox.runner import SandboxSettings

        kwargs["settings"] = SandboxSettings(**settings)
    sb = Sandbox(scenario, **kwargs)
    sb.start()
    path = tmp_path / f"kubeconfig-{scenario.replace(':', '_')}"
    sb.write_kubeconfig(str(path))
    return sb, str(path)


def make_app(kubeconfig: str | None, *, context: str | None = None, readonly: bool = False,
             namespace: str | None = None, snapshot: bool = False) -> Any:
    """The app exactly as `multus-tui` builds it (commands/tui.build_context), clock pinned."""
    from multus_tui.commands.tui import build_context
    from multus_tui.ui.app import MultusApp

    ctx, why = build_context(kubeconfig, context, namespace, readonly)
    ctx.clock = frozen_clock if snapshot else fixed_clock
    if snapshot and ctx.server:
        # the sandbox listens on an ephemeral port; the header would differ on every run
        ctx.server = "http://127.0.0.1:PORT"
    return MultusApp(ctx, no_cluster_reason=why, open_namespace=namespace)


def table_rows(table: Any) -> dict[str, list[str]]:
    """A LiveTable's rows as {key: [plain cell text, ...]} in display order."""
    out = {}
    for row in table.ordered_rows:
        out[str(row.key.value)] = [getattr(c, "plain", str(c)) for c in table.get_row(row.key)]
    return out


def freeze_blink(app: Any) -> None:
    from textual.widgets import Input

    for inp in app.screen.query(Input):
        inp.cursor_blink = False


async def settle(pilot: Any, seconds: float = 0.3) -> None:
    await pilot.pause(seconds)
    await asyncio.sleep(0)


async def command_line(pilot: Any, text: str) -> None:
    """Type `:text` + enter as a person does: the keys once the prompt's input has the focus (typed
    earlier, a loaded machine may deliver them before the prompt has mounted, and they are lost)."""
    await pilot.press("colon")
    await wait_for(pilot, lambda: getattr(pilot.app.focused, "id", None) == "prompt-input", what="the : prompt")
    await pilot.press(*text, "enter")


def fully_mounted(screen: Any) -> bool:
    """The screen and every widget in it have run their on_mount. A screen closed (or an app quit)
    before that can raise NoMatches from a child's on_mount (Textual's own Select does) and end the
    app; on a loaded machine a test's next step comes that early."""
    return bool(screen.is_mounted and all(w.is_mounted for w in screen.walk_children()))
