"""Every write multus-tui makes to a cluster.

NADs go through server-side apply with field manager `multus-tui`: the same call creates or
updates, the server merges field ownership, and a field owned by another manager (kubectl, a
GitOps controller) is a 409 conflict we explain instead of silently overwriting (force=False).
The UI's review step is `review_nad`: a server dry run (dryRun=All, so admission and validation
run but nothing is stored) plus a unified diff of live vs. the dry-run result.

Editing an existing NAD is guarded twice, as `kubectl edit` users expect:
- by the version that was loaded: the apply carries `metadata.resourceVersion`, which kube-apiserver
  treats as a precondition, so someone else's change in between is a conflict (`NADReview.stale`),
  never a silent overwrite;
- by field ownership: fields another manager owns (every NAD made by `kubectl apply`, `kubectl
  create`, a GitOps tool) are named (`NADReview.takeover`) and only taken over (force) when the user
  confirms it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from multus_tui.cluster.client import FIELD_MANAGER, Cluster, kind_of
from multus_tui.cluster.errors import ClusterError
from multus_tui.multus.manifests import without_server_fields
from multus_tui.multus.selection import NETWORKS_ANNOTATION

# annotations a client writes for its own bookkeeping: noise in a diff
NOISE_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
WORKLOAD_KINDS = ("deployment", "statefulset", "daemonset")


def _q(dry_run: bool, **extra: Any) -> dict[str, Any]:
    q: dict[str, Any] = dict(extra)
    if dry_run:
        q["dryRun"] = "All"
    return q


def strip_noise(obj: dict | None, *, keep_status: bool = False) -> dict | None:
    """A copy of `obj` without server-maintained metadata (and status), and without what is noise in
    a diff: kubectl's last-applied annotation and the empty maps left behind."""
    if obj is None:
        return None
    out = without_server_fields(obj, keep_status=keep_status)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        ann = meta.get("annotations")
        if isinstance(ann, dict):
            for k in NOISE_ANNOTATIONS:
                ann.pop(k, None)
            if not ann:
                meta.pop("annotations")
        if isinstance(meta.get("labels"), dict) and not meta["labels"]:
            meta.pop("labels")
    return out


def _nad_target(cluster: Cluster, manifest: dict) -> tuple[str, str]:
    if not isinstance(manifest, dict):
        raise ClusterError("the manifest is not a mapping", reason="Invalid")
    meta = manifest.get("metadata") or {}
    name = meta.get("name")
    if not name:
        raise ClusterError("the NetworkAttachmentDefinition has no metadata.name", reason="Invalid")
    kind = manifest.get("kind")
    if kind and kind != "NetworkAttachmentDefinition":
        raise ClusterError(f"expected a NetworkAttachmentDefinition, got kind {kind}", reason="Invalid")
    return meta.get("namespace") or cluster.info.namespace, name


def apply_nad(cluster: Cluster, manifest: dict, *, dry_run: bool, force: bool = False,
              resource_version: str | None = None) -> dict:
    """Server-side apply of a NAD (creates or updates); returns the object the server answered with.

    `dry_run=True` runs admission and validation without storing. Conflicts with another field
    manager raise ClusterError (code 409) naming the fields and their owners (`owners`), unless
    `force`. With `resource_version` the apply only succeeds on that version of the object (409
    "changed on the server" otherwise).
    """
    ns, name = _nad_target(cluster, manifest)
    body = strip_noise(manifest) or {}
    body["apiVersion"] = body.get("apiVersion") or "k8s.cni.cncf.io/v1"
    body["kind"] = "NetworkAttachmentDefinition"
    body.setdefault("metadata", {})["namespace"] = ns
    if resource_version:
        body["metadata"]["resourceVersion"] = resource_version
    q = _q(dry_run, fieldManager=FIELD_MANAGER)
    if force:
        q["force"] = True
    # sent as JSON (which is YAML): the apply content type accepts it
    return cluster.request("PATCH", kind_of("nad").path(ns, name), query=q,
                           body=body, content_type=APPLY_CONTENT_TYPE)


