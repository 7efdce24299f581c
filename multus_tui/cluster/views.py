"""Small immutable views built straight from the raw JSON the API server sends.

No kubernetes model objects: a 10,000-pod list is json.loads'ed once and each item becomes one
slotted dataclass holding only what the UI and `status` need. Annotation parsing (selections,
network-status) is left to the domain layer and done lazily, when a pod's attachments are asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from multus_tui.multus.pod import register_normalised

if TYPE_CHECKING:  # the domain modules are imported lazily so that a view never costs a parse up front
    from multus_tui.multus.attachments import AttachmentState
    from multus_tui.multus.nad import NAD

_EMPTY: dict[str, str] = {}


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or _EMPTY


@dataclass(frozen=True, slots=True)
class NamespaceView:
    name: str
    phase: str = "Active"
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    resource_version: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return ("", self.name)

    @classmethod
    def from_raw(cls, obj: dict) -> NamespaceView:
        m = _meta(obj)
        return cls(m.get("name", ""), (obj.get("status") or _EMPTY).get("phase") or "Active",
                   m.get("labels") or {}, m.get("resourceVersion", ""))


@dataclass(frozen=True, slots=True)
class NADView:
    namespace: str
    name: str
    nad: NAD
    resource_version: str = ""
    # the object as the server sent it (for diff, edit and the builder's lossless round trip)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @classmethod
    def from_raw(cls, obj: dict) -> NADView:
        from multus_tui.multus.nad import NAD

        m = _meta(obj)
        obj.setdefault("apiVersion", "k8s.cni.cncf.io/v1")  # list items carry none
        obj.setdefault("kind", "NetworkAttachmentDefinition")
        # one copy of the object, shared by the view and its NAD (15,000 NADs: ~20 MB less)
        return cls(m.get("namespace", ""), m.get("name", ""), NAD.from_manifest(obj, owned=True),
                   m.get("resourceVersion", ""), obj)


def _ready(status: dict) -> bool:
    for c in status.get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _waiting_reason(status: dict) -> str | None:
    """The reason kubectl shows in its STATUS column for a pod that is not running yet
    (ContainerCreating is where a failed attachment leaves a pod)."""
    for cs in status.get("containerStatuses") or ():
        w = (cs.get("state") or _EMPTY).get("waiting")
        if w and w.get("reason"):
            return w["reason"]
    return status.get("reason")


def kept_annotations(annotations: Mapping[str, str] | None) -> dict[str, str]:
    """The pod annotations multus-tui reads (Multus' own and the look-alikes doctor reports), the
    rest dropped: a real pod's annotations are mostly other tools' (last-applied configurations,
    checksums), and 150,000 pods must fit in the mirror. A pod's detail fetches the
    whole object."""
    if not annotations:
        return _NO_ANNOTATIONS
    keep = _KEEP
    out = None
    for k, v in annotations.items():
        read = keep.get(k)
        if read is None:
            read = _read(k)
        if read:
            if out is None:
                out = {}
            out[k] = v
    return out or _NO_ANNOTATIONS


_NO_ANNOTATIONS: dict[str, str] = {}
_KEEP: dict[str, bool] = {}  # annotation key -> kept (keys repeat across pods)


def _read(key: str) -> bool:
    from multus_tui.multus.diagnose import pod_annotation_read

    if len(_KEEP) > 20_000:  # keys that never repeat (generated ones) must not grow it forever
        _KEEP.clear()
    read = _KEEP[key] = pod_annotation_read(key)
    return read


class PodView(msgspec.Struct, frozen=True, gc=False):
    """A pod as the views need it, and nothing more (~1 KB a pod instead of the ~10 KB of
    the decoded object). `annotations` holds only the annotations multus-tui reads
    (`kept_annotations`); the whole object is a GET away (`LiveStore.pod_object`).

    Not tracked by the garbage collector (it holds only strings, a tuple and a str->str dict, no
    cycle is possible): 150,000 of them add nothing to a collection's walk."""

    namespace: str
    name: str
    uid: str
    node: str | None
    phase: str
    ready: bool
    annotations: dict[str, str]
    host_network: bool
    creation_timestamp: str | None
    resource_version: str
    pod_ips: tuple[str, ...] = ()
    waiting_reason: str | None = None
    deletion_timestamp: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @property
    def display_status(self) -> str:
        """What kubectl prints as STATUS: Terminating, a waiting reason, or the phase."""
        if self.deletion_timestamp:
            return "Terminating"
        return self.waiting_reason or self.phase

    @classmethod
    def from_raw(cls, obj: dict) -> PodView:
        m = obj.get("metadata") or _EMPTY
        spec = obj.get("spec") or _EMPTY
        st = obj.get("status") or _EMPTY
        ips = tuple(p.get("ip") for p in st.get("podIPs") or () if p.get("ip")) or (
            (st["podIP"],) if st.get("podIP") else ())
        return cls(
            _intern(m.get("namespace", "")), m.get("name", ""), m.get("uid", ""), _intern(spec.get("nodeName")),
            _intern(st.get("phase") or "Pending"), _ready(st), kept_annotations(m.get("annotations")),
            bool(spec.get("hostNetwork")), m.get("creationTimestamp"), m.get("resourceVersion", ""),
            ips, _intern(_waiting_reason(st)), m.get("deletionTimestamp"),
        )

    def attachments(self, events: list[EventView] | tuple[EventView, ...] = ()) -> list[AttachmentState]:
        """This pod's attachments (cluster default + each requested network) joined with its events.

        Events of an earlier pod with the same name (other uid) are ignored.
        """
        from multus_tui.multus.attachments import join_attachments

        evs = [e.as_event_dict() for e in events
               if not e.involved_uid or not self.uid or e.involved_uid == self.uid]
        return join_attachments(self.namespace, self.annotations, self.phase, evs)


register_normalised(PodView)  # diagnosis and the whereabouts judge read it as it is


_INTERNED: dict[str, str] = {}


def _intern(value: str | None) -> str | None:
    """One string object for the values 150,000 pods share (namespaces, nodes, phases, reasons)."""
    if value is None:
        return None
    hit = _INTERNED.get(value)
    if hit is None:
        if len(_INTERNED) > 100_000:  # names that never repeat must not grow it forever
            _INTERNED.clear()
        hit = _INTERNED[value] = value
    return hit


@dataclass(frozen=True, slots=True)
class EventView:
    namespace: str
    name: str
    involved_kind: str
    involved_name: str
    involved_namespace: str
    reason: str
    message: str
    type: str
    count: int
    last_timestamp: str | None
    source_component: str
    involved_uid: str = ""
    first_timestamp: str | None = None
    resource_version: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @classmethod
    def from_raw(cls, obj: dict) -> EventView:
        m = obj.get("metadata") or _EMPTY
        io = obj.get("involvedObject") or obj.get("regarding") or _EMPTY
        src = obj.get("source") or _EMPTY
        series = obj.get("series") or _EMPTY
        last = (obj.get("lastTimestamp") or series.get("lastObservedTime") or obj.get("eventTime")
                or m.get("creationTimestamp"))
        count = obj.get("count") or series.get("count") or 1
        return cls(
            m.get("namespace", ""), m.get("name", ""), io.get("kind", ""), io.get("name", ""),
            io.get("namespace", "") or m.get("namespace", ""), obj.get("reason") or "",
            obj.get("message") or obj.get("note") or "", obj.get("type") or "Normal", int(count), last,
            src.get("component") or obj.get("reportingComponent") or obj.get("reportingController") or "",
            io.get("uid", ""), obj.get("firstTimestamp") or obj.get("eventTime"), m.get("resourceVersion", ""),
        )

    def as_event_dict(self) -> dict[str, Any]:
        """The plain-dict shape the domain's join_attachments/failures expect."""
        return {
            "reason": self.reason, "message": self.message, "type": self.type, "count": self.count,
            "lastTimestamp": self.last_timestamp, "firstTimestamp": self.first_timestamp,
            "source": {"component": self.source_component},
            "involvedObject": {"kind": self.involved_kind, "name": self.involved_name,
                               "namespace": self.involved_namespace, "uid": self.involved_uid},
        }


@dataclass(frozen=True, slots=True)
class NodeView:
    """A node as the pre-checks see it: name, labels, schedulable, what it advertises."""

    name: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    unschedulable: bool = False
    ready: bool = True
    allocatable: dict[str, str] = field(default_factory=dict, compare=False)
    resource_version: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return ("", self.name)

    @classmethod
    def from_raw(cls, obj: dict) -> NodeView:
        m = _meta(obj)
        spec = obj.get("spec") or _EMPTY
        status = obj.get("status") or _EMPTY
        return cls(m.get("name", ""), dict(m.get("labels") or {}), bool(spec.get("unschedulable")),
                   _ready(status) if status.get("conditions") else True,
                   {str(k): str(v) for k, v in (status.get("allocatable") or {}).items()},
                   m.get("resourceVersion", ""))


@dataclass(frozen=True, slots=True)
class NodeNetworkStateView:
    """kubernetes-nmstate's report of one node's interfaces (`nodenetworkstates.nmstate.io`)."""

    name: str
    interfaces: frozenset[str] | None = None
    updated: str = ""
    resource_version: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return ("", self.name)

    @classmethod
    def from_raw(cls, obj: dict) -> NodeNetworkStateView:
        from multus_tui.multus.nodes import interfaces_from_state

        m = _meta(obj)
        status = obj.get("status") or _EMPTY
        return cls(m.get("name", ""), interfaces_from_state(status), str(status.get("lastSuccessfulUpdateTime") or ""),
                   m.get("resourceVersion", ""))


@dataclass(frozen=True, slots=True)
class IPPoolView:
    """A whereabouts IPPool (the domain's record, multus.whereabouts.Pool, inside)."""

    namespace: str
    name: str
    pool: Any  # multus.whereabouts.Pool
    resource_version: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @classmethod
    def from_raw(cls, obj: dict) -> IPPoolView:
        from multus_tui.multus.whereabouts import Pool

        m = _meta(obj)
        return cls(m.get("namespace", ""), m.get("name", ""), Pool.from_raw(obj), m.get("resourceVersion", ""))


@dataclass(frozen=True, slots=True)
class IPReservationView:
    """A whereabouts OverlappingRangeIPReservation."""

    namespace: str
    name: str
    reservation: Any  # multus.whereabouts.Reservation
    resource_version: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @classmethod
    def from_raw(cls, obj: dict) -> IPReservationView:
        from multus_tui.multus.whereabouts import Reservation

        m = _meta(obj)
        return cls(m.get("namespace", ""), m.get("name", ""), Reservation.from_raw(obj), m.get("resourceVersion", ""))


VIEW_TYPES = {"namespace": NamespaceView, "nad": NADView, "pod": PodView, "event": EventView, "node": NodeView,
              "nns": NodeNetworkStateView, "ippool": IPPoolView, "ipreservation": IPReservationView}
