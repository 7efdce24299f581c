"""Pure pieces of the simulated Multus: IPAM allocators, MultusSim, the event correlator."""

from __future__ import annotations

import pytest

from multus_tui.sandbox.ipam_sim import CniError, IpamRequest, IpamState, static_add
from multus_tui.sandbox.kubelet import EventRecorder
from multus_tui.sandbox.multus_sim import MultusSim, NodeView, go_json_error, make_mac
from multus_tui.sandbox.store import ObjectStore

POOL3 = {"type": "host-local", "ranges": [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                                            "rangeEnd": "192.168.0.22", "gateway": "192.168.0.254"}]]}


def test_static_sources_in_the_real_plugins_order() -> None:
    ipam = {"type": "static", "addresses": [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]}
    assert static_add(ipam, IpamRequest()).ips == [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]
    # CNI_ARGS IP appends; args.cni.ips and runtimeConfig.ips replace (real binary behaviour)
    assert static_add(ipam, IpamRequest(cni_args_ip="10.0.0.5/8")).addresses == ["192.168.0.20/24", "10.0.0.5/8"]
    assert static_add(ipam, IpamRequest(args_ips=["10.1.1.1/24"])).addresses == ["10.1.1.1/24"]
    assert static_add(ipam, IpamRequest(runtime_ips=["10.2.2.2/24"], args_ips=["10.1.1.1/24"])).addresses == [
        "10.2.2.2/24"]
    with pytest.raises(CniError, match="the 'address' field is expected to be in CIDR notation, got: '1.2.3.4'"):
        static_add({"type": "static", "addresses": [{"address": "1.2.3.4"}]}, IpamRequest())
    assert static_add({"type": "static"}, IpamRequest()).ips == []


def test_host_local_round_robin_requested_and_gateway() -> None:
    state = IpamState()

    def alloc(owner: str, node: str = "n1", **req: object) -> list[str]:
        return state.allocate(POOL3, node=node, cni_name="pool", req=IpamRequest(**req), owner=owner).addresses

    assert alloc("a") == ["192.168.0.20/24"] and alloc("b") == ["192.168.0.21/24"]
    state.release("a")
    # round-robin continues after the last reserved address instead of reusing .20 at once
    assert alloc("c") == ["192.168.0.22/24"] and alloc("d") == ["192.168.0.20/24"]
    with pytest.raises(CniError, match="no IP addresses available in range set: 192.168.0.20-192.168.0.22"):
        alloc("e")
    assert alloc("f", node="n2") == ["192.168.0.20/24"]  # per node
    assert alloc("g", node="n2", cni_args_ip="192.168.0.21/24") == ["192.168.0.21/24"]  # CNI_ARGS IP honoured
    with pytest.raises(CniError, match="requested IP address 192.168.0.21 is not available in range set"):
        alloc("h", node="n2", cni_args_ip="192.168.0.21")
    with pytest.raises(CniError, match="failed to allocate all requested IPs: 192.168.0.5"):
        alloc("i", node="n3", runtime_ips=["192.168.0.5/24"])
    assert "i" not in state.owners()  # a failed ADD keeps nothing
    plain = {"type": "host-local", "subnet": "10.0.0.0/24"}
    with pytest.raises(CniError, match="requested ip 10.0.0.1 is subnet's gateway"):
        state.allocate(plain, node="n1", cni_name="x", req=IpamRequest(cni_args_ip="10.0.0.1"), owner="j")


def test_whereabouts_overlapping_ranges_share_addresses_by_network_name() -> None:
    state = IpamState()
    a = {"type": "whereabouts", "range": "10.0.0.0/24"}
    b = {"type": "whereabouts", "range": "10.0.0.0/25"}
    assert state.allocate(a, node="n1", cni_name="a", req=IpamRequest(), owner="p1").addresses == ["10.0.0.1/24"]
    # an overlapping range of the same network_name does not hand out 10.0.0.1 again
    assert state.allocate(b, node="n2", cni_name="b", req=IpamRequest(), owner="p2").addresses == ["10.0.0.2/25"]
    other = dict(b, network_name="tenant")
    assert state.allocate(other, node="n2", cni_name="b", req=IpamRequest(), owner="p3").addresses == ["10.0.0.1/25"]


def _pod(uid: str, networks: str | None) -> dict:
    ann = {"k8s.v1.cni.cncf.io/networks": networks} if networks is not None else {}
    return {"metadata": {"name": f"p-{uid}", "namespace": "default", "uid": uid, "annotations": ann}}


def test_multus_sim_rolls_back_everything_on_failure() -> None:
    nads = {
        ("default", "ok"): {"spec": {"config": '{"cniVersion":"0.3.1","name":"ok","type":"bridge",'
                                               '"ipam":{"type":"whereabouts","range":"10.9.0.0/30"}}'}},
        ("default", "bad"): {"spec": {"config": '{"cniVersion":"0.3.1","name":"bad","type":"macvlan",'
                                                '"master":"eth9"}'}},
    }
    sim = MultusSim(IpamState())
    node = NodeView(name="n1", pod_cidr="10.244.1.0/24")
    out = sim.add(_pod("u1", "ok, bad"), node, lambda ns, name: nads.get((ns, name)))
    assert not out.ok and 'failed to lookup master "eth9": Link not found' in (out.error or "")
    # eth0 and net1 were added (and announced) before net2 failed, then deleted again
    assert [e[2].split(" [")[0] for e in out.events] == ["Add eth0", "Add net1"]
    assert sim.ipam.owners() == []
    good = sim.add(_pod("u2", "ok"), node, lambda ns, name: nads.get((ns, name)))
    assert good.ok and good.attachments[1].ips == ["10.9.0.1/30"]
    assert '"name": "default/ok"' in good.network_status()


def test_event_correlator_counts_and_combines_like_client_go() -> None:
    store = ObjectStore()
    store.create("namespaces", {"metadata": {"name": "default"}})
    pod = store.create("pods", {"metadata": {"name": "p", "namespace": "default"},
                                "spec": {"containers": [{"name": "c", "image": "x"}]}})
    rec = EventRecorder(store)
    for _ in range(3):
        rec.emit(pod, "Warning", "NoNetworkFound", "same text", "multus")
    for i in range(12):
        rec.emit(pod, "Warning", "FailedCreatePodSandBox", f"sandbox {i} failed", "kubelet", host="node-1")
    events = store.list("events", "default")[0]
    nnf = [e for e in events if e["reason"] == "NoNetworkFound"]
    assert len(nnf) == 1 and nnf[0]["count"] == 3 and nnf[0]["source"] == {"component": "multus"}
    sandbox = [e for e in events if e["reason"] == "FailedCreatePodSandBox"]
    combined = [e for e in sandbox if e["message"].startswith("(combined from similar events): ")]
    assert len(sandbox) == 10 and len(combined) == 1
    assert combined[0]["count"] == 3 and combined[0]["message"].endswith("sandbox 11 failed")
    assert all(e["involvedObject"]["uid"] == pod["metadata"]["uid"] for e in events)


def test_helpers() -> None:
    mac = make_mac("uid", "net1")
    assert mac == make_mac("uid", "net1") and int(mac[:2], 16) & 0b11 == 0b10  # local, unicast
    assert go_json_error('{"a": 1,}') == "invalid character '}' looking for beginning of object key string"
    assert go_json_error('{"a": ') == "unexpected end of JSON input"
