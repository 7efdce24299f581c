"""`multus-tui lint FILE... | -`: validate NAD and pod manifests offline.

What is checked, per YAML document:
* NetworkAttachmentDefinitions: every rule of `validate.validate_nad`, plus NADs defined twice.
* Pods and the pod templates of Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and
  CronJobs: the `k8s.v1.cni.cncf.io/networks` annotation (syntax, keys, and references to NADs
  defined anywhere in the same input; a NAD not in the input is a warning, it may exist in the
  cluster), misspelled annotation keys, the annotation put on the workload instead of its
  template, hostNetwork pods, and resources a resourceName NAD needs.
  A pod without a namespace is taken to share the namespace of NADs without one (both land in
  the namespace `kubectl apply` uses).

Output: one line per finding, `FILE:DOC: KIND/NAME: SEVERITY: PATH: MESSAGE` (DOC = 1-based
document number), or `--format json`: a JSON array of objects with file, doc, kind, name,
namespace, severity, path, message, code. Control characters in anything printed are escaped.

Exit status: 0 no errors (warnings/info allowed), 1 at least one error finding, 2 when an input
cannot be read or a document is not valid YAML / not a Kubernetes object (no `kind`), or when
nothing was checked (no NAD, pod or pod template in the whole input: said on stderr). In that case the
unreadable part is reported as `FILE:DOC: -: error: -: <reason>` (code `yaml-invalid`) and the
other documents are still checked; 2 wins over 1.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from dataclasses import dataclass
from typing import Any

from multus_tui.multus.errors import AnnotationError, ManifestError
from multus_tui.multus.manifests import (
    Document,
    PodTemplate,
    is_nad,
    object_name,
    pod_templates,
    read_documents,
    requested_resources,
)
from multus_tui.multus.nad import NAD
from multus_tui.multus.selection import NETWORKS_ANNOTATION, Selection, parse_networks
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION
from multus_tui.multus.validate import Finding, validate_nad, validate_selections
from multus_tui.multus.yamlread import MAX_TEXT
from multus_tui.safetext import escape

#: annotation keys Multus writes or reads that are not typos of the networks key
_MULTUS_KEYS = {
    NETWORKS_ANNOTATION,
    NETWORK_STATUS_ANNOTATION,
    "k8s.v1.cni.cncf.io/networks-status",
    "k8s.v1.cni.cncf.io/resourceName",
    "v1.multus-cni.io/default-network",
}
_DEFAULT_NS = "default"


@dataclass
class Reported:
    """A finding placed in the input."""

    file: str
    doc: int
    kind: str
    name: str
    namespace: str | None
    finding: Finding

    def line(self) -> str:
        f = self.finding
        return (f"{escape(self.file)}:{self.doc}: {escape(self.kind)}/{escape(self.name)}: {f.severity}: "
                f"{escape(f.path or '-')}: {escape(f.message)}")

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "doc": self.doc, "kind": self.kind, "name": self.name,
                "namespace": self.namespace, **self.finding.to_dict()}


class InputTooLarge(OSError):
    """An input past MAX_TEXT (read no further than one byte past it)."""


def read_input(path: str) -> str:
    """The text of a file, or of standard input for '-' (UTF-8, BOM allowed).

    Reads at most MAX_TEXT + 1 bytes, so /dev/zero or an endless pipe is refused after 10 MB
    instead of filling memory; InputTooLarge (an OSError) says so."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_TEXT + 1)
    else:
        with open(path, "rb") as fh:
            data = fh.read(MAX_TEXT + 1)
    if len(data) > MAX_TEXT:
        raise InputTooLarge(0, f"too large to be a Kubernetes manifest (over {MAX_TEXT // 1048576} MB; the API "
                               "server accepts at most 3 MB per request)")
    # YAML is UTF-8 (a BOM is allowed); undecodable bytes are a read error, not a traceback.
    return data.decode("utf-8-sig")


