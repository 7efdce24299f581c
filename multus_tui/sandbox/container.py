"""The simulated container of a sandbox pod: pods/exec (a tiny shell) and pods/log.

`kubectl exec` (1.32 speaks v5.channel.k8s.io over a websocket) reaches this. Every frame is one
channel byte (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize, 255 close, v5) and data. The
"container" answers the few commands that show a pod's networking (ip addr, ip route, hostname,
cat /etc/resolv.conf) from the pod's network-status, so users can look inside a sandbox pod.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from multus_tui.multus.status import NETWORK_STATUS_ANNOTATION

from . import errors
from .store import dumps

EXEC_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")


def _pod_interfaces(pod: dict) -> list[dict[str, Any]]:
    ann = (pod.get("metadata") or {}).get("annotations") or {}
    try:
        entries = json.loads(ann.get(NETWORK_STATUS_ANNOTATION) or "[]")
    except (ValueError, RecursionError):
        entries = []
    ifaces: list[dict[str, Any]] = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and e.get("interface"):
            ifaces.append(e)
    if not any(i.get("interface") == "eth0" for i in ifaces):
        ip = (pod.get("status") or {}).get("podIP")
        ifaces.insert(0, {"interface": "eth0", "ips": [ip] if ip else [], "mac": "0a:58:0a:f4:00:02"})
    return ifaces


def _ip_addr(pod: dict) -> str:
    lines = ["1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000",
             "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
             "    inet 127.0.0.1/8 scope host lo",
             "       valid_lft forever preferred_lft forever"]
    for idx, iface in enumerate(_pod_interfaces(pod), start=2):
        name = iface["interface"]
        mtu = iface.get("mtu") or 1500
        lines.append(f"{idx}: {name}@if{idx + 10}: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu {mtu} qdisc noqueue "
                     f"state UP")
        lines.append(f"    link/ether {iface.get('mac', '00:00:00:00:00:00')} brd ff:ff:ff:ff:ff:ff")
        for ip in iface.get("ips") or []:
            if ":" in ip:
                lines.append(f"    inet6 {ip}/64 scope global")
            else:
                lines.append(f"    inet {ip}/24 brd {ip.rsplit('.', 1)[0]}.255 scope global {name}")
            lines.append("       valid_lft forever preferred_lft forever")
    return "\n".join(lines) + "\n"


def _requested_default_route(pod: dict, ifaces: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(gateway, interface) of an IPv4 `default-route` in the pod's networks annotation, matched to the
    interface Multus gave that selection; None when no selection asks for one."""
    from multus_tui.multus.errors import AnnotationError
    from multus_tui.multus.selection import NETWORKS_ANNOTATION, parse_networks

    meta = pod.get("metadata") or {}
    ns = meta.get("namespace", "default")
    try:
        sels = parse_networks((meta.get("annotations") or {}).get(NETWORKS_ANNOTATION) or "", ns)
    except AnnotationError:
        return None
    for i, sel in enumerate(sels):
        gws = [g for g in sel.default_route or [] if ":" not in g]
        if not gws:
            continue
        ref = "/".join(sel.target(ns))
        named = [f for f in ifaces if f.get("name") == ref]
        match = next((f for f in named if sel.interface and f.get("interface") == sel.interface), None) or \
            next((f for f in named if f.get("interface") == f"net{i + 1}"), None) or (named[0] if named else None)
        if match is not None:
            return gws[0], match["interface"]
    return None


def _ip_route(pod: dict) -> str:
    ifaces = _pod_interfaces(pod)
    gw_iface = next((i for i in ifaces if i.get("gateway")), ifaces[0])
    lines = []
    gws = gw_iface.get("gateway") or []
    ips = [ip for ip in gw_iface.get("ips") or [] if ":" not in ip]
    requested = _requested_default_route(pod, ifaces)
    if requested is not None:
        # Multus deletes every other default route and installs the requested one (reference 2.6)
        lines.append(f"default via {requested[0]} dev {requested[1]}")
    elif gws:
        lines.append(f"default via {gws[0]} dev {gw_iface['interface']}")
    elif ips:
        lines.append(f"default via {ips[0].rsplit('.', 1)[0]}.1 dev {gw_iface['interface']}")
    for iface in ifaces:
        for ip in iface.get("ips") or []:
            if ":" not in ip:
                lines.append(f"{ip.rsplit('.', 1)[0]}.0/24 dev {iface['interface']} scope link  src {ip}")
    return "\n".join(lines) + "\n"


