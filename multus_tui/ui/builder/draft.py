"""The NAD being edited, addressed by the virtual paths the form and the validator share.

The draft *is* a `multus_tui.multus.nad.NAD`: the form edits values inside its `config` dict in
place and never rebuilds it, so every key the form does not know stays where it was (lossless
edit, design principle 4). Virtual paths: ``plugins[i].…`` for plugin i (for a single-plugin
config, plugin 0 is the config itself), ``cniVersion`` / ``name`` at list level, and
``metadata.name|namespace|description|resourceName`` for the object around it.
"""

from __future__ import annotations

import copy
from collections.abc import Set as AbstractSet
from typing import Any

from multus_tui.multus.nad import NAD
from multus_tui.multus.paths import Step, del_in, get_in, join_path, set_in, split_path

#: keys that live at list level in a conflist (everything else belongs to a plugin)
LIST_KEYS = ("cniVersion", "cniVersions", "name", "disableCheck", "disableGC", "loadOnlyInlinedPlugins")
META_KEYS = ("metadata.name", "metadata.namespace", "metadata.description", "metadata.resourceName")


class Draft:
    """A mutable NAD plus the helpers the form needs to edit it structurally."""

    def __init__(self, nad: NAD) -> None:
        self.nad = nad
        if not isinstance(nad.config, dict):
            # A NAD without a (parseable) config opens as an empty config; the screen keeps an
            # absent config absent and a broken one as its original text until it is edited.
            nad.config = {}
        # Where each key stood when the NAD was loaded: a value the user clears and types again (or a
        # key re-added) goes back to its place instead of the end of its object.
        self._order: dict[tuple[Step, ...], list[str]] = {}
        self._remember_order(nad.config, ())

    def _remember_order(self, value: Any, at: tuple[Step, ...]) -> None:
        if isinstance(value, dict):
            self._order[at] = [k for k in value if isinstance(k, str)]
            for k, v in value.items():
                self._remember_order(v, (*at, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self._remember_order(v, (*at, i))

    def _restore_place(self, steps: list[Step]) -> None:
        """Move the key at `steps` (just added) to where it stood in the loaded config, if it was there."""
        key = steps[-1]
        parent = get_in(self.config, steps[:-1])
        original = self._order.get(tuple(steps[:-1]))
        if not isinstance(key, str) or not isinstance(parent, dict) or not original or key not in original:
            return
        idx = original.index(key)
        keys = [k for k in parent if k != key]
        before = [k for k in original[:idx] if k in parent and k != key]
        after = [k for k in original[idx + 1:] if k in parent]
        pos = keys.index(before[-1]) + 1 if before else (keys.index(after[0]) if after else len(keys))
        if pos == len(keys):
            return  # already last, where a new key goes anyway
        items = [(k, parent[k]) for k in keys]
        items.insert(pos, (key, parent[key]))
        parent.clear()
        parent.update(items)

    # ------------------------------------------------------------------ shape
    @property
    def config(self) -> dict[str, Any]:
        assert isinstance(self.nad.config, dict)
        return self.nad.config

    @property
    def is_conflist(self) -> bool:
        cfg = self.config
        return "plugins" in cfg and not cfg.get("type")

    def plugin_count(self) -> int:
        if self.is_conflist:
            plugins = self.config.get("plugins")
            return len(plugins) if isinstance(plugins, list) else 0
        return 1

    def plugin(self, index: int) -> dict[str, Any]:
        if self.is_conflist:
            p = self.config["plugins"][index]
            return p if isinstance(p, dict) else {}
        return self.config

    def real_steps(self, vpath: str) -> list[Step]:
        """Steps inside `config` for a virtual path (metadata paths are not in config)."""
        steps = split_path(vpath)
        if steps and steps[0] == "plugins" and not self.is_conflist:
            return steps[2:]
        return steps

    def normalise(self, path: str) -> str:
        """Map a validator path to the form's virtual path (single configs have no `plugins`)."""
        for prefix in ("spec.config.", "config."):
            if path.startswith(prefix):
                path = path[len(prefix):]
        if path.startswith(("metadata", "plugins")) or not path:
            return path
        head = split_path(path)[0]
        if head in LIST_KEYS:
            return path
        return "plugins[0]." + path if not self.is_conflist else path

    # ------------------------------------------------------------------ values
    def get(self, vpath: str, default: Any = None) -> Any:
        if vpath.startswith("metadata."):
            return {
                "metadata.name": self.nad.name,
                "metadata.namespace": self.nad.namespace,
                "metadata.description": self.nad.description,
                "metadata.resourceName": self.nad.resource_name,
            }.get(vpath, default)
        return get_in(self.config, self.real_steps(vpath), default)

    def set(self, vpath: str, value: Any) -> None:
        if vpath.startswith("metadata."):
            self._set_meta(vpath, value)
            return
        if vpath in LIST_KEYS:
            self._set_top(vpath, value)
            return
        steps = self.real_steps(vpath)
        parent = get_in(self.config, steps[:-1])
        was_there = isinstance(parent, dict) and steps[-1] in parent
        set_in(self.config, steps, value)
        if not was_there and steps:
            self._restore_place(steps)

    def delete(self, vpath: str) -> None:
        if vpath.startswith("metadata."):
            self._set_meta(vpath, None)
            return
        del_in(self.config, self.real_steps(vpath))

    def _set_meta(self, vpath: str, value: Any) -> None:
        if vpath == "metadata.name":
            old = self.nad.name
            self.nad.name = value or ""
            # Multus recommends CNI name == NAD name; follow it while they were equal.
            if self.config.get("name") in (None, "", old):
                if self.nad.name:
                    self._set_top("name", self.nad.name)
                else:
                    self.config.pop("name", None)
        elif vpath == "metadata.namespace":
            self.nad.namespace = value or None
        elif vpath == "metadata.description":
            self.nad.description = value or None
        elif vpath == "metadata.resourceName":
            self.nad.resource_name = value or None

    # ------------------------------------------------------------------ structure
    def to_conflist(self) -> None:
        """Turn a single-plugin config into a one-element plugin list (keys and order kept)."""
        if self.is_conflist:
            return
        cfg = self.config
        top = {k: cfg[k] for k in LIST_KEYS if k in cfg}
        plugin = {k: v for k, v in cfg.items() if k not in top}
        cfg.clear()
        cfg.update(top)
        cfg["plugins"] = [plugin]

    def to_single(self) -> None:
        """Turn a one-plugin conflist back into a single-plugin config (only when lossless)."""
        if not self.is_conflist or self.plugin_count() != 1:
            return
        cfg = self.config
        plugin = cfg["plugins"][0]
        if not isinstance(plugin, dict) or any(k in plugin for k in LIST_KEYS):
            return
        extra = [k for k in cfg if k not in LIST_KEYS and k != "plugins"]
        if extra:  # list-level keys a single config cannot carry: keep the list
            return
        top = {k: cfg[k] for k in LIST_KEYS if k in cfg}
        cfg.clear()
        cfg.update(top)
        cfg.update(plugin)

    def add_plugin(self, ptype: str, body: dict[str, Any] | None = None) -> int:
        self.to_conflist()
        plugin = {"type": ptype, **copy.deepcopy(body or {})}
        self.config["plugins"].append(plugin)
        return self.plugin_count() - 1

    def remove_plugin(self, index: int) -> None:
        if index <= 0 or not self.is_conflist:
            return
        del self.config["plugins"][index]

    def move_plugin(self, index: int, delta: int) -> bool:
        """Move a chained plugin up/down among the chained ones (the main plugin stays first)."""
        target = index + delta
        if not self.is_conflist or index < 1 or target < 1 or target >= self.plugin_count():
            return False
        plugins = self.config["plugins"]
        plugins[index], plugins[target] = plugins[target], plugins[index]
        return True

    def set_plugin_type(self, index: int, ptype: str, known_old: AbstractSet[str], known_new: AbstractSet[str]) -> None:
        """Change a plugin's type: drop the old type's own fields unless the new type has them too.

        Keys neither spec knows are kept (they were the user's, not the form's).
        """
        plugin = self.plugin(index)
        for key in list(plugin):
            if key in ("type", "ipam", "capabilities") or key in LIST_KEYS:
                continue
            if key in known_old and key not in known_new:
                del plugin[key]
        self._replace_value(plugin, "type", ptype)

    def set_ipam_type(self, index: int, itype: str | None, known_old: AbstractSet[str], known_new: AbstractSet[str]) -> None:
        plugin = self.plugin(index)
        if not itype:
            plugin.pop("ipam", None)
            return
        ipam = plugin.get("ipam")
        if not isinstance(ipam, dict):
            plugin["ipam"] = {"type": itype}
            return
        for key in list(ipam):
            if key != "type" and key in known_old and key not in known_new:
                del ipam[key]
        self._replace_value(ipam, "type", itype)

    def _set_top(self, key: str, value: Any) -> None:
        """Set a list-level key; a new one goes in its canonical place (cniVersion, name, ...)."""
        cfg = self.config
        if key in cfg:
            cfg[key] = value
            return
        order = list(LIST_KEYS)
        items = list(cfg.items())
        pos = 0
        for i, (k, _) in enumerate(items):
            if k in order and order.index(k) < order.index(key):
                pos = i + 1
        items.insert(pos, (key, value))
        cfg.clear()
        cfg.update(items)

    @staticmethod
    def _replace_value(d: dict[str, Any], key: str, value: Any) -> None:
        if key in d:
            d[key] = value
        else:  # `type` first reads best
            items = list(d.items())
            d.clear()
            d[key] = value
            d.update(items)

    def vpath(self, steps: list[Step]) -> str:
        return join_path(steps)
