"""A tiny HTTPS API endpoint for the auth-method tests the plain-HTTP sandbox cannot cover.

The kubernetes client only uses client certificates and certificate authorities with an https
server, so these tests need TLS: a throwaway CA signs a server certificate for 127.0.0.1 and a
client certificate for user "alice". The server answers GET /version and
GET /api/v1/namespaces/default, and reports in each answer which credential it accepted
("token", "cert" or "basic"); anything else gets a 401 Status, as kube-apiserver sends it.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Pki:
    ca_pem: bytes
    server_cert: Path
    server_key: Path
    client_cert_pem: bytes
    client_key_pem: bytes
    client_cert: Path
    client_key: Path
    ca_file: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer_name, issuer_key, *, ca: bool = False, server: bool = False):
    now = datetime.datetime.now(datetime.UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                         x509.DNSName("localhost")]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def make_pki(d: Path) -> Pki:
    pem = serialization.Encoding.PEM
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test-ca", ca_key, _name("test-ca"), ca_key, ca=True)
    skey = ec.generate_private_key(ec.SECP256R1())
    scert = _cert("127.0.0.1", skey, ca.subject, ca_key, server=True)
    ckey = ec.generate_private_key(ec.SECP256R1())
    ccert = _cert("alice", ckey, ca.subject, ca_key)

    def key_pem(k) -> bytes:
        return k.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())

    files = {"ca.crt": ca.public_bytes(pem), "server.crt": scert.public_bytes(pem), "server.key": key_pem(skey),
             "client.crt": ccert.public_bytes(pem), "client.key": key_pem(ckey)}
    for n, data in files.items():
        (d / n).write_bytes(data)
    return Pki(files["ca.crt"], d / "server.crt", d / "server.key", files["client.crt"], files["client.key"],
               d / "client.crt", d / "client.key", d / "ca.crt")


class AuthServer:
    """HTTPS on 127.0.0.1:<ephemeral>, accepting `token`, basic `user:password`, or a client cert by the CA."""

    def __init__(self, pki: Pki, token: str, basic: tuple[str, str] = ("bob", "s3cret")) -> None:
        self.token = token
        self.basic = "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki.server_cert, pki.server_key)
        ctx.load_verify_locations(pki.ca_file)
        ctx.verify_mode = ssl.CERT_OPTIONAL  # a cert is one way in, a token another
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a) -> None:  # keep test output quiet
                pass

            def _send(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                auth = self.headers.get("Authorization") or ""
                peer = self.connection.getpeercert()
                if auth == f"Bearer {outer.token}":
                    how = "token"
                elif auth == outer.basic:
                    how = "basic"
                elif peer:
                    how = "cert:" + dict(x[0] for x in peer["subject"]).get("commonName", "")
                else:
                    self._send(401, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                     "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
                    return
                if self.path.startswith("/version"):
                    self._send(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-test", "auth": how})
                elif self.path.startswith("/api/v1/namespaces/default"):
                    self._send(200, {"kind": "Namespace", "apiVersion": "v1",
                                     "metadata": {"name": "default", "annotations": {"auth": how}},
                                     "status": {"phase": "Active"}})
                else:
                    self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                     "message": f"{self.path} not found", "reason": "NotFound", "code": 404})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> AuthServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
