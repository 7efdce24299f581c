"""Convergence checks shared by the reliability tests: the client's view against the sandbox's truth."""

from __future__ import annotations

from typing import Any

from tests.waiting import eventually  # noqa: F401 - shared; imported from here by older tests

RESOURCES = {"namespace": "namespaces", "nad": "network-attachment-definitions", "pod": "pods", "event": "events"}


def server_state(sb: Any, kind: str, namespace: str | None = None) -> dict[tuple[str, str], str]:
    """{(namespace, name): resourceVersion} of a kind, straight from the sandbox's ObjectStore."""
    items, _ = sb.store.list(RESOURCES[kind], namespace)
    return {((o["metadata"].get("namespace") or "") if kind != "namespace" else "", o["metadata"]["name"]):
            o["metadata"]["resourceVersion"] for o in items}


def store_state(store: Any, kind: str) -> dict[tuple[str, str], str]:
    views = {"namespace": store.namespaces, "nad": store.nads, "pod": store.pods, "event": store.events}[kind]()
    return {v.key: v.resource_version for v in views}


def diff(sb: Any, store: Any) -> dict[str, Any]:
    """What differs per kind (empty when converged): missing, extra and stale keys."""
    out = {}
    for kind in RESOURCES:
        want, have = server_state(sb, kind), store_state(store, kind)
        if want != have:
            out[kind] = {"missing": sorted(set(want) - set(have))[:5], "extra": sorted(set(have) - set(want))[:5],
                         "stale": sorted(k for k in want if k in have and want[k] != have[k])[:5]}
    return out


def nad(ns: str, name: str, config: str = '{"cniVersion":"0.3.1","type":"macvlan","master":"eth0"}') -> dict:
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name, "namespace": ns}, "spec": {"config": config}}


def pod(ns: str, name: str, networks: str | None = None) -> dict:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if networks:
        meta["annotations"] = {"k8s.v1.cni.cncf.io/networks": networks}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


class Churn:
    """Changes made on the server (through the sandbox's store) while a fault is active: creates,
    updates and deletes of NADs and pods; each call to `step()` makes a few."""

    def __init__(self, sb: Any, prefix: str) -> None:
        self.sb, self.prefix, self.i = sb, prefix, 0

    def step(self) -> None:
        s, p, i = self.sb.store, self.prefix, self.i
        self.i += 1
        s.create("network-attachment-definitions", nad("default", f"{p}-{i}"))
        s.create("pods", pod("default", f"{p}-pod-{i}"))

        def touch(o: dict) -> None:
            o["metadata"].setdefault("annotations", {})["touched"] = str(i)

        s.mutate("network-attachment-definitions", "default", f"{p}-0", touch)
        if i >= 2:
            s.delete("network-attachment-definitions", "default", f"{p}-{i - 1}")
            s.delete("pods", "default", f"{p}-pod-{i - 2}")
