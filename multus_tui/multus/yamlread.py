"""The one guarded YAML reader of the project (issue 14): every YAML the project reads (manifests
for lint/fmt, the sandbox's YAML request bodies, builder drafts, kubeconfig files) goes through
`load_yaml` / `load_yaml_all`.

What it refuses, each before anything is expanded or recursed into:
* more than `max_bytes` of text (10 MB: the API server takes at most 3 MB per request);
* "document contains excessive aliasing": go-yaml's rule (allowedAliasRatio, the CVE-2019-11253 fix
  that kube-apiserver and kubectl rely on), with every alias counted as the size of the tree it
  stands for, so a 'billion laughs' of a few hundred bytes is refused at once;
* an anchor whose value contains itself (PyYAML would build a recursive list; go-yaml refuses it);
* nesting deeper than MAX_DEPTH (go-yaml stops at 10000; Python's own recursion at ~1000, and every
  consumer of the data recurses per level).

How: libyaml's event parser (C) and a builder that turns events straight into Python objects with an
explicit stack (no recursion, no intermediate node tree for plain strings, lists and maps). Scalars
other than strings, and merge keys, follow PyYAML's SafeLoader exactly (its resolver and
constructors); `!!set` reads as a map of nulls, as go-yaml and kubectl read it. The cyclic garbage
collector is paused while building: nothing built here forms a cycle, and with it running a file of
400,000 short lists took 3-4x longer (measured).

Pure: imports only PyYAML.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError

try:  # libyaml scans ~10x faster than the pure-Python scanner; same YAML 1.1 rules
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_TEXT = 10 * 1024 * 1024
MAX_DEPTH = 256

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_SET = "tag:yaml.org,2002:set"
_MERGE = "tag:yaml.org,2002:merge"


class YAMLLimitError(yaml.YAMLError):
    """A document refused by a guard (aliasing, depth, size), not for its syntax. `problem` is go-yaml's
    wording (what kube-apiserver answers); str() adds a hint for people."""

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem + hint)
        self.problem = problem


def _allowed_alias_ratio(decodes: int) -> float:
    # go-yaml's allowedAliasRatio: 99% of the decoded nodes may come from aliases up to 400,000
    # decodes, scaling down to 10% at 4,000,000.
    low, high = 400_000, 4_000_000
    if decodes <= low:
        return 0.99
    if decodes >= high:
        return 0.10
    return 0.99 - 0.89 * (decodes - low) / (high - low)


class _Frame:
    """A collection being built."""

    __slots__ = ("obj", "is_map", "anchor", "began", "mark", "key", "has_key", "merges", "key_mark")

    def __init__(self, obj: Any, is_map: bool, anchor: str | None, began: int, mark: Any) -> None:
        self.obj = obj
        self.is_map = is_map
        self.anchor = anchor
        self.began = began
        self.mark = mark
        self.key: Any = None
        self.has_key = False
        self.merges: list[tuple[Any, Any]] | None = None  # (value, mark) of each `<<` key
        self.key_mark: Any = None


def _scalar(loader: Any, event: Any) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag == _MERGE:
        return _MergeKey
    # ints, floats, booleans, nulls, timestamps, binary, and the error for an unknown tag: PyYAML's own
    node = yaml.ScalarNode(tag, event.value, event.start_mark, None, style=event.style)
    value = loader.construct_object(node, deep=True)
    loader.constructed_objects.pop(node, None)
    return value


class _MergeKey:
    """The `<<` key of a mapping (a marker, never stored)."""


def _merged(frame: _Frame) -> dict[Any, Any]:
    # PyYAML's flatten_mapping, on built values: merged entries first (of a list of maps, the first
    # listed wins; of several `<<` keys, the last wins), then the mapping's own keys over them.
    items: list[tuple[Any, Any]] = []
    for value, mark in frame.merges or ():
        sources = value if isinstance(value, list) else [value]
        for src in reversed(sources):
            if not isinstance(src, dict):
                what = "expected a mapping or list of mappings for merging" if src is value else \
                    "expected a mapping for merging"
                raise ConstructorError("while constructing a mapping", frame.mark,
                                       f"{what}, but found {type(src).__name__}", mark)
            items.extend(src.items())
    out: dict[Any, Any] = {}
    for k, v in items:
        out[k] = v
    out.update(frame.obj)
    return out


def _build(loader: Any) -> tuple[bool, Any]:
    """The next document of the stream as Python data: (False, None) at the end of the stream."""
    if loader.check_event(yaml.StreamStartEvent):
        loader.get_event()
    if loader.check_event(yaml.StreamEndEvent):
        loader.get_event()
        return False, None
    loader.get_event()  # DocumentStartEvent
    anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, nodes in its expansion); -1 while open
    decodes = aliased = 0
    stack: list[_Frame] = []
    root: Any = None
    scalar_ev, alias_ev, seq_ev = yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent
    map_ev, doc_end = yaml.MappingStartEvent, yaml.DocumentEndEvent

    while True:
        event = loader.get_event()
        cls = type(event)
        mark = event.start_mark
        if cls is doc_end:
            break
        if cls is alias_ev:
            got = anchors.get(event.anchor)
            if got is None:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", mark)
            value, size = got
            if size < 0:
                raise YAMLLimitError(f"anchor {event.anchor!r} value contains itself")
            decodes += 1 + size
            aliased += size
            if aliased > 100 and decodes > 1000 and aliased / decodes > _allowed_alias_ratio(decodes):
                raise YAMLLimitError("document contains excessive aliasing", f" (its aliases expand to "
                                     f"{decodes:,}+ nodes, a 'billion laughs' document?); refused")
        elif cls is scalar_ev:
            decodes += 1
            value = _scalar(loader, event)
            if event.anchor is not None:
                anchors[event.anchor] = (value, 1)
        elif cls is seq_ev or cls is map_ev:
            decodes += 1
            if len(stack) >= MAX_DEPTH:
                raise YAMLLimitError(f"exceeded max depth of {MAX_DEPTH}", " (nested collections)")
            is_map = cls is map_ev
            tag = event.tag
            if tag is not None and tag != "!" and tag not in (_MAP if is_map else _SEQ, _SET if is_map else _SEQ):
                raise ConstructorError(None, None, f"could not determine a constructor for the tag {tag!r}", mark)
            frame = _Frame({} if is_map else [], is_map, event.anchor, decodes, mark)
            if event.anchor is not None:
                anchors[event.anchor] = (frame.obj, -1)
            stack.append(frame)
            continue
        else:  # SequenceEndEvent / MappingEndEvent
            frame = stack.pop()
            value, mark = frame.obj, frame.mark
            if frame.is_map:
                if frame.has_key:  # libyaml always pairs keys; kept for the pure-Python fallback
                    value[frame.key] = None
                if frame.merges:
                    value = _merged(frame)
            if frame.anchor is not None:
                anchors[frame.anchor] = (value, decodes - frame.began + 1)
        # hand the finished value to its parent
        if not stack:
            root = value
            continue
        parent = stack[-1]
        if not parent.is_map:
            parent.obj.append(value)
        elif not parent.has_key:
            if value is not _MergeKey:
                try:
                    hash(value)
                except TypeError:
                    raise ConstructorError("while constructing a mapping", parent.mark, "found unhashable key",
                                           mark) from None
            parent.key, parent.has_key, parent.key_mark = value, True, mark
        else:
            if parent.key is _MergeKey:
                if parent.merges is None:
                    parent.merges = []
                parent.merges.append((value, mark))
            else:
                parent.obj[parent.key] = value
            parent.key, parent.has_key = None, False
    return True, root


def check_size(text: str | bytes, limit: int = MAX_TEXT) -> None:
    if len(text) > limit:
        raise YAMLLimitError(f"too large ({len(text) / 1048576:.1f} MB; a Kubernetes API server accepts at most "
                             "3 MB per request)")


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def _scanner_depth_as_limit() -> Iterator[None]:
    # libyaml 0.2.5 as PyYAML >= 6.0.4 bundles it stops at 1000 levels in its scanner, which can run
    # ahead of the events (a flow "[[[[…" is scanned before its first event): the same refusal as ours
    try:
        yield
    except yaml.scanner.ScannerError as exc:
        if "exceeded maximum nesting depth" not in str(exc.problem):
            raise
        raise YAMLLimitError(f"exceeded max depth of {MAX_DEPTH}", " (nested collections)") from exc


def load_yaml(text: str | bytes, *, max_bytes: int | None = MAX_TEXT) -> Any:
    """yaml.safe_load with the guards (see the module docstring); max_bytes=None for text we produced
    ourselves. Raises yaml.YAMLError (YAMLLimitError for a guard); more than one document is an
    error, as in safe_load."""
    if max_bytes is not None:
        check_size(text, max_bytes)
    loader = _Loader(text)
    try:
        with _no_cyclic_gc(), _scanner_depth_as_limit():
            found, value = _build(loader)
            if found and not loader.check_event(yaml.StreamEndEvent):
                event = loader.get_event()
                raise yaml.composer.ComposerError("expected a single document in the stream", None,
                                                  "but found another document", event.start_mark)
            return value
    finally:
        loader.dispose()


def load_yaml_all(text: str | bytes, *, max_bytes: int | None = MAX_TEXT) -> list[Any]:
    """Every document of a stream (yaml.safe_load_all), with the guards of load_yaml."""
    if max_bytes is not None:
        check_size(text, max_bytes)
    loader = _Loader(text)
    out: list[Any] = []
    try:
        with _no_cyclic_gc(), _scanner_depth_as_limit():
            while True:
                found, value = _build(loader)
                if not found:
                    return out
                out.append(value)
    finally:
        loader.dispose()
