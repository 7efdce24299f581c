"""What a NAD depends on beyond its config, for the NAD detail's "Pool/resources" tab: the
whereabouts IPPools it allocates from (judged by multus.whereabouts) and the nodes advertising its
`k8s.v1.cni.cncf.io/resourceName` (multus.sriov). Cluster strings are plain text, never markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from multus_tui.multus import sriov
from multus_tui.multus import whereabouts as wa
from multus_tui.ui.text import plain

if TYPE_CHECKING:
    from multus_tui.cluster.store import LiveStore
    from multus_tui.cluster.views import NADView

STATE_STYLES = {wa.LIVE: "green", wa.PENDING: "yellow", wa.STALE_GONE: "bold red", wa.STALE_OTHER: "bold red",
                wa.OUTSIDE: "magenta", wa.UNKNOWN: "dim"}


def nad_ecosystem(store: LiveStore, view: NADView) -> tuple[Text, list[tuple[str, list[Text]]]]:
    """(summary text, allocation rows) of one NAD (a NADView) from the LiveStore snapshot."""
    from multus_tui.cluster.pools import collect_pools

    nad = view.nad
    out = Text()
    rows: list[tuple[str, list[Text]]] = []
    if nad.ipam_type == "whereabouts":
        data = collect_pools(store, nads=[view])  # only this NAD's pools: cheap on a big cluster
        if not data.installed:
            out.append_text(plain(f"whereabouts: {data.reason}", "yellow"))
        else:
            reports = data.for_nad(view.namespace, view.name)
            names = ", ".join(wa.pool_names_of(nad)) or "-"
            if not reports:
                out.append_text(plain(f"whereabouts pool {names}: not created yet (no pod has attached)", "dim"))
            for r in reports:
                line = Text.assemble(("pool ", "dim"), plain(r.pool.ref, "bold"), ("  used ", "dim"), str(r.used),
                                     (f" of {r.size}" if r.size else ""), ("  free ", "dim"),
                                     "-" if r.free is None else str(r.free), ("  stale ", "dim"),
                                     (str(len(r.stale)), "bold red" if r.stale else "green"))
                if r.duplicates:
                    line.append(f"  duplicates {len(r.duplicates)}", "bold red")
                if r.forecast:
                    line.append_text(plain("  " + r.forecast.text(), "dim"))
                if r.stale:
                    line.append("  (o: Pool inspector to release)", "yellow")
                if len(out):
                    out.append("\n")
                out.append_text(line)
                for e in r.entries:
                    a = e.allocation
                    rows.append((f"{r.pool.ref}|{a.offset}", [
                        plain(r.pool.ref), plain(a.ip or "?", "bold"), plain(a.pod_ref or "-"),
                        Text(e.state + (" + duplicate" if e.duplicate else ""), STATE_STYLES.get(e.state, "")),
                        plain("; ".join(x for x in (e.detail, e.duplicate) if x))]))
    resource = nad.resource_name
    if resource:
        status = store.kind_status("node") if hasattr(store, "kind_status") else ""
        if len(out):
            out.append("\n")
        if status != "live":
            out.append_text(plain(f"resourceName {resource}: the nodes are not readable, so who advertises it is "
                                  "unknown", "yellow"))
        else:
            pods = store.pods()  # read by attribute: no copy of every pod of the cluster
            events = [e.as_event_dict() for e in store.events() if e.reason == "FailedScheduling"]
            uses = sriov.resource_uses([nad], store.nodes(), pods, events)
            use = uses[0] if uses else sriov.ResourceUse(resource)
            style = "green" if use.advertised else "bold red"
            out.append_text(plain(f"resourceName {sriov.advertised_text(resource, use.advertised)}", style))
            if use.unschedulable:
                out.append("\n")
                out.append_text(plain("cannot be scheduled: " + "; ".join(f"{p} ({why})" for p, why in
                                                                          use.unschedulable), "bold red"))
    if not len(out):
        out.append_text(plain("no whereabouts IPAM and no resourceName: nothing beyond the config", "dim"))
    return out, rows
