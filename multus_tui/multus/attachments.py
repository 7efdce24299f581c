"""Per-attachment state of a pod: what it asked for (networks) joined with what Multus reported
(network-status) and what went wrong (events).

Rules (multus-reference.md):
* 2.5: delegates are [cluster default, defaultNetworks..., selections...]; an unnamed selection
  gets `net<index>` by its position in that list, explicit names don't renumber the others.
* 3.2: network-status is written once, after every attachment succeeded; no status + a Warning
  event => look at the event (5.1, 5.2); Multus aborts at the first failing attachment.
* 3.3: status entries are matched to selections by (ns/name, interface); several entries can
  share a name (same NAD twice) and old Multus wrote bare NAD names.
* 2.8: the annotation is read only at sandbox creation.

`join_attachments` never raises: a malformed annotation becomes a state with the parse error as
its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.failures import Failure, failures_from_events
from multus_tui.multus.selection import NETWORKS_ANNOTATION, Selection, parse_networks
from multus_tui.multus.status import (
    LEGACY_NETWORKS_STATUS_ANNOTATION,
    NETWORK_STATUS_ANNOTATION,
    NetworkStatus,
    status_from_annotations,
)

ATTACHED = "attached"
PENDING = "pending"
FAILED = "failed"
NOT_REQUESTED = "not-requested"
UNKNOWN = "unknown"  # network-status is malformed: we cannot tell


@dataclass(slots=True)
class AttachmentState:
    """One interface of a pod, requested or reported."""

    network: str  # "ns/name"; for the cluster default the CNI network name (or "" if unknown)
    interface: str | None = None
    ips: list[str] = field(default_factory=list)
    mac: str | None = None
    default: bool = False
    state: str = PENDING  # attached | pending | failed | not-requested | unknown
    reason: str | None = None
    index: int | None = None  # position in the networks annotation
    selection: Selection | None = None
    status: NetworkStatus | None = None
    failure: Failure | None = None  # the classified failure behind state == failed


def _matches(st: NetworkStatus, sel: Selection, ref: str) -> bool:
    # Current Multus writes "ns/name"; the quickstart-era sample shows a bare NAD name.
    return st.name == ref or ("/" not in st.name and st.name == sel.name)


def _failure_targets(failure: Failure, sels: list[Selection], refs: list[str],
                     cni_names: Mapping[str, str]) -> list[int]:
    """Indexes of the selections a failure names (by ns/name, NAD name, CNI name or namespace)."""
    if failure.kind == "namespace-isolation" and failure.namespace:
        return [i for i, r in enumerate(refs) if r.split("/", 1)[0] == failure.namespace]
    if not failure.network:
        return []
    net = failure.network
    hits = [i for i, r in enumerate(refs) if r == net]
    if not hits:
        hits = [i for i, r in enumerate(refs) if cni_names.get(r) == net]
    if not hits and "/" not in net:
        # NAD name and CNI `name` are usually the same (4.17: CNI name defaults to the NAD name).
        hits = [i for i, s in enumerate(sels) if s.name == net]
    return hits


def join_attachments(
    pod_namespace: str,
    annotations: Mapping[str, str] | None,
    phase: str | None,
    events: list[Mapping] | None,
    cni_names: Mapping[str, str] | None = None,
    selections: list[Selection] | None = None,
) -> list[AttachmentState]:
    """Attachment states of one pod: the cluster default first, then each requested selection in
    order, then reported entries nobody requested (e.g. Multus `defaultNetworks`).

    `events` are this pod's events as plain dicts (reason, message, type, lastTimestamp/eventTime);
    `cni_names` optionally maps "ns/nad" to the CNI network name in its config, so plugin errors
    (which name the CNI network) land on the right attachment. `selections`: what
    `parse_networks(networks annotation, pod_namespace)` gave, when the caller parsed it already.
    """
    annotations = annotations or {}
    cni_names = cni_names or {}
    out: list[AttachmentState] = []

    # --- requested
    sels: list[Selection] = []
    annotation_error: AttachmentState | None = None
    raw = annotations.get(NETWORKS_ANNOTATION)
    if selections is not None and raw is not None:
        sels = selections
    elif raw is not None:
        try:
            sels = parse_networks(raw, pod_namespace)
        except AnnotationError as exc:
            annotation_error = AttachmentState(network=NETWORKS_ANNOTATION, state=FAILED,
                                               reason=f"malformed networks annotation: {exc}")
    refs = [s.ref(pod_namespace) for s in sels]

    # --- reported
    try:
        statuses = status_from_annotations(annotations)
        status_error = None
    except AnnotationError as exc:
        statuses = []
        status_error = f"malformed network-status: {exc}"

    defaults = [s for s in statuses if s.default]
    secondaries = [s for s in statuses if not s.default]
    claimed: set[int] = set()
    matched: dict[int, NetworkStatus] = {}
    # Pass 1: explicit interface names match exactly.
    for i, sel in enumerate(sels):
        if not sel.interface:
            continue
        for k, st in enumerate(secondaries):
            if k not in claimed and st.interface == sel.interface and _matches(st, sel, refs[i]):
                claimed.add(k)
                matched[i] = st
                break
    # Pass 2: the rest by name, in order (the same NAD twice: net1 then net2).
    for i, sel in enumerate(sels):
        if i in matched:
            continue
        for k, st in enumerate(secondaries):
            if k not in claimed and _matches(st, sel, refs[i]) and (
                not sel.interface or st.interface in (None, sel.interface)
            ):
                claimed.add(k)
                matched[i] = st
                break
    extras = [st for k, st in enumerate(secondaries) if k not in claimed]
    # Unrequested secondaries reported before ours are defaultNetworks: they shift net<N> (2.5).
    offset = len(extras)

    # --- failures
    failures = failures_from_events(events) if events and not statuses else []
    running = phase in ("Running", "Succeeded")

    # --- cluster default
    if defaults:
        for st in defaults:
            out.append(AttachmentState(st.name, st.interface, list(st.ips), st.mac, True, ATTACHED, status=st))
    else:
        sandbox_failed = bool(failures)
        out.append(AttachmentState(
            network="", interface="eth0", default=True,
            state=ATTACHED if running else (FAILED if sandbox_failed else (UNKNOWN if status_error else PENDING)),
            reason=None if running else (failures[0].cause if sandbox_failed else status_error),
            failure=failures[0] if sandbox_failed and not running else None,
        ))
    if annotation_error is not None:
        out.append(annotation_error)

    # Which selections does the newest failure name?
    failed_idx: dict[int, Failure] = {}
    blocking: Failure | None = None
    for f in failures:
        hits = _failure_targets(f, sels, refs, cni_names)
        for i in hits:
            failed_idx.setdefault(i, f)
        if blocking is None:
            blocking = f
    blocking_mapped = blocking is not None and any(v is blocking for v in failed_idx.values())

    for i, sel in enumerate(sels):
        st = matched.get(i)
        if st is not None:  # (positional: a whole-cluster diagnosis joins 150,000 pods at once)
            out.append(AttachmentState(refs[i], st.interface or sel.interface or f"net{i + 1 + offset}",
                                       list(st.ips), st.mac, False, ATTACHED, None, i, sel, st))
            continue
        expected_if = sel.interface or f"net{i + 1 + offset}"
        # ips/mac stay empty: what the selection requests is not what the pod has.
        state = AttachmentState(network=refs[i], interface=expected_if, index=i, selection=sel)
        if status_error:
            state.state, state.reason = UNKNOWN, status_error
        elif i in failed_idx:
            f = failed_idx[i]
            state.state, state.reason, state.failure = FAILED, f.cause, f
        elif blocking is not None and not blocking_mapped:
            # Multus' message does not say which attachment (e.g. a config parse error): every
            # attachment that is not up shares the cause.
            state.state, state.reason, state.failure = FAILED, blocking.cause, blocking
        elif blocking is not None:
            failed_net = next((refs[j] for j, v in failed_idx.items() if v is blocking), "another attachment")
            state.state = PENDING
            state.reason = f"blocked: Multus aborted the sandbox because {failed_net} failed"
        elif statuses:
            # Status was written (every delegate succeeded) yet this one is absent: requested
            # after the sandbox was created (2.8), or the pod is on the host network.
            state.state = PENDING
            state.reason = ("not in network-status: the annotation is read only at sandbox creation "
                            "(added later?) or the pod uses hostNetwork")
        elif running:
            state.state = PENDING
            state.reason = ("pod is running but Multus wrote no network-status (Multus without "
                            "kubeconfig, not installed, or hostNetwork pod?)")
        else:
            state.state = PENDING
            state.reason = "waiting for Multus"
        out.append(state)

    for st in extras:
        out.append(AttachmentState(network=st.name, interface=st.interface, ips=list(st.ips), mac=st.mac,
                                   state=NOT_REQUESTED, status=st,
                                   reason="reported by Multus but not in the networks annotation "
                                          "(a Multus defaultNetworks entry?)"))
    return out


def is_secondary(att: AttachmentState) -> bool:
    """A Multus secondary network of the pod (a NAD reference, requested: not the cluster default
    by its CNI name, not an unrequested defaultNetworks entry)."""
    return "/" in (att.network or "") and att.state != NOT_REQUESTED


def secondary_summary(pod_namespace: str, annotations: Mapping[str, str] | None, phase: str | None,
                      events: list[Mapping] | None) -> tuple[tuple[str, ...], int]:
    """(the network of each secondary attachment, how many of them failed): what
    `[a for a in join_attachments(...) if is_secondary(a)]` and its failed ones come to, in that
    order, without the join when the pod has no event (the common case: only an event can fail a
    requested attachment, 3.2). The home screen's counts of 150,000 pods are kept up to date with
    it as pods change."""
    if events:
        atts = [a for a in join_attachments(pod_namespace, annotations, phase, events) if is_secondary(a)]
        return tuple(a.network for a in atts), sum(1 for a in atts if a.state == FAILED)
    annotations = annotations or {}
    nets: list[str] = []
    failed = 0
    try:  # a cluster default reported under a NAD's name ("ns/name") counts, as in the join
        nets.extend(st.name for st in status_from_annotations(annotations) if st.default and "/" in st.name)
    except AnnotationError:
        pass  # unknown states, none of them a reported default
    raw = annotations.get(NETWORKS_ANNOTATION)
    if raw is not None:
        try:
            sels = parse_networks(raw, pod_namespace)
        except AnnotationError:
            nets.append(NETWORKS_ANNOTATION)  # the join's malformed-annotation state: failed
            failed = 1
        else:
            nets.extend(s.ref(pod_namespace) for s in sels)
    return tuple(nets), failed


def network_status_error(annotations: Mapping[str, str], states: list[AttachmentState]) -> str | None:
    """Why a pod's network-status cannot be parsed ("malformed network-status: ..."), or None.

    Read off the joined states (an attachment it should describe is UNKNOWN); parsed again only in
    the rare case that no state came from it although the annotation is there (a pod with only the
    cluster default), so a 10,000-pod status pays nothing for it."""
    bad = next((s.reason for s in states if s.state == UNKNOWN and s.reason), None)
    if bad is None and not any(s.status is not None for s in states) and (
            NETWORK_STATUS_ANNOTATION in annotations or LEGACY_NETWORKS_STATUS_ANNOTATION in annotations):
        try:
            status_from_annotations(annotations)
        except AnnotationError as exc:
            bad = f"malformed network-status: {exc}"
    return bad


def overall_state(attachments: Iterable[AttachmentState]) -> tuple[str, str | None]:
    """(state, reason) of a pod's secondary attachments as a whole: "failed" (the first failed one's
    reason), "attached" (every requested one attached), otherwise "pending"."""
    secondaries = [a for a in attachments if is_secondary(a)]
    for a in secondaries:
        if a.state == FAILED:
            return FAILED, a.reason
    if secondaries and all(a.state == ATTACHED for a in secondaries):
        return ATTACHED, None
    return PENDING, None
