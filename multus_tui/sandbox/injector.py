"""The network-resources-injector (k8snetworkplumbingwg/network-resources-injector @61d01b9,
pkg/webhook/webhook.go), as a mutating admission hook of the sandbox's store.

On pod CREATE, for each network the pod's `k8s.v1.cni.cncf.io/networks` selects, the NAD's
`k8s.v1.cni.cncf.io/resourceName` annotation counts one of that resource; the counts are added to
the first container's requests and limits (unless a container already asks for the resource), so
the scheduler only places the pod where a node advertises them. A network whose NAD does not exist
denies the pod, as the webhook does. Pods in kube-system are not sent to it (its
namespaceSelector), nor pods without the annotation.
"""

from __future__ import annotations

from typing import Any

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.selection import NETWORKS_ANNOTATION, parse_networks

from . import errors
from .store import ObjectStore

RESOURCE_NAME = "k8s.v1.cni.cncf.io/resourceName"
WEBHOOK = "network-resources-injector-config.k8s.io"
NAD_RESOURCE = "network-attachment-definitions"


def _deny(message: str) -> errors.ApiError:
    # How kube-apiserver reports a webhook's denial (admission/plugin/webhook/errors ToStatusErr): code 400,
    # no reason, "admission webhook %q denied the request: <message>".
    return errors.ApiError(400, "", f'admission webhook "{WEBHOOK}" denied the request: {message}')


def install(store: ObjectStore) -> None:
    """Register the injector on `store` (idempotent)."""
    if any(getattr(h, "__name__", "") == "_inject" for h in store.admission):
        return

    def _inject(resource: str, pod: dict[str, Any]) -> None:
        if resource != "pods":
            return
        meta = pod.get("metadata") or {}
        ns = meta.get("namespace") or "default"
        value = (meta.get("annotations") or {}).get(NETWORKS_ANNOTATION)
        if ns == "kube-system" or not value:
            return
        try:
            selections = parse_networks(value, ns)
        except AnnotationError:
            return  # the injector skips what it cannot parse; Multus reports it later
        wanted: dict[str, int] = {}
        for sel in selections:
            target_ns, name = sel.target(ns)
            try:
                nad = store.get(NAD_RESOURCE, target_ns, name)
            except errors.ApiError as exc:
                raise _deny(f"could not find network attachment definition '{target_ns}/{name}': could not get "
                            f"Network Attachment Definition {target_ns}/{name}: {exc.message}") from None
            resource_name = ((nad.get("metadata") or {}).get("annotations") or {}).get(RESOURCE_NAME)
            if resource_name:
                wanted[resource_name] = wanted.get(resource_name, 0) + 1
        containers = (pod.get("spec") or {}).get("containers") or []
        if not wanted or not containers or not isinstance(containers[0], dict):
            return
        for c in containers:
            res = c.get("resources") if isinstance(c, dict) else None
            for part in ("requests", "limits"):
                for name in list(wanted):
                    if isinstance(res, dict) and name in (res.get(part) or {}):
                        wanted.pop(name, None)
        res = containers[0].setdefault("resources", {})
        for part in ("requests", "limits"):
            bucket = res.setdefault(part, {})
            for name, count in wanted.items():
                bucket[name] = str(count)

    store.admission.append(_inject)
