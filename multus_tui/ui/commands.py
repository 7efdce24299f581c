"""Command palette provider (posting's habit): commands that depend on where you are.

Everywhere: go home, switch namespace (one command per namespace), switch context, the doctor
(whole cluster, or the current namespace), themes, help.
On a namespace: open its tabs, create a NAD, attach pods. On a NAD: open it in the builder, attach,
its whereabouts pools. Everywhere online: the Pool inspector.
Under --readonly the builders are offered as offline builders (they hide apply/create themselves).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from multus_tui.ui.app import MultusApp


class MultusCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast("MultusApp", self.app)  # the provider is registered by the multus-tui shell only
        ctx = app.ctx
        screen = self.screen  # the screen the palette was opened on (app.screen is the palette itself)
        ro = ctx.readonly
        cmds: list[tuple[str, Callable[[], object], str]] = []
        if ctx.store is not None:
            cmds.append(("Home: namespaces", app.go_home, "Back to the list of namespaces"))
            for namespace in ctx.store.namespaces():
                cmds.append((f"Namespace: {namespace.name}", partial(app.open_namespace_screen, namespace.name),
                             "Open this namespace"))
            cmds.append(("Switch context", app.action_switch_context, "Pick another kubeconfig context"))
            cmds.append(("Reconnect", app.action_retry, "Check the connection again"))
            cmds.append(("Doctor: all namespaces", partial(app.open_doctor, None),
                         "What Multus gets wrong silently, cluster-wide"))
            cmds.append(("Pools (whereabouts)", partial(app.open_pools, None),
                         "Every whereabouts IPPool: allocations, stale ones, free addresses, forecast"))
        ns = getattr(screen, "namespace", None) or ctx.namespace
        if ctx.store is not None and ns:
            cmds.append((f"Doctor: namespace {ns}", partial(app.open_doctor, ns), "The doctor's findings in " + ns))
            cmds.append((f"Pods of {ns}", partial(app.open_namespace_screen, ns, "pods"), "Live attachment status"))
            cmds.append((f"Events of {ns}", partial(app.open_namespace_screen, ns, "events"), "Multus events"))
        offline = " (offline)" if ro and ctx.online else ""
        cmds.append((f"Create NAD in {ns}{offline}" if ctx.online else "Offline NAD builder",
                     partial(app.open_builder, None, ns), "Open the NAD builder"))
        if ctx.online:
            cmds.append((f"Attach pods in {ns}{offline}", partial(app.open_attach, ns, []), "Open the attach builder"))
            from multus_tui.ui.screens.nad_detail import NadDetailScreen

            view = screen.view() if isinstance(screen, NadDetailScreen) else None
            if view is not None:
                cmds.append((f"Edit NAD {view.namespace}/{view.name}{offline}",
                             partial(app.open_builder, view, view.namespace), "Open this NAD in the builder"))
                if view.nad.ipam_type == "whereabouts":
                    cmds.append((f"Pools of NAD {view.namespace}/{view.name}",
                                 partial(app.open_pools, (view.namespace, view.name)),
                                 "The whereabouts pool(s) this NAD allocates from"))
        cmds.append(("Help: keys", app.action_help, "The keys of this screen"))
        cmds.append(("Theme", app.action_change_theme, "Pick a Textual theme"))
        return cmds

    async def discover(self) -> Hits:
        for name, cb, help_ in self._commands():
            yield DiscoveryHit(name, cb, help=help_)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, cb, help_ in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), cb, help=help_)
