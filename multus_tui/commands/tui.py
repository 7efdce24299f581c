"""The default command: `multus-tui [--kubeconfig] [--context] [-n] [--readonly] [--demo] [--debug]`.

--demo starts the embedded sandbox (seed scenario) in-process, writes its kubeconfig to a temporary
file and then goes through exactly the same path as any cluster (design principle 2).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any


def build_context(kubeconfig: str | None, context: str | None, namespace: str | None,
                  readonly: bool) -> tuple[Any, str | None]:
    """(AppContext, None) for a usable kubeconfig, or (offline AppContext, why) when there is none."""
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.errors import ClusterError
    from multus_tui.cluster.kubeconfig import load_cluster
    from multus_tui.cluster.store import LiveStore
    from multus_tui.ui.context import AppContext

    try:
        info = load_cluster(kubeconfig=kubeconfig, context=context)
    except ClusterError as exc:
        return AppContext(None, None, readonly, None, None, namespace or "default", kubeconfig=kubeconfig), \
            exc.message
    cluster = Cluster(info)
    store = LiveStore(cluster)
    ctx = AppContext(cluster, store, readonly or bool(info.readonly_hint), info.context, info.server,
                     namespace or info.namespace or "default", kubeconfig=kubeconfig or info.kubeconfig,
                     contexts=list(info.contexts))
    return ctx, None


def run_app(kubeconfig: str | None, context: str | None, namespace: str | None, readonly: bool) -> str | None:
    from multus_tui.ui.app import MultusApp
    from multus_tui.ui.signals import terminal_restored_on_signals

    ctx, why = build_context(kubeconfig, context, namespace, readonly)
    ctx.extra["drafts"] = True  # the builder keeps drafts in the XDG state dir (issue 10); tests opt in
    app = MultusApp(ctx, no_cluster_reason=why, open_namespace=namespace)
    try:
        with terminal_restored_on_signals(app) as signalled:  # SIGTERM, SIGHUP, ...: issue 14
            result = app.run()
    finally:
        if ctx.store is not None:
            ctx.store.stop()
    if "signal" in signalled:
        raise SystemExit(128 + signalled["signal"])
    if app.return_code not in (0, None):
        raise SystemExit(app.return_code)
    return result


def run_demo(namespace: str | None, readonly: bool) -> str | None:
    from multus_tui.sandbox.runner import Sandbox

    with tempfile.TemporaryDirectory(prefix="multus-tui-demo-") as tmp:
        kubeconfig = os.path.join(tmp, "kubeconfig")
        sandbox = Sandbox("seed")
        sandbox.start()
        try:
            sandbox.write_kubeconfig(kubeconfig)
            return run_app(kubeconfig, "sandbox-readonly" if readonly else None, namespace, readonly)
        finally:
            sandbox.stop()


def run(args: argparse.Namespace) -> int:
    from multus_tui import logs

    logs.setup(debug=bool(getattr(args, "debug", False)))  # redacting debug log (issue 10)
    namespace = getattr(args, "namespace", None)
    readonly = bool(getattr(args, "readonly", False))
    try:
        if getattr(args, "demo", False):
            result = run_demo(namespace, readonly)
        else:
            result = run_app(args.kubeconfig, args.context, namespace, readonly)
            if result == "demo":  # asked for from the no-kubeconfig screen
                result = run_demo(namespace, readonly)
    except ImportError as exc:
        print(f"multus-tui: cannot start the TUI: {exc}", file=sys.stderr)
        return 2
    return 0 if result in (None, "demo", "") else 0
