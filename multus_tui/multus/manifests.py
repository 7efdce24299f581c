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

from multus_tui.multus.yamlread import YAMLLimitError, check_size, load_yaml

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


def read_documents(text: str) -> list[Document]:
    """Split a YAML stream into documents and parse each (never raises on bad YAML)."""
    docs: list[Document] = []
    try:
        check_size(text)
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
