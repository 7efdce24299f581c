"""join_attachments: requested x reported x events (multus-reference.md 2.5, 3.2, 3.3, 5)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from multus_tui.multus.attachments import join_attachments
from multus_tui.multus.failures import (
    delegate_error,
    no_network_found_message,
    plugin_error,
    sandbox_failure_message,
)
from multus_tui.multus.selection import NETWORKS_ANNOTATION
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION, NetworkStatus, render_network_status

PODSIDE = Path(__file__).parent.parent / "fixtures" / "podside"
DEFAULT = NetworkStatus(name="kindnet", interface="eth0", ips=["10.244.1.7"], default=True)


def ann(networks: str | None = None, statuses: list[NetworkStatus] | None = None) -> dict[str, str]:
    out = {}
    if networks is not None:
        out[NETWORKS_ANNOTATION] = networks
    if statuses is not None:
        out[NETWORK_STATUS_ANNOTATION] = render_network_status(statuses)
    return out


def warn(reason: str, message: str, ts: str = "2024-01-01T00:00:00Z") -> dict:
    return {"type": "Warning", "reason": reason, "message": message, "lastTimestamp": ts, "count": 3}


def summary(states):
    return [(s.network, s.interface, s.state) for s in states]


def test_quickstart_same_nad_twice_gives_net1_net2():
    sts = [DEFAULT,
           NetworkStatus(name="default/macvlan-conf", interface="net1", ips=["192.168.1.200"]),
           NetworkStatus(name="default/macvlan-conf", interface="net2", ips=["192.168.1.201"])]
    out = join_attachments("default", ann("macvlan-conf,macvlan-conf", sts), "Running", [])
    assert summary(out) == [("kindnet", "eth0", "attached"),
                            ("default/macvlan-conf", "net1", "attached"),
                            ("default/macvlan-conf", "net2", "attached")]
    assert out[0].default and not out[1].default and out[2].ips == ["192.168.1.201"]
    # before Multus ran: both pending, with their positional names
    out = join_attachments("default", ann("macvlan-conf,macvlan-conf"), "Pending", [])
    assert summary(out)[1:] == [("default/macvlan-conf", "net1", "pending"), ("default/macvlan-conf", "net2", "pending")]


def test_quickstart_real_status_bare_names():
    text = yaml.safe_load((PODSIDE / "network-status__multus__docs__quickstart.md.snippets.yml").read_text())["snippets"][0]["text"]
    value = text[text.index("[", text.index("network-status:")):]
    out = join_attachments("default", {NETWORKS_ANNOTATION: "macvlan-conf", NETWORK_STATUS_ANNOTATION: value}, "Running", [])
    assert summary(out) == [("cbr0", None, "attached"), ("default/macvlan-conf", "net1", "attached")]
    assert out[1].mac == "86:1d:96:ff:55:0d"


def test_harvester_pod():
    text = yaml.safe_load((PODSIDE / "network-status__harvester-docs__docs__advanced__storagenetwork.md.snippets.yml").read_text())["snippets"][0]["text"]
    annotations = yaml.safe_load(text.split("\nOmitted")[0])["metadata"]["annotations"]
    out = join_attachments("longhorn-system", annotations, "Running", [])
    assert summary(out) == [("k8s-pod-network", None, "attached"),
                            ("harvester-system/storagenetwork-95bj4", "lhnet1", "attached")]


def test_match_by_explicit_interface_not_order():
    sts = [DEFAULT,
           NetworkStatus(name="ns/b", interface="y", ips=["10.0.0.2"]),
           NetworkStatus(name="ns/a", interface="x", ips=["10.0.0.1"])]
    out = join_attachments("ns", ann('[{"name":"b","interface":"x2"},{"name":"a","interface":"x"},{"name":"b","interface":"y"}]', sts), "Running", [])
    assert summary(out)[1:] == [("ns/b", "x2", "pending"), ("ns/a", "x", "attached"), ("ns/b", "y", "attached")]
    assert "sandbox creation" in out[1].reason


def test_explicit_names_do_not_renumber():
    out = join_attachments("ns", ann("a@foo,b"), "Pending", [])
    assert [s.interface for s in out[1:]] == ["foo", "net2"]


def test_not_requested_default_networks_shift_numbering():
    sts = [DEFAULT, NetworkStatus(name="kube-system/dflt", interface="net1"), NetworkStatus(name="ns/a", interface="net2")]
    out = join_attachments("ns", ann("a", sts), "Running", [])
    assert summary(out) == [("kindnet", "eth0", "attached"), ("ns/a", "net2", "attached"),
                            ("kube-system/dflt", "net1", "not-requested")]
    assert join_attachments("ns", ann("a,b", sts[:2]), "Pending", [])[1].interface == "net2"


def test_no_network_found_fails_that_attachment_and_blocks_the_other():
    evs = [warn("NoNetworkFound", no_network_found_message("missing", "ns"))]
    out = join_attachments("ns", ann("ok,missing"), "Pending", evs)
    assert summary(out)[1:] == [("ns/ok", "net1", "pending"), ("ns/missing", "net2", "failed")]
    assert out[2].failure.kind == "no-network-found" and "does not exist" in out[2].reason
    assert "blocked" in out[1].reason and "ns/missing" in out[1].reason
    assert out[0].state == "failed"  # the sandbox (and eth0 with it) did not come up


def test_plugin_error_mapped_by_cni_name():
    msg = sandbox_failure_message("ns", "p", plugin_error("ns", "p", "u", "storage-net", 'failed to lookup master "eth9": Link not found'))
    out = join_attachments("ns", ann("a,storage"), "Pending", [warn("FailedCreatePodSandBox", msg)],
                           cni_names={"ns/storage": "storage-net"})
    assert summary(out)[1:] == [("ns/a", "net1", "pending"), ("ns/storage", "net2", "failed")]
    assert out[2].failure.field == "master"
    # without the CNI-name map, a CNI name equal to the NAD name still maps
    msg = sandbox_failure_message("ns", "p", plugin_error("ns", "p", "u", "storage", "IPAM plugin returned missing IP config"))
    out = join_attachments("ns", ann("a,storage"), "Pending", [warn("FailedCreatePodSandBox", msg)])
    assert out[2].state == "failed" and out[2].failure.kind == "missing-ip-config"


def test_unmappable_failure_fails_every_requested_attachment():
    msg = sandbox_failure_message("ns", "p", delegate_error("ns", "p", "u", "GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: unexpected end of JSON input"))
    out = join_attachments("ns", ann("a,b"), "Pending", [warn("FailedCreatePodSandBox", msg + " (x5 over 2m)")])
    assert [s.state for s in out[1:]] == ["failed", "failed"]
    assert out[1].failure.kind == "invalid-config"


def test_namespace_isolation_maps_by_target_namespace():
    msg = sandbox_failure_message("ns", "p", "Multus: [ns/p/u]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in namespace ns but refers to target namespace privileged")
    out = join_attachments("ns", ann("a,privileged/macvlan-conf"), "Pending", [warn("FailedCreatePodSandBox", msg)])
    assert [s.state for s in out[1:]] == ["pending", "failed"]


def test_newest_failure_wins_and_old_failures_ignored_once_attached():
    old = warn("NoNetworkFound", no_network_found_message("a", "ns"), "2024-01-01T00:00:00Z")
    new = warn("FailedCreatePodSandBox", sandbox_failure_message("ns", "p", plugin_error("ns", "p", "u", "a", "IPAM plugin returned missing IP config")), "2024-01-01T00:01:00Z")
    out = join_attachments("ns", ann("a"), "Pending", [old, new])
    assert out[1].failure.kind == "missing-ip-config"
    out = join_attachments("ns", ann("a", [DEFAULT, NetworkStatus(name="ns/a", interface="net1")]), "Running", [old, new])
    assert out[1].state == "attached" and out[1].failure is None


def test_running_without_status_is_flagged():
    out = join_attachments("ns", ann("a"), "Running", [])
    assert out[0].state == "attached" and out[1].state == "pending" and "no network-status" in out[1].reason


def test_malformed_annotations_never_raise():
    out = join_attachments("ns", {NETWORKS_ANNOTATION: "Bad_Name"}, "Running", [])
    assert any(s.state == "failed" and "malformed networks annotation" in s.reason for s in out)
    out = join_attachments("ns", {NETWORKS_ANNOTATION: "a", NETWORK_STATUS_ANNOTATION: "[{"}, "Running", [])
    assert out[1].state == "unknown" and "malformed network-status" in out[1].reason
    out = join_attachments("ns", {NETWORKS_ANNOTATION: json.dumps({"name": "a"})}, None, None)
    assert out[-1].state == "failed"


def test_pod_without_secondaries():
    out = join_attachments("ns", {}, "Running", [])
    assert summary(out) == [("", "eth0", "attached")] and out[0].default
    out = join_attachments("ns", ann(None, [DEFAULT]), "Running", [])
    assert summary(out) == [("kindnet", "eth0", "attached")]
