"""`multus-tui status` on the seed scenario, through the console entry point and the real client."""

from __future__ import annotations

import ipaddress
import json

from multus_tui.cli import main
from multus_tui.cluster.client import Cluster
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.status import collect_status
from multus_tui.commands.status import render_table
from tests.waiting import wait_until

from .test_kubeconfig import _config, _write


def _status_json(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    rc = main(["status", *args, "-o", "json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def _wait_settled(kc: str) -> None:
    """The simulated kubelet attaches pods shortly after start; wait for samplepod to be decided."""
    cluster = Cluster(load_cluster(kc))

    def settled() -> bool:
        recs = {(r["namespace"], r["pod"]): r for r in collect_status(cluster, None)}
        sp = recs.get(("default", "samplepod"))
        return bool(sp and all(a["state"] != "pending" for a in sp["attachments"]) and any(
            a["state"] == "failed" for r in recs.values() for a in r["attachments"]))

    wait_until(settled, what="samplepod attached and a failing pod decided", interval=0.2)


def test_status_seed_all_namespaces(seed, capsys):
    sb, kc = seed
    _wait_settled(kc)
    records = _status_json(capsys, "--kubeconfig", kc, "-A")
    for r in records:
        assert set(r) == {"namespace", "pod", "node", "phase", "attachments"}
        for a in r["attachments"]:
            assert set(a) == {"network", "interface", "ips", "mac", "default", "state", "reason"}
            assert a["state"] in ("attached", "pending", "failed")
    by = {(r["namespace"], r["pod"]): r for r in records}
    sp = by[("default", "samplepod")]
    pool = [a for a in sp["attachments"] if a["network"] == "kube-system/vlan1-internal-pool"]
    assert len(pool) == 1 and pool[0]["state"] == "attached" and not pool[0]["default"]
    ip = ipaddress.ip_address(pool[0]["ips"][0])
    assert ipaddress.ip_address("192.168.0.20") <= ip <= ipaddress.ip_address("192.168.0.49")
    assert pool[0]["interface"] == "net1"
    assert any(a["default"] for a in sp["attachments"]), "the cluster default network is listed"

    existing = {(o["metadata"]["namespace"], o["metadata"]["name"])
                for o in sb.store.list("network-attachment-definitions")[0]}
    failed = [(r, a) for r in records for a in r["attachments"] if a["state"] == "failed" and not a["default"]]
    missing = [(r, a) for r, a in failed if tuple(a["network"].split("/", 1)) not in existing]
    assert missing, f"no pod fails on a missing NAD: {failed}"
    for _r, a in missing:
        assert a["reason"] and a["network"].split("/", 1)[1] in a["reason"], a


def test_status_namespace_scope_and_default(seed, capsys):
    sb, kc = seed
    recs = _status_json(capsys, "--kubeconfig", kc)  # the context's namespace: default
    assert recs and all(r["namespace"] == "default" for r in recs)
    recs = _status_json(capsys, "--kubeconfig", kc, "-n", "kube-system")
    assert all(r["namespace"] == "kube-system" for r in recs)


def test_status_table(seed, capsys):
    _, kc = seed
    _wait_settled(kc)
    capsys.readouterr()
    assert main(["status", "--kubeconfig", kc, "-A"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["NAMESPACE", "POD", "NODE", "PHASE", "NETWORK", "INTERFACE", "IPS", "STATE", "REASON"]
    assert "\x1b[" not in out, "no colour when stdout is not a terminal"
    row = next(line for line in lines if "samplepod" in line and "vlan1-internal-pool" in line)
    assert "attached" in row and "192.168.0." in row
    # aligned: the STATE column starts at the same offset on every row
    col = lines[0].index("STATE")
    assert all(line[col:].split()[0] in ("attached", "pending", "failed", "-") for line in lines[1:] if line.strip())


def test_render_table_one_row_per_attachment_and_colour():
    recs = [{"namespace": "a", "pod": "p", "node": "n", "phase": "Running", "attachments": [
        {"network": "cbr0", "interface": "eth0", "ips": ["10.0.0.1"], "mac": None, "default": True,
         "state": "attached", "reason": None},
        {"network": "a/x", "interface": "net1", "ips": [], "mac": None, "default": False,
         "state": "failed", "reason": "bad\x1b[2Jthing"}]},
        {"namespace": "a", "pod": "host", "node": "n", "phase": "Running", "attachments": []}]
    plain = render_table(recs)
    assert len(plain.splitlines()) == 4 and "\x1b" not in plain
    assert "cbr0 (default)" in plain
    coloured = render_table(recs, color=True)
    assert "\x1b[31mfailed" in coloured and "\x1b[2J" not in coloured


def test_status_unreachable_exits_1(tmp_path, capsys):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))  # bound, not listening: refused, and no parallel test can take the port
    port = s.getsockname()[1]
    kc = _write(tmp_path / "kc", _config(f"http://127.0.0.1:{port}", {"token": "secret-token-value-123"}))
    capsys.readouterr()
    with s:
        assert main(["status", "--kubeconfig", kc, "-A"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "connection refused" in err
    assert "secret-token-value-123" not in err


def test_status_no_kubeconfig_exits_1(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["status"]) == 1
    assert "no kubeconfig" in capsys.readouterr().err
