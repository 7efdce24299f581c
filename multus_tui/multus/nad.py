"""The NetworkAttachmentDefinition model: parse, inspect, edit and render NADs losslessly.

A NAD is a Kubernetes object whose `spec.config` is a JSON *string* holding a CNI network
configuration (a single plugin, or a conflist with `plugins`). The API server never looks
inside that string, so this model keeps three things apart:

* `config`: the parsed JSON object (dict, key order preserved) or None,
* `config_text`: the string exactly as read (None when the NAD has no `spec.config`),
* `config_error`: why `config_text` could not be parsed (the NAD is still usable as an object).

Lossless round trip (design principle 4): the original manifest is kept; `to_manifest()` writes
back every key it did not model (other metadata, other spec keys, `status`, ...) in its original
place, and `config` keeps unknown plugin keys because it is just the JSON object.

Description: stored in the well-known Kubernetes annotation `kubernetes.io/description`
("used on all objects to describe the object"); `description` and `openshift.io/description`
are also read, because people use them, but new descriptions are written to the first.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from multus_tui.multus.errors import ConfigError, ManifestError

API_VERSION = "k8s.cni.cncf.io/v1"
KIND = "NetworkAttachmentDefinition"
RESOURCE_NAME_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
#: annotations read as a description when DESCRIPTION_ANNOTATION is absent (first wins)
DESCRIPTION_FALLBACKS = ("description", "openshift.io/description")


def _reject_constant(name: str) -> Any:
    # Go's encoding/json (Multus, every plugin) rejects NaN/Infinity; Python would accept them.
    raise ValueError(f"{name} is not valid JSON")


def parse_config_text(text: str) -> dict[str, Any]:
    """Parse a CNI config string the way Multus would accept it.

    Returns the JSON object (key order kept). Raises ConfigError with a one-line reason when
    the text is not JSON or not a JSON object.
    """
    if not isinstance(text, str):
        raise ConfigError(f"spec.config must be a string, not {type(text).__name__}")
    if not text.strip():
        raise ConfigError("spec.config is empty")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"spec.config is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"spec.config must be a JSON object, not {type(value).__name__}")
    return value


def render_config(config: dict[str, Any]) -> str:
    """The canonical text of a CNI config: JSON indented by 2, keys in their original order."""
    text = json.dumps(config, indent=2, ensure_ascii=False)
    # A YAML block scalar can only carry printable characters; JSON escapes control characters
    # itself, but exotic ones (e.g. U+2028, U+FEFF) would force YAML into a quoted string.
    if not all(line.isprintable() for line in text.split("\n")):
        text = json.dumps(config, indent=2, ensure_ascii=True)
    return text


@dataclass
class NAD:
    """One NetworkAttachmentDefinition.

    `config` is the parsed CNI config (None if absent or unparseable), `config_text` the raw
    string as read, `config_error` the reason it could not be parsed. `manifest` is the
    original object (kept so `to_manifest` can write back keys this model does not know).
    """

    name: str
    namespace: str | None = None
    config: dict[str, Any] | None = None
    config_text: str | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    config_error: str | None = None
    manifest: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_manifest(cls, obj: Any, *, owned: bool = False) -> NAD:
        """Build a NAD from a manifest dict (as loaded from YAML or returned by the API).

        Raises ManifestError only when `obj` is not a NAD at all; a broken `spec.config` is kept
        with `config_error` set, a missing spec leaves `config` and `config_text` None.
        `manifest` is a copy of `obj`, unless the caller hands `obj` over (`owned`: an object just
        decoded, that nobody else holds or changes): then it is `obj` itself.
        """
        if not isinstance(obj, dict):
            raise ManifestError(f"expected a mapping, got {type(obj).__name__}")
        kind = obj.get("kind")
        if kind != KIND:
            raise ManifestError(f"not a {KIND} (kind: {kind!r})")
        meta = obj.get("metadata")
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise ManifestError("metadata must be a mapping")
        name = meta.get("name")
        namespace = meta.get("namespace")
        annotations = meta.get("annotations") or {}
        labels = meta.get("labels") or {}
        if not isinstance(annotations, dict):
            raise ManifestError("metadata.annotations must be a mapping")
        if not isinstance(labels, dict):
            raise ManifestError("metadata.labels must be a mapping")
        nad = cls(
            name=name if isinstance(name, str) else ("" if name is None else str(name)),
            namespace=namespace if isinstance(namespace, str) or namespace is None else str(namespace),
            annotations=dict(annotations),
            labels=dict(labels),
            manifest=obj if owned else copy.deepcopy(obj),
        )
        spec = obj.get("spec")
        if spec is None:
            return nad
        if not isinstance(spec, dict):
            nad.config_error = f"spec must be a mapping, not {type(spec).__name__}"
            return nad
        if "config" not in spec or spec["config"] is None:
            return nad
        raw = spec["config"]
        if not isinstance(raw, str):
            # The CRD types spec.config as string; the API server rejects anything else.
            nad.config_text = None
            nad.config_error = f"spec.config must be a string (a JSON document), not a YAML {type(raw).__name__}"
            return nad
        nad.config_text = raw
        try:
            nad.config = parse_config_text(raw)
        except ConfigError as exc:
            nad.config_error = str(exc)
        return nad

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any] | str,
        name: str | None = None,
        namespace: str | None = None,
        description: str | None = None,
        resource_name: str | None = None,
    ) -> NAD:
        """Wrap a raw CNI config (dict or JSON text) into a NAD.

        The NAD name defaults to the config's `name` (Multus' recommendation: keep them equal).
        Raises ConfigError when a text config is not a JSON object.
        """
        if isinstance(config, str):
            text: str | None = config
            parsed = parse_config_text(config)
        elif isinstance(config, dict):
            text = None
            parsed = config
        else:
            raise ConfigError(f"a CNI config must be a JSON object, not {type(config).__name__}")
        cni_name = parsed.get("name")
        nad = cls(
            name=name if name is not None else (cni_name if isinstance(cni_name, str) else ""),
            namespace=namespace,
            config=parsed,
            config_text=text,
        )
        if description:
            nad.description = description
        if resource_name:
            nad.resource_name = resource_name
        return nad

    # ------------------------------------------------------------------ inspection
    @property
    def is_conflist(self) -> bool:
        """True when the config is a plugin list (Multus: top-level `type` empty)."""
        cfg = self.config
        return isinstance(cfg, dict) and not cfg.get("type") and "plugins" in cfg

    @property
    def plugins(self) -> list[dict[str, Any]]:
        """The plugin objects in invocation order, main (interface-creating) plugin first.

        Non-object entries of a malformed `plugins` list are skipped (validate reports them).
        """
        cfg = self.config
        if not isinstance(cfg, dict):
            return []
        if self.is_conflist:
            plugins = cfg.get("plugins")
            if not isinstance(plugins, list):
                return []
            return [p for p in plugins if isinstance(p, dict)]
        return [cfg]

    @property
    def main_type(self) -> str | None:
        """The `type` of the first plugin (the one creating the interface)."""
        plugins = self.plugins
        t = plugins[0].get("type") if plugins else None
        return t if isinstance(t, str) else None

    @property
    def ipam(self) -> dict[str, Any] | None:
        """The main plugin's IPAM block, or None when it has none (or it is not an object)."""
        plugins = self.plugins
        if not plugins:
            return None
        ipam = plugins[0].get("ipam")
        return ipam if isinstance(ipam, dict) else None

    @property
    def ipam_type(self) -> str | None:
        """`ipam.type` of the main plugin, or None."""
        ipam = self.ipam
        t = ipam.get("type") if ipam else None
        return t if isinstance(t, str) else None

    @property
    def chained_types(self) -> list[str]:
        """Types of the plugins after the first (empty for a single-plugin config)."""
        return [str(p.get("type")) for p in self.plugins[1:]]

    @property
    def cni_name(self) -> str | None:
        """The CNI network `name` inside the config (Multus injects the NAD name when absent)."""
        cfg = self.config
        n = cfg.get("name") if isinstance(cfg, dict) else None
        return n if isinstance(n, str) else None

    @property
    def effective_cni_name(self) -> str:
        """The name Multus and host-local really use: config `name`, else the NAD name."""
        return self.cni_name or self.name

    @property
    def cni_version(self) -> str | None:
        """`cniVersion` of the config (list level for a conflist)."""
        cfg = self.config
        v = cfg.get("cniVersion") if isinstance(cfg, dict) else None
        return v if isinstance(v, str) else None

    @property
    def capabilities(self) -> dict[str, bool]:
        """Capabilities declared by any plugin (a key is True if one plugin enables it)."""
        merged: dict[str, bool] = {}
        for p in self.plugins:
            caps = p.get("capabilities")
            if not isinstance(caps, dict):
                continue
            for k, v in caps.items():
                merged[str(k)] = merged.get(str(k), False) or v is True
        return merged

    @property
    def resource_name(self) -> str | None:
        """The `k8s.v1.cni.cncf.io/resourceName` annotation (device-plugin / DRA resource)."""
        v = self.annotations.get(RESOURCE_NAME_ANNOTATION)
        return v if isinstance(v, str) and v else None

    @resource_name.setter
    def resource_name(self, value: str | None) -> None:
        if value:
            self.annotations[RESOURCE_NAME_ANNOTATION] = value
        else:
            self.annotations.pop(RESOURCE_NAME_ANNOTATION, None)

    @property
    def description(self) -> str | None:
        """Free-text description (annotation `kubernetes.io/description`, see module doc)."""
        for key in (DESCRIPTION_ANNOTATION, *DESCRIPTION_FALLBACKS):
            v = self.annotations.get(key)
            if isinstance(v, str) and v:
                return v
        return None

    @description.setter
    def description(self, value: str | None) -> None:
        # Rewrite where it was found so an edit does not leave a stale copy behind.
        for key in (DESCRIPTION_ANNOTATION, *DESCRIPTION_FALLBACKS):
            if key in self.annotations:
                if value:
                    self.annotations[key] = value
                else:
                    del self.annotations[key]
                return
        if value:
            self.annotations[DESCRIPTION_ANNOTATION] = value

    @property
    def key(self) -> str:
        """`namespace/name` (or just `name` when the namespace is unknown)."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    # ------------------------------------------------------------------ rendering
    def render_config(self) -> str | None:
        """The canonical config text; the raw text when it does not parse (nothing is lost)."""
        if self.config is not None:
            return render_config(self.config)
        return self.config_text

    def to_manifest(self) -> dict[str, Any]:
        """The manifest dict: apiVersion, kind, metadata, spec first, then any other keys.

        Keys of the original manifest that the model does not know are kept in place.
        """
        orig = copy.deepcopy(self.manifest) if isinstance(self.manifest, dict) else {}
        orig_meta = orig.get("metadata") if isinstance(orig.get("metadata"), dict) else {}
        meta: dict[str, Any] = {}
        # Keep the original metadata order; name/namespace first when they are new.
        if "name" not in orig_meta:
            meta["name"] = self.name
        if "namespace" not in orig_meta and self.namespace:
            meta["namespace"] = self.namespace
        for k, v in orig_meta.items():
            if k == "name":
                meta["name"] = self.name
            elif k == "namespace":
                if self.namespace:
                    meta["namespace"] = self.namespace
            elif k in ("labels", "annotations"):
                # keep the key as it was (even `{}` or null) so a round trip does not change data
                current = self.labels if k == "labels" else self.annotations
                meta[k] = dict(current) if current or v is not None else v
            else:
                meta[k] = v
        if "labels" not in meta and self.labels:
            meta["labels"] = dict(self.labels)
        if "annotations" not in meta and self.annotations:
            meta["annotations"] = dict(self.annotations)

        out: dict[str, Any] = {
            "apiVersion": orig.get("apiVersion", API_VERSION),
            "kind": KIND,
            "metadata": meta,
        }
        orig_spec = orig.get("spec")
        text = self.render_config()
        if isinstance(orig_spec, dict):
            spec = dict(orig_spec)
            if text is not None:
                spec["config"] = text
            out["spec"] = spec
        elif text is not None:
            out["spec"] = {"config": text}
        elif "spec" in orig:
            out["spec"] = orig_spec
        for k, v in orig.items():
            if k not in out:
                out[k] = v
        return out

    def render_yaml(self) -> str:
        """The manifest as YAML with `spec.config` as indented JSON in a `|-` block scalar."""
        return dump_yaml(self.to_manifest())


# ---------------------------------------------------------------------- YAML output
# libyaml's emitter when PyYAML has it: the pure-Python one looks at every character of a scalar
# about ten times (analyze_scalar), which made `fmt` of a 6.7 MB JSON config take over 30 s.
_BaseDumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Safe dumper that writes multi-line strings as literal block scalars."""


_YAML_BREAKS = ("\x85", "\u2028", "\u2029")


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Unicode line breaks inside plain/single-quoted/block scalars are folded by YAML readers;
    # a double-quoted scalar escapes them, so the data survives.
    if any(b in data for b in _YAML_BREAKS) or not data.replace("\n", "").isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(obj: Any) -> str:
    """Dump one document: key order kept, block style, literal blocks for multi-line strings.

    (PyYAML silently falls back to a quoted string when a multi-line value cannot be a block
    scalar, e.g. trailing spaces on a line; the data stays equal either way.)
    """
    return yaml.dump(
        obj,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,  # never fold long strings: a canonical form must not depend on width
    )
