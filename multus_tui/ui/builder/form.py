"""The generic form engine: renders the domain's FieldSpecs into Textual widgets.

Nothing here knows a plugin type. Each section takes a `PluginSpec` from
`multus_tui.multus.specs` and maps every `FieldSpec` kind to a widget:

* str / int / cidr / ip / mac / ifname / ip-list / cidr-list -> `Input` with a `SpecValidator`
  (the domain's `parse_value`), text converted with `format_value` / `parse_value`;
* enum -> `Select`; bool -> `Checkbox`;
* list of objects (addresses, routes, ipRanges, trunks, dhcp options) -> rows with add/remove;
* list of lists of objects (host-local range sets) -> one row editor per set;
* list of strings (search domains, conditions) -> comma-separated `Input` (JSON if an item has a comma);
* map (tuning sysctl) -> key/value rows; object (dns, kubernetes) -> nested fields;
* a value whose shape does not match its spec -> a JSON `Input`, so nothing is ever coerced away.

Fields marked `advanced` go into a collapsed `Collapsible`. Every field widget's id is
`field_id(virtual path)`, the same path the validator reports, so findings land on it.

The form edits the draft in place (`Draft.set` / `Draft.delete`) and posts `NadForm.Edited`;
structural edits (a type, an added row) rebuild the form from the draft.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import InvalidQueryFormat, NoMatches
from textual.message import Message
from textual.suggester import Suggester, SuggestFromList
from textual.validation import Validator
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Collapsible, Input, Label, Select, Static

from multus_tui.multus import specs
from multus_tui.multus.errors import ConfigError
from multus_tui.multus.selection import go_key
from multus_tui.multus.specs import FieldSpec, PluginSpec
from multus_tui.ui.builder.draft import Draft
from multus_tui.ui.builder.paths import field_id
from multus_tui.ui.builder.validators import DNSLabel, SpecValidator

SCALAR_KINDS = {"str", "int", "cidr", "ip", "mac", "ifname", "ip-list", "cidr-list"}
#: keys of a plugin the form edits itself (type select, IPAM section, capability checkboxes)
HANDLED_PLUGIN_KEYS = {"type", "ipam", "capabilities"}
_NONE = "(none)"
SECTION_ORDER = ("sec-template", "sec-meta", "sec-network", "sec-main", "sec-ipam", "sec-chained", "sec-unknown")


@dataclass
class FieldBinding:
    """What a widget edits: the virtual path, the domain spec and how its value is converted."""

    vpath: str
    spec: FieldSpec | None
    mode: str  # scalar | enum | bool | strlist | json | cap | mapkey | mapval | meta
    index: int = 0  # map entry index (mapkey / mapval)
    escaped: bool = False  # the text is a JSON string literal (the value holds control characters)


# ------------------------------------------------------------------ what a form button does
@dataclass(frozen=True)
class MovePlugin:
    """Move chained plugin `index` one place earlier (step -1) or later (step +1)."""

    index: int
    step: int


@dataclass(frozen=True)
class RemovePlugin:
    index: int


@dataclass(frozen=True)
class AddChained:
    """Add the chained plugin picked in the select next to the button."""


@dataclass(frozen=True)
class _AtPath:
    vpath: str


class AddItem(_AtPath):
    """Append an empty object to the list at `vpath`."""


class AddRangeSet(_AtPath):
    """Append a range set holding one empty range to the list of sets at `vpath`."""


class RemoveItem(_AtPath):
    """Delete the list entry at `vpath` (and the list when it becomes empty)."""


class AddMapEntry(_AtPath):
    """Add a `keyN: ""` entry to the map at `vpath`."""


@dataclass(frozen=True)
class RemoveMapEntry:
    vpath: str
    index: int


FormAction = MovePlugin | RemovePlugin | AddChained | AddItem | AddRangeSet | RemoveItem | AddMapEntry | RemoveMapEntry


class ActionButton(Button):
    """A form button that carries what pressing it does."""

    def __init__(self, label: str, form_action: FormAction, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.form_action = form_action


def _collapsible_id(vpath: str, what: str) -> str:
    return field_id(vpath) + "-" + what


class NadForm(VerticalScroll):
    """The builder form for one draft; rebuilt from the draft on structural changes."""

    class Edited(Message):
        """The draft changed (`structural`: the form was rebuilt)."""

        def __init__(self, structural: bool = False) -> None:
            super().__init__()
            self.structural = structural

    class TemplateChosen(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, draft: Draft, templates: list[tuple[str, str]] | None = None,
                 node_links: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.draft = draft
        self.templates = templates or []
        # interface name -> the nodes that report it (NodeNetworkState), offered for master/device fields
        self.node_links = node_links or {}
        self.bindings: dict[str, FieldBinding] = {}
        #: widget ids whose text does not parse (the local half of "apply refused")
        self.local_errors: dict[str, str] = {}
        self._expanded: set[str] = set()
        self._lazy: dict[str, tuple[tuple[FieldSpec, ...], str]] = {}

    # ------------------------------------------------------------------ building
    def compose(self) -> Iterator[Widget]:
        yield from self.sections()

    async def rebuild(self, focus: str | None = None, only: set[str] | None = None) -> None:
        """Re-render sections from the draft (all, or the ids in `only`: cheaper, keeps the scroll).

        `focus` names the widget to focus afterwards: an id or id prefix (see `focus_field`), or
        several separated by `|`, the first that exists wins."""
        with self.app.batch_update():
            if only is None or not await self._rebuild_some(only):
                self.bindings = {}
                self.local_errors = {}
                self._lazy = {}
                await self.remove_children()
                await self.mount_all(list(self.sections()))
        for target in (focus or "").split("|"):
            if target and self.focus_field(target):
                break

    def focus_field(self, target: str) -> bool:
        """Focus the widget with id `target`, or else the first focusable one whose id starts with it
        (the first field of a row, plugin or set just added). False when there is none."""
        widgets = [w for w in self.query("*") if w.focusable and w.id]
        for w in [w for w in widgets if w.id == target] + [w for w in widgets if (w.id or "").startswith(target)]:
            w.focus()
            return True
        return False

    def focus_first(self, skip: tuple[str, ...] = ()) -> bool:
        """Focus the first field (Input, Select, Checkbox) of the form, skipping ids in `skip`."""
        for w in self.query("Input, Select, Checkbox"):
            if w.id not in skip and w.focusable:
                w.focus()
                return True
        return False

    async def _rebuild_some(self, only: set[str]) -> bool:
        """Replace the named sections in place; False when the set of sections itself changes."""
        wanted = [sid for sid in SECTION_ORDER if self.build_section(sid, dry=True)]
        present = [c.id for c in self.children if c.id in SECTION_ORDER]
        if wanted != present:
            return False
        for sid in SECTION_ORDER:
            if sid not in only or sid not in present:
                continue
            old = self.query_one(f"#{sid}")
            for w in old.query("*"):
                if w.id:
                    self.bindings.pop(w.id, None)
                    self.local_errors.pop(w.id, None)
            index = list(self.children).index(old)
            await old.remove()
            new = self.build_section(sid)
            assert new is not None
            await self.mount(new, before=index)
        return True

    def sections(self) -> Iterator[Widget]:
        for sid in SECTION_ORDER:
            w = self.build_section(sid)
            if w is not None:
                yield w

    def _main_spec(self) -> PluginSpec | None:
        main_type = self.draft.plugin(0).get("type")
        return specs.PLUGINS.get(main_type) if isinstance(main_type, str) else None

    def build_section(self, sid: str, dry: bool = False) -> Widget | None:
        """One section of the form (None when it is not shown); `dry`: only say whether it is."""
        d = self.draft
        main_spec = self._main_spec()
        if sid == "sec-template":
            if not self.templates:
                return None
            return True if dry else self._section("Start from", [  # type: ignore[return-value]
                Select([(label, key) for label, key in self.templates], prompt="a template…",
                       id="template", compact=True),
            ], sid=sid)
        if sid == "sec-ipam" and not (main_spec is None or main_spec.ipam != "none"
                                      or isinstance(d.plugin(0).get("ipam"), dict)):
            return None
        if dry:
            return True  # type: ignore[return-value]
        if sid == "sec-meta":
            return self._section("NetworkAttachmentDefinition", list(self._metadata_fields()), sid=sid)
        if sid == "sec-network":
            return self._section("CNI network", list(self._network_fields()), sid=sid)
        if sid == "sec-main":
            return self._section("Main plugin", list(self._main_plugin(main_spec)), sid=sid)
        if sid == "sec-ipam":
            return self._section("IPAM", list(self._ipam(main_spec)), sid=sid)
        if sid == "sec-chained":
            return self._section("Chained plugins", list(self._chained()), sid=sid)
        unknown = self.unknown_keys()
        return self._section("Unknown keys (kept)", [
            Static(unknown, id="unknown-keys", classes="unknown-keys"),
        ], sid="sec-unknown", hidden=not unknown.plain)

    @staticmethod
    def section_of(vpath: str) -> set[str]:
        """The sections showing `vpath` (what to rebuild after a structural edit there)."""
        if vpath.startswith("plugins[0].ipam"):
            return {"sec-ipam"}
        if vpath.startswith("plugins[0]"):
            return {"sec-main"}
        if vpath.startswith("plugins["):
            return {"sec-chained"}
        return {"sec-meta", "sec-network"}

    def _section(self, title: str, children: list[Widget], sid: str, hidden: bool = False) -> Widget:
        box = Vertical(Label(Text(title, style="bold"), classes="section-title"), *children,
                       id=sid, classes="form-section")
        box.display = not hidden
        return box

    def _row(self, label: str, widget: Widget, vpath: str, help_text: str = "", required: bool = False) -> Widget:
        title = Text(label + (" *" if required else ""))
        lab = Label(title, classes="field-label")
        if help_text:
            lab.tooltip = help_text
            widget.tooltip = help_text
        msg = Static("", id=field_id(vpath) + "-msg", classes="field-msg")
        msg.display = False
        return Vertical(Horizontal(lab, widget, classes="field-row"), msg, classes="field")

    def _input(self, vpath: str, value: str, *, placeholder: str = "", validators: Sequence[Validator] | None = None,
               binding: FieldBinding, suggester: Suggester | None = None) -> Input:
        wid = field_id(vpath) if binding.mode not in ("mapkey", "mapval") else (
            f"{field_id(vpath)}-{'k' if binding.mode == 'mapkey' else 'v'}{binding.index}")
        if has_control(value):
            # A value with control characters (ESC, BEL, ...) must never reach the terminal raw:
            # it is shown and edited as a JSON string literal, which escapes them (and loses nothing).
            binding.escaped = True
            value = json.dumps(value)
            validators = []
        self.bindings[wid] = binding
        return Input(value, placeholder=placeholder, validators=validators or [], valid_empty=True,
                     id=wid, compact=True, select_on_focus=False, suggester=suggester)

    # ------------------------------------------------------------------ metadata / network
    def _metadata_fields(self) -> Iterator[Widget]:
        d = self.draft
        for key, label, help_text, validators in (
            ("metadata.name", "name", "NAD name (DNS-1123 label; pods reference it)", [DNSLabel()]),
            ("metadata.namespace", "namespace", "namespace of the NAD (pods elsewhere use ns/name)", [DNSLabel()]),
            ("metadata.description", "description", "free text, stored as annotation kubernetes.io/description",
             []),
        ):
            widget = self._input(key, d.get(key) or "", validators=validators,
                                 binding=FieldBinding(key, None, "meta"))
            yield self._row(label, widget, key, help_text, required=key == "metadata.name")
        main_type = d.plugin(0).get("type")
        main_spec = specs.PLUGINS.get(main_type) if isinstance(main_type, str) else None
        if (main_spec is not None and main_spec.needs_resource_name) or d.get("metadata.resourceName"):
            key = "metadata.resourceName"
            widget = self._input(key, d.get(key) or "", placeholder="e.g. intel.com/sriov_netdevice",
                                 binding=FieldBinding(key, None, "meta"))
            yield self._row("resourceName", widget, key,
                            "annotation k8s.v1.cni.cncf.io/resourceName: the device-plugin/DRA resource; "
                            "pods must request it")

    def _network_fields(self) -> Iterator[Widget]:
        d = self.draft
        version = d.get("cniVersion")
        versions = list(specs.CNI_VERSIONS)
        if isinstance(version, str) and version not in versions:
            versions.append(version)
        self.bindings[field_id("cniVersion")] = FieldBinding("cniVersion", None, "enum")
        sel = Select([(v, v) for v in versions], value=version if isinstance(version, str) else Select.NULL,
                     allow_blank=True, id=field_id("cniVersion"), compact=True, prompt="(not set)")
        yield self._row("cniVersion", sel, "cniVersion",
                        f"CNI spec version (default proposal {specs.DEFAULT_CNI_VERSION})")
        cni_name = d.get("name")
        widget = self._input("name", cni_name if isinstance(cni_name, str) else "",
                             placeholder="(the NAD name)", binding=FieldBinding("name", None, "meta-cni"))
        yield self._row("CNI name", widget, "name",
                        "CNI network name: Multus errors and host-local leases use it; keep it = NAD name")
        box = Checkbox("plugin list (conflist)", value=d.is_conflist, id="conflist", compact=True,
                       tooltip="a conflist can chain plugins (sbr, tuning, portmap, bandwidth)")
        yield box

    # ------------------------------------------------------------------ plugins
    def _type_select(self, vpath: str, options: list[str], current: object, allow_blank: bool) -> Select[str]:
        opts = list(options)
        if isinstance(current, str) and current and current not in opts:
            opts.append(current)  # an unknown type is shown as it is, never replaced
        # allow_blank always: a Select without a blank picks its first option on mount, which
        # would silently write a type into a config that has none.
        self.bindings[field_id(vpath)] = FieldBinding(vpath, None, "type")
        return Select([(shown(o), o) for o in opts],
                      value=current if isinstance(current, str) and current else Select.NULL,
                      allow_blank=allow_blank, id=field_id(vpath), compact=True, prompt=_NONE)

    def _main_plugin(self, spec: PluginSpec | None) -> Iterator[Widget]:
        plugin = self.draft.plugin(0)
        current = plugin.get("type")
        yield self._row("type", self._type_select("plugins[0].type", list(specs.PLUGINS), current, True),
                        "plugins[0].type", "the plugin that creates the pod's interface", required=True)
        if spec is None:
            if current:
                yield Static(Text(f"No field spec for plugin type {current!r}: its keys are kept as they are "
                                  "(see Unknown keys).", style="yellow"), classes="plugin-help")
            return
        yield Static(Text(spec.help, style="dim"), classes="plugin-help")
        yield from self._fields(spec.fields, "plugins[0]", plugin)
        ipam_type = plugin.get("ipam", {}).get("type") if isinstance(plugin.get("ipam"), dict) else None
        ipam_spec = specs.IPAMS.get(ipam_type) if isinstance(ipam_type, str) else None
        yield from self._capabilities(0, spec, ipam_spec)

    def _ipam(self, main_spec: PluginSpec | None) -> Iterator[Widget]:
        plugin = self.draft.plugin(0)
        ipam = plugin.get("ipam")
        ipam_type = ipam.get("type") if isinstance(ipam, dict) else None
        required = main_spec is not None and main_spec.ipam == "required"
        yield self._row("type", self._type_select("plugins[0].ipam.type", list(specs.IPAMS), ipam_type, True),
                        "plugins[0].ipam.type",
                        "how the interface gets its address (none: L2 only)" + (" — required here" if required
                                                                               else ""), required=required)
        spec = specs.IPAMS.get(ipam_type) if isinstance(ipam_type, str) else None
        if spec is None:
            if ipam_type:
                yield Static(Text(f"No field spec for IPAM type {ipam_type!r}: its keys are kept.",
                                  style="yellow"), classes="plugin-help")
            return
        yield Static(Text(spec.help, style="dim"), classes="plugin-help")
        assert isinstance(ipam, dict)
        yield from self._fields(spec.fields, "plugins[0].ipam", ipam)

    def _capabilities(self, index: int, spec: PluginSpec, extra: PluginSpec | None = None) -> Iterator[Widget]:
        """Checkboxes for the capabilities this plugin (and its IPAM) honours, each saying what it enables."""
        plugin = self.draft.plugin(index)
        caps = plugin.get("capabilities")
        present: dict[str, Any] = caps if isinstance(caps, dict) else {}
        offered: dict[str, str] = dict(spec.capabilities)
        if extra is not None:
            for k, v in extra.capabilities.items():
                offered.setdefault(k, v)
        for k in present:
            offered.setdefault(k, specs.KNOWN_CAPABILITIES.get(k, "declared in the config"))
        others = {k: v for k, v in specs.KNOWN_CAPABILITIES.items() if k not in offered}
        rows = [self._cap_box(index, k, v, present.get(k) is True) for k, v in offered.items()]
        if rows:
            yield Vertical(Label(Text("capabilities", style="italic"), classes="caps-title"), *rows,
                           classes="caps")
        if others:
            # One select instead of a checkbox per rarely used capability (keeps the form light).
            self.bindings[f"caps-more-{index}"] = FieldBinding(f"plugins[{index}].capabilities", None, "addcap")
            yield Select([(f"{k} — {v}", k) for k, v in others.items()], prompt="declare another capability…",
                         id=f"caps-more-{index}", compact=True, classes="caps-more")

    def _cap_box(self, index: int, cap: str, what: str, value: bool) -> Widget:
        vpath = f"plugins[{index}].capabilities.{cap}"
        self.bindings[field_id(vpath)] = FieldBinding(vpath, None, "cap")
        return Checkbox(Text(f"{shown(cap)} — {shown(what)}"), value=value, id=field_id(vpath), compact=True)

    def _chained(self) -> Iterator[Widget]:
        d = self.draft
        for i in range(1, d.plugin_count()):
            plugin = d.plugin(i)
            ptype = plugin.get("type")
            spec = specs.CHAINED.get(ptype) if isinstance(ptype, str) else None
            title = f"{i}. {shown(str(ptype))}" + (f" — {spec.title}" if spec else "")
            header = Horizontal(
                Label(Text(title, style="bold"), classes="chained-title"),
                ActionButton("↑", MovePlugin(i, -1), classes="chain-btn", compact=True, tooltip="run earlier",
                       id=f"chain-up-{i}"),
                ActionButton("↓", MovePlugin(i, 1), classes="chain-btn", compact=True, tooltip="run later",
                       id=f"chain-down-{i}"),
                ActionButton("✕", RemovePlugin(i), classes="chain-btn", compact=True,
                       tooltip="remove this plugin", id=f"chain-remove-{i}"),
                classes="chained-header",
            )
            body: list[Widget] = [header]
            if spec is None:
                body.append(Static(Text(f"No field spec for {ptype!r}: its keys are kept as they are.",
                                        style="yellow"), classes="plugin-help"))
            else:
                body.append(Static(Text(spec.help, style="dim"), classes="plugin-help"))
                body.extend(self._fields(spec.fields, f"plugins[{i}]", plugin))
                body.extend(self._capabilities(i, spec))
            yield Vertical(*body, classes="chained-plugin", id=f"chained-{i}")
        yield Horizontal(
            Select([(f"{t} — {s.title}", t) for t, s in specs.CHAINED.items()], prompt="add a chained plugin…",
                   id="add-chained", compact=True,
                   tooltip="chain a plugin after the main one (choosing adds it): sbr, tuning, portmap, bandwidth"),
            ActionButton("Add", AddChained(), id="btn-add-chained", compact=True),
            classes="add-chained",
        )

    # ------------------------------------------------------------------ fields
    def _fields(self, fields: tuple[FieldSpec, ...], base: str, obj: dict[str, Any]) -> Iterator[Widget]:
        basic: list[Widget] = []
        advanced: list[FieldSpec] = []
        for f in fields:
            if f.name in HANDLED_PLUGIN_KEYS:
                continue
            # Go's encoding/json matches keys ignoring case (`vlanid` is vlanId): edit the key as written.
            key = go_key(obj, f.name)
            # An advanced field that is set is shown in the open: hiding a value is how it gets lost.
            if f.advanced and key not in obj:
                advanced.append(f)
            else:
                basic.append(self._field(f, f"{base}.{key}", obj.get(key)))
        yield from basic
        if advanced:
            cid = _collapsible_id(base, "advanced")
            title = f"advanced ({len(advanced)})"
            if cid in self._expanded:
                yield Collapsible(*[self._field(f, f"{base}.{f.name}", None) for f in advanced], title=title,
                                  collapsed=False, id=cid, classes="advanced")
            else:
                # Built on first expansion: most advanced fields are never opened, and every widget
                # mounted costs style matching on each rebuild.
                self._lazy[cid] = (tuple(advanced), base)
                yield Collapsible(title=title, collapsed=True, id=cid, classes="advanced")

    @on(Collapsible.Expanded)
    async def _expand_lazy(self, event: Collapsible.Expanded) -> None:
        c = event.collapsible
        self._expanded.add(c.id or "")
        lazy = self._lazy.pop(c.id or "", None)
        if lazy is None:
            return
        fields, base = lazy
        obj = self.draft.get(base)
        obj = obj if isinstance(obj, dict) else {}
        widgets = [self._field(f, f"{base}.{f.name}", obj.get(f.name)) for f in fields]
        await c.query_one(Collapsible.Contents).mount_all(widgets)

    @on(Collapsible.Collapsed)
    def _collapsed(self, event: Collapsible.Collapsed) -> None:
        self._expanded.discard(event.collapsible.id or "")

    def _field(self, f: FieldSpec, vpath: str, value: Any) -> Widget:
        kind = f.kind
        item = f.item_spec
        if kind == "bool" and (value is None or isinstance(value, bool)):
            self.bindings[field_id(vpath)] = FieldBinding(vpath, f, "bool")
            checked = value if isinstance(value, bool) else f.default is True
            box = Checkbox(f.name, value=checked, id=field_id(vpath), compact=True)
            return self._row("", box, vpath, f.help)
        if kind == "enum" and (value is None or isinstance(value, str)):
            opts = list(f.choices)
            if isinstance(value, str) and value not in opts:
                opts.append(value)
            self.bindings[field_id(vpath)] = FieldBinding(vpath, f, "enum")
            prompt = f"(default: {f.default})" if f.default is not None else _NONE
            sel = Select([(shown(o), o) for o in opts], value=value if isinstance(value, str) else Select.NULL,
                         allow_blank=True, id=field_id(vpath), compact=True, prompt=prompt)
            return self._row(f.name, sel, vpath, f.help, f.required)
        if kind in SCALAR_KINDS and (value is None or isinstance(value, (str, int, float))
                                     and not isinstance(value, bool)
                                     or kind in ("ip-list", "cidr-list") and _str_list(value)):
            # An example must never read like a value (an empty field means "not set")
            placeholder = f"e.g. {f.placeholder}" if f.placeholder else (
                f"default {f.default}" if f.default is not None else "")
            help_text = f.help
            suggester = None
            if f.node_fact and self.node_links:
                # the interfaces the nodes report (NodeNetworkState), most common first
                ranked = sorted(self.node_links, key=lambda k: (-len(self.node_links[k]), k))
                suggester = SuggestFromList(ranked, case_sensitive=True)
                placeholder = "e.g. " + ", ".join(ranked[:3]) + (" …" if len(ranked) > 3 else "")
                help_text += " — on the nodes: " + "; ".join(
                    f"{k} ({len(self.node_links[k])} node{'s' if len(self.node_links[k]) != 1 else ''})"
                    for k in ranked[:8])
            widget = self._input(vpath, specs.format_value(f, value), placeholder=placeholder,
                                 validators=[SpecValidator(f)], binding=FieldBinding(vpath, f, "scalar"),
                                 suggester=suggester)
            return self._row(f.name, widget, vpath, help_text, f.required)
        if kind == "list" and item is not None and item.kind == "object" and (value is None or _dict_list(value)):
            return self._object_list(f, vpath, value or [])
        if kind == "list" and item is not None and item.kind == "list" and item.item_spec is not None \
                and item.item_spec.kind == "object" and (value is None or _nested_dict_list(value)):
            return self._set_list(f, vpath, value or [])
        if kind == "list" and item is not None and item.kind in SCALAR_KINDS and (value is None or _str_list(value)) \
                and not any("," in v for v in value or []):
            widget = self._input(vpath, ", ".join(value or []), placeholder="a, b, …",
                                 binding=FieldBinding(vpath, f, "strlist"))
            return self._row(f.name, widget, vpath, f.help + " (comma-separated)", f.required)
        if kind == "map" and (value is None or isinstance(value, dict) and all(
                isinstance(v, str) for v in value.values())):
            return self._map(f, vpath, value or {})
        if kind == "object" and (value is None or isinstance(value, dict)):
            title = Label(Text(f.name, style="italic"), classes="object-title")
            children = list(self._fields(f.fields, vpath, value or {}))
            msg = Static("", id=field_id(vpath) + "-msg", classes="field-msg")
            msg.display = False
            return Vertical(title, msg, *children, classes="object-field")
        # The value does not have the shape its spec expects: edit it as JSON, never coerce it away.
        text = "" if value is None else json.dumps(value)
        widget = self._input(vpath, text, placeholder="JSON", binding=FieldBinding(vpath, f, "json"))
        return self._row(f.name, widget, vpath, f.help + " (JSON)", f.required)

    def _object_list(self, f: FieldSpec, vpath: str, items: list[dict[str, Any]]) -> Widget:
        assert f.item_spec is not None
        rows: list[Widget] = []
        for i, obj in enumerate(items):
            ipath = f"{vpath}[{i}]"
            rows.append(Vertical(
                Horizontal(Label(Text(f"{f.item_spec.name} {i + 1}", style="italic"), classes="item-title"),
                           ActionButton("✕", RemoveItem(ipath), compact=True, classes="item-remove",
                                  id=field_id(ipath) + "-remove", tooltip="remove this entry"),
                           classes="item-header"),
                *self._fields(f.item_spec.fields, ipath, obj),
                classes="list-item",
            ))
        msg = Static("", id=field_id(vpath) + "-msg", classes="field-msg")
        msg.display = False
        add = ActionButton(f"+ {f.item_spec.name}", AddItem(vpath), compact=True, classes="item-add",
                     id=field_id(vpath) + "-add", tooltip=f.help)
        return Vertical(Label(Text(f.name, style="italic"), classes="list-title"), msg, *rows, add,
                        classes="list-field")

    def _set_list(self, f: FieldSpec, vpath: str, sets: list[list[dict[str, Any]]]) -> Widget:
        assert f.item_spec is not None
        inner = f.item_spec
        blocks: list[Widget] = []
        for s, ranges in enumerate(sets):
            spath = f"{vpath}[{s}]"
            header = Horizontal(Label(Text(f"range set {s + 1}", style="italic"), classes="item-title"),
                                ActionButton("✕ set", RemoveItem(spath), compact=True, classes="item-remove",
                                       id=field_id(spath) + "-remove", tooltip="remove this range set"),
                                classes="item-header")
            blocks.append(Vertical(header, self._object_list(inner, spath, ranges), classes="range-set"))
        msg = Static("", id=field_id(vpath) + "-msg", classes="field-msg")
        msg.display = False
        add = ActionButton("+ range set", AddRangeSet(vpath), compact=True, classes="item-add",
                     id=field_id(vpath) + "-add", tooltip="one more address per pod (e.g. IPv6 for dual stack)")
        return Vertical(Label(Text(f.name, style="italic"), classes="list-title"), msg, *blocks, add,
                        classes="list-field")

    def _map(self, f: FieldSpec, vpath: str, value: dict[str, str]) -> Widget:
        rows: list[Widget] = []
        for i, (k, v) in enumerate(value.items()):
            key_in = self._input(vpath, k, placeholder=f.placeholder or "key",
                                 binding=FieldBinding(vpath, f, "mapkey", i))
            val_in = self._input(vpath, v, placeholder="value", binding=FieldBinding(vpath, f, "mapval", i))
            rows.append(Horizontal(key_in, val_in,
                                   ActionButton("✕", RemoveMapEntry(vpath, i), compact=True, classes="item-remove",
                                          id=f"{field_id(vpath)}-r{i}"),
                                   classes="map-row"))
        msg = Static("", id=field_id(vpath) + "-msg", classes="field-msg")
        msg.display = False
        add = ActionButton(f"+ {f.name}", AddMapEntry(vpath), compact=True, classes="item-add",
                     id=field_id(vpath) + "-add", tooltip=f.help)
        return Vertical(Label(Text(f.name, style="italic"), classes="list-title"), msg, *rows, add,
                        classes="list-field")

    # ------------------------------------------------------------------ unknown keys
    def unknown_keys(self) -> Text:
        """Every key of the draft the form has no widget for (they are kept in the output)."""
        d = self.draft
        lines: list[str] = []
        cfg = d.config
        if d.is_conflist:
            for k, v in cfg.items():
                if k not in ("cniVersion", "name", "plugins"):
                    lines.append(f"{shown(k)}: {json.dumps(v)}")
        for i in range(d.plugin_count()):
            plugin = d.plugin(i)
            ptype = plugin.get("type")
            spec = specs.spec_for(ptype) if isinstance(ptype, str) else None
            known = spec.known_keys(plugin) if spec else set()
            skip = HANDLED_PLUGIN_KEYS | known | (set() if d.is_conflist else {"cniVersion", "name"})
            for k, v in plugin.items():
                if k not in skip:
                    lines.append(f"plugins[{i}].{shown(str(k))}: {json.dumps(v)}")
            caps = plugin.get("capabilities")
            if caps is not None and not isinstance(caps, dict):
                lines.append(f"plugins[{i}].capabilities: {json.dumps(caps)}")
            ipam = plugin.get("ipam")
            if i == 0 and isinstance(ipam, dict):
                itype = ipam.get("type")
                ispec = specs.IPAMS.get(itype) if isinstance(itype, str) else None
                iknown = ispec.known_keys(ipam) if ispec else set()
                for k, v in ipam.items():
                    if k != "type" and k not in iknown:
                        lines.append(f"plugins[0].ipam.{shown(str(k))}: {json.dumps(v)}")
            elif ipam is not None and not isinstance(ipam, dict):
                lines.append(f"plugins[{i}].ipam: {json.dumps(ipam)}")
        nad = d.nad
        from multus_tui.multus.nad import DESCRIPTION_ANNOTATION, RESOURCE_NAME_ANNOTATION

        for k, v in nad.labels.items():
            lines.append(f"metadata.labels.{shown(str(k))}: {shown(str(v))}")
        for k, v in nad.annotations.items():
            if k not in (DESCRIPTION_ANNOTATION, RESOURCE_NAME_ANNOTATION) and not (
                    k in ("description", "openshift.io/description") and v == nad.description):
                lines.append(f"metadata.annotations.{shown(str(k))}: {shown(str(v))}")
        manifest = nad.manifest if isinstance(nad.manifest, dict) else {}
        meta_obj = manifest.get("metadata")
        meta: dict[str, Any] = meta_obj if isinstance(meta_obj, dict) else {}
        for k, v in meta.items():
            if k not in ("name", "namespace", "labels", "annotations"):
                lines.append(f"metadata.{shown(str(k))}: {json.dumps(v, default=str)}")
        spec_value = manifest.get("spec")
        spec_obj: dict[str, Any] = spec_value if isinstance(spec_value, dict) else {}
        for k, v in spec_obj.items():
            if k != "config":
                lines.append(f"spec.{shown(str(k))}: {json.dumps(v, default=str)}")
        for k, v in manifest.items():
            if k not in ("apiVersion", "kind", "metadata", "spec"):
                lines.append(f"{shown(str(k))}: {json.dumps(v, default=str)}")
        return Text("\n".join(lines))

    # ------------------------------------------------------------------ events
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        b = self.bindings.get(wid)
        if b is None:
            return
        event.stop()
        if self._apply_text(wid, b, event.value):
            self.post_message(self.Edited())

    def _apply_text(self, wid: str, b: FieldBinding, text: str) -> bool:
        """Write the text of one input into the draft; False when nothing changed."""
        d = self.draft
        self.local_errors.pop(wid, None)
        if b.escaped:
            try:
                decoded = json.loads(text)
            except ValueError as exc:
                self.local_errors[wid] = f"this value holds control characters and is edited as a JSON string: {exc}"
                return False
            if not isinstance(decoded, str):
                self.local_errors[wid] = "this value is edited as a JSON string (in double quotes)"
                return False
            text = decoded
        if b.mode in ("meta", "meta-cni"):
            current = d.get(b.vpath)
            if (current or "") == text.strip():
                return False
            if b.mode == "meta-cni":
                if text.strip():
                    d.set("name", text.strip())
                else:
                    d.delete("name")
            else:
                d.set(b.vpath, text.strip())
            return True
        if b.mode in ("mapkey", "mapval"):
            return self._apply_map(wid, b, text)
        assert b.spec is not None
        current = d.get(b.vpath)
        if b.mode == "strlist":
            items = [t.strip() for t in text.split(",") if t.strip()]
            if current == items or (current is None and not items):
                return False
            if items:
                d.set(b.vpath, items)
            else:
                d.delete(b.vpath)
            return True
        if b.mode == "json":
            if text.strip() == ("" if current is None else json.dumps(current)):
                return False
            if not text.strip():
                d.delete(b.vpath)
                return True
            try:
                d.set(b.vpath, json.loads(text))
            except ValueError as exc:
                self.local_errors[wid] = f"{b.spec.name}: not valid JSON ({exc})"
                return False
            return True
        # scalar kinds
        if text == specs.format_value(b.spec, current):
            return False  # the text already says what the draft holds (mount, no-op edits)
        try:
            value = specs.parse_value(b.spec, text)
        except ConfigError as exc:
            self.local_errors[wid] = str(exc)
            # Keep what was typed, as typed: the preview follows the keystrokes and the validator
            # reports the same problem at the same path.
            if b.spec.kind in ("ip-list", "cidr-list"):
                value = [t.strip() for t in text.split(",") if t.strip()]
            else:
                value = text.strip()
        if value is None:
            if current is None:
                return False
            d.delete(b.vpath)
        else:
            if value == current and type(value) is type(current):
                return False
            d.set(b.vpath, value)
        return True

    def _apply_map(self, wid: str, b: FieldBinding, text: str) -> bool:
        d = self.draft
        current = d.get(b.vpath)
        if not isinstance(current, dict):
            current = {}
        items = list(current.items())
        if b.index >= len(items):
            return False
        k, v = items[b.index]
        if b.mode == "mapkey":
            new_key = text.strip()
            if new_key == k:
                return False
            if new_key in current:
                self.local_errors[wid] = f"{b.spec.name if b.spec else 'key'}: duplicate key {new_key}"
                return False
            items[b.index] = (new_key, v)  # renamed in place: the order of the map is kept
        else:
            if text == v:
                return False
            items[b.index] = (k, text)
        d.set(b.vpath, dict(items))
        return True

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        wid = event.checkbox.id or ""
        event.stop()
        if wid == "conflist":
            self._toggle_conflist(event.value)
            return
        b = self.bindings.get(wid)
        if b is None:
            return
        d = self.draft
        current = d.get(b.vpath)
        if b.mode == "cap":
            if event.value == (current is True):
                return
            caps_path = b.vpath.rsplit(".", 1)[0]
            if event.value:
                d.set(b.vpath, True)
            else:
                d.delete(b.vpath)
                if d.get(caps_path) == {}:
                    d.delete(caps_path)
            self.post_message(self.Edited())
            return
        assert b.spec is not None
        default = b.spec.default is True
        if current is None and event.value == default:
            return
        if current == event.value:
            return
        if current is None and event.value == default:
            d.delete(b.vpath)
        else:
            d.set(b.vpath, event.value)
        self.post_message(self.Edited())

    def _toggle_conflist(self, value: bool) -> None:
        d = self.draft
        if value == d.is_conflist:
            return
        if value:
            d.to_conflist()
        else:
            d.to_single()
            if d.is_conflist:
                self.app.notify("Remove the chained plugins (and list-level keys) first.", severity="warning")
        self.run_worker(self._structural("conflist", {"sec-network", "sec-chained"}), group="builder-form",
                        exclusive=True)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        wid = event.select.id or ""
        event.stop()
        value = event.value if isinstance(event.value, str) else None
        if wid == "template":
            if value:
                self.post_message(self.TemplateChosen(value))
            return
        if wid == "add-chained":
            if value:  # choosing one adds it (Enter in the list is the choice; arrows only browse)
                self._add_chained(value)
            return
        b = self.bindings.get(wid)
        if b is None:
            return
        d = self.draft
        if b.mode == "addcap":
            if value:
                d.set(f"{b.vpath}.{value}", True)
                self.run_worker(self._structural(field_id(f"{b.vpath}.{value}"), self.section_of(b.vpath)),
                                group="builder-form", exclusive=True)
            return
        current = d.get(b.vpath)
        if value == current or (value is None and current is None):
            return
        if b.mode == "type":
            self._change_type(b.vpath, value)
            only = {"sec-main", "sec-ipam"} if b.vpath == "plugins[0].ipam.type" else None
            self.run_worker(self._structural(wid, only), group="builder-form", exclusive=True)
            return
        if value is None:
            d.delete(b.vpath)
        else:
            d.set(b.vpath, value)
        self.post_message(self.Edited())

    def _change_type(self, vpath: str, value: str | None) -> None:
        d = self.draft
        if vpath == "plugins[0].ipam.type":
            old = d.get(vpath)
            old_spec = specs.IPAMS.get(old) if isinstance(old, str) else None
            new_spec = specs.IPAMS.get(value) if value else None
            d.set_ipam_type(0, value, {f.name for f in old_spec.fields} if old_spec else set(),
                            {f.name for f in new_spec.fields} if new_spec else set())
            return
        index = int(vpath.split("[", 1)[1].split("]", 1)[0])
        old = d.plugin(index).get("type")
        old_spec = specs.spec_for(old) if isinstance(old, str) else None
        new_spec = specs.spec_for(value) if value else None
        if value is None:
            return
        d.set_plugin_type(index, value, {f.name for f in old_spec.fields} if old_spec else set(),
                          {f.name for f in new_spec.fields} if new_spec else set())
        if new_spec is not None:
            plugin = d.plugin(index)
            for k, v in new_spec.defaults().items():
                plugin.setdefault(k, v)

    def _add_chained(self, ptype: str) -> None:
        spec = specs.CHAINED.get(ptype)
        body = {k: v for k, v in (spec.defaults() if spec else {}).items() if k != "type"}
        index = self.draft.add_plugin(ptype, body)
        # the new plugin's first field, else back on the picker: never its ✕ (a second Enter would remove it)
        self.run_worker(self._structural(field_id(f"plugins[{index}].") + "|add-chained",
                                         {"sec-network", "sec-chained"}), group="builder-form", exclusive=True)

    async def _structural(self, focus: str | None = None, only: set[str] | None = None) -> None:
        await self.rebuild(focus=focus, only=only)
        self.post_message(self.Edited(structural=True))

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        if not isinstance(event.button, ActionButton):
            return
        event.stop()
        action = event.button.form_action
        if isinstance(action, AddChained):
            sel = self.query_one("#add-chained", Select)
            if not isinstance(sel.value, str):
                self.app.notify("Pick a chained plugin to add first.", severity="warning")
                return
            self._add_chained(sel.value)
            return
        done = self._apply(action)
        if done is not None:
            focus, only = done
            self.run_worker(self._structural(focus, only), group="builder-form", exclusive=True)

    def _apply(self, action: FormAction) -> tuple[str | None, set[str]] | None:
        """Edit the draft as `action` says: (the widget to focus, the sections to rebuild), None if nothing changed."""
        d = self.draft
        chain = {"sec-network", "sec-chained"}
        match action:
            case MovePlugin(index, step):
                if not d.move_plugin(index, step):
                    return None
                return f"chain-{'up' if step < 0 else 'down'}-{index + step}", chain
            case RemovePlugin(index):
                d.remove_plugin(index)
                return None, chain
            case AddItem(vpath):
                items = d.get(vpath)
                items = list(items) if isinstance(items, list) else []
                d.set(vpath, [*items, {}])
                return field_id(f"{vpath}[{len(items)}]."), self.section_of(vpath)  # the new row's first field
            case AddRangeSet(vpath):
                sets = d.get(vpath)
                sets = list(sets) if isinstance(sets, list) else []
                d.set(vpath, [*sets, [{}]])
                return field_id(f"{vpath}[{len(sets)}][0]."), self.section_of(vpath)
            case RemoveItem(vpath):
                d.delete(vpath)
                parent = vpath.rsplit("[", 1)[0]
                if d.get(parent) == []:
                    d.delete(parent)
                # the list's "+ add": nothing destructive keeps the focus
                return field_id(parent) + "-add", self.section_of(vpath)
            case AddMapEntry(vpath):
                current = d.get(vpath)
                current = dict(current) if isinstance(current, dict) else {}
                n = 1
                while f"key{n}" in current:
                    n += 1
                current[f"key{n}"] = ""
                d.set(vpath, current)
                return f"{field_id(vpath)}-k{len(current) - 1}", self.section_of(vpath)
            case RemoveMapEntry(vpath, index):
                current = d.get(vpath)
                if isinstance(current, dict):
                    keys = list(current)
                    if index < len(keys):
                        del current[keys[index]]
                    if not current:
                        d.delete(vpath)
                return None, self.section_of(vpath)
        return None

    # ------------------------------------------------------------------ findings at the field
    def widget_for_path(self, vpath: str) -> str | None:
        """The id of the field that edits `vpath`, or of its nearest ancestor that has one."""
        path = vpath
        while path:
            fid = field_id(path)
            if fid in self.bindings or self._has(fid + "-msg"):
                return fid
            if path.endswith("]"):
                path = path.rsplit("[", 1)[0]
            elif "." in path:
                path = path.rsplit(".", 1)[0]
            else:
                break
        return None

    def _has(self, wid: str) -> bool:
        try:
            self.query_one(f"#{wid}")
        except (NoMatches, InvalidQueryFormat):  # not built (yet), or an id no selector can name
            return False
        return True

    def show_messages(self, messages: dict[str, tuple[str, str]]) -> None:
        """Put one message (severity, text) under each field id; clear the others."""
        for msg in self.query(".field-msg").results(Static):
            fid = (msg.id or "")[: -len("-msg")]
            got = messages.get(fid)
            if got is None:
                if msg.display:
                    msg.display = False
                    msg.update("")
                self._mark(fid, None)
                continue
            severity, text = got
            msg.update(Text(shown(text), style={"error": "red", "warning": "yellow"}.get(severity, "dim")))
            msg.set_class(severity == "error", "-error")
            msg.set_class(severity == "warning", "-warning")
            msg.display = True
            self._mark(fid, severity)

    def _mark(self, fid: str, severity: str | None) -> None:
        try:
            w = self.query_one(f"#{fid}")
        except (NoMatches, InvalidQueryFormat):  # a message for a field not shown
            return
        w.set_class(severity == "error", "has-error")
        w.set_class(severity == "warning", "has-warning")
        if isinstance(w, Input) and severity == "error":
            w.add_class("-invalid")


def has_control(text: str) -> bool:
    """True when `text` holds a character that is not printable (ESC, BEL, NUL, ...)."""
    return not text.isprintable()


def shown(text: str) -> str:
    """Text safe for the terminal: as is when printable, else a JSON string literal (escaped)."""
    return text if text.isprintable() else json.dumps(text)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _dict_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _nested_dict_list(value: Any) -> bool:
    return isinstance(value, list) and all(_dict_list(v) for v in value)
