"""podspec: annotation, DNS override, test pod, template snippet and the pre-checks (seed S1-S5)."""

from __future__ import annotations

import json

import pytest
import yaml

from multus_tui.multus.nad import NAD
from multus_tui.multus.podspec import (
    DEFAULT_COMMAND,
    DNS_WARNING,
    DnsOverride,
    Isolation,
    TestPod,
    blocking,
    can_request_ips,
    held_addresses,
    networks_annotation,
    parse_key_values,
    pod_manifest,
    precheck,
    render_yaml,
    split_list,
    suggested_gateway,
    template_snippet,
)
from multus_tui.multus.selection import NETWORKS_ANNOTATION, Selection, parse_networks
from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION


def _nad(name: str, namespace: str, config: dict) -> NAD:
    return NAD.from_manifest({
        "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"config": json.dumps(config)},
    })


# S1: static with one address, sbr chained.
S1 = _nad("vlan1-internal-static", "default", {
    "cniVersion": "0.3.1", "name": "vlan1-internal-static",
    "plugins": [
        {"type": "macvlan", "master": "k8s-vlan1",
         "ipam": {"type": "static", "addresses": [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]}},
        {"type": "sbr"},
    ]})
# S2: single plugin, ips capability, static without addresses.
S2 = _nad("vlan1-internal-static", "default", {
    "cniVersion": "0.3.1", "name": "vlan1-internal-static", "type": "macvlan", "master": "k8s-vlan1",
    "capabilities": {"ips": True}, "ipam": {"type": "static"}})
# S4: the shared host-local pool in kube-system.
S4 = _nad("vlan1-internal-pool", "kube-system", {
    "cniVersion": "0.3.1", "name": "vlan1-internal-pool",
    "plugins": [
        {"type": "macvlan", "master": "k8s-vlan1",
         "ipam": {"type": "host-local", "ranges": [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                                                      "rangeEnd": "192.168.0.49", "gateway": "192.168.0.254"}]]}},
        {"type": "sbr"},
    ]})
S4_IPS = _nad("pool-ips", "default", {
    "cniVersion": "0.3.1", "name": "pool-ips", "type": "macvlan", "master": "k8s-vlan1",
    "capabilities": {"ips": True},
    "ipam": {"type": "host-local", "ranges": [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                                                "rangeEnd": "192.168.0.49", "gateway": "192.168.0.254"}]]}})


def _codes(findings) -> list[str]:
    return [f.code for f in findings]


# ---------------------------------------------------------------------- annotation
def test_s2_json_annotation_with_ips_and_default_route():
    sel = Selection(name="vlan1-internal-static", ips=["192.168.0.20/24"], default_route=["192.168.0.254"])
    value = networks_annotation([sel])
    assert json.loads(value) == [{"name": "vlan1-internal-static", "ips": ["192.168.0.20/24"],
                                  "default-route": ["192.168.0.254"]}]


def test_s4_short_form_across_namespaces():
    assert networks_annotation([Selection(name="vlan1-internal-pool", namespace="kube-system")]) == \
        "kube-system/vlan1-internal-pool"


def test_no_selection_means_no_annotation():
    assert networks_annotation([]) is None
    assert "metadata" not in template_snippet([])


def test_annotation_round_trips_through_the_parser():
    sels = [Selection(name="a", namespace="x", interface="vlan1"), Selection(name="b", mac="02:00:00:00:00:01")]
    value = networks_annotation(sels)
    back = parse_networks(value, "default")
    assert [(s.target("default"), s.interface, s.mac) for s in back] == [
        (("x", "a"), "vlan1", None), (("default", "b"), None, "02:00:00:00:00:01")]