def _resolv_conf(pod: dict) -> str:
    spec = pod.get("spec") or {}
    ns = (pod.get("metadata") or {}).get("namespace", "default")
    cfg = spec.get("dnsConfig") or {}
    if spec.get("dnsPolicy") == "None":
        servers, search = cfg.get("nameservers") or [], cfg.get("searches") or []
    else:
        servers = ["10.96.0.10"] + list(cfg.get("nameservers") or [])
        search = [f"{ns}.svc.cluster.local", "svc.cluster.local", "cluster.local"] + list(cfg.get("searches") or [])
    opts = ["ndots:5"] + [o.get("name", "") + (f":{o['value']}" if o.get("value") else "")
                          for o in cfg.get("options") or []]
    out = [f"search {' '.join(search)}"] if search else []
    out += [f"nameserver {s}" for s in servers]
    out.append(f"options {' '.join(opts)}")
    return "\n".join(out) + "\n"


def run_simulated(argv: list[str], pod: dict) -> tuple[str, str, int]:
    """Run one command in a sandbox pod's simulated container: (stdout, stderr, exit code)."""
    if not argv:
        return "", "", 0
    cmd, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    if cmd == "ip":
        sub = [a for a in args if not a.startswith("-")]
        if not sub or sub[0] in ("a", "addr", "address"):
            return _ip_addr(pod), "", 0
        if sub[0] in ("r", "route"):
            return _ip_route(pod), "", 0
        if sub[0] in ("l", "link"):
            text = "\n".join(ln for ln in _ip_addr(pod).splitlines() if not ln.startswith("    inet")
                             and not ln.startswith("       valid"))
            return text + "\n", "", 0
        return "", f'Object "{sub[0]}" is unknown, try "ip help".\n', 1
    if cmd == "hostname":
        return (pod.get("metadata") or {}).get("name", "") + "\n", "", 0
    if cmd == "cat" and args == ["/etc/resolv.conf"]:
        return _resolv_conf(pod), "", 0
    if cmd == "echo":
        return " ".join(args) + "\n", "", 0
    if cmd == "true":
        return "", "", 0
    if cmd == "false":
        return "", "", 1
    if cmd in ("sh", "bash", "ash") and len(args) >= 2 and args[0] == "-c":
        out, err, code = "", "", 0
        for part in args[1].split(";"):
            o, e, code = run_simulated(part.split(), pod)
            out, err = out + o, err + e
        return out, err, code
    return "", f"sh: {argv[0]}: not found\n", 127


