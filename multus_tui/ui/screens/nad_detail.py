"""One NAD: its config as a tree and as YAML, the findings of the domain validator and of the doctor
(the app's shared diagnosis, filtered to this NAD), the pods using it and its pool use. Live: it
follows the store (an edit elsewhere shows up here)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane, Tree
from textual.widgets.tree import TreeNode

from multus_tui.cluster.writes import strip_noise
from multus_tui.multus.errors import ManifestError
from multus_tui.multus.nad import NAD
from multus_tui.multus.validate import validate_nad
from multus_tui.ui.doctor import PANEL_ID, FindingsPanel
from multus_tui.ui.ecosystem import nad_ecosystem
from multus_tui.ui.model import (
    ipam_type,
    master_or_bridge,
    network_usage,
    plugin_chain,
    pod_attachments,
    pool_text,
    subnet_or_range,
)
from multus_tui.ui.screens.base import BaseScreen, multus_app
from multus_tui.ui.text import SEVERITY_STYLES, name_cell, plain, sanitize, state_text
from multus_tui.ui.widgets import LiveTable

if TYPE_CHECKING:
    from multus_tui.cluster.store import Change, LiveStore
    from multus_tui.cluster.views import NADView


def nad_yaml(view: NADView) -> str:
    """The NAD as a manifest one could apply: without the server's bookkeeping (uid, resourceVersion,
    timestamps, managedFields), which says nothing about the network."""
    if not view.raw:
        return view.nad.render_yaml()
    try:
        return NAD.from_manifest(strip_noise(view.raw)).render_yaml()
    except ManifestError:  # not the shape of a NAD (a malformed metadata): shown as the server has it
        return yaml.safe_dump(view.raw, sort_keys=False)


def fill_tree(node: TreeNode[None], value: dict[str, Any] | list[Any]) -> None:
    """Add `value` (JSON data) under a Tree node; leaves show `key: value` as plain text."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for k, v in items:
        label = f"[{k}]" if isinstance(k, int) else str(k)
        if isinstance(v, dict | list) and v:
            kind = f"{{{len(v)}}}" if isinstance(v, dict) else f"[{len(v)}]"
            # a plugin in a conflist is easier to find by its type
            hint = f" ({v.get('type')})" if isinstance(v, dict) and "type" in v else ""
            child = node.add(Text.assemble((sanitize(label), "bold"), f" {kind}{sanitize(hint)}"), expand=True)
            fill_tree(child, v)
        else:
            node.add_leaf(Text.assemble((sanitize(label), "bold"), ": ", (sanitize(json.dumps(v)), "green")))


