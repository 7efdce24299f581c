"""What the one-shot cluster commands (status, doctor) share: the kubeconfig/scope boilerplate,
terminal colour detection and one-line cleaning of cluster-sourced text."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

T = TypeVar("T")

RESET = "\x1b[0m"


def clean(text: Any) -> str:
    """Cluster-sourced text on one line, without control characters (a pod name cannot move the cursor)."""
    s = "" if text is None else str(text)
    return "".join(ch if ch.isprintable() else " " for ch in " ".join(s.split()))


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set or TERM=dumb."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def collect_from_cluster(args: argparse.Namespace,
                         collect: Callable[[Any, str | None], T]) -> tuple[str | None, T]:
    """Connect with --kubeconfig/--context; return the namespace and `collect(cluster, namespace)`.

    The namespace is None with -A, else -n or the context's namespace. Raises ClusterError (kubeconfig
    unusable, cluster unreachable) for the command to report on its one stderr line.
    """
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.kubeconfig import load_cluster

    info = load_cluster(getattr(args, "kubeconfig", None), getattr(args, "context", None))
    ns = None if getattr(args, "all_namespaces", False) else (getattr(args, "namespace", None) or info.namespace)
    cluster = Cluster(info)
    try:
        return ns, collect(cluster, ns)
    finally:
        cluster.close()


def to_json(data: Any) -> str:
    """`json.dumps(data, indent=2)`'s exact text, encoded in C when it is all ASCII (the usual case):
    the pure-Python indenting encoder took 8 of the 40 s of a 150,000-pod `status -o json` (issue 18)."""
    import json

    import msgspec

    try:
        text = msgspec.json.format(msgspec.json.encode(data), indent=2).decode()
    except (TypeError, ValueError, msgspec.EncodeError):
        text = None
    if text is None or not text.isascii():  # json escapes non-ASCII as \uXXXX; msgspec writes UTF-8
        return json.dumps(data, indent=2)
    return text
