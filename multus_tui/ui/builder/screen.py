"""The NAD builder screen: the spec-driven form, a live YAML preview, findings, raw YAML, export, apply.

Layout: the form (or the raw YAML editor) on the left; the YAML preview and the findings list on
the right; action buttons at the bottom. The preview follows every keystroke through a short
debounce (one render + one validation per pause, not per key).

Apply goes through the review screen (diff + server dry run); it is refused while errors remain
(field-local syntax errors or validator errors) and warnings need a confirmation. Without a
cluster (`ctx.cluster is None`) the builder is an offline editor: export to a file or the
clipboard, for people who commit manifests to Git.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, Footer, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from multus_tui.cluster.placement import node_facts
from multus_tui.multus.errors import MultusTuiError
from multus_tui.multus.manifests import read_documents, without_server_fields
from multus_tui.multus.nad import NAD
from multus_tui.multus.nodes import link_census, nad_link_findings
from multus_tui.multus.policy import severity_rank
from multus_tui.multus.specs import DEFAULT_CNI_VERSION
from multus_tui.multus.validate import Finding, validate_nad
from multus_tui.multus.yamlread import load_yaml_all
from multus_tui.ui.builder.draft import Draft
from multus_tui.ui.builder.form import NadForm, shown
from multus_tui.ui.builder.modals import ConfirmScreen, PathPromptScreen
from multus_tui.ui.builder.paths import field_id
from multus_tui.ui.builder.review import ReviewOutcome, ReviewScreen
from multus_tui.ui.screens.dialogs import on_answer
from multus_tui.ui.text import SEVERITY_MARKS, plain
from multus_tui.ui.widgets.buttons import relabel

if TYPE_CHECKING:
    from multus_tui.drafts import Draft as SavedDraft
    from multus_tui.ui.context import AppContext

#: how long the preview waits after a keystroke before re-rendering (seconds)
PREVIEW_DEBOUNCE = 0.08
RESOURCE_NAME_PATH = 'metadata.annotations["k8s.v1.cni.cncf.io/resourceName"]'
_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def template_choices() -> list[tuple[str, str]]:
    """(label, key) of the domain's templates; empty when the templates module is unavailable."""
    try:
        from multus_tui.multus import templates
    except ImportError:
        return []
    return [(t.title, key) for key, t in templates.TEMPLATES.items()]


def template_nad(key: str, namespace: str | None) -> NAD:
    """A fresh NAD from a domain template (raises KeyError for an unknown key)."""
    from multus_tui.multus import templates

    nad = templates.TEMPLATES[key].build()
    # Pools live in kube-system on purpose (shared by every namespace); per-namespace templates
    # default to "default" and follow the namespace the builder was opened in.
    if namespace and nad.namespace in (None, "default"):
        nad.namespace = namespace
    return nad


def blank_nad(namespace: str | None) -> NAD:
    """What a new NAD starts as when no template is chosen: macvlan, no IPAM yet."""
    return NAD(name="", namespace=namespace, config={"cniVersion": DEFAULT_CNI_VERSION, "type": "macvlan"})


def clean_manifest(nad: NAD) -> dict[str, Any]:
    """The manifest to write or apply: everything the user had, minus server-maintained metadata."""
    return without_server_fields(nad.to_manifest())


