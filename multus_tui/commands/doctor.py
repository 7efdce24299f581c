"""`multus-tui doctor [-n NS | -A] [-o table|json]`: cluster-wide diagnosis, printed once.

Exit codes: 0 no error finding (warnings and info may be printed), 1 at least one error finding,
2 the cluster cannot be reached or the kubeconfig is unusable (one line on stderr; distinct from
1 so a script can tell "the cluster is broken" from "doctor could not look").
JSON: a list of {"check", "severity", "objects", "message", "fix"}, errors first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from typing import Any, TextIO

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_RESET = "\x1b[0m"


def _clean(text: Any) -> str:
    """Cluster-sourced text on one line without control characters."""
    s = "" if text is None else str(text)
    return "".join(ch if ch.isprintable() else " " for ch in " ".join(s.split()))


def render_table(findings: list[Any], color: bool = False, width: int = 100) -> str:
    """Severity-sorted blocks: `SEVERITY  check  objects`, then the message and the fix, wrapped."""
    if not findings:
        return "no findings\n"
    out: list[str] = []
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    for f in findings:
        sev = f.severity.upper().ljust(7)
        if color and f.severity in _COLORS:
            sev = _COLORS[f.severity] + sev + _RESET
        out.append(f"{sev}  [{f.number}] {_clean(f.check)}  {_clean(', '.join(f.objects))}")
        for label, text in (("", f.message), ("fix: ", f.fix)):
            out.extend(textwrap.wrap(label + _clean(text), width=max(40, width - 4), initial_indent="    ",
                                     subsequent_indent="      " if label else "    ",
                                     break_on_hyphens=False))
        out.append("")
    out.append(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info")
    return "\n".join(out) + "\n"


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def run(args: argparse.Namespace) -> int:
    from multus_tui import logs

    logs.setup(debug=bool(getattr(args, "debug", False)))  # redacting debug log (issue 10)
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.doctor import collect_findings
    from multus_tui.cluster.errors import ClusterError
    from multus_tui.cluster.kubeconfig import load_cluster
    from multus_tui.multus.diagnose import has_errors

    try:
        info = load_cluster(getattr(args, "kubeconfig", None), getattr(args, "context", None))
        ns = None if getattr(args, "all_namespaces", False) else (getattr(args, "namespace", None) or info.namespace)
        cluster = Cluster(info)
        try:
            findings = collect_findings(
                cluster, ns,
                namespace_isolation=bool(getattr(args, "namespace_isolation", False)),
                global_namespaces=tuple(getattr(args, "global_namespaces", None) or ("default",)),
            )
        finally:
            cluster.close()
    except ClusterError as exc:
        print(f"multus-tui doctor: {exc.message}", file=sys.stderr)
        return 2
    out = sys.stdout
    if getattr(args, "output", "table") == "json":
        json.dump([f.to_dict() for f in findings], out, indent=2)
        out.write("\n")
    else:
        try:
            width = os.get_terminal_size(out.fileno()).columns if out.isatty() else 100
        except (OSError, ValueError):
            width = 100
        out.write(render_table(findings, color=_use_color(out), width=width))
    out.flush()
    return 1 if has_errors(findings) else 0
