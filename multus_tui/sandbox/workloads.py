"""The sandbox's workload controllers: Deployments, StatefulSets and DaemonSets keep their pods.

Without them a `kubectl create deployment` shows `0/2` forever and a pod-template change (the attach
builder's networks annotation) rolls nothing. `WorkloadController(store, settings)` subscribes to the
store; the subscriber only enqueues a deduplicated "sync this workload" key (it runs in the writer's
thread and must never block) and one worker thread reconciles:

* Deployment: `spec.replicas` (default 1) pods from `spec.template`, named
  `<deploy>-<templatehash>-<5 random>` and labelled `pod-template-hash=<templatehash>` as the
  ReplicaSet's pods are (the sandbox serves no ReplicaSets, so pods are owned by the Deployment);
* StatefulSet: pods `<sts>-<ordinal>`, created in order, each once the lower ones are Ready
  (`podManagementPolicy: Parallel` creates them all at once);
* DaemonSet: one pod per node that matches the template's nodeSelector (and whose NoSchedule /
  NoExecute taints the template tolerates), bound with `spec.nodeName`.

A template change (new hash) replaces the old pods all at once: they are deleted and new ones
created. Pods carry `ownerReferences` to their workload (controller: true); deleting a workload
deletes its pods (the garbage collector's job). Status is written through the status subresource
with the fields and condition reasons of kube-controller-manager, so `kubectl get` / `kubectl
rollout status` behave as on a cluster. Ready counts come from the pods' Ready condition, which the
Simulator (kubelet.py) sets.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import queue
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError
from .kubelet import EventRecorder
from .store import ObjectStore
from .worker import StoreWorker

log = logging.getLogger(__name__)

MANAGER = "kube-controller-manager"
KINDS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}
RESOURCES = {v: k for k, v in KINDS.items()}
HASH_LABEL = "pod-template-hash"
REVISION_LABEL = "controller-revision-hash"
# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated names and of SafeEncodeString.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def template_hash(template: dict[str, Any]) -> str:
    """A stable 10-character hash of a pod template (kube's alphabet), for `pod-template-hash`."""
    digest = hashlib.sha256(json.dumps(template or {}, sort_keys=True, separators=(",", ":")).encode()).digest()
    n = int.from_bytes(digest[:16], "big")
    out = []
    for _ in range(10):
        n, r = divmod(n, len(_ALPHABET))
        out.append(_ALPHABET[r])
    return "".join(out)


def _suffix(n: int = 5) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def pod_ready(pod: dict[str, Any]) -> bool:
    """The pod's Ready condition is True (and it is not being deleted)."""
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _replicas(spec: dict[str, Any]) -> int:
    value = spec.get("replicas", 1)
    try:
        return max(0, int(1 if value is None else value))
    except (TypeError, ValueError):
        return 1


def _int_or_percent(value: Any, total: int, default: str) -> int:
    # intstr.GetScaledValueFromIntOrPercent rounding down, as maxUnavailable is.
    value = default if value is None else value
    if isinstance(value, str) and value.endswith("%"):
        try:
            return total * int(value[:-1]) // 100
        except ValueError:
            return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _tolerated(taint: dict[str, Any], tolerations: list[dict[str, Any]]) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t.get("key") == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def node_fits(node: dict[str, Any], pod_spec: dict[str, Any]) -> bool:
    """A DaemonSet pod belongs on `node`: nodeSelector matches and every NoSchedule/NoExecute taint is tolerated."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    tolerations = pod_spec.get("tolerations") or []
    return all(_tolerated(t, tolerations) for t in (node.get("spec") or {}).get("taints") or []
               if t.get("effect") in ("NoSchedule", "NoExecute"))


def _condition(old: list[dict[str, Any]], ctype: str, status: str, reason: str, message: str,
               stamp: str) -> dict[str, Any]:
    # Timestamps move only when something changed, so an unchanged status is a no-op write.
    prev = next((c for c in old if c.get("type") == ctype), None)
    if prev and prev.get("status") == status and prev.get("reason") == reason and prev.get("message") == message:
        return prev
    transition = prev.get("lastTransitionTime", stamp) if prev and prev.get("status") == status else stamp
    return {"type": ctype, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": transition,
            "reason": reason, "message": message}


class WorkloadController(StoreWorker):
    """Deployment, StatefulSet and DaemonSet controllers plus their pods' garbage collection."""

    thread_name = "sandbox-workloads"

    def __init__(self, store: ObjectStore, settings: Any = None) -> None:
        super().__init__(store)
        self.settings = settings
        self.events = EventRecorder(store)
        self._pending: set[tuple] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def wait_idle(self, timeout: float = 5.0) -> bool:
        """True once nothing is queued or running (for tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.empty() and not self._busy.is_set():
                return True
            time.sleep(0.01)
        return False

    # ------------------------------------------------------------------ store events
    def _put(self, task: tuple) -> None:
        with self._lock:
            if task in self._pending:
                return
            self._pending.add(task)
        self._queue.put(task)

    def _on_change(self, typ: str, resource: str, obj: dict[str, Any]) -> None:
        # Runs in the writer's thread: classify and enqueue, nothing else.
        meta = obj.get("metadata") or {}
        if resource in RESOURCES:
            if typ == "DELETED":
                self._put(("gc", meta.get("namespace"), meta.get("uid")))
            else:
                self._put(("sync", resource, meta.get("namespace"), meta.get("name")))
        elif resource == "pods":
            for ref in meta.get("ownerReferences") or ():
                if ref.get("controller") and ref.get("kind") in KINDS and ref.get("apiVersion") == "apps/v1":
                    self._put(("sync", KINDS[ref["kind"]], meta.get("namespace"), ref.get("name")))
        elif resource == "nodes":
            self._put(("daemonsets",))

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                task = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if task is None:
                break
            self._busy.set()
            with self._lock:
                self._pending.discard(task)  # changes from here on queue a new sync
            try:
                self._handle(task)
            except Exception:  # noqa: BLE001 - one bad workload must not stop the others
                log.exception("workload controller task %r failed", task)
            finally:
                self._busy.clear()

    def _handle(self, task: tuple) -> None:
        kind = task[0]
        if kind == "sync":
            self._sync(task[1], task[2], task[3])
        elif kind == "gc":
            self._collect(task[1], {task[2]})
        elif kind == "daemonsets":
            for ds in self.store.list("daemonsets")[0]:
                self._put(("sync", "daemonsets", ds["metadata"].get("namespace"), ds["metadata"]["name"]))
        elif kind == "resync":
            self._resync()

    def _resync(self) -> None:
        """Reconcile every stored workload and collect pods whose owning workload is gone."""
        owners: set[str] = set()
        for resource in RESOURCES:
            for wl in self.store.list(resource)[0]:
                owners.add(wl["metadata"]["uid"])
                self._put(("sync", resource, wl["metadata"].get("namespace"), wl["metadata"]["name"]))
        entries, _ = self.store.snapshot("pods")
        orphans: dict[str, set[str]] = {}
        for e in entries:
            meta = e.obj["metadata"]
            for ref in meta.get("ownerReferences") or ():
                if ref.get("kind") in KINDS and ref.get("uid") not in owners:
                    orphans.setdefault(meta.get("namespace") or "", set()).add(ref.get("uid"))
        for ns, uids in orphans.items():
            self._collect(ns, uids)

    # ------------------------------------------------------------------ store helpers
    def _owned(self, ns: str, uid: str) -> list[dict[str, Any]]:
        entries, _ = self.store.snapshot("pods", ns)
        return [e.obj for e in entries
                if any(r.get("uid") == uid and r.get("controller") for r in e.obj["metadata"].get("ownerReferences") or ())]

    def _collect(self, ns: str | None, uids: set[str]) -> None:
        # The garbage collector: pods owned by a deleted workload go too (background propagation).
        if not ns:
            return
        entries, _ = self.store.snapshot("pods", ns)
        for e in entries:
            if any(r.get("uid") in uids for r in e.obj["metadata"].get("ownerReferences") or ()):
                self._delete_pod(e.obj)

    def _delete_pod(self, pod: dict[str, Any]) -> bool:
        meta = pod["metadata"]
        try:
            self.store.delete("pods", meta.get("namespace"), meta["name"], preconditions={"uid": meta.get("uid")})
        except ApiError:
            return False  # already gone or replaced
        return True

    def _create_pod(self, wl: dict[str, Any], name: str, labels: dict[str, str],
                    spec_extra: dict[str, Any]) -> dict[str, Any] | None:
        meta = wl["metadata"]
        template = (wl.get("spec") or {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        pod_meta: dict[str, Any] = {
            "name": name,
            "namespace": meta.get("namespace"),
            "labels": {**(tmeta.get("labels") or {}), **labels},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": wl.get("kind", ""),
                                 "name": meta["name"], "uid": meta["uid"], "controller": True,
                                 "blockOwnerDeletion": True}],
        }
        if tmeta.get("annotations"):
            pod_meta["annotations"] = dict(tmeta["annotations"])
        spec = copy.deepcopy(template.get("spec") or {})
        spec.update(spec_extra)
        try:
            return self.store.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec},
                                     field_manager=MANAGER)
        except ApiError as exc:
            log.debug("pod %s/%s not created: %s", meta.get("namespace"), name, exc)
            return None

    def _write_status(self, resource: str, wl: dict[str, Any], status: dict[str, Any]) -> None:
        meta = wl["metadata"]
        uid = meta["uid"]

        def put(obj: dict[str, Any]) -> None:
            if obj["metadata"].get("uid") != uid:
                raise ApiError(404, "NotFound", "replaced by a new object of the same name")
            obj["status"] = status

        try:
            self.store.mutate(resource, meta.get("namespace"), meta["name"], put, subresource="status",
                              field_manager=MANAGER, attempts=3)
        except ApiError:
            pass  # deleted or replaced meanwhile; its own event queues the next sync

    # ------------------------------------------------------------------ reconcile
    def _sync(self, resource: str, ns: str | None, name: str | None) -> None:
        if not ns or not name:
            return
        try:
            wl = self.store.get(resource, ns, name)
        except ApiError:
            return
        if wl["metadata"].get("deletionTimestamp"):
            return
        if resource == "deployments":
            self._sync_deployment(wl)
        elif resource == "statefulsets":
            self._sync_statefulset(wl)
        else:
            self._sync_daemonset(wl)

    def _sync_deployment(self, wl: dict[str, Any]) -> None:
        meta, spec = wl["metadata"], wl.get("spec") or {}
        ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
        h = template_hash(spec.get("template") or {})
        rs_name = f"{name}-{h}"
        want = _replicas(spec)
        active = [p for p in self._owned(ns, uid) if not p["metadata"].get("deletionTimestamp")]
        old = [p for p in active if (p["metadata"].get("labels") or {}).get(HASH_LABEL) != h]
        new = [p for p in active if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == h]
        if old:
            # Template changed: the old ReplicaSet is scaled to 0 at once, the new one up to `want`.
            for p in old:
                self._delete_pod(p)
            old_rs = (old[0]["metadata"].get("labels") or {}).get(HASH_LABEL, "")
            self.events.emit(wl, "Normal", "ScalingReplicaSet",
                             f"Scaled down replica set {name}-{old_rs} from {len(old)} to 0", "deployment-controller")
        if len(new) < want:
            made = sum(1 for _ in range(want - len(new))
                       if self._create_pod(wl, f"{rs_name}-{_suffix()}", {HASH_LABEL: h}, {}) is not None)
            if made:
                self.events.emit(wl, "Normal", "ScalingReplicaSet",
                                 f"Scaled up replica set {rs_name} from {len(new)} to {len(new) + made}",
                                 "deployment-controller")
        elif len(new) > want:
            # ReplicaSet's deletion order: not-ready before ready, newer before older.
            doomed = sorted(new, key=lambda p: p["metadata"].get("creationTimestamp", ""), reverse=True)
            doomed.sort(key=pod_ready)
            for p in doomed[: len(new) - want]:
                self._delete_pod(p)
            self.events.emit(wl, "Normal", "ScalingReplicaSet",
                             f"Scaled down replica set {rs_name} from {len(new)} to {want}", "deployment-controller")
        pods = [p for p in self._owned(ns, uid) if not p["metadata"].get("deletionTimestamp")]
        updated = [p for p in pods if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == h]
        ready = sum(1 for p in pods if pod_ready(p))
        status: dict[str, Any] = {"observedGeneration": meta.get("generation", 1)}
        for key, value in (("replicas", len(pods)), ("updatedReplicas", len(updated)), ("readyReplicas", ready),
                           ("availableReplicas", ready), ("unavailableReplicas", max(0, want - ready))):
            if value:
                status[key] = value  # omitempty, as kube serialises it
        strategy = spec.get("strategy") or {}
        max_unavailable = 0 if strategy.get("type") == "Recreate" else _int_or_percent(
            (strategy.get("rollingUpdate") or {}).get("maxUnavailable"), want, "25%")
        old_conditions = (wl.get("status") or {}).get("conditions") or []
        stamp = _now()
        if ready >= want - max_unavailable:
            available = _condition(old_conditions, "Available", "True", "MinimumReplicasAvailable",
                                   "Deployment has minimum availability.", stamp)
        else:
            available = _condition(old_conditions, "Available", "False", "MinimumReplicasUnavailable",
                                   "Deployment does not have minimum availability.", stamp)
        updated_ready = sum(1 for p in updated if pod_ready(p))
        if len(updated) == want == len(pods) and updated_ready >= want:
            progressing = _condition(old_conditions, "Progressing", "True", "NewReplicaSetAvailable",
                                     f'ReplicaSet "{rs_name}" has successfully progressed.', stamp)
        else:
            progressing = _condition(old_conditions, "Progressing", "True", "ReplicaSetUpdated",
                                     f'ReplicaSet "{rs_name}" is progressing.', stamp)
        status["conditions"] = [available, progressing]
        self._write_status("deployments", wl, status)

    def _sync_statefulset(self, wl: dict[str, Any]) -> None:
        meta, spec = wl["metadata"], wl.get("spec") or {}
        ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
        h = template_hash(spec.get("template") or {})
        revision = f"{name}-{h}"
        want = _replicas(spec)
        parallel = spec.get("podManagementPolicy") == "Parallel"
        owned = {p["metadata"]["name"]: p for p in self._owned(ns, uid)}
        # Outdated or surplus pods go; a terminating pod's name stays taken until it is gone.
        for pname, p in list(owned.items()):
            ordinal = pname.rsplit("-", 1)[-1]
            outdated = (p["metadata"].get("labels") or {}).get(HASH_LABEL) != h
            surplus = not ordinal.isdigit() or int(ordinal) >= want
            if (outdated or surplus) and not p["metadata"].get("deletionTimestamp") and self._delete_pod(p):
                del owned[pname]
                self.events.emit(wl, "Normal", "SuccessfulDelete",
                                 f"delete Pod {pname} in StatefulSet {name} successful", "statefulset-controller")
        for i in range(want):
            pname = f"{name}-{i}"
            if pname in owned:
                if not parallel and not pod_ready(owned[pname]):
                    break  # OrderedReady: the next ordinal waits for this one
                continue
            try:
                self.store.get_entry("pods", ns, pname)
                break  # a pod of that name (not ours, or being deleted) is in the way
            except ApiError:
                pass
            labels = {HASH_LABEL: h, REVISION_LABEL: revision, "statefulset.kubernetes.io/pod-name": pname,
                      "apps.kubernetes.io/pod-index": str(i)}
            extra: dict[str, Any] = {"hostname": pname}
            if spec.get("serviceName"):
                extra["subdomain"] = spec["serviceName"]
            pod = self._create_pod(wl, pname, labels, extra)
            if pod is not None:
                owned[pname] = pod
                self.events.emit(wl, "Normal", "SuccessfulCreate",
                                 f"create Pod {pname} in StatefulSet {name} successful", "statefulset-controller")
            if not parallel:
                break
        pods = [p for p in self._owned(ns, uid) if not p["metadata"].get("deletionTimestamp")]
        updated = sum(1 for p in pods if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == h)
        ready = sum(1 for p in pods if pod_ready(p))
        old_status = wl.get("status") or {}
        current_rev = old_status.get("currentRevision") or revision
        if updated == want == len(pods) and ready >= want:
            current_rev = revision  # the rolling update is complete
        current = sum(1 for p in pods if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == current_rev)
        status: dict[str, Any] = {"observedGeneration": meta.get("generation", 1), "replicas": len(pods)}
        for key, value in (("readyReplicas", ready), ("currentReplicas", current), ("updatedReplicas", updated)):
            if value:
                status[key] = value
        status.update({"currentRevision": current_rev, "updateRevision": revision, "collisionCount": 0,
                       "availableReplicas": ready})
        self._write_status("statefulsets", wl, status)

    def _sync_daemonset(self, wl: dict[str, Any]) -> None:
        meta, spec = wl["metadata"], wl.get("spec") or {}
        ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
        template = spec.get("template") or {}
        h = template_hash(template)
        pod_spec = template.get("spec") or {}
        nodes = {n["metadata"]["name"] for n in self.store.list("nodes")[0] if node_fits(n, pod_spec)}
        by_node: dict[str, list[dict[str, Any]]] = {}
        for p in self._owned(ns, uid):
            if p["metadata"].get("deletionTimestamp"):
                continue
            node = (p.get("spec") or {}).get("nodeName") or ""
            outdated = (p["metadata"].get("labels") or {}).get(HASH_LABEL) != h
            if node not in nodes or outdated or by_node.get(node):
                if self._delete_pod(p):
                    self.events.emit(wl, "Normal", "SuccessfulDelete", f"Deleted pod: {p['metadata']['name']}",
                                     "daemonset-controller")
                continue
            by_node.setdefault(node, []).append(p)
        labels = {HASH_LABEL: h, REVISION_LABEL: h, "pod-template-generation": str(meta.get("generation", 1))}
        for node in sorted(nodes - set(by_node)):
            pod = self._create_pod(wl, f"{name}-{_suffix()}", labels, {"nodeName": node})
            if pod is not None:
                self.events.emit(wl, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                                 "daemonset-controller")
        pods = [p for p in self._owned(ns, uid) if not p["metadata"].get("deletionTimestamp")]
        scheduled = [p for p in pods if (p.get("spec") or {}).get("nodeName") in nodes]
        updated = sum(1 for p in scheduled if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == h)
        ready = sum(1 for p in scheduled if pod_ready(p))
        status: dict[str, Any] = {
            "currentNumberScheduled": len(scheduled),
            "desiredNumberScheduled": len(nodes),
            "numberMisscheduled": len(pods) - len(scheduled),
            "numberReady": ready,
            "observedGeneration": meta.get("generation", 1),
        }
        if updated:
            status["updatedNumberScheduled"] = updated
        if ready:
            status["numberAvailable"] = ready
        if len(nodes) - ready > 0:
            status["numberUnavailable"] = len(nodes) - ready
        self._write_status("daemonsets", wl, status)
