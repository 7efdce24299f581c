"""The networks annotation (multus-reference.md section 2) against Multus' own rules and the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from multus_tui.multus.errors import AnnotationError
from multus_tui.multus.selection import (
    NETWORKS_ANNOTATION,
    Selection,
    expected_interfaces,
    parse_networks,
    render_networks,
    selection_problems,
)

PODSIDE = Path(__file__).parent.parent / "fixtures" / "podside"


def _annotations_in(path: Path) -> list[str]:
    out: list[str] = []

    def walk(o: object) -> None:
        if isinstance(o, dict):
            for k, v in o.items():
                if k == NETWORKS_ANNOTATION and isinstance(v, str):
                    out.append(v)
                else:
                    walk(v)
        elif isinstance(o, list):
            for x in o:
                walk(x)

    for doc in yaml.safe_load_all(path.read_text()):
        walk(doc)
    return out


CORPUS_VALUES = [
    pytest.param(v, id=f"{p.name}#{i}")
    for p in sorted(PODSIDE.glob("*.y*ml"))
    if not p.name.endswith(".snippets.yml")
    for i, v in enumerate(_annotations_in(p))
]


def codes(value: str) -> list[str]:
    return [p.code for p in selection_problems(parse_networks(value))]


# ---------------------------------------------------------------- 2.1 which parser


def test_short_form_when_no_json_characters():
    assert parse_networks("a") == [Selection(name="a")]


@pytest.mark.parametrize("value", ['[{"name":"a"}]', '{"name":"a"}', '"a"'])
def test_any_json_character_selects_the_json_parser(value):
    if value.startswith("["):
        assert parse_networks(value)[0].name == "a"
    else:
        with pytest.raises(AnnotationError, match="JSON format"):
            parse_networks(value)


def test_empty_value_is_the_multus_error():
    with pytest.raises(AnnotationError, match='does not have "network" as key'):
        parse_networks("")


# ---------------------------------------------------------------- 2.2 short form


def test_short_form_grammar_and_trimming():
    sels = parse_networks(" ns1/a@eth9 , b , c@net5,ns2 / d ")
    assert [(s.namespace, s.name, s.interface) for s in sels] == [
        ("ns1", "a", "eth9"), (None, "b", None), (None, "c", "net5"), ("ns2", "d", None),
    ]


def test_pod_namespace_fills_missing_namespace_only():
    sels = parse_networks("a,other/b", pod_namespace="mine")
    assert [s.namespace for s in sels] == ["mine", "other"]
    assert sels[0].target("x") == ("mine", "a")
    assert Selection(name="z").target("pod-ns") == ("pod-ns", "z")


@pytest.mark.parametrize("item", ["Macvlan", "a_b", "a.b", "-a", "a-", "ns_x/a"])
def test_short_form_label_regex(item):
    with pytest.raises(AnnotationError, match="did not match comma-delimited format.*mismatch @"):
        parse_networks(item)


@pytest.mark.parametrize("value,where", [("a/b/c", "'/'"), ("a@b@c", "'@'")])
def test_short_form_separators(value, where):
    with pytest.raises(AnnotationError, match=f"failed at {where}"):
        parse_networks(value)


def test_short_form_ifname_rules():
    assert parse_networks("a@" + "x" * 15)[0].interface == "x" * 15
    with pytest.raises(AnnotationError, match="less than 15 chars"):
        parse_networks("a@" + "x" * 16)
    # Multus accepts upper case / dots in the short-form ifname (only nad-client refuses them)
    assert parse_networks("a@Eth.1")[0].interface == "Eth.1"


@pytest.mark.parametrize("value", ["a,", ",a", "a,,b", "ns/", "@x"])
def test_short_form_empty_item_is_an_error(value):
    with pytest.raises(AnnotationError, match="empty network name"):
        parse_networks(value)


# ---------------------------------------------------------------- 2.3 JSON form


def test_every_key_of_2_3():
    value = json.dumps([{
        "name": "n", "namespace": "ns", "interface": "if1", "ips": ["10.0.0.5/24", "fd00::5/64"],
        "mac": "02:00:00:00:00:01", "default-route": ["10.0.0.1"], "cni-args": {"k": "v"},
        "portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}],
        "bandwidth": {"ingressRate": 1000, "ingressBurst": 100, "egressRate": 1000, "egressBurst": 100},
        "infiniband-guid": "c2:11:22:33:44:55:66:77", "ipam-claim-reference": "claim",
        "deviceID": "0000:98:1f.2",
    }])
    (s,) = parse_networks(value)
    assert s.extra == {}
    assert (s.interface, s.mac, s.default_route, s.cni_args) == ("if1", "02:00:00:00:00:01", ["10.0.0.1"], {"k": "v"})
    assert s.port_mappings[0]["hostPort"] == 8080 and s.bandwidth["egressBurst"] == 100
    assert (s.infiniband_guid, s.ipam_claim_reference, s.device_id) == ("c2:11:22:33:44:55:66:77", "claim", "0000:98:1f.2")
    assert json.loads(render_networks([s])) == json.loads(value)


def test_keys_match_case_insensitively_like_go():
    (s,) = parse_networks('[{"NAME":"a","Interface":"x1","DEFAULT-ROUTE":["10.0.0.1"]}]')
    assert (s.name, s.interface, s.default_route, s.extra) == ("a", "x1", ["10.0.0.1"], {})
    assert "key-case" in codes('[{"NAME":"a"}]')


def test_interface_request_alias():
    (s,) = parse_networks('[{"name":"a","interfaceRequest":"x1"}]')
    assert s.interface == "x1"
    assert "deprecated-key" in codes('[{"name":"a","interfaceRequest":"x1"}]')
    # the real key wins over the alias, as in Multus
    (s,) = parse_networks('[{"name":"a","interface":"y","interfaceRequest":"x1"}]')
    assert s.interface == "y"


@pytest.mark.parametrize(
    "value,match",
    [
        ('[{"name":1}]', "cannot unmarshal number into Go struct field NetworkSelectionElement.name of type string"),
        ('{"name":"a"}', "cannot unmarshal object into Go value"),
        ('[{"name":"a"', "JSON format"),
        ('[{"name":"a","ips":"10.0.0.1/24"}]', "cannot unmarshal string"),
        ('[{"name":"a","ips":["10.0.0.300/24"]}]', 'failed to parse CIDR "10.0.0.300/24"'),
        ('[{"name":"a","ips":["nope"]}]', 'failed to parse IP address "nope"'),
        ('[{"name":"a","mac":"zz"}]', "failed to mac"),
        ('[{"name":"a","infiniband-guid":"zz"}]', "infiniband GUID"),
        ('[{"name":"a","default-route":["x"]}]', "invalid IP address: x"),
        ('[{"name":"a","cni-args":[1]}]', "cni-args"),
        ('[{"name":"a","portMappings":[{"hostPort":1.5}]}]', "of type int"),
        ('[{"name":"a","bandwidth":{"ingressRate":"1"}}]', "BandwidthEntry.ingressRate"),
        ('[{"name":"a","ips":[NaN]}]', "JSON format"),
        ("[1]", "Go value of type types.NetworkSelectionElement"),
    ],
)
def test_json_errors_read_like_multus(value, match):
    with pytest.raises(AnnotationError, match=match):
        parse_networks(value)


def test_json_null_means_no_networks():
    assert parse_networks("[]") == [] and parse_networks("[ ]") == []


def test_mac_accepts_what_go_parsemac_accepts():
    for mac in ("02:00:00:00:00:01", "02-00-00-00-00-01", "0200.0000.0001", "02:00:00:00:00:00:00:01"):
        assert parse_networks(json.dumps([{"name": "a", "mac": mac}]))[0].mac == mac


# ---------------------------------------------------------------- problems


def test_macvlan_pod_gateway_key_is_flagged_with_suggestion():
    (value,) = _annotations_in(PODSIDE / "multus__examples__macvlan-pod.yml")
    sels = parse_networks(value)
    assert sels[0].extra == {"gateway": ["10.1.1.1"]}
    (p,) = selection_problems(sels)
    assert (p.severity, p.path, p.code) == ("warning", "networks[0].gateway", "unknown-key")
    assert "default-route" in p.message


@pytest.mark.parametrize("key,meant", [("ip", "ips"), ("ifname", "interface"), ("namepsace", "namespace")])
def test_unknown_keys_suggest(key, meant):
    (p,) = selection_problems(parse_networks(json.dumps([{"name": "a", key: "x"}])))
    assert p.code == "unknown-key" and f"'{meant}'" in p.message


def test_vendor_key_is_info():
    (p,) = selection_problems(parse_networks('[{"name":"a","org.example.x":1}]'))
    assert (p.severity, p.code) == ("info", "vendor-key")


def test_ips_without_prefix_warned():
    (p,) = selection_problems(parse_networks('[{"name":"a","ips":["10.0.0.5"]}]'))
    assert (p.severity, p.path, p.code) == ("warning", "networks[0].ips[0]", "ips-no-prefix")
    assert "10.0.0.5/24" in p.message


def test_ecmp_default_route():
    value = json.dumps([
        {"name": "a", "default-route": ["10.0.0.1"]},
        {"name": "b", "default-route": ["10.1.0.1", "fd00::1"]},
    ])
    probs = [p for p in selection_problems(parse_networks(value)) if p.code == "ecmp-default-route"]
    assert len(probs) == 1 and probs[0].severity == "error"
    assert "multus does not support ECMP for default-route" in probs[0].message
    assert probs[0].path == "networks[1].default-route"
    assert codes('[{"name":"a","default-route":["10.0.0.1","fd00::1"]}]') == []


def test_empty_default_route_warned():
    assert codes('[{"name":"a","default-route":[]}]') == ["default-route-empty"]


def test_default_route_outside_requested_subnet():
    assert "default-route-unreachable" in codes(
        '[{"name":"a","ips":["10.0.0.5/24"],"default-route":["10.9.0.1"]}]'
    )


def test_interface_problems():
    assert "duplicate-interface" in codes('[{"name":"a","interface":"x"},{"name":"b","interface":"x"}]')
    # an explicit name colliding with a positional one (2.5): a -> net1, b@net1
    assert "duplicate-interface" in codes("a,b@net1")
    assert "interface-taken" in codes('[{"name":"a","interface":"eth0"}]')
    assert "interface-taken" in codes('[{"name":"a","interface":"lo"}]')
    assert "bad-interface" in codes('[{"name":"a","interface":"abcdefghijklmnop"}]')
    assert "bad-interface" in codes('[{"name":"a","interface":"a:b"}]')


def test_expected_interfaces_follow_2_5():
    assert expected_interfaces(parse_networks("a@foo,b")) == ["foo", "net2"]
    assert expected_interfaces(parse_networks("a,b"), default_networks=1) == ["net2", "net3"]


def test_ipam_claim_reference():
    assert codes('[{"name":"a","ipam-claim-reference":"c","ips":["10.0.0.1/24"]}]') == ["ipam-claim-with-ips"]
    assert codes('[{"name":"a","ipam-claim-reference":"c"}]') == ["ipam-claim-ignored"]


def test_mac_must_be_unicast_six_bytes():
    assert codes('[{"name":"a","mac":"01:00:5e:00:00:01"}]') == ["mac-multicast"]
    assert codes('[{"name":"a","mac":"02:00:00:00:00:00:00:01"}]') == ["mac-length"]
    assert codes('[{"name":"a","mac":"c2:b0:57:49:47:f1"}]') == []


def test_ports_and_bandwidth():
    assert "bad-port" in codes('[{"name":"a","portMappings":[{"hostPort":0,"containerPort":80}]}]')
    assert "bad-protocol" in codes(
        '[{"name":"a","portMappings":[{"hostPort":1,"containerPort":80,"protocol":"icmp"}]}]'
    )
    assert codes('[{"name":"a","portMappings":[{"hostPort":1,"containerPort":80,"protocol":"Udp"}]}]') == []
    assert "bandwidth-pair" in codes('[{"name":"a","bandwidth":{"ingressRate":100}}]')


def test_names():
    assert codes('[{"name":"my.nad"}]') == []  # legal NAD name, JSON-only (2.2)
    assert "bad-name" in codes('[{"name":"My_Nad"}]')
    assert "missing-name" in codes('[{"namespace":"x"}]')
    assert "bad-namespace" in codes('[{"name":"a","namespace":"Bad"}]')


# ---------------------------------------------------------------- render


def test_render_short_form_when_every_element_allows():
    assert render_networks(parse_networks("a, ns/b@net7")) == "a,ns/b@net7"
    assert render_networks(parse_networks('[{"name":"a"},{"name":"b","namespace":"n","interface":"x"}]')) == "a,n/b@x"


@pytest.mark.parametrize(
    "value",
    [
        '[{"name":"a"},{"name":"b","ips":["10.0.0.1/24"]}]',
        '[{"name":"my.nad"}]',
        '[{"name":"a","interface":"Eth1"}]',  # ifname fails nad-client's label check
        '[{"name":"a","gateway":["10.0.0.1"]}]',  # unknown keys are kept
    ],
)
def test_render_json_otherwise(value):
    out = render_networks(parse_networks(value))
    assert out.startswith("[") and json.loads(out) == json.loads(value)


def test_render_key_order_is_stable():
    out = render_networks(parse_networks(
        '[{"x.y":1,"mac":"02:00:00:00:00:01","default-route":["10.0.0.1"],"ips":["10.0.0.2/24"],'
        '"interface":"i","namespace":"n","name":"a"}]'
    ))
    assert list(json.loads(out)[0]) == ["name", "namespace", "interface", "ips", "mac", "default-route", "x.y"]
    assert " " not in out


@pytest.mark.parametrize("value", CORPUS_VALUES)
def test_every_corpus_annotation_parses_and_round_trips(value):
    sels = parse_networks(value)
    assert sels
    again = parse_networks(render_networks(sels))
    assert again == sels


def test_corpus_has_53_annotations():
    # INDEX.md: 53 networks annotations inside manifests (21 short, 32 JSON)
    assert len(CORPUS_VALUES) == 53


def test_quickstart_same_nad_twice():
    values = _annotations_in(PODSIDE / "multus__docs__quickstart.md.yml")
    assert "macvlan-conf,macvlan-conf" in values
    sels = parse_networks("macvlan-conf,macvlan-conf")
    assert expected_interfaces(sels) == ["net1", "net2"]
    assert selection_problems(sels) == []


def test_corpus_verdict_only_the_gateway_key_is_flagged():
    """Across every networks annotation of the corpus, the single problem is the upstream
    `gateway` key of multus examples/macvlan-pod.yml (INDEX.md, reference section 6)."""
    found = []
    for p in sorted(PODSIDE.glob("*.y*ml")):
        if p.name.endswith(".snippets.yml"):
            continue
        for v in _annotations_in(p):
            found += [(p.name, q.code, q.path) for q in selection_problems(parse_networks(v))]
    assert found == [("multus__examples__macvlan-pod.yml", "unknown-key", "networks[0].gateway")]


def test_go_key_is_the_key_go_decodes_into_the_field():
    """encoding/json: each key is matched exactly, else ignoring case; a later duplicate overwrites."""
    from multus_tui.multus.selection import go_key

    assert go_key({"master": "a"}, "master") == "master"
    assert go_key({"Master": "a"}, "master") == "Master"
    assert go_key({"master": "a", "MASTER": "b"}, "master") == "MASTER"  # the later one wins, as in Go
    assert go_key({"mode": "a"}, "master") == "master"                  # none: the field's own name
