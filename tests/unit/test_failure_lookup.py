"""Which NAD a failure names: `ns/name`, a bare name in the pod's namespace, or the CNI name that
plugin errors print (multus-reference.md 5.1, 5.2), read out of events made by the same builders the
simulated Multus uses."""

from __future__ import annotations

import json
from dataclasses import dataclass

from multus_tui.cluster.views import NADView
from multus_tui.multus.failures import (
    distinct_failures,
    nad_for_network,
    no_network_found_message,
    plugin_error,
    sandbox_failure_message,
)


def _nad(ns: str, name: str, cni_name: str | None) -> NADView:
    config = {"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1"}
    if cni_name:
        config["name"] = cni_name
    return NADView.from_raw({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                             "metadata": {"namespace": ns, "name": name, "uid": f"u-{ns}-{name}"},
                             "spec": {"config": json.dumps(config)}})


@dataclass
class Event:  # the two fields the lookup reads, as the cluster layer's EventView has them
    type: str
    message: str


NADS = [_nad("default", "vlan1", "vlan1-net"), _nad("kube-system", "vlan1", "shared-vlan1"),
        _nad("other", "pool", None)]


def test_a_qualified_name_a_bare_name_and_a_cni_name_find_their_nad():
    assert nad_for_network(NADS, "kube-system/vlan1", "default") is NADS[1]
    assert nad_for_network(NADS, "vlan1", "default") is NADS[0]
    assert nad_for_network(NADS, "shared-vlan1", "default") is NADS[1]
    assert nad_for_network(NADS, "pool", "default") is None  # bare names resolve in the pod's namespace only
    assert nad_for_network(NADS, "", "default") is None


def test_each_failure_once_with_its_nad():
    plugin = sandbox_failure_message("default", "p", plugin_error("default", "p", "uid-1", "shared-vlan1",
                                                                  "Link not found"))
    events = [Event("Normal", "Add eth0 [10.0.0.1/24]"),
              Event("Warning", no_network_found_message("missing", "default")),
              Event("Warning", plugin), Event("Warning", plugin)]
    found = distinct_failures(events)
    assert len(found) == 2, found
    assert found[0][0].kind == "no-network-found" and found[1][0].network == "shared-vlan1"
    nets = [nad_for_network(NADS, f.network or "", "default") for f, _ in found]
    assert nets[0] is None and nets[1] is NADS[1]
