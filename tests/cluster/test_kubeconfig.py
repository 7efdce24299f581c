"""Kubeconfig forms, read by the real client against a real HTTPS endpoint (tlsserver.AuthServer).

Each auth method is proven by the server saying which credential it accepted, so a test cannot
pass with, say, the token silently used instead of the client certificate.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from multus_tui.cluster.client import Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.kubeconfig import list_contexts, load_cluster

from .tlsserver import AuthServer, make_pki

TOKEN = "kubeconfig-test-token-0123456789"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def server(pki):
    with AuthServer(pki, TOKEN) as s:
        yield s


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _write(path: Path, cfg: dict) -> str:
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def _config(server_url: str, user: dict, *, cluster: dict | None = None, ns: str | None = None,
            name: str = "test") -> dict:
    ctx = {"cluster": name, "user": name}
    if ns:
        ctx["namespace"] = ns
    return {"apiVersion": "v1", "kind": "Config", "current-context": name,
            "clusters": [{"name": name, "cluster": cluster or {"server": server_url}}],
            "users": [{"name": name, "user": user}],
            "contexts": [{"name": name, "context": ctx}]}


def _auth_used(info) -> str:
    ns = Cluster(info).get_raw("namespace", None, "default")
    return ns["metadata"]["annotations"]["auth"]


@pytest.fixture(autouse=True)
def _no_env_kubeconfig(monkeypatch, tmp_path):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_token_with_ca_file(server, pki, tmp_path):
    path = _write(tmp_path / "kc", _config(server.url, {"token": TOKEN},
                                            cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    info = load_cluster(path)
    assert (info.context, info.server, info.namespace) == ("test", server.url, "default")
    assert _auth_used(info) == "token"


def test_microk8s_config_shape(server, pki, tmp_path):
    """`microk8s config`: certificate-authority-data inline, a token user, context microk8s."""
    cfg = {
        "apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": "microk8s",
        "clusters": [{"name": "microk8s-cluster",
                      "cluster": {"certificate-authority-data": _b64(pki.ca_pem), "server": server.url}}],
        "contexts": [{"name": "microk8s", "context": {"cluster": "microk8s-cluster", "user": "admin"}}],
        "users": [{"name": "admin", "user": {"token": TOKEN}}],
    }
    info = load_cluster(_write(tmp_path / "microk8s.yaml", cfg))
    assert info.context == "microk8s"
    assert _auth_used(info) == "token"
    assert Cluster(info).server_version() == "v1.31.0-test"


def test_token_file(server, pki, tmp_path):
    (tmp_path / "tok").write_text(TOKEN)
    path = _write(tmp_path / "kc", _config(server.url, {"tokenFile": str(tmp_path / "tok")},
                                            cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    assert _auth_used(load_cluster(path)) == "token"


def test_client_certificate_files(server, pki, tmp_path):
    path = _write(tmp_path / "kc", _config(
        server.url, {"client-certificate": str(pki.client_cert), "client-key": str(pki.client_key)},
        cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    assert _auth_used(load_cluster(path)) == "cert:alice"


def test_client_certificate_relative_paths(server, pki, tmp_path):
    """Relative certificate paths are relative to the kubeconfig file, as in kubectl."""
    d = tmp_path / "conf"
    d.mkdir()
    for src, dst in ((pki.client_cert, "c.crt"), (pki.client_key, "c.key"), (pki.ca_file, "ca.crt")):
        (d / dst).write_bytes(src.read_bytes())
    path = _write(d / "kc", _config(server.url, {"client-certificate": "c.crt", "client-key": "c.key"},
                                    cluster={"server": server.url, "certificate-authority": "ca.crt"}))
    assert _auth_used(load_cluster(path)) == "cert:alice"


def test_client_certificate_data(server, pki, tmp_path):
    path = _write(tmp_path / "kc", _config(
        server.url, {"client-certificate-data": _b64(pki.client_cert_pem),
                     "client-key-data": _b64(pki.client_key_pem)},
        cluster={"server": server.url, "certificate-authority-data": _b64(pki.ca_pem)}))
    assert _auth_used(load_cluster(path)) == "cert:alice"


def test_basic_auth(server, pki, tmp_path):
    path = _write(tmp_path / "kc", _config(server.url, {"username": "bob", "password": "s3cret"},
                                            cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    assert _auth_used(load_cluster(path)) == "basic"


def _exec_plugin(tmp_path: Path, status: dict) -> dict:
    script = tmp_path / "cred.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys
        print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                          "status": {json.dumps(status)}}}))
    """))
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable,
                     "args": [str(script)], "interactiveMode": "Never"}}


