"""`multus-tui status [-n NS | -A] [-o table|json]`: pod attachment status, printed once.

Exit 0 with the records; exit 1 with one line on stderr when the cluster cannot be reached (or
the kubeconfig is unusable). Colour only on a terminal, and never with NO_COLOR set.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from multus_tui.commands._common import RESET, clean, collect_from_cluster, to_json, use_color

HEADERS = ("NAMESPACE", "POD", "NODE", "PHASE", "NETWORK", "INTERFACE", "IPS", "STATE", "REASON")
_COLORS = {"attached": "\x1b[32m", "pending": "\x1b[33m", "failed": "\x1b[31m", "unknown": "\x1b[35m"}


def table_rows(records: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """One row per pod and attachment; a pod without attachments (hostNetwork) gets one row."""
    rows: list[tuple[str, ...]] = []
    for r in records:
        base = (clean(r["namespace"]), clean(r["pod"]), clean(r.get("node") or "-"), clean(r.get("phase") or "-"))
        atts = r.get("attachments") or []
        error = r.get("networkStatusError")
        if error and not any(a.get("reason") == error for a in atts):
            # said on the pod's first row: what Multus reported cannot be read
            atts = [{**atts[0], "reason": error} if i == 0 else a for i, a in enumerate(atts)] or \
                [{"network": "-", "state": "unknown", "reason": error}]
        if not atts:
            rows.append((*base, "-", "-", "-", "-", ""))
        for a in atts:
            if a.get("default"):
                # the default network's CNI name is unknown until Multus wrote network-status
                net = f"{clean(a['network'])} (default)" if a.get("network") else "(cluster default)"
            else:
                net = clean(a.get("network") or "-")
            rows.append((*base, net, clean(a.get("interface") or "-"), clean(",".join(a.get("ips") or []) or "-"),
                         clean(a.get("state")), clean(a.get("reason") or "")))
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
                text = _COLORS[cell] + text + RESET
            cells.append(text)
        out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    from multus_tui import logs

    logs.setup(debug=bool(getattr(args, "debug", False)))  # redacting debug log
    from multus_tui.cluster.errors import ClusterError
    from multus_tui.cluster.status import collect_status

    try:
        ns, records = collect_from_cluster(args, collect_status)
    except ClusterError as exc:
        print(f"multus-tui status: {exc.message}", file=sys.stderr)
        return 1
    out = sys.stdout
    if getattr(args, "output", "table") == "json":
        out.write(to_json(records))
        out.write("\n")
    else:
        if not records:
            print(f"no pods in {'any namespace' if ns is None else 'namespace ' + ns}", file=sys.stderr)
            return 0
        out.write(render_table(records, color=use_color(out)))
    out.flush()
    return 0
