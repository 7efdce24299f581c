"""The sandbox's simulated scheduler, kubelet and Multus, driven by the object store.

`Simulator(store, settings)` subscribes to the store; the subscriber only enqueues (it runs in the
writer's thread and must never block) and one worker thread does the rest:

* scheduling (scheduler.py): `spec.nodeName` is honoured, `nodeSelector` filters, otherwise
  round-robin; a pod that fits nowhere stays Pending with a FailedScheduling event;
* kubelet: after `pod_start_delay_s` the pod shows ContainerCreating (conditions, waiting
  container statuses, hostIP, startTime), then the sandbox's CNI ADD goes through Multus
  (multus_sim.py). Success: Multus writes `network-status` through the status subresource and
  emits AddedInterface; kubelet reports Pulled/Created/Started and the pod Running with a podIP
  from the node's podCIDR. Failure: NoNetworkFound (when a NAD is missing) and kubelet's
  FailedCreatePodSandBox with the full thick-Multus anatomy (5.2); the sandbox is retried every
  `retry_interval_s`, and at once when a NAD is created or changed (so a pod attaches as soon as
  its missing NAD appears);
* pod deletion frees addresses (CNI DEL); hostNetwork pods get the node's IP and no attachments;
  without the NAD CRD (scenario `no-multus`) pods run with eth0 only and no network-status.

Events are recorded the way client-go's EventCorrelator does: an identical event bumps `count`
and `lastTimestamp` of the existing object; from the 10th distinct message with the same
source/object/type/reason within 10 minutes, one "(combined from similar events): ..." event is
created and counted instead.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.failures import sandbox_failure_message
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION, parse_network_status

from .discovery import NAD_CRD_NAME
from .errors import ApiError
from .hosts import Hosts
from .ipam_sim import CniError, IpamState
from .multus_sim import CLUSTER_NETWORK, MultusSim, NodeView
from .scheduler import extended_requests, pick_node
from .store import ObjectStore
from .whereabouts_sim import DEFAULT_NAMESPACE, WhereaboutsBackend
from .worker import StoreWorker

log = logging.getLogger(__name__)

NAD_RESOURCE = "network-attachment-definitions"
AGGREGATE_MAX = 10  # client-go EventAggregator maxEvents
AGGREGATE_WINDOW_S = 600.0  # client-go EventAggregator maxIntervalInSeconds


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _PodState:
    namespace: str
    name: str
    state: str  # "unschedulable" | "scheduled" | "creating" | "running"
    node: str | None = None
    gen: int = 0  # bumped to cancel a pending retry timer


class EventRecorder:
    """core/v1 Events as kubelet/Multus/the scheduler write them, with client-go's correlation."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._observed: dict[tuple, tuple[str, str, int, str]] = {}  # key -> (ns, name, count, first)
        self._similar: dict[tuple, tuple[set[str], float]] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count()

    def emit(self, obj: dict[str, Any], etype: str, reason: str, message: str, component: str,
             host: str | None = None, field_path: str | None = None) -> None:
        """Record one occurrence of an event about `obj` (a pod)."""
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace") or "default"
        involved: dict[str, Any] = {
            "kind": obj.get("kind") or "Pod",
            "namespace": ns,
            "name": meta.get("name", ""),
            "uid": meta.get("uid", ""),
            "apiVersion": obj.get("apiVersion") or "v1",
            "resourceVersion": meta.get("resourceVersion", ""),
        }
        if field_path:
            involved["fieldPath"] = field_path
        agg_key = (component, host, involved["kind"], ns, involved["name"], involved["uid"], etype, reason)
        now = time.monotonic()
        with self._lock:
            messages, last = self._similar.get(agg_key, (set(), now))
            if now - last > AGGREGATE_WINDOW_S:
                messages = set()
            messages.add(message)
            self._similar[agg_key] = (messages, now)
            if len(messages) >= AGGREGATE_MAX:
                messages.pop()
                key: tuple = ("aggregate", *agg_key)
                message = f"(combined from similar events): {message}"
            else:
                key = (*agg_key, field_path, message)
            seen = self._observed.get(key)
        stamp = _now()
        if seen is not None:
            ev_ns, ev_name, count, first = seen

            def bump(ev: dict[str, Any]) -> None:
                ev["count"] = int(ev.get("count") or 1) + 1
                ev["lastTimestamp"] = stamp
                ev["message"] = message

            try:
                ev = self.store.mutate("events", ev_ns, ev_name, bump)
                with self._lock:
                    self._observed[key] = (ev_ns, ev_name, int(ev.get("count") or count + 1), first)
                return
            except ApiError:
                pass  # deleted meanwhile: record it anew
        name = f"{involved['name']}.{time.time_ns() + next(self._seq):x}"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": {"component": component, **({"host": host} if host else {})},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": etype,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host or "",
        }
        try:
            self.store.create("events", event)
        except ApiError as exc:  # namespace gone: nothing to record against
            log.debug("event not recorded: %s", exc)
            return
        with self._lock:
            self._observed[key] = (ns, name, 1, stamp)

    def forget(self, uid: str) -> None:
        """Drop correlation state of a deleted object."""
        with self._lock:
            for key in [k for k in self._observed if uid in k]:
                del self._observed[key]
            for key in [k for k in self._similar if uid in k]:
                del self._similar[key]


