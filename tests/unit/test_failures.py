"""Failure messages of multus-reference.md 5.1/5.2, in the exact shapes kubelet and Multus write."""

from __future__ import annotations

import pytest

from multus_tui.multus.failures import (
    delegate_error,
    event_time,
    extract_multus_error,
    failures_from_events,
    no_network_found_message,
    parse_failure,
    plugin_error,
    sandbox_failure_message,
)

SID = "5d7b0e31c2b14f7a9e6f0a6c3d1e2f4a5b6c7d8e9f00112233445566778899aa"

# Literal texts (not built by our helpers) so a drift in the builders is caught too.
THICK_LINK = (
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "
    f'"{SID}": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request '
    f"failed with status 400: '&{{ContainerID:{SID} Netns:/var/run/netns/cni-1 IfName:eth0 "
    "Args:IgnoreUnknown=1;K8S_POD_NAMESPACE=tenant-a;K8S_POD_NAME=app-0 Path: StdinData:[123 125]} "
    "ERRORED: error configuring pod [tenant-a/app-0] networking: [tenant-a/app-0/0f1e2d3c:storage]: "
    "error adding container to network \"storage\": failed to lookup master \"eth1\": Link not found'"
)
THIN_NOT_FOUND = (
    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "
    f'"{SID}": plugin type="multus" name="multus-cni-network" failed (add): Multus: [tenant-a/app-0/0f1e2d3c]: '
    "error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s network for pod: "
    "GetNetworkDelegates: failed getting the delegate: getKubernetesDelegate: cannot find a "
    "network-attachment-definition (storage) in namespace (tenant-a): "
    'network-attachment-definitions.k8s.cni.cncf.io "storage" not found'
)


def test_thick_link_not_found():
    f = parse_failure(THICK_LINK)
    assert (f.kind, f.field, f.network, f.pod) == ("link-not-found", "master", "storage", "tenant-a/app-0")
    assert '"eth1"' in f.cause and f.nad_side
    assert extract_multus_error(THICK_LINK).endswith("Link not found")


def test_shim_error_with_newline_before_the_quote():
    msg = THICK_LINK[:-1] + "\n'"
    assert extract_multus_error(msg).endswith("Link not found")
    assert parse_failure(msg).detail.endswith("Link not found")


def test_thin_not_found():
    f = parse_failure(THIN_NOT_FOUND)
    assert (f.kind, f.network, f.namespace, f.pod) == ("no-network-found", "tenant-a/storage", "tenant-a", "tenant-a/app-0")
    assert f.field is None and not f.nad_side


@pytest.mark.parametrize("thick", [True, False])
def test_no_network_found_event(thick):
    msg = no_network_found_message("bond-net", "default", thick=thick)
    assert msg.startswith("cannot find a network-attachment-definition (bond-net) in namespace (default): ")
    assert ('networkattachmentdefinition.k8s.cni.cncf.io "bond-net" not found' in msg) == thick
    f = parse_failure(msg, "NoNetworkFound")
    assert (f.kind, f.network) == ("no-network-found", "default/bond-net")


def test_count_suffix_and_combined_prefix_are_ignored():
    f = parse_failure("(combined from similar events): " + THICK_LINK + " (x12 over 3m4s)")
    assert (f.kind, f.network) == ("link-not-found", "storage")


def _sandbox(detail: str, thick: bool = True) -> str:
    return sandbox_failure_message("ns1", "p", plugin_error("ns1", "p", "uid-1", "net-a", detail),
                                   thick=thick, sandbox_id=SID, uid="uid-1")


