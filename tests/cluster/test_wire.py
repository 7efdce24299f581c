"""The compact decoding path (issue 18) against the sandbox: a page decoded with the typed msgspec
decoders gives the views `from_raw` gives for the same objects, a list read in pages holds what one
unpaged list holds, errors of any page reach the caller, and `to_json` writes json.dumps' text."""

from __future__ import annotations

import json

import pytest

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.views import IPPoolView, NADView, PodView
from multus_tui.cluster.wire import decode_page, list_views
from multus_tui.commands._common import to_json


@pytest.fixture
def large(sandbox_factory):
    sb, kc = sandbox_factory("large:300")
    c = Cluster(load_cluster(kc))
    yield c
    c.close()


def test_typed_pod_pages_decode_to_the_views_from_raw_makes(large):
    whole = large.list_raw("pod", None)["items"]
    expected = {(o["metadata"]["namespace"], o["metadata"]["name"]): PodView.from_raw(o) for o in whole}
    got = {}
    for body in large.list_pages("pod", None, limit=70):
        for v in decode_page("pod", body).views:
            got[v.key] = v
    assert got == expected
    assert len(got) == 300


def test_typed_ippool_pages_decode_to_the_views_from_raw_makes(large):
    whole = large.list_raw("ippool", None)["items"]
    expected = {(o["metadata"]["namespace"], o["metadata"]["name"]): IPPoolView.from_raw(o) for o in whole}
    got = {}
    for body in large.list_pages("ippool", None, limit=4):
        for v in decode_page("ippool", body).views:
            got[v.key] = v
    assert got == expected
    assert len(got) == 30 and sum(len(v.pool.allocations) for v in got.values()) >= 300


def test_odd_ippools_are_read_as_from_raw_reads_them():
    """What the typed decoder refuses (an id that is a number, an entry that is not an object, a
    range that is not a string) is read generically, as from_raw always read it."""
    items = [
        {"metadata": {"name": "plain", "namespace": "kube-system", "resourceVersion": "7"},
         "spec": {"range": "10.0.0.0/24", "allocations": {
             "10": {"id": "c1", "podref": "ns/a", "ifname": "net1"}, "2": {"id": "c2", "podref": "ns/b"},
             "x": {"id": "c3", "podref": "ns/c"}, "300": {"id": "c4", "podref": "ns/d"}}}},
        {"metadata": {"name": "odd-id", "namespace": "kube-system"},
         "spec": {"range": "10.0.1.0/24", "allocations": {"3": {"id": 42, "podref": "ns/e"}, "4": "junk"}}},
        {"metadata": {"name": "odd-range", "namespace": "kube-system"}, "spec": {"range": 5}},
        {"metadata": {"name": "no-spec", "namespace": "kube-system"}},
    ]
    page = decode_page("ippool", json.dumps({"metadata": {"resourceVersion": "9"}, "items": items}).encode())
    assert page.views == [IPPoolView.from_raw(o) for o in items]
    assert page.skipped == 0
    assert [a.ip for a in page.views[0].pool.allocations] == ["10.0.0.2", None, "10.0.0.10", "10.0.1.44"]


def test_list_views_in_small_pages_holds_the_whole_list(large):
    pods, rv = list_views(large, "pod", None, limit=7)
    assert rv
    assert sorted(p.key for p in pods) == sorted((o["metadata"]["namespace"], o["metadata"]["name"])
                                                for o in large.list_raw("pod", None)["items"])
    nads, _ = list_views(large, "nad", "bench-001", limit=3)
    assert sorted(n.name for n in nads) == sorted(NADView.from_raw(o).name
                                                  for o in large.list_raw("nad", "bench-001")["items"])
    raw, _ = list_views(large, "pod", "bench-000", limit=4, raw=True)
    assert raw and all(isinstance(o, dict) and o["metadata"]["namespace"] == "bench-000" for o in raw)


def test_an_error_of_the_list_reaches_the_caller(empty):
    _, kc = empty
    c = Cluster(load_cluster(kc))
    try:
        with pytest.raises(ClusterError) as err:
            list_views(c, "pod", None, limit=5, field_selector="no.such.field=x")
        assert err.value.code == 400
    finally:
        c.close()


@pytest.mark.parametrize("data", [
    [{"namespace": "a", "ips": ["10.0.0.1", "fd00::1"], "ready": True, "n": 3, "reason": None}],
    [{"message": 'quote " backslash \\ tab \t newline \n control \x01 slash /'}],
    [{"name": "café ☃ 𝄞"}],  # non-ASCII: json.dumps escapes it, so must to_json
    [], {}, [[], {}, [{}]],
])
def test_to_json_writes_json_dumps_text(data):
    assert to_json(data) == json.dumps(data, indent=2)
