"""Reading multi-document Kubernetes YAML: documents with their numbers, NADs, and pod templates.

Documents are split on `---` lines and parsed one by one, so one broken document (the corpus
keeps an upstream one on purpose) does not hide the others; each gets its 1-based number
(counting only documents with content, as kubectl does) and first line.

`pod_templates(obj)` finds where pods get their annotations: a Pod itself, or the pod template
of a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job (spec.template) or CronJob
(spec.jobTemplate.spec.template); a `kind: List` is searched item by item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$")
_END = re.compile(r"^\.\.\.\s*$")

TEMPLATE_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController")


@dataclass
class Document:
    """One YAML document of a stream: `obj` is the parsed value, `error` a one-line parse error."""

    number: int
    line: int
    text: str
    obj: Any = None
    error: str | None = None


def _yaml_error(exc: yaml.YAMLError, line_offset: int) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1 + line_offset}, column {mark.column + 1}: {problem}"
    return f"invalid YAML: {problem}"


def _has_content(lines: list[str]) -> bool:
    return any(ln.strip() and not ln.lstrip().startswith("#") and not ln.startswith("%") for ln in lines)


# Guards against hostile files (issue 10). The API server takes at most 3 MB per request, so a file
# far larger cannot be a manifest anyone applies; PyYAML's pure-Python scanner would spend minutes on it.
MAX_TEXT = 10 * 1024 * 1024
# Nesting deeper than this is refused before anything recurses into it: the composer, json.dumps and
# our own walkers all recurse per level and Python stops at ~1000 frames. go-yaml refuses 10000
# ("exceeded max depth"); no Kubernetes object comes near 256.
MAX_DEPTH = 256
# Recorded for messages: the absolute bound on an expanded document that the alias rule below allows.
MAX_EXPANDED_NODES = 400_000

try:  # libyaml scans ~10x faster than the pure-Python scanner; same YAML 1.1 rules
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class YAMLLimitError(yaml.YAMLError):
    """A document refused by a guard (aliasing, depth, size), not for its syntax. `problem` is go-yaml's
    wording (what kube-apiserver answers); str() adds a hint for people."""

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem + hint)
        self.problem = problem


def _allowed_alias_ratio(decodes: int) -> float:
    # go-yaml's allowedAliasRatio (the fix for CVE-2019-11253, which kube-apiserver relies on): 99% of
    # the decoded nodes may come from aliases up to 400,000 decodes, scaling down to 10% at 4,000,000.
    low, high = 400_000, 4_000_000
    if decodes <= low:
        return 0.99
    if decodes >= high:
        return 0.10
    return 0.99 - 0.89 * (decodes - low) / (high - low)


def _compose(loader: Any) -> yaml.Node | None:
    """The next document's node tree, composed from the event stream without recursion.

    Refuses, as go-yaml does: aliases that make up most of the decoded document ("document contains
    excessive aliasing": every alias is counted as the size of the tree it stands for, so a 'billion
    laughs' is refused before anything is expanded), an anchor whose value contains itself, and nesting
    past MAX_DEPTH. Returns None at the end of the stream.
    """
    if loader.check_event(yaml.StreamStartEvent):
        loader.get_event()
    if loader.check_event(yaml.StreamEndEvent):
        loader.get_event()
        return None
    loader.get_event()  # DocumentStartEvent
    anchors: dict[str, yaml.Node] = {}
    sizes: dict[int, int] = {}  # id(node) -> nodes in its expansion, once complete
    decodes = aliased = 0
    # open collections: (node, anchor, decodes when it started)
    stack: list[tuple[yaml.Node, str | None, int]] = []
    root: yaml.Node | None = None

    def attach(node: yaml.Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1][0]
        if isinstance(parent, yaml.MappingNode):
            pairs = parent.value
            if pairs and len(pairs[-1]) == 1:
                pairs[-1].append(node)
            else:
                pairs.append([node])
        else:
            parent.value.append(node)

    while not loader.check_event(yaml.DocumentEndEvent):
        event = loader.get_event()
        if isinstance(event, yaml.AliasEvent):
            target = anchors.get(event.anchor)
            if target is None:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}",
                                                  event.start_mark)
            if id(target) not in sizes:
                raise YAMLLimitError(f"anchor {event.anchor!r} value contains itself")
            decodes += 1 + sizes[id(target)]
            aliased += sizes[id(target)]
            if aliased > 100 and decodes > 1000 and aliased / decodes > _allowed_alias_ratio(decodes):
                raise YAMLLimitError("document contains excessive aliasing", f" (its aliases expand to "
                                     f"{decodes:,}+ nodes, a 'billion laughs' document?); refused")
            attach(target)
            continue
        decodes += 1
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node: yaml.Node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            sizes[id(node)] = 1
            if event.anchor is not None:
                anchors[event.anchor] = node
            attach(node)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise YAMLLimitError(f"exceeded max depth of {MAX_DEPTH}", " (nested collections)")
            seq = isinstance(event, yaml.SequenceStartEvent)
            kind = yaml.SequenceNode if seq else yaml.MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
            if event.anchor is not None:
                anchors[event.anchor] = node
            attach(node)
            stack.append((node, event.anchor, decodes))
        else:  # SequenceEndEvent / MappingEndEvent
            node, _anchor, began = stack.pop()
            node.end_mark = event.end_mark
            sizes[id(node)] = decodes - began + 1
    loader.get_event()  # DocumentEndEvent
    return root


def _check_size(text: str | bytes) -> None:
    if len(text) > MAX_TEXT:
        raise YAMLLimitError(f"too large to be a Kubernetes manifest ({len(text) / 1048576:.1f} MB; "
                             "the API server accepts at most 3 MB per request)")


def load_yaml(text: str | bytes) -> Any:
    """yaml.safe_load with the guards every YAML read in the project goes through: size, nesting
    depth, and go-yaml's aliasing rule (see _compose). Raises yaml.YAMLError (YAMLLimitError for a
    guard) with a one-line reason; a stream of more than one document is an error, as in safe_load."""
    _check_size(text)
    loader = _Loader(text)
    try:
        node = _compose(loader)
        if node is not None and not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError("expected a single document in the stream", None,
                                              "but found another document", event.start_mark)
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml_all(text: str | bytes) -> list[Any]:
    """Every document of a stream (yaml.safe_load_all), with the guards of load_yaml."""
    _check_size(text)
    loader = _Loader(text)
    out: list[Any] = []
    try:
        while (node := _compose(loader)) is not None:
            out.append(loader.construct_document(node))
        return out
    finally:
        loader.dispose()


def read_documents(text: str) -> list[Document]:
    """Split a YAML stream into documents and parse each (never raises on bad YAML)."""
    docs: list[Document] = []
    try:
        _check_size(text)
    except YAMLLimitError as exc:
        return [Document(number=1, line=1, text="", error=str(exc))]
    chunk: list[str] = []
    start = 1

    def flush() -> None:
        if not _has_content(chunk):
            return
        body = "\n".join(chunk) + "\n"
        doc = Document(number=len(docs) + 1, line=start, text=body)
        try:
            doc.obj = load_yaml(body)
        except YAMLLimitError as exc:
            doc.error = f"invalid YAML: {exc}"
        except yaml.YAMLError as exc:
            doc.error = _yaml_error(exc, start - 1)
        except (ValueError, TypeError) as exc:  # a constructor's complaint (e.g. a bad !!timestamp)
            doc.error = f"invalid YAML: {exc}"
        docs.append(doc)

    for n, line in enumerate(text.splitlines(), start=1):
        if _SEPARATOR.match(line) or _END.match(line):
            flush()
            chunk = []
            start = n + 1
            rest = line[3:].strip() if line.startswith("---") else ""
            if rest and not rest.startswith("#"):  # `--- {inline doc}`
                chunk.append(rest)
            continue
        chunk.append(line)
    flush()
    return docs


@dataclass
class PodTemplate:
    """Where a pod's annotations live inside a manifest.

    `path` is the manifest path of the annotations map (e.g. `spec.template.metadata.annotations`);
    `spec` is the pod spec (may be empty).
    """

    kind: str
    name: str
    namespace: str | None
    annotations: dict[str, Any]
    spec: dict[str, Any]
    path: str
    owner_annotations: dict[str, Any] = field(default_factory=dict)


def object_name(obj: Any) -> str:
    """metadata.name, else generateName + '*', else '-'."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if isinstance(meta, dict):
        if meta.get("name"):
            return str(meta["name"])
        if meta.get("generateName"):
            return f"{meta['generateName']}*"
    return "-"


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def pod_templates(obj: Any) -> Iterator[PodTemplate]:
    """Every pod (template) in a manifest, with the path of its annotations."""
    if not isinstance(obj, dict):
        return
    kind = obj.get("kind")
    meta = _dict(obj.get("metadata"))
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else None
    name = object_name(obj)
    if kind == "List":
        for item in obj.get("items") or []:
            yield from pod_templates(item)
        return
    spec = _dict(obj.get("spec"))
    if kind == "Pod":
        yield PodTemplate("Pod", name, ns, _dict(meta.get("annotations")), spec, "metadata.annotations")
        return
    if kind in TEMPLATE_KINDS:
        tpl, base = _dict(spec.get("template")), "spec.template"
    elif kind == "CronJob":
        tpl = _dict(_dict(_dict(spec.get("jobTemplate")).get("spec")).get("template"))
        base = "spec.jobTemplate.spec.template"
    else:
        return
    tmeta = _dict(tpl.get("metadata"))
    yield PodTemplate(str(kind), name, ns, _dict(tmeta.get("annotations")), _dict(tpl.get("spec")),
                      f"{base}.metadata.annotations", owner_annotations=_dict(meta.get("annotations")))


def is_nad(obj: Any) -> bool:
    """True for a NetworkAttachmentDefinition manifest."""
    return isinstance(obj, dict) and obj.get("kind") == "NetworkAttachmentDefinition"


def requested_resources(pod_spec: dict[str, Any]) -> set[str]:
    """Extended resources requested or limited by any container (init containers included)."""
    out: set[str] = set()
    for key in ("containers", "initContainers"):
        for c in pod_spec.get(key) or []:
            res = _dict(_dict(c).get("resources"))
            for part in ("requests", "limits"):
                out.update(str(k) for k in _dict(res.get(part)))
    claims = _dict(pod_spec.get("resources")).get("claims") or pod_spec.get("resourceClaims") or []
    if claims:
        out.add("<resourceClaims>")  # DRA: the device comes from a claim, not a named resource
    return out