class NadBuilderScreen(Screen[dict[str, Any] | None]):
    """Create or edit one NAD; dismisses with the applied manifest, or None."""

    BINDINGS = [
        Binding("ctrl+s", "review", "Review & apply", id="builder.apply",
                tooltip="Review the diff and the server's dry run, then apply"),
        Binding("f2", "toggle_raw", "Raw YAML", id="builder.raw", tooltip="Edit the manifest as YAML (and back)"),
        Binding("ctrl+f", "find_field", "Find field", id="builder.find",
                tooltip="Jump to a field by its name or config path (type to narrow, enter to go)"),
        Binding("ctrl+l", "export", "Export", id="builder.export", tooltip="Write the YAML to a file"),
        Binding("ctrl+y", "copy", "Copy YAML", id="builder.copy", tooltip="Copy the YAML to the clipboard"),
        Binding("escape", "close", "Close", id="builder.close", tooltip="Leave the builder without applying"),
    ]

    def __init__(self, ctx: AppContext, nad: NAD | None = None, namespace: str | None = None,
                 template: str | None = None) -> None:
        super().__init__(id="nad-builder")
        self.ctx = ctx
        self.editing = nad is not None
        if nad is not None:
            source = copy.deepcopy(nad)
        elif template:
            try:
                source = template_nad(template, namespace)
            except (KeyError, ImportError, MultusTuiError):
                source = blank_nad(namespace)
        else:
            source = blank_nad(namespace or ctx.namespace)
        # An edit is based on the version that was loaded: its resourceVersion guards the apply and its
        # managedFields name the other managers whose fields an apply would take over.
        self.base: dict[str, Any] | None = copy.deepcopy(nad.manifest) if nad is not None and nad.manifest else None
        if source.manifest is not None:
            # Server-maintained metadata is not the user's content (and SSA refuses managedFields).
            source.manifest = clean_manifest(source)
        # A NAD without spec.config (Multus reads the config from the node) stays without one
        # until the form is used to write a config.
        self._config_absent = source.config is None and source.config_error is None
        self.original_error = source.config_error
        self.original_text = source.render_yaml() if source.config_error else None
        if source.config is None and source.config_error is None:
            source.config = {}
        self.draft = Draft(source)
        self.findings: list[Finding] = []
        self._timer: Timer | None = None
        self._shown_yaml: str | None = None  # the YAML the preview shows
        self._raw_timer: Timer | None = None
        self._raw_error: str | None = None
        self._raw_synced_text: str | None = None
        self.server_message: str | None = None
        # The cluster's nodes and the interfaces NodeNetworkState reports: the master/device fields offer
        # them, and findings say which nodes lack the one typed (empty offline or without nmstate).
        self.node_facts = node_facts(ctx.store).nodes or [] if getattr(ctx, "store", None) is not None else []
        # Drafts (multus_tui.drafts): autosaved while editing, offered back when a blank
        # builder opens. Opt-in through ctx.extra["drafts"] (the real app sets it; tests choose).
        self._draft_id: str | None = None
        self._draft_timer: Timer | None = None
        # a draft is written in a worker (its fsync must not stall keys); one write at a time, the
        # generation says whether its answer still belongs to this edit (not applied or reloaded since)
        self._draft_writing = False
        self._draft_again = False
        self._draft_gen = 0
        self._drafts_on = bool(ctx.extra.get("drafts")) if isinstance(getattr(ctx, "extra", None), dict) else False
        self._offer_draft = self._drafts_on and nad is None and not template
        # Typing starts in the form: the name of a new NAD; for an edit the description, the first field
        # after the name and namespace (they identify the object: changing them applies another NAD).
        # (Textual declares AUTO_FOCUS a ClassVar but reads it from the instance when the screen is shown)
        self.AUTO_FOCUS = "#" + field_id(  # type: ignore[misc]
            "metadata.description" if self.editing else "metadata.name")

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        nad = self.draft.nad
        title = f"Edit {shown(nad.key)}" if self.editing else "New NetworkAttachmentDefinition"
        mode = "offline (no cluster): export or copy the YAML" if self.ctx.cluster is None else (
            "read-only" if self.ctx.readonly else f"context {self.ctx.context_name or '?'}")
        with Horizontal(id="builder-titlebar"):
            yield Label(Text(title, style="bold"), id="builder-title")
            yield Label(Text(mode, style="dim"), id="builder-mode")
        with Horizontal(id="builder-main"):
            with ContentSwitcher(initial="builder-form", id="builder-switcher"):
                yield NadForm(self.draft, templates=[] if self.editing else template_choices(), id="builder-form",
                              node_links=link_census(self.node_facts))
                with Vertical(id="builder-raw"):
                    yield TextArea("", id="raw-yaml", soft_wrap=False, show_line_numbers=True, tab_behavior="indent")
                    yield Static("", id="raw-error")
            with Vertical(id="builder-side"):
                yield Label(Text("Preview", style="bold"), classes="side-title")
                with VerticalScroll(id="preview-scroll"):
                    yield Static(Text(""), id="preview")
                yield Label(Text("Findings", style="bold"), classes="side-title")
                yield OptionList(id="findings")
        yield Static("", id="field-help")
        yield Static("", id="server-message")
        with Horizontal(id="builder-actions"):
            yield Button("Review & apply", variant="primary", id="btn-apply")
            yield Button("Raw YAML", id="btn-raw")
            yield Button("Export…", id="btn-export")
            yield Button("Copy", id="btn-copy")
            yield Button("Close", id="btn-close")
        yield Footer()

    def on_mount(self) -> None:
        # what the builder opened with: a draft equal to it holds nothing to restore
        self._draft_baseline = [_meaning(self.current_yaml())] + ([_meaning(self.original_text)]
                                                                  if self.original_text else [])
        apply_btn = self.query_one("#btn-apply", Button)
        apply_btn.display = self.can_apply
        self.query_one("#server-message", Static).display = False
        self.refresh_preview()
        if self.original_error:
            # The config does not parse: the form cannot show it without losing it; raw mode can.
            self._enter_raw(self.original_text or self.draft.nad.render_yaml())
            self._show_raw_error(self.original_error)
        if self._offer_draft:
            self.call_after_refresh(self._offer_restore)

    @property
    def can_apply(self) -> bool:
        return self.ctx.cluster is not None and not self.ctx.readonly

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review":
            return self.can_apply
        return True

    @property
    def form(self) -> NadForm:
        return self.query_one("#builder-form", NadForm)

    @property
    def raw_mode(self) -> bool:
        return self.query_one("#builder-switcher", ContentSwitcher).current == "builder-raw"

    # ------------------------------------------------------------------ preview + findings
    @on(NadForm.Edited)
    def _edited(self, event: NadForm.Edited) -> None:
        event.stop()
        self._schedule_draft_save()
        if event.structural:
            self.refresh_preview()
        else:
            self.schedule_preview()

    def schedule_preview(self) -> None:
        """Re-render soon: a burst of keystrokes costs one render."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PREVIEW_DEBOUNCE, self.refresh_preview)

    @property
    def preview_pending(self) -> bool:
        """The preview and findings do not show the draft yet (an edit waits for the debounce, or a
        rebuild's message has not arrived)."""
        return self._timer is not None or self._shown_yaml != self.output_nad().render_yaml()

    def refresh_preview(self) -> None:
        """Render the YAML and run the validator now (the debounce timer, or an edit that changes the
        form's structure)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        nad = self.output_nad()
        self._shown_yaml = nad.render_yaml()
        self.query_one("#preview", Static).update(plain(self._shown_yaml, keep_newlines=True))  # bidi etc. escaped
        self.findings = self._with_node_facts(nad, validate_nad(nad))
        self._show_findings()
        unknown = self.form.unknown_keys()
        try:
            self.query_one("#unknown-keys", Static).update(unknown)
            self.query_one("#sec-unknown").display = bool(unknown.plain)
        except Exception:  # noqa: BLE001 - the form is being rebuilt
            pass

    def _with_node_facts(self, nad: NAD, findings: list[Finding]) -> list[Finding]:
        """Where nodes report their interfaces (NodeNetworkState), say what they report about the NAD's
        master/device instead of the validator's "must exist on every node (the API cannot check it)"."""
        if not self.node_facts:
            return findings
        facts = nad_link_findings(nad, self.node_facts)
        if not facts:
            return findings
        paths = {f.path for f in facts}
        return [f for f in findings if not (f.code == "node-fact" and f.path in paths)] + facts

    def all_problems(self) -> list[tuple[str, str, str]]:
        """(severity, virtual path, message) of every finding plus every field that does not parse."""
        out: list[tuple[str, str, str]] = []
        for f in self.findings:
            path = RESOURCE_NAME_PATH if f.path == RESOURCE_NAME_PATH else f.path
            vpath = "metadata.resourceName" if path == RESOURCE_NAME_PATH else self.draft.normalise(path)
            out.append((f.severity, vpath, f.message))
        for wid, message in self.form.local_errors.items():
            b = self.form.bindings.get(wid)
            out.append(("error", b.vpath if b else wid, message))
        return out

    def errors(self) -> list[tuple[str, str, str]]:
        return [p for p in self.all_problems() if p[0] == "error"]

    def _show_findings(self) -> None:
        problems = self.all_problems()
        form = self.form
        at_field: dict[str, tuple[str, str]] = {}
        for severity, vpath, message in problems:
            fid = form.widget_for_path(vpath)
            if fid is None:
                continue
            have = at_field.get(fid)
            if have is None or severity_rank(severity) < severity_rank(have[0]):
                at_field[fid] = (severity, message)
        form.show_messages(at_field)
        options = self.query_one("#findings", OptionList)
        options.clear_options()
        if not problems:
            options.add_option(Option(Text("no findings", style="green"), id="none", disabled=True))
            return
        for n, (severity, vpath, message) in enumerate(sorted(problems, key=lambda p: severity_rank(p[0]))):
            line = Text()
            line.append(f"{SEVERITY_MARKS[severity]} ", style=_STYLE[severity])
            line.append(f"{shown(vpath) or '(config)'}: ", style="bold")
            line.append(shown(message))
            options.add_option(Option(line, id=f"finding-{n}-{form.widget_for_path(vpath) or ''}"))

    @on(OptionList.OptionSelected, "#findings")
    def _jump_to_field(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        fid = oid.split("-", 2)[2] if oid.count("-") >= 2 else ""
        if not fid or self.raw_mode:
            return
        try:
            self.query_one(f"#{fid}").focus()
        except Exception:  # noqa: BLE001 - a container (list) has no focusable widget of that id
            pass

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The help line names the focused field (its path in the config) and says what it is for."""
        widget = event.widget
        tip = getattr(widget, "tooltip", None)
        binding = self.form.bindings.get(getattr(widget, "id", None) or "")
        where = binding.vpath if binding is not None else (
            str(widget.label) if isinstance(widget, Button) else (getattr(widget, "id", None) or ""))
        line = Text("▸ ", style="dim")
        if where:
            line.append(shown(where), style="bold")
        if isinstance(tip, str):
            line.append((" — " if where else "") + tip, style="dim")
        self.query_one("#field-help", Static).update(line)

    # ------------------------------------------------------------------ find a field
    def field_index(self) -> dict[str, str]:
        """What `ctrl+f` offers: "path — help" -> widget id, in the form's order."""
        out: dict[str, str] = {}
        for w in self.form.query("Input, Select, Checkbox, Button"):
            wid = w.id or ""
            if not wid or not w.focusable:
                continue
            binding = self.form.bindings.get(wid)
            where = binding.vpath if binding is not None else (
                str(w.label) if isinstance(w, Button) else wid)
            if binding is not None and binding.mode in ("mapkey", "mapval"):
                where += f" ({'key' if binding.mode == 'mapkey' else 'value'} {binding.index + 1})"
            tip = w.tooltip if isinstance(w.tooltip, str) else ""
            label = shown(where) + (f" — {tip}" if tip else "")
            while label in out:
                label += " "
            out[label] = wid
        return out

    def action_find_field(self) -> None:
        if self.raw_mode:
            return
        from multus_tui.ui.screens.dialogs import PickerScreen

        index = self.field_index()

        def go(choice: str | None) -> None:
            if choice and choice in index:
                # after the dialog is gone: closing it gives the focus back to where it was before
                self.call_after_refresh(self.form.focus_field, index[choice])

        self.app.push_screen(PickerScreen("Go to field", list(index)), go)

    # ------------------------------------------------------------------ templates
    @on(NadForm.TemplateChosen)
    async def _template(self, event: NadForm.TemplateChosen) -> None:
        event.stop()
        try:
            nad = template_nad(event.key, self.draft.nad.namespace or self.ctx.namespace)
        except (KeyError, ImportError, MultusTuiError) as exc:
            self.notify(f"Template {event.key} is not available: {exc}", severity="warning", markup=False)
            return
        await self.load(nad)

    async def load(self, nad: NAD) -> None:
        """Replace the draft (template, raw YAML sync) and rebuild the form from it."""
        if nad.config is None:
            nad.config = {}
        self.draft = Draft(nad)
        form = self.form
        form.draft = self.draft
        await form.rebuild()
        self.refresh_preview()

    # ------------------------------------------------------------------ raw YAML
    def action_toggle_raw(self) -> None:
        if self.raw_mode:
            self.run_worker(self._leave_raw(), exclusive=True, group="builder-raw")
        else:
            self._enter_raw(self.output_nad().render_yaml())

    @on(Button.Pressed, "#btn-raw")
    def _raw_button(self) -> None:
        self.action_toggle_raw()

    def _enter_raw(self, text: str) -> None:
        area = self.query_one("#raw-yaml", TextArea)
        self._raw_synced_text = text
        area.text = text
        self._show_raw_error(None)
        self.query_one("#builder-switcher", ContentSwitcher).current = "builder-raw"
        relabel(self.query_one("#btn-raw", Button), "Form")
        area.focus()

    async def _leave_raw(self) -> None:
        """Back to the form with what the raw text says; invalid YAML keeps the last valid state."""
        nad = self._parse_raw()
        if nad is None:
            if self.original_error:
                # The NAD never had a parseable config: the form has nothing to show yet.
                self.notify(f"Fix the YAML first: {self._raw_error}", severity="error", markup=False)
                return
            self.notify(f"The raw YAML does not parse ({self._raw_error}); the form keeps its last valid state.",
                        severity="warning", markup=False)
        elif self.query_one("#raw-yaml", TextArea).text != self._raw_synced_text or self.original_error:
            self.original_error = None
            await self.load(nad)
        self.query_one("#builder-switcher", ContentSwitcher).current = "builder-form"
        relabel(self.query_one("#btn-raw", Button), "Raw YAML")
        self.refresh_preview()

    def _parse_raw(self) -> NAD | None:
        text = self.query_one("#raw-yaml", TextArea).text
        # The domain's reader: per-document errors with line numbers, and its guards against
        # alias bombs and oversized text (a pasted manifest is untrusted input too).
        parsed = read_documents(text)
        bad = next((d for d in parsed if d.error), None)
        if bad is not None:
            self._show_raw_error(f"YAML error: {bad.error}")
            return None
        docs = [d.obj for d in parsed if d.obj is not None]
        if len(docs) != 1:
            self._show_raw_error(f"expected exactly one YAML document, found {len(docs)}")
            return None
        try:
            nad = NAD.from_manifest(docs[0])
        except MultusTuiError as exc:
            self._show_raw_error(str(exc))
            return None
        if nad.config_error:
            self._show_raw_error(nad.config_error)
            return None
        self._show_raw_error(None)
        return nad

    def _show_raw_error(self, message: str | None) -> None:
        self._raw_error = message
        err = self.query_one("#raw-error", Static)
        err.update(Text(message or "", style="red"))
        err.display = bool(message)

    @on(TextArea.Changed, "#raw-yaml")
    def _raw_changed(self) -> None:
        self._schedule_draft_save()
        if self._raw_timer is not None:
            self._raw_timer.stop()
        self._raw_timer = self.set_timer(PREVIEW_DEBOUNCE * 3, self.sync_raw)

    def sync_raw(self) -> None:
        """Parse the raw text now: valid YAML updates the draft (and so the preview)."""
        if self._raw_timer is not None:
            self._raw_timer.stop()
            self._raw_timer = None
        if not self.raw_mode:
            return
        area = self.query_one("#raw-yaml", TextArea)
        if area.text == self._raw_synced_text:
            return
        nad = self._parse_raw()
        if nad is None:
            return
        self._raw_synced_text = area.text
        if nad.config is None:
            nad.config = {}
        self.original_error = None
        self.draft = Draft(nad)
        self.form.draft = self.draft
        self._rebuild_later()
        self.refresh_preview()

    @work(exclusive=True, group="builder-raw-rebuild")
    async def _rebuild_later(self) -> None:
        await self.form.rebuild()
        self.refresh_preview()

    # ------------------------------------------------------------------ review / apply
    @on(Button.Pressed, "#btn-apply")
    def _apply_button(self) -> None:
        self.action_review()

    def action_review(self) -> None:
        if not self.can_apply:
            self.notify("Offline: export the YAML or copy it instead." if self.ctx.cluster is None
                        else "Read-only mode: applying is disabled.", severity="warning")
            return
        if self.raw_mode:
            self.sync_raw()
            if self._raw_error:
                self.notify(f"Apply refused: the raw YAML does not parse ({self._raw_error})",
                            severity="error", markup=False)
                return
        else:
            self.refresh_preview()
        errors = self.errors()
        if errors:
            _, vpath, message = errors[0]
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            self.notify(shown(f"{vpath}: {message}{more}"), title="Apply refused: fix the errors first",
                        severity="error", markup=False)
            fid = self.form.widget_for_path(vpath)
            if fid and not self.raw_mode:
                try:
                    self.query_one(f"#{fid}").focus()
                except Exception:  # noqa: BLE001
                    pass
            return
        warnings = [p for p in self.all_problems() if p[0] == "warning"]
        if warnings:
            body = Text("\n".join(f"! {v}: {m}" for _, v, m in warnings))
            self.app.push_screen(ConfirmScreen(f"{len(warnings)} warning(s). Apply anyway?", body,
                                               confirm="Review anyway", variant="primary",
                                               focus_cancel=False),
                                 callback=on_answer(lambda _: self._open_review()))
            return
        self._open_review()

    def _open_review(self) -> None:
        manifest = clean_manifest(self.output_nad())
        self.app.push_screen(ReviewScreen(self.ctx, manifest, base=self.base), callback=self._reviewed)

    async def _reviewed(self, outcome: ReviewOutcome | None) -> None:
        if outcome is None:
            return
        message = self.query_one("#server-message", Static)
        if outcome.reload is not None:
            await self._reload(outcome.reload)
            return
        if outcome.error:
            # The form is untouched; the server's words stay next to it until the next attempt.
            self.server_message = outcome.error
            text = Text("The server refused it: ", style="red")
            text.append("\n".join(shown(line) for line in outcome.error.splitlines()), style="red")
            message.update(text)
            message.display = True
            return
        if outcome.applied is not None:
            self._forget_draft()
            self.dismiss(outcome.applied)

    async def _reload(self, live: dict[str, Any]) -> None:
        """The NAD changed on the server since it was opened: put the server's version in the form and
        base the next apply on it. The user's version is kept as a draft (when drafts are on)."""
        kept = ""
        if self._drafts_on:
            from multus_tui import drafts

            nad = self.draft.nad
            try:
                drafts.save_draft(self.current_yaml(), namespace=nad.namespace, name=nad.name or None)
                kept = " Your version was kept as a draft."
            except OSError as exc:
                kept = f" Your version could not be kept as a draft ({exc.strerror or exc}): export it first."
        nad = NAD.from_manifest(live)
        self.base = copy.deepcopy(live)
        nad.manifest = clean_manifest(nad)
        await self.load(nad)
        self._draft_id = None
        self._draft_gen += 1  # an autosave in flight belongs to the version kept above
        rv = (live.get("metadata") or {}).get("resourceVersion", "?")
        message = self.query_one("#server-message", Static)
        message.update(Text(f"Reloaded {shown(nad.key)} from the server (version {rv}).{kept}", style="yellow"))
        message.display = True

    # ------------------------------------------------------------------ export / clipboard
    def output_nad(self) -> NAD:
        """The NAD as it would be written (an untouched absent config stays absent)."""
        nad = self.draft.nad
        if (self._config_absent or self.original_error) and nad.config == {}:
            # Absent stays absent; a config that is not JSON stays as its text until raw mode fixes it.
            nad = copy.copy(nad)
            nad.config = None
        return nad

    def current_yaml(self) -> str:
        return yaml_text(self.output_nad())

    @on(Button.Pressed, "#btn-copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.current_yaml())
        self.notify("YAML copied to the clipboard")

    @on(Button.Pressed, "#btn-export")
    def action_export(self) -> None:
        name = self.draft.nad.name or "nad"
        self.app.push_screen(PathPromptScreen("Write the YAML to", f"{name}.yaml"), callback=self._export_to)

    def _export_to(self, path: str | None) -> None:
        if not path:
            return
        target = Path(path).expanduser()
        if target.exists():
            self.app.push_screen(ConfirmScreen("Overwrite?", f"{target} exists. Replace it?", confirm="Overwrite"),
                                 callback=on_answer(lambda _: self.write_file(target)))
            return
        self.write_file(target)

    def write_file(self, target: Path) -> bool:
        try:
            target.write_text(self.current_yaml(), encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write {target}: {exc.strerror or exc}", severity="error", markup=False)
            return False
        self.notify(f"Wrote {target}", markup=False)
        self._forget_draft()
        return True

    # ------------------------------------------------------------------ drafts (multus_tui.drafts)
    def _schedule_draft_save(self) -> None:
        if not self._drafts_on:
            return
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DEBOUNCE, self._save_draft)

    @dataclass
    class DraftWritten(Message):
        """A draft write finished in its worker: `draft_id` written, or `error` why not."""

        gen: int
        draft_id: str | None
        error: str | None = None

    def _save_draft(self) -> None:
        """Autosave (the debounce timer, on the loop): take the text here, write it in a worker."""
        if not self._drafts_on:
            return
        if self._draft_writing:
            self._draft_again = True  # the newest text is saved when the write in flight answers
            return
        text = self.query_one("#raw-yaml", TextArea).text if self.raw_mode else self.current_yaml()
        if _meaning(text) in getattr(self, "_draft_baseline", ()):
            self._forget_draft()  # unchanged, or changed back: no draft (and none left behind)
            return
        nad = self.draft.nad
        self._draft_writing = True
        self._write_draft(self._draft_gen, text, nad.namespace, nad.name or None, self._draft_id)

    @work(thread=True, group="draft", exit_on_error=False, description="saving the draft")
    def _write_draft(self, gen: int, text: str, namespace: str | None, name: str | None,
                     draft_id: str | None) -> None:
        from multus_tui import drafts

        try:
            written = drafts.save_draft(text, namespace=namespace, name=name, draft_id=draft_id).id
        except OSError as exc:
            self.post_message(self.DraftWritten(gen, None, str(exc.strerror or exc)))
        else:
            self.post_message(self.DraftWritten(gen, written))

    def on_nad_builder_screen_draft_written(self, message: DraftWritten) -> None:
        from multus_tui import drafts

        self._draft_writing = False
        if message.error is not None:
            self._drafts_on = False  # say it once, not on every keystroke
            self.notify(f"Could not save a draft: {message.error}", severity="warning", markup=False)
            return
        if message.gen != self._draft_gen:  # applied, exported or reloaded while it was written
            if message.draft_id is not None:
                drafts.delete_draft(message.draft_id)
            return
        self._draft_id = message.draft_id
        if self._draft_again:
            self._draft_again = False
            self._save_draft()

    def _forget_draft(self) -> None:
        """Applied or exported: the draft has served its purpose."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self._draft_gen += 1  # a write in flight is deleted when it answers
        self._draft_again = False
        if self._draft_id is not None:
            from multus_tui import drafts

            drafts.delete_draft(self._draft_id)
            self._draft_id = None

    def _offer_restore(self) -> None:
        from multus_tui import drafts

        saved = drafts.list_drafts()
        if not saved:
            return
        latest = saved[0]

        def answer(ok: bool | str | None) -> None:
            if ok:
                self.call_later(self._restore, latest)
            else:
                drafts.delete_draft(latest.id)

        self.app.push_screen(ConfirmScreen("Restore the unsaved draft?", Text(latest.label),
                                           confirm="Restore", cancel="Discard", variant="primary",
                                           focus_cancel=False), callback=answer)

    async def _restore(self, saved: SavedDraft) -> None:
        try:  # the guarded reader: a draft file is input like any other (bombs, deep nesting)
            docs = [d for d in load_yaml_all(saved.text) if d is not None]
            nad = NAD.from_manifest(docs[0]) if len(docs) == 1 else None
        except (yaml.YAMLError, MultusTuiError, ValueError, TypeError):
            nad = None
        if nad is None or nad.config_error:
            # saved from raw mode while it did not parse: back to raw mode with that text, nothing lost
            self._enter_raw(saved.text)
            self._show_raw_error("restored draft: fix the YAML to continue in the form")
        else:
            await self.load(nad)
        self._draft_id = saved.id  # keep saving into the same draft

    # ------------------------------------------------------------------ leaving
    @on(Button.Pressed, "#btn-close")
    def action_close(self) -> None:
        self.dismiss(None)


DRAFT_DEBOUNCE = 1.0  # seconds of quiet before a draft is written


def _meaning(text: str) -> tuple[str, object]:
    """A builder text as data (formatting aside), or as itself when it does not parse."""
    try:
        return "data", load_yaml_all(text)
    except Exception:  # noqa: BLE001 - raw mode holds anything the user typed
        return "text", text


def yaml_text(nad: NAD) -> str:
    """The YAML written by export/copy: the canonical render minus server-maintained metadata."""
    from multus_tui.multus.nad import dump_yaml

    return dump_yaml(clean_manifest(nad))