class _ExecSession:
    def __init__(self, ws: web.WebSocketResponse, pod: dict, tty: bool) -> None:
        self.ws = ws
        self.pod = pod
        self.tty = tty

    async def send(self, channel: int, data: str | bytes) -> None:
        if isinstance(data, str):
            data = data.replace("\n", "\r\n").encode() if self.tty else data.encode()
        if data:
            await self.ws.send_bytes(bytes([channel]) + data)

    async def finish(self, code: int, argv: list[str]) -> None:
        if code == 0:
            status: dict[str, Any] = {"metadata": {}, "status": "Success"}
        else:
            status = {"metadata": {}, "status": "Failure",
                      "message": f"command terminated with non-zero exit code: error executing command {argv}, "
                                 f"exit code {code}",
                      "reason": "NonZeroExitCode",
                      "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
        await self.ws.send_bytes(b"\x03" + dumps(status))
        await self.ws.close()

    async def shell(self, argv: list[str]) -> None:
        """An interactive prompt: line editing on a tty, one simulated command per line."""
        # Without a tty, sh reads commands silently: no prompt, no echo (as busybox sh does).
        prompt = "/ # " if self.tty else ""
        await self.send(1, prompt)
        line = ""
        last_code = 0
        async for msg in self.ws:
            if msg.type != web.WSMsgType.BINARY or not msg.data:
                continue
            channel, data = msg.data[0], msg.data[1:]
            if channel == 255:  # v5: the client closed stdin
                break
            if channel != 0:
                continue
            for ch in data.decode(errors="replace"):
                if ch in ("\r", "\n"):
                    if self.tty:
                        await self.send(1, "\n")
                    words = line.split()
                    line = ""
                    if words and words[0] == "exit":
                        code = int(words[1]) if len(words) > 1 and words[1].isdigit() else last_code
                        await self.finish(code, argv)
                        return
                    out, err, last_code = run_simulated(words, self.pod)
                    await self.send(1, out)
                    await self.send(2 if not self.tty else 1, err)
                    await self.send(1, prompt)
                elif ch == "\x04" and not line:  # Ctrl-D on an empty line
                    await self.finish(last_code, argv)
                    return
                elif ch == "\x03":  # Ctrl-C
                    line = ""
                    await self.send(1, "^C\n" + prompt)
                elif ch in ("\x7f", "\b"):
                    if line:
                        line = line[:-1]
                        if self.tty:
                            await self.send(1, "\b \b")
                elif ch.isprintable():
                    line += ch
                    if self.tty:
                        await self.send(1, ch)
        await self.finish(last_code, argv)


async def serve_exec(request: web.Request, pod: dict) -> web.StreamResponse:
    """Answer a pods/exec websocket upgrade with the simulated container."""
    q = request.query
    argv = q.getall("command", [])
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    containers = [c.get("name") for c in spec.get("containers") or []]
    container = q.get("container") or (containers[0] if containers else "")
    if container not in containers:
        raise errors.bad_request(f"container {container} is not valid for pod {pod['metadata']['name']}")
    if not spec.get("nodeName"):
        raise errors.bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    if status.get("phase") != "Running":
        raise errors.bad_request(f"unable to upgrade connection: container not found (\"{container}\")")
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise errors.bad_request("Upgrade request required")
    ws = web.WebSocketResponse(protocols=EXEC_PROTOCOLS, heartbeat=None)
    await ws.prepare(request)
    session = _ExecSession(ws, pod, tty=q.get("tty") in ("true", "1"))
    shells = ("sh", "bash", "ash")
    # a lone shell, or `sh -c "... exec bash || exec sh"` (what the TUI's shell key runs: bash if there)
    starts_shell = bool(argv) and argv[0].rsplit("/", 1)[-1] in shells and (
        len(argv) == 1 or len(argv) == 3 and argv[1] == "-c" and any(f"exec {s}" in argv[2] for s in shells))
    interactive = q.get("stdin") in ("true", "1") and (not argv or starts_shell)
    if interactive:
        await session.shell(argv)
    else:
        out, err, code = run_simulated(argv, pod)
        await session.send(1, out)
        await session.send(2, err)
        await session.finish(code, argv)
    return ws


def pod_log(pod: dict, container: str | None) -> str:
    """A simulated container log: empty for a running container, kube's error while it is waiting."""
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in spec.get("containers") or []]
    name = pod["metadata"]["name"]
    if container is None:
        if len(names) > 1:
            raise errors.bad_request(f"a container name must be specified for pod {name}, choose one of: "
                                     f"[{' '.join(str(n) for n in names)}]")
        container = names[0] if names else ""
    if container not in names:
        raise errors.bad_request(f"container {container} is not valid for pod {name}")
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == container and "waiting" in (cs.get("state") or {}):
            reason = cs["state"]["waiting"].get("reason", "ContainerCreating")
            raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    if (pod.get("status") or {}).get("phase") != "Running":
        raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating')
    return ""

