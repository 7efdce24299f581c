"""`multus-tui doctor [-n NS | -A] [-o table|json]`: cluster-wide diagnosis, printed once.

Exit codes: 0 no error finding (warnings and info may be printed), 1 at least one error finding,
2 the cluster cannot be reached or the kubeconfig is unusable (one line on stderr; distinct from
1 so a script can tell "the cluster is broken" from "doctor could not look").
JSON: a list of {"check", "severity", "objects", "message", "fix"}, errors first.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from typing import Any

from multus_tui.commands._common import RESET, clean, collect_from_cluster, to_json, use_color

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}


def render_table(findings: list[Any], color: bool = False, width: int = 100) -> str:
    """Severity-sorted blocks: `SEVERITY  check  objects`, then the message and the fix, wrapped."""
    if not findings:
        return "no findings\n"
    out: list[str] = []
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    for f in findings:
        sev = f.severity.upper().ljust(7)
        if color and f.severity in _COLORS:
            sev = _COLORS[f.severity] + sev + RESET
        out.append(f"{sev}  [{f.number}] {clean(f.check)}  {clean(', '.join(f.objects))}")
        for label, text in (("", f.message), ("fix: ", f.fix)):
            out.extend(textwrap.wrap(label + clean(text), width=max(40, width - 4), initial_indent="    ",
                                     subsequent_indent="      " if label else "    ",
                                     break_on_hyphens=False))
        out.append("")
    out.append(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    from multus_tui import logs

    logs.setup(debug=bool(getattr(args, "debug", False)))  # redacting debug log
    from multus_tui.cluster.doctor import collect_findings
    from multus_tui.cluster.errors import ClusterError
    from multus_tui.multus.diagnose import has_errors

    try:
        _ns, findings = collect_from_cluster(args, lambda cluster, ns: collect_findings(
            cluster, ns,
            namespace_isolation=bool(getattr(args, "namespace_isolation", False)),
            global_namespaces=tuple(getattr(args, "global_namespaces", None) or ("default",)),
        ))
    except ClusterError as exc:
        print(f"multus-tui doctor: {exc.message}", file=sys.stderr)
        return 2
    out = sys.stdout
    if getattr(args, "output", "table") == "json":
        out.write(to_json([f.to_dict() for f in findings]))
        out.write("\n")
    else:
        try:
            width = os.get_terminal_size(out.fileno()).columns if out.isatty() else 100
        except (OSError, ValueError):
            width = 100
        out.write(render_table(findings, color=use_color(out), width=width))
    out.flush()
    return 1 if has_errors(findings) else 0