@pytest.mark.parametrize("thick", [True, False])
@pytest.mark.parametrize(
    "detail,kind,field",
    [
        ('failed to find plugin "macvlan" in path [/opt/cni/bin]', "plugin-missing", "type"),
        ('failed to lookup master "ens9": Link not found', "link-not-found", "master"),
        ("unknown macvlan mode: foo", "invalid-mode", "mode"),
        ("IPAM plugin returned missing IP config", "missing-ip-config", "ipam.addresses"),
        ("failed to allocate for range 0: no IP addresses available in range set: 10.1.1.20-10.1.1.21",
         "ipam-exhausted", "ipam.ranges"),
        ("error at storage engine: Could not allocate IP in range: ip: 10.0.0.1 / - 10.0.0.2 / range: "
         "10.0.0.0/30 / excludeRanges: []", "ipam-exhausted", "ipam.range"),
        ('ARGS: error parsing value of pair "IP=10.0.0.5,fd00::5": invalid IP address', "cni-args-ip", "networks.ips"),
        ("the 'address' field 10.0.0.5 is NOT in CIDR notation", "ips-not-cidr", "networks.ips"),
        # What users really get through Multus: static parses CNI_ARGS IP= first.
        ("the 'ip' field is expected to be in CIDR notation, got: '10.0.0.5'", "ips-not-cidr", "networks.ips"),
        ("error dialing DHCP daemon: dial unix /run/cni/dhcp.sock: connect: no such file", "dhcp-daemon", "ipam.type"),
        ("VF pci addr is required", "sriov-device", "k8s.v1.cni.cncf.io/resourceName"),
        ("validateIfName: interface name net1 already exists", "interface-exists", "networks.interface"),
        ("something nobody has seen", "plugin-error", None),
    ],
)
def test_plugin_errors_classified(detail, kind, field, thick):
    f = parse_failure(_sandbox(detail, thick))
    assert (f.kind, f.field, f.network) == (kind, field, "net-a")
    assert f.detail.endswith(detail)


@pytest.mark.parametrize(
    "multus_error,kind,field",
    [
        (delegate_error("ns1", "p", "u", "GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal "
                        "Spec.Config: invalid character '}' looking for beginning of object key string"),
         "invalid-config", "spec.config"),
        ("Multus: [ns1/p/u]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s "
         "network for pod: GetNetworkDelegates: namespace isolation enabled, annotation violates permission, "
         "pod is in namespace ns1 but refers to target namespace privileged", "namespace-isolation",
         "networks.namespace"),
        ("Multus: [ns1/p/u]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s "
         "network for pod: parsePodNetworkAnnotation: failed to parse pod Network Attachment Selection "
         "Annotation JSON format: unexpected end of JSON input", "annotation-syntax", "networks"),
        ("Multus: [ns1/p/u]: error loading k8s delegates k8s args: multus does not support ECMP for default-route",
         "ecmp-default-route", "networks.default-route"),
        ("Multus: [ns1/p/u]: have you checked that your default network is ready? still waiting for "
         "readinessindicatorfile @ /run/flannel/subnet.env. pollimmediate error: timed out",
         "default-network-not-ready", None),
    ],
)
def test_multus_errors_classified(multus_error, kind, field):
    for thick in (True, False):
        f = parse_failure(sandbox_failure_message("ns1", "p", multus_error, thick=thick))
        assert (f.kind, f.field, f.pod) == (kind, field, "ns1/p")
    f = parse_failure(sandbox_failure_message("ns1", "p", multus_error))
    if kind == "namespace-isolation":
        assert f.namespace == "privileged"


def test_not_a_network_failure():
    assert parse_failure('Failed to pull image "busybox": rpc error', "Failed") is None
    assert parse_failure("") is None
    assert parse_failure(None) is None  # type: ignore[arg-type]


def test_failures_from_events_newest_first_and_warning_only():
    evs = [
        {"type": "Warning", "reason": "FailedCreatePodSandBox", "message": THICK_LINK,
         "lastTimestamp": "2024-01-01T00:00:05Z"},
        {"type": "Warning", "reason": "NoNetworkFound", "message": no_network_found_message("x", "ns"),
         "eventTime": "2024-01-01T00:00:09.000000Z"},
        {"type": "Normal", "reason": "AddedInterface", "message": "Add eth0 [10.244.1.7/24] from kindnet"},
        {"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container"},
        "not a dict",
    ]
    fs = failures_from_events(evs)  # type: ignore[arg-type]
    assert [f.kind for f in fs] == ["no-network-found", "link-not-found"]
    assert event_time({"series": {"lastObservedTime": "t"}}) == "t" and event_time({}) == ""


def test_which_events_tell_the_attachment_story():
    from multus_tui.multus.events import is_multus_event

    assert is_multus_event("AddedInterface", "multus")
    assert is_multus_event("FailedCreatePodSandBox", "kubelet")  # kubelet carries Multus' error (5.2)
    assert is_multus_event("SomethingNew", "Multus")              # anything Multus itself says
    assert not is_multus_event("Scheduled", "default-scheduler")
    assert not is_multus_event(None, None)