def delete_nad(cluster: Cluster, namespace: str, name: str, *, dry_run: bool = False) -> dict:
    return cluster.request("DELETE", kind_of("nad").path(namespace, name), query=_q(dry_run))


def _canonical_yaml(obj: dict | None) -> str:
    """The YAML shown in diffs: noise stripped; a NAD's config as indented JSON so a change is one line."""
    if obj is None:
        return ""
    clean = strip_noise(obj) or {}
    if clean.get("kind", "NetworkAttachmentDefinition") == "NetworkAttachmentDefinition":
        try:
            from multus_tui.multus.nad import NAD

            return NAD.from_manifest(clean).render_yaml()
        except Exception:  # noqa: BLE001 - not a NAD the model accepts: still diff it as plain YAML
            pass
    import yaml

    return yaml.safe_dump(clean, sort_keys=False, default_flow_style=False, allow_unicode=True)


def diff_nad(live: dict | None, new: dict) -> str:
    """Unified diff (live → new) of the YAML of two NAD objects, metadata noise stripped.

    Empty string when they mean the same. A `live` of None diffs against nothing (a creation).
    """
    a = _canonical_yaml(live)
    b = _canonical_yaml(new)
    if a == b:
        return ""
    name = ((new.get("metadata") or {}).get("name")) or "nad"
    return "".join(difflib.unified_diff(
        a.splitlines(keepends=True), b.splitlines(keepends=True),
        fromfile=f"live/{name}" if live is not None else "/dev/null", tofile=f"new/{name}"))


@dataclass(frozen=True)
class FieldOwner:
    """A field the apply would take over from another field manager, as managedFields tell it."""

    field: str
    manager: str
    operation: str = ""  # "Apply" (server-side apply) or "Update" (kubectl apply/create/edit, controllers)
    time: str = ""

    def describe(self) -> str:
        how = {"Update": "writes with update/patch", "Apply": "server-side apply"}.get(self.operation, "")
        extra = ", ".join(x for x in (how, f"last at {self.time}" if self.time else "") if x)
        return f"{self.field} is owned by {self.manager}" + (f" ({extra})" if extra else "")


@dataclass
class NADReview:
    """What applying a NAD would do.

    `live` is the object now (None: it would be created), `result` the server's dry-run answer and
    `diff` live → result. `takeover` lists fields other managers own that the apply changes: the
    dry run was accepted only with force, so applying means taking them over. `stale` is set when the
    object changed (or was deleted) since the version the edit started from (`base_rv`): nothing may
    be applied then; `server_diff` shows what changed on the server (loaded → live).
    """

    live: dict | None
    result: dict | None
    diff: str
    takeover: list[FieldOwner] = field(default_factory=list)
    stale: bool = False
    server_diff: str = ""
    base_rv: str | None = None

    @property
    def creates(self) -> bool:
        return self.live is None

    @property
    def changes(self) -> bool:
        return bool(self.diff)

    @property
    def live_rv(self) -> str | None:
        return ((self.live or {}).get("metadata") or {}).get("resourceVersion")


def field_owners(live: dict | None, owners: list[tuple[str, str]]) -> list[FieldOwner]:
    """(field, manager) pairs of a conflict, completed with operation and time from managedFields."""
    entries = ((live or {}).get("metadata") or {}).get("managedFields") or []
    out = []
    for fpath, manager in owners:
        entry = next((e for e in entries if isinstance(e, dict) and e.get("manager") == manager), {})
        out.append(FieldOwner(fpath, manager, str(entry.get("operation") or ""), str(entry.get("time") or "")))
    return out


