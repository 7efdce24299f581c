"""One pod: what it asked for (the networks annotation) against what Multus reported
(network-status), the joined attachment state, for a failure the cause from the event text
mapped back to the NAD and field to fix, and the doctor's findings about it (the app's shared
diagnosis, filtered to this pod). Actions: shell, delete, YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.selection import NETWORKS_ANNOTATION, parse_networks
from multus_tui.multus.status import status_from_annotations
from multus_tui.ui.doctor import PANEL_ID, FindingsPanel
from multus_tui.ui.model import failure_for, newest_first, pod_attachments
from multus_tui.ui.screens.base import BaseScreen, multus_app
from multus_tui.ui.text import age, name_cell, plain, sanitize, state_text
from multus_tui.ui.widgets import LiveTable

if TYPE_CHECKING:
    from multus_tui.cluster.store import Change, LiveStore
    from multus_tui.cluster.views import EventView, PodView


class PodDetailScreen(BaseScreen):
    BINDINGS = [
        Binding("s", "shell", "Shell", id="pod.shell", tooltip="kubectl exec -it into this pod (bash or sh)"),
        Binding("y", "yaml", "YAML", id="pod.yaml", tooltip="This pod as YAML"),
        Binding("ctrl+d", "delete", "Delete", id="pod.delete", tooltip="Delete this pod (asks first)"),
        Binding("n", "open_nad", "Open NAD", id="pod.nad", tooltip="Open the NAD of the selected attachment"),
    ]

    def __init__(self, namespace: str, name: str) -> None:
        super().__init__()
        self.namespace = namespace
        self.pod_name = name
        self._annotations_rv: str | None = None  # the pod version whose whole annotations were asked for
        self._full_annotations: dict | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(Text.assemble(("Pod ", "dim"), (sanitize(f"{self.namespace}/{self.pod_name}"), "bold")),
                     classes="title")
        with VerticalScroll(id="pod-body"):
            yield Static("", id="summary")
            yield Static("Attachments", classes="section")
            yield LiveTable([("network", "NETWORK"), ("interface", "IF"), ("ips", "IPS"), ("mac", "MAC"),
                             ("default", "DEFAULT"), ("state", "STATE")], id="attachments")
            yield Static("", id="failures")
            yield Static("Doctor", classes="section")
            yield FindingsPanel(of=("pod", self.namespace, self.pod_name), id=PANEL_ID)
            yield Static("Requested (k8s.v1.cni.cncf.io/networks)", classes="section")
            yield Static("", id="requested")
            yield Static("Reported (k8s.v1.cni.cncf.io/network-status)", classes="section")
            yield Static("", id="reported")
            yield Static("Events", classes="section")
            yield LiveTable([("age", "LAST SEEN"), ("type", "TYPE"), ("reason", "REASON"), ("count", "COUNT"),
                             ("message", "MESSAGE")], id="pod-events")
            yield Static("Annotations", classes="section")
            yield Static("", id="annotations")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.refresh_from_store(None)
        self.query_one("#attachments", LiveTable).focus()

    def update_view(self, store: LiveStore, changes: list[Change] | None) -> None:
        if changes is not None and all(c.kind == "state" for c in changes):
            return
        p = store.pod(self.namespace, self.pod_name)
        summary = self.query_one("#summary", Static)
        if p is None:
            summary.update(Text("This pod no longer exists.", style="bold red"))
            self.query_one("#attachments", LiveTable).sync([])
            return
        summary.update(Text.assemble(
            ("status ", "dim"), (sanitize(p.display_status), "bold"),
            ("   node ", "dim"), sanitize(p.node or "<none>"),
            ("   pod IPs ", "dim"), sanitize(", ".join(p.pod_ips) or "-"),
            ("   hostNetwork" if p.host_network else "", "bold yellow"),
        ))
        atts = pod_attachments(store, p)
        self.query_one("#attachments", LiveTable).sync([
            (f"{i}|{a.network}", [name_cell(a.network or "(cluster default)", "bold"), plain(a.interface or ""),
                                  plain(", ".join(a.ips or ())),
                                  plain(a.mac or ""), Text("yes" if a.default else ""), state_text(a.state, a.reason)])
            for i, a in enumerate(atts)
        ])
        events = newest_first(store.events(self.namespace, self.pod_name))
        events = [e for e in events if e.involved_kind in ("Pod", "")]
        # old Warning events outlive the failure: say why only while an attachment is failed now
        failing = any(a.state == "failed" for a in atts)
        self.query_one("#failures", Static).update(self._failures_text(store, p, events) if failing else Text(""))
        self.query_one("#requested", Static).update(self._requested_text(p))
        self.query_one("#reported", Static).update(self._reported_text(p))
        clock = self.ctx.clock
        self.query_one("#pod-events", LiveTable).sync([
            (e.name, [Text(age(e.last_timestamp, clock)), plain(e.type, "bold red" if e.type == "Warning" else ""),
                      plain(e.reason), Text(str(e.count)), plain(e.message)])
            for e in events
        ])
        if p.resource_version != self._annotations_rv:
            # the mirror keeps only the annotations multus-tui reads: the whole set is a GET away
            self._annotations_rv = p.resource_version
            if self._full_annotations is None:
                self._show_annotations(p.annotations, loading=True)
            self._fetch_annotations(store)

    @dataclass
    class Fetched(Message):
        """The pod's whole annotations, read in a worker (None and `error` when the GET failed)."""

        annotations: dict | None
        error: str | None

    @work(thread=True, exclusive=True, group="pod-object", exit_on_error=False, description="reading the pod")
    def _fetch_annotations(self, store: LiveStore) -> None:
        try:
            obj = store.pod_object(self.namespace, self.pod_name)
        except Exception as exc:  # noqa: BLE001 - the mirror's own annotations stay shown, with why
            self.post_message(self.Fetched(None, str(getattr(exc, "message", exc))))
            return
        self.post_message(self.Fetched((obj.get("metadata") or {}).get("annotations") or {}, None))

    def on_pod_detail_screen_fetched(self, message: Fetched) -> None:
        if message.annotations is None:
            store = self.store
            p = store.pod(self.namespace, self.pod_name) if store is not None else None
            self._show_annotations(p.annotations if p is not None else {}, error=message.error)
            return
        self._full_annotations = message.annotations
        self._show_annotations(message.annotations)

    def _show_annotations(self, annotations: Mapping[str, object], *, loading: bool = False, error: str | None = None) -> None:
        ann = Text()
        for k in sorted(annotations):
            ann.append(sanitize(k), style="bold")
            ann.append(": ")
            ann.append(sanitize(annotations[k], keep_newlines=True) + "\n")
        if loading:
            ann.append("(reading the others from the cluster…)", style="dim")
        elif error:
            ann.append(f"(only the Multus annotations: {sanitize(error)})", style="dim")
        self.query_one("#annotations", Static).update(ann or Text("(none)", style="dim"))

    def _failures_text(self, store: LiveStore, pod: PodView, events: list[EventView]) -> Text:
        found = failure_for(store, pod, events)
        if not found:
            return Text("")
        t = Text("Why it failed\n", style="bold red")
        for f, nad_view, _ev in found:
            t.append("  ")
            t.append(sanitize(f.network or "?"), style="bold")
            t.append(": " + sanitize(f.cause) + "\n")
            if nad_view is not None:
                t.append("    NAD ", style="dim")
                t.append(sanitize(f"{nad_view.namespace}/{nad_view.name}"), style="cyan")
                if f.field:
                    t.append("  field to fix: ", style="dim")
                    t.append(sanitize(f.field), style="yellow")
                t.append("\n")
            elif f.kind == "no-network-found":
                t.append("    that NAD does not exist: create it (press c on the namespace) and Multus retries\n",
                         style="dim")
        return t

    def _requested_text(self, pod: PodView) -> Text:
        value = pod.annotations.get(NETWORKS_ANNOTATION)
        if not value:
            return Text("  (no networks annotation)", style="dim")
        t = Text()
        try:
            sels = parse_networks(value, pod.namespace)
        except AnnotationError as exc:  # the annotation is user input: show Multus' complaint, never crash
            # the raw value (it is also under Annotations) only where it cannot be read as selections
            t.append("  ")
            t.append(sanitize(value), style="italic")
            t.append("\n  cannot be parsed: " + sanitize(exc), style="bold red")
            return t
        for s in sels:
            ns, name = s.target(pod.namespace)
            t.append(f"  • {sanitize(ns)}/{sanitize(name)}", style="bold")
            bits = []
            if s.interface:
                bits.append(f"interface {s.interface}")
            if s.ips:
                bits.append("ips " + ", ".join(s.ips))
            if s.mac:
                bits.append(f"mac {s.mac}")
            if s.default_route:
                bits.append("default-route " + ", ".join(s.default_route))
            if s.extra:
                bits.append("unknown keys (ignored by Multus): " + ", ".join(map(str, s.extra)))
            if bits:
                t.append("  " + sanitize("; ".join(bits)))
            t.append("\n")
        return t

    def _reported_text(self, pod: PodView) -> Text:
        try:
            statuses = status_from_annotations(pod.annotations)
        except AnnotationError as exc:
            return Text("  cannot be parsed: " + sanitize(exc), style="bold red")
        if not statuses:
            return Text("  (nothing reported)", style="dim")
        t = Text()
        for s in statuses:
            t.append(f"  • {sanitize(s.name)}", style="bold")
            t.append(f"  {sanitize(s.interface or '?')}  {sanitize(', '.join(s.ips))}  {sanitize(s.mac or '')}")
            if s.default:
                t.append("  default", style="cyan")
            t.append("\n")
        return t

    def action_shell(self) -> None:
        multus_app(self).shell_into(self.namespace, self.pod_name)

    def action_yaml(self) -> None:
        multus_app(self).show_pod_yaml(self.namespace, self.pod_name)

    def action_delete(self) -> None:
        multus_app(self).confirm_delete_pod(self.namespace, self.pod_name)

    def action_open_nad(self) -> None:
        key = self.query_one("#attachments", LiveTable).selected_key
        if not key:
            return
        network = key.split("|", 1)[1]
        if "/" in network:
            from multus_tui.ui.screens.nad_detail import NadDetailScreen

            ns, name = network.split("/", 1)
            self.app.push_screen(NadDetailScreen(ns, name))