# ---------------------------------------------------------------------- DNS (S3)
def test_s3_dns_override_fields():
    dns = DnsOverride(nameservers=["192.168.0.1", "192.168.0.2"], searches=["zencoffee.org"], options=["ndots:2", "edns0"])
    assert dns.pod_spec_fields() == {
        "dnsPolicy": "None",
        "dnsConfig": {"nameservers": ["192.168.0.1", "192.168.0.2"], "searches": ["zencoffee.org"],
                      "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]},
    }
    findings = dns.findings()
    assert blocking(findings) == []
    assert [f.message for f in findings if f.code == "dns-cluster-names"] == [DNS_WARNING]
    assert "svc.cluster.local" in DNS_WARNING


@pytest.mark.parametrize("dns,code", [
    (DnsOverride(), "dns-no-nameserver"),
    (DnsOverride(nameservers=["1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"]), "dns-too-many-nameservers"),
    (DnsOverride(nameservers=["dns.example"]), "dns-nameserver-not-ip"),
    (DnsOverride(nameservers=["1.1.1.1"], searches=["bad_domain!"]), "dns-search-invalid"),
    (DnsOverride(nameservers=["1.1.1.1"], searches=[f"d{i}.org" for i in range(33)]), "dns-too-many-searches"),
    (DnsOverride(nameservers=["1.1.1.1"], options=[":3"]), "dns-option-invalid"),
])
def test_dns_override_refuses_what_the_api_server_would(dns, code):
    assert code in _codes(blocking(dns.findings()))


# ---------------------------------------------------------------------- manifests (S5)
def test_s5_test_pod_defaults():
    pod = pod_manifest([Selection(name="vlan1-internal-pool", namespace="kube-system")])
    assert pod["metadata"] == {"name": "samplepod", "namespace": "default",
                               "annotations": {NETWORKS_ANNOTATION: "kube-system/vlan1-internal-pool"}}
    (container,) = pod["spec"]["containers"]
    assert container["image"] == "dougbtv/centos-network"
    assert container["command"] == ["/bin/bash", "-c", "trap : TERM INT; sleep infinity & wait"]
    assert list(DEFAULT_COMMAND) == container["command"]
    assert "nodeSelector" not in pod["spec"] and "dnsPolicy" not in pod["spec"]


def test_test_pod_edits_node_selector_and_dns_reach_the_manifest():
    dns = DnsOverride(nameservers=["192.168.0.1"], searches=["zencoffee.org"])
    pod = TestPod(name="probe.1", namespace="team-a", image="busybox", command=["sleep", "1d"],
                  node_selector={"kubernetes.io/hostname": "node-1"})
    m = pod_manifest([Selection(name="n")], pod, dns)
    assert m["spec"]["nodeSelector"] == {"kubernetes.io/hostname": "node-1"}
    assert m["spec"]["dnsPolicy"] == "None" and m["spec"]["dnsConfig"]["searches"] == ["zencoffee.org"]
    # a dotted pod name is not a valid container name
    assert m["spec"]["containers"][0]["name"] == "main"
    assert m["metadata"]["namespace"] == "team-a"


def test_yaml_output_parses_back_to_the_same_manifest():
    sels = [Selection(name="vlan1-internal-static", ips=["192.168.0.20/24"], default_route=["192.168.0.254"])]
    m = pod_manifest(sels, dns=DnsOverride(nameservers=["192.168.0.1"]))
    assert yaml.safe_load(render_yaml(m)) == m
    snippet = template_snippet(sels, DnsOverride(nameservers=["192.168.0.1"]))
    assert yaml.safe_load(render_yaml(snippet)) == snippet
    assert snippet["spec"]["dnsPolicy"] == "None"


def test_test_pod_findings():
    assert _codes(TestPod(name="Bad_Name").findings()) == ["pod-name-invalid"]
    assert _codes(TestPod(namespace="a.b").findings()) == ["pod-namespace-invalid"]
    assert _codes(TestPod(image=" ").findings()) == ["pod-image-missing"]
    assert TestPod().findings() == []


def test_list_and_key_value_parsing():
    assert split_list("192.168.0.1, 192.168.0.2  10.0.0.1") == ["192.168.0.1", "192.168.0.2", "10.0.0.1"]
    assert parse_key_values("a=b, kubernetes.io/hostname = n1") == {"a": "b", "kubernetes.io/hostname": "n1"}
    with pytest.raises(ValueError, match="key=value"):
        parse_key_values("novalue")


# ---------------------------------------------------------------------- helpers for the form
def test_gateway_and_ips_offers():
    assert suggested_gateway(S4) == "192.168.0.254"
    assert suggested_gateway(None) is None
    assert can_request_ips(S2) and can_request_ips(S4_IPS)
    assert not can_request_ips(S4)  # no capability
    assert not can_request_ips(S1)


# ---------------------------------------------------------------------- pre-checks
NADS = {("default", "vlan1-internal-static"): S2, ("kube-system", "vlan1-internal-pool"): S4,
        ("default", "pool-ips"): S4_IPS}


def test_seed_selections_pass_the_prechecks():
    s2 = [Selection(name="vlan1-internal-static", ips=["192.168.0.20/24"], default_route=["192.168.0.254"])]
    assert blocking(precheck(s2, "default", NADS)) == []
    s4 = [Selection(name="vlan1-internal-pool", namespace="kube-system", default_route=["192.168.0.254"])]
    assert precheck(s4, "default", NADS) == []


def test_precheck_no_selection():
    assert _codes(precheck([], "default", NADS)) == ["no-selection"]


def test_precheck_missing_nad_is_a_warning_not_a_refusal():
    f = precheck([Selection(name="nope")], "default", NADS)
    assert _codes(f) == ["nad-missing"] and f[0].severity == "warning"
    assert "default/nope" in f[0].message
    # offline: nothing is known, so nothing is claimed
    assert precheck([Selection(name="nope")], "default", {}, nads_known=False) == []


def test_precheck_namespace_isolation():
    sel = [Selection(name="vlan1-internal-pool", namespace="kube-system")]
    assert precheck(sel, "default", NADS, isolation=Isolation(enabled=False)) == []
    f = precheck(sel, "default", NADS, isolation=Isolation(enabled=True))
    assert _codes(blocking(f)) == ["namespace-isolation"]
    assert precheck(sel, "default", NADS, isolation=Isolation(True, ("default", "kube-system"))) == []
    # own namespace and the global namespace are always fine
    own = [Selection(name="pool-ips")]
    assert precheck(own, "default", NADS, isolation=Isolation(enabled=True)) == []
    glob = [Selection(name="pool-ips", namespace="default")]
    assert blocking(precheck(glob, "team-a", NADS, isolation=Isolation(enabled=True))) == []


def test_precheck_two_default_routes_in_one_family():
    sels = [Selection(name="pool-ips", default_route=["192.168.0.254"]),
            Selection(name="vlan1-internal-pool", namespace="kube-system", default_route=["192.168.0.1"])]
    assert blocking(precheck(sels, "default", NADS))


@pytest.mark.parametrize("sels", [
    [Selection(name="pool-ips", interface="averyverylongname")],  # > 15
    [Selection(name="pool-ips", interface="eth0")],
    [Selection(name="pool-ips", interface="lo")],
    [Selection(name="pool-ips", interface="vlan1"),
     Selection(name="vlan1-internal-pool", namespace="kube-system", interface="vlan1")],
])
def test_precheck_refuses_bad_interface_names(sels):
    assert blocking(precheck(sels, "default", NADS))


def test_precheck_ips_outside_range():
    f = precheck([Selection(name="pool-ips", ips=["192.168.0.60/24"])], "default", NADS)
    assert _codes(blocking(f)) == ["ips-outside-range"]
    assert blocking(precheck([Selection(name="pool-ips", ips=["192.168.0.21/24"])], "default", NADS)) == []


def test_precheck_ips_without_capability_warns():
    f = precheck([Selection(name="vlan1-internal-pool", namespace="kube-system", ips=["192.168.0.21/24"])],
                 "default", NADS)
    assert "ips-capability-missing" in _codes(f)
    assert all(x.severity == "warning" for x in f if x.code == "ips-capability-missing")


def test_precheck_static_needs_cidr_and_ips():
    assert "ips-no-prefix" in _codes(blocking(precheck([Selection(name="vlan1-internal-static", ips=["192.168.0.20"])],
                                             "default", NADS)))
    assert "static-needs-ips" in _codes(precheck([Selection(name="vlan1-internal-static")], "default", NADS))


def test_precheck_host_local_refuses_two_requested_ips():
    f = precheck([Selection(name="pool-ips", ips=["192.168.0.21/24", "192.168.0.22/24"])], "default", NADS)
    assert "ips-host-local-multiple" in _codes(blocking(f))


def test_precheck_address_held_by_another_pod():
    status = json.dumps([
        {"name": "cbr0", "ips": ["10.244.0.5"], "default": True},
        {"name": "default/vlan1-internal-static", "interface": "net1", "ips": ["192.168.0.20"]},
    ])
    held = held_addresses([("default", "samplepod", {NETWORK_STATUS_ANNOTATION: status})])
    assert "10.244.0.5" not in held  # the cluster network is not a NAD's
    sel = [Selection(name="vlan1-internal-static", ips=["192.168.0.20/24"])]
    f = precheck(sel, "default", NADS, held=held, pod_name="samplepod-2")
    assert _codes(blocking(f)) == ["ips-in-use"]
    assert "default/samplepod" in blocking(f)[0].message
    # the same pod re-created is not a conflict with itself
    assert blocking(precheck(sel, "default", NADS, held=held, pod_name="samplepod")) == []


def test_held_addresses_include_pending_requests_and_skip_garbage():
    pending = {NETWORKS_ANNOTATION: '[{"name": "pool-ips", "ips": ["192.168.0.30/24"]}]'}
    broken = {NETWORKS_ANNOTATION: "[{", NETWORK_STATUS_ANNOTATION: "not json"}
    held = held_addresses([("default", "waiting", pending), ("default", "broken", broken)])
    (h,) = held["192.168.0.30"]
    assert h.pod == "default/waiting" and h.requested and h.network == "default/pool-ips"
    f = precheck([Selection(name="pool-ips", ips=["192.168.0.30/24"])], "default", NADS, held=held)
    assert "asks for" in blocking(f)[0].message


def test_precheck_default_route_outside_the_requested_subnet_warns():
    f = precheck([Selection(name="pool-ips", ips=["192.168.0.21/24"], default_route=["10.0.0.1"])], "default", NADS)
    assert "default-route-unreachable" in _codes(f)
