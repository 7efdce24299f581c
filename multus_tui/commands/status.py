"""`multus-tui status [-n NS | -A] [-o table|json]`: pod attachment status, printed once.

Exit 0 with the records; exit 1 with one line on stderr when the cluster cannot be reached (or
the kubeconfig is unusable). Colour only on a terminal, and never with NO_COLOR set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

HEADERS = ("NAMESPACE", "POD", "NODE", "PHASE", "NETWORK", "INTERFACE", "IPS", "STATE", "REASON")
_COLORS = {"attached": "\x1b[32m", "pending": "\x1b[33m", "failed": "\x1b[31m"}
_RESET = "\x1b[0m"


def _clean(text: Any) -> str:
    """Cluster-sourced text on one line, without control characters (a pod name cannot move the cursor)."""
    s = "" if text is None else str(text)
    return "".join(ch if ch.isprintable() else " " for ch in " ".join(s.split()))


def table_rows(records: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """One row per pod and attachment; a pod without attachments (hostNetwork) gets one row."""
    rows: list[tuple[str, ...]] = []
    for r in records:
        base = (_clean(r["namespace"]), _clean(r["pod"]), _clean(r.get("node") or "-"), _clean(r.get("phase") or "-"))
        atts = r.get("attachments") or []
        if not atts:
            rows.append((*base, "-", "-", "-", "-", ""))
        for a in atts:
            if a.get("default"):
                # the default network's CNI name is unknown until Multus wrote network-status
                net = f"{_clean(a['network'])} (default)" if a.get("network") else "(cluster default)"
            else:
                net = _clean(a.get("network") or "-")
            rows.append((*base, net, _clean(a.get("interface") or "-"), _clean(",".join(a.get("ips") or []) or "-"),
                         _clean(a.get("state")), _clean(a.get("reason") or "")))
    return rows


def render_table(records: list[dict[str, Any]], color: bool = False) -> str:
    rows = table_rows(records)
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(HEADERS)]
    out = []
    for row in [HEADERS, *rows]:
        cells = []
        for i, cell in enumerate(row):
            text = cell if i == len(row) - 1 else cell.ljust(widths[i])
            if color and i == 7 and cell in _COLORS:
                text = _COLORS[cell] + text + _RESET
            cells.append(text)
        out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def run(args: argparse.Namespace) -> int:
    from multus_tui import logs

    logs.setup(debug=bool(getattr(args, "debug", False)))  # redacting debug log (issue 10)
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.errors import ClusterError
    from multus_tui.cluster.kubeconfig import load_cluster
    from multus_tui.cluster.status import collect_status

    try:
        info = load_cluster(getattr(args, "kubeconfig", None), getattr(args, "context", None))
        if getattr(args, "all_namespaces", False):
            ns = None
        else:
            ns = getattr(args, "namespace", None) or info.namespace
        cluster = Cluster(info)
        try:
            records = collect_status(cluster, ns)
        finally:
            cluster.close()
    except ClusterError as exc:
        print(f"multus-tui status: {exc.message}", file=sys.stderr)
        return 1
    out = sys.stdout
    if getattr(args, "output", "table") == "json":
        json.dump(records, out, indent=2)
        out.write("\n")
    else:
        if not records:
            print(f"no pods in {'any namespace' if ns is None else 'namespace ' + ns}", file=sys.stderr)
            return 0
        out.write(render_table(records, color=_use_color(out)))
    out.flush()
    return 0
