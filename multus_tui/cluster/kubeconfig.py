"""Kubeconfig as kubectl reads it, through the kubernetes client's own loader.

- The file list: `--kubeconfig PATH` (one file, must exist, as in kubectl), else every existing file of
  `$KUBECONFIG` (os.pathsep-separated) merged by the client's `KubeConfigMerger`, else `~/.kube/config`.
- Merging follows kubectl: the first file that names a cluster/context/user wins, and the first file
  that sets `current-context` wins (the client's merger takes the last one; we correct that).
- Authentication is whatever the client's `KubeConfigLoader` supports: token / tokenFile, client
  certificate + key (files or *-data), exec plugins, basic auth, auth providers.
- We never persist anything back into the user's kubeconfig (persist_config=False).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client import ApiClient, Configuration
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import KubeConfigLoader, KubeConfigMerger

from multus_tui.cluster.errors import ClusterError, register_secret
from multus_tui.multus.yamlread import MAX_TEXT, load_yaml

DEFAULT_PATH = "~/.kube/config"


@dataclass
class ClusterInfo:
    """A ready-to-use API client for one kubeconfig context and what we know about that context."""

    api_client: ApiClient
    context: str
    server: str
    namespace: str
    contexts: list[str]
    readonly_hint: bool = False
    kubeconfig: str | None = None  # the path list the config came from (os.pathsep-joined)
    user: str | None = None
    cluster_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _ClientLog(logging.Filter):
    """Takes what the client's kubeconfig loader logs (it logs exec-plugin failures instead of raising,
    with the plugin's stderr in the text) off the root logger: kept here, scrubbed before anyone sees
    it, and never handed to a handler (the --debug log would have written it to disk; issue 14)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.pathname.endswith("kube_config.py") or record.pathname.endswith("exec_provider.py"):
            try:
                self.messages.append(scrub_plugin_output(record.getMessage()))
            except Exception:  # noqa: BLE001
                self.messages.append("(unreadable message)")
            return False
        return True


# a word that looks like a credential: long, and letters and digits mixed (tokens, keys, session ids)
_SECRETISH = re.compile(r"[A-Za-z0-9+/=_.~-]{16,}")


def scrub_plugin_output(text: str, limit: int = 300) -> str:
    """What an exec credential plugin wrote to stderr, fit to show: the known credential shapes redacted
    (logs.redact), then every long word mixing letters and digits (a token, a key, a session id that
    no pattern knows) replaced by ***; on one line, control characters out, at most `limit` characters.
    Plugin output is never written anywhere unscrubbed."""
    from multus_tui.logs import redact

    text = redact(text)

    def scrub(m: re.Match[str]) -> str:
        w = m.group(0)
        return "***" if any(c.isdigit() for c in w) and any(c.isalpha() for c in w) else w

    text = _SECRETISH.sub(scrub, text)
    text = "".join(ch if ch.isprintable() else " " for ch in " ".join(text.split()))
    return text if len(text) <= limit else text[:limit] + "…"


def kubeconfig_paths(kubeconfig: str | os.PathLike[str] | None = None) -> list[str]:
    """The existing kubeconfig files kubectl would read, in merge order (first wins).

    Raises ClusterError(reason="NoKubeconfig") when there are none, naming where it looked.
    """
    if kubeconfig is not None:
        kubeconfig = os.fspath(kubeconfig)  # callers may hand a Path
    if kubeconfig and os.pathsep in kubeconfig:
        # a merged list, as ClusterInfo.kubeconfig records one (from $KUBECONFIG): read it as kubectl
        # reads $KUBECONFIG (the context switch and ctrl+r pass it back)
        listed = [os.path.expanduser(p) for p in kubeconfig.split(os.pathsep) if p.strip()]
        found = list(dict.fromkeys(p for p in listed if os.path.isfile(p)))
        if not found:
            raise ClusterError(f"no kubeconfig: none of the files {kubeconfig} exist", reason="NoKubeconfig")
        return found
    if kubeconfig:
        p = os.path.expanduser(kubeconfig)
        if not os.path.isfile(p):
            raise ClusterError(f"no kubeconfig: {kubeconfig} does not exist", reason="NoKubeconfig")
        return [p]
    env = os.environ.get("KUBECONFIG", "")
    if env.strip():
        listed = [os.path.expanduser(p) for p in env.split(os.pathsep) if p.strip()]
        found = [p for p in listed if os.path.isfile(p)]
        if not found:
            raise ClusterError(f"no kubeconfig: none of the files in KUBECONFIG exist ({env})",
                               reason="NoKubeconfig")
        # kubectl ignores duplicates in the list; so do we
        return list(dict.fromkeys(found))
    p = os.path.expanduser(DEFAULT_PATH)
    if not os.path.isfile(p):
        raise ClusterError(
            f"no kubeconfig: {DEFAULT_PATH} does not exist and KUBECONFIG is not set "
            "(use --kubeconfig PATH, or try --demo for the built-in sandbox)",
            reason="NoKubeconfig")
    return [p]


