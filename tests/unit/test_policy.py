"""The severity policy (policy.py) holds for every finding, and every proposed fix passes validation.

* Every finding validate_nad emits has a registered code and a severity the policy allows for it,
  over the upstream corpus, the real-world fixtures and one broken config per rule below.
* Every finding that carries a mechanical `Fix` is fixed by applying it: re-validated, that finding
  is gone and no new error appears. The broken configs cover every fix-bearing rule; a message that
  tells the user to swap, remove, rename or write a value must carry its fix.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from multus_tui.multus.manifests import is_nad, read_documents
from multus_tui.multus.nad import NAD
from multus_tui.multus.policy import CODES, allowed, did_you_mean
from multus_tui.multus.validate import Finding, apply_fix, validate_nad
from tests.conftest import FIXTURES

MV = {"cniVersion": "1.0.0", "name": "n", "type": "macvlan", "master": "eth1"}
STATIC = {"type": "static", "addresses": [{"address": "10.0.0.5/24"}]}


def hl(**r: object) -> dict:
    return {"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24", **r}]]}


def wb(**ipam: object) -> dict:
    return {"type": "whereabouts", "range": "10.0.0.0/24", **ipam}


def ovn(**kw: object) -> dict:
    return {"cniVersion": "0.3.1", "name": "tenant", "type": "ovn-k8s-cni-overlay", "topology": "layer2",
            "netAttachDefName": "default/n", "subnets": "10.100.0.0/24", **kw}


def chain(*plugins: dict) -> dict:
    return {"cniVersion": "1.0.0", "name": "n", "plugins": list(plugins)}


#: (fix-bearing code, config that triggers it): one per rule whose message proposes a mechanical fix
BROKEN: list[tuple[str, dict]] = [
    ("bridge-hairpin-promisc", {**MV, "type": "bridge", "bridge": "br0", "hairpinMode": True, "promiscMode": True}),
    ("bridge-ipam-no-interface", {**MV, "type": "bridge", "disableContainerInterface": True, "ipam": STATIC}),
    ("vlan-trunk", {**MV, "type": "bridge", "vlanTrunk": [{"minID": 20, "maxID": 10}]}),
    ("vlan-trunk", {**MV, "type": "bridge", "vlanTrunk": [{"id": 5}, {}]}),
    ("host-device-selector", {**MV, "type": "host-device", "device": "eth2", "pciBusID": "0000:3b:00.1"}),
    ("sriov-vlan-qos", {**MV, "type": "sriov", "deviceID": "0000:3b:02.0", "vlanQoS": 0}),
    ("sriov-vlan-qos", {**MV, "type": "sriov", "deviceID": "0000:3b:02.0", "vlan": 0, "vlanQoS": 2}),
    ("sriov-vlan-qos", {**MV, "type": "sriov", "deviceID": "0000:3b:02.0", "vlan": 0, "vlanProto": "802.1ad"}),
    ("sriov-tx-rate", {**MV, "type": "sriov", "deviceID": "0000:3b:02.0", "min_tx_rate": 100, "max_tx_rate": 10}),
    ("portmap-mark", chain({**MV, "ipam": STATIC}, {"type": "portmap", "markMasqBit": 13,
                                                    "externalSetMarkChain": "KUBE-MARK"})),
    ("tuning-sysctl-fixed-ifname", chain({**MV, "ipam": STATIC},
                                         {"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.arp_ignore": "1"}})),
    ("tuning-sysctl-fixed-ifname", chain({**MV, "ipam": STATIC},
                                         {"type": "cnv-tuning", "sysctl": {"net/ipv6/conf/net1/accept_ra": "0"}})),
    ("field-format", {**MV, "type": "bond", "mode": "active-backup", "miimon": "fast",
                      "links": [{"name": "net1"}, {"name": "net2"}]}),
    ("bond-option", {**MV, "type": "bond", "mode": "active-backup", "miimon": "100", "tlbDynamicLb": 1,
                     "links": [{"name": "net1"}, {"name": "net2"}]}),
    ("field-required", {**MV, "type": "bond", "links": [{"name": "net1"}, {"name": "net2"}]}),
    ("ovn-field-topology", ovn(vlanID=100)),
    ("ovn-field-topology", ovn(topology="layer3", subnets="10.128.0.0/14/23", allowPersistentIPs=True)),
    ("ovn-field-topology", ovn(topology="localnet", role="primary", joinSubnet="100.66.0.0/16")),
    ("ovn-network-name", {**ovn(), "name": "default"}),
    ("ovn-nad-name", ovn(netAttachDefName="other/n")),
    ("ovn-nad-name", {k: v for k, v in ovn().items() if k != "netAttachDefName"}),
    ("ipam-refused", ovn(ipam={"type": "whereabouts", "range": "10.0.0.0/24"})),
    ("subnet-host-bits", {**MV, "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.0.0.5/24"}]]}}),
    ("range-order", {**MV, "ipam": hl(rangeStart="10.0.0.50", rangeEnd="10.0.0.20")}),
    ("range-order", {**MV, "ipam": {"type": "host-local", "subnet": "10.0.0.0/24", "rangeStart": "10.0.0.50",
                                    "rangeEnd": "10.0.0.20"}}),
    ("range-host-bits", {**MV, "ipam": wb(range="10.0.0.7/24")}),
    ("range-outside-subnet", {**MV, "ipam": wb(range_start="10.0.1.5")}),
    ("range-order", {**MV, "ipam": wb(range_start="10.0.0.50", range_end="10.0.0.20")}),
    ("gateway-in-range", {**MV, "ipam": wb(gateway="10.0.0.1", exclude=["10.0.0.128/25"])}),
    ("field-range", {**MV, "ipam": wb(node_slice_size="/22")}),
    ("static-not-cidr", {**MV, "ipam": {"type": "static", "addresses": [{"address": "10.0.0.5"}]}}),
    ("mtu-range", {**MV, "mtu": 60, "ipam": STATIC}),
    ("field-enum", {**MV, "mode": "brigde", "ipam": STATIC}),
    ("field-enum", {**MV, "type": "sriov", "deviceID": "0000:3b:02.0", "spoofchk": "On"}),
    ("key-case", {**MV, "type": "vlan", "vlanid": 5, "ipam": STATIC}),
    ("unknown-key", {**MV, "ipam": {**STATIC, "route": [{"dst": "10.9.0.0/16"}]}}),
    ("capability-unknown", {**MV, "ipam": STATIC, "capabilities": {"bandwith": True}}),
    ("conflist-override", chain({**MV, "ipam": STATIC}, {"type": "tuning", "name": "mytuning"})),
    ("args-not-object", {**MV, "ipam": STATIC, "args": "x"}),
    ("ipam-ignored", chain({**MV, "ipam": STATIC}, {"type": "tuning", "ipam": STATIC})),
    ("capabilities-list-level", {**chain({**MV, "ipam": {"type": "static"}}), "capabilities": {"ips": True}}),
    ("capabilities-list-level", {**chain({**MV, "ipam": STATIC}, {"type": "portmap"}),
                                 "capabilities": {"portMappings": True}}),
    ("list-key-ignored", {**chain({k: v for k, v in MV.items()}), "ipam": STATIC}),
    ("list-key-ignored", {**chain({**MV, "ipam": STATIC}), "mode": "vepa"}),
    ("cni-version-missing", {k: v for k, v in {**MV, "ipam": STATIC}.items() if k != "cniVersion"}),
    ("cni-version-invalid", {**MV, "cniVersion": "0.3.2", "ipam": STATIC}),
    ("cni-name-mismatch", {**MV, "name": "other", "ipam": STATIC}),
]


def nad_of(cfg: dict, name: str = "n") -> NAD:
    return NAD.from_manifest({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                              "metadata": {"name": name, "namespace": "default"}, "spec": {"config": json.dumps(cfg)}})


def corpus_and_fixture_nads() -> list[tuple[str, NAD]]:
    out = []
    for d in ("corpus", "realworld"):
        for path in sorted((FIXTURES / d).glob("*.y*ml")):
            if ".snippets." in path.name:
                data = yaml.safe_load(path.read_text())
                for sn in data.get("snippets", []):
                    try:
                        out.append((f"{path.name}:{sn['id']}", NAD.from_config(sn["text"])))
                    except Exception:  # noqa: BLE001 - snippets that are not JSON configs
                        continue
                continue
            for doc in read_documents(path.read_text()):
                if doc.error is None and is_nad(doc.obj):
                    out.append((f"{path.name}:{doc.number}", NAD.from_manifest(doc.obj)))
    return out


ALL = [(f"broken:{code}:{i}", nad_of(cfg)) for i, (code, cfg) in enumerate(BROKEN)] + corpus_and_fixture_nads()


def test_every_finding_follows_the_policy() -> None:
    seen: set[str] = set()
    for where, nad in ALL:
        for f in validate_nad(nad):
            assert allowed(f.code, f.severity), f"{where}: {f.code} as {f.severity} breaks the policy: {f.message}"
            seen.add(f.code)
    assert len(seen) > 40  # the inputs exercise most rules


@pytest.mark.parametrize("code, cfg", BROKEN, ids=[f"{c}-{i}" for i, (c, _) in enumerate(BROKEN)])
def test_the_broken_config_triggers_a_fixable_finding(code: str, cfg: dict) -> None:
    fixable = [f for f in validate_nad(nad_of(cfg)) if f.code == code and f.fix is not None]
    assert fixable, [(f.code, f.path, f.fix) for f in validate_nad(nad_of(cfg))]


def _key(f: Finding) -> tuple[str, str]:
    return f.code, f.path


@pytest.mark.parametrize("where, nad", ALL, ids=[w for w, _ in ALL])
def test_every_fix_passes_validation(where: str, nad: NAD) -> None:
    before = validate_nad(nad)
    errors_before = {_key(f) for f in before if f.severity == "error"}
    for f in before:
        if f.fix is None:
            continue
        fixed = apply_fix(nad.config, f.fix)
        after = validate_nad(NAD.from_manifest({**nad.manifest, "spec": {"config": json.dumps(fixed)}})
                             if nad.manifest else NAD.from_config(fixed, name=nad.name, namespace=nad.namespace))
        assert _key(f) not in {_key(g) for g in after}, f"{where}: fix {f.fix} did not resolve {f.code}"
        new_errors = {_key(g) for g in after if g.severity == "error"} - errors_before
        assert not new_errors, f"{where}: fix {f.fix} for {f.code} introduced {new_errors}"


#: phrases that propose one mechanical edit: a finding whose message uses one must carry the edit as a Fix
_MECHANICAL = re.compile(r"swap them|; remove (it|it here|promiscMode|markMasqBit|role|joinSubnet|allowPersistentIPs)\b"
                         r"|; write '|did you mean '|; set (68|vlanQoS to 0|min_tx_rate)")


def test_messages_that_propose_a_mechanical_edit_carry_it() -> None:
    for where, nad in ALL:
        for f in validate_nad(nad):
            if _MECHANICAL.search(f.message):
                assert f.fix is not None, f"{where}: {f.code} proposes an edit without a fix: {f.message}"


def test_codes_are_documented() -> None:
    for code, (severities, why) in CODES.items():
        assert severities <= {"error", "warning", "info"} and why, code


@pytest.mark.parametrize("key, names, want", [
    ("route", ["routes", "dns"], "routes"), ("mastr", ["master", "mode"], "master"),
    ("vlanID", ["vlanId"], None),  # a case difference is Go's business, not a typo
    ("zzz", ["routes", "master"], None), ("portMapping", ["portMappings", "ips"], "portMappings"),
])
def test_did_you_mean(key: str, names: list[str], want: str | None) -> None:
    assert did_you_mean(key, names) == want