class Simulator(StoreWorker):
    """Scheduler + kubelet + Multus for the sandbox (see the module docstring)."""

    thread_name = "sandbox-simulator"

    def __init__(self, store: ObjectStore, settings: Any = None) -> None:
        super().__init__(store)
        self.settings = settings
        self.ipam = IpamState(whereabouts=WhereaboutsBackend(
            store, str(self._setting("whereabouts_namespace", DEFAULT_NAMESPACE))))
        self.multus = MultusSim(self.ipam)
        # Nodes whose kubelet is gone (crash_node): their pods' sandboxes are never torn down.
        self.crashed_nodes: set[str] = set()
        self.events = EventRecorder(store)
        self._timers: list[tuple[float, int, tuple]] = []
        self._seq = itertools.count()
        self._pods: dict[str, _PodState] = {}
        self._turn = 0

    # ------------------------------------------------------------------ settings
    def _setting(self, name: str, default: Any) -> Any:
        value = getattr(self.settings, name, None)
        return default if value is None else value

    @property
    def hosts(self) -> Hosts:
        """The machines behind the nodes (their interfaces), as the scenario described them."""
        return self.store.hosts

    @property
    def retry_interval_s(self) -> float:
        return float(self._setting("retry_interval_s", 2.0))

    @property
    def pod_start_delay_s(self) -> float:
        return float(self._setting("pod_start_delay_s", 0.1))

    # ------------------------------------------------------------------ lifecycle
    def wait_idle(self, timeout: float = 5.0) -> bool:
        """True once no work is queued or running and no timer is due before the next retry
        (pending retries of failed pods do not count); for tests and benchmarks."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.empty() and not self._busy.is_set() and not any(
                t[2][0] in ("start",) for t in self._timers
            ):
                return True
            time.sleep(0.01)
        return False

    # ------------------------------------------------------------------ failures
    def crash_node(self, name: str) -> list[str]:
        """A node dies: its kubelet stops (node Ready=Unknown, tainted unreachable by the node lifecycle
        controller) and its pods are force-deleted (what an operator or the pod GC does for pods of a
        lost node). No CNI DEL ever runs for them, so what their plugins recorded stays: whereabouts'
        IPPool allocations and overlapping-range reservations outlive the pods. Returns the pods
        deleted, as "namespace/name"."""
        self.crashed_nodes.add(name)
        stamp = _now()

        def unreachable(node: dict[str, Any]) -> None:
            for cond in (node.get("status") or {}).get("conditions") or []:
                if cond.get("type") == "Ready":
                    cond.update(status="Unknown", reason="NodeStatusUnknown",
                                message="Kubelet stopped posting node status.", lastTransitionTime=stamp)

        def tainted(node: dict[str, Any]) -> None:
            taints = [t for t in node.setdefault("spec", {}).get("taints") or []
                      if t.get("key") != "node.kubernetes.io/unreachable"]
            taints += [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": stamp},
                       {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": stamp}]
            node["spec"]["taints"] = taints

        self.store.mutate("nodes", None, name, unreachable, subresource="status", field_manager="kube-controller-manager")
        self.store.mutate("nodes", None, name, tainted, field_manager="kube-controller-manager")
        gone = []
        for entry in self.store.snapshot("pods")[0]:
            pod = entry.obj
            if (pod.get("spec") or {}).get("nodeName") != name:
                continue
            meta = pod["metadata"]
            try:
                self.store.delete("pods", meta["namespace"], meta["name"])
            except ApiError:
                continue
            gone.append(f"{meta['namespace']}/{meta['name']}")
        return gone

    # ------------------------------------------------------------------ store events
    def _on_change(self, typ: str, resource: str, obj: dict[str, Any]) -> None:
        # Runs in the writer's thread: classify and enqueue, nothing else.
        if resource == "pods":
            meta = obj.get("metadata") or {}
            if typ == "DELETED":
                self._queue.put(("pod-deleted", obj))
            elif typ == "ADDED" or meta.get("uid") not in self._pods:
                self._queue.put(("pod", meta.get("namespace"), meta.get("name")))
        elif resource == NAD_RESOURCE and typ != "DELETED":
            self._queue.put(("retry-failed",))
        elif resource == "nodes" or (resource == "customresourcedefinitions" and typ != "DELETED"):
            self._queue.put(("nodes-changed",))

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                _, _, task = heapq.heappop(self._timers)
                self._handle(task)
                now = time.monotonic()
            timeout = min(0.5, self._timers[0][0] - now) if self._timers else 0.5
            try:
                task = self._queue.get(timeout=max(0.0, timeout))
            except queue.Empty:
                continue
            if task is None:
                break
            self._busy.set()
            try:
                self._handle(task)
            finally:
                self._busy.clear()

    def _later(self, delay: float, task: tuple) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), task))

    def _handle(self, task: tuple) -> None:
        try:
            kind = task[0]
            if kind == "pod":
                self._sync_pod(task[1], task[2])
            elif kind == "pod-deleted":
                self._pod_deleted(task[1])
                # what it held (extended resources) is free again: pods waiting for it are retried
                for st in [s for s in self._pods.values() if s.state == "unschedulable"]:
                    self._sync_pod(st.namespace, st.name)
            elif kind == "start":
                self._start(task[1])
            elif kind == "retry":
                st = self._pods.get(task[1])
                if st is not None and st.state == "creating" and st.gen == task[2]:
                    self._attempt(task[1])
            elif kind == "retry-failed":
                for uid, st in list(self._pods.items()):
                    if st.state == "creating":
                        st.gen += 1
                        self._attempt(uid)
            elif kind == "nodes-changed":
                for uid, st in list(self._pods.items()):
                    if st.state == "unschedulable":
                        self._sync_pod(st.namespace, st.name)
                    elif st.state == "creating":
                        st.gen += 1
                        self._attempt(uid)
            elif kind == "resync":
                self._resync()
        except Exception:  # noqa: BLE001 - one bad pod must not stop the simulated cluster
            log.exception("simulator task %r failed", task[:1])

    # ------------------------------------------------------------------ helpers
    def _get(self, resource: str, ns: str | None, name: str) -> dict[str, Any] | None:
        try:
            return self.store.get(resource, ns, name)
        except ApiError:
            return None

    def _multus_installed(self) -> bool:
        return self._get("customresourcedefinitions", None, NAD_CRD_NAME) is not None

    def _lookup_nad(self, ns: str, name: str) -> dict[str, Any] | None:
        return self._get(NAD_RESOURCE, ns, name)

    def _status_write(self, ns: str, name: str, fn: Any) -> dict[str, Any] | None:
        try:
            return self.store.mutate("pods", ns, name, fn, subresource="status")
        except ApiError:
            return None  # deleted meanwhile

    # ------------------------------------------------------------------ reconcile
    def _resync(self) -> None:
        """Pick up pods that were stored before the simulator started: running ones have their
        addresses recorded (so they are not handed out again), the others go through the
        normal path."""
        entries, _ = self.store.snapshot("pods")  # read-only views: no copies of 10,000 pods
        nads: dict[tuple[str, str], tuple[dict | None, str]] = {}  # (ipam, cni name) per NAD
        nodes: dict[str, dict | None] = {}  # the pod network's IPAM per node
        for entry in entries:
            pod = entry.obj
            meta = pod["metadata"]
            if meta["uid"] in self._pods:
                continue
            phase = (pod.get("status") or {}).get("phase")
            if phase == "Running":
                self._adopt(pod, nads, nodes)
            else:
                self._sync_pod(meta["namespace"], meta["name"])

    def _adopt(self, pod: dict[str, Any], nads: dict, nodes: dict[str, dict | None]) -> None:
        meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
        uid, node = meta["uid"], spec.get("nodeName")
        self._pods[uid] = _PodState(meta["namespace"], meta["name"], "running", node)
        if not node or spec.get("hostNetwork"):
            return
        if node not in nodes:
            obj = self._get("nodes", None, node)
            view = NodeView.from_node(obj, self.hosts.get(node)) if obj else NodeView(name=node)
            cidr = view.pod_cidr
            nodes[node] = {"type": "host-local", "ranges": [[{"subnet": cidr}]]} if cidr else None
        pod_ipam = nodes[node]
        if status.get("podIP") and pod_ipam:
            self.ipam.restore(pod_ipam, node=node, cni_name=CLUSTER_NETWORK, ips=[status["podIP"]],
                              owner=(uid, "eth0"))
        value = (meta.get("annotations") or {}).get(NETWORK_STATUS_ANNOTATION)
        if not value:
            return
        try:
            entries = parse_network_status(value)
        except AnnotationError:
            return
        for entry in entries:
            if entry.default or "/" not in entry.name or not entry.ips:
                continue
            key = (entry.namespace or "", entry.nad_name)
            if key not in nads:
                nads[key] = _nad_ipam(self._lookup_nad(*key), entry.nad_name)
            ipam, cni_name = nads[key]
            if ipam:
                self.ipam.restore(ipam, node=node, cni_name=cni_name, ips=entry.ips,
                                  owner=(uid, entry.interface or ""))

    # ------------------------------------------------------------------ scheduler
    def _sync_pod(self, ns: str | None, name: str | None) -> None:
        if not ns or not name:
            return
        pod = self._get("pods", ns, name)
        if pod is None:
            return
        uid = pod["metadata"]["uid"]
        known = self._pods.get(uid)
        if known is not None and known.state != "unschedulable":
            return
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Running", "Succeeded", "Failed") and known is None:
            self._adopt(pod, {}, {})
            return
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            self._pods[uid] = _PodState(ns, name, "scheduled", node)
            self._later(self.pod_start_delay_s, ("start", uid))
            return
        nodes, _ = self.store.list("nodes")
        bound = (e.obj for e in self.store.snapshot("pods")[0]) if extended_requests(pod) else ()
        chosen, why = pick_node(pod, nodes, self._turn, bound)
        if chosen is None:
            first = known is None
            self._pods[uid] = _PodState(ns, name, "unschedulable")
            if first:
                stamp = _now()

                def unschedulable(p: dict[str, Any]) -> None:
                    st = p.setdefault("status", {})
                    st["phase"] = "Pending"
                    st["conditions"] = [{"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                                         "lastTransitionTime": stamp, "reason": "Unschedulable", "message": why}]

                self._status_write(ns, name, unschedulable)
                self.events.emit(pod, "Warning", "FailedScheduling", why, "default-scheduler")
            return
        self._turn += 1

        def bind(p: dict[str, Any]) -> None:
            p.setdefault("spec", {})["nodeName"] = chosen

        try:
            pod = self.store.mutate("pods", ns, name, bind)
        except ApiError:
            return
        stamp = _now()

        def scheduled(p: dict[str, Any]) -> None:
            st = p.setdefault("status", {})
            st["phase"] = "Pending"
            st["conditions"] = [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                                 "lastTransitionTime": stamp}]

        self._pods[uid] = _PodState(ns, name, "scheduled", chosen)
        self._status_write(ns, name, scheduled)
        self.events.emit(pod, "Normal", "Scheduled", f"Successfully assigned {ns}/{name} to {chosen}",
                         "default-scheduler")
        self._later(self.pod_start_delay_s, ("start", uid))

    # ------------------------------------------------------------------ kubelet
    def _start(self, uid: str) -> None:
        st = self._pods.get(uid)
        if st is None or st.state != "scheduled":
            return
        node = self._get("nodes", None, st.node or "")
        if node is None:
            return  # no kubelet on a node that does not exist: the pod stays Pending
        stamp = _now()
        host_ip = _node_ip(node)

        def creating(p: dict[str, Any]) -> None:
            spec = p.get("spec") or {}
            status = p.setdefault("status", {})
            status["phase"] = "Pending"
            status["hostIP"] = host_ip
            status["hostIPs"] = [{"ip": host_ip}]
            status.setdefault("startTime", stamp)
            names = [c.get("name", "") for c in spec.get("containers") or []]
            status["conditions"] = _conditions(stamp, ready=False, names=names)
            status["containerStatuses"] = [
                {"name": c.get("name", ""), "image": c.get("image", ""), "imageID": "", "ready": False,
                 "started": False, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}},
                 "lastState": {}}
                for c in spec.get("containers") or []
            ]

        st.state = "creating"
        if self._status_write(st.namespace, st.name, creating) is None:
            self._pods.pop(uid, None)
            return
        self._attempt(uid)

    def _attempt(self, uid: str) -> None:
        st = self._pods.get(uid)
        if st is None or st.state != "creating":
            return
        pod = self._get("pods", st.namespace, st.name)
        node_obj = self._get("nodes", None, st.node or "")
        if pod is None or pod["metadata"]["uid"] != uid or node_obj is None:
            return
        node = NodeView.from_node(node_obj, self.hosts.get(st.node or ""))
        spec = pod.get("spec") or {}
        annotations: dict[str, str] | None = None
        if spec.get("hostNetwork"):
            pod_ip = _node_ip(node_obj)  # hostNetwork: no sandbox network, no Multus (2.8)
        elif not self._multus_installed():
            try:
                pod_ip = self.multus.default_network_add(pod, node).ips[0].split("/", 1)[0]
            except CniError as exc:
                self._failed(pod, st, node, str(exc))
                return
        else:
            self.multus.namespace_isolation = bool(self._setting("namespace_isolation", False))
            self.multus.global_namespaces = list(self._setting("global_namespaces", ["default"]))
            sandbox_id = uuid.uuid4().hex + uuid.uuid4().hex
            outcome = self.multus.add(pod, node, self._lookup_nad, container_id=sandbox_id)
            for etype, reason, message in outcome.events:
                self.events.emit(pod, etype, reason, message, "multus")
            if not outcome.ok:
                self._failed(pod, st, node, outcome.error or "", sandbox_id)
                return
            pod_ip = outcome.attachments[0].ips[0].split("/", 1)[0]
            annotations = {NETWORK_STATUS_ANNOTATION: outcome.network_status()}
        if annotations:
            # Multus' UpdateStatus on pods/status at the end of a successful ADD (3.2)
            def write_status(p: dict[str, Any]) -> None:
                p["metadata"].setdefault("annotations", {}).update(annotations)

            if self._status_write(st.namespace, st.name, write_status) is None:
                self.multus.delete(pod)
                return
        self._running(pod, st, node_obj, pod_ip)

    def _failed(self, pod: dict[str, Any], st: _PodState, node: NodeView, error: str, sandbox_id: str = "") -> None:
        sandbox_id = sandbox_id or uuid.uuid4().hex + uuid.uuid4().hex
        netns = f"/var/run/netns/cni-{uuid.uuid4()}"
        meta = pod["metadata"]
        message = sandbox_failure_message(meta["namespace"], meta["name"], error, thick=True,
                                          sandbox_id=sandbox_id, netns=netns, uid=meta["uid"])
        self.events.emit(pod, "Warning", "FailedCreatePodSandBox", message, "kubelet", host=node.name)
        st.gen += 1
        self._later(self.retry_interval_s, ("retry", pod["metadata"]["uid"], st.gen))

    def _running(self, pod: dict[str, Any], st: _PodState, node: dict[str, Any], pod_ip: str) -> None:
        stamp = _now()
        spec = pod.get("spec") or {}
        host = node["metadata"]["name"]
        containers = spec.get("containers") or []
        for c in containers:
            path = f"spec.containers{{{c.get('name', '')}}}"
            self.events.emit(pod, "Normal", "Pulled", f'Container image "{c.get("image", "")}" already present on machine',
                             "kubelet", host=host, field_path=path)
            self.events.emit(pod, "Normal", "Created", f"Created container: {c.get('name', '')}", "kubelet",
                             host=host, field_path=path)
            self.events.emit(pod, "Normal", "Started", f"Started container {c.get('name', '')}", "kubelet",
                             host=host, field_path=path)

        def running(p: dict[str, Any]) -> None:
            status = p.setdefault("status", {})
            status["phase"] = "Running"
            status["podIP"] = pod_ip
            status["podIPs"] = [{"ip": pod_ip}]
            status["conditions"] = _conditions(stamp, ready=True, names=[])
            status["containerStatuses"] = [
                {"name": c.get("name", ""), "image": c.get("image", ""),
                 "imageID": _image_id(c.get("image", "")),
                 "containerID": f"containerd://{uuid.uuid4().hex}{uuid.uuid4().hex}",
                 "ready": True, "started": True, "restartCount": 0,
                 "state": {"running": {"startedAt": stamp}}, "lastState": {}}
                for c in (p.get("spec") or {}).get("containers") or []
            ]

        st.state = "running"
        self._status_write(st.namespace, st.name, running)

    def _pod_deleted(self, pod: dict[str, Any]) -> None:
        uid = (pod.get("metadata") or {}).get("uid", "")
        self._pods.pop(uid, None)
        node = (pod.get("spec") or {}).get("nodeName")
        # CNI DEL: addresses back to their pools; on a crashed node nobody runs it.
        self.multus.delete(pod, cni_del=node not in self.crashed_nodes)
        self.events.forget(uid)


# ---------------------------------------------------------------------------- helpers


def _nad_ipam(nad: dict[str, Any] | None, nad_name: str) -> tuple[dict[str, Any] | None, str]:
    import json

    if not nad:
        return None, nad_name
    try:
        config = json.loads((nad.get("spec") or {}).get("config") or "")
    except (ValueError, RecursionError):
        return None, nad_name
    if not isinstance(config, dict):
        return None, nad_name
    main = config if config.get("type") else ((config.get("plugins") or [{}])[0])
    ipam = main.get("ipam") if isinstance(main, dict) else None
    return (ipam if isinstance(ipam, dict) else None), str(config.get("name") or nad_name)


def _node_ip(node: dict[str, Any]) -> str:
    for addr in (node.get("status") or {}).get("addresses") or []:
        if addr.get("type") == "InternalIP":
            return str(addr.get("address"))
    return "192.168.122.10"


def _image_id(image: str) -> str:
    import hashlib

    ref = image if "/" in image.split(":")[0] or "." in image.split("/")[0] else f"docker.io/library/{image}"
    if image.count("/") == 1 and "." not in image.split("/")[0]:
        ref = f"docker.io/{image}"
    return f"{ref.split(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def _conditions(stamp: str, *, ready: bool, names: list[str]) -> list[dict[str, Any]]:
    value = "True" if ready else "False"
    cond = [
        {"type": "PodReadyToStartContainers", "status": value, "lastProbeTime": None, "lastTransitionTime": stamp},
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp},
        {"type": "Ready", "status": value, "lastProbeTime": None, "lastTransitionTime": stamp},
        {"type": "ContainersReady", "status": value, "lastProbeTime": None, "lastTransitionTime": stamp},
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp},
    ]
    if not ready:
        why = f"containers with unready status: [{' '.join(names)}]"
        for c in cond[2:4]:
            c["reason"] = "ContainersNotReady"
            c["message"] = why
    return cond
