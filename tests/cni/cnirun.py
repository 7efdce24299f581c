"""A small libcni stand-in: run a CNI config (single plugin or conflist) with the real plugin binaries.

What it reproduces from libcni (cni:libcni/api.go) because the plugins depend on it:
* a conflist runs its plugins in order on ADD and in reverse on DEL;
* list-level `name` and `cniVersion` are copied into every plugin's config;
* each plugin after the first gets the previous plugin's result as `prevResult` (ADD), and on
  DEL the cached ADD result (for cniVersion >= 0.4.0, as libcni does);
* `runtimeConfig` holds only the runtime keys a plugin declares in `capabilities`;
* the environment: CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH (+ CNI_ARGS).

The plugins run inside a *node* network namespace (`ip netns exec NODE`), so their host-side
work (bridges, veth peers, routes, sysctls) stays inside namespaces the test created.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any

CNI_PATH = "/usr/lib/cni"


class CNIError(Exception):
    """A plugin failed; `result` is its JSON error object when it printed one."""

    def __init__(self, plugin: str, command: str, rc: int, result: dict[str, Any] | None, stderr: str):
        self.plugin, self.command, self.rc, self.result, self.stderr = plugin, command, rc, result, stderr
        msg = (result or {}).get("msg") or stderr.strip() or f"exit {rc}"
        details = (result or {}).get("details")
        super().__init__(f"{plugin} {command} failed: {msg}" + (f" ({details})" if details else ""))


def _version_tuple(v: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in (v or "0.1.0").split("."))
    except ValueError:
        return (0, 1, 0)


@dataclass
class Runtime:
    """Everything libcni passes besides the config."""

    container_id: str
    netns: str  # path, e.g. /run/netns/pod-x
    ifname: str = "net1"
    node_netns: str | None = None  # name of the netns the plugins run in
    cni_path: str = CNI_PATH
    runtime_config: dict[str, Any] = field(default_factory=dict)
    cni_args: str = ""


def plugin_confs(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-plugin configs libcni would build (without prevResult/runtimeConfig)."""
    if config.get("type"):
        return [dict(config)]
    out = []
    for p in config.get("plugins") or []:
        conf = dict(p)
        conf["name"] = config.get("name")
        conf["cniVersion"] = config.get("cniVersion")
        out.append(conf)
    return out


def _exec(conf: dict[str, Any], command: str, rt: Runtime) -> dict[str, Any] | None:
    binary = os.path.join(rt.cni_path, str(conf["type"]))
    env = {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "CNI_COMMAND": command,
        "CNI_CONTAINERID": rt.container_id,
        "CNI_NETNS": rt.netns,
        "CNI_IFNAME": rt.ifname,
        "CNI_PATH": rt.cni_path,
    }
    if rt.cni_args:
        env["CNI_ARGS"] = rt.cni_args
    argv = [binary] if rt.node_netns is None else ["ip", "netns", "exec", rt.node_netns, binary]
    proc = subprocess.run(argv, input=json.dumps(conf).encode(), env=env, capture_output=True, timeout=60)
    out = proc.stdout.decode(errors="replace").strip()
    parsed: dict[str, Any] | None = None
    if out:
        try:
            parsed = json.loads(out)
        except ValueError:
            parsed = None
    if proc.returncode != 0:
        raise CNIError(str(conf["type"]), command, proc.returncode, parsed, proc.stderr.decode(errors="replace"))
    return parsed


def _with_runtime(conf: dict[str, Any], rt: Runtime) -> dict[str, Any]:
    caps = conf.get("capabilities") if isinstance(conf.get("capabilities"), dict) else {}
    rc = {k: v for k, v in rt.runtime_config.items() if caps.get(k) is True}
    if rc:
        conf = dict(conf)
        conf["runtimeConfig"] = rc
    return conf


def add(config: dict[str, Any], rt: Runtime) -> dict[str, Any] | None:
    """CNI ADD of a whole config; returns the final result (what Multus would read)."""
    result: dict[str, Any] | None = None
    for conf in plugin_confs(config):
        conf = _with_runtime(conf, rt)
        if result is not None:
            conf["prevResult"] = result
        result = _exec(conf, "ADD", rt)
    return result


def delete(config: dict[str, Any], rt: Runtime, cached: dict[str, Any] | None = None) -> None:
    """CNI DEL in reverse order, with the cached ADD result as prevResult when the version allows."""
    confs = plugin_confs(config)
    version = _version_tuple(config.get("cniVersion"))
    for conf in reversed(confs):
        conf = _with_runtime(conf, rt)
        if cached is not None and version >= (0, 4, 0):
            conf["prevResult"] = cached
        _exec(conf, "DEL", rt)
