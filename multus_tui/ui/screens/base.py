"""What every browsing screen shares: the cluster header, the banner, footer key hints, `esc` back,
`/` filter, and a refresh from the store when it changes (or when the screen comes back on top)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Static

from multus_tui.ui.text import sanitize
from multus_tui.ui.widgets import ClusterHeader, FilterBar

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from multus_tui.cluster.store import Change, LiveStore
    from multus_tui.ui.app import MultusApp
    from multus_tui.ui.context import AppContext


def multus_app(node: DOMNode) -> MultusApp:
    """The app a screen or widget runs in, typed as the multus-tui shell (its actions are checked)."""
    return cast("MultusApp", node.app)

# Actions that write to the cluster (or exec into it): hidden everywhere under --readonly.
# The NAD and attach builders are not among them: under --readonly they open without their write
# buttons and only produce YAML (offline export); their keys are relabelled (OFFLINE_LABELS).
WRITE_ACTIONS = frozenset({"delete", "shell", "release"})

# action -> (footer label, tooltip) under --readonly
OFFLINE_LABELS = {
    "create_nad": ("Build (offline)", "Open the NAD builder to produce a manifest (read-only: nothing is applied)"),
    "edit_nad": ("Edit (offline)", "Open the NAD in the builder to produce a manifest (read-only: nothing is applied)"),
    "attach": ("Attach (offline)", "Build the networks annotation / pod YAML (read-only: nothing is created)"),
}



def compose_cluster_header() -> ComposeResult:
    """The header every screen carries (context, server, connection, Multus, [readonly]) and the
    banner under it (Multus missing, forbidden resources, a failed connection)."""
    yield ClusterHeader()
    yield Banner()


class Banner(Static):
    """A warning line under the header: Multus missing, forbidden resources, a failed store."""

    DEFAULT_CSS = """
    Banner { display: none; height: auto; padding: 0 1; background: $warning 30%; }
    Banner.-shown { display: block; }
    """

    def on_mount(self) -> None:
        for attr in ("multus_installed", "forbidden", "connection"):
            self.watch(self.app, attr, self._changed, init=False)
        self._changed()

    def _changed(self, *_: object) -> None:
        app = self.app
        lines: list[str] = []
        if getattr(app, "multus_installed", None) is False:
            lines.append("Multus is not installed on this cluster (no NetworkAttachmentDefinition CRD): "
                         "pods can still be browsed; secondary networks will not attach.")
        for what in getattr(app, "forbidden", ()):
            lines.append(f"Forbidden: {sanitize(what)}")
        # (a host app without the shell's connection facts, e.g. a test harness, shows no banner)
        status, reason = getattr(app, "connection", ("live", None))
        if status == "failed":
            lines.append(f"Connection failed: {sanitize(reason or 'unknown reason')} (press ctrl+r to retry)")
        self.update(Text("\n".join(lines)))
        self.set_class(bool(lines), "-shown")


class BaseScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Close the filter, or go back to the previous screen"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter",
                tooltip="Show only rows containing a text (k9s's /)"),
        Binding("D", "doctor", "Doctor", id="doctor",
                tooltip="What Multus gets wrong silently (this namespace; from home: all)"),
    ]

    # The hidden filter Input would otherwise take the first focus and swallow every key.
    AUTO_FOCUS = "LiveTable"
    #: whether `D` opens the Doctor view from this screen (scoped to `doctor_namespace`)
    OFFERS_DOCTOR: ClassVar[bool] = False
    filter_text: str = ""

    def compose_header(self) -> ComposeResult:
        yield from compose_cluster_header()

    def compose_footer(self) -> ComposeResult:
        yield Footer()

    @property
    def ctx(self) -> AppContext:
        return multus_app(self).ctx

    @property
    def store(self) -> LiveStore | None:
        return self.ctx.store

    @property
    def doctor_namespace(self) -> str | None:
        """The namespace this screen is about, which `D` scopes the Doctor view to (None: all)."""
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.ctx.readonly:
            return False
        if action == "doctor":
            return self.OFFERS_DOCTOR and self.store is not None
        return True

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer's and help's bindings; under --readonly the builders' keys say they only build."""
        active = super().active_bindings
        if not self.ctx.readonly:
            return active
        for key, ab in active.items():
            label = OFFLINE_LABELS.get(ab.binding.action)
            if label is not None:
                binding = dataclasses.replace(ab.binding, description=label[0], tooltip=label[1])
                active[key] = ActiveBinding(ab.node, binding, ab.enabled, label[1])
        return active

    def action_doctor(self) -> None:
        multus_app(self).open_doctor(self.doctor_namespace)

    # --- store refresh -------------------------------------------------------------------------
    def on_screen_resume(self) -> None:
        self.refresh_from_store(None)
        # findings shown here may have gone stale while another screen was on top
        multus_app(self).doctor.request()

    def refresh_from_store(self, changes: list[Change] | None) -> None:
        """Re-derive what this screen shows from the store snapshot (changes None: everything). The
        app calls it on the event loop with each throttled batch while this screen is on top."""
        # a screen popped before its first refresh (go home, reopen quickly) has no widgets left to fill
        if self.store is None or not self.is_attached or self not in self.app.screen_stack:
            return
        try:
            self.update_view(self.store, changes)
        except NoMatches:
            # its widgets are being removed (the app is exiting and a batch arrived in between): nothing
            # to show any more (a wrong query would leave a screen that is up empty, which its tests see)
            return

    def update_view(self, store: LiveStore, changes: list[Change] | None) -> None:
        """Subclasses fill their widgets here, from `store`'s snapshot."""

    # --- filter -----------------------------------------------------------------------------------
    def action_filter(self) -> None:
        for bar in self.query(FilterBar):
            bar.open()

    def on_input_changed(self, event: FilterBar.Changed) -> None:
        if isinstance(event.input, FilterBar):
            self.filter_text = event.value
            self.refresh_from_store(None)

    def on_input_submitted(self, event: FilterBar.Submitted) -> None:
        if isinstance(event.input, FilterBar):
            self.focus_main()

    def focus_main(self) -> None:
        """Focus this screen's main table."""

    def action_back(self) -> None:
        bar = next(iter(self.query(FilterBar)), None)
        if bar is not None and (bar.shown or bar.value):
            bar.close()
            self.filter_text = ""
            self.refresh_from_store(None)
            self.focus_main()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
