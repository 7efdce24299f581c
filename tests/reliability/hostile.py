"""Hostile and malformed cluster data, loaded into a sandbox through its store (as any client could)."""

from __future__ import annotations

import json
from typing import Any

from tests.waiting import wait_until

NS = "hostile"
MARKUP = "[bold red]x[/]"
LINK = "[link=https://evil.example]click[/link]"
CLEAR = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"
BIDI = "‮evil‬"
REPL = "bad\ufffdbyte"  # lone surrogates cannot cross kube's JSON (Go turns them into U+FFFD)
BIG = "A" * 100_000

# what must appear, escaped, on screen for each hostile input
CLEAR_SHOWN = "\\x1b[2J"
TITLE_SHOWN = "\\x1b]0;pwned\\x07"


def hostile_config() -> str:
    return json.dumps({"cniVersion": "0.3.1", "name": LINK, "type": "macvlan", "master": MARKUP,
                       "mode": CLEAR + TITLE, "ipam": {"type": "static", "routes": [{"dst": BIDI}]},
                       "note": REPL})


def load(sb: Any) -> None:
    s = sb.store
    s.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": NS, "labels": {"team": "x-y_z.1"}, "annotations": {"note": MARKUP + CLEAR}}})
    nad = {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition"}
    s.create("network-attachment-definitions", {**nad, "metadata": {
        "name": "evil", "namespace": NS, "annotations": {"description": MARKUP + TITLE + BIDI, "big": BIG}},
        "spec": {"config": hostile_config()}})
    s.create("network-attachment-definitions", {**nad, "metadata": {"name": "badjson", "namespace": NS},
                                                  "spec": {"config": "{not json " + MARKUP + CLEAR}})
    s.create("network-attachment-definitions", {**nad, "metadata": {"name": "nospec", "namespace": NS}})
    status = [{"name": MARKUP, "interface": CLEAR + "eth1", "ips": [TITLE], "mac": LINK, "default": False},
              {"name": "cbr0", "interface": "eth0", "ips": ["10.0.0.9"], "default": True}]
    pods = {
        "victim": {"k8s.v1.cni.cncf.io/networks": "evil", "k8s.v1.cni.cncf.io/network-status": json.dumps(status),
                   "note": MARKUP + CLEAR + TITLE + BIDI + REPL, "big": BIG},
        "garbled": {"k8s.v1.cni.cncf.io/networks": "[{\"name\": " + MARKUP,
                    "k8s.v1.cni.cncf.io/network-status": "{{{ " + CLEAR},
        "wrongshape": {"k8s.v1.cni.cncf.io/networks": "evil",
                       "k8s.v1.cni.cncf.io/network-status": json.dumps({"name": 5, "ips": "no"})},
    }
    for name in pods:
        # the simulator writes network-status when it starts a pod: the hostile annotations are set
        # once it is done, as a misbehaving (or malicious) controller would
        s.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NS},
                          "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    # wait until the simulator has started them (it writes network-status then), or it would write
    # over the hostile annotations afterwards
    def started(name: str) -> bool:
        pod = s.get("pods", NS, name)
        return pod["status"].get("phase") == "Running" and \
            "k8s.v1.cni.cncf.io/network-status" in (pod["metadata"].get("annotations") or {})

    wait_until(lambda: all(started(name) for name in pods), what="the simulator started the hostile pods")
    for name, ann in pods.items():
        def set_ann(o: dict, ann: dict = ann) -> None:
            o["metadata"].setdefault("annotations", {}).update(ann)
        s.mutate("pods", NS, name, set_ann)
    ev = {"apiVersion": "v1", "kind": "Event"}
    s.create("events", {**ev, "metadata": {"name": "victim.1", "namespace": NS},
                        "involvedObject": {"kind": "Pod", "name": "victim", "namespace": NS},
                        "reason": "AddedInterface", "type": "Normal", "count": 1,
                        "message": "Add eth1 " + MARKUP + CLEAR + TITLE + BIDI,
                        "source": {"component": "multus"}, "lastTimestamp": "2026-01-01T00:00:00Z"})
    s.create("events", {**ev, "metadata": {"name": "victim.2", "namespace": NS},
                        "involvedObject": {"kind": "Pod", "name": "victim", "namespace": NS},
                        "reason": "FailedCreatePodSandBox", "type": "Warning",
                        "message": "plugin type=\"multus\" name=\"multus-cni-network\" failed (add): " + LINK + CLEAR,
                        "source": {"component": "kubelet"}})
    s.create("events", {**ev, "metadata": {"name": "bare", "namespace": NS}})  # every field missing