def test_exec_plugin_token(server, pki, tmp_path):
    path = _write(tmp_path / "kc", _config(server.url, _exec_plugin(tmp_path, {"token": TOKEN}),
                                            cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    assert _auth_used(load_cluster(path)) == "token"


def test_exec_plugin_client_certificate(server, pki, tmp_path):
    status = {"clientCertificateData": pki.client_cert_pem.decode(), "clientKeyData": pki.client_key_pem.decode()}
    path = _write(tmp_path / "kc", _config(server.url, _exec_plugin(tmp_path, status),
                                            cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    assert _auth_used(load_cluster(path)) == "cert:alice"


def test_exec_plugin_failure_is_a_clear_error(server, pki, tmp_path):
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable,
                     "args": ["-c", "import sys; sys.exit(3)"], "interactiveMode": "Never"}}
    path = _write(tmp_path / "kc", _config(server.url, user, cluster={"server": server.url}))
    with pytest.raises(ClusterError) as ei:
        load_cluster(path)
    assert "exec credential plugin" in ei.value.message


def test_merged_kubeconfig_list(server, pki, tmp_path, monkeypatch):
    """KUBECONFIG=a:b — clusters/users from one file, contexts from another; first current-context wins."""
    a = {"apiVersion": "v1", "kind": "Config", "current-context": "second",
         "clusters": [{"name": "c", "cluster": {"server": server.url, "certificate-authority": str(pki.ca_file)}}],
         "users": [{"name": "u", "user": {"token": TOKEN}}], "contexts": []}
    b = {"apiVersion": "v1", "kind": "Config", "current-context": "first",
         "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],  # loses: a names c first
         "contexts": [{"name": "first", "context": {"cluster": "c", "user": "u"}},
                      {"name": "second", "context": {"cluster": "c", "user": "u", "namespace": "team-a"}}]}
    pa, pb = _write(tmp_path / "a", a), _write(tmp_path / "b", b)
    missing = str(tmp_path / "does-not-exist")
    monkeypatch.setenv("KUBECONFIG", ":".join([pa, missing, pb]))
    names, current = list_contexts()
    assert names == ["first", "second"] and current == "second"
    info = load_cluster()
    assert (info.context, info.namespace, info.server) == ("second", "team-a", server.url)
    assert _auth_used(info) == "token"
    other = load_cluster(context="first")
    assert (other.context, other.namespace) == ("first", "default")
    assert other.contexts == ["first", "second"]


def test_kubeconfig_option_wins_over_env(server, pki, tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nothing-here"))
    path = _write(tmp_path / "kc", _config(server.url, {"token": TOKEN}, ns="ns1",
                                            cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    assert load_cluster(path).namespace == "ns1"


def test_default_location(server, pki, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    _write(home / ".kube" / "config", _config(server.url, {"token": TOKEN}, name="homectx",
                                               cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    assert load_cluster().context == "homectx"


def test_no_kubeconfig(tmp_path, monkeypatch):
    with pytest.raises(ClusterError) as ei:
        load_cluster()
    assert ei.value.reason == "NoKubeconfig" and "~/.kube/config" in ei.value.message
    with pytest.raises(ClusterError, match="does not exist"):
        load_cluster(str(tmp_path / "nope"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "x") + ":" + str(tmp_path / "y"))
    with pytest.raises(ClusterError, match="KUBECONFIG"):
        list_contexts()


def test_missing_context_names_the_available_ones(server, tmp_path):
    path = _write(tmp_path / "kc", _config(server.url, {"token": TOKEN}))
    with pytest.raises(ClusterError) as ei:
        load_cluster(path, context="prod")
    assert "'prod' not found" in ei.value.message and "test" in ei.value.message
    assert ei.value.reason == "ContextNotFound"


def test_no_current_context(server, tmp_path):
    cfg = _config(server.url, {"token": TOKEN})
    del cfg["current-context"]
    with pytest.raises(ClusterError, match="no current context"):
        load_cluster(_write(tmp_path / "kc", cfg))


def test_malformed_kubeconfig(tmp_path):
    p = tmp_path / "kc"
    p.write_text("clusters: [unclosed\n")
    with pytest.raises(ClusterError, match="cannot read kubeconfig"):
        load_cluster(str(p))


def test_wrong_token_is_401_without_the_token(server, pki, tmp_path, caplog):
    bad = "wrong-token-abcdefghijklmnop"
    path = _write(tmp_path / "kc", _config(server.url, {"token": bad},
                                            cluster={"server": server.url, "certificate-authority": str(pki.ca_file)}))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ClusterError) as ei:
        _auth_used(load_cluster(path))
    assert ei.value.code == 401 and "Unauthorized" in ei.value.message
    assert bad not in ei.value.details() and bad not in caplog.text


def test_untrusted_server_certificate(server, tmp_path):
    path = _write(tmp_path / "kc", _config(server.url, {"token": TOKEN}))  # no CA: system trust fails
    with pytest.raises(ClusterError) as ei:
        _auth_used(load_cluster(path))
    assert ei.value.reason == "TLS" and "certificate verify failed" in ei.value.message
    assert TOKEN not in ei.value.message


def test_connection_refused(tmp_path):
    # bound but not listening: refused, and no parallel test can take the port meanwhile
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    path = _write(tmp_path / "kc", _config(f"http://127.0.0.1:{port}", {"token": TOKEN}))
    with s, pytest.raises(ClusterError) as ei:
        Cluster(load_cluster(path)).server_version()
    assert ei.value.reason == "ConnectionRefused"
    assert f"127.0.0.1:{port}" in ei.value.message and "connection refused" in ei.value.message


def test_unanswered_request_times_out(tmp_path):
    """A server that accepts the connection and never answers: a timeout, said so."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
    try:
        port = s.getsockname()[1]
        path = _write(tmp_path / "kc", _config(f"http://127.0.0.1:{port}", {"token": TOKEN}))
        with pytest.raises(ClusterError) as ei:
            Cluster(load_cluster(path)).request("GET", "/version", timeout=(1.0, 0.3))
        assert ei.value.reason == "Timeout" and "did not answer in time" in ei.value.message
    finally:
        s.close()
