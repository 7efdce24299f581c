"""One path dialect for findings and the builder (multus_tui.multus.paths)."""

from __future__ import annotations

import pytest

from multus_tui.multus.nad import NAD
from multus_tui.multus.paths import del_in, get_in, join_path, set_in, split_path
from multus_tui.multus.validate import validate_nad


@pytest.mark.parametrize(("path", "steps"), [
    ("plugins[0].ipam.addresses[0].address", ["plugins", 0, "ipam", "addresses", 0, "address"]),
    ("ipam.ranges[0][1].subnet", ["ipam", "ranges", 0, 1, "subnet"]),
    ("plugins[1].sysctl['net.ipv4.conf.all.forwarding']", ["plugins", 1, "sysctl", "net.ipv4.conf.all.forwarding"]),
    ('metadata.annotations["k8s.v1.cni.cncf.io/networks"]', ["metadata", "annotations", "k8s.v1.cni.cncf.io/networks"]),
    ("", []),
])
def test_split_and_join_are_inverse(path, steps):
    assert split_path(path) == steps
    assert split_path(join_path(steps)) == steps


@pytest.mark.parametrize("bad", ["a[", "a[x]", "a]"])
def test_a_broken_path_says_where(bad):
    with pytest.raises(ValueError, match="cannot read path"):
        split_path(bad)


def test_get_set_del():
    doc: dict = {}
    set_in(doc, ["plugins", 0, "sysctl", "net.ipv4.ip_forward"], "1")
    assert doc == {"plugins": [{"sysctl": {"net.ipv4.ip_forward": "1"}}]}
    assert get_in(doc, split_path("plugins[0].sysctl['net.ipv4.ip_forward']")) == "1"
    assert get_in(doc, ["plugins", 3], "none") == "none"
    del_in(doc, ["plugins", 0, "sysctl", "net.ipv4.ip_forward"])
    assert doc == {"plugins": [{"sysctl": {}}]}


def test_every_path_the_validator_reports_reads_a_value_of_the_config():
    """A sysctl key holds dots: the finding's path must still lead to the key (the builder puts the
    finding on the field that edits it), not to `sysctl`, `'net`, `ipv4`..."""
    config = {"cniVersion": "0.3.1", "name": "n", "plugins": [
        {"type": "macvlan", "master": "eth1", "ipam": {"type": "static"}},
        {"type": "tuning", "sysctl": {"kernel.foo": "1", "net.ipv4.conf.eth0.forwarding": "1"}}]}
    nad = NAD(name="n", namespace="default", config=config)
    sysctl = [f for f in validate_nad(nad) if "sysctl" in f.path]
    assert sysctl, [f.path for f in validate_nad(nad)]
    for f in sysctl:
        steps = split_path(f.path.removeprefix("spec.config."))
        assert steps[:3] == ["plugins", 1, "sysctl"] and steps[3] in config["plugins"][1]["sysctl"], f.path
