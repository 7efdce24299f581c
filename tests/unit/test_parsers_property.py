"""Property tests: any input into the pod-side parsers gives a result or our own error type,
never another exception (issue 2: "any input gives a result or our own error type")."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multus_tui.multus.attachments import join_attachments
from multus_tui.multus.errors import AnnotationError, ConfigError
from multus_tui.multus.failures import parse_failure
from multus_tui.multus.ipam import allocate, contains, ipam_gateway, ipam_ranges, pool_size
from multus_tui.multus.selection import (
    NETWORKS_ANNOTATION,
    parse_networks,
    render_networks,
    selection_problems,
)
from multus_tui.multus.status import (
    NETWORK_STATUS_ANNOTATION,
    parse_network_status,
    render_network_status,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)

SEL_KEYS = ["name", "namespace", "interface", "interfaceRequest", "ips", "mac", "default-route", "cni-args",
            "portMappings", "bandwidth", "infiniband-guid", "ipam-claim-reference", "deviceID", "gateway", "NAME"]
ip_like = st.sampled_from(["10.0.0.1", "10.0.0.1/24", "fd00::1", "fd00::1/64", "fe80::1%eth0", "10.0.0.300",
                           "1.2.3.4/33", "", "::", "0.0.0.0/0", "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff"])
element = st.dictionaries(st.sampled_from(SEL_KEYS), json_values | ip_like | st.lists(ip_like, max_size=3), max_size=6)
short_alphabet = string.ascii_lowercase[:4] + "0-/@, _.A\t"


def check_selection(value: str) -> None:
    try:
        sels = parse_networks(value, "ns")
    except AnnotationError as exc:
        assert str(exc)
        return
    selection_problems(sels)
    rendered = render_networks(sels)
    # whatever we render we can read back, to the same selections
    assert parse_networks(rendered, "ns") == sels


@SETTINGS
@given(st.text(max_size=80))
def test_any_text_into_parse_networks(value):
    check_selection(value)


@SETTINGS
@given(st.text(alphabet=short_alphabet, max_size=40))
def test_short_form_like_text(value):
    check_selection(value)


@SETTINGS
@given(st.lists(element, max_size=4))
def test_json_selection_lists(elements):
    check_selection(json.dumps(elements))


@SETTINGS
@given(json_values)
def test_any_json_into_parse_networks(value):
    check_selection(json.dumps(value))


status_keys = ["name", "interface", "ips", "mac", "mtu", "default", "dns", "gateway", "device-info", "x"]
status_element = st.dictionaries(st.sampled_from(status_keys), json_values | st.lists(st.text(max_size=8), max_size=3),
                                 max_size=6)


def check_status(value: str) -> None:
    try:
        sts = parse_network_status(value)
    except AnnotationError as exc:
        assert str(exc)
        return
    again = parse_network_status(render_network_status(sts))
    assert [s.to_dict() for s in again] == [s.to_dict() for s in sts]


@SETTINGS
@given(st.text(max_size=80))
def test_any_text_into_parse_network_status(value):
    check_status(value)


@SETTINGS
@given(st.lists(status_element, max_size=4) | json_values)
def test_any_json_into_parse_network_status(value):
    check_status(json.dumps(value))


ipam_keys = ["type", "subnet", "rangeStart", "rangeEnd", "gateway", "ranges", "range", "range_start", "range_end",
             "exclude", "ipRanges", "addresses", "address"]
cidrish = st.sampled_from(["10.0.0.0/24", "10.0.0.5/24", "10.0.0.0/30", "10.0.0.0/31", "10.0.0.1/32", "fd00::/120",
                           "fd00::/127", "10.0.0.10", "10.0.0.20", "fd00::5", "10.0.0.9-10.0.0.20/24", "x", "",
                           "10.0.0.0/8", "fd00::/64", "192.168.2.225-192.168.2.230/28"])
ipam_value = st.recursive(
    cidrish | json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(ipam_keys), inner, max_size=4),
    max_leaves=12,
)
ipam_dict = st.fixed_dictionaries(
    {"type": st.sampled_from(["host-local", "whereabouts", "static", "dhcp", 3])},
    optional={k: ipam_value for k in ipam_keys[1:]},
)


@SETTINGS
@given(ipam_dict | st.dictionaries(st.text(max_size=6), json_values, max_size=4) | json_values)
def test_any_ipam_into_ipam_ranges(ipam):
    try:
        ranges = ipam_ranges(ipam)
    except ConfigError as exc:
        assert str(exc)
        return
    for r in ranges:
        first = next(iter(r.iter_hosts()), None)
        assert (first is None) == (r.size() == 0)
        if first is not None:
            assert first in r
    if isinstance(ipam, dict):
        pool_size(ipam)
        ipam_gateway(ipam)
        contains(ipam, "10.0.0.1")
        try:
            allocate(ipam, [])
        except Exception as exc:  # only our own types
            from multus_tui.multus.errors import MultusTuiError
            assert isinstance(exc, MultusTuiError)


@SETTINGS
@given(st.text(max_size=300), st.sampled_from([None, "FailedCreatePodSandBox", "NoNetworkFound"]))
def test_any_text_into_parse_failure(message, reason):
    f = parse_failure(message, reason)
    assert f is None or f.kind


@SETTINGS
@given(
    st.dictionaries(st.sampled_from([NETWORKS_ANNOTATION, NETWORK_STATUS_ANNOTATION, "other"]),
                    st.text(max_size=40) | st.lists(element, max_size=3).map(json.dumps), max_size=3),
    st.sampled_from([None, "Pending", "Running"]),
    st.lists(st.dictionaries(st.sampled_from(["type", "reason", "message", "lastTimestamp"]),
                             st.text(max_size=30) | st.sampled_from(["Warning", "FailedCreatePodSandBox"]),
                             max_size=4), max_size=3),
)
def test_join_attachments_never_raises(annotations, phase, events):
    out = join_attachments("ns", annotations, phase, events)
    assert out and out[0].default