class NadDetailScreen(BaseScreen):
    BINDINGS = [
        Binding("y", "show_tab('yaml')", "YAML", id="nad.yaml", tooltip="Show the manifest as YAML"),
        Binding("t", "show_tab('tree')", "Tree", id="nad.tree", tooltip="Show the config as a tree"),
        Binding("f", "show_tab('findings')", "Findings", id="nad.findings",
                tooltip="What the validator and the doctor say about this NAD"),
        Binding("p", "show_tab('users')", "Pods", id="nad.pods", tooltip="Pods attached to this NAD"),
        Binding("i", "show_tab('ecosystem')", "Pool/resources", id="nad.ecosystem",
                tooltip="Its whereabouts pool allocations and the nodes advertising its resourceName"),
        Binding("o", "open_pools", "Pool inspector", id="nad.pools",
                tooltip="Open the Pool inspector on this NAD's whereabouts pools (release stale allocations)"),
        Binding("e", "edit_nad", "Edit", id="nad.edit", tooltip="Open this NAD in the builder"),
        Binding("a", "attach", "Attach", id="nad.attach", tooltip="Attach pods to this NAD"),
        Binding("ctrl+d", "delete", "Delete", id="nad.delete", tooltip="Delete this NAD (asks first)"),
    ]

    def __init__(self, namespace: str, name: str) -> None:
        super().__init__()
        self.namespace = namespace
        self.name_ = name
        self._rv: str | None = None
        self.yaml_text = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(Text.assemble(("NAD ", "dim"), (sanitize(f"{self.namespace}/{self.name_}"), "bold")),
                     classes="title")
        yield Static("", id="summary")
        with TabbedContent(initial="tree", id="tabs"):
            with TabPane("Config", id="tree"):
                yield Tree("config", id="config-tree")
            with TabPane("YAML", id="yaml"):
                with VerticalScroll():
                    yield Static("", id="yaml-view")
            with TabPane("Findings", id="findings"):
                with VerticalScroll(id="findings-body"):
                    yield Static("Validator", classes="section")
                    yield LiveTable([("severity", "SEVERITY"), ("path", "PATH"), ("message", "MESSAGE")],
                                    id="findings-table")
                    yield Static("Doctor", classes="section")
                    yield FindingsPanel(of=("nad", self.namespace, self.name_), id=PANEL_ID)
            with TabPane("Pods", id="users"):
                yield LiveTable([("pod", "POD"), ("namespace", "NAMESPACE"), ("interface", "IF"), ("ips", "IPS"),
                                 ("state", "STATE")], id="users-table")
            with TabPane("Pool/resources", id="ecosystem"):
                yield Static("", id="nad-ecosystem")
                yield LiveTable([("pool", "POOL"), ("ip", "IP"), ("pod", "POD (podref)"), ("state", "STATE"),
                                 ("detail", "DETAIL")], id="nad-pool-table")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        # the tab panes mount after the screen: fill once they are there
        self.call_after_refresh(self.refresh_from_store, None)

    def view(self) -> NADView | None:
        return self.store.nad(self.namespace, self.name_) if self.store is not None else None

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def update_view(self, store: LiveStore, changes: list[Change] | None) -> None:
        if changes is not None and all(c.kind in ("state", "event") for c in changes):
            return
        v = store.nad(self.namespace, self.name_)
        summary = self.query_one("#summary", Static)
        if v is None:
            summary.update(Text("This NAD no longer exists (deleted?).", style="bold red"))
            return
        nad = v.nad
        ipam = nad.ipam
        key = f"{v.namespace}/{v.name}"
        usage = network_usage(store, key)
        pool, pool_style = pool_text(usage, ipam)
        summary.update(Text.assemble(
            ("plugins ", "dim"), sanitize(plugin_chain(nad)), ("   ipam ", "dim"), sanitize(ipam_type(nad)),
            ("   master/bridge ", "dim"), sanitize(master_or_bridge(nad) or "-"),
            ("   range ", "dim"), sanitize(subnet_or_range(ipam) or "-"),
            ("   pool ", "dim"), (pool or "n/a", pool_style or "bold"),
            ("   pods ", "dim"), str(len(usage.pods) if usage else 0),
        ))
        if v.resource_version != self._rv:  # the config only changes with the object
            self._rv = v.resource_version
            self._show_config(v)
            self._show_findings(v)
        self._show_users(store, key)
        if changes is None or any(c.kind in ("ippool", "ipreservation", "node", "pod", "nad", "event")
                                  for c in changes):
            self._show_ecosystem(store, v)

    def _show_ecosystem(self, store: LiveStore, v: NADView) -> None:
        """The NAD's whereabouts pools (from IPPools) and its resourceName's advertisers."""
        text, rows = nad_ecosystem(store, v)
        self.query_one("#nad-ecosystem", Static).update(text)
        self.query_one("#nad-pool-table", LiveTable).sync(rows)

    def action_open_pools(self) -> None:
        multus_app(self).open_pools((self.namespace, self.name_))

    def _show_config(self, v: NADView) -> None:
        tree = self.query_one("#config-tree", Tree)
        tree.clear()
        nad = v.nad
        if nad.config_error:
            tree.root.set_label(Text("config is not valid JSON", style="bold red"))
            tree.root.add_leaf(plain(nad.config_error, "red"))
            tree.root.add_leaf(plain(nad.config_text or ""))
        else:
            tree.root.set_label(Text("spec.config", style="bold"))
            fill_tree(tree.root, nad.config or {})
        tree.root.expand()
        self.yaml_text = nad_yaml(v)
        # shown escaped: a bidi override or a zero-width character in the NAD must not reach the terminal
        shown = sanitize(self.yaml_text, keep_newlines=True)
        self.query_one("#yaml-view", Static).update(Syntax(shown, "yaml", theme="ansi_dark", word_wrap=True))

    def _show_findings(self, v: NADView) -> None:
        table = self.query_one("#findings-table", LiveTable)
        findings = validate_nad(v.nad)
        rows = [(str(i), [Text(f.severity, style=SEVERITY_STYLES.get(f.severity, "")), plain(f.path), plain(f.message)])
                for i, f in enumerate(findings)]
        table.sync(rows or [("ok", [Text("ok", style="green"), Text(""), Text("no findings")])])

    def _show_users(self, store: LiveStore, key: str) -> None:
        rows = []
        for p in store.network_users(key):  # the store's index: only this NAD's pods
            for i, a in enumerate(pod_attachments(store, p)):
                if a.network == key:
                    rows.append((f"{p.namespace}/{p.name}|{i}", [
                        name_cell(p.name, "bold"), plain(p.namespace), plain(a.interface or ""),
                        plain(", ".join(a.ips or ())), state_text(a.state, a.reason)]))
        self.query_one("#users-table", LiveTable).sync(rows)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "users-table":
            return
        event.stop()
        ns_name = str(event.row_key.value).split("|", 1)[0]
        ns, name = ns_name.split("/", 1)
        from multus_tui.ui.screens.pod_detail import PodDetailScreen

        self.app.push_screen(PodDetailScreen(ns, name))

    def action_edit_nad(self) -> None:
        v = self.view()
        if v is not None:
            multus_app(self).open_builder(nad_view=v, namespace=v.namespace)

    def action_attach(self) -> None:
        multus_app(self).open_attach(self.ctx.namespace, [(self.namespace, self.name_)])

    def action_delete(self) -> None:
        v = self.view()
        if v is not None:
            multus_app(self).confirm_delete_nad(v)