def load_inputs(files: list[str]) -> tuple[list[tuple[str, list[Document]]], list[str]]:
    """Read every file: ([(name, documents)], [one-line read errors])."""
    loaded: list[tuple[str, list[Document]]] = []
    errors: list[str] = []
    for path in files:
        shown = "-" if path == "-" else path
        try:
            text = read_input(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            errors.append(f"{escape(shown)}: cannot read: {escape(reason)}")
            continue
        loaded.append((shown, read_documents(text)))
    return loaded, errors


def _ns(ns: str | None) -> str:
    return ns or _DEFAULT_NS


def lint(files: list[str]) -> tuple[list[Reported], list[str], bool]:
    """Run every check: (findings, read errors, whether some document could not be parsed)."""
    result = lint_run(files)
    return result.reported, result.read_errors, result.unparseable


@dataclass
class LintResult:
    reported: list[Reported]
    read_errors: list[str]
    unparseable: bool
    checked: int  # NADs and pods (or pod templates) checked


def lint_run(files: list[str]) -> LintResult:
    """Run every check (see lint) and count what was checked."""
    loaded, read_errors = load_inputs(files)
    reported: list[Reported] = []
    unparseable = False
    nads: dict[tuple[str, str], NAD] = {}
    seen_at: dict[tuple[str, str], str] = {}
    nad_docs: list[tuple[str, Document, NAD]] = []
    pod_docs: list[tuple[str, Document, Any]] = []

    for fname, docs in loaded:
        for doc in docs:
            if doc.error is not None:
                unparseable = True
                reported.append(Reported(fname, doc.number, "-", "-", None,
                                         Finding("error", "", doc.error, "yaml-invalid")))
                continue
            if doc.obj is None:
                continue
            if not isinstance(doc.obj, dict):
                unparseable = True
                reported.append(Reported(fname, doc.number, "-", "-", None, Finding(
                    "error", "", f"not a Kubernetes object (a YAML {type(doc.obj).__name__})", "not-an-object")))
                continue
            if not doc.obj.get("kind"):  # a mapping, but no object: nothing to check
                unparseable = True
                reported.append(Reported(fname, doc.number, "-", "-", None, Finding(
                    "error", "", "not a Kubernetes object (no kind)", "not-an-object")))
                continue
            if is_nad(doc.obj):
                try:
                    nad = NAD.from_manifest(doc.obj)
                except ManifestError as exc:
                    reported.append(Reported(fname, doc.number, "NetworkAttachmentDefinition", "-", None,
                                             Finding("error", "metadata", str(exc), "manifest-invalid")))
                    continue
                key = (_ns(nad.namespace), nad.name)
                if key in seen_at:
                    reported.append(Reported(fname, doc.number, "NetworkAttachmentDefinition", nad.name,
                                             nad.namespace, Finding("warning", "metadata.name",
                                             f"{key[0]}/{key[1]} is also defined at {seen_at[key]}; the later one "
                                             "replaces it on apply", "nad-duplicate")))
                else:
                    seen_at[key] = f"{fname}:{doc.number}"
                nads[key] = nad
                nad_docs.append((fname, doc, nad))
            else:
                pod_docs.append((fname, doc, doc.obj))
            stray = [k for k in ("name", "namespace", "labels", "annotations") if k in doc.obj]
            if stray and "kind" in doc.obj:
                kind = str(doc.obj.get("kind"))
                reported.append(Reported(fname, doc.number, kind, object_name(doc.obj), None, Finding(
                    "warning", stray[0], f"top-level '{stray[0]}' is ignored; indent it under metadata (a "
                    "broken indentation makes the API server drop it)", "misplaced-metadata")))

    checked = len(nad_docs)
    for fname, doc, nad in nad_docs:
        for f in validate_nad(nad):
            reported.append(Reported(fname, doc.number, "NetworkAttachmentDefinition", nad.name or "-",
                                     nad.namespace, f))
    for fname, doc, obj in pod_docs:
        for tpl in pod_templates(obj):
            checked += 1
            for f in check_pod(tpl, nads):
                reported.append(Reported(fname, doc.number, tpl.kind, tpl.name, tpl.namespace, f))
    return LintResult(reported, read_errors, unparseable, checked)


def check_pod(tpl: PodTemplate, nads: dict[tuple[str, str], NAD]) -> list[Finding]:
    """Findings about one pod (template): its networks annotation and what it refers to."""
    out: list[Finding] = []
    apath = f'{tpl.path}["{NETWORKS_ANNOTATION}"]'
    if tpl.kind != "Pod" and NETWORKS_ANNOTATION in tpl.owner_annotations:
        out.append(Finding("warning", f'metadata.annotations["{NETWORKS_ANNOTATION}"]',
                           f"the annotation on the {tpl.kind} itself does nothing; move it to {tpl.path}",
                           "annotation-on-workload"))
    for key in tpl.annotations:
        if not isinstance(key, str) or key in _MULTUS_KEYS:
            continue
        close = difflib.get_close_matches(key, [NETWORKS_ANNOTATION], n=1, cutoff=0.8)
        if close or (key.endswith("/networks") or key.endswith("/network")) and "cni" in key:
            out.append(Finding("warning", f'{tpl.path}["{key}"]', f"'{key}' is not read by Multus (silently no "
                               f"secondary network); the key is {NETWORKS_ANNOTATION}", "annotation-key-typo"))
    if NETWORKS_ANNOTATION not in tpl.annotations:
        return out
    value = tpl.annotations[NETWORKS_ANNOTATION]
    if not isinstance(value, str):
        out.append(Finding("error", apath, "the annotation value must be a string (quote the JSON)",
                           "annotation-syntax"))
        return out
    pod_ns = _ns(tpl.namespace)
    try:
        selections = parse_networks(value, pod_namespace=pod_ns)
    except AnnotationError as exc:
        out.append(Finding("error", apath, str(exc), "annotation-syntax"))
        return out
    if tpl.spec.get("hostNetwork") is True:
        out.append(Finding("warning", apath, "hostNetwork pods never get secondary networks; drop hostNetwork "
                           "or the annotation", "host-network"))
    out.extend(_retarget(f, apath) for f in _selection_findings(selections, pod_ns, nads))
    resources = requested_resources(tpl.spec)
    for i, sel in enumerate(selections):
        target = sel.target(pod_ns)
        nad = nads.get(target)
        ipath = f"{apath}[{i}]"
        if nad is None:
            out.append(Finding("warning", f"{ipath}.name", f"NetworkAttachmentDefinition {target[0]}/{target[1]} "
                               "is not defined in this input; fine if it exists in the cluster, otherwise the pod "
                               "waits in ContainerCreating (NoNetworkFound)", "nad-not-in-input"))
            continue
        rn = nad.resource_name
        if rn and rn not in resources and "<resourceClaims>" not in resources:
            out.append(Finding("warning", f"{ipath}.name", f"{target[0]}/{target[1]} needs resource {rn}: request "
                               "it in a container's resources (or run the resources injector)",
                               "resource-not-requested"))
    return out


def _selection_findings(selections: list[Selection], pod_ns: str,
                        nads: dict[tuple[str, str], NAD]) -> list[Finding]:
    """Selection rules plus the NAD-dependent ones (ips vs capability/IPAM/range, default-route)."""
    try:
        from multus_tui.multus.podspec import precheck
    except ImportError:  # the attach-side checks are optional; selection rules are not
        return validate_selections(selections, pod_namespace=pod_ns)
    found = precheck(selections, pod_ns, nads, nads_known=True)
    # lint words the missing-NAD case itself (the NAD may exist in the cluster)
    return [f for f in found if f.code != "nad-missing"]


def _retarget(f: Finding, apath: str) -> Finding:
    for prefix in ("networks[", "selections["):
        if f.path.startswith(prefix):
            return Finding(f.severity, apath + f.path[len(prefix) - 1:], f.message, f.code)
    if f.path in ("networks", "selections"):
        return Finding(f.severity, apath, f.message, f.code)
    return f


def run(args: argparse.Namespace) -> int:
    """Entry point of `multus-tui lint`."""
    result = lint_run(list(args.files))
    reported, read_errors, unparseable = result.reported, result.read_errors, result.unparseable
    for msg in read_errors:
        print(f"multus-tui lint: {msg}", file=sys.stderr)
    if not result.checked and not read_errors and not unparseable:
        # a file with no NAD, pod or pod template passing as clean would be a lie
        print("multus-tui lint: nothing checked: the input holds no NetworkAttachmentDefinition, Pod or pod "
              "template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob)", file=sys.stderr)
        return 2
    if getattr(args, "format", "text") == "json":
        print(json.dumps([r.to_dict() for r in reported], indent=2))
    else:
        for r in reported:
            print(r.line())
    if read_errors or unparseable:
        return 2
    return 1 if any(r.finding.severity == "error" for r in reported) else 0
