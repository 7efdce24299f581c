"""Bearer-token authentication and a two-role authorizer (admin, read-only), with kube's messages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from . import errors

READ_VERBS = frozenset({"get", "list", "watch"})


@dataclass(frozen=True)
class User:
    """An authenticated user: name, groups, and whether it may write."""

    name: str
    groups: tuple[str, ...]
    readonly: bool


@dataclass
class Authenticator:
    """Maps bearer tokens to users; unknown or missing tokens are 401 Unauthorized."""

    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    readonly_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def authenticate(self, authorization: str | None) -> User:
        """The user of an Authorization header; raises 401 when it carries no known bearer token."""
        if authorization and authorization.startswith("Bearer "):
            token = authorization[len("Bearer "):].strip()
            if secrets.compare_digest(token, self.admin_token):
                return User("sandbox-admin", ("system:masters", "system:authenticated"), False)
            if secrets.compare_digest(token, self.readonly_token):
                return User("sandbox-readonly", ("system:authenticated",), True)
        raise errors.unauthorized()


def allowed(user: User, verb: str, resource: str, group: str) -> bool:
    """Whether the user may do `verb` on a resource (every user may review its own access)."""
    if not user.readonly:
        return True
    if resource in ("selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews") and verb == "create":
        return True
    return verb in READ_VERBS


def forbidden_message(user: User, verb: str, resource: str, subresource: str | None, group: str,
                      namespace: str | None) -> str:
    """kube-apiserver's forbiddenMessage (the part after "is forbidden: ")."""
    res = f"{resource}/{subresource}" if subresource else resource
    if namespace:
        return (f'User "{user.name}" cannot {verb} resource "{res}" in API group "{group}" '
                f'in the namespace "{namespace}"')
    return f'User "{user.name}" cannot {verb} resource "{res}" in API group "{group}" at the cluster scope'


def authorize(user: User, verb: str, resource: str, subresource: str | None, group: str, namespace: str | None,
              name: str | None) -> None:
    """Raise 403 Forbidden, worded as kube-apiserver words it, when the user may not do this."""
    if allowed(user, verb, resource, group):
        return
    raise errors.forbidden(resource, group, name,
                           forbidden_message(user, verb, resource, subresource, group, namespace))


def self_subject_access_review(user: User, body: dict) -> dict:
    """Answer a SelfSubjectAccessReview for the requesting user."""
    spec = body.get("spec") or {}
    attrs = spec.get("resourceAttributes")
    out = {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
    }
    if attrs is not None:
        ok = allowed(user, attrs.get("verb", ""), attrs.get("resource", ""), attrs.get("group", ""))
    else:
        # Non-resource URLs: everyone may get discovery; only admins anything else.
        nra = spec.get("nonResourceAttributes") or {}
        ok = not user.readonly or nra.get("verb") == "get"
    status: dict = {"allowed": ok}
    if ok:
        status["reason"] = ("RBAC: allowed by ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\" "
                            "to Group \"system:masters\"") if not user.readonly else (
            "RBAC: allowed by ClusterRoleBinding \"sandbox-readonly\" of ClusterRole \"view\" to User "
            "\"sandbox-readonly\"")
    out["status"] = status
    return out


# The rules the default RBAC bootstrap policy grants every authenticated user (system:basic-user,
# system:discovery, system:public-info-viewer), as `kubectl auth can-i --list` shows them on any cluster.
_BASIC_RESOURCE_RULES = [
    {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]},
    {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
     "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
]
_BASIC_NON_RESOURCE_RULES = [
    {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                           "/openapi/*", "/readyz", "/version", "/version/"]},
    {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]},
]


def self_subject_rules_review(user: User, body: dict) -> dict:
    """Answer a SelfSubjectRulesReview (`kubectl auth can-i --list`) with the rules `allowed` applies."""
    spec = body.get("spec") or {}
    if not spec.get("namespace"):
        # kube-apiserver's SelfSubjectRulesReview REST storage refuses an empty namespace this way.
        raise errors.bad_request("no namespace on request")
    if user.readonly:
        rules = [{"verbs": sorted(READ_VERBS), "apiGroups": ["*"], "resources": ["*"]}]
        non_resource: list[dict] = []
    else:
        rules = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
        non_resource = [{"verbs": ["*"], "nonResourceURLs": ["*"]}]
    return {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": {},
        "status": {"resourceRules": rules + _BASIC_RESOURCE_RULES,
                   "nonResourceRules": non_resource + _BASIC_NON_RESOURCE_RULES, "incomplete": False},
    }


def self_signed_certificate(hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[bytes, bytes]:
    """A fresh self-signed serving certificate and key (PEM) for the loopback addresses.

    kubectl (client-go) only sends bearer tokens over TLS, so the sandbox must serve https. The
    certificate is its own CA: the kubeconfig carries it as certificate-authority-data.
    Uses `cryptography` when importable, else the openssl command.
    """
    import ipaddress

    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return _openssl_certificate(hosts)
    import datetime as dt

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "multus-tui-sandbox")])
    sans: list[x509.GeneralName] = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, content_commitment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def _openssl_certificate(hosts: tuple[str, ...]) -> tuple[bytes, bytes]:
    import ipaddress
    import subprocess
    import tempfile
    from pathlib import Path

    sans = ",".join(("IP:" if _is_ip(h, ipaddress) else "DNS:") + h for h in hosts)
    with tempfile.TemporaryDirectory() as d:
        key, crt = Path(d, "k.pem"), Path(d, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "365",
                        "-subj", "/CN=multus-tui-sandbox", "-addext", f"subjectAltName={sans}"],
                       check=True, capture_output=True)
        return crt.read_bytes(), key.read_bytes()


def _is_ip(h: str, ipaddress: object) -> bool:
    try:
        ipaddress.ip_address(h)  # type: ignore[attr-defined]
        return True
    except ValueError:
        return False
