"""Pool arithmetic of multus-reference.md 4.13-4.16."""

from __future__ import annotations

import itertools

import pytest

from multus_tui.multus.errors import ConfigError
from multus_tui.multus.ipam import (
    PoolExhausted,
    allocate,
    contains,
    ipam_gateway,
    ipam_ranges,
    pool_size,
    pool_sizes,
)


def hosts(ipam, n=None):
    out = [ip for r in ipam_ranges(ipam) for ip in r.iter_hosts()]
    return out if n is None else out[:n]


# ---------------------------------------------------------------- host-local (4.14)


def test_host_local_defaults_skip_network_gateway_broadcast():
    ipam = {"type": "host-local", "ranges": [[{"subnet": "10.1.1.0/24"}]]}
    hs = hosts(ipam)
    assert hs[0] == "10.1.1.2" and hs[-1] == "10.1.1.254" and "10.1.1.1" not in hs
    assert len(hs) == 253 == pool_size(ipam)
    assert ipam_gateway(ipam) == "10.1.1.1"


def test_host_local_s4_range_start_end():
    ipam = {"type": "host-local", "ranges": [[{"subnet": "10.20.0.0/24", "rangeStart": "10.20.0.20",
                                                "rangeEnd": "10.20.0.21", "gateway": "10.20.0.1"}]]}
    assert hosts(ipam) == ["10.20.0.20", "10.20.0.21"]
    assert allocate(ipam, []) == ["10.20.0.20/24"]
    assert allocate(ipam, ["10.20.0.20"]) == ["10.20.0.21/24"]
    with pytest.raises(PoolExhausted, match="no IP addresses available in range set: 10.20.0.20-10.20.0.21"):
        allocate(ipam, ["10.20.0.20", "10.20.0.21"])