def last_writer(obj: dict | None) -> str:
    """The field manager of the most recent managedFields entry ("" when none)."""
    entries = [e for e in ((obj or {}).get("metadata") or {}).get("managedFields") or [] if isinstance(e, dict)]
    if not entries:
        return ""
    return str(max(entries, key=lambda e: str(e.get("time") or "")).get("manager") or "")


def review_nad(cluster: Cluster, manifest: dict, *, base: dict | None = None) -> NADReview:
    """Dry-run the apply and diff live vs. what the server would store (defaults included).

    `base` is the object as it was loaded for an edit (None for a new NAD): its resourceVersion
    guards the apply. Another manager's fields are reported in `takeover` (the dry run is then
    repeated with force, so the diff and the server's verdict are what a takeover would do).
    """
    ns, name = _nad_target(cluster, manifest)
    base_rv = ((base or {}).get("metadata") or {}).get("resourceVersion") or None
    live = cluster.get_or_none("nad", ns, name)
    live_rv = ((live or {}).get("metadata") or {}).get("resourceVersion")
    if base_rv and live_rv != base_rv:
        return NADReview(live, None, diff_nad(live, manifest) if live else "", stale=True,
                         server_diff=diff_nad(base, live) if live else "", base_rv=base_rv)
    try:
        result = apply_nad(cluster, manifest, dry_run=True, resource_version=base_rv)
        takeover: list[FieldOwner] = []
    except ClusterError as exc:
        if exc.is_stale:  # changed between our read and the dry run
            live = cluster.get_or_none("nad", ns, name)
            return NADReview(live, None, diff_nad(live, manifest) if live else "", stale=True,
                             server_diff=diff_nad(base, live) if live else "", base_rv=base_rv)
        if not exc.owners:
            raise
        takeover = field_owners(live, exc.owners)
        result = apply_nad(cluster, manifest, dry_run=True, force=True, resource_version=base_rv)
    return NADReview(live, result, diff_nad(live, result), takeover=takeover, base_rv=base_rv)


def create_pod(cluster: Cluster, manifest: dict, dry_run: bool = False) -> dict:
    """Create a pod (the attach builder's test pod)."""
    if not isinstance(manifest, dict) or not (manifest.get("metadata") or {}).get("name") and not (
            manifest.get("metadata") or {}).get("generateName"):
        raise ClusterError("the pod manifest has no metadata.name", reason="Invalid")
    body = strip_noise(manifest) or {}
    body.setdefault("apiVersion", "v1")
    body.setdefault("kind", "Pod")
    ns = body["metadata"].get("namespace") or cluster.info.namespace
    body["metadata"]["namespace"] = ns
    return cluster.request("POST", kind_of("pod").path(ns), query=_q(dry_run, fieldManager=FIELD_MANAGER),
                           body=body)


def delete_pod(cluster: Cluster, namespace: str, name: str, *, dry_run: bool = False,
               grace_period_seconds: int | None = None) -> dict:
    q = _q(dry_run)
    if grace_period_seconds is not None:
        q["gracePeriodSeconds"] = grace_period_seconds
    return cluster.request("DELETE", kind_of("pod").path(namespace, name), query=q)


def patch_workload_networks(cluster: Cluster, kind: str, namespace: str, name: str, value: str | None,
                            dry_run: bool = False) -> dict:
    """Set (or with None remove) the networks annotation on a workload's pod template.

    This rolls the workload's pods (a template change), which is the only way running pods get
    new attachments without the dynamic-networks controller.
    """
    k = kind_of(kind)
    if k.name not in WORKLOAD_KINDS:
        raise ClusterError(f"{kind} is not a Deployment, StatefulSet or DaemonSet", reason="Invalid")
    patch = {"spec": {"template": {"metadata": {"annotations": {NETWORKS_ANNOTATION: value}}}}}
    return cluster.request("PATCH", k.path(namespace, name), query=_q(dry_run, fieldManager=FIELD_MANAGER),
                           body=patch, content_type=MERGE_PATCH)