def _guard(path: str) -> None:
    """Read a kubeconfig once through the project's guarded YAML reader before the client's loader
    (plain yaml.safe_load) sees it: an alias bomb, absurd nesting or a huge file is refused with a
    clear message instead of hanging or crashing the loader."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_TEXT + 1)
        load_yaml(data)
    except OSError as exc:
        raise ClusterError(f"cannot read kubeconfig {path}: {exc.strerror or exc}", reason="Kubeconfig") from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise ClusterError(f"cannot read kubeconfig {path}: {str(exc).splitlines()[0]}", reason="Kubeconfig") from None


def _merged(paths: list[str]) -> Any:
    """The merged config node (the client's ConfigNode), with kubectl's current-context rule."""
    for p in paths:
        _guard(p)
    try:
        merger = KubeConfigMerger(os.pathsep.join(paths))
    except (ConfigException, yaml.YAMLError, OSError) as exc:
        raise ClusterError(f"cannot read kubeconfig: {exc}", reason="Kubeconfig") from None
    cfg = merger.config
    if cfg is None:
        raise ClusterError("no kubeconfig: no configuration found in " + ", ".join(paths), reason="NoKubeconfig")
    for p in paths:  # first non-empty current-context wins, as in kubectl
        cc = (merger.config_files.get(p) or {}).get("current-context")
        if cc:
            cfg.value["current-context"] = cc
            break
    for key in ("clusters", "contexts", "users"):
        if cfg.value.get(key) is None:
            cfg.value[key] = []
    return cfg


def _context_names(cfg: Any) -> list[str]:
    return [c.value["name"] if hasattr(c, "value") else c["name"] for c in cfg.value.get("contexts") or []]


def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str | None]:
    """All context names (merge order) and the current one (None when unset)."""
    cfg = _merged(kubeconfig_paths(kubeconfig))
    return _context_names(cfg), (cfg.value.get("current-context") or None)


def load_cluster(kubeconfig: str | None = None, context: str | None = None, *,
                 readonly: bool = False) -> ClusterInfo:
    """Build a ClusterInfo (API client + context facts) as kubectl would for these options.

    Raises ClusterError with a clear message when there is no kubeconfig, no current context, the
    context is missing, or its credentials cannot be loaded (e.g. an exec plugin failing).
    """
    paths = kubeconfig_paths(kubeconfig)
    cfg = _merged(paths)
    names = _context_names(cfg)
    name = context or cfg.value.get("current-context")
    avail = ", ".join(names) if names else "none"
    if not name:
        raise ClusterError(f"the kubeconfig has no current context; pass --context (available: {avail})",
                           reason="ContextNotFound")
    if name not in names:
        raise ClusterError(f"context {name!r} not found in the kubeconfig (available: {avail})",
                           reason="ContextNotFound")
    try:
        loader = KubeConfigLoader(config_dict=cfg, active_context=name, config_base_path=None)
    except ConfigException as exc:
        # e.g. the context names a cluster or user that is not defined
        raise ClusterError(f"context {name!r} is incomplete: {exc}", reason="Kubeconfig") from None
    conf = type.__call__(Configuration)  # a fresh Configuration, not the process-wide default
    logged = _ClientLog()
    root = logging.getLogger()
    root.addFilter(logged)
    try:
        loader.load_and_set(conf)
    except ConfigException as exc:
        raise ClusterError(f"cannot load credentials of context {name!r}: {scrub_plugin_output(str(exc))}",
                           reason="Kubeconfig") from None
    except OSError as exc:  # a certificate file that is missing, an exec binary that is not there
        raise ClusterError(f"cannot load credentials of context {name!r}: {exc}", reason="Kubeconfig") from None
    finally:
        root.removeFilter(logged)
    user_node = getattr(loader, "_user", None)
    if user_node is not None and "exec" in user_node and not loader.__dict__.get("token") \
            and not loader.__dict__.get("cert_file"):
        # the client only logs exec failures; an unauthenticated client would then fail with a puzzling 401
        why = "; ".join(logged.messages) or "it gave no token or certificate"
        raise ClusterError(f"the exec credential plugin of context {name!r} failed "
                           f"(command: {user_node['exec'].safe_get('command')}): {why}", reason="Kubeconfig")
    _trim_token_file(loader, conf, name)
    token = conf.api_key.get("BearerToken") or conf.api_key.get("authorization")
    register_secret(token)
    # several watch threads plus foreground requests share one pool
    conf.connection_pool_maxsize = max(conf.connection_pool_maxsize or 0, 16)
    ctx = loader.current_context["context"]
    ns = (ctx.get("namespace") if isinstance(ctx, dict) else None) or "default"
    server = str(conf.host or "").rstrip("/")
    client = ApiClient(configuration=conf)
    client.user_agent = "multus-tui"
    return ClusterInfo(
        api_client=client, context=name, server=server, namespace=ns, contexts=names,
        readonly_hint=readonly, kubeconfig=os.pathsep.join(paths),
        user=ctx.get("user") if isinstance(ctx, dict) else None,
        cluster_name=ctx.get("cluster") if isinstance(ctx, dict) else None,
    )


def _trim_token_file(loader: Any, conf: Configuration, context: str) -> None:
    """A tokenFile's token as client-go reads it: strings.TrimSpace of the file, and an empty one is an
    error ("read empty token from file"). The Python client keeps the newline most token files end
    with, and every request then failed with "Invalid header value" (issue 14)."""
    user = getattr(loader, "_user", None)
    if user is None or "tokenFile" not in user or user.safe_get("token"):
        return
    value = loader.__dict__.get("token") or ""
    token = value[len("Bearer "):] if value.startswith("Bearer ") else value
    if not token.strip():
        raise ClusterError(f"cannot load credentials of context {context!r}: read empty token from file "
                           f"{user['tokenFile']!r}", reason="Kubeconfig")
    if token != token.strip():
        # the client sets api_key from loader.token again before each request (its refresh hook)
        loader.token = "Bearer " + token.strip()
        conf.api_key["BearerToken"] = loader.token


def connection_fingerprint(info: ClusterInfo) -> str:
    """A digest of what a connection is made of: server, TLS trust and client certificate, credentials.
    Two loads of an unchanged kubeconfig give the same digest; a rotated CA, token or certificate
    (a restarted sandbox) a different one. Never shown or logged."""
    import hashlib

    conf = info.api_client.configuration
    h = hashlib.sha256()
    token = conf.api_key.get("BearerToken") or conf.api_key.get("authorization") or ""
    for part in (conf.host, conf.verify_ssl, token, conf.username, conf.password, conf.proxy,
                 getattr(conf, "tls_server_name", None), info.context):
        h.update(repr(part).encode() + b"\0")
    for path in (conf.ssl_ca_cert, conf.cert_file, conf.key_file):
        try:
            h.update(Path(path).read_bytes() if path else b"-")
        except OSError:
            h.update(repr(path).encode())
        h.update(b"\0")
    return h.hexdigest()


def describe_paths(kubeconfig: str | None = None) -> str:
    """Human text for where the kubeconfig comes from (for error screens)."""
    try:
        return ", ".join(str(Path(p)) for p in kubeconfig_paths(kubeconfig))
    except ClusterError as exc:
        return exc.message