def test_host_local_gateway_inside_range_is_skipped():
    ipam = {"type": "host-local", "subnet": "10.0.0.0/29", "gateway": "10.0.0.3"}
    assert hosts(ipam) == ["10.0.0.1", "10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
    assert pool_size(ipam) == 5


def test_host_local_legacy_is_prepended_as_a_set():
    ipam = {"type": "host-local", "subnet": "10.0.0.0/24", "ranges": [[{"subnet": "fd00::/120"}]]}
    rs = ipam_ranges(ipam)
    assert [r.set_index for r in rs] == [0, 1] and [r.version for r in rs] == [4, 6]
    assert pool_sizes(ipam) == [253, 254]  # IPv6: no broadcast, network and gateway ::1 skipped
    assert pool_size(ipam) == 253
    assert allocate(ipam, []) == ["10.0.0.2/24", "fd00::2/120"]


def test_host_local_two_ranges_in_one_set_chain():
    ipam = {"type": "host-local", "ranges": [[
        {"subnet": "10.0.0.0/30"}, {"subnet": "10.0.1.0/30"},
    ]]}
    assert hosts(ipam) == ["10.0.0.2", "10.0.1.2"]
    assert allocate(ipam, ["10.0.0.2"]) == ["10.0.1.2/30"]
    assert pool_size(ipam) == 2


def test_host_local_round_robin_after_last():
    ipam = {"type": "host-local", "subnet": "10.0.0.0/29"}
    assert allocate(ipam, [], last={0: "10.0.0.4"}) == ["10.0.0.5/29"]
    assert allocate(ipam, ["10.0.0.6"], last={0: "10.0.0.5"}) == ["10.0.0.2/29"]  # wraps


@pytest.mark.parametrize(
    "ipam,match",
    [
        ({"type": "host-local"}, "no IP ranges specified"),
        ({"type": "host-local", "ranges": [[{"subnet": "10.0.0.5/24"}]]}, "host bits set.*10.0.0.0"),
        ({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/31"}]]}, "too small"),
        ({"type": "host-local", "ranges": [[{"subnet": "fd00::/127"}]]}, "too small"),
        ({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24", "rangeStart": "10.0.1.1"}]]},
         "RangeStart 10.0.1.1 not in network"),
        ({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24"}, {"subnet": "fd00::/64"}]]}, "mixed"),
        ({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24"}], [{"subnet": "10.0.0.0/16"}]]}, "overlaps"),
        ({"type": "host-local", "ranges": [[{"subnet": "nope"}]]}, "invalid CIDR"),
        ({"type": "host-local", "ranges": "10.0.0.0/24"}, "expected a list"),
    ],
)
def test_host_local_errors(ipam, match):
    with pytest.raises(ConfigError, match=match):
        ipam_ranges(ipam)
    assert contains(ipam, "10.0.0.1") is False and ipam_gateway(ipam) is None


# ---------------------------------------------------------------- whereabouts (4.16)


def test_whereabouts_masks_host_bits_and_never_hands_out_dot_zero():
    ipam = {"type": "whereabouts", "range": "192.168.2.225/22"}
    hs = hosts(ipam)
    assert hs[0] == "192.168.0.1" and hs[-1] == "192.168.3.254"
    assert not any(h.endswith(".0") for h in hs)
    assert len(hs) == pool_size(ipam) == 1022 - 3  # .1.0, .2.0, .3.0 skipped


def test_whereabouts_first_last_form():
    ipam = {"type": "whereabouts", "range": "192.168.2.225-192.168.2.230/28"}
    assert hosts(ipam) == [f"192.168.2.{i}" for i in range(225, 231)]
    assert pool_size(ipam) == 6
    assert allocate(ipam, []) == ["192.168.2.225/28"]


def test_whereabouts_start_end_exclude():
    ipam = {"type": "whereabouts", "range": "10.0.0.0/24", "range_start": "10.0.0.10", "range_end": "10.0.0.20",
            "exclude": ["10.0.0.12/31", "10.0.0.15", "10.0.0.14/32", "10.9.9.0/24"]}
    assert hosts(ipam) == ["10.0.0.10", "10.0.0.11", "10.0.0.16", "10.0.0.17", "10.0.0.18", "10.0.0.19", "10.0.0.20"]
    assert pool_size(ipam) == 7
    assert contains(ipam, "10.0.0.16/24") and not contains(ipam, "10.0.0.13")


def test_whereabouts_ipranges_dual_stack():
    ipam = {"type": "whereabouts", "ipRanges": [{"range": "10.0.0.0/30"}, {"range": "fd00::/126"}]}
    assert allocate(ipam, []) == ["10.0.0.1/30", "fd00::1/126"]
    assert pool_sizes(ipam) == [2, 2]
    with pytest.raises(PoolExhausted, match=r"Could not allocate IP in range: ip: 10.0.0.1 / - 10.0.0.2 / range: 10.0.0.0/30"):
        allocate(ipam, ["10.0.0.1", "10.0.0.2"])


def test_whereabouts_exhaustion_message_lists_excludes():
    ipam = {"type": "whereabouts", "range": "10.0.0.0/29", "exclude": ["10.0.0.0/30"]}
    with pytest.raises(PoolExhausted, match=r"^error at storage engine: .* excludeRanges: \[10.0.0.0/30\]$"):
        allocate(ipam, ["10.0.0.4", "10.0.0.5", "10.0.0.6"])


def test_whereabouts_gateway():
    assert ipam_gateway({"type": "whereabouts", "range": "10.0.0.0/24", "gateway": "10.0.0.254"}) == "10.0.0.254"


@pytest.mark.parametrize(
    "ipam",
    [{"type": "whereabouts"}, {"type": "whereabouts", "range": "x"}, {"type": "whereabouts", "range": "10.0.0.9-10.0.1.0/24"},
     {"type": "whereabouts", "range": "10.0.0.0/24", "exclude": ["bad"]}, {"type": "whereabouts", "range": "10.0.0.1/32"}],
)
def test_whereabouts_errors(ipam):
    with pytest.raises(ConfigError):
        ipam_ranges(ipam)


# ---------------------------------------------------------------- static (4.13)


def test_static_addresses_as_given():
    ipam = {"type": "static", "addresses": [{"address": "10.1.1.101/24", "gateway": "10.1.1.1"},
                                            {"address": "fd00::5/64"}]}
    assert allocate(ipam, ["10.1.1.101"]) == ["10.1.1.101/24", "fd00::5/64"]
    assert contains(ipam, "10.1.1.101") and not contains(ipam, "10.1.1.102")
    assert pool_size(ipam) is None and ipam_gateway(ipam) == "10.1.1.1"


def test_static_requires_cidr():
    with pytest.raises(ConfigError, match="NOT in CIDR notation"):
        ipam_ranges({"type": "static", "addresses": [{"address": "10.1.1.101"}]})


def test_static_without_addresses_is_empty():
    assert ipam_ranges({"type": "static"}) == [] and allocate({"type": "static"}, []) == []


@pytest.mark.parametrize("ipam", [None, {}, {"type": "dhcp"}, {"type": "foo"}])
def test_no_pool(ipam):
    assert ipam_ranges(ipam) == [] and pool_size(ipam) is None and ipam_gateway(ipam) is None


# ---------------------------------------------------------------- size and laziness


@pytest.mark.parametrize(
    "ipam",
    [
        {"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/20", "rangeStart": "10.0.3.7", "rangeEnd": "10.0.9.1",
                                            "gateway": "10.0.5.5"}]]},
        {"type": "whereabouts", "range": "10.0.0.0/20", "range_start": "10.0.0.255",
         "exclude": ["10.0.2.0/23", "10.0.3.0/24", "10.0.8.0/22", "10.0.0.128/25"]},
        {"type": "whereabouts", "range": "fd00::/116", "exclude": ["fd00::100/120"]},
    ],
)
def test_size_is_exact(ipam):
    (r,) = ipam_ranges(ipam)
    listed = list(r.iter_hosts())
    assert r.size() == len(listed) == len(set(listed))
    assert all(ip in r for ip in listed[:: max(1, len(listed) // 50)])


def test_huge_ranges_are_lazy_and_counted():
    v4 = {"type": "whereabouts", "range": "10.0.0.0/8"}
    assert pool_size(v4) == 2**24 - 2 - (2**16 - 1)
    v6 = {"type": "host-local", "ranges": [[{"subnet": "fd00::/64"}]]}
    assert pool_size(v6) == 2**64 - 2
    (r,) = ipam_ranges(v6)
    assert list(itertools.islice(r.iter_hosts(), 2)) == ["fd00::2", "fd00::3"]


def test_iterating_a_slash_16_yields_every_host_once():
    # (laziness is shown by the /64 above; speed is not asserted here: a loaded machine is slow)
    (r,) = ipam_ranges({"type": "host-local", "subnet": "10.1.0.0/16"})
    hosts = list(r.iter_hosts())
    assert len(hosts) == len(set(hosts)) == 65533


# --- pool use: one count for the Doctor and the NAD views -----------------------------------------
HOST_LOCAL = {"type": "host-local", "ranges": [[{"subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20",
                                                 "rangeEnd": "192.168.0.49"}]]}


def test_host_local_pools_are_counted_per_node():
    from multus_tui.multus.ipam import pool_use, pool_uses

    held = [("node-1", "a", ["192.168.0.20/24"]), ("node-2", "b", ["192.168.0.20"]),
            ("node-2", "c", ["192.168.0.21"]), (None, "unscheduled", ["192.168.0.22"]),
            ("node-1", "own-ips", ["10.9.9.9"])]  # outside the ranges: takes nothing from the pool
    assert [(u.node, u.used, u.size) for u in pool_uses(HOST_LOCAL, held)] == [("node-1", 1, 30), ("node-2", 2, 30)]
    fullest = pool_use(HOST_LOCAL, held)
    assert (fullest.node, fullest.used, fullest.exhausted) == ("node-2", 2, False)
    assert pool_use(HOST_LOCAL, []).used == 0


def test_a_dual_stack_attachment_takes_one_place_of_the_pool():
    from multus_tui.multus.ipam import pool_use

    ipam = {"type": "whereabouts", "ipRanges": [{"range": "10.0.0.0/30"}, {"range": "fd00::/126"}]}
    use = pool_use(ipam, [("node-1", "a", ["10.0.0.1/30", "fd00::1/126"]), ("node-2", "b", ["10.0.0.2", "fd00::2"])])
    assert (use.used, use.size, use.node, use.exhausted) == (2, 2, None, True)


def test_no_pool_no_use():
    from multus_tui.multus.ipam import pool_use

    assert pool_use({"type": "static", "addresses": [{"address": "10.0.0.1/24"}]}, [("n", "a", ["10.0.0.1"])]) is None
    assert pool_use({"type": "host-local", "ranges": "nonsense"}, []) is None
    assert pool_use(None, []) is None
