"""The attach builder: which networks a pod gets, its DNS, the test pod; then create, patch or copy.

Everything that is a rule lives in the domain (`multus_tui.multus.podspec` and `selection`): this
screen only edits a list of `Selection`s, a `TestPod`, an optional `DnsOverride` and the namespace
isolation assumption, and re-renders the outputs and the pre-check findings on every change.
Works offline (no cluster: the NADs cannot be looked up, so only syntax is checked).
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    Static,
    Switch,
    TabbedContent,
    TabPane,
    Tabs,
)

from multus_tui.cluster.placement import Placement, node_facts
from multus_tui.multus import podspec
from multus_tui.multus.nad import NAD
from multus_tui.multus.nodes import placement_findings
from multus_tui.multus.nodes import suggested_node as node_with_links
from multus_tui.multus.podspec import DnsOverride, Isolation, TestPod
from multus_tui.multus.selection import Selection
from multus_tui.multus.validate import Finding
from multus_tui.ui.attach.follow import PodFollowScreen
from multus_tui.ui.attach.modals import ConfirmScreen, ExportScreen, NadPickerScreen, WorkloadScreen
from multus_tui.ui.context import AppContext
from multus_tui.ui.messages import StoreChanged, listen
from multus_tui.ui.screens.dialogs import on_answer
from multus_tui.ui.text import SEVERITY_MARKS, plain, sanitize
from multus_tui.ui.widgets.buttons import relabel

if TYPE_CHECKING:
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.store import LiveStore

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
OUTPUTS = ("annotation", "template", "pod")
WRITE_ACTIONS = frozenset({"create_pod", "patch_workload"})
HOSTNAME_LABEL = "kubernetes.io/hostname"


class SelectionTable(DataTable):
    """The selected networks; list keys work here without stealing letters from the inputs."""

    BINDINGS = [
        Binding("a,insert", "screen.add_network", "Add", id="attach-table-add", tooltip="Add a network (NAD)"),
        Binding("d,delete", "screen.remove_network", "Remove", id="attach-table-remove",
                tooltip="Remove the selected network"),
        Binding("shift+up,K", "screen.move(-1)", "Up", id="attach-table-up", tooltip="Move the selected network up"),
        Binding("shift+down,J", "screen.move(1)", "Down", id="attach-table-down",
                tooltip="Move the selected network down"),
    ]


def _field(label: str, widget: Widget) -> Horizontal:
    return Horizontal(Label(label, classes="attach-label"), widget, classes="attach-field")


#: what each field is for: its tooltip and, while it has the focus, the help line under the form
FIELD_HELP = {
    "attach-selections": "the networks, in order (net1, net2, …): a add · d remove · J/K move",
    "attach-output-tabs": "which output to show: ← → switch between annotation, template snippet, test pod",
    "attach-interface": "interface name in the pod (net1, net2, … when empty; 15 bytes at most)",
    "attach-ips": "addresses for this pod, CIDR, comma-separated (the NAD must honour ips)",
    "attach-mac": "MAC address of the interface (the NAD must honour mac)",
    "attach-default-route": "make this attachment the pod's default route, via this gateway",
    "attach-use-gateway": "use the gateway of the NAD's IPAM as the default route",
    "attach-dns": "replace the pod's DNS (dnsPolicy: None) with the servers below",
    "attach-dns-nameservers": "DNS servers, comma-separated",
    "attach-dns-searches": "search domains, comma-separated",
    "attach-dns-options": "resolver options, comma-separated (ndots:2, edns0)",
    "attach-pod-name": "name of the test pod",
    "attach-pod-namespace": "namespace of the test pod (a NAD of another namespace is referenced as ns/name)",
    "attach-pod-image": "container image of the test pod",
    "attach-pod-command": "command: a JSON list, or words as a shell would split them",
    "attach-pod-node-selector": "nodeSelector, key=value pairs (empty: any node)",
    "attach-pin-node": "pin the pod to a node that has every host interface its NADs need",
    "attach-isolation": "Multus' namespaceIsolation setting (the API does not show it)",
    "attach-global-ns": "Multus' globalNamespaces setting: NADs any namespace may use",
    "attach-out-annotation-scroll": "the annotation value to put on a pod or a pod template (ctrl+y copies)",
    "attach-out-template-scroll": "the pod-template snippet for a Deployment/StatefulSet/DaemonSet (ctrl+y copies)",
    "attach-out-pod-scroll": "the test pod's YAML (ctrl+y copies, ctrl+l exports)",
    "attach-copy-btn": "copy the shown output to the clipboard",
    "attach-export-btn": "write the shown output to a file",
    "attach-create-btn": "create the test pod in the cluster (checks first, asks before writing)",
    "attach-patch-btn": "put the annotation into a workload's pod template (rolls its pods)",
}
#: the labels of the focusable widgets that have no label beside them (the help line names them)
WIDGET_LABELS = {"attach-selections": "networks", "attach-out-annotation-scroll": "annotation",
                 "attach-out-template-scroll": "template snippet", "attach-out-pod-scroll": "test pod YAML"}


class AttachBuilderScreen(Screen):
    """Build the `networks` annotation (+ DNS override, test pod) and create/patch/copy it.

    `preselect` holds (namespace, NAD name) pairs to start with (e.g. the NAD row the user was on).
    """

    # Keys avoid the app's global ctrl+n/ctrl+o/ctrl+t/ctrl+r/ctrl+p and the Input editing keys.
    BINDINGS = [
        Binding("escape", "back", "Back", id="attach-back", tooltip="Leave the attach builder"),
        Binding("ctrl+g", "add_network", "Add NAD", id="attach-add", tooltip="Add a network (NAD) to the pod"),
        Binding("alt+up", "move(-1)", "Up", id="attach-up", tooltip="Move the selected network up (order = net1, net2, …)"),
        Binding("alt+down", "move(1)", "Down", id="attach-down", tooltip="Move the selected network down"),
        Binding("ctrl+y", "copy", "Copy", id="attach-copy", tooltip="Copy (yank) the shown output to the clipboard"),
        Binding("ctrl+l", "export", "Export", id="attach-export", tooltip="Write the shown output to a file"),
        Binding("ctrl+s", "create_pod", "Create pod", id="attach-create", tooltip="Create the test pod in the cluster"),
        Binding("ctrl+b", "patch_workload", "Patch workload", id="attach-patch",
                tooltip="Put the annotation into a Deployment/StatefulSet/DaemonSet pod template (rolls its pods)"),
    ]

    @dataclasses.dataclass
    class Written(Message):
        """A create or patch (`what`) of ns/name finished; `error` says why it failed."""

        what: str
        ns: str
        name: str
        error: str | None = None
        kind: str = "pod"

    def __init__(self, ctx: AppContext, namespace: str, preselect: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.pod = TestPod(namespace=namespace)
        # Selections always carry their namespace here; `network_selections()` drops it when it is the
        # pod's, so changing the pod namespace never silently retargets a selection.
        self._sels: list[Selection] = [Selection(name=name, namespace=ns) for ns, name in (preselect or [])]
        self.current: int | None = 0 if self._sels else None
        self.dns = DnsOverride()
        self.dns_on = False
        self.isolation = Isolation()
        self._form_findings: list[Finding] = []
        self.findings: list[Finding] = []
        self.refused: list[Finding] | None = None  # what the last create/patch was refused for
        self._held: dict[str, list[podspec.Holder]] | None = None
        self._placement: Placement | None = None
        self._pin: str | None = None  # the nodeSelector the "Pin to" button sets
        # typing starts in the first field: the networks list (a, d, J/K there), or the pod's name
        # (Textual declares AUTO_FOCUS a ClassVar but reads it from the instance when the screen is shown)
        self.AUTO_FOCUS = "#attach-selections" if self._sels else "#attach-pod-name"  # type: ignore[misc]
        self._unsubscribe: Callable[[], None] | None = None
        self._refresh_pending = False

    # ------------------------------------------------------------------ context helpers
    @property
    def store(self) -> LiveStore | None:
        return self.ctx.store

    @property
    def cluster(self) -> Cluster | None:
        return self.ctx.cluster

    @property
    def readonly(self) -> bool:
        return self.ctx.readonly

    def network_selections(self) -> list[Selection]:
        """The selections as they go into the annotation (own-namespace NADs without a namespace)."""
        return [dataclasses.replace(s, namespace=None) if s.namespace == self.pod.namespace else s
                for s in self._sels]

    def _nad(self, ns: str, name: str) -> NAD | None:
        if self.store is None:
            return None
        view = self.store.nad(ns, name)
        return view.nad if view is not None else None

    # ------------------------------------------------------------------ compose
    def compose(self) -> ComposeResult:
        with Horizontal(id="attach-main"):
            with VerticalScroll(id="attach-form"):
                yield Static("Networks (in order: net1, net2, …)", classes="attach-section")
                yield SelectionTable(id="attach-selections", cursor_type="row", zebra_stripes=True)
                with Horizontal(classes="attach-buttons"):
                    yield Button("Add NAD", id="attach-add-btn", compact=True)
                    yield Button("Remove", id="attach-remove-btn", compact=True)
                    yield Button("Up", id="attach-up-btn", compact=True)
                    yield Button("Down", id="attach-down-btn", compact=True)
                with Vertical(id="attach-editor"):
                    yield Static("", id="attach-target")
                    yield _field("interface", Input(placeholder="default: net<N>", id="attach-interface", compact=True))
                    yield _field("ips", Input(placeholder="e.g. 192.168.0.20/24", id="attach-ips", compact=True))
                    yield Static("", id="attach-ips-hint", classes="attach-hint")
                    yield _field("mac", Input(placeholder="e.g. 02:00:00:00:00:01", id="attach-mac", compact=True))
                    yield _field("default-route", Input(placeholder="gateway IP", id="attach-default-route", compact=True))
                    yield Button("Use IPAM gateway", id="attach-use-gateway", disabled=True, compact=True)
                yield Static("DNS override (dnsPolicy: None)", classes="attach-section")
                yield _field("override", Switch(value=False, id="attach-dns"))
                with Vertical(id="attach-dns-fields"):
                    yield _field("nameservers", Input(placeholder="e.g. 192.168.0.1, 192.168.0.2", id="attach-dns-nameservers", compact=True))
                    yield _field("searches", Input(placeholder="e.g. example.org", id="attach-dns-searches", compact=True))
                    yield _field("options", Input(placeholder="e.g. ndots:2, edns0", id="attach-dns-options", compact=True))
                    yield Static(Text(podspec.DNS_WARNING, style="yellow"), id="attach-dns-warning")
                yield Static("Test pod", classes="attach-section")
                yield _field("name", Input(self.pod.name, id="attach-pod-name", compact=True))
                yield _field("namespace", Input(self.pod.namespace, id="attach-pod-namespace", compact=True))
                yield _field("image", Input(self.pod.image, id="attach-pod-image", compact=True))
                yield _field("command", Input(json.dumps(self.pod.command), id="attach-pod-command", compact=True))
                # The placeholder must never read like a value: an empty selector means "any node".
                yield _field("nodeSelector", Input(placeholder="(any node) key=value, …", id="attach-pod-node-selector", compact=True))
                yield Button("Pin to a node", id="attach-pin-node", variant="warning", compact=True)
                yield Static("Assumptions (Multus settings the API does not show)", classes="attach-section")
                yield _field("isolation", Switch(value=False, id="attach-isolation"))
                yield _field("global ns", Input(", ".join(self.isolation.global_namespaces), id="attach-global-ns", compact=True))
            with Vertical(id="attach-output"):
                yield Static("", id="attach-findings")
                with TabbedContent(id="attach-output-tabs", initial="attach-tab-annotation"):
                    with TabPane("Annotation", id="attach-tab-annotation"):
                        with VerticalScroll(id="attach-out-annotation-scroll"):
                            yield Static("", id="attach-out-annotation")
                    with TabPane("Template snippet", id="attach-tab-template"):
                        with VerticalScroll(id="attach-out-template-scroll"):
                            yield Static("", id="attach-out-template")
                    with TabPane("Test pod", id="attach-tab-pod"):
                        with VerticalScroll(id="attach-out-pod-scroll"):
                            yield Static("", id="attach-out-pod")
                with Horizontal(classes="attach-buttons"):
                    yield Button("Copy", id="attach-copy-btn", compact=True)
                    yield Button("Export", id="attach-export-btn", compact=True)
                    yield Button("Create pod", variant="primary", id="attach-create-btn", compact=True)
                    yield Button("Patch workload", variant="warning", id="attach-patch-btn", compact=True)
        yield Static("", id="attach-help")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#attach-selections", DataTable)
        for key, label in (("n", "#"), ("network", "NETWORK"), ("interface", "INTERFACE"), ("ips", "IPS"),
                           ("mac", "MAC"), ("route", "DEFAULT-ROUTE"), ("nad", "NAD")):
            table.add_column(label, key=key)
        self.query_one("#attach-dns-fields").display = False
        self.query_one("#attach-pin-node").display = False
        for wid, tip in FIELD_HELP.items():
            self.query_one(f"#{wid}").tooltip = tip
        # the form scrolls to whatever field has the focus: it need not take the focus itself
        self.query_one("#attach-form").can_focus = False
        if self.readonly or self.cluster is None:
            # --readonly hides every write; offline there is nothing to write to.
            self.query_one("#attach-create-btn").display = False
            self.query_one("#attach-patch-btn").display = False
        if self.store is not None:
            self._unsubscribe = listen(self.store, self)
            self._free_default_name(self.store)
        self._rebuild_table()
        self._load_editor()
        self._refresh_outputs()

    def _free_default_name(self, store: LiveStore) -> None:
        """The default test pod name, or the first `<name>-N` no pod in the namespace has (S5's samplepod
        usually exists already: creating it again would only be refused)."""
        base, ns = self.pod.name, self.pod.namespace
        name, n = base, 1
        while store.pod(ns, name) is not None and n < 1000:
            n += 1
            name = f"{base}-{n}"
        if name != base:
            self.query_one("#attach-pod-name", Input).value = name
            self.pod = dataclasses.replace(self.pod, name=name)
    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The help line names the focused field and says what it is for (as in the NAD builder)."""
        widget = event.widget
        wid = getattr(widget, "id", None) or ""
        label = next((str(lab.render()) for lab in widget.parent.query(Label)), "") if widget is not None and \
            widget.parent is not None and "attach-field" in widget.parent.classes else ""
        if isinstance(widget, Button):
            label = str(widget.label)
        elif isinstance(widget, Tabs):
            label, wid = "output tabs", "attach-output-tabs"
        label = label or WIDGET_LABELS.get(wid, "")
        line = Text("▸ ", style="dim")
        line.append(label or wid.removeprefix("attach-"), style="bold")
        if wid in FIELD_HELP:
            line.append(" — " + FIELD_HELP[wid], style="dim")
        self.query_one("#attach-help", Static).update(line)

    def on_store_changed(self, message: StoreChanged) -> None:
        # A NAD appearing/changing changes the table (found/missing), the ips hint and the findings;
        # pods only change "address already held" findings, so a burst of pod updates is coalesced
        # into one refresh instead of one per batch.
        kinds = message.kinds
        if message.store is not self.store or not kinds & {"nad", "pod", "state", "node", "nns"}:
            return
        self._held = None
        self._placement = None
        if kinds & {"nad", "state"}:
            self._rebuild_table()
            self._load_editor(inputs=False)
            self._refresh_outputs()
        elif not self._refresh_pending:
            self._refresh_pending = True
            self.set_timer(0.25, self._delayed_refresh)

    def _delayed_refresh(self) -> None:
        self._refresh_pending = False
        if self.is_mounted:
            self._refresh_outputs()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and (self.readonly or self.cluster is None):
            return False
        return True

    # ------------------------------------------------------------------ selection table
    def _rebuild_table(self) -> None:
        # A handful of rows edited by hand (not a live table): rebuilding keeps the order simple.
        table = self.query_one("#attach-selections", DataTable)
        table.clear()
        for i, s in enumerate(self._sels):
            if self.store is None:
                nad_state = Text("offline", style="dim")
            else:
                nad_state = (Text("found", style="green") if self._nad(s.namespace or "", s.name) is not None
                             else Text("missing", style="bold red"))
            table.add_row(Text(str(i + 1)), plain(f"{s.namespace}/{s.name}"), plain(s.interface or f"(net{i + 1})"),
                          plain(", ".join(s.ips or []) or "-"), plain(s.mac or "-"),
                          plain(", ".join(s.default_route or []) or "-"), nad_state, key=str(i))
        if self.current is not None and self._sels:
            self.current = min(self.current, len(self._sels) - 1)
            table.move_cursor(row=self.current)
        else:
            self.current = None

    @on(DataTable.RowHighlighted, "#attach-selections")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row != self.current and 0 <= event.cursor_row < len(self._sels):
            self.current = event.cursor_row
            self._load_editor()

    def _load_editor(self, inputs: bool = True) -> None:
        editor = self.query_one("#attach-editor")
        sel = self._sels[self.current] if self.current is not None else None
        editor.display = sel is not None
        if sel is None or self.current is None:
            return
        nad = self._nad(sel.namespace or "", sel.name)
        target = f"{sel.namespace}/{sel.name}"
        head = Text(f"Selection {self.current + 1}: ", style="bold")
        head.append_text(plain(target))
        if nad is not None:
            head.append(f"  ({sanitize(nad.main_type or '?')}, IPAM {sanitize(nad.ipam_type or 'none')})", style="dim")
        self.query_one("#attach-target", Static).update(head)
        if inputs:
            for wid, value in (("attach-interface", sel.interface), ("attach-ips", ", ".join(sel.ips or [])),
                               ("attach-mac", sel.mac), ("attach-default-route", ", ".join(sel.default_route or []))):
                inp = self.query_one(f"#{wid}", Input)
                if inp.value != (value or ""):
                    inp.value = value or ""
        # ips: offered when the NAD can honour them, a warning when it cannot.
        if self.store is None:
            hint = Text("offline: whether the NAD honours ips cannot be checked", style="dim")
        elif nad is None:
            hint = Text("the NAD does not exist (yet): ips cannot be checked", style="yellow")
        elif podspec.can_request_ips(nad):
            hint = Text(f"ips honoured ({nad.ipam_type} IPAM with the ips capability)", style="green")
        elif not nad.capabilities.get("ips"):
            hint = Text("! the NAD does not declare the \"ips\" capability: requested ips would be dropped",
                        style="yellow")
        else:
            hint = Text(f"! {nad.ipam_type or 'no'} IPAM does not honour requested ips", style="yellow")
        self.query_one("#attach-ips-hint", Static).update(hint)
        gw = podspec.suggested_gateway(nad)
        button = self.query_one("#attach-use-gateway", Button)
        relabel(button, f"Use IPAM gateway {gw}" if gw else "Use IPAM gateway (none known)")
        button.disabled = gw is None

    # ------------------------------------------------------------------ editing
    @on(Input.Changed, "#attach-editor Input")
    def _selection_edited(self, event: Input.Changed) -> None:
        if self.current is None:
            return
        sel = self._sels[self.current]
        # Read the input's *current* value: a queued Changed from loading another selection
        # must not write stale text into this one.
        value = event.input.value.strip()
        wid = event.input.id
        if wid == "attach-interface":
            sel.interface = value or None
        elif wid == "attach-ips":
            sel.ips = podspec.split_list(value) or None
        elif wid == "attach-mac":
            sel.mac = value or None
        elif wid == "attach-default-route":
            sel.default_route = podspec.split_list(value) or None
        self._update_row(self.current)
        self._refresh_outputs()

    def _update_row(self, i: int) -> None:
        table = self.query_one("#attach-selections", DataTable)
        s = self._sels[i]
        table.update_cell(str(i), "interface", plain(s.interface or f"(net{i + 1})"), update_width=True)
        table.update_cell(str(i), "ips", plain(", ".join(s.ips or []) or "-"), update_width=True)
        table.update_cell(str(i), "mac", plain(s.mac or "-"), update_width=True)
        table.update_cell(str(i), "route", plain(", ".join(s.default_route or []) or "-"), update_width=True)

    @on(Button.Pressed, "#attach-use-gateway")
    def _use_gateway(self) -> None:
        if self.current is None:
            return
        sel = self._sels[self.current]
        gw = podspec.suggested_gateway(self._nad(sel.namespace or "", sel.name))
        if gw:
            self.query_one("#attach-default-route", Input).value = gw

    @on(Switch.Changed, "#attach-dns")
    def _dns_switched(self, event: Switch.Changed) -> None:
        self.dns_on = event.value
        self.query_one("#attach-dns-fields").display = event.value
        self._refresh_outputs()

    @on(Input.Changed, "#attach-dns-fields Input")
    def _dns_edited(self, event: Input.Changed) -> None:
        self.dns = DnsOverride(
            nameservers=podspec.split_list(self.query_one("#attach-dns-nameservers", Input).value),
            searches=podspec.split_list(self.query_one("#attach-dns-searches", Input).value),
            options=podspec.split_list(self.query_one("#attach-dns-options", Input).value),
        )
        self._refresh_outputs()

    @on(Input.Changed, "#attach-form .attach-field Input")
    def _pod_or_setting_edited(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        if not (wid.startswith("attach-pod-") or wid == "attach-global-ns"):
            return
        self._read_pod_fields()
        if wid == "attach-pod-namespace":
            self._load_editor(inputs=False)
        self._refresh_outputs()

    @on(Switch.Changed, "#attach-isolation")
    def _isolation_switched(self, event: Switch.Changed) -> None:
        self._read_pod_fields()
        self._refresh_outputs()

    def _read_pod_fields(self) -> None:
        errors: list[Finding] = []
        command_text = self.query_one("#attach-pod-command", Input).value.strip()
        command: list[str] = []
        if command_text.startswith("["):
            try:
                value = json.loads(command_text)
                if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                    raise ValueError("a JSON list of strings is needed")
                command = value
            except ValueError as exc:
                errors.append(Finding("error", "spec.containers[0].command", f"command: {exc}", "pod-command-invalid"))
        elif command_text:
            try:
                command = shlex.split(command_text)
            except ValueError as exc:
                errors.append(Finding("error", "spec.containers[0].command", f"command: {exc}", "pod-command-invalid"))
        try:
            selector = podspec.parse_key_values(self.query_one("#attach-pod-node-selector", Input).value)
        except ValueError as exc:
            selector = {}
            errors.append(Finding("error", "spec.nodeSelector", f"node selector: {exc}", "pod-node-selector-invalid"))
        self.pod = TestPod(
            name=self.query_one("#attach-pod-name", Input).value.strip(),
            namespace=self.query_one("#attach-pod-namespace", Input).value.strip(),
            image=self.query_one("#attach-pod-image", Input).value.strip(),
            command=command,
            node_selector=selector,
        )
        self.isolation = Isolation(
            enabled=self.query_one("#attach-isolation", Switch).value,
            global_namespaces=tuple(podspec.split_list(self.query_one("#attach-global-ns", Input).value)),
        )
        self._form_findings = errors

    # ------------------------------------------------------------------ outputs
    def annotation(self) -> str | None:
        return podspec.networks_annotation(self.network_selections())

    def manifest(self) -> dict[str, Any]:
        return podspec.pod_manifest(self.network_selections(), self.pod, self.dns if self.dns_on else None)

    def snippet(self) -> dict[str, Any]:
        return podspec.template_snippet(self.network_selections(), self.dns if self.dns_on else None)

    def output_text(self, which: str) -> str:
        if which == "annotation":
            value = self.annotation()
            return value if value is not None else ""
        if which == "template":
            return podspec.render_yaml(self.snippet())
        return podspec.render_yaml(self.manifest())

    def _held_addresses(self) -> dict[str, list[podspec.Holder]]:
        if self._held is None:
            pods = self.store.pods() if self.store is not None else []
            self._held = podspec.held_addresses((p.namespace, p.name, p.annotations) for p in pods)
        return self._held

    def _advertised(self) -> dict[str, list[tuple[str, int]]] | None:
        """Extended resources -> (node, allocatable) from the store's nodes (None: nodes not readable)."""
        store = self.store
        if store is None or not store.kind_known("node"):
            return None
        from multus_tui.multus.sriov import advertisers

        nodes = store.nodes()
        names = {k for n in nodes for k in n.allocatable if "/" in k}
        return {r: advertisers(r, nodes) for r in names}

    def placement(self) -> Placement:
        """What the cluster says about nodes and their interfaces (cached until the store changes)."""
        if self._placement is None:
            self._placement = node_facts(self.store)
        return self._placement

    def _selected_nads(self) -> list[tuple[str, NAD]]:
        out = []
        for s in self._sels:
            nad = self._nad(s.namespace or "", s.name)
            if nad is not None:
                out.append((f"{s.namespace}/{s.name}", nad))
        return out

    def compute_findings(self, for_create: bool = True) -> list[Finding]:
        """Every finding for the current form (the pre-checks a create/patch must pass).

        The test pod's own checks (its name taken, where it can land) apply to creating it, not to
        patching a workload (`for_create=False`), whose pods are placed by its own template."""
        store = self.store
        online = store is not None
        findings = list(self._form_findings)
        exists = bool(store is not None and for_create and store.pod(self.pod.namespace, self.pod.name) is not None)
        findings += self.pod.findings(exists=exists)
        findings += podspec.precheck(
            self.network_selections(), self.pod.namespace or "default", self._nad,
            isolation=self.isolation, held=self._held_addresses() if online else None,
            pod_name=self.pod.name, nads_known=online, advertised=self._advertised() if online else None)
        if online and for_create:
            p = self.placement()
            findings += placement_findings(self._selected_nads(), p.nodes, self.pod.node_selector,
                                           reported=p.reported, evidence=p.evidence)
        if self.dns_on:
            findings += self.dns.findings()
        return findings

    def suggested_node(self) -> str | None:
        """A node that has every host interface the selected NADs need (offered when placement fails)."""
        p = self.placement()
        return node_with_links([nad for _, nad in self._selected_nads()], p.nodes, p.evidence)

    def _refresh_outputs(self) -> None:
        self.findings = self.compute_findings()
        text = Text()
        if not self.findings:
            text.append("✓ no problems found", style="green")
        for f in self.findings:
            if text:
                text.append("\n")
            text.append(f"{SEVERITY_MARKS.get(f.severity, '?')} {f.path}: ", style=SEVERITY_STYLE.get(f.severity, ""))
            text.append(sanitize(f.message))
        self.query_one("#attach-findings", Static).update(text)
        self._offer_pin()
        value = self.annotation()
        ann = Text(podspec.NETWORKS_ANNOTATION + ": ", style="bold")
        ann.append(sanitize(value) if value is not None else "(no network selected)")
        self.query_one("#attach-out-annotation", Static).update(ann)
        self.query_one("#attach-out-template", Static).update(plain(self.output_text("template"), keep_newlines=True))
        self.query_one("#attach-out-pod", Static).update(plain(self.output_text("pod"), keep_newlines=True))

    def _offer_pin(self) -> None:
        """When the pod can land on a node without a NAD's master, offer to pin it to one that has it."""
        button = self.query_one("#attach-pin-node", Button)
        node = None
        if any(f.code == "node-link-missing" for f in self.findings):
            node = self.suggested_node()
        button.display = node is not None
        self._pin = None
        if node is not None:
            facts = next((n for n in self.placement().nodes or () if n.name == node), None)
            hostname = (facts.labels.get(HOSTNAME_LABEL) if facts else None) or node
            self._pin = f"{HOSTNAME_LABEL}={hostname}"
            relabel(button, f"Pin to {node} ({self._pin})")

    @on(Button.Pressed, "#attach-pin-node")
    def _pin_node(self) -> None:
        if self._pin:
            self.query_one("#attach-pod-node-selector", Input).value = self._pin

    def _active_output(self) -> str:
        active = self.query_one("#attach-output-tabs", TabbedContent).active or "attach-tab-annotation"
        return active.removeprefix("attach-tab-")

    # ------------------------------------------------------------------ actions: list
    @on(Button.Pressed, "#attach-add-btn")
    def action_add_network(self) -> None:
        nads = self.store.nads() if self.store is not None else []
        self.app.push_screen(NadPickerScreen(nads, self.pod.namespace or "default"), self._picked)

    def add_selection(self, namespace: str, name: str) -> None:
        """Append a selection of NAD namespace/name and make it the current one."""
        self._sels.append(Selection(name=name, namespace=namespace))
        self.current = len(self._sels) - 1
        self._rebuild_table()
        self._load_editor()
        self._refresh_outputs()

    def _picked(self, target: tuple[str, str] | None) -> None:
        if target is not None:
            self.add_selection(*target)

    @on(Button.Pressed, "#attach-remove-btn")
    def action_remove_network(self) -> None:
        if self.current is None:
            return
        del self._sels[self.current]
        self.current = min(self.current, len(self._sels) - 1) if self._sels else None
        self._rebuild_table()
        self._load_editor()
        self._refresh_outputs()

    @on(Button.Pressed, "#attach-up-btn")
    def _up(self) -> None:
        self.action_move(-1)

    @on(Button.Pressed, "#attach-down-btn")
    def _down(self) -> None:
        self.action_move(1)

    def action_move(self, delta: int) -> None:
        i = self.current
        if i is None or not 0 <= i + delta < len(self._sels):
            return
        self._sels[i], self._sels[i + delta] = self._sels[i + delta], self._sels[i]
        self.current = i + delta
        self._rebuild_table()
        self._load_editor()
        self._refresh_outputs()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # ------------------------------------------------------------------ actions: outputs
    @on(Button.Pressed, "#attach-copy-btn")
    def action_copy(self) -> None:
        which = self._active_output()
        self.app.copy_to_clipboard(self.output_text(which))
        self.notify(f"Copied the {which} to the clipboard", markup=False)

    @on(Button.Pressed, "#attach-export-btn")
    def action_export(self) -> None:
        which = self._active_output()
        default = {"annotation": "networks-annotation.txt", "template": "pod-template-snippet.yaml"}.get(
            which, f"{self.pod.name or 'pod'}.yaml")
        self.app.push_screen(ExportScreen(default), lambda path: self._export(which, path))

    def _export(self, which: str, path: str | None) -> None:
        if not path:
            return
        text = self.output_text(which)
        try:
            Path(path).expanduser().write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write {sanitize(path)}: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.notify(f"Wrote the {which} to {sanitize(path)}", markup=False)

    # ------------------------------------------------------------------ actions: writes
    def _refuse_if_blocked(self, what: str) -> list[Finding] | None:
        """The warnings to confirm, or None (and a notice) when an error refuses the write."""
        self.findings = self.compute_findings(for_create=what == "Create")
        errors = podspec.blocking(self.findings)
        if errors:
            self.refused = errors
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self.notify(f"{what} refused: {sanitize(first.message)}{more}", title="Pre-check",
                        severity="error", markup=False)
            return None
        self.refused = []
        return [f for f in self.findings if f.severity == "warning"]

    @on(Button.Pressed, "#attach-create-btn")
    def action_create_pod(self) -> None:
        self._confirm_create()

    def _confirm_create(self, confirmed: frozenset[str] | None = None) -> None:
        """Check, then ask. `confirmed`: the warnings the user already accepted (they chose to create):
        ask again only when there are others."""
        cluster = self.cluster
        if self.readonly or cluster is None:
            return
        warnings = self._refuse_if_blocked("Create")
        if warnings is None:
            return
        manifest = self.manifest()
        if confirmed is not None and {w.message for w in warnings} <= confirmed:
            self._create(cluster, manifest)
            return
        lines = [Text(f"Create pod {self.pod.namespace}/{self.pod.name} with "
                      f"{podspec.NETWORKS_ANNOTATION}: {self.annotation() or '(none)'}")]
        lines += [Text(f"! {sanitize(w.message)}", style="yellow") for w in warnings]
        # Where the pod could land on a node without a NAD's master, the way out is one button away.
        pin = self._pin if any(w.code == "node-link-missing" for w in warnings) else None

        def answer(choice: bool | str | None) -> None:
            if choice == "alternative" and pin:
                self.query_one("#attach-pod-node-selector", Input).value = pin
                self._read_pod_fields()
                self._refresh_outputs()
                # checked again, with the pinned node; what was accepted in this dialog is not asked again
                self._confirm_create(confirmed=frozenset(w.message for w in warnings))
            elif choice is True:
                self._create(cluster, manifest)

        self.app.push_screen(ConfirmScreen("Create the test pod?", lines, confirm="Create anyway" if pin else "Create",
                                           variant="warning", ids="attach-confirm",
                                           alternative=f"Pin ({pin}) and create" if pin else None), answer)

    @work(thread=True, exclusive=True, group="attach-write", exit_on_error=False,
          description="create the test pod")
    def _create(self, cluster: Cluster, manifest: dict[str, Any]) -> None:
        from multus_tui.cluster import writes
        from multus_tui.cluster.errors import ClusterError

        meta = manifest["metadata"]
        try:
            writes.create_pod(cluster, manifest)
        except ClusterError as exc:  # every cluster failure becomes one line, the form is kept
            self.post_message(self.Written("Create", meta["namespace"], meta["name"], exc.message))
            return
        self.post_message(self.Written("Create", meta["namespace"], meta["name"]))

    def on_attach_builder_screen_written(self, message: Written) -> None:
        if message.error is not None:
            self.notify(f"{message.what} failed: {sanitize(message.error)}", severity="error", timeout=10,
                        markup=False)
        elif message.what == "Create":
            self.notify(f"Created pod {sanitize(message.ns)}/{sanitize(message.name)}", markup=False)
            self.app.push_screen(PodFollowScreen(self.ctx, message.ns, message.name))
        else:
            self.notify(f"Patched {message.kind} {sanitize(message.ns)}/{sanitize(message.name)}: its pods "
                        "are being replaced", markup=False)

    @on(Button.Pressed, "#attach-patch-btn")
    def action_patch_workload(self) -> None:
        cluster = self.cluster
        if self.readonly or cluster is None:
            return
        warnings = self._refuse_if_blocked("Patch")
        if warnings is None:
            return
        notes = [w.message for w in warnings if not w.path.startswith(("metadata.", "spec.containers"))]
        if self.dns_on:
            notes.append("The DNS override is not part of the patch (only the networks annotation is): "
                         "paste the template snippet into the workload for it.")
        ns = self.pod.namespace or "default"
        value = self.annotation()

        def patch(choice: tuple[str, str]) -> None:
            self._patch(cluster, choice[0], ns, choice[1], value)

        self.app.push_screen(WorkloadScreen(ns, podspec.ROLLOUT_WARNING, notes), on_answer(patch))

    @work(thread=True, exclusive=True, group="attach-write", exit_on_error=False,
          description="patch a workload's pod template")
    def _patch(self, cluster: Cluster, kind: str, namespace: str, name: str, value: str | None) -> None:
        from multus_tui.cluster import writes
        from multus_tui.cluster.errors import ClusterError

        try:
            writes.patch_workload_networks(cluster, kind, namespace, name, value)
        except ClusterError as exc:
            self.post_message(self.Written("Patch", namespace, name, exc.message, kind))
            return
        self.post_message(self.Written("Patch", namespace, name, kind=kind))
