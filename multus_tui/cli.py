"""The `multus-tui` console script: parses arguments and hands off to one command module.

Command modules are imported lazily so that `multus-tui lint` never pays for textual or the
kubernetes client, and so a broken optional layer cannot break the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from multus_tui import __version__


def _add_cluster_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context to use")


def _add_scope_options(p: argparse.ArgumentParser) -> None:
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", metavar="NS", help="only this namespace (default: the context's)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    p.add_argument("-o", "--output", choices=["table", "json"], default="table", help="output format")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="multus-tui",
        description="A terminal UI for Multus secondary networks: browse, build and attach "
        "NetworkAttachmentDefinitions and see what really attached.",
    )
    parser.add_argument("--version", action="version", version=f"multus-tui {__version__}")
    parser.add_argument("--demo", action="store_true", help="start the embedded sandbox cluster (seed scenario) and open the TUI on it")
    _add_cluster_options(parser)
    parser.add_argument("-n", "--namespace", metavar="NS", help="namespace to open first")
    parser.add_argument("--readonly", action="store_true", help="hide every action that writes to the cluster")
    parser.add_argument("--debug", action="store_true", help="log debug details to the state directory (never credentials)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sandbox", help="run the embedded sandbox cluster alone and write a kubeconfig for it")
    p.add_argument("--kubeconfig", metavar="PATH", required=True, help="where to write the sandbox's kubeconfig")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    p.add_argument("--scenario", default="seed", help="seed (default), empty, no-multus, large:N")
    p.set_defaults(module="sandbox")

    p = sub.add_parser(
        "lint",
        help="validate NAD and pod manifests offline (exit 1 on errors)",
        epilog="Exit status: 0 no errors, 1 errors found, 2 input could not be read or parsed "
        "(2 wins over 1; the other documents are still checked).",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files, or - for standard input")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(module="lint")

    p = sub.add_parser(
        "fmt",
        help="print the canonical form of NAD manifests",
        epilog="Exit status: 0 done (or already canonical with --check), 1 not canonical (--check), "
        "2 input could not be read or parsed, or formatting would change its meaning.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files, or - for standard input")
    p.add_argument("--check", action="store_true", help="exit 1 when the input is not already canonical")
    p.set_defaults(module="fmt")

    p = sub.add_parser("status", help="print pod attachment status once, for scripts")
    _add_cluster_options(p)
    _add_scope_options(p)
    p.set_defaults(module="status")

    p = sub.add_parser(
        "doctor",
        help="cluster-wide diagnosis of what Multus gets wrong silently",
        epilog="Exit status: 0 no error findings, 1 at least one error finding, 2 the cluster could not be read.",
    )
    _add_cluster_options(p)
    _add_scope_options(p)
    p.add_argument("--namespace-isolation", action="store_true",
                   help="assume Multus runs with namespaceIsolation: pods may only use NADs of their own or global namespaces")
    p.add_argument("--global-namespaces", metavar="NS,NS", type=lambda v: [x.strip() for x in v.split(",") if x.strip()],
                   help="Multus globalNamespaces with --namespace-isolation (default: default)")
    p.set_defaults(module="doctor")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module = getattr(args, "module", None) or "tui"
    try:
        mod = importlib.import_module(f"multus_tui.commands.{module}")
    except ImportError as exc:  # a missing optional piece must say so, not dump a traceback
        print(f"multus-tui: the {module} command is not available: {exc}", file=sys.stderr)
        return 2
    try:
        return int(mod.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `multus-tui status | head` closes the pipe early; that is not an error.
        return 0
